// Command dsmem runs the Kubernetes DaemonSet's Fluent Bit configuration
// (build/kubernetes/configmap.yaml) once, in the real Fluent Bit, over a
// directory of CRI container log files, and reports the peak RSS of the
// fluent-bit process: one variant of make bench-memory
// (scripts/bench-memory.sh, which prepares the files and prints the table).
//
//	go run ./bench/dsmem -logs DIR -n 1000000 -name shipped
//	go run ./bench/dsmem -logs DIR -n 1000000 -name floor -no-auditx
//	go run ./bench/dsmem -logs DIR -n 1000000 -name T -set 'INPUT threaded on'
//
// The ConfigMap's text is the one users deploy, changed as e2e/es_test.go
// changes it (each substitution must match, so a changed ConfigMap fails
// here instead of being measured half-changed): the node and Pod paths
// become directories of a temporary run directory (/tmp/mem-run-*), the
// tail Path the -logs directory; Kube_URL is a Go test server answering Pod
// metadata (plain http) and Kube_Tag_Prefix follows the log directory;
// HTTP_Port is a free port; the plugins file loads -plugin. The
// environment is the DaemonSet's (ES_TLS On: the es output talks TLS with
// certificate verification and basic auth) with the Secret's values, the
// test server's port and certificate. Elasticsearch is a Go _bulk server
// that answers every item created, as Elasticsearch words it
// (internal/bulktest's item responses), and counts the documents by the
// bench_seq that bench/gen writes into every line.
//
// -no-auditx removes the [FILTER] whose Name is auditx (the floor); -set
// 'SECTION key value' sets a key of the one [SERVICE], [INPUT] or [OUTPUT]
// (replacing it when the section has it).
//
// The run ends when every bench_seq from 0 to n-1 was delivered and no
// bulk request came for -quiet. dsmem then reads the process's VmHWM (peak
// RSS) and VmRSS from /proc, stops Fluent Bit with SIGTERM and prints one
// tab-separated line: name, wall seconds (start of fluent-bit to the last
// new record), records delivered (distinct bench_seq), documents received
// (duplicates included), VmHWM KiB, VmRSS KiB at the end, bulk requests,
// and the [error] lines of Fluent Bit's log. It exits 1 when a record is
// missing or came twice, Fluent Bit exited, or the run timed out.
package main

import (
	"bufio"
	"bytes"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/auditx/auditx/internal/bulktest"
	"github.com/auditx/auditx/internal/kubetest"
)

const (
	// esUser and esPassword are the run's Secret values; the _bulk server
	// answers 401 to anything else.
	esUser     = "auditx_writer"
	esPassword = "bench-memory"
	// collectorPod is the collector's own Pod name (HOSTNAME): the
	// kubernetes filter looks itself up at start.
	collectorPod = "auditx-bench01"
	// seqKey is the key bench/gen writes into every line, with the line's
	// number.
	seqKey = `"bench_seq":`
)

// setting is one -set: a key of a unique section.
type setting struct{ section, key, value string }

type settings []setting

func (s *settings) String() string { return fmt.Sprint(*s) }

func (s *settings) Set(v string) error {
	f := strings.Fields(v)
	if len(f) != 3 {
		return fmt.Errorf("-set %q: want 'SECTION key value'", v)
	}
	sec := strings.ToUpper(f[0])
	switch sec {
	case "SERVICE", "INPUT", "OUTPUT":
	default:
		return fmt.Errorf("-set %q: section %s, want SERVICE, INPUT or OUTPUT (the ones the ConfigMap has once)", v, f[0])
	}
	*s = append(*s, setting{sec, f[1], f[2]})
	return nil
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", ".", "the module's root (build/kubernetes is read there)")
	flag.StringVar(&o.logs, "logs", "", "directory of the CRI log files <pod>_<namespace>_<container>-<id>.log")
	flag.IntVar(&o.n, "n", 1_000_000, "records in the files (bench_seq 0 .. n-1)")
	flag.StringVar(&o.fluentBit, "fluent-bit", os.Getenv("FLUENT_BIT_BIN"), "the fluent-bit binary")
	flag.StringVar(&o.plugin, "plugin", "bin/flb-filter_auditx.so", "the auditx library")
	flag.StringVar(&o.name, "name", "run", "the variant's name, first column of the result line")
	flag.BoolVar(&o.noAuditx, "no-auditx", false, "remove the auditx [FILTER] (the floor)")
	flag.Var(&o.set, "set", "'SECTION key value': set a key of [SERVICE], [INPUT] or [OUTPUT] (repeatable)")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "give up after this long")
	flag.DurationVar(&o.quiet, "quiet", 3*time.Second, "no bulk request for this long after the last record ends the run")
	flag.BoolVar(&o.keep, "keep", false, "keep the run directory (config, Fluent Bit's log, storage)")
	flag.Parse()
	line, err := run(o)
	if line != "" {
		fmt.Println(line)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "dsmem %s: %v\n", o.name, err)
		os.Exit(1)
	}
}

type options struct {
	root, logs, fluentBit, plugin, name string
	n                                   int
	noAuditx, keep                      bool
	set                                 settings
	timeout, quiet                      time.Duration
}

func run(o options) (string, error) {
	if o.logs == "" || o.fluentBit == "" {
		return "", errors.New("-logs and -fluent-bit (or FLUENT_BIT_BIN) are needed")
	}
	logs, err := filepath.Abs(o.logs)
	if err != nil {
		return "", err
	}
	plugin, err := filepath.Abs(o.plugin)
	if err != nil {
		return "", err
	}
	m, err := loadManifests(filepath.Join(o.root, "build", "kubernetes"))
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "mem-run-")
	if err != nil {
		return "", err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "dsmem %s: run directory %s\n", o.name, dir)
	}
	etcDir, catDir, saDir, stateDir := filepath.Join(dir, "etc"), filepath.Join(dir, "auditx"), filepath.Join(dir, "sa"), filepath.Join(dir, "state")
	for _, d := range []string{etcDir, catDir, saDir, stateDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	token := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	for name, text := range map[string]string{"token": token, "namespace": m.daemonSet.Namespace, "ca.crt": ""} {
		if err := os.WriteFile(filepath.Join(saDir, name), []byte(text), 0o600); err != nil {
			return "", err
		}
	}
	for name, text := range m.catalog {
		if err := os.WriteFile(filepath.Join(catDir, name), []byte(text), 0o600); err != nil {
			return "", err
		}
	}

	kube := startKubeAPI(token)
	defer kube.Close()
	sink := newSink(o.n)
	es := httptest.NewUnstartedServer(sink)
	// A connection Fluent Bit gives up on (its connect_timeout) is a TLS
	// handshake error here: counted in Fluent Bit's log, not printed.
	es.Config.ErrorLog = log.New(io.Discard, "", 0)
	es.StartTLS()
	defer es.Close()
	caFile := filepath.Join(dir, "es-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: es.Certificate().Raw}), 0o600); err != nil {
		return "", err
	}
	httpPort, err := freePort()
	if err != nil {
		return "", err
	}

	conf, err := substitute("fluent-bit.conf", m.fluentBitConf, [][2]string{
		{"/var/log/containers/", logs + "/"},
		{"/var/fluent-bit/state/", stateDir + "/"},
		{"/fluent-bit/etc/", etcDir + "/"},
		{"/etc/auditx/", catDir + "/"},
		{"/var/run/secrets/kubernetes.io/serviceaccount/", saDir + "/"},
		{"https://kubernetes.default.svc:443", kube.URL},
		{"auditx.logs.var.log.containers.", "auditx.logs." + strings.ReplaceAll(strings.TrimPrefix(logs, "/"), "/", ".") + "."},
	})
	if err != nil {
		return "", err
	}
	sets := append(settings{{"SERVICE", "HTTP_Port", strconv.Itoa(httpPort)}}, o.set...)
	for _, s := range sets {
		if conf, err = setKey(conf, s.section, s.key, s.value); err != nil {
			return "", err
		}
	}
	if o.noAuditx {
		if conf, err = dropFilter(conf, "auditx"); err != nil {
			return "", err
		}
	}
	plugins, err := substitute("plugins.conf", m.pluginsConf, [][2]string{{"/fluent-bit/plugins/flb-filter_auditx.so", plugin}})
	if err != nil {
		return "", err
	}
	for name, text := range map[string]string{"fluent-bit.conf": conf, "parsers.conf": m.parsersConf, "plugins.conf": plugins} {
		if err := os.WriteFile(filepath.Join(etcDir, name), []byte(text), 0o600); err != nil {
			return "", err
		}
	}
	env, err := daemonSetEnv(m.container, map[string]string{
		"ES_HOST": "127.0.0.1", "ES_PORT": strconv.Itoa(portOf(es.URL)), "ES_USER": esUser, "ES_PASSWORD": esPassword,
		"ES_CA_FILE": caFile, "NODE_NAME": "node-bench",
	})
	if err != nil {
		return "", err
	}
	env = append(env, "HOSTNAME="+collectorPod)

	logPath := filepath.Join(dir, "fluent-bit.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	defer logFile.Close()
	cmd := exec.Command(o.fluentBit, "-c", filepath.Join(etcDir, "fluent-bit.conf"))
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Fluent Bit dies with dsmem (an interrupted make bench-memory).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	sink.start(start)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	fail := func(format string, a ...any) (string, error) {
		return "", fmt.Errorf(format+"\n%s", append(a, tailOf(logPath, 20))...)
	}

	deadline := start.Add(o.timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			return fail("fluent-bit exited: %v (log %s)", err, logPath)
		case <-tick.C:
		}
		st := sink.stats()
		if st.distinct >= o.n && time.Since(st.lastRequest) > o.quiet {
			break
		}
		if time.Now().After(deadline) {
			stop()
			return fail("after %s: %d of %d records delivered", o.timeout, st.distinct, o.n)
		}
	}
	hwm, rss, err := memKiB(cmd.Process.Pid)
	if err != nil {
		stop()
		return "", err
	}
	stop()
	st := sink.stats()
	logText, _ := os.ReadFile(logPath)
	errLines := bytes.Count(logText, []byte("[error]"))
	line := fmt.Sprintf("%s\t%.2f\t%d\t%d\t%d\t%d\t%d\t%d", o.name, st.lastNew.Sub(start).Seconds(), st.distinct, st.docs, hwm, rss, st.requests, errLines)
	switch {
	case st.noSeq > 0:
		return line, fmt.Errorf("%d documents without %s", st.noSeq, seqKey)
	case st.docs != o.n:
		return line, fmt.Errorf("%d documents for %d records: duplicates (log %s)", st.docs, o.n, logPath)
	case st.unauthorized > 0:
		return line, fmt.Errorf("%d requests without the Secret's credentials", st.unauthorized)
	case kube.pods() == 0:
		return line, errors.New("the kubernetes filter never asked the API server")
	}
	for _, bad := range []string{"SIGSEGV", "panic:", "panicked", "fatal error:"} {
		if bytes.Contains(logText, []byte(bad)) {
			return line, fmt.Errorf("%q in Fluent Bit's log %s", bad, logPath)
		}
	}
	return line, nil
}

// memKiB reads a process's VmHWM (peak resident set) and VmRSS in KiB.
func memKiB(pid int) (hwm, rss int, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmHWM:":
			hwm, _ = strconv.Atoi(f[1])
		case "VmRSS:":
			rss, _ = strconv.Atoi(f[1])
		}
	}
	if hwm == 0 {
		return 0, 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
	}
	return hwm, rss, nil
}

func tailOf(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func portOf(url string) int {
	p, _ := strconv.Atoi(url[strings.LastIndexByte(url, ':')+1:])
	return p
}

// The manifests.

// manifests holds what a run takes from build/kubernetes.
type manifests struct {
	fluentBitConf, parsersConf, pluginsConf string
	catalog                                 map[string]string
	daemonSet                               appsv1.DaemonSet
	container                               corev1.Container
}

func loadManifests(dir string) (manifests, error) {
	var cm, cat corev1.ConfigMap
	var m manifests
	for file, v := range map[string]any{"configmap.yaml": &cm, "catalog-configmap.yaml": &cat, "daemonset.yaml": &m.daemonSet} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return m, err
		}
		if err := yaml.UnmarshalStrict(b, v); err != nil {
			return m, fmt.Errorf("%s: %w", file, err)
		}
	}
	m.fluentBitConf, m.parsersConf, m.pluginsConf = cm.Data["fluent-bit.conf"], cm.Data["parsers.conf"], cm.Data["plugins.conf"]
	m.catalog = cat.Data
	if m.fluentBitConf == "" || m.pluginsConf == "" {
		return m, errors.New("configmap.yaml: no fluent-bit.conf or plugins.conf")
	}
	if cs := m.daemonSet.Spec.Template.Spec.Containers; len(cs) != 1 {
		return m, fmt.Errorf("daemonset.yaml: %d containers, want 1", len(cs))
	}
	m.container = m.daemonSet.Spec.Template.Spec.Containers[0]
	return m, nil
}

// daemonSetEnv returns the container's environment as KEY=value, with the
// values of given for the Secret and field references (and overrides).
func daemonSetEnv(c corev1.Container, given map[string]string) ([]string, error) {
	var env []string
	for _, e := range c.Env {
		v, ok := given[e.Name]
		if !ok {
			if e.ValueFrom != nil {
				return nil, fmt.Errorf("env %s comes from a reference: dsmem has no value for it", e.Name)
			}
			v = e.Value
		}
		env = append(env, e.Name+"="+v)
	}
	return env, nil
}

// substitute replaces each old string with its new one; every old string
// must occur.
func substitute(name, text string, pairs [][2]string) (string, error) {
	for _, p := range pairs {
		if !strings.Contains(text, p[0]) {
			return "", fmt.Errorf("%s: %q, which dsmem substitutes, is no longer there", name, p[0])
		}
		text = strings.ReplaceAll(text, p[0], p[1])
	}
	return text, nil
}

var sectionHeader = regexp.MustCompile(`(?m)^[ \t]*\[([A-Za-z_]+)\][ \t]*$`)

// sections returns the [section]s of a classic configuration: name, and
// where each starts (its header) and ends (the next header).
func sections(text string) (names []string, bounds [][2]int) {
	locs := sectionHeader.FindAllStringSubmatchIndex(text, -1)
	for i, l := range locs {
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		names = append(names, strings.ToUpper(text[l[2]:l[3]]))
		bounds = append(bounds, [2]int{l[0], end})
	}
	return names, bounds
}

// setKey sets key in the one [section]: its value replaced when the
// section has the key, else the key added at the section's end.
func setKey(text, section, key, value string) (string, error) {
	names, bounds := sections(text)
	found := -1
	for i, n := range names {
		if n == section {
			if found >= 0 {
				return "", fmt.Errorf("two [%s] sections", section)
			}
			found = i
		}
	}
	if found < 0 {
		return "", fmt.Errorf("no [%s] section", section)
	}
	start, end := bounds[found][0], bounds[found][1]
	body := text[start:end]
	re := regexp.MustCompile(`(?mi)^([ \t]*` + regexp.QuoteMeta(key) + `[ \t]+)\S.*$`)
	switch n := len(re.FindAllStringIndex(body, -1)); n {
	case 0:
		body = strings.TrimRight(body, "\n") + "\n    " + key + " " + value + "\n\n"
	case 1:
		loc := re.FindStringSubmatchIndex(body)
		body = body[:loc[3]] + value + body[loc[1]:]
	default:
		return "", fmt.Errorf("[%s] sets %s %d times", section, key, n)
	}
	return text[:start] + body + text[end:], nil
}

// dropFilter removes the one [FILTER] whose Name is name.
func dropFilter(text, name string) (string, error) {
	names, bounds := sections(text)
	re := regexp.MustCompile(`(?mi)^[ \t]*Name[ \t]+` + regexp.QuoteMeta(name) + `[ \t]*$`)
	for i, n := range names {
		if n == "FILTER" && re.MatchString(text[bounds[i][0]:bounds[i][1]]) {
			return text[:bounds[i][0]] + text[bounds[i][1]:], nil
		}
	}
	return "", fmt.Errorf("no [FILTER] with Name %s", name)
}

// The Kubernetes API server (internal/kubetest).

type kubeAPI struct {
	*httptest.Server
	api *kubetest.PodServer
}

func (k *kubeAPI) pods() int { n, _ := k.api.Counts(); return n }

// startKubeAPI answers GET /api/v1/namespaces/NS/pods/NAME, with the
// service account token, as e2e/es_test.go's does.
func startKubeAPI(token string) *kubeAPI {
	k := &kubeAPI{api: &kubetest.PodServer{Token: token, Node: "node-bench"}}
	k.Server = httptest.NewServer(k.api)
	return k
}

// The _bulk server.

// sink answers POST /_bulk: every item created (bulktest.ItemResponse, as
// Elasticsearch words it), each document counted by its bench_seq. It
// keeps no document.
type sink struct {
	mu           sync.Mutex
	n            int
	seen         []uint64 // bit i: bench_seq i delivered
	st           sinkStats
	seqNo        int
	unauthorized int
}

type sinkStats struct {
	docs, distinct, noSeq, requests, unauthorized int
	lastRequest, lastNew                          time.Time
}

func newSink(n int) *sink { return &sink{n: n, seen: make([]uint64, (n+63)/64)} }

func (s *sink) start(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.lastRequest, s.st.lastNew = t, t
}

func (s *sink) stats() sinkStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.unauthorized = s.unauthorized
	return st
}

var indexField = regexp.MustCompile(`"_index"\s*:\s*"([^"]*)"`)

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	if u, p, ok := r.BasicAuth(); !ok || u != esUser || p != esPassword {
		s.mu.Lock()
		s.unauthorized++
		s.mu.Unlock()
		http.Error(w, `{"error":"unauthorized","status":401}`, http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/_bulk") {
		http.Error(w, `{"error":"no handler","status":404}`, http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, `{"error":"read","status":400}`, http.StatusBadRequest)
		return
	}
	var items []map[string]any
	var seqs []int
	noSeq := 0
	op, index := "", ""
	action := true
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if action {
			op, index = "create", ""
			if i := bytes.IndexByte(line, '"'); i >= 0 {
				if j := bytes.IndexByte(line[i+1:], '"'); j >= 0 {
					op = string(line[i+1 : i+1+j])
				}
			}
			if m := indexField.FindSubmatch(line); m != nil {
				index = string(m[1])
			}
			action = op == "delete"
			continue
		}
		action = true
		seq := -1
		if i := bytes.Index(line, []byte(seqKey)); i >= 0 {
			rest := bytes.TrimLeft(line[i+len(seqKey):], " ")
			j := 0
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if v, err := strconv.Atoi(string(rest[:j])); err == nil {
				seq = v
			}
		}
		if seq < 0 {
			noSeq++
		} else {
			seqs = append(seqs, seq)
		}
		items = append(items, bulktest.ItemResponse(op, bulktest.Result{Status: http.StatusCreated, Index: index}, 0))
	}
	now := time.Now()
	s.mu.Lock()
	s.st.requests++
	s.st.lastRequest = now
	s.st.noSeq += noSeq
	s.st.docs += noSeq
	for _, it := range items {
		for _, v := range it {
			v.(map[string]any)["_seq_no"] = s.seqNo
			v.(map[string]any)["_id"] = "bench-" + strconv.Itoa(s.seqNo)
		}
		s.seqNo++
	}
	for _, seq := range seqs {
		s.st.docs++
		if seq >= s.n {
			s.st.noSeq++
			continue
		}
		if s.seen[seq/64]&(1<<(seq%64)) == 0 {
			s.seen[seq/64] |= 1 << (seq % 64)
			s.st.distinct++
			s.st.lastNew = now
		}
	}
	s.mu.Unlock()
	_, _ = w.Write(bulktest.BulkResponse(int(time.Since(now).Milliseconds()), items, false))
}
