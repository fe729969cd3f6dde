//go:build linux

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/forwardtest"
)

const siteCatalogHeader = "vendor,code,name,name_in_doc,description,derived,group,category,type,outcome,severity,note\n"

// A user catalog file changed under the running Fluent Bit is reloaded:
// records written after the reload are enriched with the new entry, an
// entry deleted from the file is gone, and a broken file keeps the old
// catalog. The metrics endpoint shows the reloads.
func TestCatalogReloadUnderFluentBit(t *testing.T) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := receiver(t)
	sock := filepath.Join(dir, "forward.sock")
	site := filepath.Join(dir, "site.csv")
	swap := func(content string) { // an atomic swap, as a ConfigMap update does
		require.NoError(t, os.WriteFile(site+".tmp", []byte(content), 0o644))
		require.NoError(t, os.Rename(site+".tmp", site))
	}
	swap(siteCatalogHeader + "privx,9001,Site-event-one,,First site event.,,site,configuration,change,success,low,\n")
	logPath := filepath.Join(dir, "privx.log")
	require.NoError(t, os.WriteFile(logPath, nil, 0o644))
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf := renderConfig(
		service(t, dir),
		tailInput("audit.privx", logPath),
		auditxOutput("audit.*", "vendor", "privx", "forward_path", sock, "catalog_files", site,
			"catalog_reload_interval", "1s", "metrics_listen", metricsAddr, "id", "reload"),
		forwardUnixInput(sock),
		forwardOutputTo("enriched.*", rcv),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	fb.WaitLog(t, "[output:auditx:reload] vendor=privx", 15*time.Second)

	seq := 0
	send := func(code string) map[string]any {
		seq++
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = fmt.Fprintf(f, `{"event_id":"%s","event_name":"x","seq":%d}`+"\n", code, seq)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		events := rcv.WaitFor(t, seq, 20*time.Second)
		return jsonValue(t, lastBySeq(t, events, seq).Body).(map[string]any)
	}
	action := func(m map[string]any) any { v, _ := field(m, "event.action"); return v }

	require.Equal(t, "Site-event-one", action(send("9001")))
	require.Nil(t, action(send("9002")), "not in the catalog yet")

	swap(siteCatalogHeader + "privx,9002,Site-event-two,,Second site event.,,site,configuration,change,success,low,\n")
	waitMetric(t, fb, metricsAddr, "auditx_catalog_reloads_total", 1, 15*time.Second)
	require.Equal(t, "Site-event-two", action(send("9002")), "new entry used after the reload")
	m := send("9001")
	require.Nil(t, action(m), "an entry deleted from the file is gone after the reload")
	require.True(t, hasTag(m, "auditx_unknown_code"))

	swap(siteCatalogHeader + "privx,9003,Broken,,,,,,,,,\n")
	waitMetric(t, fb, metricsAddr, "auditx_catalog_reload_errors_total", 1, 15*time.Second)
	require.Contains(t, fb.Log(), "catalog reload failed, keeping the current catalog")
	require.Contains(t, fb.Log(), "site.csv:2: column description: empty")
	require.Equal(t, "Site-event-two", action(send("9002")), "a broken file keeps the old catalog")

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metrics := string(body)
	t.Logf("metrics of a real run:\n%s", metrics)
	require.Contains(t, metrics, `auditx_catalog_reloads_total{instance="reload"} 1`)
	require.Contains(t, metrics, `auditx_catalog_reload_errors_total{instance="reload"} 1`)
	require.Contains(t, metrics, fmt.Sprintf(`auditx_records_total{instance="reload"} %d`, seq))
	require.Contains(t, metrics, fmt.Sprintf(`auditx_emitted_records_total{instance="reload"} %d`, seq))
	require.Contains(t, metrics, `auditx_unknown_code_records_total{instance="reload",vendor="privx",code="9001"} 1`)
	embedded, err := catalog.Embedded()
	require.NoError(t, err)
	require.Contains(t, metrics, fmt.Sprintf(`auditx_catalog_entries{instance="reload"} %d`, embedded.Len()+1), "the embedded entries + the one site entry")
	fb.StopClean(t)
	require.True(t, strings.Contains(fb.Log(), "[output:auditx:reload] exit: records="), "exit summary logged")
}

// lastBySeq returns the event whose body carries seq.
func lastBySeq(t testing.TB, events []forwardtest.Event, seq int) forwardtest.Event {
	t.Helper()
	for i := len(events) - 1; i >= 0; i-- {
		if v, ok := recordField(events[i].Body, "seq"); ok && fmt.Sprint(v) == fmt.Sprint(seq) {
			return events[i]
		}
	}
	t.Fatalf("no event with seq %d among %d", seq, len(events))
	return forwardtest.Event{}
}
