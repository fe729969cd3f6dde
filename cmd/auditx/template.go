package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/enrich"
)

// Defaults of "auditx template"; build/elasticsearch/index-template.json is
// the output with all of them.
const (
	// defaultIndexPattern matches the indices the shipped Fluent Bit
	// configurations write: auditx-<event.module>-YYYY.MM.DD.
	defaultIndexPattern = "auditx-*"
	// defaultILMPolicy names the policy of build/elasticsearch/ilm-policy.json.
	defaultILMPolicy = "auditx"
	// templatePriority is above the priority 100 of Elasticsearch's built-in
	// templates (logs-*-*, metrics-*-*), so that a user pattern overlapping
	// them still picks this one.
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
	// text maps a keyword field as text with a keyword multi-field: for
	// free-text descriptions that are searched by words and aggregated.
	text bool
}

// ecsSchemaFields are the fields of the ECS schema (enrich.SchemaECS), in the
// order auditx writes them (enrich/table.go and write.go).
var ecsSchemaFields = []esField{
	{path: "event.kind", ecs: "event.kind"},
	{path: "event.module", ecs: "event.module"},
	{path: "event.dataset", ecs: "event.dataset"},
	{path: "event.code", ecs: "event.code"},
	{path: "event.action", ecs: "event.action"},
	// ECS types event.reason as keyword; the catalog's descriptions are
	// sentences, searched by their words: text, with the ECS keyword kept as
	// event.reason.keyword.
	{path: "event.reason", ecs: "event.reason", text: true},
	{path: "event.category", ecs: "event.category"},
	{path: "event.type", ecs: "event.type"},
	{path: "event.outcome", ecs: "event.outcome"},
	{path: "event.severity", ecs: "event.severity"},
	{path: "observer.vendor", ecs: "observer.vendor"},
	{path: "observer.product", ecs: "observer.product"},
	{path: "tags", ecs: "tags"},
}

// flatSchemaFields are the fields of the flat schema (enrich.SchemaFlat)
// under the flat key, each typed like its ECS counterpart.
var flatSchemaFields = []esField{
	{path: "vendor", ecs: "observer.vendor"},
	{path: "product", ecs: "observer.product"},
	{path: "module", ecs: "event.module"},
	{path: "code", ecs: "event.code"},
	{path: "name", ecs: "event.action"},
	{path: "description", ecs: "event.reason", text: true},
	{path: "group"},
	{path: "category", ecs: "event.category"},
	{path: "type", ecs: "event.type"},
	{path: "outcome", ecs: "event.outcome"},
	{path: "severity", ecs: "event.severity"},
	{path: "severity_level"},
}

// pipelineMappings are fields the shipped Fluent Bit pipelines add around
// auditx's: the es output's Time_Key, and the kubernetes filter's label and
// annotation maps, whose keys (app.kubernetes.io/name) would otherwise
// become one mapped field each and clash as objects and values.
var pipelineMappings = map[string]any{
	"@timestamp": map[string]any{"type": "date"},
	"kubernetes": map[string]any{"properties": map[string]any{
		"labels":      map[string]any{"type": "flattened"},
		"annotations": map[string]any{"type": "flattened"},
	}},
}

// templateOptions are the flags of "auditx template".
type templateOptions struct {
	indexPatterns []string
	ilmPolicy     string // "" leaves index.lifecycle.name out
	flatKey       string
}

// indexTemplate builds the composable index template (PUT
// _index_template/auditx) that maps every field auditx adds, in both
// schemas, with the types of the embedded ECS field list.
func indexTemplate(opts templateOptions) (map[string]any, error) {
	ecs, err := catalog.ECSRules()
	if err != nil {
		return nil, fmt.Errorf("embedded ECS rules: %w", err)
	}
	props := map[string]any{}
	for k, v := range pipelineMappings {
		props[k] = v
	}
	for _, f := range ecsSchemaFields {
		m, err := fieldMapping(ecs, f)
		if err != nil {
			return nil, err
		}
		if err := putPath(props, f.path, m); err != nil {
			return nil, err
		}
	}
	for _, f := range flatSchemaFields {
		m, err := fieldMapping(ecs, f)
		if err != nil {
			return nil, err
		}
		if err := putPath(props, opts.flatKey+"."+f.path, m); err != nil {
			return nil, err
		}
	}
	tmpl := map[string]any{"mappings": map[string]any{"properties": props}}
	if opts.ilmPolicy != "" {
		tmpl["settings"] = map[string]any{"index.lifecycle.name": opts.ilmPolicy}
	}
	return map[string]any{
		"index_patterns": opts.indexPatterns,
		"priority":       templatePriority,
		"template":       tmpl,
		"_meta": map[string]any{
			"description":  "Fields added by auditx (ECS schema: event.*, observer.*, tags; flat schema: " + opts.flatKey + ".*)",
			"generated_by": "auditx template",
			"ecs":          ecs.Source,
		},
	}, nil
}

// fieldMapping returns the mapping of one field: the ECS type (keyword with
// ECS's ignore_above), or text with a keyword multi-field.
func fieldMapping(ecs *catalog.ECS, f esField) (map[string]any, error) {
	typ := "keyword"
	if f.ecs != "" {
		var ok bool
		if typ, ok = ecs.FieldTypes[f.ecs]; !ok {
			return nil, fmt.Errorf("field %s: %s is not in the embedded ECS field types", f.path, f.ecs)
		}
	}
	keyword := map[string]any{"type": "keyword", "ignore_above": ecsIgnoreAbove}
	switch {
	case f.text && typ == "keyword":
		return map[string]any{"type": "text", "fields": map[string]any{"keyword": keyword}}, nil
	case f.text:
		return nil, fmt.Errorf("field %s: text asked for, but ECS types %s as %s", f.path, f.ecs, typ)
	case typ == "keyword":
		return keyword, nil
	default:
		return map[string]any{"type": typ}, nil
	}
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
	fs := c.flagSet("template", "[flags] > index-template.json",
		`Print the Elasticsearch composable index template for auditx's fields, built from the
embedded ECS field types: install it with PUT _index_template/auditx before shipping.
build/elasticsearch/index-template.json is this output with the default flags.`)
	var patterns listFlag
	fs.Var(&patterns, "index-pattern", "an index `PATTERN` of the template (repeatable; default "+defaultIndexPattern+")")
	ilm := fs.String("ilm-policy", defaultILMPolicy, "the ILM `POLICY` set as index.lifecycle.name (empty: none)")
	flatKey := fs.String("flat-key", enrich.DefaultFlatKey, "the `KEY` of the flat schema's map (the plugin's flat_key)")
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
	if len(patterns) == 0 {
		patterns = listFlag{defaultIndexPattern}
	}
	t, err := indexTemplate(templateOptions{indexPatterns: patterns, ilmPolicy: *ilm, flatKey: *flatKey})
	if err != nil {
		return c.fail("template", "%v", err)
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return c.fail("template", "%v", err)
	}
	if _, err := c.stdout.Write(append(b, '\n')); err != nil {
		return c.fail("template", "%v", err)
	}
	return exitOK
}
