package outputdoor

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/auditx/auditx/internal/mp"
)

// stdoutEmitter writes each event as a JSON line
// {"tag": ..., "time": ..., "metadata": {...}, "record": {...}} (emit stdout:
// debugging, demos), converted by internal/mp.
type stdoutEmitter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	line []byte
}

func newStdoutEmitter(w io.Writer) *stdoutEmitter {
	if w == nil {
		w = os.Stdout
	}
	return &stdoutEmitter{w: bufio.NewWriter(w)}
}

// Send writes the events; an event that cannot be converted is written as
// an error object instead, never dropped silently.
func (s *stdoutEmitter) Send(tag string, events []byte, count int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var firstErr error
	for i := 0; i < len(events); {
		end, err := mp.Skip(events, i)
		if err != nil {
			s.line = errorLine(s.line[:0], tag, fmt.Sprintf("%d undecodable bytes: %v", len(events)-i, err))
			s.w.Write(s.line)
			if firstErr == nil {
				firstErr = err
			}
			break
		}
		s.line, err = eventLine(s.line[:0], tag, events[i:end])
		if err != nil {
			s.line = errorLine(s.line[:0], tag, "undecodable event: "+err.Error())
			if firstErr == nil {
				firstErr = err
			}
		}
		s.w.Write(s.line)
		i = end
	}
	if ferr := s.w.Flush(); ferr != nil {
		return ferr
	}
	return firstErr
}

// eventLine renders one [[time, metadata], body] or [time, body] event.
func eventLine(dst []byte, tag string, ev []byte) ([]byte, error) {
	n, hi, ok := mp.ArrayHeader(ev, 0)
	if !ok || n != 2 {
		return dst, fmt.Errorf("not an [header, body] event")
	}
	dst = mp.AppendJSONString(append(dst, `{"tag":`...), tag)
	var err error
	var bi int
	if hn, ti, ok := mp.ArrayHeader(ev, hi); ok && hn == 2 {
		dst = append(dst, `,"time":`...)
		var mi int
		if dst, mi, err = mp.AppendJSON(dst, ev, ti); err != nil {
			return dst, err
		}
		dst = append(dst, `,"metadata":`...)
		if dst, bi, err = mp.AppendJSON(dst, ev, mi); err != nil {
			return dst, err
		}
	} else {
		dst = append(dst, `,"time":`...)
		if dst, bi, err = mp.AppendJSON(dst, ev, hi); err != nil {
			return dst, err
		}
	}
	dst = append(dst, `,"record":`...)
	if dst, _, err = mp.AppendJSON(dst, ev, bi); err != nil {
		return dst, err
	}
	return append(dst, "}\n"...), nil
}

func errorLine(dst []byte, tag, msg string) []byte {
	dst = mp.AppendJSONString(append(dst, `{"tag":`...), tag)
	dst = mp.AppendJSONString(append(dst, `,"error":`...), msg)
	return append(dst, "}\n"...)
}

func (s *stdoutEmitter) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Flush()
}
