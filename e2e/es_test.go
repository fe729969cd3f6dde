//go:build linux

package e2e

// Shipping to Elasticsearch, run for real: the Kubernetes DaemonSet's own
// Fluent Bit configuration (build/kubernetes/configmap.yaml) in the real
// Fluent Bit, with Go test servers standing in for the Kubernetes API
// server and for Elasticsearch.
//
// What is substituted in the ConfigMap's text, and why (each substitution
// must match, so a changed ConfigMap fails here instead of going untested):
//   - the node and Pod paths (/var/log/containers, /var/fluent-bit/state,
//     /fluent-bit/etc, /etc/auditx, the service account
//     directory) become directories under the test's temporary directory;
//   - Kube_URL becomes the fake API server (plain http) and Kube_Tag_Prefix
//     follows the moved log directory (the tag is derived from the path);
//   - HTTP_Port becomes a free port;
//   - [SERVICE] gets scheduler.base 1 and scheduler.cap 2, so that retries
//     come after 1-2 s instead of 5-10 s;
//   - the plugins file's .so path becomes the freshly built plugin.
// The environment is the DaemonSet's: literal values as written, except
// ES_PORT (the test server's port) and ES_CA_FILE (the test server's
// certificate); the Secret's values and the fieldRef NODE_NAME are test
// values. The kubernetes filter runs unchanged against the fake API server,
// the es output talks TLS with certificate verification and basic auth.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/internal/bulktest"
	"github.com/auditx/auditx/internal/ecsschema"
	"github.com/auditx/auditx/internal/keyname"
	"github.com/auditx/auditx/internal/kubetest"
	"github.com/auditx/auditx/internal/mp"
	"github.com/auditx/auditx/internal/orderedmp"
)

const (
	// esUser and esPassword are the test Secret's credentials; the fake
	// Elasticsearch answers 401 to anything else.
	esUser     = "auditx_writer"
	esPassword = "s3cret-for-e2e"
	// esNamespace is the namespace of the fake vendor Pods.
	esNamespace = "audit"
	// esCollectorPod is the collector's own Pod name (HOSTNAME): the
	// kubernetes filter looks itself up at start.
	esCollectorPod = "auditx-e2e01"
	// esDeadline bounds the wait for every document.
	esDeadline = 120 * time.Second
	// esQuiet is how long no new bulk request must arrive before the final
	// counts are taken (late retries would show up as duplicates).
	esQuiet = 4 * time.Second
)

// esVendors are the sample logs' vendors (testdata/samples/<vendor>.log).
var esVendors = []string{"filingbox", "plusauth", "privx", "netop"}

// esPipelineKeys are the top-level keys of a document besides the vendor's
// record: the es output's Time_Key, auditx's ECS fields, the kubernetes
// filter's metadata and the CRI parser's keys (stream, _p, and time, the
// runtime's time of the line, which Fluent Bit's built-in cri parser keeps
// and the kubernetes filter leaves alone: the container's own JSON is parsed
// under the Merge_Log_Key, so PlusAuth's "time" cannot overwrite it).
var esPipelineKeys = map[string]bool{"@timestamp": true, "event": true, "observer": true, "tags": true,
	"user": true, "source": true, "related": true, "host": true, "log": true, "ecs": true, "data_stream": true,
	"kubernetes": true, "stream": true, "_p": true, "time": true}

// esMergeKey is the DaemonSet's Merge_Log_Key (and auditx's record_key):
// the container's JSON line, parsed. An unrecognised record keeps it.
const esMergeKey = "audit"

// esAppLines are the lines of an unrelated application's container: JSON
// that no vendor's rules recognise, with keys ECS gives other shapes (an
// object message, a string source and user, a client_ip that is no
// address). They land whole in logs-auditx.unrecognized-<namespace>.
var esAppLines = []string{
	`{"level":"info","ts":"2026-11-20T08:14:00.100Z","msg":"GET /cart 200","http":{"status":200,"path":"/cart"},"source":"web","user":"alice"}`,
	`{"level":"warn","ts":"2026-11-20T08:14:00.200Z","message":{"text":"slow checkout","ms":1840},"client_ip":"unknown"}`,
	`{"level":"info","ts":"2026-11-20T08:14:00.300Z","msg":"GET /healthz 200","source":{"pod":"shop-1"},"tags":"probe"}`,
	`{"level":"error","ts":"2026-11-20T08:14:00.400Z","msg":"payment declined","user":{"id":42},"error":"card_expired"}`,
}

// esNamespace is the ConfigMap's data_stream_namespace (and the es output's
// Logstash_DateFormat).
const esDataStreamNamespace = "default"

// TestESDaemonSetConfig runs the DaemonSet's configuration end to end:
// CRI log files → tail → kubernetes filter (fake API server) → auditx →
// in_forward → es (fake Elasticsearch over TLS with basic auth), injecting
// a whole-request 429, a bulk response whose items all failed with 429 and
// a bulk response with one failed item among successes.
func TestESDaemonSetConfig(t *testing.T) {
	needFluentBit(t)
	root := moduleRoot(t)
	dir := runDir(t)
	k8s := esLoadManifests(t, root)

	// The vendor Pods' log files and an unrelated application's, in the CRI
	// format, each line at its own millisecond: the CRI time (the record's
	// "time", kept as the runtime wrote it) identifies a line in
	// Elasticsearch, where @timestamp is now the vendor's own time.
	logDir := filepath.Join(dir, "log", "containers")
	require.NoError(t, os.MkdirAll(logDir, 0o755))
	lines := esWriteCRILogs(t, root, logDir)
	require.Len(t, lines, sampleTotal(t)+len(esAppLines), "records in testdata/samples/*.log and the application's lines")

	// The service account files the kubernetes filter reads.
	saDir := filepath.Join(dir, "sa")
	require.NoError(t, os.MkdirAll(saDir, 0o755))
	token := "e2e-token-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	require.NoError(t, os.WriteFile(filepath.Join(saDir, "token"), []byte(token), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(saDir, "namespace"), []byte(k8s.daemonSet.Namespace), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(saDir, "ca.crt"), nil, 0o600))
	kube := esStartKubeAPI(t, token)

	tmpl, unrecognized := esLoadTemplates(t, root, "elasticsearch")
	es := esStartServer(t, []*esTemplate{tmpl, unrecognized}, filepath.Join(dir, "bulk.ndjson"), esServerOptions{partial: esIsUnrecognized})
	caFile := filepath.Join(dir, "es-ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: es.Certificate().Raw}), 0o600))

	// The files of the ConfigMap, moved into the run directory.
	etcDir := filepath.Join(dir, "etc")
	catDir := filepath.Join(dir, "auditx")
	for _, d := range []string{etcDir, catDir, filepath.Join(dir, "state"), filepath.Join(dir, "run")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	httpPort := freePort(t)
	conf := esSubstitute(t, "fluent-bit.conf", k8s.fluentBitConf, [][2]string{
		{"/var/log/containers/", logDir + "/"},
		{"/var/fluent-bit/state/", filepath.Join(dir, "state") + "/"},
		{"/fluent-bit/etc/", etcDir + "/"},
		{"/etc/auditx/", catDir + "/"},
		{"/var/run/secrets/kubernetes.io/serviceaccount/", saDir + "/"},
		{"https://kubernetes.default.svc:443", kube.srv.URL},
		{"auditx.logs.var.log.containers.", "auditx.logs." + strings.ReplaceAll(strings.TrimPrefix(logDir, "/"), "/", ".") + "."},
	})
	conf = esReplaceKey(t, conf, "SERVICE", "HTTP_Port", strconv.Itoa(httpPort))
	conf = esAddKeys(t, conf, "SERVICE", "scheduler.base", "1", "scheduler.cap", "2")
	require.NoError(t, os.WriteFile(filepath.Join(etcDir, "fluent-bit.conf"), []byte(conf), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(etcDir, "parsers.conf"), []byte(k8s.parsersConf), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(etcDir, "plugins.conf"),
		[]byte(esSubstitute(t, "plugins.conf", k8s.pluginsConf, [][2]string{{"/fluent-bit/plugins/flb-filter_auditx.so", filterSO(t)}})), 0o600))
	for name, text := range k8s.catalog {
		require.NoError(t, os.WriteFile(filepath.Join(catDir, name), []byte(text), 0o600))
	}

	env := esDaemonSetEnv(t, k8s.container, map[string]string{
		"ES_HOST":     "127.0.0.1",
		"ES_PORT":     strconv.Itoa(es.port),
		"ES_USER":     esUser,
		"ES_PASSWORD": esPassword,
		"ES_CA_FILE":  caFile,
		"NODE_NAME":   "node-e2e",
	})
	env = append(env, "HOSTNAME="+esCollectorPod)

	fb := startFluentBit(t, dir, fbOptions{ConfigFile: filepath.Join(etcDir, "fluent-bit.conf"), Env: env, PluginsFile: true})

	// Every line in Elasticsearch, but for the one item rejected inside a
	// successful bulk response (an application line, see the assertions
	// below).
	want := len(lines) - 1
	deadline := time.Now().Add(esDeadline)
	for {
		st := es.snapshot()
		if len(st.stored)+len(st.rejected) >= want && time.Since(st.lastStored) > esQuiet {
			break
		}
		if !fb.Running() {
			t.Fatalf("fluent-bit exited: %v", fb.waitErr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %d of %d documents stored (%d bulk requests)", esDeadline, len(st.stored), want, len(st.requests))
		}
		time.Sleep(200 * time.Millisecond)
	}
	st := es.snapshot()

	// The probes of the DaemonSet against the running Fluent Bit.
	for _, probe := range []*corev1.Probe{k8s.container.LivenessProbe, k8s.container.ReadinessProbe} {
		url := fmt.Sprintf("http://127.0.0.1:%d%s", httpPort, probe.HTTPGet.Path)
		resp, err := http.Get(url)
		require.NoError(t, err, url)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", url, body)
	}
	require.True(t, fb.Running(), "fluent-bit exited: %v", fb.waitErr)
	log := fb.Log()
	for _, bad := range []string{"SIGSEGV", "SIGABRT", "panic", "fatal error:"} {
		require.NotContains(t, log, bad, "fluent-bit log")
	}
	require.Zero(t, st.authFailures, "requests without the Secret's credentials")
	require.Greater(t, kube.podRequests(), 0, "the kubernetes filter never asked the API server")
	require.Zero(t, kube.authFailures(), "API requests without the service account token")

	// The failures were injected, and Fluent Bit did what es.c says.
	require.NotEmpty(t, st.wholeFailed, "no bulk request was answered 429")
	require.NotEmpty(t, st.allItemsFailed, "no bulk response with every item failed")
	require.NotEmpty(t, st.partialRejected, "no bulk response with one failed item among successes")
	for _, k := range append(append([]string{}, st.wholeFailed...), st.allItemsFailed...) {
		_, stored := st.stored[k]
		require.True(t, stored || slices.Contains(st.partialRejected, k), "document %s of a failed request was never retried", k)
	}
	// plugins/out_es/es.c (v5.1.1) elasticsearch_error_check sets
	// FLB_ES_STATUS_SUCCESS as soon as one item has status 200 or 201, and
	// cb_es_flush only retries when that bit is missing: a bulk response with
	// "errors": true whose other items succeeded counts as a success, and the
	// failed item is NOT sent again. The test asserts that behaviour, so that
	// a Fluent Bit that fixes it (or a config that works around it) shows up.
	// The fault schedule picks an application line for it, so that every
	// vendor record must land.
	rejected := st.partialRejected[0]
	require.Equal(t, "app", lines[rejected].vendor, "the item failed inside a successful response is an application line")
	require.NotContains(t, st.stored, rejected, "Fluent Bit re-sent the item rejected inside a successful bulk response: es.c changed, update this test and docs/elasticsearch.md")
	for _, d := range st.all {
		require.False(t, d.key == rejected && d.req > st.partialReq, "the item rejected in request %d was sent again in request %d", st.partialReq, d.req)
	}

	// Nothing rejected by the mappings, nothing in a failure store: every
	// vendor record (both FilingBox export shapes in one stream) and every
	// other application line landed.
	require.Empty(t, st.rejected, "documents the mapping rejected")
	require.Empty(t, st.failureStored, "documents in a failure store")
	require.Empty(t, st.conflicts)
	var missing []string
	for k := range lines {
		if _, ok := st.stored[k]; !ok && k != rejected {
			missing = append(missing, k+" "+lines[k].where())
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "lines never indexed")
	dups := 0
	perStream := map[string]int{}
	for _, docs := range st.stored {
		dups += len(docs) - 1
		perStream[docs[0].index]++
	}
	vendorDocs := 0
	for k := range st.stored {
		if lines[k].vendor != "app" {
			vendorDocs++
		}
	}
	require.Equal(t, sampleTotal(t), vendorDocs, "every sample record stored")
	t.Logf("bulk requests: %d (whole 429: %d docs, all items 429: %d docs, one item 429: %s); documents stored: %d distinct of %d lines (%d of %d sample records), %d duplicates, by stream %v; lost inside a successful response: 1 (%s, %s); rejected by the mapping: %d; in the failure store: %d",
		len(st.requests), len(st.wholeFailed), len(st.allItemsFailed), rejected, len(st.stored), len(lines), vendorDocs, sampleTotal(t), dups, perStream,
		rejected, lines[rejected].where(), len(st.rejected), len(st.failureStored))
	esLogOnePerVendor(t, st.stored, lines)
	esAnalystQuery(t, st.stored, "m.rossi")
	require.Zero(t, dups, "documents indexed more than once")
	require.Equal(t, 0, st.infoCalls, "Fluent Bit 5.1.1's es output does not call GET / (no version check); if it starts to, check the answer")
	fsStreams := 0
	for _, tg := range es.Cluster().Targets() {
		require.True(t, tg.FailureStore, "%s: the template enables the failure store", tg.Name)
		fsStreams++
	}
	require.Equal(t, len(esVendors)+1, fsStreams, "the four vendors' streams and the unrecognized one")

	// Every document: index, enriched fields typed as the template says,
	// the vendor record laid out as docs/layout.md says, @timestamp the vendor's
	// time, Kubernetes metadata as the filter wrote it.
	for k, docs := range st.stored {
		doc := docs[0]
		line := lines[k]
		t.Run(line.where(), func(t *testing.T) {
			require.Equal(t, "create", doc.op, "data streams take create operations")
			kubeMeta, ok := doc.src["kubernetes"].(map[string]any)
			require.True(t, ok, "no kubernetes metadata")
			require.Equal(t, line.pod, kubeMeta["pod_name"])
			require.Equal(t, esNamespace, kubeMeta["namespace_name"])
			require.Equal(t, "app", kubeMeta["container_name"])
			labels, _ := kubeMeta["labels"].(map[string]any)
			require.Equal(t, strings.TrimSuffix(strings.TrimSuffix(line.pod, "-0"), "-1"), labels["app.kubernetes.io/name"], "Pod labels from the API server")
			require.Equal(t, "stdout", doc.src["stream"])
			require.Equal(t, "F", doc.src["_p"])
			require.Equal(t, k, doc.src["time"], "the CRI time, as the runtime wrote it")
			if line.vendor == "app" {
				require.True(t, esIsUnrecognized(doc.src), "an application line is no vendor's")
			}
			if esIsUnrecognized(doc.src) {
				require.Equal(t, "logs-"+enrich.UnrecognizedDataset+"-"+esDataStreamNamespace, doc.index)
				require.Equal(t, map[string]any{"type": "logs", "dataset": enrich.UnrecognizedDataset, "namespace": esDataStreamNamespace}, doc.src["data_stream"])
				require.Equal(t, esNormalize(line.rec), esNormalize(doc.src[esMergeKey]), "the application's record, whole")
				require.ElementsMatch(t, []string{"@timestamp", "data_stream", "kubernetes", "stream", "_p", "time", esMergeKey}, keysOf(doc.src))
				require.Equal(t, esCRITime(t, k).Format(esTimeMillis), doc.src["@timestamp"], "no vendor time: the time Fluent Bit read the line")
				return
			}
			dataset := line.vendor + ".audit"
			require.Equal(t, "logs-"+dataset+"-"+esDataStreamNamespace, doc.index, "data stream logs-<data_stream.dataset>-<namespace>")
			require.Equal(t, map[string]any{"type": "logs", "dataset": dataset, "namespace": esDataStreamNamespace}, doc.src["data_stream"])
			module, _ := field(doc.src, "event.module")
			require.Equal(t, line.vendor, module)
			ev, _ := field(doc.src, "event.dataset")
			require.Equal(t, dataset, ev)
			esCheckActor(t, line.vendor, line.rec, doc.src)
			esCheckTypes(t, tmpl, doc.src)
			esCheckLayout(t, line.vendor, line.text, doc.src)
			esCheckTimes(t, line.vendor, line.rec, doc.src, time.UTC, esCRITime(t, k))
		})
	}
	require.NoError(t, fb.Stop(), "fluent-bit exit status after SIGTERM")
}

// esTimeMillis is how the es output writes @timestamp (Time_Key_Format's
// default and the milliseconds es.c appends), and auditx event.created.
const esTimeMillis = "2006-01-02T15:04:05.000Z"

// esCRITime parses a CRI time as esWriteCRILogs wrote it.
func esCRITime(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err, s)
	return ts
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// esVendorTime is a sample record's event time as its vendor descriptor's
// [time] says (catalog/data/<vendor>.vendor), read here independently of
// auditx: PrivX created and PlusAuth time (RFC 3339), Netop
// action_timestamp or actionTimestamp (Unix seconds), FilingBox Date or
// date (no zone: read in loc).
func esVendorTime(t *testing.T, vendor string, rec map[string]any, loc *time.Location) time.Time {
	t.Helper()
	str := func(keys ...string) string {
		for _, k := range keys {
			if s, ok := rec[k].(string); ok {
				return s
			}
		}
		t.Fatalf("%s record without %v", vendor, keys)
		return ""
	}
	var ts time.Time
	var err error
	switch vendor {
	case "privx":
		ts, err = time.Parse(time.RFC3339Nano, str("created"))
	case "plusauth":
		ts, err = time.Parse(time.RFC3339Nano, str("time"))
	case "netop":
		var n json.Number
		for _, k := range []string{"action_timestamp", "actionTimestamp"} {
			if v, ok := rec[k].(json.Number); ok {
				n = v
			}
		}
		secs, perr := n.Int64()
		require.NoError(t, perr, "netop epoch seconds")
		ts = time.Unix(secs, 0)
	case "filingbox":
		ts, err = time.ParseInLocation("2006-01-02 15:04:05", str("Date", "date"), loc)
	default:
		t.Fatalf("no event time for %s", vendor)
	}
	require.NoError(t, err)
	return ts.UTC()
}

// esCheckTimes checks a document's times: @timestamp is the vendor's event
// time to the millisecond, event.created the time Fluent Bit read the line
// (the CRI time, which the cri parser made the record's time), and
// event.timezone names the zone of a zoneless vendor time (FilingBox's).
func esCheckTimes(t *testing.T, vendor string, rec, doc map[string]any, loc *time.Location, read time.Time) {
	t.Helper()
	want := esVendorTime(t, vendor, rec, loc).Truncate(time.Millisecond)
	got, err := time.Parse(time.RFC3339Nano, doc["@timestamp"].(string))
	require.NoError(t, err)
	require.Equal(t, want, got.Truncate(time.Millisecond).UTC(), "@timestamp is the vendor's time")
	created, _ := field(doc, "event.created")
	require.Equal(t, read.UTC().Format(esTimeMillis), created, "event.created is the time Fluent Bit read the record")
	tz, hasTZ := field(doc, "event.timezone")
	if vendor == "filingbox" {
		require.Equal(t, loc.String(), tz, "a zoneless time names its zone")
	} else {
		require.False(t, hasTZ, "event.timezone only for zoneless times")
	}
	require.NotContains(t, tagsOf(doc), "auditx_no_event_time")
}

// TestESDockerDefaultConfig runs the Docker image's default configuration
// (build/docker/fluent-bit.conf) with its paths moved to a temporary
// directory: the sample logs through tail → auditx → in_forward → stdout.
func TestESDockerDefaultConfig(t *testing.T) {
	needFluentBit(t)
	root := moduleRoot(t)
	dir := runDir(t)
	confText, err := os.ReadFile(filepath.Join(root, "build", "docker", "fluent-bit.conf"))
	require.NoError(t, err)
	plugins, err := os.ReadFile(filepath.Join(root, "build", "plugins.conf"))
	require.NoError(t, err)
	pluginsPath := filepath.Join(dir, "plugins.conf")
	require.NoError(t, os.WriteFile(pluginsPath,
		[]byte(esSubstitute(t, "plugins.conf", string(plugins), [][2]string{{"/fluent-bit/plugins/flb-filter_auditx.so", filterSO(t)}})), 0o600))
	for _, d := range []string{"state"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	httpPort := freePort(t)
	conf := esSubstitute(t, "build/docker/fluent-bit.conf", string(confText), [][2]string{
		{"/fluent-bit/etc/parsers-auditx.conf", filepath.Join(root, "build", "parsers.conf")},
		{"/fluent-bit/etc/plugins.conf", pluginsPath},
		{"/fluent-bit/state/", filepath.Join(dir, "state") + "/"},
	})
	conf = esReplaceKey(t, conf, "SERVICE", "HTTP_Port", strconv.Itoa(httpPort))
	confPath := filepath.Join(dir, "fluent-bit.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o600))

	fb := startFluentBit(t, dir, fbOptions{ConfigFile: confPath, PluginsFile: true, LineBuffered: true,
		Env: []string{"AUDITX_LOG_PATH=" + filepath.Join(root, "testdata", "samples", "*.log")}})
	total := sampleTotal(t)
	deadline := time.Now().Add(60 * time.Second)
	var recs []map[string]any
	for {
		recs = esReadJSONLines(t, fb.outPath)
		if len(recs) >= total {
			break
		}
		if !fb.Running() || time.Now().After(deadline) {
			t.Fatalf("%d of %d records on stdout (running: %v)", len(recs), total, fb.Running())
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	recs = esReadJSONLines(t, fb.outPath)
	require.Len(t, recs, total, "one record out per line in")
	enriched := 0
	for _, r := range recs {
		if _, ok := field(r, "event.code"); ok {
			enriched++
			require.Contains(t, r["tags"], "auditx")
		}
	}
	require.Equal(t, total-1, enriched, "records with event.code (the heartbeat has no code)")
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/health", httpPort))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, fb.Stop())
}

// The manifests.

// esManifests holds what the test takes from build/kubernetes.
type esManifests struct {
	fluentBitConf, parsersConf, pluginsConf string
	catalog                                 map[string]string // file name → CSV
	daemonSet                               appsv1.DaemonSet
	container                               corev1.Container
}

func esLoadManifests(t *testing.T, root string) esManifests {
	t.Helper()
	dir := filepath.Join(root, "build", "kubernetes")
	var cm, cat corev1.ConfigMap
	var m esManifests
	for file, v := range map[string]any{"configmap.yaml": &cm, "catalog-configmap.yaml": &cat, "daemonset.yaml": &m.daemonSet} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		require.NoError(t, err)
		require.NoError(t, yaml.UnmarshalStrict(b, v), file)
	}
	m.fluentBitConf, m.parsersConf, m.pluginsConf = cm.Data["fluent-bit.conf"], cm.Data["parsers.conf"], cm.Data["plugins.conf"]
	require.NotEmpty(t, m.fluentBitConf, "configmap.yaml fluent-bit.conf")
	require.NotEmpty(t, m.pluginsConf, "configmap.yaml plugins.conf")
	m.catalog = cat.Data
	require.Len(t, m.daemonSet.Spec.Template.Spec.Containers, 1)
	m.container = m.daemonSet.Spec.Template.Spec.Containers[0]
	require.Equal(t, []string{"-c", "/fluent-bit/etc/fluent-bit.conf"}, m.container.Args, "the test runs the config the DaemonSet names")
	return m
}

// esDaemonSetEnv returns the container's environment as KEY=value, with
// values for the Secret and field references (and overrides) from given;
// every reference must have one.
func esDaemonSetEnv(t *testing.T, c corev1.Container, given map[string]string) []string {
	t.Helper()
	var env []string
	for _, e := range c.Env {
		v, ok := given[e.Name]
		if !ok {
			require.Nil(t, e.ValueFrom, "env %s comes from a reference: the test needs a value", e.Name)
			v = e.Value
		}
		env = append(env, e.Name+"="+v)
	}
	return env
}

// esSubstitute replaces each old string with its new one; every old string
// must occur, so a changed file cannot skip a substitution silently.
func esSubstitute(t *testing.T, name, text string, pairs [][2]string) string {
	t.Helper()
	for _, p := range pairs {
		require.Contains(t, text, p[0], "%s: the test substitutes %q, which is no longer there", name, p[0])
		text = strings.ReplaceAll(text, p[0], p[1])
	}
	return text
}

// esReplaceKey sets the value of key in the one [section] of a classic
// configuration.
func esReplaceKey(t *testing.T, text, section, key, value string) string {
	t.Helper()
	re := regexp.MustCompile(`(?mi)^(\s*` + regexp.QuoteMeta(key) + `\s+)\S.*$`)
	body, start, end := esSection(t, text, section)
	require.Len(t, re.FindAllStringIndex(body, -1), 1, "[%s] %s", section, key)
	return text[:start] + re.ReplaceAllString(body, "${1}"+value) + text[end:]
}

// esAddKeys appends key/value pairs to a [section].
func esAddKeys(t *testing.T, text, section string, kv ...string) string {
	t.Helper()
	body, start, end := esSection(t, text, section)
	var add strings.Builder
	for i := 0; i < len(kv); i += 2 {
		require.NotRegexp(t, `(?mi)^\s*`+regexp.QuoteMeta(kv[i])+`\s`, body, "[%s] already sets %s", section, kv[i])
		fmt.Fprintf(&add, "    %s %s\n", kv[i], kv[i+1])
	}
	body = strings.TrimRight(body, "\n") + "\n" + add.String() + "\n"
	return text[:start] + body + text[end:]
}

// esSection finds the one [section] of a classic configuration: its text
// (after the header line) and where it starts and ends.
func esSection(t *testing.T, text, section string) (string, int, int) {
	t.Helper()
	hdr := regexp.MustCompile(`(?m)^\s*\[([A-Za-z_]+)\]\s*$`)
	locs := hdr.FindAllStringSubmatchIndex(text, -1)
	found := -1
	for i, l := range locs {
		if strings.EqualFold(text[l[2]:l[3]], section) {
			require.Equal(t, -1, found, "two [%s] sections", section)
			found = i
		}
	}
	require.NotEqual(t, -1, found, "no [%s] section", section)
	start, end := locs[found][1], len(text)
	if found+1 < len(locs) {
		end = locs[found+1][0]
	}
	return text[start:end], start, end
}

// The log files.

// esLine is one line of a container log as the pipeline gets it: a
// vendor's sample, or (vendor "app") an unrelated application's.
type esLine struct {
	vendor string
	line   int
	pod    string
	text   string // the JSON as written
	rec    map[string]any
}

func (l esLine) where() string { return fmt.Sprintf("%s.log:%d", l.vendor, l.line) }

// esWriteCRILogs writes each vendor's sample log, and esAppLines, as the
// CRI log files of two Pods each (odd and even lines), the way containerd
// writes them under /var/log/containers, and returns the lines by their
// CRI time (the record's "time", nanoseconds as the runtime writes them).
func esWriteCRILogs(t *testing.T, root, dir string) map[string]esLine {
	t.Helper()
	base := time.Date(2026, 11, 20, 8, 14, 0, 0, time.UTC)
	out := map[string]esLine{}
	n := 0
	texts := map[string][]string{"app": esAppLines}
	for _, v := range esVendors {
		raw, err := os.ReadFile(filepath.Join(root, "testdata", "samples", v+".log"))
		require.NoError(t, err)
		texts[v] = strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	}
	for _, v := range append(slices.Clone(esVendors), "app") {
		files := map[string]*bytes.Buffer{}
		for i, text := range texts[v] {
			pod := fmt.Sprintf("%s-%d", v, i%2)
			if files[pod] == nil {
				files[pod] = &bytes.Buffer{}
			}
			ts := base.Add(time.Duration(n) * time.Millisecond)
			n++
			cri := ts.Format("2006-01-02T15:04:05.000000000Z07:00")
			fmt.Fprintf(files[pod], "%s stdout F %s\n", cri, text)
			var rec map[string]any
			dec := json.NewDecoder(strings.NewReader(text))
			dec.UseNumber()
			require.NoError(t, dec.Decode(&rec), "%s.log:%d", v, i+1)
			out[cri] = esLine{vendor: v, line: i + 1, pod: pod, text: text, rec: rec}
		}
		for pod, b := range files {
			id := sha256.Sum256([]byte(pod))
			name := fmt.Sprintf("%s_%s_app-%s.log", pod, esNamespace, hex.EncodeToString(id[:]))
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644))
		}
	}
	return out
}

// esReadJSONLines reads a JSON lines file (numbers kept as json.Number);
// a last line without its newline yet is ignored.
func esReadJSONLines(t *testing.T, p string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	var out []map[string]any
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimSpace(b[:i])
		b = b[i+1:]
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&m), "%s: %s", p, line)
		out = append(out, m)
	}
	return out
}

// The fake Kubernetes API server (internal/kubetest).

type esKubeAPI struct {
	srv *httptest.Server
	api *kubetest.PodServer
}

// esStartKubeAPI answers GET /api/v1/namespaces/NS/pods/NAME with a Pod
// whose labels name its vendor (the Pod name up to its last dash).
func esStartKubeAPI(t *testing.T, token string) *esKubeAPI {
	t.Helper()
	k := &esKubeAPI{api: &kubetest.PodServer{Token: token, Node: "node-e2e"}}
	k.srv = httptest.NewServer(k.api)
	t.Cleanup(k.srv.Close)
	return k
}

func (k *esKubeAPI) podRequests() int  { n, _ := k.api.Counts(); return n }
func (k *esKubeAPI) authFailures() int { _, n := k.api.Counts(); return n }

// The fake Elasticsearch: internal/bulktest's _bulk server, with the
// faults this test injects and the views of its items the assertions use.

// esDoc is one document of a bulk request.
type esDoc struct {
	op, index string
	src       map[string]any
	key       string // esDocKey: one line of the input
	req       int
}

// esStats is what the server saw, by document key.
type esStats struct {
	requests        []int // documents per bulk request
	stored          map[string][]esDoc
	sentCount       map[string]int
	wholeFailed     []string // keys of the request answered 429
	allItemsFailed  []string // keys of the request whose items all failed
	partialRejected []string // the one item rejected among successes
	partialReq      int      // the request it was rejected in
	conflicts       []string
	rejected        map[string]string // key → the mapping conflict Elasticsearch answers 400 for
	failureStored   map[string]string // key → the failure that sent it to the failure store
	all             []esDoc           // every document of every bulk request, as sent
	lastStored      time.Time
	authFailures    int
	infoCalls       int
	lastRequest     time.Time
}

// esServer is the bulktest server with the committed templates installed.
type esServer struct {
	*bulktest.Server
	port int
	mu   sync.Mutex
	// The keys of the requests the fault schedule answered.
	wholeFailed, allItemsFailed, partialRejected []string
	partialReq                                   int
}

// esServerOptions: noFaults answers every request as Elasticsearch would,
// without the injected 429s; flavor is the product imitated; partial, when
// set, chooses the document whose item is failed inside an otherwise
// successful response (the first of its request); version is the release
// imitated.
type esServerOptions struct {
	noFaults bool
	flavor   bulktest.Flavor
	version  string // "" for bulktest's default of the flavor
	partial  func(src map[string]any) bool
}

func (o esServerOptions) partialFor(src map[string]any) bool {
	return o.partial == nil || o.partial(src)
}

// esDocKey identifies a document by its line: the CRI time the pipeline
// keeps as "time", else (no CRI parser) its @timestamp.
func esDocKey(src map[string]any) string {
	if k, ok := src["time"].(string); ok {
		return k
	}
	k, _ := src["@timestamp"].(string)
	return k
}

// esStartServer starts the fake Elasticsearch over TLS with the test
// Secret's credentials and the template installed: GET / answers the
// cluster info of an 8.19 node, POST /_bulk indexes NDJSON create/index
// actions with per-item results (internal/bulktest). Bulk requests are
// numbered as they come; request 2 is answered 429 as a whole, request 3
// with every item failed with 429, and the first later request of two or
// more documents (whose first document opts.partial chooses) with its first
// item failed with 429 and the others created.
func esStartServer(t *testing.T, tmpls []*esTemplate, dumpPath string, opts ...esServerOptions) *esServer {
	t.Helper()
	var o esServerOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	f, err := os.Create(dumpPath)
	require.NoError(t, err)
	s := &esServer{}
	keys := func(actions []bulktest.Action) []string {
		var out []string
		for _, a := range actions {
			out = append(out, esDocKey(a.Source))
		}
		return out
	}
	cfg := bulktest.Config{Flavor: o.flavor, Version: o.version, User: esUser, Password: esPassword, TLS: true, Dump: f}
	if !o.noFaults {
		cfg.Fault = func(n int, actions []bulktest.Action) bulktest.Fault {
			s.mu.Lock()
			defer s.mu.Unlock()
			switch {
			case n == 2:
				s.wholeFailed = keys(actions)
				return bulktest.Fault{Status: http.StatusTooManyRequests}
			case n == 3:
				s.allItemsFailed = keys(actions)
				items := make([]int, len(actions))
				for i := range items {
					items[i] = http.StatusTooManyRequests
				}
				return bulktest.Fault{Items: items}
			case n >= 4 && len(s.partialRejected) == 0 && len(actions) >= 2 && o.partialFor(actions[0].Source):
				s.partialRejected = keys(actions[:1])
				s.partialReq = n
				return bulktest.Fault{Items: []int{http.StatusTooManyRequests}}
			}
			return bulktest.Fault{}
		}
	}
	s.Server, err = bulktest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		s.Close()
		f.Close()
		if t.Failed() {
			// The run directory goes away with the test: keep the requests.
			keep := filepath.Join(os.TempDir(), "auditx-e2e-es-bulk.ndjson")
			if b, err := os.ReadFile(dumpPath); err == nil && os.WriteFile(keep, b, 0o600) == nil {
				t.Logf("the bulk requests Elasticsearch got are in %s", keep)
			}
		}
	})
	for _, tmpl := range tmpls {
		require.NoError(t, s.Cluster().PutIndexTemplate(tmpl.IndexTemplate), "the committed template %s, as PUT _index_template would take it", tmpl.Name)
	}
	s.port = s.Port()
	return s
}

// snapshot reads the server's items by document key (@timestamp).
func (s *esServer) snapshot() esStats {
	snap := s.Snapshot()
	st := esStats{stored: map[string][]esDoc{}, sentCount: map[string]int{}, rejected: map[string]string{}, failureStored: map[string]string{},
		authFailures: snap.AuthFailures, infoCalls: snap.InfoCalls, lastRequest: snap.LastRequest}
	for _, r := range snap.Requests {
		st.requests = append(st.requests, len(r.Items))
		for _, it := range r.Items {
			key := esDocKey(it.Action.Source)
			d := esDoc{op: it.Action.Op, index: it.Action.Index, src: it.Action.Source, key: key, req: r.N}
			st.all = append(st.all, d)
			st.sentCount[key]++
			switch {
			case it.Injected:
			case it.Result.Status == http.StatusCreated && it.Result.FailureStore == "":
				st.stored[key] = append(st.stored[key], d)
				st.lastStored = it.Time
			case it.Result.FailureStore == "used":
				st.failureStored[key] = it.Result.Failure.Reason
				st.lastStored = it.Time
			case it.Result.Error != nil:
				st.conflicts = append(st.conflicts, fmt.Sprintf("%s %s: %s", d.index, key, it.Result.Error.Reason))
				if it.Action.DuplicateKey == "" {
					st.rejected[key] = it.Result.Error.Reason
				}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st.wholeFailed = append([]string(nil), s.wholeFailed...)
	st.allItemsFailed = append([]string(nil), s.allItemsFailed...)
	st.partialRejected = append([]string(nil), s.partialRejected...)
	st.partialReq = s.partialReq
	return st
}

// The template.

// esTemplate is the committed index template and the type of every field
// it maps by name (dotted path).
type esTemplate struct {
	*bulktest.IndexTemplate
	types map[string]string
}

// esLoadTemplates reads an engine's committed data stream templates
// (build/<engine>/): the vendors' and the unrecognized stream's.
func esLoadTemplates(t *testing.T, root, engine string) (vendors, unrecognized *esTemplate) {
	t.Helper()
	vendors = esLoadTemplateFile(t, filepath.Join(root, "build", engine, "data-stream-template.json"))
	require.Equal(t, "long", vendors.types["event.severity"])
	unrecognized = esLoadTemplateFile(t, filepath.Join(root, "build", engine, "unrecognized-template.json"))
	return vendors, unrecognized
}

// esIsUnrecognized reports whether a document goes to the unrecognized
// stream.
func esIsUnrecognized(src map[string]any) bool {
	ds, _ := field(src, "data_stream.dataset")
	return ds == enrich.UnrecognizedDataset
}

// esLoadTemplateFile reads a template; its declared types are its
// properties and the path_match of its dynamic templates (a dynamic
// template's field is typed once it appears; its parent object is not
// mapped ahead, so Netop's own "source" string stays possible).
func esLoadTemplateFile(t *testing.T, path string) *esTemplate {
	t.Helper()
	it, err := bulktest.LoadIndexTemplate(path)
	require.NoError(t, err)
	return &esTemplate{IndexTemplate: it, types: it.DeclaredTypes()}
}

// esCheckTypes checks the template's fields of a document: each value is of
// the JSON kind its mapped type takes as auditx writes it (keyword: string
// or array of strings, long: integer, float: a number (auditx writes an
// integer), text: string, date: string, flattened: an object).
func esCheckTypes(t *testing.T, tmpl *esTemplate, doc map[string]any) {
	t.Helper()
	for p, typ := range tmpl.types {
		v, ok := field(doc, p)
		if !ok {
			continue
		}
		switch typ {
		case "keyword":
			switch x := v.(type) {
			case string:
			case []any:
				for _, e := range x {
					_, ok := e.(string)
					require.True(t, ok, "%s: array element %v (%T) is not a string", p, e, e)
				}
			default:
				t.Errorf("%s (keyword): %v is a %T", p, v, v)
			}
		case "text", "match_only_text", "date", "constant_keyword":
			_, ok := v.(string)
			require.True(t, ok, "%s (%s): %v is a %T", p, typ, v, v)
		case "ip":
			var ips []any
			switch x := v.(type) {
			case []any:
				ips = x
			default:
				ips = []any{x}
			}
			for _, e := range ips {
				s, ok := e.(string)
				require.True(t, ok, "%s (ip): %v is a %T", p, e, e)
				_, err := netip.ParseAddr(s)
				require.NoError(t, err, "%s (ip)", p)
			}
		case "long":
			n, ok := v.(json.Number)
			require.True(t, ok, "%s (long): %v is a %T", p, v, v)
			_, err := n.Int64()
			require.NoError(t, err, "%s (long): %s", p, n)
		case "float":
			n, ok := v.(json.Number)
			require.True(t, ok, "%s (float): %v is a %T", p, v, v)
			_, err := n.Float64()
			require.NoError(t, err, "%s (float): %s", p, n)
		case "object", "flattened", "flat_object":
			_, ok := v.(map[string]any)
			require.True(t, ok, "%s (%s): %v is a %T", p, typ, v, v)
		}
	}
	if risk, ok := field(doc, "event.risk_score_norm"); ok {
		require.Contains(t, []string{"21", "47", "73", "99"}, risk.(json.Number).String(), "event.risk_score_norm: auditx's score, written as an integer")
	}
	for _, p := range []string{"event.category", "event.type"} {
		if v, ok := field(doc, p); ok {
			require.IsType(t, []any{}, v, "%s is an array", p)
		}
	}
	if _, ok := field(doc, "event.code"); ok {
		for _, p := range []string{"event.kind", "event.module", "event.dataset", "event.outcome", "observer.vendor", "observer.product", "ecs.version"} {
			v, ok := field(doc, p)
			require.True(t, ok, "%s missing", p)
			require.IsType(t, "", v, p)
		}
		require.Contains(t, doc["tags"], "auditx")
	}
}

// esCheckLayout checks the vendor's record in a document against issue
// 20's layout, derived here from the line as written: each top-level key
// whose value is ECS already (ecsschema.ValueIsECS) is at the top with its
// value; the others are under <vendor>.audit, whole, in record order, their
// keys renamed at every depth by internal/keyname (duplicates _2, _3...),
// their values unchanged; and the document holds nothing else but auditx's
// ECS fields and the pipeline's keys.
func esCheckLayout(t *testing.T, vendor, text string, doc map[string]any) {
	t.Helper()
	src, err := orderedmp.FromJSON([]byte(text))
	require.NoError(t, err)
	n, off, ok := mp.MapHeader(src, 0)
	require.True(t, ok)
	var moved []byte
	movedN := 0
	kept := map[string]bool{}
	for i := 0; i < n; i++ {
		ks, ke, ok := mp.Str(src, off)
		require.True(t, ok, "a string key")
		key := src[ks:ke]
		vOff, err := mp.Skip(src, off)
		require.NoError(t, err)
		next, err := mp.Skip(src, vOff)
		require.NoError(t, err)
		if ecsschema.ValueIsECS(key, src, vOff) {
			js, _, err := mp.AppendJSON(nil, src, vOff)
			require.NoError(t, err)
			require.Equal(t, esNormalize(esDecode(t, js)), esNormalize(doc[string(key)]), "the record's ECS key %s stays at the top", key)
			kept[string(key)] = true
		} else {
			moved = append(moved, src[off:next]...)
			movedN++
		}
		off = next
	}
	ns, _ := field(doc, vendor+".audit")
	if movedN == 0 {
		require.Nil(t, ns, "nothing moved, no namespace")
	} else {
		renamed, _, err := keyname.AppendValue(nil, append(mp.AppendMapHeader(nil, movedN), moved...), 0)
		require.NoError(t, err)
		js, _, err := mp.AppendJSON(nil, renamed, 0)
		require.NoError(t, err)
		require.Equal(t, esNormalize(esDecode(t, js)), esNormalize(ns), "%s.audit: the vendor's other keys, renamed, values unchanged", vendor)
	}
	for k := range doc {
		require.True(t, esPipelineKeys[k] || kept[k] || k == vendor, "unexpected key %q in the document", k)
	}
	if v, ok := doc[vendor].(map[string]any); ok {
		require.Len(t, v, 1, "%s holds audit only", vendor)
	}
}

// esDecode decodes JSON with numbers as json.Number.
func esDecode(t *testing.T, js []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "%s", js)
	return v
}

// esNormalize turns json.Numbers into float64 for comparison.
func esNormalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = esNormalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = esNormalize(e)
		}
		return out
	}
	return v
}

// esActorSources are the vendor fields the embedded actor map
// (catalog/data/actors.csv) reads, by the ECS field they become; the
// e2e check derives the expected actor fields from the record itself.
var esActorSources = map[string]map[string][]string{
	"privx":     {"user.name": {"message.username"}, "user.id": {"message.userID"}, "source.ip": {"message.remoteAddress"}, "event.provider": {"service_name", "message.SSH-PrivX-service"}, "observer.hostname": {"message.instanceName"}},
	"plusauth":  {"user.id": {"user_id"}, "source.ip": {"client_address"}},
	"netop":     {"user.name": {"user_name", "userName", "User Name"}, "user.id": {"user_id", "userId", "User Id"}},
	"filingbox": {"user.name": {"User", "user"}, "source.ip": {"Client IP", "client_ip"}},
}

// esCheckActor checks a document's actor fields against the vendor's own
// fields in the record: each ECS field holds the first source's value
// (Netop's SYSTEM is no user; FilingBox's own user string, which moves
// under filingbox.audit, is user.name), related.user and related.ip hold
// them once.
func esCheckActor(t *testing.T, vendor string, rec, doc map[string]any) {
	t.Helper()
	if _, ok := field(doc, "event.code"); !ok {
		for _, k := range []string{"user", "related"} {
			if _, own := rec[k]; !own {
				require.NotContains(t, doc, k, "a record without a code gets no actor fields")
			}
		}
		return
	}
	want := map[string]string{}
	for ecs, srcs := range esActorSources[vendor] {
		for _, s := range srcs {
			if v, ok := field(rec, s); ok {
				if str, ok := v.(string); ok && str != "" && !(vendor == "netop" && strings.EqualFold(str, "SYSTEM")) {
					want[ecs] = str
					break
				}
			}
		}
	}
	var relUser, relIP []any
	for _, k := range []string{"user.name", "user.id"} {
		if v, ok := want[k]; ok && !slices.Contains(relUser, any(v)) {
			relUser = append(relUser, v)
		}
	}
	if v, ok := want["source.ip"]; ok {
		relIP = append(relIP, v)
	}
	for ecs, v := range want {
		got, _ := field(doc, ecs)
		require.Equal(t, v, got, ecs)
	}
	got, _ := field(doc, "related.user")
	if relUser == nil {
		require.Nil(t, got, "related.user")
	} else {
		require.Equal(t, relUser, got, "related.user")
	}
	got, _ = field(doc, "related.ip")
	if relIP == nil {
		require.Nil(t, got, "related.ip")
	} else {
		require.Equal(t, relIP, got, "related.ip")
	}
}

// esLogOnePerVendor logs, for -v, the first document of each vendor (and
// of the application) in each data stream, as the server stored it (the
// docs/elasticsearch.md's example documents come from here).
func esLogOnePerVendor(t *testing.T, stored map[string][]esDoc, lines map[string]esLine) {
	t.Helper()
	keys := make([]string, 0, len(stored))
	for k := range stored {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]bool{}
	for _, k := range keys {
		d := stored[k][0]
		who := lines[k].vendor + " " + d.index
		if seen[who] {
			continue
		}
		seen[who] = true
		b, _ := json.Marshal(d.src)
		t.Logf("%s line stored in %s: %s", lines[k].vendor, d.index, b)
	}
}

// esAnalystQuery runs the analyst query of docs/elasticsearch.md, user.name: "<user>" and
// event.outcome: failure, over the stored documents (term queries on
// keyword fields: exact values), logs the hits and requires hits from more
// than one vendor: the same fields for every vendor.
func esAnalystQuery(t *testing.T, stored map[string][]esDoc, user string) {
	t.Helper()
	var hits []string
	vendors := map[string]bool{}
	keys := make([]string, 0, len(stored))
	for k := range stored {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d := stored[k][0]
		name, _ := field(d.src, "user.name")
		outcome, _ := field(d.src, "event.outcome")
		if name != user || outcome != "failure" {
			continue
		}
		module, _ := field(d.src, "event.module")
		vendors[module.(string)] = true
		code, _ := field(d.src, "event.code")
		action, _ := field(d.src, "event.action")
		ip, _ := field(d.src, "source.ip")
		hits = append(hits, fmt.Sprintf("%s %s event.code=%v event.action=%q source.ip=%v", d.index, d.key, code, action, ip))
	}
	t.Logf("user.name: %q and event.outcome: failure → %d hits:\n%s", user, len(hits), strings.Join(hits, "\n"))
	require.Greater(t, len(vendors), 1, "the analyst query finds one vendor only")
}
