//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/forwardtest"
)

// luaOffsetKey is the key the tail inputs of TestLuaFilterMatchesAuditx add
// to every record (tail's Offset_Key: the line's offset in its file), so
// that the two pipelines' outputs of one line can be paired whatever auditx
// did to the record: not an ECS name, it moves under <vendor>.audit (or
// stays at the top of a record auditx does not recognise).
const luaOffsetKey = "e2e_offset"

// luaEdgeCasesPath is testdata/lua-edge-cases.jsonl: records beyond the
// samples where the Lua script and the plugin must agree (cmd/auditx's
// lua_test.go runs the same file against the Go core without Fluent Bit).
func luaEdgeCasesPath(t testing.TB) string {
	return filepath.Join(moduleRoot(t), "testdata", "lua-edge-cases.jsonl")
}

// exportLuaScript writes the script of `auditx catalog export --format lua`
// with args.
func exportLuaScript(t *testing.T, path string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", "./cmd/auditx", "catalog", "export", "--format", "lua", "-o", path}, args...)...)
	cmd.Dir = moduleRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "auditx catalog export --format lua: %s", out)
}

// luaNormalize makes a record from either path comparable: numbers as JSON
// numbers (float64), so the integer 21 and a float 21.0 are equal (Fluent
// Bit's Lua conversion writes whole numbers as msgpack integers and any
// other number as a float; the Go core keeps the record's own encoding).
func luaNormalize(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	return jsonValue(t, body).(map[string]any)
}

// luaOffset finds the tail offset of a record: at the top, or under a
// vendor's namespace.
func luaOffset(body map[string]any) (string, bool) {
	if v, ok := body[luaOffsetKey]; ok {
		return fmt.Sprint(v), true
	}
	for k, v := range body {
		if ns, ok := v.(map[string]any); ok && k != "event" {
			if audit, ok := ns["audit"].(map[string]any); ok {
				if v, ok := audit[luaOffsetKey]; ok {
					return fmt.Sprint(v), true
				}
			}
		}
	}
	return "", false
}

// luaCreated returns a record's event.created, if any.
func luaCreated(t *testing.T, body map[string]any) (time.Time, bool) {
	t.Helper()
	ev, _ := body["event"].(map[string]any)
	s, ok := ev["created"].(string)
	if !ok {
		return time.Time{}, false
	}
	tm, err := time.Parse("2006-01-02T15:04:05.000Z", s)
	require.NoError(t, err, "event.created %q: RFC 3339 UTC with milliseconds", s)
	return tm, true
}

// TestLuaFilterMatchesAuditx runs the sample logs and the edge cases
// through pipelines of one real Fluent Bit:
//
//	tail (json parser) → lua filter (the exported script) → out_forward → Go receiver
//	tail (json parser) → auditx → in_forward (unix socket) → out_forward → Go receiver
//
// both with their defaults (the vendor namespace, the vendor's event time,
// data_stream; actor off, which the script does not do), and the edge cases
// once more with a fixed vendor (the export's --vendor, the plugin's
// vendor). For every record it requires the same record from both (but
// event.created, the time each pipeline read the line) and the same record
// time: the vendor's, to the nanosecond, where auditx set it, else the
// read time, which event.created then says to the millisecond.
func TestLuaFilterMatchesAuditx(t *testing.T) {
	fluentBitBin(t)
	dir := runDir(t)
	script := filepath.Join(dir, "auditx.lua")
	exportLuaScript(t, script)
	fixedScript := filepath.Join(dir, "auditx-privx.lua")
	exportLuaScript(t, fixedScript, "--vendor", "privx")

	rcv := receiver(t)
	sock := filepath.Join(dir, "forward.sock")
	secs := []section{service(t, dir)}
	sources := append(append([]string{}, vendors...), "edge")
	path := func(src string) string {
		if src == "edge" {
			return luaEdgeCasesPath(t)
		}
		return samplePath(t, src)
	}
	tail := func(tag, p string) section {
		s := tailInput(tag, p)
		s.kv = append(s.kv, "Offset_Key", luaOffsetKey)
		return s
	}
	lines := map[string]int{}
	for _, src := range sources {
		secs = append(secs, tail("lua."+src, path(src)), tail("audit."+src, path(src)))
		lines[src] = len(readJSONLines(t, path(src)))
	}
	secs = append(secs, tail("luafixed.edge", path("edge")), tail("fixed.edge", path("edge")))
	lines["fixed-edge"] = lines["edge"]
	lua := func(match, script string) section {
		return sec("FILTER", "Name", "lua", "Match", match, "script", script, "call", "auditx_enrich",
			"time_as_table", "on", "enable_flb_null", "on")
	}
	secs = append(secs,
		lua("lua.*", script),
		lua("luafixed.*", fixedScript),
		auditxOutput("audit.*", "vendor", "auto", "forward_path", sock, "id", "e2e-lua", "actor", "off"),
		auditxOutput("fixed.*", "vendor", "privx", "forward_path", sock, "id", "e2e-lua-fixed", "actor", "off"),
		forwardUnixInput(sock),
		forwardOutputTo("lua.*", rcv),
		forwardOutputTo("luafixed.*", rcv),
		forwardOutputTo("enriched.*", rcv),
	)
	want := 0
	for _, n := range lines {
		want += 2 * n
	}
	start := time.Now()
	fb := startFluentBit(t, dir, fbOptions{Config: renderConfig(secs...)})
	rcv.WaitFor(t, want, 60*time.Second)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	end := time.Now()
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	events := rcv.Events()
	require.Len(t, events, want, "events from both pipelines, each record once")

	// Pair the outputs of one line by source and tail offset.
	type pairKey struct{ src, offset string }
	luaOut := map[pairKey][]forwardtest.Event{}
	goOut := map[pairKey][]forwardtest.Event{}
	for _, ev := range events {
		var src string
		var into map[pairKey][]forwardtest.Event
		switch {
		case strings.HasPrefix(ev.Tag, "lua."):
			src, into = strings.TrimPrefix(ev.Tag, "lua."), luaOut
		case ev.Tag == "luafixed.edge":
			src, into = "fixed-edge", luaOut
		case ev.Tag == "enriched.fixed.edge":
			src, into = "fixed-edge", goOut
		case strings.HasPrefix(ev.Tag, "enriched.audit."):
			src, into = strings.TrimPrefix(ev.Tag, "enriched.audit."), goOut
		default:
			t.Fatalf("unexpected tag %q", ev.Tag)
		}
		off, ok := luaOffset(luaNormalize(t, ev.Body))
		require.True(t, ok, "%s: no %s in %v", ev.Tag, luaOffsetKey, ev.Body)
		into[pairKey{src, off}] = append(into[pairKey{src, off}], ev)
	}

	compared, vendorTimes, readTimes := 0, 0, 0
	perSource := map[string]int{}
	for k, l := range luaOut {
		g := goOut[k]
		where := fmt.Sprintf("%s at offset %s", k.src, k.offset)
		require.Len(t, l, 1, "%s: records out of the Lua pipeline", where)
		require.Len(t, g, 1, "%s: records out of the auditx pipeline", where)
		lb, gb := luaNormalize(t, l[0].Body), luaNormalize(t, g[0].Body)
		lc, lHas := luaCreated(t, lb)
		gc, gHas := luaCreated(t, gb)
		require.Equal(t, gHas, lHas, "%s: event.created on one side only", where)
		for _, c := range []time.Time{lc, gc} {
			if lHas {
				require.False(t, c.Before(start.Truncate(time.Millisecond)) || c.After(end), "%s: event.created %s outside the run", where, c)
			}
		}
		if lHas {
			delete(lb["event"].(map[string]any), "created")
			delete(gb["event"].(map[string]any), "created")
		}
		for _, f := range []string{"event", "observer", "tags", "ecs", "data_stream"} {
			require.Equal(t, gb[f], lb[f], "%s: %s (auditx vs Lua)", where, f)
		}
		require.Equal(t, gb, lb, "%s: whole record (auditx vs Lua)", where)

		// The record time: the vendor's where auditx set it (it is not the
		// read time event.created says), the same from the script; else
		// each pipeline's read time.
		switch {
		case gHas && !g[0].Time.Truncate(time.Millisecond).Equal(gc):
			require.Equal(t, g[0].Time.UTC(), l[0].Time.UTC(), "%s: the vendor's time (auditx vs Lua)", where)
			vendorTimes++
		case gHas:
			require.Equal(t, lc, l[0].Time.UTC().Truncate(time.Millisecond), "%s: Lua kept the read time", where)
			readTimes++
		default:
			for _, tm := range []time.Time{l[0].Time, g[0].Time} {
				require.False(t, tm.Before(start.Add(-time.Second)) || tm.After(end), "%s: read time %s outside the run", where, tm)
			}
			readTimes++
		}
		compared++
		perSource[k.src]++
	}
	for src, n := range lines {
		require.Equal(t, n, perSource[src], "%s: records compared", src)
	}
	require.Equal(t, want/2, compared)
	t.Logf("%d records compared (%d samples, %d edge cases, %d with a fixed vendor): %d at the vendor's time, %d at the read time",
		compared, sampleTotal(t), lines["edge"], lines["fixed-edge"], vendorTimes, readTimes)
}
