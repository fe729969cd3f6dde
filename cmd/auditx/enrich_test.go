package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/internal/keyname"
	"github.com/auditx/auditx/internal/mpjson"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	samplesDir = "../../testdata/samples"
	goldenDir  = "../../testdata/golden"
)

// readSample returns the lines of a vendor's sample log.
func readSample(t *testing.T, v *catalog.Vendor) (data string, lines []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, v.String()+".log"))
	require.NoError(t, err)
	data = string(b)
	return data, strings.Split(strings.TrimSuffix(data, "\n"), "\n")
}

// outputLines splits enrich's stdout into lines; every line ends in '\n'.
func outputLines(t *testing.T, stdout string) []string {
	t.Helper()
	require.True(t, strings.HasSuffix(stdout, "\n"), "output does not end with a newline")
	return strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
}

// summaryRE matches the summary line of auditx enrich.
var summaryRE = regexp.MustCompile(`auditx enrich: ((?:[a-z_]+=\d+ ?)+)\n`)

// parseSummary returns the counters of the summary line on stderr: the
// counters line of enrich's table (every counter marked Exit, in order).
func parseSummary(t *testing.T, stderr string) map[string]int {
	t.Helper()
	m := summaryRE.FindStringSubmatch(stderr)
	require.NotNil(t, m, "no summary line in stderr: %s", stderr)
	out := map[string]int{}
	var keys, want []string
	for _, kv := range strings.Fields(m[1]) {
		k, v, _ := strings.Cut(kv, "=")
		out[k], _ = strconv.Atoi(v)
		keys = append(keys, k)
	}
	for _, c := range enrich.Counters() {
		if c.Exit {
			want = append(want, c.Key())
		}
	}
	require.Equal(t, want, keys, "the summary lists the counters of enrich's table marked Exit")
	return out
}

// normKey reads record keys as the enricher does: case, ' ', '_' and '-'
// ignored.
func normKey(k string) string {
	return strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(k))
}

// field returns the value of the first key among keys (normalised).
func field(rec map[string]any, keys ...string) (any, bool) {
	for _, want := range keys {
		for k, v := range rec {
			if normKey(k) == want {
				return v, true
			}
		}
	}
	return nil, false
}

// sampleCode finds a sample record's code by the vendors' documented keys,
// independently of the enricher: FilingBox Code, PlusAuth event_type, PrivX
// event_id, Netop entity_type + action.
func sampleCode(v *catalog.Vendor, rec map[string]any) (string, bool) {
	str := func(x any) string {
		if f, ok := x.(float64); ok {
			return strconv.FormatInt(int64(f), 10)
		}
		return fmt.Sprint(x)
	}
	switch v.ID {
	case "filingbox":
		c, ok := field(rec, "code", "eventcode")
		return str(c), ok
	case "plusauth":
		c, ok := field(rec, "eventtype")
		return str(c), ok
	case "privx":
		c, ok := field(rec, "eventid")
		return str(c), ok
	case "netop":
		ent, ok1 := field(rec, "entitytype")
		act, ok2 := field(rec, "action")
		return str(ent) + "." + str(act), ok1 && ok2
	}
	return "", false
}

func decodeObject(t *testing.T, line string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &m), "not a JSON object: %s", line)
	return m
}

// requireFieldsKept checks the vendor namespace layout: every original field
// of the record is at the top as it was (an ECS one) or under
// <vendor>.audit, named ECS style at every depth, its value unchanged.
func requireFieldsKept(t *testing.T, vendor string, orig, got map[string]any, line int) {
	t.Helper()
	ns, _ := got[vendor].(map[string]any)
	audit, _ := ns["audit"].(map[string]any)
	for k, want := range orig {
		if g, ok := got[k]; ok && reflect.DeepEqual(want, g) {
			continue
		}
		name := string(keyname.Append(nil, []byte(k)))
		require.Equal(t, snakeKeys(want), audit[name], "line %d: original field %q is not at the top nor at %s.audit.%s", line, k, vendor, name)
	}
}

// snakeKeys renames the keys of maps at every depth as keyname does.
func snakeKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[string(keyname.Append(nil, []byte(k)))] = snakeKeys(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = snakeKeys(e)
		}
		return out
	}
	return v
}

func strs(x any) []string {
	var out []string
	for _, v := range x.([]any) {
		out = append(out, v.(string))
	}
	return out
}

// TestEnrichSamples runs every sample log through auditx enrich, with the
// vendor recognised and fixed, and checks every line against the catalog.
func TestEnrichSamples(t *testing.T) {
	cat, err := catalog.Embedded()
	require.NoError(t, err)
	for _, v := range cat.Vendors() {
		for _, mode := range []string{"auto", v.String()} {
			t.Run(v.String()+"/vendor="+mode, func(t *testing.T) {
				data, in := readSample(t, v)
				stdout, stderr, code := runCLI(t, data, "enrich", "--vendor", mode)
				require.Equal(t, exitOK, code, stderr)
				out := outputLines(t, stdout)
				require.Len(t, out, len(in), "one output line per input line")
				var enriched, unknown, untouched, conflicts int
				for i := range in {
					orig := decodeObject(t, in[i])
					got := decodeObject(t, out[i]) // every line comes out as valid JSON
					code, hasCode := sampleCode(v, orig)
					if hasCode || mode == v.String() {
						requireFieldsKept(t, v.String(), orig, got, i+1)
					} else {
						for k, want := range orig {
							require.Equal(t, want, got[k], "line %d: original field %q changed", i+1, k)
						}
					}
					var entry *catalog.Entry
					if hasCode {
						entry = cat.LookupString(v, code)
					}
					switch {
					case entry != nil:
						enriched++
						ev, ok := got["event"].(map[string]any)
						require.True(t, ok, "line %d: known code %s/%s not enriched: %s", i+1, v, code, out[i])
						require.Equal(t, entry.Name, ev["action"], "line %d", i+1)
						require.Equal(t, entry.Code, ev["code"], "line %d", i+1)
						require.Equal(t, entry.Description, ev["reason"], "line %d", i+1)
						require.Equal(t, entry.Category, strs(ev["category"]), "line %d", i+1)
						require.Equal(t, entry.Type, strs(ev["type"]), "line %d", i+1)
						require.Equal(t, "event", ev["kind"])
						require.Equal(t, v.String(), ev["module"])
						require.Equal(t, v.String()+".audit", ev["dataset"])
						require.Contains(t, []any{"success", "failure", "unknown"}, ev["outcome"])
						require.Contains(t, []any{21.0, 47.0, 73.0, 99.0}, ev["risk_score_norm"])
						if sev, ok := ev["severity"]; ok {
							require.True(t, sev.(float64) >= 0 && sev.(float64) <= 7, "line %d: event.severity is the vendor's own syslog number: %v", i+1, sev)
						}
						require.Equal(t, map[string]any{"version": enrich.ECSVersion}, got["ecs"])
						obs := got["observer"].(map[string]any)
						require.Equal(t, v.Company, obs["vendor"])
						require.Equal(t, v.Product, obs["product"])
						require.Equal(t, map[string]any{"type": "logs", "dataset": v.String() + ".audit", "namespace": "default"}, got["data_stream"], "line %d", i+1)
						require.Equal(t, []string{enrich.MarkerTag}, strs(got["tags"]))
					case hasCode:
						unknown++
						ev, ok := got["event"].(map[string]any)
						require.True(t, ok, "line %d: unknown code %s not tagged: %s", i+1, code, out[i])
						require.NotContains(t, ev, "action")
						require.Equal(t, v.String(), ev["module"])
						require.Equal(t, []string{enrich.MarkerTag, enrich.UnknownCodeTag}, strs(got["tags"]))
					case mode == v.String():
						// A record of a fixed vendor without a code lands in the
						// vendor's stream, tagged.
						untouched++
						require.Equal(t, map[string]any{"type": "logs", "dataset": v.String() + ".audit", "namespace": "default"}, got["data_stream"], "line %d", i+1)
						require.Contains(t, strs(got["tags"]), enrich.NoCodeTag, "line %d", i+1)
						require.NotContains(t, got["event"], "code", "line %d", i+1)
					default:
						untouched++
						require.Equal(t, map[string]any{"type": "logs", "dataset": enrich.UnrecognizedDataset, "namespace": "default"}, got["data_stream"], "line %d: a record without code gets only data_stream", i+1)
						require.Len(t, got, len(orig)+1, "line %d: a record without code gets only data_stream", i+1)
					}
				}
				require.Positive(t, enriched)
				sum := parseSummary(t, stderr)
				for k, v := range map[string]int{"records": len(in), "enriched": enriched, "unknown_code": unknown,
					"no_code": untouched, "invalid_code": 0, "malformed": 0, "already_enriched": 0, "field_conflicts": conflicts} {
					require.Equal(t, v, sum[k], k)
				}
			})
		}
	}
}

// goldenArgs make the goldens: each line starts with the record's time as
// the es output would write it (@timestamp: the vendor's event time), and
// event.created holds a fixed read time. The e2e test compares Fluent Bit's
// record time with the first and masks the second.
var goldenArgs = []string{"enrich", "--time-key", "@timestamp", "--read-time", "2026-12-01T00:00:00Z"}

// TestEnrichGolden compares the enriched sample logs with
// testdata/golden/<vendor>.golden; refresh with go test ./cmd/auditx -update.
func TestEnrichGolden(t *testing.T) {
	for _, v := range mustEmbedded(t).Vendors() {
		t.Run(v.String(), func(t *testing.T) {
			data, _ := readSample(t, v)
			stdout, stderr, code := runCLI(t, data, goldenArgs...)
			require.Equal(t, exitOK, code, stderr)
			golden := filepath.Join(goldenDir, v.String()+".golden")
			if *update {
				require.NoError(t, os.MkdirAll(goldenDir, 0o755))
				require.NoError(t, os.WriteFile(golden, []byte(stdout), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./cmd/auditx -update to create it")
			require.Equal(t, string(want), stdout, "enriched %s.log differs from %s (review, then go test ./cmd/auditx -update)", v, golden)
		})
	}
}

// TestEnrichBadLines checks that lines that are not JSON objects pass
// through unchanged, are reported with their number and fail --strict only.
func TestEnrichBadLines(t *testing.T) {
	const good = `{"Code": "054", "User": "kim"}`
	tests := []struct {
		name    string
		bad     string
		problem string // "" when the line is not bad
	}{
		{name: "invalid JSON", bad: `{"Code": "054", "User": `, problem: "line 2: invalid JSON: unexpected end of JSON input"},
		{name: "invalid character", bad: `{Code: 054}`, problem: "line 2: invalid JSON: invalid character 'C'"},
		{name: "trailing garbage", bad: `{"Code": "054"} trailing`, problem: "line 2: invalid JSON: invalid character 't' after top-level value"},
		{name: "two objects on a line", bad: `{"Code": "054"}{"Code": "055"}`, problem: "line 2: invalid JSON"},
		{name: "array line", bad: `[{"Code": "054"}]`, problem: "line 2: a JSON array, not an object"},
		{name: "string line", bad: `"054"`, problem: "line 2: a JSON string, not an object"},
		{name: "number line", bad: `54`, problem: "line 2: a JSON number, not an object"},
		{name: "null line", bad: `null`, problem: "line 2: a JSON null, not an object"},
		{name: "empty line", bad: ``, problem: "line 2: empty line"},
		{name: "blank line", bad: " \t ", problem: "line 2: empty line"},
		{name: "CRLF line is fine", bad: good + "\r"},
		{name: "padded line is fine", bad: "  " + good + "  "},
	}
	for _, tt := range tests {
		for _, strict := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/strict=%v", tt.name, strict), func(t *testing.T) {
				args := []string{"enrich"}
				if strict {
					args = append(args, "--strict")
				}
				stdout, stderr, code := runCLI(t, good+"\n"+tt.bad+"\n"+good+"\n", args...)
				out := outputLines(t, stdout)
				require.Len(t, out, 3)
				for _, i := range []int{0, 2} {
					require.Contains(t, out[i], `"action":"Server Login (Succeeded)"`, "good line %d", i+1)
				}
				sum := parseSummary(t, stderr)
				require.Equal(t, 3, sum["records"])
				if tt.problem == "" {
					require.Contains(t, out[1], `"action":"Server Login (Succeeded)"`)
					require.Equal(t, exitOK, code)
					require.Equal(t, 0, sum["malformed"])
					require.NotContains(t, stderr, "line 2")
					return
				}
				require.Equal(t, tt.bad, out[1], "a bad line passes through unchanged")
				require.Contains(t, stderr, tt.problem)
				require.Contains(t, stderr, "passed through unchanged")
				require.Equal(t, 1, sum["malformed"])
				require.Equal(t, 2, sum["enriched"])
				if strict {
					require.Equal(t, exitFail, code)
					require.Contains(t, stderr, "1 of 3 lines were not JSON objects (--strict)")
				} else {
					require.Equal(t, exitOK, code)
				}
			})
		}
	}
}

// TestEnrichLineEnds checks the last line without '\n' and empty input.
func TestEnrichLineEnds(t *testing.T) {
	tests := []struct {
		name, in  string
		wantLines int
	}{
		{name: "empty input", in: "", wantLines: 0},
		{name: "last line without newline", in: `{"Code": "054"}` + "\n" + `{"Code": "055"}`, wantLines: 2},
		{name: "bad last line without newline", in: `{"Code": "054"}` + "\n" + `[1]`, wantLines: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tt.in, "enrich")
			require.Equal(t, exitOK, code, stderr)
			require.Equal(t, tt.wantLines, strings.Count(stdout, "\n"))
			if tt.wantLines > 0 {
				require.True(t, strings.HasSuffix(stdout, "\n"))
			}
			require.Equal(t, tt.wantLines, parseSummary(t, stderr)["records"])
		})
	}
}

// TestEnrichLongLines checks lines longer than bufio's defaults, and lines
// over the limit, which pass through unchanged without being held whole.
func TestEnrichLongLines(t *testing.T) {
	record := func(size int) string { // a FilingBox record of exactly size bytes
		head, tail := `{"Code": "054", "pad": "`, `"}`
		return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
	}
	const limit = 4096
	tests := []struct {
		name    string
		line    string
		long    bool
		noFinal bool // the long line is the last one, without '\n'
	}{
		{name: "short", line: record(100)},
		{name: "at the limit", line: record(limit)},
		{name: "at the limit with CR", line: record(limit) + "\r", long: true},
		{name: "one over the limit", line: record(limit + 1), long: true},
		{name: "many buffers over the limit", line: record(5*readBufBytes + 17), long: true},
		{name: "over the limit, last line", line: record(3 * readBufBytes), long: true, noFinal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := `{"Code": "101"}` + "\n" + tt.line
			if !tt.noFinal {
				in += "\n" + `{"Code": "102"}` + "\n"
			}
			en, err := enrich.New(mustEmbedded(t), enrich.Options{})
			require.NoError(t, err)
			s := &enrichStream{en: en, conv: mpjson.New(), maxLine: limit}
			var out, errb bytes.Buffer
			sum, err := s.run(strings.NewReader(in), &out, &errb)
			require.NoError(t, err)
			lines := outputLines(t, out.String())
			if tt.long {
				require.Equal(t, tt.line, lines[1], "an over-long line passes through unchanged")
				require.Contains(t, errb.String(), fmt.Sprintf("line 2: longer than %d bytes", limit))
				require.EqualValues(t, 1, sum.BadLines)
			} else {
				require.Contains(t, lines[1], `"action":"Server Login (Succeeded)"`)
				require.Empty(t, errb.String())
			}
			require.Contains(t, lines[0], `"action":"Admin Console Login"`)
			if !tt.noFinal {
				require.Len(t, lines, 3)
				require.Contains(t, lines[2], `"action":"Admin Console Logout"`)
			}
		})
	}
}

// TestEnrichMaxLine runs a line of exactly maxLineBytes (enriched) and one
// byte more (passed through) through the command.
func TestEnrichMaxLine(t *testing.T) {
	if testing.Short() {
		t.Skip("16 MiB lines")
	}
	head, tail := `{"Code": "054", "pad": "`, `"}`
	for _, size := range []int{maxLineBytes, maxLineBytes + 1} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			line := head + strings.Repeat("x", size-len(head)-len(tail)) + tail
			stdout, stderr, code := runCLI(t, line+"\n", "enrich")
			require.Equal(t, exitOK, code)
			if size > maxLineBytes {
				require.Equal(t, line+"\n", stdout)
				require.Contains(t, stderr, "line 1: longer than 16777216 bytes")
			} else {
				require.Contains(t, stdout, `"action":"Server Login (Succeeded)"`)
				require.NotContains(t, stderr, "line 1")
			}
		})
	}
}

func mustEmbedded(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Embedded()
	require.NoError(t, err)
	return cat
}

// TestEnrichOptions checks that the flags reach the enricher.
func TestEnrichOptions(t *testing.T) {
	overlay := writeTemp(t, "overlay.csv", csvHeader+
		"filingbox,054,Server Login (Succeeded),,Occurs when the client successfully completes 2FA.,,0xx client access,authentication,start,success,critical,site policy\n")
	tests := []struct {
		name  string
		args  []string
		in    string
		check func(t *testing.T, rec map[string]any, sum map[string]int)
	}{
		{name: "ecs by default", args: nil, in: `{"Code": 54}`,
			check: func(t *testing.T, rec map[string]any, _ map[string]int) {
				require.Equal(t, "054", rec["event"].(map[string]any)["code"])
			}},
		{name: "flat schema", args: []string{"--schema", "flat"}, in: `{"Code": "054"}`,
			check: func(t *testing.T, rec map[string]any, _ map[string]int) {
				require.NotContains(t, rec, "event")
				flat := rec[enrich.DefaultFlatKey].(map[string]any)
				require.Equal(t, "Server Login (Succeeded)", flat["name"])
				require.Equal(t, "low", flat["severity_level"])
			}},
		{name: "flat key", args: []string{"--schema", "flat", "--flat-key", "audit"}, in: `{"Code": "054"}`,
			check: func(t *testing.T, rec map[string]any, _ map[string]int) {
				require.Equal(t, "054", rec["audit"].(map[string]any)["code"])
			}},
		{name: "code key and regex", args: []string{"--vendor", "filingbox", "--code-key", "msg.text", "--code-regex", `E(\d+):`},
			in: `{"msg": {"text": "E54: login"}}`,
			check: func(t *testing.T, rec map[string]any, _ map[string]int) {
				require.Equal(t, "Server Login (Succeeded)", rec["event"].(map[string]any)["action"])
			}},
		{name: "fixed vendor ignores other vendors' keys", args: []string{"--vendor", "privx"}, in: `{"Code": "054"}`,
			check: func(t *testing.T, rec map[string]any, sum map[string]int) {
				// No PrivX code: the vendor's stream, tagged, without event.code.
				require.NotContains(t, rec["event"], "code")
				require.Contains(t, strs(rec["tags"]), enrich.NoCodeTag)
				require.Equal(t, map[string]any{"audit": map[string]any{"code": "054"}}, rec["privx"])
				require.Equal(t, 1, sum["no_code"])
			}},
		{name: "fixed vendor without the namespace", args: []string{"--vendor", "privx", "--vendor-namespace=false"}, in: `{"Code": "054"}`,
			check: func(t *testing.T, rec map[string]any, sum map[string]int) {
				require.NotContains(t, rec, "event")
				require.Equal(t, 1, sum["no_code"])
			}},
		{name: "existing field kept", args: nil, in: `{"Code": "054", "event": {"action": "mine"}}`,
			check: func(t *testing.T, rec map[string]any, _ map[string]int) {
				require.Equal(t, "mine", rec["event"].(map[string]any)["action"])
			}},
		{name: "override", args: []string{"--override"}, in: `{"Code": "054", "event": {"action": "mine"}}`,
			check: func(t *testing.T, rec map[string]any, _ map[string]int) {
				require.Equal(t, "Server Login (Succeeded)", rec["event"].(map[string]any)["action"])
			}},
		{name: "user catalog", args: []string{"--catalog", overlay}, in: `{"Code": "054"}`,
			check: func(t *testing.T, rec map[string]any, _ map[string]int) {
				require.InDelta(t, 99, rec["event"].(map[string]any)["risk_score_norm"], 0)
			}},
		{name: "already enriched", args: nil, in: `{"Code": "054", "tags": ["auditx"]}`,
			check: func(t *testing.T, rec map[string]any, sum map[string]int) {
				require.NotContains(t, rec, "event")
				require.Equal(t, 1, sum["already_enriched"])
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tt.in+"\n", append([]string{"enrich"}, tt.args...)...)
			require.Equal(t, exitOK, code, stderr)
			out := outputLines(t, stdout)
			require.Len(t, out, 1)
			tt.check(t, decodeObject(t, out[0]), parseSummary(t, stderr))
		})
	}
}
