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

// esPipelineKeys are the top-level keys the pipeline adds around a vendor
// record: the es output's Time_Key, auditx's ECS fields, the kubernetes
// filter's metadata and the CRI parser's keys (time is kept by Fluent Bit's
// built-in cri parser; where the vendor record has its own "time", as
// PlusAuth's does, the merged record keeps the vendor's, once).
var esPipelineKeys = map[string]bool{"@timestamp": true, "event": true, "observer": true, "tags": true,
	"user": true, "source": true, "related": true, "host": true, "data_stream": true,
	"kubernetes": true, "stream": true, "_p": true, "time": true}

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

	// The vendor Pods' log files, in the CRI format, each line at its own
	// millisecond: @timestamp identifies a line in Elasticsearch.
	logDir := filepath.Join(dir, "log", "containers")
	require.NoError(t, os.MkdirAll(logDir, 0o755))
	lines := esWriteCRILogs(t, root, logDir)
	require.Len(t, lines, sampleTotal(t), "records in testdata/samples/*.log")

	// The service account files the kubernetes filter reads.
	saDir := filepath.Join(dir, "sa")
	require.NoError(t, os.MkdirAll(saDir, 0o755))
	token := "e2e-token-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	require.NoError(t, os.WriteFile(filepath.Join(saDir, "token"), []byte(token), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(saDir, "namespace"), []byte(k8s.daemonSet.Namespace), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(saDir, "ca.crt"), nil, 0o600))
	kube := esStartKubeAPI(t, token)

	tmpl := esLoadTemplate(t, root)
	es := esStartServer(t, tmpl, filepath.Join(dir, "bulk.ndjson"))
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
	// successful bulk response and the FilingBox records rejected by the
	// mapping (see the assertions below).
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
		_, rejectedByMapping := st.rejected[k]
		require.True(t, stored || rejectedByMapping && st.sentCount[k] > 1, "document %s of a failed request was never retried", k)
	}
	// plugins/out_es/es.c (v5.1.1) elasticsearch_error_check sets
	// FLB_ES_STATUS_SUCCESS as soon as one item has status 200 or 201, and
	// cb_es_flush only retries when that bit is missing: a bulk response with
	// "errors": true whose other items succeeded counts as a success, and the
	// failed item is NOT sent again. The test asserts that behaviour, so that
	// a Fluent Bit that fixes it (or a config that works around it) shows up.
	rejected := st.partialRejected[0]
	require.NotContains(t, st.stored, rejected, "Fluent Bit re-sent the item rejected inside a successful bulk response: es.c changed, update this test and the README")
	require.Equal(t, 1, st.sentCount[rejected], "the rejected item was sent %d times", st.sentCount[rejected])

	// The one mapping conflict of the samples: FilingBox's UI columns give
	// "User" (auditx adds user.name: a user object) while its snake_case
	// export has its own "user" string. In one data stream the first shape
	// indexed wins and Elasticsearch rejects the other with 400 (inside a
	// successful bulk response, which Fluent Bit does not retry): a stream
	// must not mix the two shapes (README, Elasticsearch).
	snake, title := map[string]bool{}, map[string]bool{}
	for k, l := range lines {
		if l.vendor != "filingbox" {
			continue
		}
		if _, ok := l.rec["user"].(string); ok {
			snake[k] = true
		} else if _, ok := l.rec["User"]; ok {
			if _, hasCode := l.rec["Code"]; hasCode {
				title[k] = true
			}
		}
	}
	lostShape := snake
	for k := range st.rejected {
		if title[k] {
			lostShape = title
		}
	}
	for k, reason := range st.rejected {
		require.True(t, lostShape[k], "%s (%s) rejected: %s", k, lines[k].where(), reason)
		require.Contains(t, reason, "[user]", "%s rejected", lines[k].where())
	}
	for _, c := range st.conflicts {
		require.Contains(t, c, "logs-filingbox.audit-default", "the only conflict is FilingBox's user")
	}

	// One document per line: every line but the rejected ones, none twice.
	var missing []string
	for k := range lines {
		if _, ok := st.stored[k]; !ok && k != rejected && !lostShape[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "lines never indexed")
	for k := range lostShape {
		require.NotContains(t, st.stored, k, "a FilingBox record of the other shape was indexed: %s", lines[k].where())
	}
	dups := 0
	for _, docs := range st.stored {
		dups += len(docs) - 1
	}
	t.Logf("bulk requests: %d (whole 429: %d docs, all items 429: %d docs, one item 429: %s); documents stored: %d distinct of %d lines, %d duplicates; lost inside a successful response: 1 (%s, %s); rejected by the mapping: %d",
		len(st.requests), len(st.wholeFailed), len(st.allItemsFailed), rejected, len(st.stored), len(lines), dups, rejected, lines[rejected].where(), len(st.rejected))
	esLogOnePerVendor(t, st.stored)
	esAnalystQuery(t, st.stored, "m.rossi")
	require.Zero(t, dups, "documents indexed more than once")
	t.Logf("rejected by the mapping (FilingBox user string vs user object): %d documents, e.g. %s", len(st.rejected), firstN(st.conflicts, 1))
	require.Equal(t, 0, st.infoCalls, "Fluent Bit 5.1.1's es output does not call GET / (no version check); if it starts to, check the answer")

	// Every document: index, enriched fields typed as the template says,
	// the vendor record intact, Kubernetes metadata.
	for k, docs := range st.stored {
		doc := docs[0]
		line := lines[k]
		t.Run(line.where(), func(t *testing.T) {
			require.Equal(t, "create", doc.op, "data streams take create operations")
			require.NotEmpty(t, doc.key, "@timestamp")
			module, _ := field(doc.src, "event.module")
			ms, _ := module.(string)
			dataset := enrich.UnrecognizedDataset
			if ms != "" {
				require.Equal(t, line.vendor, ms)
				dataset = ms + ".audit"
				ev, _ := field(doc.src, "event.dataset")
				require.Equal(t, dataset, ev)
			}
			require.Equal(t, map[string]any{"type": "logs", "dataset": dataset, "namespace": esDataStreamNamespace}, doc.src["data_stream"])
			require.Equal(t, "logs-"+dataset+"-"+esDataStreamNamespace, doc.index, "data stream logs-<data_stream.dataset>-<namespace>")
			esCheckActor(t, line.vendor, line.rec, doc.src)
			esCheckTypes(t, tmpl, doc.src)
			esCheckOriginal(t, line.rec, doc.src)
			kubeMeta, ok := doc.src["kubernetes"].(map[string]any)
			require.True(t, ok, "no kubernetes metadata")
			require.Equal(t, line.pod, kubeMeta["pod_name"])
			require.Equal(t, esNamespace, kubeMeta["namespace_name"])
			require.Equal(t, "app", kubeMeta["container_name"])
			labels, _ := kubeMeta["labels"].(map[string]any)
			require.Equal(t, line.vendor, labels["app.kubernetes.io/name"], "Pod labels from the API server")
		})
	}
	require.NoError(t, fb.Stop(), "fluent-bit exit status after SIGTERM")
}

// TestESSingleIndexWouldConflict shows why the es output writes one index
// per vendor: with the template's mappings and Elasticsearch's dynamic
// mapping, the four vendors' records cannot share one index (PlusAuth's
// "message" is a string, PrivX's an object), while each vendor's own index
// takes all of its records. A rejected document is lost silently when other
// documents of the same bulk request succeed (see TestESDaemonSetConfig).
func TestESSingleIndexWouldConflict(t *testing.T) {
	root := moduleRoot(t)
	tmpl := esLoadTemplate(t, root)
	shared := esNewMapping(t, tmpl)
	perVendor := map[string]*bulktest.Mapping{}
	var sharedConflicts []string
	for _, v := range esVendors {
		perVendor[v] = esNewMapping(t, tmpl)
		for i, rec := range esReadJSONLines(t, filepath.Join(root, "testdata", "samples", v+".log")) {
			if _, err := shared.Index("", rec); err != nil {
				sharedConflicts = append(sharedConflicts, fmt.Sprintf("%s:%d: %v", v, i+1, err))
			}
			_, err := perVendor[v].Index("", rec)
			require.NoError(t, err, "%s:%d in its own index", v, i+1)
		}
	}
	require.NotEmpty(t, sharedConflicts, "the vendors' records fit one index: the per-vendor index split may be unnecessary")
	require.Contains(t, strings.Join(sharedConflicts, "\n"), "[message]")
	t.Logf("one shared index would reject %d records, e.g. %s", len(sharedConflicts), sharedConflicts[0])
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

// esLine is one sample line as the pipeline gets it.
type esLine struct {
	vendor string
	line   int
	pod    string
	rec    map[string]any
}

func (l esLine) where() string { return fmt.Sprintf("%s.log:%d", l.vendor, l.line) }

// esWriteCRILogs writes each vendor's sample log as the CRI log files of two
// Pods (odd and even lines), the way containerd writes them under
// /var/log/containers, and returns the lines by @timestamp as the es output
// will write it (the CRI time, millisecond precision).
func esWriteCRILogs(t *testing.T, root, dir string) map[string]esLine {
	t.Helper()
	base := time.Date(2026, 11, 20, 8, 14, 0, 0, time.UTC)
	out := map[string]esLine{}
	n := 0
	for _, v := range esVendors {
		raw, err := os.ReadFile(filepath.Join(root, "testdata", "samples", v+".log"))
		require.NoError(t, err)
		files := map[string]*bytes.Buffer{}
		for i, text := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
			pod := fmt.Sprintf("%s-%d", v, i%2)
			if files[pod] == nil {
				files[pod] = &bytes.Buffer{}
			}
			ts := base.Add(time.Duration(n) * time.Millisecond)
			n++
			fmt.Fprintf(files[pod], "%s stdout F %s\n", ts.Format("2006-01-02T15:04:05.000000000Z07:00"), text)
			var rec map[string]any
			dec := json.NewDecoder(strings.NewReader(text))
			dec.UseNumber()
			require.NoError(t, dec.Decode(&rec), "%s.log:%d", v, i+1)
			out[ts.Format("2006-01-02T15:04:05.000Z")] = esLine{vendor: v, line: i + 1, pod: pod, rec: rec}
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

// The fake Kubernetes API server.

type esKubeAPI struct {
	srv    *httptest.Server
	mu     sync.Mutex
	pods   int
	unauth int
}

// esStartKubeAPI answers GET /api/v1/namespaces/NS/pods/NAME with a Pod
// whose labels name its vendor (the Pod name up to its last dash).
func esStartKubeAPI(t *testing.T, token string) *esKubeAPI {
	t.Helper()
	k := &esKubeAPI{}
	podPath := regexp.MustCompile(`^/api/v1/namespaces/([^/]+)/pods/([^/]+)$`)
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		defer k.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+token {
			k.unauth++
			http.Error(w, `{"kind":"Status","status":"Failure","code":401}`, http.StatusUnauthorized)
			return
		}
		m := podPath.FindStringSubmatch(r.URL.Path)
		if r.Method != http.MethodGet || m == nil {
			http.Error(w, `{"kind":"Status","status":"Failure","code":404}`, http.StatusNotFound)
			return
		}
		k.pods++
		ns, name := m[1], m[2]
		app := name
		if i := strings.LastIndex(name, "-"); i > 0 {
			app = name[:i]
		}
		id := sha256.Sum256([]byte(name))
		pod := map[string]any{
			"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": name, "namespace": ns, "uid": hex.EncodeToString(id[:16]),
				"labels": map[string]any{"app.kubernetes.io/name": app, "pod-template-hash": "5d8f9"}},
			"spec": map[string]any{"nodeName": "node-e2e", "containers": []any{map[string]any{"name": "app", "image": "registry.example.com/" + app + ":1.0"}}},
			"status": map[string]any{"phase": "Running", "hostIP": "10.0.0.10", "podIP": "10.1.0.7",
				"containerStatuses": []any{map[string]any{"name": "app", "image": "registry.example.com/" + app + ":1.0",
					"imageID":     "registry.example.com/" + app + "@sha256:" + hex.EncodeToString(id[:]),
					"containerID": "containerd://" + hex.EncodeToString(id[:])}}},
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(pod)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *esKubeAPI) podRequests() int  { k.mu.Lock(); defer k.mu.Unlock(); return k.pods }
func (k *esKubeAPI) authFailures() int { k.mu.Lock(); defer k.mu.Unlock(); return k.unauth }

// The fake Elasticsearch: internal/bulktest's _bulk server, with the
// faults this test injects and the views of its items the assertions use.

// esDoc is one document of a bulk request.
type esDoc struct {
	op, index string
	src       map[string]any
	key       string // its @timestamp: one line of the input
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
	conflicts       []string
	rejected        map[string]string // key → the mapping conflict Elasticsearch answers 400 for
	all             []esDoc           // every document of every bulk request, as sent
	lastStored      time.Time
	authFailures    int
	infoCalls       int
	lastRequest     time.Time
}

// esServer is the bulktest server with the committed template installed.
type esServer struct {
	*bulktest.Server
	port int
	mu   sync.Mutex
	// The keys of the requests the fault schedule answered.
	wholeFailed, allItemsFailed, partialRejected []string
}

// esServerOptions: noFaults answers every request as Elasticsearch would,
// without the injected 429s; flavor is the product imitated.
type esServerOptions struct {
	noFaults bool
	flavor   bulktest.Flavor
}

// esStartServer starts the fake Elasticsearch over TLS with the test
// Secret's credentials and the template installed: GET / answers the
// cluster info of an 8.19 node, POST /_bulk indexes NDJSON create/index
// actions with per-item results (internal/bulktest). Bulk requests are
// numbered as they come; request 2 is answered 429 as a whole, request 3
// with every item failed with 429, and the first later request of two or
// more documents with its first item failed with 429 and the others
// created.
func esStartServer(t *testing.T, tmpl *esTemplate, dumpPath string, opts ...esServerOptions) *esServer {
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
			k, _ := a.Source["@timestamp"].(string)
			out = append(out, k)
		}
		return out
	}
	cfg := bulktest.Config{Flavor: o.flavor, User: esUser, Password: esPassword, TLS: true, Dump: f}
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
			case n >= 4 && len(s.partialRejected) == 0 && len(actions) >= 2:
				s.partialRejected = keys(actions[:1])
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
	require.NoError(t, s.Cluster().PutIndexTemplate(tmpl.IndexTemplate), "the committed template, as PUT _index_template would take it")
	s.port = s.Port()
	return s
}

// snapshot reads the server's items by document key (@timestamp).
func (s *esServer) snapshot() esStats {
	snap := s.Snapshot()
	st := esStats{stored: map[string][]esDoc{}, sentCount: map[string]int{}, rejected: map[string]string{},
		authFailures: snap.AuthFailures, infoCalls: snap.InfoCalls, lastRequest: snap.LastRequest}
	for _, r := range snap.Requests {
		st.requests = append(st.requests, len(r.Items))
		for _, it := range r.Items {
			key, _ := it.Action.Source["@timestamp"].(string)
			d := esDoc{op: it.Action.Op, index: it.Action.Index, src: it.Action.Source, key: key, req: r.N}
			st.all = append(st.all, d)
			st.sentCount[key]++
			switch {
			case it.Injected:
			case it.Result.Status == http.StatusCreated && it.Result.FailureStore == "":
				st.stored[key] = append(st.stored[key], d)
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
	return st
}

// The template.

// esTemplate is the committed index template and the type of every field
// it maps by name (dotted path).
type esTemplate struct {
	*bulktest.IndexTemplate
	types map[string]string
}

func esLoadTemplate(t *testing.T, root string) *esTemplate {
	t.Helper()
	return esLoadTemplateFile(t, filepath.Join(root, "build", "elasticsearch", "data-stream-template.json"))
}

// esLoadTemplateFile reads a template; its declared types are its
// properties and the path_match of its dynamic templates (a dynamic
// template's field is typed once it appears; its parent object is not
// mapped ahead, so Netop's own "source" string stays possible).
func esLoadTemplateFile(t *testing.T, path string) *esTemplate {
	t.Helper()
	it, err := bulktest.LoadIndexTemplate(path)
	require.NoError(t, err)
	tm := &esTemplate{IndexTemplate: it, types: it.DeclaredTypes()}
	require.Equal(t, "long", tm.types["event.severity"])
	return tm
}

// esNewMapping is the mapping a new data stream of the template starts
// with, on an Elasticsearch of the server's version.
func esNewMapping(t *testing.T, tmpl *esTemplate) *bulktest.Mapping {
	t.Helper()
	c := bulktest.NewCluster(bulktest.Product{Flavor: bulktest.Elasticsearch, Version: bulktest.DefaultElasticsearchVersion})
	m, err := c.MappingFromTemplate(tmpl.IndexTemplate)
	require.NoError(t, err)
	return m
}

// esCheckTypes checks the template's fields of a document: each value is of
// the JSON kind its mapped type takes as auditx writes it (keyword: string
// or array of strings, long: integer, text: string, date: string).
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
		case "text", "date", "constant_keyword":
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
		case "object", "flattened":
			_, ok := v.(map[string]any)
			require.True(t, ok, "%s (%s): %v is a %T", p, typ, v, v)
		}
	}
	if sev, ok := field(doc, "event.severity"); ok {
		require.Contains(t, []string{"21", "47", "73", "99"}, sev.(json.Number).String(), "event.severity")
	}
	for _, p := range []string{"event.category", "event.type"} {
		if v, ok := field(doc, p); ok {
			require.IsType(t, []any{}, v, "%s is an array", p)
		}
	}
	if _, ok := field(doc, "event.code"); ok {
		for _, p := range []string{"event.kind", "event.module", "event.dataset", "event.outcome", "observer.vendor", "observer.product"} {
			v, ok := field(doc, p)
			require.True(t, ok, "%s missing", p)
			require.IsType(t, "", v, p)
		}
		require.Contains(t, doc["tags"], "auditx")
	}
}

// esCheckOriginal checks that the document holds the vendor record: every
// key with its value, and nothing else besides the pipeline's keys.
func esCheckOriginal(t *testing.T, rec, doc map[string]any) {
	t.Helper()
	for k, v := range rec {
		got, ok := doc[k]
		require.True(t, ok, "original key %q missing", k)
		require.Equal(t, esNormalize(v), esNormalize(got), "original key %q changed", k)
	}
	for k := range doc {
		_, orig := rec[k]
		require.True(t, orig || esPipelineKeys[k], "unexpected key %q in the document", k)
	}
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
// (Netop's SYSTEM is no user; a record's own non-object user keeps its
// value and gets no user.name), related.user and related.ip hold them once.
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
		top, _, _ := strings.Cut(ecs, ".")
		if own, ok := rec[top]; ok {
			if _, isMap := own.(map[string]any); !isMap {
				require.Equal(t, esNormalize(own), esNormalize(doc[top]), "the record's own %s is kept", top)
				continue
			}
		}
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

// esLogOnePerVendor logs, for -v, the first document of each vendor as the
// server received it (the README's example documents come from here).
func esLogOnePerVendor(t *testing.T, stored map[string][]esDoc) {
	t.Helper()
	keys := make([]string, 0, len(stored))
	for k := range stored {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]bool{}
	for _, k := range keys {
		d := stored[k][0]
		if seen[d.index] {
			continue
		}
		seen[d.index] = true
		b, _ := json.Marshal(d.src)
		t.Logf("%s %s: %s", d.op, d.index, b)
	}
}

// esAnalystQuery runs the README's analyst query, user.name: "<user>" and
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
