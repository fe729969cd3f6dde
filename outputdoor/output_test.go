//go:build !passthrough

package outputdoor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/instance"
	"github.com/auditx/auditx/outputdoor/forward"
)

func TestFlushEnrichesAndEmits(t *testing.T) {
	h := newHarness(t, config.Map{})
	require.Equal(t, FlushOK, h.in.Flush(chunkOf(t, 10), "audit.privx"))
	require.Len(t, h.em.sends, 1, "one message per flush")
	s := h.em.sends[0]
	assert.Equal(t, "enriched.audit.privx", s.tag)
	assert.Equal(t, 10, s.count)
	assert.Contains(t, string(s.events), "User-logged-in")
	st := h.in.Enricher().Stats()
	assert.EqualValues(t, 10, st.Records)
	assert.EqualValues(t, 7, st.Enriched) // 100 and 102 are known, 422 is in neither PrivX list
	assert.EqualValues(t, 3, st.Unknown)
	assert.EqualValues(t, 10, h.in.Counters().Emitted)
	assert.Equal(t, FlushOK, h.in.Flush(nil, "audit.privx"), "empty chunk")
}

func TestFlushReturnCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want FlushCode
	}{
		{"retryable transport error", &forward.Error{Op: forward.OpDial, Err: errors.New("refused")}, FlushRetry},
		{"ack timeout", &forward.Error{Op: forward.OpAck, Err: errors.New("timeout")}, FlushRetry},
		{"closed for good", &forward.Error{Op: forward.OpClosed, Err: forward.ErrClosed}, FlushError},
		{"unclassified error is retried", errors.New("disk full"), FlushRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, config.Map{})
			h.em.err = tt.err
			assert.Equal(t, tt.want, h.in.Flush(chunkOf(t, 3), "a"))
			assert.EqualValues(t, 1, h.in.Counters().EmitErrors)
			assert.NotContains(t, h.log.String(), "event_name", "no record content in logs")
		})
	}
}

func TestFlushRecoversPanic(t *testing.T) {
	h := newHarness(t, config.Map{})
	h.em.panics = true
	assert.Equal(t, FlushRetry, h.in.Flush(chunkOf(t, 2), "a"))
	assert.EqualValues(t, 1, h.in.Counters().Panics)
	assert.Contains(t, h.log.String(), "flush panicked")
}

// A flush bigger than max_message_size goes out in several messages of
// whole events, none over the limit, all in order.
func TestFlushSplitsAtEventBoundaries(t *testing.T) {
	h := newHarness(t, config.Map{"max_message_size": "64K"})
	chunk := chunkOf(t, 3000)
	require.Equal(t, FlushOK, h.in.Flush(chunk, "a"))
	require.Greater(t, len(h.em.sends), 1)
	total := 0
	var all []byte
	for _, s := range h.em.sends {
		assert.LessOrEqual(t, len(s.events), 64000-forward.HeaderAllowance)
		total += s.count
		all = append(all, s.events...)
	}
	assert.Equal(t, 3000, total)
	out, ends, _ := h.in.Enricher().Chunk(nil, nil, chunk)
	assert.Len(t, ends, 3000)
	assert.Equal(t, len(out), len(all))
}

func TestOversizeEventDropped(t *testing.T) {
	h := newHarness(t, config.Map{"max_message_size": "64K"})
	big := event(t, 1, `{"event_id":"100","event_name":"x","blob":"`+strings.Repeat("x", 70000)+`"}`)
	chunk := append(chunkOf(t, 2), big...)
	chunk = append(chunk, chunkOf(t, 1)...)
	assert.Equal(t, FlushOK, h.in.Flush(chunk, "a"))
	assert.Equal(t, 3, h.em.events(), "the others are delivered")
	assert.EqualValues(t, 1, h.in.Counters().Oversize)
	assert.Contains(t, h.log.String(), "exceeds max_message_size")
}

// workers 0: the flush runs on the thread that ran Init (Fluent Bit's
// engine thread) and the target is this process's in_forward.
func TestEngineThreadTrap(t *testing.T) {
	self := func(d *Deps) { d.SelfListening = func(string, string) bool { return true } }
	t.Run("same thread, own socket", func(t *testing.T) {
		h := newHarness(t, config.Map{}, self)
		assert.Equal(t, FlushOK, h.in.Flush(chunkOf(t, 2), "a"))
		assert.Empty(t, h.em.sends, "the ack-waiting emitter is not used")
		assert.Equal(t, 2, h.noAck.events(), "sent without waiting for the ack")
		assert.Contains(t, h.log.String(), "engine thread (workers 0)")
		assert.Contains(t, h.log.String(), "set 'workers 1'")
		assert.EqualValues(t, 1, h.in.Counters().EngineThreadFlushes)
	})
	t.Run("worker thread", func(t *testing.T) {
		tid := 1
		h := newHarness(t, config.Map{}, self, func(d *Deps) { d.ThreadID = func() int { tid++; return tid } })
		assert.Equal(t, FlushOK, h.in.Flush(chunkOf(t, 2), "a"))
		assert.Equal(t, 2, h.em.events())
		assert.Empty(t, h.noAck.sends)
	})
	t.Run("require_ack off", func(t *testing.T) {
		h := newHarness(t, config.Map{"require_ack": "off"}, self)
		assert.Equal(t, FlushOK, h.in.Flush(chunkOf(t, 2), "a"))
		assert.Equal(t, 2, h.em.events())
		assert.NotContains(t, h.log.String(), "engine thread")
	})
}

func TestLoopWarning(t *testing.T) {
	h := newHarness(t, config.Map{})
	assert.Equal(t, FlushOK, h.in.Flush(chunkOf(t, 1), "enriched.audit.x"))
	assert.EqualValues(t, 1, h.in.Counters().Loops)
	assert.Contains(t, h.log.String(), "a loop")
	assert.Equal(t, "enriched.enriched.audit.x", h.em.sends[0].tag)
}

func TestConcurrentFlushes(t *testing.T) {
	h := newHarness(t, config.Map{})
	chunk := chunkOf(t, 50)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				assert.Equal(t, FlushOK, h.in.Flush(chunk, "a"))
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 4*25*50, h.em.events())
}

func TestCloseIdempotent(t *testing.T) {
	h := newHarness(t, config.Map{})
	require.Equal(t, FlushOK, h.in.Flush(chunkOf(t, 2), "a"))
	h.in.Close()
	h.in.Close()
	assert.Equal(t, 1, h.em.closed)
	assert.Equal(t, FlushRetry, h.in.Flush(chunkOf(t, 1), "a"), "a closed instance keeps the chunk")
	assert.Contains(t, h.log.String(), "exit: records=")
	assert.Contains(t, h.log.String(), `exit: top unknown codes: privx/"422"(1)`, "at debug level only")
}

func TestStdoutEmitter(t *testing.T) {
	var out bytes.Buffer
	h := newHarness(t, config.Map{"emit": "stdout"}, func(d *Deps) { d.Emitter = nil; d.Stdout = &out })
	require.Equal(t, FlushOK, h.in.Flush(chunkOf(t, 2), "audit.privx"))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	v, err := cv.ToMsgpack([]byte(lines[0]))
	require.NoError(t, err)
	m, _ := cv.Decode(v)
	obj := m.(map[string]any)
	assert.Equal(t, "enriched.audit.privx", obj["tag"])
	assert.InDelta(t, 1763626443, obj["time"], 1)
	assert.Equal(t, "User-logged-in", obj["record"].(map[string]any)["event"].(map[string]any)["action"])
}

// The output's metrics: the core's, then the door's own (the core's
// listener serves them: instance's TestMetricsEndpoint).
func TestWriteMetrics(t *testing.T) {
	h := newHarness(t, config.Map{})
	require.Equal(t, FlushOK, h.in.Flush(chunkOf(t, 3), "a"))
	var w bytes.Buffer
	h.in.WriteMetrics(&w)
	text := w.String()
	assert.Contains(t, text, `auditx_records_total{instance="test"} 3`)
	assert.Contains(t, text, `auditx_emitted_records_total{instance="test"} 3`)
	embedded, err := catalog.Embedded()
	require.NoError(t, err)
	assert.Contains(t, text, fmt.Sprintf(`auditx_catalog_entries{instance="test"} %d`, embedded.Len()))
	assert.Contains(t, text, `auditx_flush_duration_seconds_count{instance="test"} 1`)
	assert.Contains(t, text, `# TYPE auditx_flush_duration_seconds histogram`)
	assert.Contains(t, text, `auditx_unknown_code_records_total{instance="test",vendor="privx",code="422"} 1`)
}

func TestBadCatalogFileFailsNew(t *testing.T) {
	cfg, err := config.Parse(config.Map{"catalog_files": "/nonexistent/site.csv"})
	require.NoError(t, err)
	_, err = New("x", cfg, Deps{Emitter: &fakeEmitter{}, Log: instance.NewLogger(io.Discard, "x", instance.LevelError)})
	require.ErrorContains(t, err, "/nonexistent/site.csv")
}

// The enrich key is deprecated: still accepted (Fluent Bit would refuse a
// section that sets an unknown key), ignored (records are enriched), and a
// warning at start says so.
func TestEnrichKeyDeprecated(t *testing.T) {
	for _, v := range []string{"off", "on"} {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, config.Map{"enrich": v})
			require.Equal(t, FlushOK, h.in.Flush(chunkOf(t, 3), "audit.privx"))
			assert.Contains(t, string(h.em.sends[0].events), "User-logged-in", "enriched")
			assert.EqualValues(t, 3, h.in.Enricher().Stats().Records)
			assert.Contains(t, h.log.String(), "[ warn] [output:auditx:test] config key 'enrich' (set to \""+v+"\") is deprecated and has no effect")
		})
	}
}
