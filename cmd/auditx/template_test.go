package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// committedTemplates are the templates the README tells users to install,
// each the output of "auditx template" with the flags given.
var committedTemplates = []struct {
	file string
	args []string
}{
	{"build/elasticsearch/data-stream-template.json", nil},
	{"build/elasticsearch/index-template.json", []string{"--layout", "index"}},
	{"build/opensearch/data-stream-template.json", []string{"--target", "opensearch"}},
}

func TestTemplateMatchesCommittedFile(t *testing.T) {
	for _, c := range committedTemplates {
		t.Run(c.file, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", append([]string{"template"}, c.args...)...)
			require.Equal(t, exitOK, code, stderr)
			want, err := os.ReadFile("../../" + c.file)
			require.NoError(t, err)
			if out != string(want) {
				t.Fatalf("%s differs from `auditx template %s`; regenerate it from the repository root with\n\n  go run ./cmd/auditx template %s > %s\n\nand review the diff (first difference: %s)",
					c.file, strings.Join(c.args, " "), strings.Join(c.args, " "), c.file, firstDiff(string(want), out))
			}
		})
	}
}

// firstDiff describes the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: committed %q, generated %q", i+1, x, y)
		}
	}
	return "none"
}

// mappedFields flattens a template's properties, and the path_match of
// its dynamic templates, into dotted path → mapping.
func mappedFields(t *testing.T, tmpl map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	mappings := tmpl["template"].(map[string]any)["mappings"].(map[string]any)
	if dyn, ok := mappings["dynamic_templates"].([]any); ok {
		for _, d := range dyn {
			for name, v := range d.(map[string]any) {
				dt := v.(map[string]any)
				path, _ := dt["path_match"].(string)
				require.NotEmpty(t, path, "dynamic template %s has no path_match", name)
				require.NotContains(t, out, path, "%s mapped twice", path)
				out[path] = dt["mapping"].(map[string]any)
			}
		}
	}
	var walk func(prefix string, props map[string]any)
	walk = func(prefix string, props map[string]any) {
		for k, v := range props {
			m, ok := v.(map[string]any)
			require.True(t, ok, "mapping of %s%s is not an object", prefix, k)
			if inner, ok := m["properties"].(map[string]any); ok {
				walk(prefix+k+".", inner)
				continue
			}
			out[prefix+k] = m
		}
	}
	props, ok := tmpl["template"].(map[string]any)["mappings"].(map[string]any)["properties"].(map[string]any)
	require.True(t, ok, "template.mappings.properties")
	walk("", props)
	return out
}

func decodeTemplate(t *testing.T, s string) map[string]any {
	t.Helper()
	var tmpl map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &tmpl))
	return tmpl
}

// ecsFieldFile is the part of catalog/ecs/ecs-event-fields.json the
// template is built from.
type ecsFieldFile struct {
	FieldTypes map[string]struct {
		Type        string `json:"type"`
		IgnoreAbove int    `json:"ignore_above"`
	} `json:"field_types"`
}

// TestECSFileIsTheSharedOne checks that the repository's copy of the ECS
// field list is the shared file (when the shared file is there).
func TestECSFileIsTheSharedOne(t *testing.T) {
	shared, err := os.ReadFile("../../../shared/ecs/ecs-event-fields.json")
	if os.IsNotExist(err) {
		t.Skip("no ../shared/ecs/ecs-event-fields.json beside the repository")
	}
	require.NoError(t, err)
	ours, err := os.ReadFile("../../catalog/ecs/ecs-event-fields.json")
	require.NoError(t, err)
	require.Equal(t, string(shared), string(ours), "catalog/ecs/ecs-event-fields.json differs from shared/ecs/ecs-event-fields.json")
}

// TestTemplateTypesFromECS reads the ECS field list and every committed
// template and fails on any difference: every field auditx adds is mapped
// (as a property or through a dynamic template) with the type and
// ignore_above the ECS file gives; the few fields the file does not list
// take ecsTypesNotInFile's ECS types, and the file must still not list them.
func TestTemplateTypesFromECS(t *testing.T) {
	b, err := os.ReadFile("../../catalog/ecs/ecs-event-fields.json")
	require.NoError(t, err)
	var ecs ecsFieldFile
	require.NoError(t, json.Unmarshal(b, &ecs))
	for field := range ecsTypesNotInFile {
		require.NotContains(t, ecs.FieldTypes, field, "the ECS file now types %s: drop it from ecsTypesNotInFile", field)
	}
	require.Equal(t, "keyword", ecs.FieldTypes["event.reason"].Type, "ECS types event.reason as keyword")

	for _, c := range committedTemplates {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile("../../" + c.file)
			require.NoError(t, err)
			fields := mappedFields(t, decodeTemplate(t, string(raw)))
			check := func(path string, f esField) {
				m, ok := fields[path]
				require.True(t, ok, "%s is not mapped", path)
				want, inFile := ecs.FieldTypes[f.ecs]
				switch {
				case f.ecs == "":
					want.Type, want.IgnoreAbove = "keyword", ecsIgnoreAbove
				case !inFile:
					typ, ok := ecsTypesNotInFile[f.ecs]
					require.True(t, ok, "%s is neither in the ECS file nor in ecsTypesNotInFile", f.ecs)
					want.Type = typ
					if typ == "keyword" {
						want.IgnoreAbove = ecsIgnoreAbove
					}
				}
				require.Equal(t, want.Type, m["type"], "%s: type of %s in ECS", path, f.ecs)
				if want.IgnoreAbove != 0 {
					require.EqualValues(t, want.IgnoreAbove, m["ignore_above"], "%s: ignore_above", path)
				} else {
					require.NotContains(t, m, "ignore_above", path)
				}
				require.NotContains(t, m, "fields", "%s: no multi-fields, ECS has none for it", path)
			}
			for _, f := range ecsSchemaFields {
				check(f.path, f)
			}
			for _, f := range flatSchemaFields {
				check("auditx."+f.path, f)
			}
			require.Equal(t, "keyword", fields["event.reason"]["type"])
			require.Equal(t, "date", fields["@timestamp"]["type"], "@timestamp (the es output's Time_Key)")
		})
	}
}

// addedLeaves returns the leaf paths (arrays count as leaves) of out that
// are not in in, with the JSON kind of each value.
func addedLeaves(in, out map[string]any, prefix string, dst map[string]string) {
	for k, v := range out {
		if iv, ok := in[k]; ok {
			om, ok1 := v.(map[string]any)
			im, ok2 := iv.(map[string]any)
			if ok1 && ok2 {
				addedLeaves(im, om, prefix+k+".", dst)
			}
			continue
		}
		if m, ok := v.(map[string]any); ok {
			addedLeaves(map[string]any{}, m, prefix+k+".", dst)
			continue
		}
		dst[prefix+k] = valueKind(v)
	}
}

// valueKind names a decoded JSON value's kind: string, integer, number,
// bool, []string, []other, object or null.
func valueKind(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case bool:
		return "bool"
	case []any:
		for _, e := range x {
			if _, ok := e.(string); !ok {
				return "[]other"
			}
		}
		return "[]string"
	case map[string]any:
		return "object"
	}
	return "null"
}

// kindsOf are the JSON kinds each Elasticsearch type accepts without
// coercion, as auditx writes them.
var kindsOf = map[string][]string{
	"keyword":          {"string", "[]string"},
	"constant_keyword": {"string"},
	"ip":               {"string", "[]string"},
	"long":             {"integer"},
}

// TestTemplateCoversEnrichedFields enriches the sample logs in both schemas
// with the same core as the plugin and checks that every field auditx adds
// is mapped with a type that takes its value, and that every mapped auditx
// field is written by auditx: the field lists in template.go cannot drift
// from enrich.
func TestTemplateCoversEnrichedFields(t *testing.T) {
	files, err := filepath.Glob("../../testdata/samples/*.log")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var input bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		input.Write(b)
	}
	tmplOut, stderr, code := runCLI(t, "", "template")
	require.Equal(t, exitOK, code, stderr)
	fields := mappedFields(t, decodeTemplate(t, tmplOut))

	// The embedded actor map names no host: a user actor file does (Netop's
	// Entity Name, for the test), so that host.name is written too.
	actors := writeTemp(t, "actors.csv", "vendor,field,source,ignore,note\nnetop,host.name,entity_name,,test\n")
	for _, schema := range []string{"ecs", "flat"} {
		t.Run(schema, func(t *testing.T) {
			out, stderr, code := runCLI(t, input.String(), "enrich", "--schema", schema, "--catalog", actors)
			require.Equal(t, exitOK, code, stderr)
			inLines := strings.Split(strings.TrimSpace(input.String()), "\n")
			outLines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, outLines, len(inLines))
			seen := map[string]string{}
			for i := range inLines {
				var in, o map[string]any
				require.NoError(t, json.Unmarshal([]byte(inLines[i]), &in))
				require.NoError(t, json.Unmarshal([]byte(outLines[i]), &o))
				added := map[string]string{}
				addedLeaves(in, o, "", added)
				for path, kind := range added {
					m, ok := fields[path]
					require.True(t, ok, "auditx added %s (line %d), which the template does not map", path, i+1)
					typ, _ := m["type"].(string)
					require.Contains(t, kindsOf[typ], kind, "%s is %s in the template, auditx wrote a %s (line %d)", path, typ, kind, i+1)
					seen[path] = kind
				}
			}
			var want []esField
			prefix := ""
			if schema == "ecs" {
				want = ecsSchemaFields
			} else {
				want, prefix = flatSchemaFields, "auditx."
			}
			var never []string
			for _, f := range want {
				if _, ok := seen[prefix+f.path]; !ok {
					never = append(never, prefix+f.path)
				}
			}
			sort.Strings(never)
			require.Empty(t, never, "mapped for the %s schema, but never written by auditx enrich on the samples", schema)
		})
	}
}

func TestTemplateFlags(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		check  func(t *testing.T, tmpl map[string]any)
		stderr string
	}{
		{name: "defaults: data streams", args: nil, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.Equal(t, []any{"logs-filingbox.audit-*", "logs-netop.audit-*", "logs-plusauth.audit-*", "logs-privx.audit-*", "logs-auditx.unrecognized-*"}, tmpl["index_patterns"])
			require.Equal(t, map[string]any{}, tmpl["data_stream"])
			require.Greater(t, tmpl["priority"].(float64), 100.0, "above the built-in logs-*-* template")
			require.Equal(t, []any{}, tmpl["composed_of"], "stands alone")
			require.Equal(t, "365d", tmpl["template"].(map[string]any)["lifecycle"].(map[string]any)["data_retention"])
			require.NotContains(t, tmpl["template"], "settings", "no ILM policy: the data stream lifecycle")
		}},
		{name: "retention", args: []string{"--retention", "90d"}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.Equal(t, "90d", tmpl["template"].(map[string]any)["lifecycle"].(map[string]any)["data_retention"])
		}},
		{name: "opensearch", args: []string{"--target", "opensearch"}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.NotContains(t, tmpl["template"], "lifecycle", "OpenSearch has ISM, not a data stream lifecycle")
			require.Equal(t, "flat_object", mappedFields(t, tmpl)["kubernetes.labels"]["type"])
			require.Equal(t, map[string]any{}, tmpl["data_stream"])
		}},
		{name: "index layout", args: []string{"--layout", "index"}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.Equal(t, []any{"auditx-*"}, tmpl["index_patterns"])
			require.NotContains(t, tmpl, "data_stream")
			require.Equal(t, "auditx", tmpl["template"].(map[string]any)["settings"].(map[string]any)["index.lifecycle.name"])
		}},
		{name: "patterns", args: []string{"--layout", "index", "--index-pattern", "a-*", "--index-pattern", "b-*"}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.Equal(t, []any{"a-*", "b-*"}, tmpl["index_patterns"])
		}},
		{name: "patterns need the index layout", args: []string{"--index-pattern", "a-*"}, code: exitUsage, stderr: "--index-pattern is for --layout index"},
		{name: "no ILM", args: []string{"--layout", "index", "--ilm-policy", ""}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.NotContains(t, tmpl["template"], "settings")
		}},
		{name: "flat key", args: []string{"--flat-key", "vendorx"}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			fields := mappedFields(t, tmpl)
			require.Contains(t, fields, "vendorx.severity_level")
			require.NotContains(t, fields, "auditx.severity_level")
		}},
		{name: "flat key clashes with event", args: []string{"--flat-key", "event"}, code: exitFail, stderr: "event.module is mapped twice"},
		{name: "flat key with a dot", args: []string{"--flat-key", "a.b"}, code: exitUsage, stderr: "--flat-key"},
		{name: "argument", args: []string{"extra"}, code: exitUsage, stderr: `unexpected argument "extra"`},
		{name: "help", args: []string{"-h"}, code: exitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", append([]string{"template"}, tc.args...)...)
			require.Equal(t, tc.code, code, stderr)
			require.Contains(t, stderr, tc.stderr)
			if tc.check != nil {
				tc.check(t, decodeTemplate(t, out))
			}
		})
	}
}

func TestTemplateInUsage(t *testing.T) {
	out, _, code := runCLI(t, "", "help")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "auditx template")
	out, _, code = runCLI(t, "", "help", "template")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "--index-pattern PATTERN")
	require.True(t, slices.Contains(strings.Fields(out), "--ilm-policy"))
}
