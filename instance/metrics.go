package instance

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/auditx/auditx/enrich"
)

// CounterWriter returns a writer of Prometheus counters of one instance
// (auditx_<name>{instance="..."}), for the metrics of each door.
func CounterWriter(w io.Writer, instance string) func(name, help string, v uint64) {
	lbl := fmt.Sprintf(`{instance=%q}`, instance)
	return func(name, help string, v uint64) {
		fmt.Fprintf(w, "# HELP auditx_%s %s\n# TYPE auditx_%s counter\nauditx_%s%s %d\n", name, help, name, name, lbl, v)
	}
}

// WriteMetrics writes what both doors count: every counter of enrich's
// table (records by outcome, catalog reloads, ...), the catalog's size and
// the unknown-code top list. Each door's WriteMetrics writes these first,
// then its own.
func (c *Core) WriteMetrics(w io.Writer) {
	s := c.enr.Stats()
	counter := CounterWriter(w, c.Name)
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
