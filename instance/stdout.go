package instance

import (
	"bufio"
	"io"
	"os"
	"sync"

	"github.com/auditx/auditx/internal/mpjson"
)

func stderr() io.Writer { return os.Stderr }

// stdoutEmitter writes each event as a JSON line
// {"tag": ..., "time": ..., "record": {...}} (emit stdout: debugging, demos).
type stdoutEmitter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	cv  *mpjson.Converter
	out io.Writer
}

func newStdoutEmitter(w io.Writer) *stdoutEmitter {
	if w == nil {
		w = os.Stdout
	}
	return &stdoutEmitter{w: bufio.NewWriter(w), cv: mpjson.New(), out: w}
}

// Send writes the events; a line that cannot be converted is written as an
// error object instead, never dropped silently.
func (s *stdoutEmitter) Send(tag string, events []byte, count int) error {
	lines, err := mpjson.EventsToJSONLines(s.cv, tag, events)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range lines {
		s.w.Write(l)
		s.w.WriteByte('\n')
	}
	if ferr := s.w.Flush(); ferr != nil {
		return ferr
	}
	return err
}

func (s *stdoutEmitter) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Flush()
}
