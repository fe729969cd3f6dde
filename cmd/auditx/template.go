package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/enrich"
)

// Defaults of "auditx template". build/elasticsearch/data-stream-template.json
// is the output with all of them; build/elasticsearch/index-template.json the
// output with --layout index; build/opensearch/data-stream-template.json the
// output with --target opensearch.
const (
	// defaultIndexPattern matches the indices of the per-vendor index
	// layout (--layout index): auditx-<event.module>-YYYY.MM.DD.
	defaultIndexPattern = "auditx-*"
	// defaultILMPolicy names the policy of build/elasticsearch/ilm-policy.json.
	defaultILMPolicy = "auditx"
	// defaultRetention is the data stream lifecycle's data_retention.
	defaultRetention = "365d"
	// templatePriority is above the priority 100 of Elasticsearch's built-in
	// logs-*-* template (and metrics-*-*), so that auditx's streams
	// logs-<vendor>.audit-<namespace> take this template, not the built-in.
	templatePriority = 200
	// ecsIgnoreAbove is ECS's ignore_above on every keyword field auditx adds
	// (catalog/ecs/ecs-event-fields.json; the tests check it).
	ecsIgnoreAbove = 1024
)

// esField is one field auditx writes, mapped with the Elasticsearch type of
// an ECS field.
type esField struct {
	// path is the dotted path in the document (under the flat key for the
	// flat schema).
	path string
	// ecs is the ECS field whose type the field takes; "" for a field that
	// has no ECS counterpart (then keyword).
	ecs string
	// dynamic maps the field through a dynamic template (path_match)
	// instead of a property: its object (user, source, related, host) is a
	// name some vendor records use for a value of their own (Netop's source
	// is "portal" or "HOST"), and a mapped object would make Elasticsearch
	// reject those records. Each vendor writes to its own data stream (or
	// index), where the field is typed as ECS says as soon as auditx writes it.
	dynamic bool
}

// ecsTypesNotInFile are the ECS types of fields auditx adds that
// shared/ecs/ecs-event-fields.json does not list, as the ECS reference
// (ecs_flat.yml) types them; data_stream.* are constant_keyword as in
// Elastic's own data streams. A test fails when the file gains one of them:
// then the file's type is used.
var ecsTypesNotInFile = map[string]string{
	"event.provider":        "keyword",
	"observer.hostname":     "keyword",
	"related.user":          "keyword",
	"related.ip":            "ip",
	"data_stream.type":      "constant_keyword",
	"data_stream.dataset":   "constant_keyword",
	"data_stream.namespace": "constant_keyword",
}

// ecsSchemaFields are the fields of the ECS schema (enrich.SchemaECS), in the
// order auditx writes them (enrich/table.go and write.go).
var ecsSchemaFields = []esField{
	{path: "event.kind", ecs: "event.kind"},
	{path: "event.module", ecs: "event.module"},
	{path: "event.dataset", ecs: "event.dataset"},
	{path: "event.code", ecs: "event.code"},
	{path: "event.action", ecs: "event.action"},
	{path: "event.reason", ecs: "event.reason"},
	{path: "event.category", ecs: "event.category"},
	{path: "event.type", ecs: "event.type"},
	{path: "event.outcome", ecs: "event.outcome"},
	{path: "event.severity", ecs: "event.severity"},
	{path: "event.provider", ecs: "event.provider"},
	{path: "observer.vendor", ecs: "observer.vendor"},
	{path: "observer.product", ecs: "observer.product"},
	{path: "observer.hostname", ecs: "observer.hostname"},
	{path: "tags", ecs: "tags"},
	{path: "user.name", ecs: "user.name", dynamic: true},
	{path: "user.id", ecs: "user.id", dynamic: true},
	{path: "source.ip", ecs: "source.ip", dynamic: true},
	{path: "related.user", ecs: "related.user", dynamic: true},
	{path: "related.ip", ecs: "related.ip", dynamic: true},
	{path: "host.name", ecs: "host.name", dynamic: true},
	{path: "data_stream.type", ecs: "data_stream.type"},
	{path: "data_stream.dataset", ecs: "data_stream.dataset"},
	{path: "data_stream.namespace", ecs: "data_stream.namespace"},
}

// flatSchemaFields are the fields of the flat schema (enrich.SchemaFlat)
// under the flat key, each typed like its ECS counterpart.
var flatSchemaFields = []esField{
	{path: "vendor", ecs: "observer.vendor"},
	{path: "product", ecs: "observer.product"},
	{path: "module", ecs: "event.module"},
	{path: "code", ecs: "event.code"},
	{path: "name", ecs: "event.action"},
	{path: "description", ecs: "event.reason"},
	{path: "group"},
	{path: "category", ecs: "event.category"},
	{path: "type", ecs: "event.type"},
	{path: "outcome", ecs: "event.outcome"},
	{path: "severity", ecs: "event.severity"},
	{path: "severity_level"},
	{path: "user_name", ecs: "user.name"},
	{path: "user_id", ecs: "user.id"},
	{path: "source_ip", ecs: "source.ip"},
	{path: "event_provider", ecs: "event.provider"},
	{path: "observer_hostname", ecs: "observer.hostname"},
	{path: "host_name", ecs: "host.name"},
	{path: "related_user", ecs: "related.user"},
	{path: "related_ip", ecs: "related.ip"},
}

// pipelineMappings are fields the shipped Fluent Bit pipelines add around
// auditx's: the es output's Time_Key, and the kubernetes filter's label and
// annotation maps, whose keys (app.kubernetes.io/name) would otherwise
// become one mapped field each and clash as objects and values.
func pipelineMappings(t target) map[string]any {
	flat := "flattened"
	if t == targetOpenSearch {
		flat = "flat_object" // OpenSearch 2.7+ has no flattened
	}
	return map[string]any{
		"@timestamp": map[string]any{"type": "date"},
		"kubernetes": map[string]any{"properties": map[string]any{
			"labels":      map[string]any{"type": flat},
			"annotations": map[string]any{"type": flat},
		}},
	}
}

// target is the search engine a template is for.
type target string

const (
	targetElasticsearch target = "elasticsearch"
	targetOpenSearch    target = "opensearch"
)

// layout is where the documents go.
type layout string

const (
	layoutDataStream layout = "data-stream"
	layoutIndex      layout = "index"
)

// templateOptions are the flags of "auditx template".
type templateOptions struct {
	layout        layout
	target        target
	indexPatterns []string
	ilmPolicy     string // "" leaves index.lifecycle.name out (index layout)
	retention     string // data stream lifecycle (Elasticsearch); "" leaves it out
	flatKey       string
	vendors       []*catalog.Vendor // the vendors whose data streams the template matches
}

// dataStreamPatterns are the data streams the shipped configurations write:
// logs-<event.dataset>-<namespace> for each vendor, and the stream of the
// records auditx does not recognise.
func dataStreamPatterns(vendors []*catalog.Vendor) []string {
	var out []string
	for _, v := range vendors {
		out = append(out, enrich.DataStreamType+"-"+v.Dataset()+"-*")
	}
	return append(out, enrich.DataStreamType+"-"+enrich.UnrecognizedDataset+"-*")
}

// indexTemplate builds the composable index template (PUT
// _index_template/auditx) that maps every field auditx adds, in both
// schemas, with the types of the embedded ECS field list.
//
// It stands alone (composed_of is empty) rather than composing
// Elasticsearch's logs@mappings, logs@settings and ecs@mappings: those map
// message as match_only_text (logs@mappings; ecs@mappings by a dynamic
// template), which would reject every PrivX record (its message is an
// object), and logs@settings sets the ILM policy "logs" and the
// logs@default-pipeline, which the data stream lifecycle replaces. The
// message field is left to each vendor's own stream, as in the index layout.
func indexTemplate(opts templateOptions) (map[string]any, error) {
	ecs, err := catalog.ECSRules()
	if err != nil {
		return nil, fmt.Errorf("embedded ECS rules: %w", err)
	}
	props := pipelineMappings(opts.target)
	var dynamic []any
	add := func(path string, f esField) error {
		m, err := fieldMapping(ecs, f)
		if err != nil {
			return err
		}
		if f.dynamic {
			name := "auditx_" + strings.ReplaceAll(path, ".", "_")
			dynamic = append(dynamic, map[string]any{name: map[string]any{"path_match": path, "mapping": m}})
			return nil
		}
		return putPath(props, path, m)
	}
	for _, f := range ecsSchemaFields {
		if err := add(f.path, f); err != nil {
			return nil, err
		}
	}
	for _, f := range flatSchemaFields {
		if err := add(opts.flatKey+"."+f.path, f); err != nil {
			return nil, err
		}
	}
	mappings := map[string]any{"properties": props}
	if len(dynamic) > 0 {
		mappings["dynamic_templates"] = dynamic
	}
	tmpl := map[string]any{"mappings": mappings}
	out := map[string]any{
		"priority": templatePriority,
		"template": tmpl,
	}
	meta := map[string]any{
		"generated_by": "auditx template",
		"ecs":          ecs.Source,
	}
	switch opts.layout {
	case layoutDataStream:
		out["index_patterns"] = dataStreamPatterns(opts.vendors)
		out["data_stream"] = map[string]any{}
		out["composed_of"] = []any{}
		if opts.retention != "" && opts.target == targetElasticsearch {
			tmpl["lifecycle"] = map[string]any{"data_retention": opts.retention}
		}
		meta["description"] = "auditx's data streams logs-<vendor>.audit-<namespace> (Fluent Bit es or opensearch output, create operations): fields added by auditx (ECS schema: event.*, observer.*, tags, user.*, source.ip, related.*, host.name, data_stream.*; flat schema: " + opts.flatKey + ".*). Stands alone: logs@mappings and ecs@mappings would map message as match_only_text and reject PrivX's message object."
	default:
		out["index_patterns"] = opts.indexPatterns
		if opts.ilmPolicy != "" && opts.target == targetElasticsearch {
			tmpl["settings"] = map[string]any{"index.lifecycle.name": opts.ilmPolicy}
		}
		meta["description"] = "Fields added by auditx, per-vendor daily indices auditx-<module>-YYYY.MM.DD (ECS schema: event.*, observer.*, tags, user.*, source.ip, related.*, host.name, data_stream.*; flat schema: " + opts.flatKey + ".*)"
	}
	out["_meta"] = meta
	return out, nil
}

// ecsType returns the ECS type of an ECS field: the embedded file's, or
// ecsTypesNotInFile's for the few it does not list.
func ecsType(ecs *catalog.ECS, field string) (string, bool) {
	if typ, ok := ecs.FieldTypes[field]; ok {
		return typ, true
	}
	typ, ok := ecsTypesNotInFile[field]
	return typ, ok
}

// fieldMapping returns the mapping of one field: the ECS type, with ECS's
// ignore_above for keyword.
func fieldMapping(ecs *catalog.ECS, f esField) (map[string]any, error) {
	typ := "keyword"
	if f.ecs != "" {
		var ok bool
		if typ, ok = ecsType(ecs, f.ecs); !ok {
			return nil, fmt.Errorf("field %s: %s is not in the embedded ECS field types", f.path, f.ecs)
		}
	}
	if typ == "keyword" {
		return map[string]any{"type": "keyword", "ignore_above": ecsIgnoreAbove}, nil
	}
	return map[string]any{"type": typ}, nil
}

// putPath stores m at the dotted path of an Elasticsearch properties map,
// creating the object levels.
func putPath(props map[string]any, path string, m map[string]any) error {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		obj, ok := props[p].(map[string]any)
		if !ok {
			if _, taken := props[p]; taken {
				return fmt.Errorf("field %s: %s is already mapped as a value", path, p)
			}
			obj = map[string]any{"properties": map[string]any{}}
			props[p] = obj
		}
		inner, ok := obj["properties"].(map[string]any)
		if !ok {
			return fmt.Errorf("field %s: %s is mapped, but not as an object", path, p)
		}
		props = inner
	}
	last := parts[len(parts)-1]
	if _, taken := props[last]; taken {
		return fmt.Errorf("field %s is mapped twice", path)
	}
	props[last] = m
	return nil
}

// template runs "auditx template".
func (c *cli) template(args []string) int {
	fs := c.flagSet("template", "[flags] > template.json",
		`Print the composable index template for auditx's fields, built from the embedded ECS
field types. The default is the data stream template (PUT _index_template/auditx) for
logs-<vendor>.audit-<namespace>, with a data stream lifecycle:
build/elasticsearch/data-stream-template.json. --layout index prints the template of
the per-vendor daily indices (build/elasticsearch/index-template.json); --target
opensearch the OpenSearch variant (build/opensearch/data-stream-template.json). With
--catalog, the data streams of the vendors the user's descriptors add are matched too.`)
	var patterns listFlag
	lay := choiceFlag{value: string(layoutDataStream), accepted: []string{string(layoutDataStream), string(layoutIndex)}}
	tgt := choiceFlag{value: string(targetElasticsearch), accepted: []string{string(targetElasticsearch), string(targetOpenSearch)}}
	fs.Var(&lay, "layout", "`LAYOUT`: data-stream (logs-<vendor>.audit-<namespace>) or index (auditx-<module>-YYYY.MM.DD)")
	fs.Var(&tgt, "target", "`ENGINE`: elasticsearch or opensearch (no lifecycle, flat_object for flattened)")
	fs.Var(&patterns, "index-pattern", "an index `PATTERN` of the index layout's template (repeatable; default "+defaultIndexPattern+")")
	ilm := fs.String("ilm-policy", defaultILMPolicy, "the ILM `POLICY` set as index.lifecycle.name in the index layout (empty: none)")
	retention := fs.String("retention", defaultRetention, "the data stream lifecycle's data_retention `AGE` (empty: none; Elasticsearch only)")
	flatKey := fs.String("flat-key", enrich.DefaultFlatKey, "the `KEY` of the flat schema's map (the plugin's flat_key)")
	var catalogs listFlag
	fs.Var(&catalogs, "catalog", "add the data streams of the vendors described in the user catalog `FILE` (repeatable)")
	pos, code, done := c.parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 0 {
		return c.usageError(fs, "unexpected argument %q", pos[0])
	}
	if *flatKey == "" || strings.Contains(*flatKey, ".") {
		return c.usageError(fs, "invalid value %q for flag --flat-key: one non-empty key without dots", *flatKey)
	}
	cat, err := catalog.Load(catalogs...)
	if err != nil {
		return c.fail("template", "%v", err)
	}
	if len(patterns) != 0 && lay.value != string(layoutIndex) {
		return c.usageError(fs, "--index-pattern is for --layout index; the data streams are %s", strings.Join(dataStreamPatterns(cat.Vendors()), ", "))
	}
	if len(patterns) == 0 {
		patterns = listFlag{defaultIndexPattern}
	}
	t, err := indexTemplate(templateOptions{layout: layout(lay.value), target: target(tgt.value), indexPatterns: patterns,
		ilmPolicy: *ilm, retention: *retention, flatKey: *flatKey, vendors: cat.Vendors()})
	if err != nil {
		return c.fail("template", "%v", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return c.fail("template", "%v", err)
	}
	if _, err := c.stdout.Write(b.Bytes()); err != nil {
		return c.fail("template", "%v", err)
	}
	return exitOK
}
