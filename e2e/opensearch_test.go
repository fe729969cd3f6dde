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

	"github.com/auditx/auditx/internal/bulktest"
)

// osSeoul is the zone of the second auditx instance of
// TestOpenSearchDataStreams, and osSeoulNS the namespace of its streams.
const (
	osSeoul   = "Asia/Seoul"
	osSeoulNS = "seoul"
)

// osOutput is an opensearch output writing the data streams
// logs-<data_stream.dataset>-<namespace> (the DaemonSet's es settings):
// $TAG[1] of the tag <x>.logs.<vendor> is the stream type, the date format
// without % the namespace.
func osOutput(match string, port int, caFile, namespace string) section {
	return sec("OUTPUT",
		"Name", "opensearch",
		"Match", match,
		"Host", "127.0.0.1",
		"Port", strconv.Itoa(port),
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
		"Logstash_DateFormat", namespace,
		"Time_Key", "@timestamp",
		"Time_Key_Nanos", "On",
		"Retry_Limit", "no_limits",
	)
}

// TestOpenSearchDataStreams ships the sample logs through auditx to Fluent
// Bit's opensearch output against the _bulk test server as OpenSearch 2.7
// (the oldest release the committed OpenSearch templates support; TLS and
// basic auth, no injected faults): every document is created once in its
// data stream, none is rejected, no chunk is sent again (opensearch.c would
// re-send a whole chunk for one rejected item). The documents are the
// enriched samples (testdata/golden/*.golden, the CLI's output with the
// plugin's defaults) with @timestamp, the vendor's own time to the
// millisecond. A second auditx instance reads filingbox.log again with
// timezone Asia/Seoul into the namespace seoul: its zoneless times are read
// nine hours earlier.
func TestOpenSearchDataStreams(t *testing.T) {
	needFluentBit(t)
	root := moduleRoot(t)
	dir := runDir(t)
	tmpl, unrecognized := esLoadTemplates(t, root, "opensearch")
	es := esStartServer(t, []*esTemplate{tmpl, unrecognized}, filepath.Join(dir, "bulk.ndjson"),
		esServerOptions{noFaults: true, flavor: bulktest.OpenSearch, version: "2.7"})
	caFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: es.Certificate().Raw}), 0o600))

	secs := []section{service(t, dir)}
	for _, v := range vendors {
		secs = append(secs, tailInput("auditx.logs."+v, samplePath(t, v)))
	}
	secs = append(secs, tailInput("seoul.logs.filingbox", samplePath(t, "filingbox")),
		auditxFilter("auditx.logs.*", "actor", "on", "data_stream", "on", "data_stream_namespace", esDataStreamNamespace),
		auditxFilter("seoul.logs.*", "actor", "on", "data_stream", "on", "data_stream_namespace", osSeoulNS, "timezone", osSeoul),
		osOutput("auditx.logs.*", es.port, caFile, esDataStreamNamespace),
		osOutput("seoul.logs.*", es.port, caFile, osSeoulNS),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: renderConfig(secs...), Doors: filterDoor})

	// The documents to expect: the goldens, one per sample line, and the
	// FilingBox ones again in the Seoul instance's namespace and zone.
	seoul, err := time.LoadLocation(osSeoul)
	require.NoError(t, err)
	want := map[string]int{}
	total, seoulTotal := 0, 0
	for _, v := range vendors {
		for _, rec := range readJSONLines(t, filepath.Join(root, "testdata", "golden", v+".golden")) {
			want[osComparable(t, rec)]++
			total++
			if v == "filingbox" {
				want[osComparable(t, osInSeoul(rec))]++
				seoulTotal++
			}
		}
	}
	require.Equal(t, sampleTotal(t), total)
	deadline := time.Now().Add(60 * time.Second)
	for {
		st := es.snapshot()
		// Every document once, then either a re-sent chunk or quiet for
		// longer than the retry back-off (scheduler.cap 2 s).
		if len(st.all) > total+seoulTotal || len(st.all) == total+seoulTotal && time.Since(st.lastRequest) > 5*time.Second {
			break
		}
		if !fb.Running() {
			t.Fatalf("fluent-bit exited: %v", fb.waitErr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s: %d of %d documents sent (%d bulk requests)", len(st.all), total+seoulTotal, len(st.requests))
		}
		time.Sleep(200 * time.Millisecond)
	}
	st := es.snapshot()
	got := map[string]int{}
	byIndex := map[string]int{}
	first := map[string]esDoc{}
	utcTimes, seoulTimes := map[string]time.Time{}, map[string]time.Time{}
	for _, d := range st.all {
		require.Equal(t, "create", d.op)
		ts, ok := d.src["@timestamp"].(string)
		require.True(t, ok, "@timestamp")
		at, err := time.Parse(time.RFC3339Nano, ts)
		require.NoError(t, err, "@timestamp %s", ts)
		ds, _ := d.src["data_stream"].(map[string]any)
		require.NotNil(t, ds, "data_stream")
		require.Equal(t, "logs-"+ds["dataset"].(string)+"-"+ds["namespace"].(string), d.index)
		if esIsUnrecognized(d.src) {
			esCheckTypes(t, unrecognized, d.src)
		} else {
			esCheckTypes(t, tmpl, d.src)
		}
		if module, ok := field(d.src, "event.module"); ok {
			// @timestamp is the vendor's time, read from the record under its
			// namespace (keys renamed: created, time, action_timestamp, date).
			v := module.(string)
			ns, ok := field(d.src, v+".audit")
			require.True(t, ok, "%s: no %s.audit", d.index, v)
			loc := time.UTC
			if ds["namespace"] == osSeoulNS {
				loc = seoul
			}
			vt := esVendorTime(t, v, ns.(map[string]any), loc)
			require.Equal(t, vt.Truncate(time.Millisecond), at.UTC().Truncate(time.Millisecond), "%s: @timestamp is the vendor's time", d.index)
			if v == "filingbox" {
				key := canonical(t, ns.(map[string]any))
				if loc == seoul {
					seoulTimes[key] = at
				} else {
					utcTimes[key] = at
				}
			}
		}
		got[osComparable(t, jsonRoundTrip(t, d.src))]++
		byIndex[d.index]++
		if _, ok := first[d.index]; !ok {
			first[d.index] = d
		}
	}
	var missing, extra []string
	resent := 0
	for k := range want {
		if got[k] < want[k] {
			missing = append(missing, k)
		}
	}
	for k, n := range got {
		if want[k] == 0 {
			extra = append(extra, k)
		}
		if n > want[k] {
			resent += n - want[k]
		}
	}
	require.Empty(t, missing, "enriched samples that never arrived")
	require.Empty(t, extra, "documents that are not an enriched sample")
	require.Zero(t, resent, "documents sent again")
	require.Empty(t, st.rejected, "documents the mapping rejected")
	require.Equal(t, total+seoulTotal, len(st.all))
	// The zoneless FilingBox times, read in Seoul (UTC+9, no DST), are nine
	// hours earlier than read in UTC.
	require.NotEmpty(t, utcTimes)
	require.Equal(t, len(utcTimes), len(seoulTimes), "the same FilingBox records in both zones")
	for k, u := range utcTimes {
		s, ok := seoulTimes[k]
		require.True(t, ok, "%s not read in Seoul", k)
		require.Equal(t, 9*time.Hour, u.Sub(s), "%s: UTC %s, Seoul %s", k, u, s)
	}
	names := make([]string, 0, len(byIndex))
	for k, n := range byIndex {
		names = append(names, k+"="+strconv.Itoa(n))
	}
	sort.Strings(names)
	t.Logf("%d documents in %d bulk requests (%d sent again), by data stream: %s; rejected by the mapping: %d; FilingBox times in UTC and %s: %d pairs, 9h apart",
		len(st.all), len(st.requests), resent, strings.Join(names, " "), len(st.rejected), osSeoul, len(utcTimes))
	idx := make([]string, 0, len(first))
	for k := range first {
		idx = append(idx, k)
	}
	sort.Strings(idx)
	for _, k := range idx {
		b, _ := json.Marshal(first[k].src)
		t.Logf("stored in %s: %s", k, b)
	}
	require.NoError(t, fb.Stop())
}

// osComparable is a document as the goldens can hold it: without
// @timestamp (the header time, which the CLI has no place for) and
// event.created (the time Fluent Bit read the line).
func osComparable(t *testing.T, doc map[string]any) string {
	t.Helper()
	out := map[string]any{}
	for k, v := range doc {
		if k == "@timestamp" {
			continue
		}
		if k == "event" {
			ev := map[string]any{}
			for ek, evv := range v.(map[string]any) {
				if ek != "created" {
					ev[ek] = evv
				}
			}
			v = ev
		}
		out[k] = v
	}
	return canonical(t, out)
}

// osInSeoul is a golden FilingBox document as the Seoul instance writes
// it: its namespace, and its zone in event.timezone.
func osInSeoul(doc map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range doc {
		out[k] = v
	}
	ds := map[string]any{}
	for k, v := range doc["data_stream"].(map[string]any) {
		ds[k] = v
	}
	ds["namespace"] = osSeoulNS
	out["data_stream"] = ds
	if ev, ok := doc["event"].(map[string]any); ok {
		e := map[string]any{}
		for k, v := range ev {
			e[k] = v
		}
		if _, zoneless := e["timezone"]; zoneless {
			e["timezone"] = osSeoul
		}
		out["event"] = e
	}
	return out
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
