package instance

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/enrich"
)

// Filter is one [FILTER] auditx section (or one auditx processor): the
// shared Core with a Filter method that Fluent Bit's threads call
// concurrently, once per append of records.
type Filter struct {
	*Core
	bufs  sync.Pool // *[]byte, one in use per concurrent call
	stats filterCounters
}

type filterCounters struct {
	calls, modified, untouched, panics, trailing atomic.Uint64
}

// MaxKeptBuffer bounds the output buffer a Filter keeps for reuse after a
// call: a larger one (a huge append) is left to the garbage collector, so
// the Go heap held between calls stays at most this per concurrent caller.
const MaxKeptBuffer = 4 << 20

// NewFilter builds a filter from cfg: the catalog with the user files, the
// enricher, the reloader and the metrics listener. log receives the lines
// (the door routes them through Fluent Bit's logger); onCatalog, when not
// nil, is told of every catalog reload (the new size, or failed), from the
// reloader's goroutine.
func NewFilter(name string, cfg *config.Config, log *Logger, onCatalog func(entries int, failed bool)) (*Filter, error) {
	core, err := NewCore(name, cfg, log)
	if err != nil {
		return nil, err
	}
	core.onCatalog = onCatalog
	f := &Filter{Core: core}
	f.bufs.New = func() any { return new([]byte) }
	if err := core.Start(f.WriteMetrics); err != nil {
		return nil, err
	}
	core.LogStart("")
	return f, nil
}

// Filter enriches one append of records (concatenated msgpack events).
//
// Contract: when at least one record was rewritten (enriched, with a known
// or unknown code, or given data_stream alone), it calls emit once with the
// whole new append, valid only during the call,
// and returns true (FLB_FILTER_MODIFIED: the caller copies it into memory
// Fluent Bit frees). Otherwise it returns false and the append passes
// untouched (FLB_FILTER_NOTOUCH): nothing to enrich, bytes after the last
// complete event (kept as they are rather than cut), or a recovered panic
// (counted and logged). It never drops or reorders a record. st receives
// this call's counts.
func (f *Filter) Filter(data []byte, emit func(out []byte), st *enrich.Stats) (modified bool) {
	bp := f.bufs.Get().(*[]byte)
	out, modified := f.FilterTo(data, (*bp)[:0], emit, st)
	if cap(out) <= MaxKeptBuffer {
		*bp = out[:0]
		f.bufs.Put(bp)
	}
	return modified
}

// FilterTo is Filter writing the new append after dst's bytes: in dst's
// own memory while it has room (the filter door hands it the malloc'ed
// out_buf, so that the append is not copied once more), else in memory
// that grows from it. It returns the buffer written, whatever the outcome,
// and what Filter returns.
func (f *Filter) FilterTo(data, dst []byte, emit func(out []byte), st *enrich.Stats) (out []byte, modified bool) {
	f.stats.calls.Add(1)
	out = dst
	defer func() {
		if r := recover(); r != nil {
			f.stats.panics.Add(1)
			f.log.Limitf(LevelError, "panic", "filter panicked, the records pass untouched: %v", r)
			modified = false
		}
		if modified {
			f.stats.modified.Add(1)
		} else {
			f.stats.untouched.Add(1)
		}
	}()
	if len(data) == 0 {
		return out, false
	}
	out, s := f.enr.ChunkAppend(dst, data)
	*st = s
	if s.MalformedTotal() > 0 {
		f.log.Limitf(LevelWarn, "malformed", "%d malformed record(s) and %d non-event entries passed on untouched", s.Malformed, s.BadEvents)
	}
	switch {
	case s.TrailingBytes > 0:
		f.stats.trailing.Add(1)
		f.log.Limitf(LevelError, "trailing", "an append ends with %d bytes that are not a complete msgpack object; the whole append passes untouched", s.TrailingBytes)
	case s.Rewritten > 0:
		emit(out)
		modified = true
	}
	return out, modified
}

// FilterCounters is a snapshot of the door's own counters.
type FilterCounters struct {
	Calls, Modified, Untouched, Panics, Trailing uint64
}

// Counters returns the filter's counters.
func (f *Filter) Counters() FilterCounters {
	return FilterCounters{Calls: f.stats.calls.Load(), Modified: f.stats.modified.Load(),
		Untouched: f.stats.untouched.Load(), Panics: f.stats.panics.Load(), Trailing: f.stats.trailing.Load()}
}

// WriteMetrics writes the filter's metrics in the Prometheus text format.
func (f *Filter) WriteMetrics(w io.Writer) {
	c := f.Counters()
	f.Core.WriteMetrics(w)
	counter := CounterWriter(w, f.Name)
	counter("filter_calls_total", "Filter calls (one per append of records).", c.Calls)
	counter("filter_modified_total", "Calls answered FLB_FILTER_MODIFIED.", c.Modified)
	counter("filter_untouched_total", "Calls answered FLB_FILTER_NOTOUCH (nothing to enrich, trailing bytes or a recovered panic).", c.Untouched)
	counter("filter_trailing_bytes_total", "Calls whose append ended with an incomplete msgpack object (passed untouched).", c.Trailing)
	counter("panics_total", "Recovered panics (the records passed untouched).", c.Panics)
}

// Close stops background work and logs the counters; idempotent per call
// site (the door calls it once, from cb_exit).
func (f *Filter) Close() {
	f.Stop()
	c := f.Counters()
	f.LogExit(fmt.Sprintf(" calls=%d modified=%d untouched=%d panics=%d", c.Calls, c.Modified, c.Untouched, c.Panics))
}
