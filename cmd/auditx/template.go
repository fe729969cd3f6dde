package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/internal/ecsschema"
)

// The committed templates are the output of "auditx template" (the tests
// compare them): build/elasticsearch/data-stream-template.json with no flag,
// build/elasticsearch/unrecognized-template.json with --layout
// unrecognized, build/elasticsearch/index-template.json with --layout
// index, and the same with --target opensearch under build/opensearch/.
const (
	// defaultIndexPattern matches the indices of the per-vendor index
	// layout (--layout index): auditx-<event.module>-YYYY.MM.DD.
	defaultIndexPattern = "auditx-*"
	// defaultILMPolicy names the policy of build/elasticsearch/ilm-policy.json.
	defaultILMPolicy = "auditx"
	// defaultRetention is the data stream lifecycle's data_retention.
	defaultRetention = "365d"
	// templatePriority is above the priority 100 of Elasticsearch's built-in
	// "logs" template (logs-*-*; docs, "Default logs index template"), so
	// that auditx's streams logs-<vendor>.audit-<namespace> and
	// logs-auditx.unrecognized-<namespace> take auditx's templates. The two
	// data stream templates share it: their patterns do not overlap.
	templatePriority = 200
	// ecsIgnoreAbove is ECS's ignore_above on every keyword field auditx
	// writes but event.original (shared/ecs/ecs-fields.json; the tests
	// check each field against the file).
	ecsIgnoreAbove = 1024
	// flattenedIgnoreAbove bounds the leaves of a flattened field that are
	// indexed: Lucene refuses a term over 32766 bytes and rejects the whole
	// document (docs, "ignore_above": "the limit is counted in characters
	// ... set it to 32766 / 4 = 8191" for any UTF-8 text). A longer leaf
	// stays in _source, unindexed, instead of losing the document.
	flattenedIgnoreAbove = 8191
)

// Elasticsearch's built-in component templates, composed by name in the
// order of its own "logs" index template (logs@mappings, logs@settings,
// logs@custom, ecs@mappings), as every Elastic integration composes them;
// auditx@custom is the user's place for changes that survive a new
// auditx template. The @custom ones may be missing
// (ignore_missing_component_templates, Elasticsearch 8.7).
var (
	esComposedOf       = []string{"logs@mappings", "logs@settings", "logs@custom", "auditx@custom", "ecs@mappings"}
	esOptionalComposed = []string{"logs@custom", "auditx@custom"}
)

// Versions each template supports, and why (the _meta of every template
// and the README say the same; TestTemplateVersions pins them).
const (
	esVersions = "Elasticsearch 8.19 and later 8.x, 9.1 and later"
	esWhy      = "data_stream_options.failure_store: generally available in 8.19 and 9.1 (9.0 has only the technical preview); " +
		"ecs@mappings: its dynamic templates skip objects from 8.13 (unmatch_mapping_type); " +
		"flattened: 7.3; ignore_missing_component_templates: 8.7; " +
		"index.lifecycle.prefer_ilm: elastic/elasticsearch PR #95423, with the data stream lifecycle"
	osVersions = "OpenSearch 2.7 and later"
	osWhy      = "flat_object: 2.7; no built-in logs templates and no failure store, so the template maps everything itself; " +
		"text where ECS says match_only_text (OpenSearch 2.12) and keyword where ECS says constant_keyword (OpenSearch 2.14 requires its value in the mapping, and data_stream.dataset and .namespace differ by stream)"
)

// ecsWritten are the ECS fields auditx writes on an enriched record (ECS
// schema), in the order enrich writes them. @timestamp is the es output's
// rendering of the event time auditx puts in the event header.
var ecsWritten = []string{
	"@timestamp",
	"event.kind", "event.module", "event.dataset", "event.code", "event.action", "event.reason",
	"event.category", "event.type", "event.outcome", "event.severity", "event.risk_score_norm",
	"event.created", "event.timezone", "event.original", "event.provider",
	"observer.vendor", "observer.product", "observer.hostname",
	"tags",
	"user.name", "user.id", "source.ip", "related.user", "related.ip", "host.name",
	"log.level",
	"ecs.version",
	"data_stream.type", "data_stream.dataset", "data_stream.namespace",
}

// ecsKept are ECS fields of a vendor's record that stay at the top when
// their value is ECS already (internal/ecsschema.ValueIsECS): PlusAuth's
// string message. Mapped with their ECS type, so that no dynamic rule
// decides it.
var ecsKept = []string{"message"}

// ecsUnrecognized are the fields of a record auditx does not recognise that
// the unrecognized stream indexes: what auditx adds to it (data_stream) and
// @timestamp. Nothing else: the record is not auditx's, and a field mapped
// ahead could meet a value of another shape.
var ecsUnrecognized = []string{"@timestamp", "data_stream.type", "data_stream.dataset", "data_stream.namespace"}

// ecsFlatParams are mapping parameters ECS gives some of these fields
// besides the type and ignore_above that shared/ecs/ecs-fields.json lists:
// from the same source, elastic/ecs generated/ecs/ecs_flat.yml at commit
// b85f7573 (multi_fields; index and doc_values).
var ecsFlatParams = map[string]map[string]any{
	"user.name":      {"fields": map[string]any{"text": map[string]any{"type": "match_only_text"}}},
	"event.original": {"index": false, "doc_values": false},
}

// flatField is one field of the flat schema (enrich.SchemaFlat) under the
// flat key, typed like its ECS counterpart ("" for keyword: no ECS field).
type flatField struct {
	path, ecs string
}

// flatSchemaFields are the fields of the flat schema, mapped by the index
// layout's template (the flat schema writes no data_stream, so it never
// reaches the data streams).
var flatSchemaFields = []flatField{
	{"vendor", "observer.vendor"},
	{"product", "observer.product"},
	{"module", "event.module"},
	{"code", "event.code"},
	{"name", "event.action"},
	{"description", "event.reason"},
	{"group", ""},
	{"category", "event.category"},
	{"type", "event.type"},
	{"outcome", "event.outcome"},
	{"severity", "event.severity"},
	{"severity_level", ""},
	{"user_name", "user.name"},
	{"user_id", "user.id"},
	{"source_ip", "source.ip"},
	{"event_provider", "event.provider"},
	{"observer_hostname", "observer.hostname"},
	{"host_name", "host.name"},
	{"related_user", "related.user"},
	{"related_ip", "related.ip"},
}

// kubernetesKeys are the scalar keys Fluent Bit's kubernetes filter writes
// under "kubernetes" (plugins/filter_kubernetes/kube_meta.c): keyword.
// labels and annotations are maps whose keys hold dots and slashes
// (app.kubernetes.io/name): flattened, so that "app" and
// "app.kubernetes.io/name" cannot clash as a value and an object. Any
// other key (owner_references, a later release's) stays in _source,
// unindexed (dynamic false), so no shape of it can be rejected.
var kubernetesKeys = []string{"pod_name", "namespace_name", "pod_id", "host", "pod_ip", "container_name",
	"docker_id", "container_hash", "container_image"}

// target is the search engine a template is for.
type target string

const (
	targetElasticsearch target = "elasticsearch"
	targetOpenSearch    target = "opensearch"
)

// layout is which of auditx's templates.
type layout string

const (
	// layoutDataStream: the vendors' data streams logs-<vendor>.audit-*.
	layoutDataStream layout = "data-stream"
	// layoutUnrecognized: the data stream logs-auditx.unrecognized-* of
	// the records auditx does not recognise.
	layoutUnrecognized layout = "unrecognized"
	// layoutIndex: the daily indices auditx-<module>-YYYY.MM.DD.
	layoutIndex layout = "index"
)

// templateOptions are the flags of "auditx template".
type templateOptions struct {
	layout        layout
	target        target
	indexPatterns []string
	ilmPolicy     string // "" leaves index.lifecycle.name out (index layout)
	retention     string // data stream lifecycle (Elasticsearch); "" leaves it out
	flatKey       string
	vendors       []*catalog.Vendor // the vendors whose streams and namespaces the template maps
}

// vendorPatterns are the vendors' data streams: logs-<vendor>.audit-*.
func vendorPatterns(vendors []*catalog.Vendor) []string {
	out := make([]string, 0, len(vendors))
	for _, v := range vendors {
		out = append(out, enrich.DataStreamType+"-"+v.Dataset()+"-*")
	}
	return out
}

// unrecognizedPattern is the stream of the records auditx does not
// recognise.
const unrecognizedPattern = enrich.DataStreamType + "-" + enrich.UnrecognizedDataset + "-*"

// indexTemplate builds one composable index template (PUT
// _index_template/<name>) as the options say.
func indexTemplate(opts templateOptions) (map[string]any, error) {
	es := opts.target == targetElasticsearch
	props := map[string]any{}
	mappings := map[string]any{"properties": props}
	tmpl := map[string]any{"mappings": mappings}
	settings := map[string]any{}
	out := map[string]any{"priority": templatePriority, "template": tmpl}
	meta := map[string]any{"generated_by": "auditx template", "ecs": "field types of ECS " + ecsschema.Version + " (internal/ecsschema, generated from shared/ecs/ecs-fields.json)"}
	if es {
		meta["supports"], meta["requires"] = esVersions, esWhy
		out["composed_of"] = esComposedOf
		out["ignore_missing_component_templates"] = esOptionalComposed
	} else {
		meta["supports"], meta["requires"] = osVersions, osWhy
	}

	fields := append(append([]string(nil), ecsWritten...), ecsKept...)
	if opts.layout == layoutUnrecognized {
		fields = ecsUnrecognized
		mappings["dynamic"] = false
	}
	for _, f := range fields {
		m, err := ecsMapping(f, opts.target)
		if err != nil {
			return nil, err
		}
		if err := putPath(props, f, m); err != nil {
			return nil, err
		}
	}
	if opts.layout != layoutUnrecognized {
		for _, v := range opts.vendors {
			if err := putPath(props, v.Dataset(), flattened(opts.target)); err != nil {
				return nil, fmt.Errorf("vendor %s: %w", v.ID, err)
			}
		}
		for k, m := range pipelineProperties(opts.target) {
			if _, taken := props[k]; taken {
				return nil, fmt.Errorf("field %s is mapped twice", k)
			}
			props[k] = m
		}
		if !es {
			// What logs@mappings and ecs@mappings do on Elasticsearch for a
			// field no template names (an ECS field an upstream stage set):
			// no date detection, strings as keyword.
			mappings["date_detection"] = false
			mappings["dynamic_templates"] = []any{map[string]any{"strings_as_keyword": map[string]any{
				"match_mapping_type": "string",
				"mapping":            map[string]any{"type": "keyword", "ignore_above": ecsIgnoreAbove},
			}}}
		}
	}

	switch opts.layout {
	case layoutDataStream, layoutUnrecognized:
		out["data_stream"] = map[string]any{}
		if opts.layout == layoutDataStream {
			out["index_patterns"] = vendorPatterns(opts.vendors)
			meta["description"] = "auditx's vendor data streams logs-<vendor>.audit-<namespace> (Fluent Bit es or opensearch output, create operations): ECS at the top, mapped with ECS's types; each vendor's own record under <vendor>.audit as " +
				string(flatType(opts.target)) + ", so that no shape of it can conflict and no dynamic rule types a vendor field; the kubernetes filter's kubernetes.*, stream, _p and time."
		} else {
			out["index_patterns"] = []string{unrecognizedPattern}
			meta["description"] = "The data stream logs-auditx.unrecognized-<namespace> of the records auditx does not recognise: dynamic false, only @timestamp and data_stream.* indexed, so that no shape of a record can be rejected; every record is kept whole in _source."
		}
		if es {
			// The failure store keeps a document the mapping still rejects
			// (docs, "Failure store"), instead of Fluent Bit losing it.
			tmpl["data_stream_options"] = map[string]any{"failure_store": map[string]any{"enabled": true}}
			if opts.retention != "" {
				tmpl["lifecycle"] = map[string]any{"data_retention": opts.retention}
				// logs@settings names the ILM policy "logs", which ILM
				// prefers over the data stream lifecycle by default.
				settings["index.lifecycle.prefer_ilm"] = false
			}
		}
	default:
		out["index_patterns"] = opts.indexPatterns
		for _, f := range flatSchemaFields {
			m, err := flatMapping(f, opts.target)
			if err != nil {
				return nil, err
			}
			if err := putPath(props, opts.flatKey+"."+f.path, m); err != nil {
				return nil, err
			}
		}
		if opts.ilmPolicy != "" && es {
			settings["index.lifecycle.name"] = opts.ilmPolicy
		}
		meta["description"] = "auditx's per-vendor daily indices auditx-<module>-YYYY.MM.DD: the fields of the data stream template, and the flat schema's under " + opts.flatKey + "."
	}
	if len(settings) > 0 {
		tmpl["settings"] = settings
	}
	out["_meta"] = meta
	return out, nil
}

// ecsMapping is the mapping of an ECS field: its ECS type (ecsschema),
// ECS's ignore_above for keyword, and the parameters of ecsFlatParams; on
// OpenSearch, the types it lacks replaced (osType).
func ecsMapping(field string, t target) (map[string]any, error) {
	typ, ok := ecsschema.Lookup(field)
	if !ok {
		return nil, fmt.Errorf("field %s is not an ECS field of ECS %s", field, ecsschema.Version)
	}
	m := map[string]any{"type": typ}
	extra := ecsFlatParams[field]
	if typ == "keyword" && extra["index"] != false {
		m["ignore_above"] = ecsIgnoreAbove
	}
	for k, v := range extra {
		m[k] = v
	}
	if t == targetOpenSearch {
		m = osMapping(m)
	}
	return m, nil
}

// flatMapping is the mapping of a flat schema field: its ECS counterpart's
// type, keyword for the two that have none.
func flatMapping(f flatField, t target) (map[string]any, error) {
	if f.ecs == "" {
		return map[string]any{"type": "keyword", "ignore_above": ecsIgnoreAbove}, nil
	}
	m, err := ecsMapping(f.ecs, t)
	if err != nil {
		return nil, fmt.Errorf("flat field %s: %w", f.path, err)
	}
	delete(m, "fields")
	return m, nil
}

// osType is the OpenSearch type for an ECS type OpenSearch 2.7 lacks or
// takes differently.
var osType = map[string]string{
	// match_only_text: OpenSearch 2.12.
	"match_only_text": "text",
	// OpenSearch's constant_keyword (2.14) requires its value in the
	// mapping ("Field [x] is missing required parameter [value]");
	// data_stream.dataset and .namespace differ from stream to stream.
	"constant_keyword": "keyword",
}

// osMapping rewrites a mapping (and its multi-fields) for OpenSearch.
func osMapping(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	if typ, ok := osType[out["type"].(string)]; ok {
		out["type"] = typ
		if typ == "keyword" {
			out["ignore_above"] = ecsIgnoreAbove
		}
	}
	if subs, ok := out["fields"].(map[string]any); ok {
		ns := make(map[string]any, len(subs))
		for name, s := range subs {
			ns[name] = osMapping(s.(map[string]any))
		}
		out["fields"] = ns
	}
	return out
}

// flatType is the type that takes any shape of object: Elasticsearch's
// flattened (7.3), OpenSearch's flat_object (2.7).
func flatType(t target) string {
	if t == targetOpenSearch {
		return "flat_object"
	}
	return "flattened"
}

// flattened maps an object of any shape: every leaf a keyword under its
// dotted key, nothing typed by a dynamic rule, no object/value conflict.
// OpenSearch 2.7's flat_object takes no parameters.
func flattened(t target) map[string]any {
	if t == targetOpenSearch {
		return map[string]any{"type": flatType(t)}
	}
	return map[string]any{"type": flatType(t), "ignore_above": flattenedIgnoreAbove}
}

// pipelineProperties map the keys the DaemonSet's pipeline puts beside the
// vendor's record: the kubernetes filter's metadata (kubernetesKeys), and
// the CRI parser's stream, _p (full or partial line) and time (the
// runtime's time of the line, as written).
func pipelineProperties(t target) map[string]any {
	kw := func() map[string]any { return map[string]any{"type": "keyword", "ignore_above": ecsIgnoreAbove} }
	k8s := map[string]any{}
	for _, k := range kubernetesKeys {
		k8s[k] = kw()
	}
	k8s["labels"] = flattened(t)
	k8s["annotations"] = flattened(t)
	return map[string]any{
		"kubernetes": map[string]any{"dynamic": false, "properties": k8s},
		"stream":     kw(),
		"_p":         kw(),
		"time":       kw(),
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
	fs := c.flagSet("template", "[flags] > template.json",
		`Print one of auditx's composable index templates, built from the embedded ECS field
types and the catalog's vendors. The default is the template of the vendors' data streams
logs-<vendor>.audit-<namespace> (PUT _index_template/auditx):
build/elasticsearch/data-stream-template.json. It composes Elasticsearch's logs@mappings,
logs@settings and ecs@mappings, maps each vendor's record <vendor>.audit as flattened,
enables the failure store and sets a data stream lifecycle (Elasticsearch 8.19+ or 9.1+).
--layout unrecognized prints the template of logs-auditx.unrecognized-<namespace> (PUT
_index_template/auditx-unrecognized): dynamic false, only @timestamp and data_stream.*.
--layout index prints the template of the per-vendor daily indices
(build/elasticsearch/index-template.json); --target opensearch the OpenSearch variant of
each (flat_object, no built-ins, no failure store; OpenSearch 2.7+), under build/opensearch/.
With --catalog, the vendors the user's descriptors add are mapped too.`)
	var patterns listFlag
	lay := choiceFlag{value: string(layoutDataStream), accepted: []string{string(layoutDataStream), string(layoutUnrecognized), string(layoutIndex)}}
	tgt := choiceFlag{value: string(targetElasticsearch), accepted: []string{string(targetElasticsearch), string(targetOpenSearch)}}
	fs.Var(&lay, "layout", "`LAYOUT`: data-stream (logs-<vendor>.audit-<namespace>), unrecognized (logs-auditx.unrecognized-<namespace>) or index (auditx-<module>-YYYY.MM.DD)")
	fs.Var(&tgt, "target", "`ENGINE`: elasticsearch or opensearch (flat_object for flattened; no built-ins, failure store or lifecycle)")
	fs.Var(&patterns, "index-pattern", "an index `PATTERN` of the index layout's template (repeatable; default "+defaultIndexPattern+")")
	ilm := fs.String("ilm-policy", defaultILMPolicy, "the ILM `POLICY` set as index.lifecycle.name in the index layout (empty: none)")
	retention := fs.String("retention", defaultRetention, "the data stream lifecycle's data_retention `AGE` (empty: none, ILM's logs policy; Elasticsearch only)")
	flatKey := fs.String("flat-key", enrich.DefaultFlatKey, "the `KEY` of the flat schema's map (the plugin's flat_key; index layout)")
	var catalogs listFlag
	fs.Var(&catalogs, "catalog", "add the vendors described in the user catalog `FILE` (repeatable)")
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
		return c.usageError(fs, "--index-pattern is for --layout index; the data streams are %s", strings.Join(append(vendorPatterns(cat.Vendors()), unrecognizedPattern), ", "))
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
