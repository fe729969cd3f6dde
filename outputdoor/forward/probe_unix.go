//go:build unix

package forward

import (
	"errors"
	"io"
	"syscall"
)

// probe is the syscall.RawConn.Read callback of checkIdle: one non-blocking
// read(2) of at most one byte. It is stored as a method value at dial time
// so checkIdle does not allocate.
func (s *slot) probe(fd uintptr) bool {
	s.probeN, s.probeErr = syscall.Read(int(fd), s.probeBuf[:])
	return true
}

// checkIdle reports why an idle pooled connection must not be reused, or
// nil if it looks healthy. in_forward closes its connections on pause and
// shutdown (plugins/in_forward/fw.c in_fw_pause → fw_conn_del_all), and a
// restarted Fluent Bit leaves the old socket at EOF; one non-blocking read
// notices that before a message is written into a dead connection, which
// without acks would be lost silently. The peer never sends anything
// unasked, so pending bytes are a protocol error as well.
func (s *slot) checkIdle() error {
	if s.raw == nil {
		return nil
	}
	if err := s.raw.Read(s.probeFn); err != nil {
		return err
	}
	switch {
	case s.probeN > 0:
		return ErrStaleData
	case s.probeErr == nil:
		return io.EOF
	case errors.Is(s.probeErr, syscall.EAGAIN), errors.Is(s.probeErr, syscall.EINTR):
		return nil
	default:
		return s.probeErr
	}
}
