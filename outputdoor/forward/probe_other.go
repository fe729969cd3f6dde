//go:build !unix

package forward

// probe is unused where there is no portable non-blocking read.
func (s *slot) probe(uintptr) bool { return true }

// checkIdle cannot look at the socket without a non-blocking read on this
// platform: a dead idle connection is found by the write or the ack wait.
func (s *slot) checkIdle() error { return nil }
