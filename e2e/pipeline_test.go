//go:build linux

package e2e

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/forwardtest"
	"github.com/auditx/auditx/internal/samples"
)

// vendors are the sample logs' vendors, in testdata/samples/<vendor>.log.
var vendors = []string{"filingbox", "plusauth", "privx", "netop"}

// sampleTotal is the number of records in testdata/samples/*.log, counted
// from the files (internal/samples).
func sampleTotal(t testing.TB) int {
	t.Helper()
	return samples.MustTotal(t)
}

// sample is one input line of testdata/samples.
type sample struct {
	vendor string
	line   int
	rec    map[string]any
}

// loadSamples reads the sample logs, indexed by the canonical JSON of each
// record.
func loadSamples(t testing.TB) (map[string][]sample, int) {
	t.Helper()
	byKey := map[string][]sample{}
	total := 0
	for _, v := range vendors {
		for i, rec := range readJSONLines(t, samplePath(t, v)) {
			k := canonical(t, rec)
			byKey[k] = append(byKey[k], sample{vendor: v, line: i + 1, rec: rec})
			total++
		}
	}
	require.Equal(t, sampleTotal(t), total, "records in testdata/samples/*.log")
	return byKey, total
}

func samplePath(t testing.TB, vendor string) string {
	return filepath.Join(moduleRoot(t), "testdata", "samples", vendor+".log")
}

// TestSampleLogsEnriched runs the four sample logs through tail → auditx
// (vendor auto, workers 1) → in_forward (unix socket) → out_forward → Go
// receiver, and matches every record that comes out back to its input line.
func TestSampleLogsEnriched(t *testing.T) {
	needFluentBit(t)
	_, total := loadSamples(t)
	dir := runDir(t)
	rcv := receiver(t)
	sock := filepath.Join(dir, "forward.sock")
	secs := []section{service(t, dir)}
	for _, v := range vendors {
		secs = append(secs, tailInput("audit."+v, samplePath(t, v)))
	}
	secs = append(secs,
		auditxOutput("audit.*", "vendor", "auto", "forward_path", sock, "id", "e2e"),
		forwardUnixInput(sock),
		forwardOutputTo("enriched.*", rcv),
	)
	start := time.Now()
	fb := startFluentBit(t, dir, fbOptions{Config: renderConfig(secs...)})
	rcv.WaitFor(t, total, 30*time.Second)
	fb.RequireHealthy(t)
	// Stopping flushes whatever is still buffered: a duplicate would show
	// up in the events counted below.
	fb.StopClean(t)
	end := time.Now()
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	events := rcv.Events()

	type tally struct{ known, unknown, noCode int }
	perVendor := map[string]*tally{}
	// Every record comes out as its golden line (testdata/golden: the CLI's
	// output for the same sample, the record time as @timestamp), once.
	golden := map[string]map[string]int{}
	for _, v := range vendors {
		perVendor[v] = &tally{}
		golden[v] = map[string]int{}
		for _, line := range goldenLines(t, v) {
			golden[v][line]++
		}
	}
	var unexpected []string
	for i, ev := range events {
		vendor := strings.TrimPrefix(ev.Tag, "enriched.audit.")
		require.Contains(t, golden, vendor, "event %d: tag %s", i, ev.Tag)
		require.NotNil(t, ev.Meta, "event %d: v2 metadata map missing", i)
		body := jsonValue(t, ev.Body).(map[string]any)
		requireReadDuring(t, ev, start, end)
		key := canonical(t, comparable(jsonValue(t, ev.Body).(map[string]any), ev.Time.UTC().Format(esTimeLayout)))
		if golden[vendor][key] == 0 {
			unexpected = append(unexpected, fmt.Sprintf("event %d tag %s: %s", i, ev.Tag, key))
			continue
		}
		golden[vendor][key]--
		switch {
		case hasTag(body, "auditx_unknown_code"):
			perVendor[vendor].unknown++
		case hasTag(body, "auditx"):
			perVendor[vendor].known++
		default:
			perVendor[vendor].noCode++
		}
	}
	require.Empty(t, firstN(unexpected, 5), "records that match no golden line (%d)", len(unexpected))
	var missing []string
	for v, lines := range golden {
		for line, n := range lines {
			if n > 0 {
				missing = append(missing, v+": "+line)
			}
		}
	}
	require.Empty(t, firstN(missing, 5), "golden lines that never came out (%d)", len(missing))
	require.Len(t, events, total)

	for _, v := range vendors {
		require.Equal(t, 1, perVendor[v].unknown, "%s: records with an unknown code", v)
	}
	require.Equal(t, 1, perVendor["filingbox"].noCode, "filingbox: records without a code")
	known, noCode := 0, 0
	for _, tl := range perVendor {
		known += tl.known
		noCode += tl.noCode
	}
	require.Equal(t, 1, noCode, "records without a code")
	require.Equal(t, total-len(vendors)-1, known, "records with a known code")
	t.Logf("%d records: %d known codes, %d unknown codes, %d without a code", len(events), known, len(vendors), noCode)
}

func mustField(t testing.TB, m map[string]any, path, where string) any {
	t.Helper()
	v, ok := field(m, path)
	require.True(t, ok, "%s: %s missing in %s", where, path, canonical(t, m))
	return v
}

// TestSeveralInstances runs two auditx outputs with different fixed vendors,
// sockets and emit tags in one Fluent Bit. Each in_forward adds its own
// tag_prefix, so the tag shows which socket a record came through.
func TestSeveralInstances(t *testing.T) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := receiver(t)
	sockA, sockB := filepath.Join(dir, "forward-a.sock"), filepath.Join(dir, "forward-b.sock")
	conf := renderConfig(
		service(t, dir),
		tailInput("audit.privx", samplePath(t, "privx")),
		tailInput("audit.netop", samplePath(t, "netop")),
		auditxOutput("audit.privx", "vendor", "privx", "forward_path", sockA, "emit_tag", "one.$TAG", "id", "px"),
		auditxOutput("audit.netop", "vendor", "netop", "forward_path", sockB, "emit_tag", "two.$TAG", "id", "nt"),
		forwardUnixInput(sockA, "tag_prefix", "a."),
		forwardUnixInput(sockB, "tag_prefix", "b."),
		forwardOutputTo("a.*", rcv),
		forwardOutputTo("b.*", rcv),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	wantPrivX := len(readJSONLines(t, samplePath(t, "privx")))
	wantNetop := len(readJSONLines(t, samplePath(t, "netop")))
	rcv.WaitFor(t, wantPrivX+wantNetop, 30*time.Second)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver protocol errors")

	tags := map[string]int{}
	for _, ev := range rcv.Events() {
		tags[ev.Tag]++
		if _, ok := ev.Body["event"]; !ok {
			continue // an input record without a recognisable code
		}
		mod, _ := field(ev.Body, "event.module")
		switch ev.Tag {
		case "a.one.audit.privx":
			require.Equal(t, "privx", mod)
		case "b.two.audit.netop":
			require.Equal(t, "netop", mod)
		}
	}
	require.Equal(t, map[string]int{"a.one.audit.privx": wantPrivX, "b.two.audit.netop": wantNetop}, tags,
		"records by tag (in_forward prefix a./b. = socket A/B, one./two. = auditx instance)")
	log := fb.Log()
	require.Contains(t, log, "[output:auditx:px] vendor=privx")
	require.Contains(t, log, "[output:auditx:nt] vendor=netop")
}

// TestWorkers2 sends 20,000 generated PrivX lines, spread over several tail
// inputs so that several chunks are flushed at once, through an auditx
// output with workers 2: every record arrives exactly once.
func TestWorkers2(t *testing.T) {
	needFluentBit(t)
	const n, files = 20000, 8
	dir := runDir(t)
	rcv := receiver(t)
	sock := filepath.Join(dir, "forward.sock")
	metrics := "127.0.0.1:" + strconv.Itoa(freePort(t))
	secs := []section{service(t, dir)}
	for f := range files {
		prefix := fmt.Sprintf("w2f%d", f)
		path := writePrivXLines(t, dir, prefix+".log", prefix, n/files)
		secs = append(secs, tailInput("audit.privx", path))
	}
	secs = append(secs,
		auditxOutput("audit.*", "vendor", "auto", "forward_path", sock, "workers", "2", "id", "w2", "metrics_listen", metrics),
		forwardUnixInput(sock),
		forwardOutputTo("enriched.*", rcv),
	)
	start := time.Now()
	fb := startFluentBit(t, dir, fbOptions{Config: renderConfig(secs...)})
	rcv.WaitFor(t, n, 90*time.Second)
	elapsed := time.Since(start)
	fb.RequireHealthy(t)
	m := waitMetric(t, fb, metrics, "auditx_emitted_records_total", n, 10*time.Second)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	events := rcv.Events()
	var ids []string
	for _, ev := range events {
		require.Equal(t, "enriched.audit.privx", ev.Tag)
		mod, _ := field(ev.Body, "event.module")
		sid, _ := recordField(ev.Body, "service_id")
		require.Equal(t, "privx", mod, "record %v", sid)
		id, _ := sid.(string)
		ids = append(ids, id)
	}
	for f := range files {
		prefix := fmt.Sprintf("w2f%d", f)
		var mine []forwardtest.Event
		for i, id := range ids {
			if strings.HasPrefix(id, prefix+"-") {
				mine = append(mine, events[i])
			}
		}
		requireEachOnce(t, mine, "service_id", prefix, n/files)
	}
	require.Len(t, events, n)
	log := fb.Log()
	// Fluent Bit names the instance auditx.0 in its own lines.
	require.Contains(t, log, "[output:auditx:auditx.0] worker #1 started", "the second worker")
	require.Equal(t, float64(n), m["auditx_records_total"], "auditx_records_total")
	require.Equal(t, float64(n), m["auditx_emitted_records_total"], "auditx_emitted_records_total")
	t.Logf("%d records through workers 2 in %s; %s", n, elapsed.Round(time.Millisecond), logLine(log, "[output:auditx:w2] exit:"))
}

// logLine returns the first whole log line containing s ("" if none).
func logLine(log, s string) string {
	i := strings.Index(log, s)
	if i < 0 {
		return ""
	}
	start := strings.LastIndexByte(log[:i], '\n') + 1
	line := log[start:]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return line
}

// TestEmitTagPlaceholder checks that ${TAG} in emit_tag reaches the plugin
// unexpanded (auditx registers the key with FLB_CONFIG_MAP_DYNAMIC_ENV), even
// when the environment has a TAG variable, and that $TAG works too.
func TestEmitTagPlaceholder(t *testing.T) {
	needFluentBit(t)
	tests := []struct {
		name    string
		emitTag string // "" leaves the key out (the default, enriched.${TAG})
		want    string
	}{
		{"braces", "enriched.${TAG}", "enriched.audit.privx"},
		{"short", "custom.$TAG", "custom.audit.privx"},
		{"inside", "pre.$TAG.post", "pre.audit.privx.post"},
		{"default", "", "enriched.audit.privx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := runDir(t)
			rcv := receiver(t)
			kv := []string{"vendor", "privx", "forward_address", rcv.Addr()}
			if tt.emitTag != "" {
				kv = append(kv, "emit_tag", tt.emitTag)
			}
			conf := renderConfig(
				service(t, dir),
				tailInput("audit.privx", samplePath(t, "privx")),
				auditxOutput("audit.*", kv...),
			)
			// A TAG variable must not leak into the tag.
			fb := startFluentBit(t, dir, fbOptions{Config: conf, Env: []string{"TAG=from-the-environment"}})
			want := len(readJSONLines(t, samplePath(t, "privx")))
			rcv.WaitFor(t, want, 30*time.Second)
			fb.RequireHealthy(t)
			fb.StopClean(t)
			tags := map[string]int{}
			for _, ev := range rcv.Events() {
				tags[ev.Tag]++
			}
			require.Equal(t, map[string]int{tt.want: want}, tags, "records by tag")
			log := fb.Log()
			require.NotContains(t, log, "from-the-environment")
			if tt.emitTag != "" {
				// auditx's init line shows the template as it arrived.
				require.Contains(t, logLine(log, "[output:auditx:auditx.0] vendor="), " tag="+tt.emitTag+" ")
			}
		})
	}
}
