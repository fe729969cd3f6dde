//go:build linux

package flbhost

import (
	"os"
	"sync"
	"syscall"
)

// stderrMu serialises CaptureStderr: file descriptor 2 is process-wide.
var stderrMu sync.Mutex

// CaptureStderr runs fn with the process's file descriptor 2 redirected to
// a temporary file and returns what was written to it: a plugin's log lines
// (a Go .so writes to the same descriptor as its host). Calls are
// serialised; anything else the process writes to stderr meanwhile is
// captured too.
func CaptureStderr(fn func()) (string, error) {
	stderrMu.Lock()
	defer stderrMu.Unlock()
	f, err := os.CreateTemp("", "flbhost-stderr-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	saved, err := syscall.Dup(2)
	if err != nil {
		return "", err
	}
	if err := syscall.Dup3(int(f.Fd()), 2, 0); err != nil {
		syscall.Close(saved)
		return "", err
	}
	func() {
		defer func() {
			_ = syscall.Dup3(saved, 2, 0)
			_ = syscall.Close(saved)
		}()
		fn()
	}()
	out, err := os.ReadFile(f.Name())
	return string(out), err
}
