package instance

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditx/auditx/enrich"
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

// Counters is a snapshot of an instance's counters, as exposed in metrics.
type Counters struct {
	Flushes, FlushOK, FlushRetry, FlushError uint64
	Emitted, EmitErrors, EngineThreadFlushes uint64
	Loops, Panics, Oversize                  uint64
	CatalogReloads, CatalogReloadErrors      uint64
	CatalogEntries                           int
}

// Counters returns the instance's counters.
func (in *Instance) Counters() Counters {
	reloads, failures, entries := in.CatalogCounters()
	c := Counters{
		CatalogReloads: reloads, CatalogReloadErrors: failures,
		Flushes: in.stats.flushes.Load(), FlushOK: in.stats.flushOK.Load(), FlushRetry: in.stats.flushRetry.Load(),
		FlushError: in.stats.flushError.Load(), Emitted: in.stats.emitted.Load(), EmitErrors: in.stats.emitErrors.Load(),
		EngineThreadFlushes: in.stats.engineThread.Load(), Loops: in.stats.loops.Load(), Panics: in.stats.panics.Load(),
		Oversize: in.stats.oversize.Load(), CatalogEntries: entries,
	}
	return c
}

// promCounters returns a writer of Prometheus counters of one instance.
func promCounters(w io.Writer, instance string) func(name, help string, v uint64) {
	lbl := fmt.Sprintf(`{instance=%q}`, instance)
	return func(name, help string, v uint64) {
		fmt.Fprintf(w, "# HELP auditx_%s %s\n# TYPE auditx_%s counter\nauditx_%s%s %d\n", name, help, name, name, lbl, v)
	}
}

// writeCoreMetrics writes what both doors count: every counter of enrich's
// table (records by outcome, catalog reloads, ...), the catalog's size and
// the unknown-code top list.
func writeCoreMetrics(w io.Writer, c *Core) {
	s := c.enr.Stats()
	counter := promCounters(w, c.Name)
	for _, k := range enrich.Counters() {
		counter(k.Name, k.Help, k.Value(&s))
	}
	fmt.Fprintf(w, "# HELP auditx_%s %s\n# TYPE auditx_%s gauge\nauditx_%s{instance=%q} %d\n",
		enrich.CatalogEntriesName, enrich.CatalogEntriesHelp, enrich.CatalogEntriesName, enrich.CatalogEntriesName, c.Name, c.enr.Catalog().Len())
	top, other := c.enr.UnknownCodes(TopUnknownCodes)
	fmt.Fprintf(w, "# HELP auditx_unknown_code_records_total Records per code the catalog does not know (the %d most frequent; add them to a catalog file).\n# TYPE auditx_unknown_code_records_total counter\n", TopUnknownCodes)
	for _, u := range top {
		fmt.Fprintf(w, "auditx_unknown_code_records_total{instance=%q,vendor=%q,code=%q} %d\n", c.Name, u.Vendor, u.Code, u.Count)
	}
	if other > 0 {
		fmt.Fprintf(w, "auditx_unknown_code_records_total{instance=%q,vendor=\"other\",code=\"other\"} %d\n", c.Name, other)
	}
}

// WriteMetrics writes the instance's metrics in the Prometheus text format.
func (in *Instance) WriteMetrics(w io.Writer) {
	c := in.Counters()
	writeCoreMetrics(w, in.Core)
	lbl := fmt.Sprintf(`{instance=%q}`, in.Name)
	counter := promCounters(w, in.Name)
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

// TopUnknownCodes is how many unknown codes the metrics and the exit log list.
const TopUnknownCodes = 20

// unknownSummary lists the most frequent unknown codes for a log line.
func (c *Core) unknownSummary(n int) string {
	top, _ := c.enr.UnknownCodes(n)
	if len(top) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" top unknown codes:")
	for _, u := range top {
		fmt.Fprintf(&b, " %s/%q(%d)", u.Vendor, Truncate(u.Code, 64), u.Count)
	}
	return b.String()
}

// metricsServer serves /metrics for one instance.
type metricsServer struct {
	srv *http.Server
	ln  net.Listener
	wg  sync.WaitGroup
}

func startMetrics(log *Logger, write func(io.Writer), addr string) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		write(w)
	})
	m := &metricsServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.srv.Serve(ln)
	}()
	log.Infof("metrics on http://%s/metrics", ln.Addr())
	return m, nil
}

// Addr returns the listener's address.
func (m *metricsServer) Addr() string { return m.ln.Addr().String() }

func (m *metricsServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	m.srv.Shutdown(ctx)
	m.wg.Wait()
}
