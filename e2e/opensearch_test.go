//go:build linux

package e2e

import (
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestOpenSearchDataStreams ships the sample logs through auditx to Fluent
// Bit's opensearch output (the same _bulk test server as the es tests,
// TLS and basic auth, no injected faults) with the data stream settings of
// the DaemonSet's es output, and checks that the documents that arrive are
// the enriched samples (testdata/golden/*.golden, the CLI's output with
// the plugin's defaults) plus @timestamp, each created in its data stream
// logs-<data_stream.dataset>-default.
func TestOpenSearchDataStreams(t *testing.T) {
	needFluentBit(t)
	root := moduleRoot(t)
	dir := runDir(t)
	tmpl := esLoadTemplateFile(t, filepath.Join(root, "build", "opensearch", "data-stream-template.json"))
	es := esStartServer(t, tmpl, filepath.Join(dir, "bulk.ndjson"))
	es.noFaults = true
	caFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: es.srv.Certificate().Raw}), 0o600))

	sock := filepath.Join(dir, "forward.sock")
	secs := []section{service(t, dir)}
	for _, v := range vendors {
		secs = append(secs, tailInput("audit."+v, samplePath(t, v)))
	}
	secs = append(secs,
		auditxOutput("audit.*", "forward_path", sock, "emit_tag", "auditx.logs.$TAG", "id", "e2e-os",
			"actor", "on", "data_stream", "on", "data_stream_namespace", esDataStreamNamespace),
		forwardUnixInput(sock),
		sec("OUTPUT",
			"Name", "opensearch",
			"Match", "auditx.*",
			"Host", "127.0.0.1",
			"Port", strconv.Itoa(es.port),
			"HTTP_User", esUser,
			"HTTP_Passwd", esPassword,
			"tls", "On",
			"tls.verify", "On",
			"tls.ca_file", caFile,
			"Suppress_Type_Name", "On",
			"Write_Operation", "create",
			"Logstash_Format", "On",
			"Logstash_Prefix_Key", "$TAG[1]-$data_stream['dataset']",
			"Logstash_Prefix_Separator", "-",
			"Logstash_DateFormat", esDataStreamNamespace,
			"Time_Key", "@timestamp",
			"Time_Key_Nanos", "On",
			"Retry_Limit", "no_limits",
		),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: renderConfig(secs...)})

	// The documents to expect: the goldens, one per sample line.
	want := map[string]int{}
	total := 0
	for _, v := range vendors {
		for _, rec := range readJSONLines(t, filepath.Join(root, "testdata", "golden", v+".golden")) {
			want[canonical(t, rec)]++
			total++
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		st := es.snapshot()
		if len(st.all) >= total && time.Since(st.lastRequest) > 2*time.Second {
			break
		}
		if !fb.Running() {
			t.Fatalf("fluent-bit exited: %v", fb.waitErr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s: %d of %d documents sent (%d bulk requests)", len(st.all), total, len(st.requests))
		}
		time.Sleep(200 * time.Millisecond)
	}
	st := es.snapshot()
	got := map[string]int{}
	byIndex := map[string]int{}
	for _, d := range st.all {
		require.Equal(t, "create", d.op)
		ts, ok := d.src["@timestamp"].(string)
		require.True(t, ok, "@timestamp")
		_, err := time.Parse(time.RFC3339Nano, ts)
		require.NoError(t, err, "@timestamp %s", ts)
		ds, _ := d.src["data_stream"].(map[string]any)
		require.NotNil(t, ds, "data_stream")
		require.Equal(t, "logs-"+ds["dataset"].(string)+"-"+esDataStreamNamespace, d.index)
		esCheckTypes(t, tmpl, d.src)
		src := map[string]any{}
		for k, v := range d.src {
			if k != "@timestamp" {
				src[k] = v
			}
		}
		got[canonical(t, jsonRoundTrip(t, src))]++
		byIndex[d.index]++
	}
	require.Equal(t, want, got, "the documents that arrived are the enriched samples")
	for k, reason := range st.rejected {
		require.Contains(t, reason, "[user]", "%s: the only conflict is FilingBox's user string against user.name", k)
	}
	names := make([]string, 0, len(byIndex))
	for k, n := range byIndex {
		names = append(names, k+"="+strconv.Itoa(n))
	}
	sort.Strings(names)
	t.Logf("%d documents in %d bulk requests, by data stream: %s; rejected by the mapping: %d", len(st.all), len(st.requests), strings.Join(names, " "), len(st.rejected))
	require.NoError(t, fb.Stop())
}

// jsonRoundTrip turns json.Numbers into the float64s readJSONLines gives.
func jsonRoundTrip(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}
