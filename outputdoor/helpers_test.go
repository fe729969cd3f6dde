package outputdoor

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/instance"
	"github.com/auditx/auditx/internal/eventtest"
	"github.com/auditx/auditx/internal/mpjson"
)

// fakeEmitter records what it is sent and fails on demand.
type fakeEmitter struct {
	mu     sync.Mutex
	sends  []sent
	err    error
	panics bool
	closed int
}

type sent struct {
	tag    string
	events []byte
	count  int
}

func (f *fakeEmitter) Send(tag string, events []byte, count int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.panics {
		panic("emitter exploded")
	}
	if f.err != nil {
		return f.err
	}
	f.sends = append(f.sends, sent{tag, bytes.Clone(events), count})
	return nil
}

func (f *fakeEmitter) Close() error { f.mu.Lock(); f.closed++; f.mu.Unlock(); return nil }

func (f *fakeEmitter) events() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.sends {
		n += s.count
	}
	return n
}

type harness struct {
	in    *Output
	em    *fakeEmitter
	noAck *fakeEmitter
	log   *bytes.Buffer
}

func newHarness(t *testing.T, props config.Map, mutate ...func(*Deps)) *harness {
	t.Helper()
	cfg, err := config.Parse(props)
	require.NoError(t, err)
	h := &harness{em: &fakeEmitter{}, noAck: &fakeEmitter{}, log: &bytes.Buffer{}}
	deps := Deps{Emitter: h.em, NoAckEmitter: h.noAck, Log: instance.NewLogger(&syncWriter{w: h.log}, "test", instance.LevelDebug),
		ThreadID: func() int { return 1 }, SelfListening: func(string, string) bool { return false }}
	for _, m := range mutate {
		m(&deps)
	}
	h.in, err = New("test", cfg, deps)
	require.NoError(t, err)
	t.Cleanup(h.in.Close)
	return h
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

var cv = mpjson.New()

// event builds [[EventTime(sec, 0), {}], body] from a JSON body.
func event(t testing.TB, sec uint32, js string) []byte {
	body, err := cv.ToMsgpack([]byte(js))
	require.NoError(t, err)
	return eventtest.V2(sec, 0, eventtest.EmptyMap, body)
}

func chunkOf(t testing.TB, n int) []byte {
	var c []byte
	for i := 0; i < n; i++ {
		code := [...]string{"100", "422", "102"}[i%3]
		c = append(c, event(t, uint32(1763626443+i), fmt.Sprintf(`{"event_id":"%s","event_name":"x","seq":%d}`, code, i))...)
	}
	return c
}
