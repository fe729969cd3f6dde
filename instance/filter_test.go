package instance

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/internal/eventtest"
)

// privxEvent is one v2 event with a known PrivX code.
func privxEvent() []byte { return privxEventCode("425") }

// privxEventCode is one v2 event of PrivX's shape with the given code.
func privxEventCode(code string) []byte {
	b := msgp.AppendMapHeader(nil, 2)
	b = msgp.AppendString(b, "event_id")
	b = msgp.AppendString(b, code)
	b = msgp.AppendString(b, "event_name")
	b = msgp.AppendString(b, "API-client-modified")
	return eventtest.V2(1, 0, eventtest.EmptyMap, b)
}

func newTestFilter(t *testing.T, log *bytes.Buffer) *Filter {
	return newFilterWith(t, "f", config.Map{"vendor": "privx"}, log)
}

// newFilterWith builds a filter of the given keys whose log lines go to log.
func newFilterWith(t *testing.T, name string, props config.Map, log *bytes.Buffer) *Filter {
	t.Helper()
	cfg, err := config.ParseFilter(props)
	require.NoError(t, err)
	var mu sync.Mutex
	f, err := NewFilter(name, cfg, NewSinkLogger(func(l Level, msg string) {
		mu.Lock()
		defer mu.Unlock()
		log.WriteString(levelNames[l] + " " + msg + "\n")
	}, LevelInfo), nil)
	require.NoError(t, err)
	t.Cleanup(f.Close)
	return f
}

func TestFilterModifiedAndUntouched(t *testing.T) {
	var log bytes.Buffer
	f := newTestFilter(t, &log)
	var got []byte
	var st enrich.Stats
	require.True(t, f.Filter(privxEvent(), func(out []byte) { got = append([]byte(nil), out...) }, &st))
	require.Equal(t, uint64(1), st.Enriched)
	require.Contains(t, string(got), "API-client-modified")
	called := false
	require.False(t, f.Filter(privxEvent()[:10], func([]byte) { called = true }, &st), "trailing bytes: untouched")
	require.False(t, called)
	require.Contains(t, log.String(), "the whole append passes untouched")
	c := f.Counters()
	require.Equal(t, FilterCounters{Calls: 2, Modified: 1, Untouched: 1, Trailing: 1}, c)
}

// A panic inside a call leaves the append untouched, is counted and logged
// (rate-limited), and never escapes.
func TestFilterRecoversPanic(t *testing.T) {
	var log bytes.Buffer
	f := newTestFilter(t, &log)
	var st enrich.Stats
	for range 3 {
		require.NotPanics(t, func() {
			require.False(t, f.Filter(privxEvent(), func([]byte) { panic("boom") }, &st))
		})
	}
	require.Equal(t, uint64(3), f.Counters().Panics)
	require.Equal(t, 1, strings.Count(log.String(), "filter panicked, the records pass untouched: boom"), "rate-limited:\n%s", log.String())
	var w bytes.Buffer
	f.WriteMetrics(&w)
	require.Contains(t, w.String(), `auditx_panics_total{instance="f"} 3`)
}

// Concurrent calls share nothing but pooled buffers (run with -race).
func TestFilterConcurrent(t *testing.T) {
	var log bytes.Buffer
	f := newTestFilter(t, &log)
	var want []byte
	var st enrich.Stats
	f.Filter(privxEvent(), func(out []byte) { want = append([]byte(nil), out...) }, &st)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var st enrich.Stats
			for range 200 {
				f.Filter(privxEvent(), func(out []byte) {
					if !bytes.Equal(out, want) {
						errs <- "output differs"
					}
				}, &st)
			}
		}()
	}
	wg.Wait()
	close(errs)
	require.Empty(t, errs)
	require.Equal(t, uint64(1+8*200), f.Enricher().Stats().Enriched)
}

// Every counter of enrich's table is in the Prometheus text of
// metrics_listen (name, help, value), and every one marked Exit in the exit
// line (key=value); the others are not there.
func TestEveryCounterInMetricsAndExitLine(t *testing.T) {
	var log bytes.Buffer
	f := newTestFilter(t, &log)
	var st enrich.Stats
	require.True(t, f.Filter(privxEvent(), func([]byte) {}, &st))
	f.Enricher().CountReload(nil)
	s := f.Enricher().Stats()
	var w bytes.Buffer
	f.WriteMetrics(&w)
	f.Close()
	i := strings.Index(log.String(), "exit: ")
	require.GreaterOrEqual(t, i, 0, log.String())
	exit := log.String()[i:]
	exit = exit[:strings.IndexByte(exit, '\n')]
	for _, c := range enrich.Counters() {
		require.Contains(t, w.String(), fmt.Sprintf("# HELP auditx_%s %s\n# TYPE auditx_%s counter\nauditx_%s{instance=\"f\"} %d\n",
			c.Name, c.Help, c.Name, c.Name, c.Value(&s)))
		if c.Exit {
			require.Contains(t, exit+" ", fmt.Sprintf(" %s=%d ", c.Key(), c.Value(&s)))
		} else {
			require.NotContains(t, exit, " "+c.Key()+"=")
		}
	}
	require.Contains(t, exit, " records=1 enriched=1 ")
	require.Contains(t, w.String(), `auditx_catalog_reloads_total{instance="f"} 1`)
}
