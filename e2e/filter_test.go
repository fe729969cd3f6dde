//go:build linux

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/forwardtest"
)

// The filter door: `[FILTER] Name auditx`, loaded from flb-filter_auditx.so,
// enriching records in place on the input's thread.

// auditxFilter is an auditx [FILTER]; kv adds keys.
func auditxFilter(match string, kv ...string) section {
	return sec("FILTER", append([]string{"Name", "auditx", "Match", match}, kv...)...)
}

// metricsService is service with Fluent Bit's HTTP server (its own metrics
// endpoint) on a free port; it returns the section and the base URL.
func metricsService(t testing.TB, dir string) (section, string) {
	s := service(t, dir)
	port := strconv.Itoa(freePort(t))
	s.kv = append(s.kv, "HTTP_Server", "On", "HTTP_Listen", "127.0.0.1", "HTTP_Port", port)
	return s, "http://127.0.0.1:" + port
}

// waitFBMetric polls Fluent Bit's metrics endpoint (a snapshot taken every
// second) until name reaches want, and returns the last scrape.
func waitFBMetric(t testing.TB, fb *fluentBit, base, name string, want float64, timeout time.Duration) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, err := scrapeProm(base + "/api/v2/metrics/prometheus")
		if err == nil && m[name] >= want {
			return m
		}
		require.True(t, fb.Running(), "fluent-bit exited: %v", fb.waitErr)
		if time.Now().After(deadline) {
			t.Fatalf("%s=%v after %s, want %v (error: %v)", name, m[name], timeout, want, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// goldenLines reads testdata/golden/<vendor>.golden: every sample record as
// the core enriches it (cmd/auditx's golden test; a record passed untouched
// is its input line), each as canonical JSON.
func goldenLines(t testing.TB, vendor string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(moduleRoot(t), "testdata", "golden", vendor+".golden"))
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &m), "%s.golden", vendor)
			out = append(out, canonical(t, comparable(m, "")))
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// comparable readies a record for comparison with a golden line: the
// golden's first key "@timestamp" is the record time the es output writes
// (the vendor's event time; auditx enrich --time-key), which a received
// event carries in its header (at, given). It is compared only where the
// vendor gave the time: an enriched record (event.created) without
// auditx_no_event_time; elsewhere it is the read time, different in every
// run, and so is event.created, which is masked (the tests check it against
// the run's start and end).
func comparable(m map[string]any, at string) map[string]any {
	ev, _ := m["event"].(map[string]any)
	_, created := ev["created"]
	delete(ev, "created")
	golden, _ := m["@timestamp"].(string)
	delete(m, "@timestamp")
	if created && !hasTag(m, "auditx_no_event_time") {
		if at == "" {
			at = golden
		}
		m["@timestamp"] = at
	}
	return m
}

// bodiesByTag returns the canonical JSON of every event's body, by tag,
// sorted (the comparison is of multisets: Fluent Bit keeps the order within
// a tag, but the test need not rely on it), each with its record time as
// comparable says.
func bodiesByTag(t testing.TB, events []forwardtest.Event) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, ev := range events {
		body := jsonValue(t, ev.Body).(map[string]any)
		out[ev.Tag] = append(out[ev.Tag], canonical(t, comparable(body, ev.Time.UTC().Format(esTimeLayout))))
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

// requireReadDuring checks that an event was read by Fluent Bit during the
// run: its event.created (the record time is the vendor's, compared with
// the goldens), or, for a record auditx did not enrich, its record time.
func requireReadDuring(t testing.TB, ev forwardtest.Event, start, end time.Time) {
	t.Helper()
	read := ev.Time
	if c, ok := field(jsonValue(t, ev.Body).(map[string]any), "event.created"); ok {
		var err error
		read, err = time.Parse(time.RFC3339Nano, c.(string))
		require.NoError(t, err)
	}
	require.False(t, read.Before(start.Add(-time.Second)) || read.After(end.Add(time.Second)),
		"read time %s outside the run [%s, %s]", read, start, end)
}

// esTimeLayout is how the es output writes @timestamp.
const esTimeLayout = "2006-01-02T15:04:05.000Z"

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// TestFilterSamplesEqualGolden runs the four sample logs through tail →
// [FILTER] auditx → out_forward → Go receiver: every record comes out once,
// with its metadata and time, and its body equals the golden file's line
// (the enrichment of the core, which the output door's tests check too).
// Fluent Bit's own metrics endpoint shows auditx's counters and the
// filter's own fluentbit_filter_* counters.
func TestFilterSamplesEqualGolden(t *testing.T) {
	needFluentBit(t)
	_, total := loadSamples(t)
	dir := runDir(t)
	rcv := receiver(t)
	svc, base := metricsService(t, dir)
	secs := []section{svc}
	for _, v := range vendors {
		secs = append(secs, tailInput("audit."+v, samplePath(t, v)))
	}
	secs = append(secs, auditxFilter("audit.*"), forwardOutputTo("audit.*", rcv))
	start := time.Now()
	fb := startFluentBit(t, dir, fbOptions{Config: renderConfig(secs...), Doors: filterDoor})
	rcv.WaitFor(t, total, 30*time.Second)
	fb.RequireHealthy(t)
	m := waitFBMetric(t, fb, base, "fluentbit_filter_records_total", float64(total), 10*time.Second)
	fb.StopClean(t)
	end := time.Now()
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	events := rcv.Events()
	require.Len(t, events, total, "every record once")
	for i, ev := range events {
		require.NotNil(t, ev.Meta, "event %d: v2 metadata map missing", i)
		requireReadDuring(t, ev, start, end)
	}
	got := bodiesByTag(t, events)
	enriched, unknown, noCode := 0, 0, 0
	for _, v := range vendors {
		want := sorted(goldenLines(t, v))
		require.Equal(t, want, got["audit."+v], "%s: bodies through the filter vs testdata/golden/%s.golden", v, v)
		for _, ev := range events {
			if ev.Tag != "audit."+v {
				continue
			}
			switch {
			case hasTag(ev.Body, "auditx_unknown_code"):
				unknown++
			case hasTag(ev.Body, "auditx"):
				enriched++
			default:
				noCode++
			}
		}
	}
	log := fb.Log()
	require.Contains(t, log, "[ info] [filter:auditx:auditx.0] vendor=auto schema=ecs", "the start line comes through Fluent Bit's logger")
	exit := logLine(log, "[filter:auditx:auditx.0] exit: records=")

	// Fluent Bit's own counters for the instance, and auditx's beside them.
	require.Equal(t, float64(total), m["fluentbit_filter_records_total"], "fluentbit_filter_records_total")
	require.Zero(t, m["fluentbit_filter_add_records_total"], "the filter adds no records")
	require.Zero(t, m["fluentbit_filter_drop_records_total"], "the filter drops no records")
	require.Equal(t, float64(enriched), m["fluentbit_filter_auditx_records_enriched_total"])
	require.Equal(t, float64(unknown), m["fluentbit_filter_auditx_records_unknown_code_total"])
	require.Equal(t, float64(noCode), m["fluentbit_filter_auditx_records_no_code_total"])
	require.Positive(t, m["fluentbit_filter_auditx_catalog_entries"])
	t.Logf("%d records: %d enriched, %d unknown code, %d without a code; %s", total, enriched, unknown, noCode, exit)
}

// TestFilterBothDoorsOneProcess loads both doors into one Fluent Bit (-e
// flb-filter_auditx.so -e out_auditx.so, the second a symlink to the first):
// one library is mapped, so one Go runtime, and both doors enrich the same
// input to the same bodies.
func TestFilterBothDoorsOneProcess(t *testing.T) {
	needFluentBit(t)
	_, total := loadSamples(t)
	dir := runDir(t)
	rcv := receiver(t)
	sock := filepath.Join(dir, "forward.sock")
	secs := []section{service(t, dir)}
	for _, v := range vendors {
		secs = append(secs, tailInput("f."+v, samplePath(t, v)), tailInput("o."+v, samplePath(t, v)))
	}
	secs = append(secs,
		auditxFilter("f.*"),
		auditxOutput("o.*", "forward_path", sock, "id", "out"),
		forwardUnixInput(sock),
		forwardOutputTo("f.*", rcv),
		forwardOutputTo("enriched.*", rcv),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: renderConfig(secs...), Doors: bothDoors})
	rcv.WaitFor(t, 2*total, 30*time.Second)
	fb.RequireHealthy(t)
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", fbPID(fb)))
	require.NoError(t, err)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors())

	// Every mapping of an auditx library names the same file.
	libs := map[string]bool{}
	for _, line := range strings.Split(string(maps), "\n") {
		if f := strings.Fields(line); len(f) >= 6 && strings.Contains(f[5], "auditx") {
			libs[f[5]+" inode "+f[4]] = true
		}
	}
	require.Len(t, libs, 1, "one auditx library mapped (one Go runtime): %v", libs)
	log := fb.Log()
	require.Contains(t, log, "[filter:auditx:auditx.0] vendor=auto")
	require.Contains(t, log, "[output:auditx:out] vendor=auto")

	got := bodiesByTag(t, rcv.Events())
	for _, v := range vendors {
		require.Len(t, got["f."+v], len(goldenLines(t, v)), "%s through the filter", v)
		require.Equal(t, got["f."+v], got["enriched.o."+v], "%s: the filter's bodies vs the output door's", v)
	}
}

// TestFilterInstances runs two filter instances with different settings
// (ECS and flat schema, one with an Alias): each enriches only what its
// Match selects, with its own schema, under its own name.
func TestFilterInstances(t *testing.T) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := receiver(t)
	privx := samplePath(t, "privx")
	n := len(readJSONLines(t, privx))
	conf := renderConfig(
		service(t, dir),
		tailInput("a.privx", privx),
		tailInput("b.privx", privx),
		auditxFilter("a.*", "vendor", "privx"),
		auditxFilter("b.*", "schema", "flat", "Alias", "flatx"),
		forwardOutputTo("*", rcv),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf, Doors: filterDoor})
	rcv.WaitFor(t, 2*n, 30*time.Second)
	fb.StopClean(t)
	var a, b int
	for _, ev := range rcv.Events() {
		_, hasEvent := ev.Body["event"]
		_, hasFlat := ev.Body["auditx"]
		switch ev.Tag {
		case "a.privx":
			a++
			require.True(t, hasEvent && !hasFlat, "a.privx: ECS schema: %v", ev.Body)
		case "b.privx":
			b++
			require.True(t, hasFlat && !hasEvent, "b.privx: flat schema: %v", ev.Body)
		default:
			t.Fatalf("unexpected tag %q", ev.Tag)
		}
	}
	require.Equal(t, n, a)
	require.Equal(t, n, b)
	log := fb.Log()
	require.Contains(t, log, "[filter:auditx:auditx.0] vendor=privx schema=ecs")
	require.Contains(t, log, "[filter:auditx:flatx] vendor=auto schema=flat")
}

// TestFilterThreadedInputs runs four tail inputs with `threaded on` into the
// [FILTER]: every record comes out once, enriched. (Fluent Bit 5.1.1 runs a
// threaded input's [FILTER]s on the engine thread, when it takes the
// records from the input's ring buffer; TestProcessorThreadedInputs has
// the filter called from four threads at once.)
func TestFilterThreadedInputs(t *testing.T) {
	needFluentBit(t)
	const per = 5000
	dir := runDir(t)
	rcv := receiver(t)
	secs := []section{service(t, dir)}
	for i := range 4 {
		prefix := fmt.Sprintf("t%d", i)
		tail := tailInput("audit."+prefix, writePrivXLines(t, dir, prefix+".log", prefix, per))
		tail.kv = append(tail.kv, "threaded", "on")
		secs = append(secs, tail)
	}
	secs = append(secs, auditxFilter("audit.*", "vendor", "privx"), forwardOutputTo("audit.*", rcv))
	fb := startFluentBit(t, dir, fbOptions{Config: renderConfig(secs...), Doors: filterDoor})
	rcv.WaitFor(t, 4*per, 60*time.Second)
	fb.RequireHealthy(t)
	threads := threadNames(fbPID(fb))
	fb.StopClean(t)
	require.Empty(t, rcv.Errors())
	requireEnrichedEachOnce(t, rcv.Events(), "t", 4, per)
	t.Logf("threads: %v", threads)
	inputThreads := 0
	for name, c := range threads {
		if strings.HasPrefix(name, "flb-in-tail") {
			inputThreads += c
		}
	}
	require.Equal(t, 4, inputThreads, "four threaded tail inputs")
}

// TestProcessorThreadedInputs runs auditx as the processor of four tail
// inputs with `threaded on`: Fluent Bit calls it on each input's own
// thread, so from four threads at once; every record comes out once,
// enriched.
func TestProcessorThreadedInputs(t *testing.T) {
	needFluentBit(t)
	const per = 5000
	dir := runDir(t)
	rcv := receiver(t)
	_, port, _ := strings.Cut(rcv.Addr(), ":")
	var inputs strings.Builder
	for i := range 4 {
		prefix := fmt.Sprintf("p%d", i)
		fmt.Fprintf(&inputs, `    - name: tail
      tag: audit.%[1]s
      path: %[2]s
      parser: json
      read_from_head: on
      threaded: on
      processors:
        logs:
          - name: auditx
            vendor: privx
`, prefix, writePrivXLines(t, dir, prefix+".log", prefix, per))
	}
	conf := fmt.Sprintf("service:\n  flush: 0.2\n  grace: 2\n  log_level: info\n  parsers_file: %s\npipeline:\n  inputs:\n%s  outputs:\n    - name: forward\n      match: \"*\"\n      host: 127.0.0.1\n      port: %s\n      retry_limit: no_limits\n",
		filepath.Join(moduleRoot(t), "build", "parsers.conf"), inputs.String(), port)
	path := filepath.Join(dir, "fluent-bit.yaml")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
	fb := startFluentBit(t, dir, fbOptions{ConfigFile: path, Doors: filterDoor})
	rcv.WaitFor(t, 4*per, 60*time.Second)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors())
	requireEnrichedEachOnce(t, rcv.Events(), "p", 4, per)
	require.Equal(t, 4, strings.Count(fb.Log(), "] vendor=privx schema=ecs"), "four processor instances started")
	require.Equal(t, 4, strings.Count(fb.Log(), fmt.Sprintf("] exit: records=%d enriched=%d ", per, per)), "each instance enriched its input's records")
}

// requireEnrichedEachOnce checks the records of the inputs tagged
// audit.<prefix><i> (i < inputs): each of their per ids once, each enriched.
func requireEnrichedEachOnce(t testing.TB, events []forwardtest.Event, prefix string, inputs, per int) {
	t.Helper()
	for i := range inputs {
		p := fmt.Sprintf("%s%d", prefix, i)
		var mine []forwardtest.Event
		for _, ev := range events {
			if ev.Tag == "audit."+p {
				mine = append(mine, ev)
				code, _ := field(ev.Body, "event.code")
				require.NotNil(t, code, "%s: enriched", p)
			}
		}
		requireEachOnce(t, mine, "service_id", p, per)
	}
}

// TestFilterAsProcessor uses auditx as a YAML processor of a threaded tail
// input: without a condition it gets each append (as a filter does); with
// a condition Fluent Bit calls it once per record that matches, and the
// records that do not match pass untouched.
func TestFilterAsProcessor(t *testing.T) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := receiver(t)
	privx := samplePath(t, "privx")
	samples := readJSONLines(t, privx)
	_, port, _ := strings.Cut(rcv.Addr(), ":")
	match := 0
	for _, r := range samples {
		if r["service_name"] == "ROLE-STORE" {
			match++
		}
	}
	require.Positive(t, match)
	require.Less(t, match, len(samples), "the condition must leave some records out")
	conf := fmt.Sprintf(`service:
  flush: 0.2
  grace: 2
  log_level: info
  parsers_file: %[1]s
pipeline:
  inputs:
    - name: tail
      tag: plain.privx
      path: %[2]s
      parser: json
      read_from_head: on
      threaded: on
      processors:
        logs:
          - name: auditx
            vendor: privx
    - name: tail
      tag: cond.privx
      path: %[2]s
      parser: json
      read_from_head: on
      threaded: on
      processors:
        logs:
          - name: auditx
            vendor: privx
            condition:
              op: and
              rules:
                - field: $service_name
                  op: eq
                  value: ROLE-STORE
  outputs:
    - name: forward
      match: "*"
      host: 127.0.0.1
      port: %[3]s
      retry_limit: no_limits
`, filepath.Join(moduleRoot(t), "build", "parsers.conf"), privx, port)
	path := filepath.Join(dir, "fluent-bit.yaml")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
	fb := startFluentBit(t, dir, fbOptions{ConfigFile: path, Doors: filterDoor})
	rcv.WaitFor(t, 2*len(samples), 30*time.Second)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	want := sorted(goldenLines(t, "privx"))
	got := bodiesByTag(t, rcv.Events())
	require.Equal(t, want, got["plain.privx"], "processor without a condition: bodies vs the golden file")
	enriched := 0
	for _, ev := range rcv.Events() {
		if ev.Tag != "cond.privx" {
			continue
		}
		_, has := ev.Body["event"]
		name, _ := recordField(ev.Body, "service_name")
		require.Equal(t, name == "ROLE-STORE", has, "with a condition only matching records are enriched: %v", name)
		if has {
			enriched++
		}
	}
	require.Equal(t, match, enriched)
	require.Len(t, got["cond.privx"], len(samples), "every record passes, matching or not")
}

// TestFilterBrokenConfig: a typo and a bad value stop Fluent Bit at start,
// the first with Fluent Bit's own message naming the key, the second with
// auditx's naming key, value and accepted values; an output-only key in a
// filter section is a typo too.
func TestFilterBrokenConfig(t *testing.T) {
	needFluentBit(t)
	cases := []struct {
		name string
		kv   []string
		want []string
	}{
		{"typo", []string{"vendro", "privx"}, []string{"unknown configuration property 'vendro'", "vendor"}},
		{"output key", []string{"emit_tag", "x.$TAG"}, []string{"unknown configuration property 'emit_tag'"}},
		{"bad vendor", []string{"vendor", "nosuch"}, []string{"[filter:auditx:auditx.0] config key 'vendor': invalid value \"nosuch\" (accepted: auto, filingbox, netop, plusauth, privx)"}},
		{"bad schema", []string{"schema", "xml"}, []string{"config key 'schema': invalid value \"xml\" (accepted: ecs, flat)"}},
		{"missing catalog", []string{"catalog_files", "/nonexistent/site.csv"}, []string{"catalog_files", "/nonexistent/site.csv"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := runDir(t)
			conf := renderConfig(service(t, dir),
				tailInput("audit.privx", samplePath(t, "privx")),
				auditxFilter("audit.*", c.kv...),
				sec("OUTPUT", "Name", "null", "Match", "*"))
			fb := startFluentBit(t, dir, fbOptions{Config: conf, Doors: filterDoor})
			code, exited := fb.WaitExit(20 * time.Second)
			require.True(t, exited, "fluent-bit must stop at start")
			require.NotZero(t, code, "exit status")
			for _, w := range c.want {
				require.Contains(t, fb.Log(), w)
			}
		})
	}
}

// TestFilterCatalogReload: catalog_reload_interval works in the filter as
// in the output: a changed user file is reloaded, a broken one keeps the
// old catalog, and Fluent Bit's metrics count both.
func TestFilterCatalogReload(t *testing.T) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := receiver(t)
	site := filepath.Join(dir, "site.csv")
	swap := func(content string) {
		require.NoError(t, os.WriteFile(site+".tmp", []byte(content), 0o644))
		require.NoError(t, os.Rename(site+".tmp", site))
	}
	swap(siteCatalogHeader + "privx,9001,Site-event-one,,First site event.,,site,configuration,change,success,low,\n")
	logPath := filepath.Join(dir, "privx.log")
	require.NoError(t, os.WriteFile(logPath, nil, 0o644))
	svc, base := metricsService(t, dir)
	conf := renderConfig(svc,
		tailInput("audit.privx", logPath),
		auditxFilter("audit.*", "vendor", "privx", "catalog_files", site, "catalog_reload_interval", "1s", "Alias", "reload"),
		forwardOutputTo("audit.*", rcv))
	fb := startFluentBit(t, dir, fbOptions{Config: conf, Doors: filterDoor})
	fb.WaitLog(t, "[filter:auditx:reload] vendor=privx", 15*time.Second)
	seq := 0
	send := func(code string) map[string]any {
		seq++
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = fmt.Fprintf(f, `{"event_id":"%s","event_name":"x","seq":%d}`+"\n", code, seq)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		return jsonValue(t, lastBySeq(t, rcv.WaitFor(t, seq, 20*time.Second), seq).Body).(map[string]any)
	}
	action := func(m map[string]any) any { v, _ := field(m, "event.action"); return v }
	require.Equal(t, "Site-event-one", action(send("9001")))
	swap(siteCatalogHeader + "privx,9002,Site-event-two,,Second site event.,,site,configuration,change,success,low,\n")
	waitFBMetric(t, fb, base, "fluentbit_filter_auditx_catalog_reloads_total", 1, 15*time.Second)
	require.Equal(t, "Site-event-two", action(send("9002")))
	require.Nil(t, action(send("9001")), "replaced, not merged")
	swap(siteCatalogHeader + "privx,9003,Broken,,,,,,,,,\n")
	waitFBMetric(t, fb, base, "fluentbit_filter_auditx_catalog_reload_errors_total", 1, 15*time.Second)
	require.Equal(t, "Site-event-two", action(send("9002")))
	m := waitFBMetric(t, fb, base, "fluentbit_filter_records_total", float64(seq), 10*time.Second)
	fb.StopClean(t)
	require.Equal(t, 1.0, m["fluentbit_filter_auditx_catalog_reloads_total"])
	require.Equal(t, 1.0, m["fluentbit_filter_auditx_catalog_reload_errors_total"])
	require.Equal(t, float64(seq), m["fluentbit_filter_records_total"])
}

// TestFilterHotReload sends 20 SIGHUPs under load with Fluent Bit's
// defaults (Ensure_Thread_Safety on): every reload completes, every record
// is delivered, the user catalog file is read again by each new instance,
// and threads, open files and RSS do not grow from reload to reload.
func TestFilterHotReload(t *testing.T) {
	needFluentBit(t)
	const (
		name    = "fhr"
		rate    = 500
		reloads = 20
	)
	dir := runDir(t)
	rcv := receiver(t)
	input := filepath.Join(dir, "input.log")
	require.NoError(t, os.WriteFile(input, nil, 0o600))
	site := filepath.Join(dir, "site.csv")
	writeSite := func(version int) {
		require.NoError(t, os.WriteFile(site, fmt.Appendf(nil, "%sprivx,9001,Site-v%d,,Site event.,,site,configuration,change,success,low,\n", siteCatalogHeader, version), 0o644))
	}
	writeSite(0)
	tail := tailInput("audit.privx", input)
	tail.kv = append(tail.kv, "DB", filepath.Join(dir, "tail.db"), "storage.type", "filesystem")
	conf := renderConfig(hotReloadService(t, dir, ""), tail,
		auditxFilter("audit.*", "vendor", "privx", "catalog_files", site, "catalog_reload_interval", "0"),
		forwardOutputTo("audit.*", rcv))
	fb := startFluentBit(t, dir, fbOptions{Config: conf, Doors: filterDoor})
	pid := fbPID(fb)
	w := startLineWriter(t, input, name, 0, rate)
	waitEvents(t, rcv, fb, rate, 30*time.Second)
	before, err := readProcStats(pid)
	require.NoError(t, err)
	var stats []procStats
	for i := 1; i <= reloads; i++ {
		writeSite(i)
		sighup(t, fb)
		waitReloads(t, fb, i, reloadTimeout)
		time.Sleep(500 * time.Millisecond)
		s, err := readProcStats(pid)
		require.NoError(t, err)
		stats = append(stats, s)
	}
	w.Stop()
	n := w.Written()
	// A record with the site code, written after the last reload, is named
	// by the file as the last instance read it.
	f, err := os.OpenFile(input, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fmt.Fprintf(f, `{"service_id":"site","event_id":"9001","event_name":"x"}`+"\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	waitDistinct(t, rcv, fb, name, n, faultDeliver)
	var site9001 map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for site9001 == nil && time.Now().Before(deadline) {
		for _, ev := range rcv.Events() {
			if id, _ := recordField(ev.Body, "service_id"); id == "site" {
				site9001 = ev.Body
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NotNil(t, site9001, "the site record arrived")
	fb.RequireHealthy(t)
	end, err := readProcStats(pid)
	require.NoError(t, err)
	log := fb.Log()
	fb.StopClean(t)
	action, _ := field(site9001, "event.action")
	require.Equal(t, fmt.Sprintf("Site-v%d", reloads), action, "the last reload's instance read the user file again")
	var stream []forwardtest.Event
	for _, ev := range rcv.Events() {
		if id, _ := recordField(ev.Body, "service_id"); id != "site" {
			stream = append(stream, ev)
		}
	}
	d := requireAtLeastOnce(t, stream, name, n, 0)
	require.Equal(t, reloads, strings.Count(log, "[filter:auditx:auditx.0] exit: records="), "one exit line per old instance")
	// Compare with the state after a few reloads (the first ones warm up
	// caches and pools): growth from reload to reload is what a leak is.
	ref := stats[2]
	for i, s := range stats[3:] {
		require.LessOrEqual(t, s.Threads, ref.Threads+reloadGrowth, "threads after reload #%d vs #3", i+4)
		require.LessOrEqual(t, s.FDs, ref.FDs+reloadGrowth, "open fds after reload #%d vs #3", i+4)
		require.LessOrEqual(t, s.RSS, ref.RSS+ref.RSS/4, "RSS after reload #%d (%s) vs #3 (%s)", i+4, mib(s.RSS), mib(ref.RSS))
	}
	t.Logf("before the reloads: %s; after #3: %s; after #%d: %s; at the end: %s", before, ref, reloads, stats[len(stats)-1], end)
	t.Logf("%d reloads under %d lines/s: %s", reloads, rate, d)
}

// TestFilterBurst sends 1,000,000 records (a generated file read by tail)
// through the filter to the null output: every record is enriched and
// delivered (Fluent Bit's own counters), and the peak RSS stays bounded:
// the filter keeps at most one reusable output buffer per calling thread.
func TestFilterBurst(t *testing.T) {
	needFluentBit(t)
	const (
		n = burstRecords
		// bound: Fluent Bit's chunks under Mem_Buf_Limit (32 MiB) twice
		// (the input's and the filtered copy), the Go runtime and heap
		// (a few MiB of reused buffers), and allocator slack.
		rssBound = 192 << 20
	)
	dir := runDir(t)
	input := filepath.Join(dir, "burst.log")
	size := writeBurstFile(t, input, "b", n)
	svc, base := metricsService(t, dir)
	tail := tailInput("audit.privx", input)
	tail.kv = append(tail.kv, "Mem_Buf_Limit", strconv.Itoa(burstMemBufLimit))
	conf := renderConfig(svc, tail,
		auditxFilter("audit.*", "vendor", "privx"),
		sec("OUTPUT", "Name", "null", "Match", "*"))
	start := time.Now()
	fb := startFluentBit(t, dir, fbOptions{Config: conf, Doors: filterDoor})
	pid := fbPID(fb)
	var peak int64
	deadline := time.Now().Add(burstTimeout)
	var m map[string]float64
	for {
		if s, err := readProcStats(pid); err == nil && s.HWM > peak {
			peak = s.HWM
		}
		m, _ = scrapeProm(base + "/api/v2/metrics/prometheus")
		if m["fluentbit_output_proc_records_total"] >= n {
			break
		}
		require.True(t, fb.Running(), "fluent-bit exited: %v", fb.waitErr)
		require.True(t, time.Now().Before(deadline), "burst not delivered within %s: %v records out", burstTimeout, m["fluentbit_output_proc_records_total"])
		time.Sleep(200 * time.Millisecond)
	}
	took := time.Since(start)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	require.Equal(t, float64(n), m["fluentbit_output_proc_records_total"], "records delivered")
	require.Equal(t, float64(n), m["fluentbit_filter_auditx_records_enriched_total"], "records enriched")
	require.Zero(t, m["fluentbit_filter_drop_records_total"])
	t.Logf("%d records (%s) in %s (%.0f records/s), peak RSS %s (bound %s)", n, mib(size), took.Round(time.Millisecond),
		float64(n)/took.Seconds(), mib(peak), mib(rssBound))
	require.LessOrEqual(t, peak, int64(rssBound), "peak RSS")
}

// TestFilterSoak runs the filter at a steady rate (AUDITX_SOAK, default
// 20 s): every record arrives once, and RSS, threads and open files stay
// flat from the start of the measured period to its end.
func TestFilterSoak(t *testing.T) {
	needFluentBit(t)
	dur := soakDefault
	if v := os.Getenv(soakEnv); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "%s=%q", soakEnv, v)
		dur = d
	} else {
		t.Parallel()
	}
	const name = "fsoak"
	dir := runDir(t)
	rcv := receiver(t)
	input := filepath.Join(dir, "input.log")
	require.NoError(t, os.WriteFile(input, nil, 0o600))
	conf := renderConfig(service(t, dir), tailInput("audit.privx", input),
		auditxFilter("audit.*", "vendor", "privx"), forwardOutputTo("audit.*", rcv))
	fb := startFluentBit(t, dir, fbOptions{Config: conf, Doors: filterDoor})
	pid := fbPID(fb)
	w := startLineWriter(t, input, name, 0, soakRateDflt)
	time.Sleep(5 * time.Second)
	startStats, err := readProcStats(pid)
	require.NoError(t, err)
	sampler := startSoakSampler(pid, soakSample)
	time.Sleep(dur)
	samples := sampler.Stop()
	endStats, err := readProcStats(pid)
	require.NoError(t, err)
	w.Stop()
	n := w.Written()
	waitDistinct(t, rcv, fb, name, n, time.Minute)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	d := tallyDelivery(rcv.Events(), name, n)
	require.Empty(t, firstN(d.Missing, 20), "records lost")
	require.Zero(t, d.DupExtra, "the filter door never duplicates")
	require.GreaterOrEqual(t, len(samples), 5)
	fifth := max(len(samples)/5, 1)
	rssStart, rssEnd := medianRSS(samples[:fifth]), medianRSS(samples[len(samples)-fifth:])
	growth := float64(rssEnd-rssStart) / float64(rssStart)
	t.Logf("soak %s at %d lines/s: start %s, end %s, rss growth %+.1f%%; %s", dur, soakRateDflt, startStats, endStats, 100*growth, d)
	require.InDelta(t, startStats.Threads, endStats.Threads, soakCountDelta, "threads")
	require.InDelta(t, startStats.FDs, endStats.FDs, soakCountDelta, "open fds")
	require.LessOrEqual(t, growth, soakRSSGrowth, "RSS growth")
}

// otherFluentBitsEnv lists further Fluent Bit binaries (colon-separated) to
// run the filter door on, e.g. a v4.2.8 built from upstream:
//
//	AUDITX_OTHER_FLUENT_BITS=/opt/fluent-bit-4.2/bin/fluent-bit go test ./e2e -run TestFilterOtherVersions -v
const otherFluentBitsEnv = "AUDITX_OTHER_FLUENT_BITS"

// TestFilterOtherVersions runs the samples through the filter on each
// Fluent Bit of AUDITX_OTHER_FLUENT_BITS: the bodies equal the goldens, and
// every key of the config map is accepted (the map's layout follows the
// Fluent Bit it is loaded into).
func TestFilterOtherVersions(t *testing.T) {
	list := os.Getenv(otherFluentBitsEnv)
	if list == "" {
		t.Skipf("%s is not set: no other Fluent Bit version to run the filter on", otherFluentBitsEnv)
	}
	needFluentBit(t)
	for _, bin := range strings.Split(list, ":") {
		t.Run(filepath.Base(filepath.Dir(filepath.Dir(bin))), func(t *testing.T) {
			require.True(t, isExecutable(bin), "%s", bin)
			version, err := exec.Command(bin, "--version").Output()
			require.NoError(t, err)
			t.Logf("%s", strings.SplitN(string(version), "\n", 2)[0])
			dir := runDir(t)
			rcv := receiver(t)
			privx := samplePath(t, "privx")
			conf := renderConfig(service(t, dir), tailInput("audit.privx", privx),
				auditxFilter("audit.*", "vendor", "auto", "schema", "ecs", "override", "off", "catalog_reload_interval", "0"),
				forwardOutputTo("audit.*", rcv))
			t.Setenv(fluentBitEnv, bin)
			fb := startFluentBit(t, dir, fbOptions{Config: conf, Doors: filterDoor})
			n := len(readJSONLines(t, privx))
			rcv.WaitFor(t, n, 30*time.Second)
			fb.StopClean(t)
			require.Equal(t, sorted(goldenLines(t, "privx")), bodiesByTag(t, rcv.Events())["audit.privx"])
		})
	}
}
