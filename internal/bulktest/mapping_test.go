package bulktest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mappingCase is one rule of the mapping model: documents indexed in
// order into one mapping, each accepted or rejected, and the field types
// the mapping holds after them.
type mappingCase struct {
	name     string
	mappings string
	settings Settings
	product  Product
	steps    []step
	types    map[string]string // path → type after the steps ("" unmapped)
}

func runMappingCases(t *testing.T, cases []mappingCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.product
			if p == (Product{}) {
				p = es819
			}
			s := tc.settings
			if s == (Settings{}) {
				s = DefaultSettings()
			}
			m := newMapping(t, tc.mappings, s, p)
			runSteps(t, m, tc.steps)
			for path, typ := range tc.types {
				require.Equal(t, typ, m.FieldType(path), "type of %s", path)
			}
		})
	}
}

// TestObjectsAndValues pins Elasticsearch's document parser on objects and
// concrete values (docs, "Object field type", "Arrays", "Dynamic field
// mapping"; DocumentParser's messages).
func TestObjectsAndValues(t *testing.T) {
	runMappingCases(t, []mappingCase{
		{name: "object mapped, then a concrete value: rejected (DocumentParser, object mapping ... found a concrete value)",
			steps: []step{{doc: `{"user": {"name": "m.rossi"}}`}, {doc: `{"user": "m.rossi"}`,
				want: "document_parsing_exception: object mapping for [user] tried to parse field [user] as object, but found a concrete value"}},
			types: map[string]string{"user": "object", "user.name": "text"}},
		{name: "concrete value mapped, then an object: rejected (failed to parse field of type text)",
			steps: []step{{doc: `{"user": "m.rossi"}`}, {doc: `{"user": {"name": "m.rossi"}}`,
				want: "failed to parse field [user] of type [text] in document with id 'doc-2'. Preview of field's value: '{name=m.rossi}'"}},
			types: map[string]string{"user": "text", "user.keyword": "keyword", "user.name": ""}},
		{name: "ignore_malformed does not cover an object sent to a concrete field (docs ignore_malformed, Limits for JSON objects)",
			settings: Settings{IgnoreMalformed: true},
			mappings: `{"properties": {"count": {"type": "long"}}}`,
			steps:    []step{{doc: `{"count": {"value": 1}}`, want: "failed to parse field [count] of type [long]"}}},
		{name: "ignore_malformed does not cover a concrete value sent to an object",
			settings: Settings{IgnoreMalformed: true},
			steps:    []step{{doc: `{"source": {"ip": "10.0.0.1"}}`}, {doc: `{"source": "HOST"}`, want: "object mapping for [source]"}}},
		{name: "a dotted key is a path of objects (docs, Object field type)",
			steps: []step{{doc: `{"a.b": 1}`}, {doc: `{"a": {"b": 2, "c": "x"}}`}},
			types: map[string]string{"a": "object", "a.b": "long", "a.c": "text"}},
		{name: "a dotted key under a concrete field: rejected",
			steps: []step{{doc: `{"a": "x"}`}, {doc: `{"a.b": 1}`, want: "failed to parse field [a] of type [text]"}}},
		{name: "arrays: the first value maps the field, a later element of another type is malformed (docs, Arrays)",
			steps: []step{{doc: `{"tags": ["a", "b"]}`}, {doc: `{"n": [1, "x"]}`, want: "failed to parse field [n] of type [long]"}},
			types: map[string]string{"tags": "text", "n": ""}},
		{name: "an array of objects maps the object (docs, Arrays)",
			steps: []step{{doc: `{"hosts": [{"name": "a"}, {"name": "b", "ip": "10.0.0.1"}]}`}},
			types: map[string]string{"hosts": "object", "hosts.name": "text", "hosts.ip": "text"}},
		{name: "null and [] add no field (docs, Dynamic field mapping: null → no field added)",
			steps: []step{{doc: `{"x": null, "y": []}`}, {doc: `{"x": {"a": 1}, "y": "s"}`}},
			types: map[string]string{"x": "object", "y": "text"}},
		{name: "an empty field name: rejected",
			steps: []step{{doc: `{"": 1}`, want: "field name cannot be an empty string"}}},
		{name: "a field name of dots only: rejected",
			steps: []step{{doc: `{"..": 1}`, want: "field name cannot contain only dots"}}},
		{name: "a field name of whitespace only: rejected",
			steps: []step{{doc: `{"  ": 1}`, want: "field name cannot contain only whitespace"}}},
		{name: "a field name ending with a dot: rejected",
			steps: []step{{doc: `{"a.": 1}`, want: "makes object resolution ambiguous: [a.]"}}},
		{name: "enabled: false keeps an object unparsed, any shape (docs, enabled)",
			mappings: `{"properties": {"raw": {"type": "object", "enabled": false}}}`,
			steps:    []step{{doc: `{"raw": {"a": 1}}`}, {doc: `{"raw": {"a": {"b": "x"}}}`}, {doc: `{"raw": "s"}`}},
			types:    map[string]string{"raw": "object", "raw.a": ""}},
		{name: "a failed document adds nothing to the mapping",
			steps: []step{{doc: `{"a": 1, "b": {"c": 1}}`}, {doc: `{"z": "new", "a": "not a number"}`, want: "failed to parse field [a] of type [long]"}},
			types: map[string]string{"z": ""}},
		{name: "error type: mapper_parsing_exception before Elasticsearch 8.8",
			product: esAt("8.7"),
			steps:   []step{{doc: `{"user": {"name": "a"}}`}, {doc: `{"user": "a"}`, want: "mapper_parsing_exception: object mapping for [user]"}}},
		{name: "error type: mapper_parsing_exception on OpenSearch",
			product: os219,
			steps:   []step{{doc: `{"user": {"name": "a"}}`}, {doc: `{"user": "a"}`, want: "mapper_parsing_exception: object mapping for [user]"}}},
	})
}

// TestDynamicModes pins the dynamic parameter at every level (docs,
// "dynamic": true, false, strict, runtime; "Inner objects inherit the
// dynamic setting from their parent object").
func TestDynamicModes(t *testing.T) {
	runMappingCases(t, []mappingCase{
		{name: "dynamic false at the root: new fields kept in _source, never mapped, never rejected",
			mappings: `{"dynamic": false, "properties": {"event": {"properties": {"code": {"type": "keyword"}}}}}`,
			steps:    []step{{doc: `{"a": 1, "event": {"code": "x", "other": {"deep": 1}}}`}, {doc: `{"a": {"b": "c"}, "event": {"other": "s"}}`}},
			types:    map[string]string{"a": "", "event.other": "", "event.code": "keyword"}},
		{name: "dynamic false on one object: its new fields are unmapped in every shape, the rest dynamic",
			mappings: `{"properties": {"vendor": {"type": "object", "dynamic": false}}}`,
			steps:    []step{{doc: `{"vendor": {"x": {"y": 1}}, "top": 1}`}, {doc: `{"vendor": {"x": "s"}}`}, {doc: `{"vendor": {"x": [true, {"z": null}]}}`}},
			types:    map[string]string{"vendor": "object", "vendor.x": "", "top": "long"}},
		{name: "dynamic strict at the root: a new field is rejected (strict_dynamic_mapping_exception)",
			mappings: `{"dynamic": "strict", "properties": {"a": {"type": "keyword"}}}`,
			steps: []step{{doc: `{"a": "x"}`},
				{doc: `{"b": 1}`, want: "strict_dynamic_mapping_exception: mapping set to strict, dynamic introduction of [b] within [_doc] is not allowed"}}},
		{name: "dynamic strict on an inner object names it",
			mappings: `{"properties": {"o": {"type": "object", "dynamic": "strict", "properties": {"a": {"type": "long"}}}}}`,
			steps:    []step{{doc: `{"o": {"a": 1}, "free": 1}`}, {doc: `{"o": {"b": {"c": 1}}}`, want: "dynamic introduction of [b] within [o] is not allowed"}}},
		{name: "dynamic strict is inherited by inner objects",
			mappings: `{"dynamic": "strict", "properties": {"o": {"properties": {"a": {"type": "long"}}}}}`,
			steps:    []step{{doc: `{"o": {"x": 1}}`, want: "dynamic introduction of [x] within [o] is not allowed"}}},
		{name: "dynamic true inside a dynamic false parent maps its own fields",
			mappings: `{"dynamic": false, "properties": {"o": {"type": "object", "dynamic": true}}}`,
			steps:    []step{{doc: `{"o": {"x": 1}, "y": 1}`}},
			types:    map[string]string{"o.x": "long", "y": ""}},
		{name: "dynamic runtime: new leaves are runtime fields and never reject; objects stay unmapped (docs, dynamic: runtime)",
			mappings: `{"dynamic": "runtime"}`,
			steps:    []step{{doc: `{"a": "x", "n": 1.5, "o": {"n": 1}}`}, {doc: `{"a": 5, "n": "not a number", "o": {"n": "s"}}`}},
			types:    map[string]string{"a": "runtime:keyword", "n": "runtime:double", "o.n": "runtime:long", "o": ""}},
		{name: "dynamic runtime: a mapping dynamic template still maps a concrete field",
			mappings: `{"dynamic": "runtime", "dynamic_templates": [{"ips": {"match": "*_ip", "mapping": {"type": "ip"}}}]}`,
			steps:    []step{{doc: `{"client_ip": "10.0.0.1", "b": "x"}`}, {doc: `{"client_ip": "nope"}`, want: "failed to parse field [client_ip] of type [ip]"}},
			types:    map[string]string{"client_ip": "ip", "b": "runtime:keyword"}},
	})
}

// TestDynamicFieldMapping pins dynamic: true's defaults (docs, "Dynamic
// field mapping", "Date detection", "Numeric detection").
func TestDynamicFieldMapping(t *testing.T) {
	runMappingCases(t, []mappingCase{
		{name: "string → text with a keyword sub-field (ignore_above 256); long → long; double → float; boolean → boolean",
			steps: []step{{doc: `{"s": "x", "l": 42, "d": 4.2, "b": true, "e": 1e3}`}},
			types: map[string]string{"s": "text", "s.keyword": "keyword", "l": "long", "d": "float", "b": "boolean", "e": "float"}},
		{name: "the keyword sub-field ignores strings over 256 characters",
			steps: []step{{doc: `{"s": "` + strings.Repeat("x", 300) + `"}`, ignored: []string{"s.keyword"}}}},
		{name: "date detection: strict_date_optional_time → date",
			steps: []step{{doc: `{"a": "2026-11-20T08:14:00Z", "b": "2026-11-20", "c": "2026-11-20T08:14:00.773205Z", "d": "2026-11-20T08:14:00+01:00"}`}},
			types: map[string]string{"a": "date", "b": "date", "c": "date", "d": "date"}},
		{name: "date detection: yyyy/MM/dd HH:mm:ss and yyyy/MM/dd → date",
			steps: []step{{doc: `{"a": "2026/11/20 08:14:00", "b": "2026/11/20"}`}},
			types: map[string]string{"a": "date", "b": "date"}},
		{name: "date detection: a space instead of T is no date (FilingBox's Date stays text)",
			steps: []step{{doc: `{"Date": "2026-11-20 08:14:00"}`}},
			types: map[string]string{"Date": "text"}},
		{name: "date detection refuses pure numbers (DynamicFieldsBuilder: too likely false positives)",
			steps: []step{{doc: `{"y": "2026", "e": "1763626443"}`}},
			types: map[string]string{"y": "text", "e": "text"}},
		{name: "a detected date field rejects a later non-date string",
			steps: []step{{doc: `{"when": "2026-11-20T08:14:00Z"}`}, {doc: `{"when": "yesterday"}`, want: "failed to parse field [when] of type [date]"}}},
		{name: "a detected date field keeps the detected format: epoch millis are not taken by yyyy/MM/dd",
			steps: []step{{doc: `{"when": "2026/11/20"}`}, {doc: `{"when": 1763626443000}`, want: "failed to parse field [when] of type [date]"}}},
		{name: "a strict_date_optional_time field also takes epoch_millis (its format is the default one)",
			steps: []step{{doc: `{"when": "2026-11-20T08:14:00Z"}`}, {doc: `{"when": 1763626443000}`}}},
		{name: "date_detection false: dates stay text (logs@mappings sets it)",
			mappings: `{"date_detection": false}`,
			steps:    []step{{doc: `{"when": "2026-11-20T08:14:00Z"}`}},
			types:    map[string]string{"when": "text"}},
		{name: "numeric_detection: numeric strings → long / float",
			mappings: `{"numeric_detection": true}`,
			steps:    []step{{doc: `{"a": "42", "b": "4.2"}`}},
			types:    map[string]string{"a": "long", "b": "float"}},
		{name: "dynamic_date_formats replaces the detected formats",
			mappings: `{"dynamic_date_formats": ["MM/dd/yyyy"]}`,
			steps:    []step{{doc: `{"a": "11/20/2026", "b": "2026-11-20"}`}},
			types:    map[string]string{"a": "date", "b": "text"}},
	})
}

// TestDynamicTemplates pins the conditions of dynamic templates (docs,
// "Dynamic templates"; DynamicTemplate.match; the REST tests
// indices.put_mapping/all_path_options and the docs' examples).
func TestDynamicTemplates(t *testing.T) {
	runMappingCases(t, []mappingCase{
		{name: "match_mapping_type string → keyword (docs example: strings as keywords)",
			mappings: `{"dynamic_templates": [{"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}}]}`,
			steps:    []step{{doc: `{"a": "x", "n": 1, "o": {"s": "y"}}`}},
			types:    map[string]string{"a": "keyword", "n": "long", "o.s": "keyword"}},
		{name: "match and unmatch on the field name (docs example: long_* but not *_text)",
			mappings: `{"dynamic_templates": [{"longs_as_strings": {"match_mapping_type": "string", "match": "long_*", "unmatch": "*_text", "mapping": {"type": "long"}}}]}`,
			steps:    []step{{doc: `{"long_num": "5", "long_text": "foo"}`}},
			types:    map[string]string{"long_num": "long", "long_text": "text"}},
		{name: "match and path_match take lists (8.9)",
			mappings: `{"dynamic_templates": [{"ips": {"match": ["*_ip", "ip"], "mapping": {"type": "ip"}}}]}`,
			steps:    []step{{doc: `{"client_ip": "10.0.0.1", "ip": "::1", "hip": "x"}`}},
			types:    map[string]string{"client_ip": "ip", "ip": "ip", "hip": "text"}},
		{name: "path_match and path_unmatch on the dotted path (docs example: name.* but not *.middle)",
			mappings: `{"dynamic_templates": [{"full_name": {"path_match": "name.*", "path_unmatch": "*.middle", "mapping": {"type": "keyword"}}}]}`,
			steps:    []step{{doc: `{"name": {"first": "John", "middle": "Winston", "last": "Lennon"}}`}},
			types:    map[string]string{"name.first": "keyword", "name.last": "keyword", "name.middle": "text"}},
		{name: "path_match also considers object fields: a leaf type given to an object is rejected (docs, path_match note)",
			mappings: `{"dynamic_templates": [{"full_name": {"path_match": "name.*", "path_unmatch": "*.middle", "mapping": {"type": "text"}}}]}`,
			steps:    []step{{doc: `{"name": {"first": "John", "title": {"value": "Dr", "category": "academic"}}}`, want: "failed to parse field [name.title] of type [text]"}}},
		{name: "unmatch_mapping_type object (8.13) lets the object be an object",
			mappings: `{"dynamic_templates": [{"full_name": {"path_match": "name.*", "unmatch_mapping_type": "object", "mapping": {"type": "keyword"}}}]}`,
			steps:    []step{{doc: `{"name": {"first": "John", "title": {"value": "Dr"}}}`}},
			types:    map[string]string{"name.title": "object", "name.title.value": "keyword", "name.first": "keyword"}},
		{name: "match_mapping_type takes a list (8.13)",
			mappings: `{"dynamic_templates": [{"nums": {"match_mapping_type": ["long", "double"], "mapping": {"type": "keyword"}}}]}`,
			steps:    []step{{doc: `{"a": 1, "b": 1.5, "c": true}`}},
			types:    map[string]string{"a": "keyword", "b": "keyword", "c": "boolean"}},
		{name: "match_pattern regex matches the whole name (docs example: ^profit_\\d+$)",
			mappings: `{"dynamic_templates": [{"profit": {"match_pattern": "regex", "match": "^profit_\\d+$", "mapping": {"type": "keyword"}}}]}`,
			steps:    []step{{doc: `{"profit_10": 1, "profit_x": 2, "my_profit_10": 3}`}},
			types:    map[string]string{"profit_10": "keyword", "profit_x": "long", "my_profit_10": "long"}},
		{name: "match_mapping_type object with a flattened mapping: the object is flattened, any later shape accepted",
			mappings: `{"dynamic_templates": [{"vendor": {"path_match": "*.audit", "match_mapping_type": "object", "mapping": {"type": "flattened"}}}]}`,
			steps: []step{{doc: `{"netop": {"audit": {"source": "HOST", "action_timestamp": 1763626443}}}`},
				{doc: `{"netop": {"audit": {"source": {"ip": "10.0.0.1"}, "action_timestamp": "never"}}}`},
				{doc: `{"netop": {"audit": "a string"}}`, want: "failed to parse field [netop.audit] of type [flattened]"}},
			types: map[string]string{"netop": "object", "netop.audit": "flattened", "netop.audit.source": ""}},
		{name: "{dynamic_type} and {name} are replaced (docs, Template variables)",
			mappings: `{"dynamic_templates": [{"named": {"match_mapping_type": "*", "mapping": {"type": "{dynamic_type}", "meta": {"of": "{name}"}}}}]}`,
			steps:    []step{{doc: `{"n": 5, "s": "x", "d": 1.5}`}},
			types:    map[string]string{"n": "long", "s": "text", "d": "float"}},
		{name: "a mapping without type takes the detected type",
			mappings: `{"dynamic_templates": [{"untyped": {"match": "*", "mapping": {"index": false}}}]}`,
			steps:    []step{{doc: `{"n": 5, "o": {"s": "x"}}`}},
			types:    map[string]string{"n": "long", "o": "object", "o.s": "text"}},
		{name: "a runtime template makes runtime fields (docs, dynamic templates: runtime)",
			mappings: `{"dynamic_templates": [{"rt": {"match_mapping_type": "string", "runtime": {}}}]}`,
			steps:    []step{{doc: `{"s": "x"}`}, {doc: `{"s": 5}`}},
			types:    map[string]string{"s": "runtime:keyword"}},
		{name: "the first template that matches wins",
			mappings: `{"dynamic_templates": [{"first": {"match": "a*", "mapping": {"type": "keyword"}}}, {"second": {"match": "ab*", "mapping": {"type": "long"}}}]}`,
			steps:    []step{{doc: `{"abc": "x"}`}},
			types:    map[string]string{"abc": "keyword"}},
		{name: "a date-detected string matches match_mapping_type date, not string",
			mappings: `{"dynamic_templates": [{"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}}, {"dates": {"match_mapping_type": "date", "mapping": {"type": "date_nanos"}}}]}`,
			steps:    []step{{doc: `{"when": "2026-11-20T08:14:00Z", "s": "x"}`}},
			types:    map[string]string{"when": "date_nanos", "s": "keyword"}},
		{name: "a template without match, path_match or a type condition matches nothing",
			mappings: `{"dynamic_templates": [{"nothing": {"unmatch": "x", "mapping": {"type": "keyword"}}}]}`,
			steps:    []step{{doc: `{"a": "s"}`}},
			types:    map[string]string{"a": "text"}},
		{name: "templates do not apply under dynamic: false",
			mappings: `{"dynamic": false, "dynamic_templates": [{"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}}]}`,
			steps:    []step{{doc: `{"a": "s"}`}},
			types:    map[string]string{"a": ""}},
	})
	bad := []struct{ name, mappings, want string }{
		{"unmatch_mapping_type before 8.13", `{"dynamic_templates": [{"t": {"match": "*", "unmatch_mapping_type": "object", "mapping": {}}}]}`, "Illegal dynamic template parameter: [unmatch_mapping_type]"},
		{"an unknown match_mapping_type", `{"dynamic_templates": [{"t": {"match_mapping_type": "text", "mapping": {}}}]}`, "No field type matched on [text]"},
		{"an invalid regex", `{"dynamic_templates": [{"t": {"match_pattern": "regex", "match": "(", "mapping": {}}}]}`, "Pattern [(] of type [regex] is invalid"},
		{"no mapping", `{"dynamic_templates": [{"t": {"match": "*"}}]}`, "must have either mapping or runtime set"},
		{"a runtime template for objects", `{"dynamic_templates": [{"t": {"match_mapping_type": "object", "runtime": {}}}]}`, "is not supported as runtime field"},
	}
	for _, tc := range bad {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			_, err := NewMapping(obj(t, tc.mappings), DefaultSettings(), esAt("8.12"))
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestFieldTypes pins how each mapped type reads a value (docs, "Numeric
// field types", "coerce", "Boolean field type", "IP field type", "Keyword
// field type", "ignore_above", "Constant keyword field type").
func TestFieldTypes(t *testing.T) {
	typed := `{"properties": {"l": {"type": "long"}, "i": {"type": "integer"}, "f": {"type": "float"}, "b": {"type": "boolean"},
		"ip": {"type": "ip"}, "k": {"type": "keyword", "ignore_above": 10}, "kk": {"type": "keyword"},
		"nc": {"type": "long", "coerce": false}, "ck": {"type": "constant_keyword"}, "logs": {"type": "constant_keyword", "value": "logs"},
		"t": {"type": "text"}, "mot": {"type": "match_only_text"}, "w": {"type": "wildcard"}}}`
	runMappingCases(t, []mappingCase{
		{name: "long: numbers and numeric strings (coerce), a fraction truncated, an empty string is null",
			mappings: typed, steps: []step{{doc: `{"l": 5}`}, {doc: `{"l": "5"}`}, {doc: `{"l": 5.5}`}, {doc: `{"l": "5.5"}`}, {doc: `{"l": ""}`}}},
		{name: "long: a word, a boolean, an out-of-range number are malformed",
			mappings: typed, steps: []step{{doc: `{"l": "abc"}`, want: "failed to parse field [l] of type [long]"},
				{doc: `{"l": true}`, want: "of type [long]"}, {doc: `{"l": 9223372036854775808}`, want: "of type [long]"}}},
		{name: "integer: 3000000000 is out of range", mappings: typed, steps: []step{{doc: `{"i": 3000000000}`, want: "of type [integer]"}}},
		{name: "coerce false: a numeric string is malformed", mappings: typed, steps: []step{{doc: `{"nc": "5"}`, want: "of type [long]"}, {doc: `{"nc": 5.5}`, want: "of type [long]"}}},
		{name: "float: 1e40 is not finite as a float", mappings: typed, steps: []step{{doc: `{"f": 1.5}`}, {doc: `{"f": 1e40}`, want: "of type [float]"}}},
		{name: "boolean: true, \"false\", \"\"; \"yes\" and 1 are malformed",
			mappings: typed, steps: []step{{doc: `{"b": true}`}, {doc: `{"b": "false"}`}, {doc: `{"b": ""}`},
				{doc: `{"b": "yes"}`, want: "of type [boolean]"}, {doc: `{"b": 1}`, want: "of type [boolean]"}}},
		{name: "ip: IPv4 and IPv6 strings; a word or a number is malformed",
			mappings: typed, steps: []step{{doc: `{"ip": "10.0.0.1"}`}, {doc: `{"ip": "2001:db8::1"}`},
				{doc: `{"ip": "unknown"}`, want: "failed to parse field [ip] of type [ip]"}, {doc: `{"ip": 167772161}`, want: "of type [ip]"}}},
		{name: "keyword: numbers and booleans are strings; over ignore_above not indexed (_ignored)",
			mappings: typed, steps: []step{{doc: `{"k": 5, "kk": true}`}, {doc: `{"k": "` + strings.Repeat("x", 11) + `"}`, ignored: []string{"k"}}}},
		{name: "keyword without ignore_above: a term over 32766 bytes is immense and rejected (docs, ignore_above)",
			mappings: typed, steps: []step{{doc: `{"kk": "` + strings.Repeat("x", maxTermBytes+1) + `"}`, want: "immense term"}}},
		{name: "text, match_only_text, wildcard take any scalar, not an object",
			mappings: typed, steps: []step{{doc: `{"t": 1, "mot": true, "w": "x"}`}, {doc: `{"mot": {"a": 1}}`, want: "of type [match_only_text]"}}},
		{name: "constant_keyword: the first value fixes it, another is rejected (docs, Constant keyword)",
			mappings: typed, steps: []step{{doc: `{"ck": "a"}`}, {doc: `{"ck": "a"}`}, {doc: `{"ck": "b"}`, want: "only accepts values that are equal to the value defined in the mappings [a], but got [b]"},
				{doc: `{"logs": "metrics"}`, want: "[logs], but got [metrics]"}}},
		{name: "field-level ignore_malformed ignores a malformed value (docs, ignore_malformed example)",
			mappings: `{"properties": {"number_one": {"type": "integer", "ignore_malformed": true}, "number_two": {"type": "integer"}}}`,
			steps: []step{{doc: `{"text": "Some text value", "number_one": "foo"}`, ignored: []string{"number_one"}},
				{doc: `{"text": "Some text value", "number_two": "foo"}`, want: "failed to parse field [number_two] of type [integer]"}}},
		{name: "index.mapping.ignore_malformed covers numeric, date, ip, boolean values",
			settings: Settings{IgnoreMalformed: true}, mappings: typed,
			steps: []step{{doc: `{"l": "x", "ip": "nope", "b": "maybe", "f": "NaN?"}`, ignored: []string{"b", "f", "ip", "l"}}}},
		{name: "index.mapping.ignore_malformed does not cover keyword's immense term nor constant_keyword",
			settings: Settings{IgnoreMalformed: true}, mappings: typed,
			steps: []step{{doc: `{"logs": "metrics"}`, want: "constant_keyword"}}},
		{name: "a field's ignore_malformed false overrides the index setting (ecs@mappings' @timestamp)",
			settings: Settings{IgnoreMalformed: true},
			mappings: `{"properties": {"@timestamp": {"type": "date", "ignore_malformed": false}, "other": {"type": "date"}}}`,
			steps: []step{{doc: `{"other": "bad"}`, ignored: []string{"other"}},
				{doc: `{"@timestamp": "bad"}`, want: "failed to parse field [@timestamp] of type [date]"}}},
		{name: "boolean ignore_malformed only from 8.8 (the 8.4 docs do not list boolean)",
			product: esAt("8.7"), settings: Settings{IgnoreMalformed: true}, mappings: typed,
			steps: []step{{doc: `{"b": "maybe"}`, want: "of type [boolean]"}}},
	})
	for _, tc := range []struct {
		name     string
		product  Product
		mappings string
		want     string
	}{
		{"flattened is Elasticsearch's", os219, `{"properties": {"v": {"type": "flattened"}}}`, "No handler for type [flattened] declared on field [v]"},
		{"flat_object is OpenSearch's", es819, `{"properties": {"v": {"type": "flat_object"}}}`, "No handler for type [flat_object] declared on field [v]"},
		{"an unknown type", es819, `{"properties": {"v": {"type": "string"}}}`, "No handler for type [string]"},
		{"a bad date format", es819, `{"properties": {"v": {"type": "date", "format": "yyyy-MM-dd qq"}}}`, "Invalid format"},
		{"OpenSearch's constant_keyword without its value", os219, `{"properties": {"v": {"type": "constant_keyword"}}}`, "Field [v] is missing required parameter [value]"},
		{"flat_object before OpenSearch 2.7", osAt("2.6"), `{"properties": {"v": {"type": "flat_object"}}}`, "No handler for type [flat_object]"},
		{"match_only_text before OpenSearch 2.12", osAt("2.11"), `{"properties": {"v": {"type": "match_only_text"}}}`, "No handler for type [match_only_text]"},
		{"constant_keyword before OpenSearch 2.14", osAt("2.13"), `{"properties": {"v": {"type": "constant_keyword", "value": "logs"}}}`, "No handler for type [constant_keyword]"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			_, err := NewMapping(obj(t, tc.mappings), DefaultSettings(), tc.product)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
	for _, tc := range []struct {
		name     string
		product  Product
		mappings string
	}{
		{"OpenSearch's constant_keyword with its value (2.14)", osAt("2.14"), `{"properties": {"v": {"type": "constant_keyword", "value": "logs"}}}`},
		{"flat_object from OpenSearch 2.7", osAt("2.7"), `{"properties": {"v": {"type": "flat_object"}}}`},
		{"match_only_text from OpenSearch 2.12", osAt("2.12"), `{"properties": {"v": {"type": "match_only_text"}}}`},
		{"Elasticsearch's constant_keyword without a value", es819, `{"properties": {"v": {"type": "constant_keyword"}}}`},
	} {
		t.Run("accepted: "+tc.name, func(t *testing.T) {
			_, err := NewMapping(obj(t, tc.mappings), DefaultSettings(), tc.product)
			require.NoError(t, err)
		})
	}
}

// nested returns {"k": {"k": ... "leaf"}} with depth levels of objects
// under the top key.
func nested(depth int) string {
	return strings.Repeat(`{"k": `, depth) + `"leaf"` + strings.Repeat(`}`, depth)
}

// TestFlattened pins flattened (docs, "Flattened field type", 7.3;
// FlattenedFieldParser) and OpenSearch's flat_object (docs, "Flat object
// field type", 2.7).
func TestFlattened(t *testing.T) {
	flat := `{"properties": {"v": {"type": "flattened"}, "short": {"type": "flattened", "depth_limit": 2, "ignore_above": 5}}}`
	runMappingCases(t, []mappingCase{
		{name: "flattened: any shape inside is accepted, leaves are keywords, no sub-field is mapped",
			mappings: flat,
			steps: []step{{doc: `{"v": {"a": "s"}}`}, {doc: `{"v": {"a": {"b": 1}}}`}, {doc: `{"v": {"a": [1, "x", true, null, {"c": 2.5}]}}`},
				{doc: `{"v": {"a.b": "dotted", "a": "scalar again"}}`}, {doc: `{"v": null}`}},
			types: map[string]string{"v": "flattened", "v.a": ""}},
		{name: "flattened: a scalar as the field's value is rejected (FlattenedFieldParser expects an object)",
			mappings: flat, steps: []step{{doc: `{"v": "s"}`, want: "failed to parse field [v] of type [flattened]"}}},
		{name: "flattened: an array of objects is taken object by object",
			mappings: flat, steps: []step{{doc: `{"v": [{"a": 1}, {"b": {"c": 2}}]}`}}},
		{name: "flattened: depth_limit counts inner objects from the field (limit 2: one inner object level)",
			mappings: flat,
			steps: []step{{doc: `{"short": {"a": {"b": "c"}}}`},
				{doc: `{"short": {"a": {"b": {"c": "d"}}}}`, want: "The provided [flattened] field [short] exceeds the maximum depth limit of [2]."}}},
		{name: "flattened: default depth_limit 20 takes 19 nested inner objects, not 20",
			mappings: flat,
			steps:    []step{{doc: `{"v": ` + nested(20) + `}`}, {doc: `{"v": ` + nested(21) + `}`, want: "exceeds the maximum depth limit of [20]"}}},
		{name: "flattened: a leaf over ignore_above is not indexed, the document is",
			mappings: flat, steps: []step{{doc: `{"short": {"a": "123456"}}`, ignored: []string{"short"}}}},
		{name: "flattened: a key holding \\0 is rejected",
			mappings: flat, steps: []step{{doc: `{"v": {"a\u0000b": 1}}`, want: "cannot contain the reserved character"}}},
		{name: "flattened: ignore_malformed does not save a scalar root",
			mappings: flat, settings: Settings{IgnoreMalformed: true}, steps: []step{{doc: `{"v": 1}`, want: "of type [flattened]"}}},
		{name: "flattened: its content never counts towards the total fields limit",
			mappings: flat, settings: Settings{TotalFieldsLimit: 3},
			steps: []step{{doc: `{"v": {"a": 1, "b": 2, "c": 3, "d": {"e": 4}}}`}}},
		{name: "flat_object (OpenSearch): any shape inside is accepted",
			product: os219, mappings: `{"properties": {"v": {"type": "flat_object"}}}`,
			steps: []step{{doc: `{"v": {"a": "s"}}`}, {doc: `{"v": {"a": {"b": [1, {"c": true}]}}}`}, {doc: `{"v": {"a": 5}}`}},
			types: map[string]string{"v": "flat_object"}},
		{name: "flat_object (OpenSearch): a scalar value is rejected (unexpected token in flat_object field value)",
			product: os219, mappings: `{"properties": {"v": {"type": "flat_object"}}}`,
			steps: []step{{doc: `{"v": "s"}`, want: "mapper_parsing_exception: failed to parse field [v] of type [flat_object]"}}},
		{name: "flat_object (OpenSearch): depth_limit and ignore_above when the mapping sets them",
			product: os219, mappings: `{"properties": {"v": {"type": "flat_object", "depth_limit": 2, "ignore_above": 3}}}`,
			steps: []step{{doc: `{"v": {"a": "abcd"}}`, ignored: []string{"v"}}, {doc: `{"v": {"a": {"b": {"c": 1}}}}`, want: "bigger than maximum depth [2]"}}},
	})
}

// TestLimits pins index.mapping.total_fields.limit, its
// ignore_dynamic_beyond_limit and index.mapping.depth.limit (docs,
// "Mapping limit settings").
func TestLimits(t *testing.T) {
	runMappingCases(t, []mappingCase{
		{name: "total fields: objects, fields and multi-fields count; past the limit the document is rejected",
			settings: Settings{TotalFieldsLimit: 4, DepthLimit: 20},
			steps: []step{{doc: `{"a": 1, "o": {"b": 2}, "c": 3}`},
				{doc: `{"s": "x"}`, want: "Limit of total fields [4] has been exceeded while adding new fields [2]"}},
			types: map[string]string{"s": ""}},
		{name: "total fields: ignore_dynamic_beyond_limit leaves the extra fields unmapped and lists them in _ignored (8.13)",
			settings: Settings{TotalFieldsLimit: 4, DepthLimit: 20, IgnoreDynamicBeyondLimit: true},
			steps:    []step{{doc: `{"a": 1, "o": {"b": 2}, "c": 3}`}, {doc: `{"d": 4, "e": {"f": 1}}`, ignored: []string{"d", "e"}}},
			types:    map[string]string{"d": "", "a": "long"}},
		{name: "total fields: the default limit is 1000",
			steps: []step{{doc: manyFields(1000)}, {doc: `{"one_more": 1}`, want: "Limit of total fields [1000]"}}},
		{name: "depth: an object at a.b.c is depth 4 (root 1); limit 3 rejects it",
			settings: Settings{TotalFieldsLimit: 1000, DepthLimit: 3},
			steps: []step{{doc: `{"a": {"b": {"c": 1}}}`},
				{doc: `{"a": {"b": {"c2": {"d": 1}}}}`, want: "Limit of mapping depth [3] has been exceeded due to object field [a.b.c2]"}}},
		{name: "depth: the default limit 20 takes 19 nested objects, not 20",
			steps: []step{{doc: `{"x": ` + nested(19) + `}`}, {doc: `{"y": ` + nested(20) + `}`, want: "Limit of mapping depth [20] has been exceeded due to object field [y.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k]"}}},
		{name: "depth: objects under dynamic false are not mapped, so not limited",
			mappings: `{"dynamic": false}`, settings: Settings{TotalFieldsLimit: 1000, DepthLimit: 3},
			steps: []step{{doc: `{"x": ` + nested(10) + `}`}}},
	})
	t.Run("refused: a template mapping over the limit", func(t *testing.T) {
		_, err := NewMapping(obj(t, `{"properties": {"a": {"type": "long"}, "b": {"type": "long"}}}`), Settings{TotalFieldsLimit: 1}, es819)
		require.ErrorContains(t, err, "Limit of total fields [1] has been exceeded")
	})
}

func manyFields(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"f` + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + itoa(i) + `": 1`)
	}
	b.WriteString("}")
	return b.String()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}
