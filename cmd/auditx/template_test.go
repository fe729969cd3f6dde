package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/bulktest"
	"github.com/auditx/auditx/internal/ecsschema"
)

// committedTemplate is one template the README tells users to install:
// the output of "auditx template" with the flags given.
type committedTemplate struct {
	file   string
	args   []string
	layout layout
	target target
}

var committedTemplates = []committedTemplate{
	{"build/elasticsearch/data-stream-template.json", nil, layoutDataStream, targetElasticsearch},
	{"build/elasticsearch/unrecognized-template.json", []string{"--layout", "unrecognized"}, layoutUnrecognized, targetElasticsearch},
	{"build/elasticsearch/index-template.json", []string{"--layout", "index"}, layoutIndex, targetElasticsearch},
	{"build/opensearch/data-stream-template.json", []string{"--target", "opensearch"}, layoutDataStream, targetOpenSearch},
	{"build/opensearch/unrecognized-template.json", []string{"--target", "opensearch", "--layout", "unrecognized"}, layoutUnrecognized, targetOpenSearch},
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

// mappedFields flattens a template's properties into dotted path →
// mapping (objects are walked, not listed).
func mappedFields(t *testing.T, tmpl map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
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
	props, ok := templateMappings(t, tmpl)["properties"].(map[string]any)
	require.True(t, ok, "template.mappings.properties")
	walk("", props)
	return out
}

func templateMappings(t *testing.T, tmpl map[string]any) map[string]any {
	t.Helper()
	m, ok := tmpl["template"].(map[string]any)["mappings"].(map[string]any)
	require.True(t, ok, "template.mappings")
	return m
}

func decodeTemplate(t *testing.T, s string) map[string]any {
	t.Helper()
	var tmpl map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &tmpl))
	return tmpl
}

func readCommitted(t *testing.T, c committedTemplate) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../../" + c.file)
	require.NoError(t, err)
	return decodeTemplate(t, string(raw))
}

// sharedECSFields reads ../shared/ecs/ecs-fields.json beside the
// repository (the file internal/ecsschema is generated from): type and
// ignore_above of every ECS field.
func sharedECSFields(t *testing.T) map[string]struct {
	Type        string `json:"type"`
	IgnoreAbove int    `json:"ignore_above"`
} {
	t.Helper()
	b, err := os.ReadFile("../../../shared/ecs/ecs-fields.json")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no ../shared/ecs/ecs-fields.json beside the repository")
	}
	require.NoError(t, err)
	var f struct {
		Fields map[string]struct {
			Type        string `json:"type"`
			IgnoreAbove int    `json:"ignore_above"`
		} `json:"fields"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Fields)
	return f.Fields
}

// TestTemplateTypesFromECS reads the shared ECS field list and every
// committed template and fails on any difference: each ECS field a
// template maps has the file's type (on OpenSearch, osType's for the two
// types it lacks) and ignore_above, plus ecsFlatParams' parameters; every
// other path is a vendor namespace (flattened), the pipeline's keys, or
// the flat schema's, none of which is an ECS name.
func TestTemplateTypesFromECS(t *testing.T) {
	ecs := sharedECSFields(t)
	for _, f := range append(append(slices.Clone(ecsWritten), ecsKept...), ecsUnrecognized...) {
		typ, ok := ecsschema.Lookup(f)
		require.True(t, ok, "%s is not in internal/ecsschema", f)
		require.Equal(t, ecs[f].Type, typ, "%s: internal/ecsschema and the shared file disagree: go generate in internal/ecsschema", f)
	}
	for f := range ecsFlatParams {
		require.Contains(t, ecs, f, "ecsFlatParams names %s, no ECS field", f)
	}
	require.Zero(t, ecs["event.original"].IgnoreAbove, "ECS does not index event.original: no ignore_above")
	for k := range pipelineProperties(targetElasticsearch) {
		require.False(t, ecsschema.IsTopLevel([]byte(k)), "the pipeline's %s is an ECS name: map it as ECS", k)
	}

	for _, c := range committedTemplates {
		t.Run(c.file, func(t *testing.T) {
			tmpl := readCommitted(t, c)
			fields := mappedFields(t, tmpl)
			want := append(slices.Clone(ecsWritten), ecsKept...)
			if c.layout == layoutUnrecognized {
				want = ecsUnrecognized
			}
			seen := map[string]bool{}
			for _, f := range want {
				m, ok := fields[f]
				require.True(t, ok, "%s is not mapped", f)
				seen[f] = true
				e := ecs[f]
				typ := e.Type
				if c.target == targetOpenSearch && osType[typ] != "" {
					typ = osType[typ]
					if typ == "keyword" {
						e.IgnoreAbove = ecsIgnoreAbove
					}
				}
				require.Equal(t, typ, m["type"], "%s: the ECS type", f)
				if e.IgnoreAbove != 0 {
					require.EqualValues(t, e.IgnoreAbove, m["ignore_above"], "%s: ignore_above", f)
				} else {
					require.NotContains(t, m, "ignore_above", f)
				}
				for k, v := range ecsFlatParams[f] {
					if k == "fields" && c.target == targetOpenSearch {
						v = map[string]any{"text": map[string]any{"type": "text"}}
					}
					require.Equal(t, jsonValue(t, v), m[k], "%s: %s as ECS", f, k)
				}
			}
			for path, m := range fields {
				if seen[path] {
					continue
				}
				top, _, _ := strings.Cut(path, ".")
				switch {
				case strings.HasSuffix(path, ".audit"):
					require.Equal(t, flatType(c.target), m["type"], "%s: a vendor's namespace", path)
				case pipelineProperties(c.target)[top] != nil:
				case c.layout == layoutIndex && top == "auditx":
				default:
					t.Errorf("%s is mapped, but is neither an ECS field auditx writes nor a vendor namespace, the pipeline's or the flat schema's", path)
				}
				require.False(t, ecsschema.IsTopLevel([]byte(top)) && top != "event", "%s: %s is an ECS name, mapped without ECS", path, top)
			}
		})
	}
}

// jsonValue is v as encoding/json decodes it.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// TestTemplateDesign pins the choices of each committed template: the
// Elasticsearch built-ins composed by name, the failure store, the
// lifecycle preferred over logs@settings' ILM policy, each vendor's
// namespace flattened, the unrecognized stream dynamic false, and the
// supported versions in _meta.
func TestTemplateDesign(t *testing.T) {
	for _, c := range committedTemplates {
		t.Run(c.file, func(t *testing.T) {
			tmpl := readCommitted(t, c)
			tt := tmpl["template"].(map[string]any)
			mappings := templateMappings(t, tmpl)
			meta := tmpl["_meta"].(map[string]any)
			require.EqualValues(t, templatePriority, tmpl["priority"])
			require.Greater(t, templatePriority, 100, "above Elasticsearch's built-in logs template (logs-*-*, priority 100)")
			if c.target == targetElasticsearch {
				require.Equal(t, []any{"logs@mappings", "logs@settings", "logs@custom", "auditx@custom", "ecs@mappings"}, tmpl["composed_of"])
				require.Equal(t, []any{"logs@custom", "auditx@custom"}, tmpl["ignore_missing_component_templates"])
				require.Equal(t, esVersions, meta["supports"])
				require.Contains(t, meta["requires"], "8.19 and 9.1")
			} else {
				require.NotContains(t, tmpl, "composed_of", "OpenSearch has no built-in component templates")
				require.NotContains(t, tt, "data_stream_options", "OpenSearch has no failure store")
				require.NotContains(t, tt, "lifecycle", "OpenSearch has ISM, not the data stream lifecycle")
				require.Equal(t, osVersions, meta["supports"])
			}
			switch c.layout {
			case layoutDataStream, layoutUnrecognized:
				require.Equal(t, map[string]any{}, tmpl["data_stream"])
				if c.target == targetElasticsearch {
					require.Equal(t, map[string]any{"failure_store": map[string]any{"enabled": true}}, tt["data_stream_options"])
					require.Equal(t, map[string]any{"data_retention": defaultRetention}, tt["lifecycle"])
					require.Equal(t, map[string]any{"index.lifecycle.prefer_ilm": false}, tt["settings"], "the lifecycle, not logs@settings' ILM policy logs")
				}
			case layoutIndex:
				require.NotContains(t, tmpl, "data_stream")
				require.Equal(t, []any{defaultIndexPattern}, tmpl["index_patterns"])
			}
			if c.layout == layoutUnrecognized {
				require.Equal(t, []any{"logs-auditx.unrecognized-*"}, tmpl["index_patterns"])
				require.Equal(t, false, mappings["dynamic"], "nothing but the mapped ECS fields is indexed")
				require.NotContains(t, mappings, "dynamic_templates")
				return
			}
			require.NotContains(t, mappings, "dynamic", "the vendor streams index what upstream ECS fields a record keeps")
			fields := mappedFields(t, tmpl)
			if c.layout == layoutDataStream {
				require.Equal(t, []any{"logs-filingbox.audit-*", "logs-netop.audit-*", "logs-plusauth.audit-*", "logs-privx.audit-*"}, tmpl["index_patterns"])
			}
			for _, v := range []string{"filingbox", "netop", "plusauth", "privx"} {
				require.Equal(t, flatType(c.target), fields[v+".audit"]["type"], "%s.audit", v)
			}
			require.Equal(t, flatType(c.target), fields["kubernetes.labels"]["type"])
			require.Equal(t, "keyword", fields["kubernetes.pod_name"]["type"])
			require.Equal(t, false, mappedObject(t, tmpl, "kubernetes")["dynamic"], "kubernetes.* beyond the filter's known keys is kept, not indexed")
			if c.target == targetOpenSearch {
				require.Equal(t, false, mappings["date_detection"])
				require.Len(t, mappings["dynamic_templates"], 1)
			}
		})
	}
}

// mappedObject returns the mapping of the object at a top-level key.
func mappedObject(t *testing.T, tmpl map[string]any, key string) map[string]any {
	t.Helper()
	m, ok := templateMappings(t, tmpl)["properties"].(map[string]any)[key].(map[string]any)
	require.True(t, ok, "%s is not mapped", key)
	return m
}

// samplesInput is every line of testdata/samples/*.log.
func samplesInput(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("../../testdata/samples/*.log")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var input bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		input.Write(b)
	}
	return input.String()
}

// decodeLines decodes JSON lines as the _bulk server does (json.Number).
func decodeLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimSpace(s), "\n") {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var m map[string]any
		require.NoError(t, dec.Decode(&m), "line %d", i+1)
		out = append(out, m)
	}
	return out
}

// enrichedSamples enriches every sample line with the same core as the
// plugin (the CLI: plugin defaults, event.original on, a user actor file
// that names Netop's host, so that every field auditx can write is
// written), each line with the @timestamp the es output would write.
func enrichedSamples(t *testing.T, schema string) []map[string]any {
	t.Helper()
	actors := writeTemp(t, "actors.csv", "vendor,field,source,ignore,note\nnetop,host.name,entity_name,,test\n")
	args := []string{"enrich", "--schema", schema, "--catalog", actors, "--time-key", "@timestamp"}
	if schema == "ecs" {
		args = append(args, "--event-original")
	}
	out, stderr, code := runCLI(t, samplesInput(t), args...)
	require.Equal(t, exitOK, code, stderr)
	docs := decodeLines(t, out)
	require.Len(t, docs, 127, "the bundled samples")
	return docs
}

// leaves lists the leaf paths of a document (arrays and empty objects are
// leaves) with their JSON kind, stopping at the paths stop names.
func leaves(doc map[string]any, prefix string, stop func(string) bool, dst map[string]string) {
	for k, v := range doc {
		p := prefix + k
		if stop(p) {
			dst[p] = "namespace"
			continue
		}
		if m, ok := v.(map[string]any); ok && len(m) > 0 {
			leaves(m, p+".", stop, dst)
			continue
		}
		dst[p] = valueKind(v)
	}
}

// valueKind names a decoded JSON value's kind (numbers as json.Number):
// string, integer, number, bool, []string, []other, object or null.
func valueKind(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case json.Number:
		if _, err := x.Int64(); err == nil {
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

// kindsOf are the JSON kinds each mapped type takes without coercion, as
// auditx writes them.
var kindsOf = map[string][]string{
	"keyword":          {"string", "[]string"},
	"constant_keyword": {"string"},
	"match_only_text":  {"string"},
	"text":             {"string"},
	"ip":               {"string", "[]string"},
	"long":             {"integer"},
	"float":            {"integer", "number"},
	"date":             {"string"},
}

// TestTemplateCoversEnrichedFields enriches the samples in both schemas
// and checks, against the vendor streams' template (the flat schema: the
// index layout's), that every field of an enriched document outside the
// vendor's namespace is mapped with a type that takes its value, and that
// every ECS field the template maps for auditx is written on the samples:
// the field lists in template.go cannot drift from enrich.
func TestTemplateCoversEnrichedFields(t *testing.T) {
	for _, schema := range []string{"ecs", "flat"} {
		t.Run(schema, func(t *testing.T) {
			args := []string{"template"}
			if schema == "flat" {
				args = append(args, "--layout", "index")
			}
			out, stderr, code := runCLI(t, "", args...)
			require.Equal(t, exitOK, code, stderr)
			fields := mappedFields(t, decodeTemplate(t, out))
			seen := map[string]bool{}
			for i, doc := range enrichedSamples(t, schema) {
				if _, ok := doc["event"]; !ok && schema == "ecs" {
					continue // not recognised: its own fields, the unrecognized stream's template
				}
				if _, ok := doc["auditx"]; !ok && schema == "flat" {
					continue
				}
				got := map[string]string{}
				leaves(doc, "", func(p string) bool { return strings.HasSuffix(p, ".audit") }, got)
				for path, kind := range got {
					m, ok := fields[path]
					if !ok && schema == "flat" {
						continue // the flat schema keeps the vendor's keys at the top
					}
					require.True(t, ok, "line %d: %s is not mapped", i+1, path)
					if kind == "namespace" {
						require.Equal(t, "flattened", m["type"], path)
						continue
					}
					typ, _ := m["type"].(string)
					require.Contains(t, kindsOf[typ], kind, "line %d: %s is %s in the template, auditx wrote a %s", i+1, path, typ, kind)
					seen[path] = true
				}
			}
			var want []string
			if schema == "ecs" {
				want = append(slices.Clone(ecsWritten), ecsKept...)
			} else {
				for _, f := range flatSchemaFields {
					want = append(want, "auditx."+f.path)
				}
			}
			var never []string
			for _, f := range want {
				if !seen[f] {
					never = append(never, f)
				}
			}
			require.Empty(t, never, "mapped for the %s schema, but never written by auditx enrich on the samples", schema)
		})
	}
}

// TestTemplateSamplesLand creates every enriched sample (enrichedSamples)
// in its data stream of a modelled cluster (internal/bulktest) holding the
// committed templates: on Elasticsearch 8.19 and 9.1 with the built-ins
// composed and on OpenSearch 2.7, all 127 are stored, none goes to the
// failure store, @timestamp is the vendor's time, and no vendor field is
// typed by a dynamic rule. An unrelated application record lands whole in
// logs-auditx.unrecognized-default.
func TestTemplateSamplesLand(t *testing.T) {
	docs := enrichedSamples(t, "ecs")
	app := map[string]any{"level": "info", "msg": "GET /healthz", "source": "nginx", "user": "www-data", "client_ip": "not an ip",
		"message": map[string]any{"text": "an object message"}, "data_stream": map[string]any{"type": "logs", "dataset": "auditx.unrecognized", "namespace": "default"}}

	for _, tc := range []struct {
		name    string
		product bulktest.Product
		target  target
	}{
		{"Elasticsearch 8.19", bulktest.Product{Flavor: bulktest.Elasticsearch, Version: bulktest.MustVersion("8.19")}, targetElasticsearch},
		{"Elasticsearch 9.1", bulktest.Product{Flavor: bulktest.Elasticsearch, Version: bulktest.MustVersion("9.1")}, targetElasticsearch},
		{"OpenSearch 2.7", bulktest.Product{Flavor: bulktest.OpenSearch, Version: bulktest.MustVersion("2.7")}, targetOpenSearch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := bulktest.NewCluster(tc.product)
			for _, ct := range committedTemplates {
				if ct.target != tc.target || ct.layout == layoutIndex {
					continue
				}
				it, err := bulktest.LoadIndexTemplate("../../" + ct.file)
				require.NoError(t, err)
				require.NoError(t, c.PutIndexTemplate(it), ct.file)
			}
			byStream := map[string]int{}
			for i, d := range append(slices.Clone(docs), app) {
				doc := map[string]any{"@timestamp": "2026-11-20T08:14:00.000Z"}
				for k, v := range d {
					doc[k] = v
				}
				ds := doc["data_stream"].(map[string]any)
				stream := fmt.Sprintf("logs-%s-%s", ds["dataset"], ds["namespace"])
				raw, err := json.Marshal(doc)
				require.NoError(t, err)
				r := c.Write(bulktest.Action{Op: "create", Index: stream, Source: doc, Raw: raw})
				require.Equal(t, 201, r.Status, "line %d (%s): %+v", i+1, stream, r.Error)
				require.Empty(t, r.FailureStore, "line %d went to the failure store: %+v", i+1, r.Failure)
				for path := range r.Indexed.Dates {
					require.Contains(t, []string{"@timestamp", "event.created"}, path, "line %d: %s typed as a date by a dynamic rule", i+1, path)
				}
				want, err := time.Parse(time.RFC3339Nano, doc["@timestamp"].(string))
				require.NoError(t, err)
				require.Equal(t, want, r.Indexed.Dates["@timestamp"][0].UTC(), "line %d: @timestamp", i+1)
				byStream[stream]++
			}
			// FilingBox's heartbeat carries no code and no key FilingBox is
			// recognised by: it is not auditx's, and lands unrecognized.
			require.Equal(t, map[string]int{"logs-filingbox.audit-default": 25, "logs-netop.audit-default": 31,
				"logs-plusauth.audit-default": 25, "logs-privx.audit-default": 45, "logs-auditx.unrecognized-default": 2}, byStream)
			for _, tg := range c.Targets() {
				require.Equal(t, tc.target == targetElasticsearch, tg.FailureStore, "%s: failure store", tg.Name)
				require.Zero(t, tg.Failed)
			}
			for _, v := range []string{"filingbox", "netop", "plusauth", "privx"} {
				m := c.Mapping("logs-" + v + ".audit-default")
				require.Equal(t, flatType(tc.target), m.FieldType(v+".audit"))
				require.Equal(t, "date", m.FieldType("event.created"))
			}
			u := c.Mapping("logs-auditx.unrecognized-default")
			require.Equal(t, "", u.FieldType("client_ip"), "dynamic false: nothing of the record is mapped")
			require.Equal(t, "", u.FieldType("message"))
		})
	}
}

// TestTemplateVersions pins why the Elasticsearch templates need 8.19 or
// 9.1: there the failure store is enabled; on 9.0 (technical preview)
// and 8.18 it is not.
func TestTemplateVersions(t *testing.T) {
	it, err := bulktest.LoadIndexTemplate("../../build/elasticsearch/data-stream-template.json")
	require.NoError(t, err)
	for v, want := range map[string]bool{"8.18": false, "8.19": true, "9.0": false, "9.1": true, "9.2": true} {
		c := bulktest.NewCluster(bulktest.Product{Flavor: bulktest.Elasticsearch, Version: bulktest.MustVersion(v)})
		require.NoError(t, c.PutIndexTemplate(it), v)
		r := c.Write(bulktest.Action{Op: "create", Index: "logs-privx.audit-default", Source: map[string]any{"@timestamp": "2026-11-20T08:14:00Z"}})
		require.Equal(t, 201, r.Status, v)
		require.Equal(t, want, c.Targets()[0].FailureStore, "Elasticsearch %s: failure store", v)
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
		{name: "retention", args: []string{"--retention", "90d"}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.Equal(t, "90d", tmpl["template"].(map[string]any)["lifecycle"].(map[string]any)["data_retention"])
		}},
		{name: "no retention: logs@settings' ILM policy", args: []string{"--retention", ""}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.NotContains(t, tmpl["template"], "lifecycle")
			require.NotContains(t, tmpl["template"], "settings")
		}},
		{name: "patterns", args: []string{"--layout", "index", "--index-pattern", "a-*", "--index-pattern", "b-*"}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.Equal(t, []any{"a-*", "b-*"}, tmpl["index_patterns"])
		}},
		{name: "patterns need the index layout", args: []string{"--index-pattern", "a-*"}, code: exitUsage, stderr: "--index-pattern is for --layout index"},
		{name: "no ILM", args: []string{"--layout", "index", "--ilm-policy", ""}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.NotContains(t, tmpl["template"], "settings")
		}},
		{name: "ILM", args: []string{"--layout", "index"}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			require.Equal(t, "auditx", tmpl["template"].(map[string]any)["settings"].(map[string]any)["index.lifecycle.name"])
			require.Equal(t, "keyword", mappedFields(t, tmpl)["auditx.severity_level"]["type"], "the flat schema")
		}},
		{name: "flat key", args: []string{"--layout", "index", "--flat-key", "vendorx"}, code: exitOK, check: func(t *testing.T, tmpl map[string]any) {
			fields := mappedFields(t, tmpl)
			require.Contains(t, fields, "vendorx.severity_level")
			require.NotContains(t, fields, "auditx.severity_level")
		}},
		{name: "flat key clashes with event", args: []string{"--layout", "index", "--flat-key", "event"}, code: exitFail, stderr: "event.module is mapped twice"},
		{name: "flat key with a dot", args: []string{"--flat-key", "a.b"}, code: exitUsage, stderr: "--flat-key"},
		{name: "layout", args: []string{"--layout", "stream"}, code: exitUsage, stderr: "data-stream, unrecognized, index"},
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

// TestTemplateUserVendor: a vendor of the user's descriptors gets its
// stream and its flattened namespace.
func TestTemplateUserVendor(t *testing.T) {
	out, stderr, code := runCLI(t, "", "template", "--catalog", "../../testdata/vendor5/acme.vendor")
	if code != exitOK && strings.Contains(stderr, "no such file") {
		t.Skip("testdata/vendor5 has no acme.vendor: " + stderr)
	}
	require.Equal(t, exitOK, code, stderr)
	tmpl := decodeTemplate(t, out)
	var patterns []string
	for _, p := range tmpl["index_patterns"].([]any) {
		patterns = append(patterns, p.(string))
	}
	sort.Strings(patterns)
	fields := mappedFields(t, tmpl)
	var added []string
	for _, p := range patterns {
		id := strings.TrimSuffix(strings.TrimPrefix(p, "logs-"), ".audit-*")
		require.Equal(t, "flattened", fields[id+".audit"]["type"], p)
		added = append(added, id)
	}
	require.Len(t, added, 5, "the four vendors and the user's: %v", added)
}

func TestTemplateInUsage(t *testing.T) {
	out, _, code := runCLI(t, "", "help")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "auditx template")
	out, _, code = runCLI(t, "", "help", "template")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "--index-pattern PATTERN")
	require.Contains(t, out, "unrecognized")
	require.True(t, slices.Contains(strings.Fields(out), "--ilm-policy"))
}
