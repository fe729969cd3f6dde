package outputdoor

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/auditx/auditx/instance"
)

// histogram is a fixed-bucket latency histogram (Prometheus semantics:
// cumulative buckets, sum, count), lock-free.
type histogram struct {
	buckets [len(latencyBuckets) + 1]atomic.Uint64
	sumNs   atomic.Uint64
	count   atomic.Uint64
}

// latencyBuckets are the upper bounds, in seconds, of the flush latency
// histogram: 100 µs to 10 s.
var latencyBuckets = [...]float64{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(latencyBuckets) && s > latencyBuckets[i] {
		i++
	}
	h.buckets[i].Add(1)
	h.sumNs.Add(uint64(d.Nanoseconds()))
	h.count.Add(1)
}

// Counters is a snapshot of the output door's own counters (the core's
// are the enricher's and the reloader's), as exposed in metrics.
type Counters struct {
	Flushes, FlushRetry, FlushError          uint64
	Emitted, EmitErrors, EngineThreadFlushes uint64
	Loops, Panics, Oversize                  uint64
}

// Counters returns the output's counters.
func (in *Output) Counters() Counters {
	return Counters{
		Flushes: in.stats.flushes.Load(), FlushRetry: in.stats.flushRetry.Load(), FlushError: in.stats.flushError.Load(),
		Emitted: in.stats.emitted.Load(), EmitErrors: in.stats.emitErrors.Load(),
		EngineThreadFlushes: in.stats.engineThread.Load(), Loops: in.stats.loops.Load(), Panics: in.stats.panics.Load(),
		Oversize: in.stats.oversize.Load(),
	}
}

// WriteMetrics writes the output's metrics in the Prometheus text format:
// the core's, then the door's own.
func (in *Output) WriteMetrics(w io.Writer) {
	c := in.Counters()
	in.Core.WriteMetrics(w)
	lbl := fmt.Sprintf(`{instance=%q}`, in.Name)
	counter := instance.CounterWriter(w, in.Name)
	counter("emitted_records_total", "Records delivered to the emit target.", c.Emitted)
	counter("emit_errors_total", "Failed emit attempts (the chunk is retried by Fluent Bit).", c.EmitErrors)
	counter("flushes_total", "Flush calls.", c.Flushes)
	counter("flush_retries_total", "Flushes answered with FLB_RETRY.", c.FlushRetry)
	counter("flush_errors_total", "Flushes answered with FLB_ERROR.", c.FlushError)
	counter("engine_thread_flushes_total", "Flushes sent without ack because they ran on the engine thread (workers 0).", c.EngineThreadFlushes)
	counter("loops_total", "Flushes of records carrying auditx's own emit tag prefix.", c.Loops)
	counter("oversize_dropped_total", "Single events larger than max_message_size, dropped.", c.Oversize)
	counter("panics_total", "Recovered panics (the chunk was retried).", c.Panics)
	h := &in.stats.latency
	fmt.Fprintf(w, "# HELP auditx_flush_duration_seconds Time spent in one flush (enrich and emit).\n# TYPE auditx_flush_duration_seconds histogram\n")
	var cum uint64
	for i, le := range latencyBuckets {
		cum += h.buckets[i].Load()
		fmt.Fprintf(w, "auditx_flush_duration_seconds_bucket{instance=%q,le=\"%g\"} %d\n", in.Name, le, cum)
	}
	cum += h.buckets[len(latencyBuckets)].Load()
	fmt.Fprintf(w, "auditx_flush_duration_seconds_bucket{instance=%q,le=\"+Inf\"} %d\n", in.Name, cum)
	fmt.Fprintf(w, "auditx_flush_duration_seconds_sum%s %g\n", lbl, float64(h.sumNs.Load())/1e9)
	fmt.Fprintf(w, "auditx_flush_duration_seconds_count%s %d\n", lbl, h.count.Load())
}
