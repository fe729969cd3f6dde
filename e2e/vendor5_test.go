//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A fifth vendor defined by files alone (testdata/vendor5: a descriptor and
// an event table) runs in the real Fluent Bit filter with vendor auto next
// to the four embedded vendors, and its descriptor is reloaded when it
// changes; a broken descriptor keeps the catalog in use.
func TestFilterFifthVendor(t *testing.T) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := receiver(t)
	root := moduleRoot(t)
	src := filepath.Join(root, "testdata", "vendor5")
	desc, table := filepath.Join(dir, "acme.vendor"), filepath.Join(dir, "acme.csv")
	original, err := os.ReadFile(filepath.Join(src, "acme.vendor"))
	require.NoError(t, err)
	swap := func(path string, content []byte) { // an atomic swap, as a ConfigMap update does
		require.NoError(t, os.WriteFile(path+".tmp", content, 0o644))
		require.NoError(t, os.Rename(path+".tmp", path))
	}
	swap(desc, original)
	tbl, err := os.ReadFile(filepath.Join(src, "acme.csv"))
	require.NoError(t, err)
	swap(table, tbl)
	lines, err := os.ReadFile(filepath.Join(src, "acme.log"))
	require.NoError(t, err)
	acme := strings.Split(strings.TrimSpace(string(lines)), "\n")
	privx, err := os.ReadFile(filepath.Join(root, "testdata", "samples", "privx.log"))
	require.NoError(t, err)

	logPath := filepath.Join(dir, "audit.log")
	require.NoError(t, os.WriteFile(logPath, nil, 0o644))
	svc, base := metricsService(t, dir)
	conf := renderConfig(svc,
		tailInput("audit.mixed", logPath),
		auditxFilter("audit.*", "catalog_files", desc+","+table, "catalog_reload_interval", "1s", "Alias", "acme"),
		forwardOutputTo("audit.*", rcv))
	fb := startFluentBit(t, dir, fbOptions{Config: conf, Doors: filterDoor})
	fb.WaitLog(t, "[filter:auditx:acme] vendor=auto", 15*time.Second)

	seq := 0
	send := func(line string) map[string]any {
		seq++
		line = strings.TrimSpace(line)
		line = line[:len(line)-1] + fmt.Sprintf(`, "seq": %d}`, seq)
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = fmt.Fprintln(f, line)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		return jsonValue(t, lastBySeq(t, rcv.WaitFor(t, seq, 20*time.Second), seq).Body).(map[string]any)
	}
	str := func(m map[string]any, path string) string { v, _ := field(m, path); s, _ := v.(string); return s }

	for _, l := range acme {
		m := send(l)
		require.Equal(t, "acme_idp", str(m, "event.module"), l)
		require.Equal(t, "Acme Identity Cloud", str(m, "observer.product"))
		require.NotEmpty(t, str(m, "event.code"))
	}
	m := send(strings.Split(string(privx), "\n")[0])
	require.Equal(t, "privx", str(m, "event.module"), "the embedded vendors beside it")

	// The descriptor changes: the next records carry the new product.
	swap(desc, []byte(strings.Replace(string(original), "product = Acme Identity Cloud", "product = Acme Identity Cloud 2", 1)))
	waitFBMetric(t, fb, base, "fluentbit_filter_auditx_catalog_reloads_total", 1, 15*time.Second)
	require.Equal(t, "Acme Identity Cloud 2", str(send(acme[0]), "observer.product"))

	// A broken descriptor is refused with its file, line and key; the
	// catalog in use stays.
	swap(desc, []byte(strings.Replace(string(original), "form = upper", "form = hex", 1)))
	waitFBMetric(t, fb, base, "fluentbit_filter_auditx_catalog_reload_errors_total", 1, 15*time.Second)
	require.Contains(t, fb.Log(), "catalog reload failed, keeping the current catalog")
	require.Contains(t, fb.Log(), `acme.vendor:`)
	require.Contains(t, fb.Log(), `column code.form: "hex" (accepted: integer, upper, lower, text)`)
	require.Equal(t, "Acme Identity Cloud 2", str(send(acme[0]), "observer.product"))

	got := waitFBMetric(t, fb, base, "fluentbit_filter_records_total", float64(seq), 10*time.Second)
	fb.StopClean(t)
	require.Equal(t, 1.0, got["fluentbit_filter_auditx_catalog_reloads_total"])
	require.Equal(t, float64(seq), got["fluentbit_filter_records_total"])
}
