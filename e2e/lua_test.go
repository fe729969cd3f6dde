//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/forward/forwardtest"
)

// luaEdgeCases reads testdata/lua-edge-cases.jsonl: records beyond the
// samples where the Lua script and the plugin must agree (cmd/auditx's
// lua_test.go runs the same file against the Go core without Fluent Bit).
func luaEdgeCases(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot(t), "testdata", "lua-edge-cases.jsonl"))
	require.NoError(t, err)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		line = strings.TrimSpace(line)
		require.True(t, strings.HasPrefix(line, "{") && strings.HasSuffix(line, "}"), "lua-edge-cases.jsonl: %s", line)
		out = append(out, strings.TrimSpace(line[1:len(line)-1]))
	}
	return out
}

// exportLuaScript writes the script of `auditx catalog export --format lua`.
func exportLuaScript(t *testing.T, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/auditx", "catalog", "export", "--format", "lua", "-o", path)
	cmd.Dir = moduleRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "auditx catalog export --format lua: %s", out)
}

// luaNormalize makes a record from either path comparable: numbers as JSON
// numbers (float64), so the integer 21 and a float 21.0 are equal (Fluent
// Bit's Lua conversion writes whole numbers as msgpack integers and any
// other number as a float; the Go core keeps the record's own encoding),
// and an empty array as an empty map (Fluent Bit writes an empty Lua table
// back as an empty map: the known pitfall of its Lua filter).
func luaNormalize(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	var fix func(v any) any
	fix = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = fix(e)
			}
		case []any:
			if len(x) == 0 {
				return map[string]any{}
			}
			for i, e := range x {
				x[i] = fix(e)
			}
		}
		return v
	}
	return fix(jsonValue(t, body)).(map[string]any)
}

// withoutAdded is a record without the keys either path adds or merges.
func withoutAdded(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		switch k {
		case "event", "observer", "tags":
			continue
		}
		out[k] = v
	}
	return out
}

// TestLuaFilterMatchesAuditx runs the sample logs (and edge cases) through
// two pipelines of one real Fluent Bit:
//
//	tail (json parser) → lua filter (the exported script) → out_forward → Go receiver
//	tail (json parser) → auditx → in_forward (unix socket) → out_forward → Go receiver
//
// and requires, for every sample record and every edge
// case, the same event.*, observer.* and tags from both, and the same
// record otherwise (after luaNormalize).
func TestLuaFilterMatchesAuditx(t *testing.T) {
	fluentBitBin(t)
	dir := runDir(t)
	script := filepath.Join(dir, "auditx.lua")
	exportLuaScript(t, script)

	edgeCases := luaEdgeCases(t)
	var edge strings.Builder
	for i, c := range edgeCases {
		fmt.Fprintf(&edge, "{\"edge_id\": %d, %s}\n", i, c)
	}
	edgePath := filepath.Join(dir, "edge.log")
	require.NoError(t, os.WriteFile(edgePath, []byte(edge.String()), 0o600))

	rcv := receiver(t)
	sock := filepath.Join(dir, "forward.sock")
	secs := []section{service(t, dir)}
	sources := append(append([]string{}, vendors...), "edge")
	path := func(src string) string {
		if src == "edge" {
			return edgePath
		}
		return samplePath(t, src)
	}
	for _, src := range sources {
		secs = append(secs, tailInput("lua."+src, path(src)), tailInput("audit."+src, path(src)))
	}
	secs = append(secs,
		sec("FILTER", "Name", "lua", "Match", "lua.*", "script", script, "call", "auditx_enrich", "enable_flb_null", "on"),
		// The Lua export has neither the actor fields nor data_stream (yet):
		// compared with the plugin without them.
		auditxOutput("audit.*", "vendor", "auto", "forward_path", sock, "id", "e2e-lua", "actor", "off", "data_stream", "off"),
		forwardUnixInput(sock),
		forwardOutputTo("lua.*", rcv),
		forwardOutputTo("enriched.*", rcv),
	)
	_, total := loadSamples(t)
	want := 2 * (total + len(edgeCases))
	fb := startFluentBit(t, dir, fbOptions{Config: renderConfig(secs...)})
	rcv.WaitFor(t, want, 60*time.Second)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	events := rcv.Events()
	require.Len(t, events, want, "events from both pipelines, each record once")

	// Pair the outputs: a sample by its content without the added keys (the
	// samples have none of them), an edge case by its edge_id.
	type pairKey struct{ src, key string }
	luaOut := map[pairKey][]forwardtest.Event{}
	goOut := map[pairKey][]forwardtest.Event{}
	intSeverity, floatSeverity := 0, 0
	for _, ev := range events {
		var src string
		var into map[pairKey][]forwardtest.Event
		switch {
		case strings.HasPrefix(ev.Tag, "lua."):
			src, into = strings.TrimPrefix(ev.Tag, "lua."), luaOut
			if e, ok := ev.Body["event"].(map[string]any); ok {
				switch e["severity"].(type) {
				case int64, uint64:
					intSeverity++
				case float64, float32:
					floatSeverity++
				}
			}
		case strings.HasPrefix(ev.Tag, "enriched.audit."):
			src, into = strings.TrimPrefix(ev.Tag, "enriched.audit."), goOut
		default:
			t.Fatalf("unexpected tag %q", ev.Tag)
		}
		body := luaNormalize(t, ev.Body)
		k := canonical(t, withoutAdded(body))
		if src == "edge" {
			k = fmt.Sprint(body["edge_id"])
		}
		into[pairKey{src, k}] = append(into[pairKey{src, k}], ev)
	}
	t.Logf("event.severity from the Lua filter: %d as msgpack integers, %d as floats (compared as numbers)", intSeverity, floatSeverity)

	compared, enriched, untouched := 0, 0, 0
	check := func(src, key, where string, orig map[string]any) {
		t.Helper()
		l, g := luaOut[pairKey{src, key}], goOut[pairKey{src, key}]
		require.Len(t, l, 1, "%s: records out of the Lua pipeline", where)
		require.Len(t, g, 1, "%s: records out of the auditx pipeline", where)
		lb, gb := luaNormalize(t, l[0].Body), luaNormalize(t, g[0].Body)
		for _, f := range []string{"event", "observer", "tags"} {
			require.Equal(t, gb[f], lb[f], "%s: %s (auditx vs Lua)", where, f)
		}
		require.Equal(t, gb, lb, "%s: whole record (auditx vs Lua)", where)
		if hasTag(gb, "auditx") && !hasTag(orig, "auditx") {
			enriched++
		} else {
			untouched++
		}
		compared++
	}
	nSamples := 0
	for _, v := range vendors {
		for i, rec := range readJSONLines(t, samplePath(t, v)) {
			norm := luaNormalize(t, rec)
			check(v, canonical(t, withoutAdded(norm)), fmt.Sprintf("%s.log:%d", v, i+1), norm)
			nSamples++
		}
	}
	require.Equal(t, sampleTotal(t), nSamples)
	for i, c := range edgeCases {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte("{"+c+"}"), &rec))
		check("edge", fmt.Sprint(float64(i)), fmt.Sprintf("edge case %d {%s}", i, c), rec)
	}
	t.Logf("%d records compared (%d samples, %d edge cases): %d enriched alike, %d passed untouched by both",
		compared, nSamples, len(edgeCases), enriched, untouched)
}
