package bulktest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits and defaults of the mapping model, each from the Elasticsearch
// page that documents it.
const (
	// DefaultTotalFieldsLimit is index.mapping.total_fields.limit's default
	// (docs, "Mapping limit settings": "The maximum number of fields in an
	// index. Field and object mappings, as well as field aliases count
	// towards this limit... The default value is 1000").
	DefaultTotalFieldsLimit = 1000
	// DefaultDepthLimit is index.mapping.depth.limit's default (same page:
	// "The maximum depth for a field, which is measured as the number of
	// inner objects... Defaults to 20"): the root object is depth 1, an
	// object at a.b depth 3.
	DefaultDepthLimit = 20
	// DefaultFlattenedDepthLimit is a flattened field's depth_limit default
	// (docs, "Flattened field type", parameters: "depth_limit: The maximum
	// allowed depth of the flattened object field, in terms of nested inner
	// objects... Defaults to 20").
	DefaultFlattenedDepthLimit = 20
	// maxTermBytes is Lucene's IndexWriter.MAX_TERM_LENGTH: a keyword (or
	// a flattened key and value) longer than this in UTF-8 is an "immense
	// term" and the document is rejected (docs, "ignore_above": "values
	// longer than 32766 bytes... will be rejected").
	maxTermBytes = 32766
	// dynamicKeywordIgnoreAbove is ignore_above of the .keyword multi-field
	// a dynamic string gets (docs, "Dynamic field mapping": string →
	// "text field with a .keyword sub-field").
	dynamicKeywordIgnoreAbove = 256
	// flatObjectMaxLength is OpenSearch's bound on a flat_object's dotted
	// key plus value (OpenSearch docs, "Flat object field type": "The
	// maximum field value length in the dot notation is 2^24 − 1").
	flatObjectMaxLength = 1<<24 - 1
)

// Settings are the index settings the mapping model reads, with their
// documented defaults (docs, "Mapping limit settings" and "ignore_malformed",
// "Index-level default").
type Settings struct {
	// IgnoreMalformed is index.mapping.ignore_malformed.
	IgnoreMalformed bool
	// TotalFieldsLimit is index.mapping.total_fields.limit.
	TotalFieldsLimit int
	// IgnoreDynamicBeyondLimit is
	// index.mapping.total_fields.ignore_dynamic_beyond_limit: dynamic
	// fields past the limit are left unmapped (listed in _ignored) instead
	// of rejecting the document (Elasticsearch 8.13).
	IgnoreDynamicBeyondLimit bool
	// DepthLimit is index.mapping.depth.limit.
	DepthLimit int
}

// DefaultSettings are an index's settings when nothing sets them.
func DefaultSettings() Settings {
	return Settings{TotalFieldsLimit: DefaultTotalFieldsLimit, DepthLimit: DefaultDepthLimit}
}

// settingsFrom reads the flattened index settings ("index.mapping...").
func settingsFrom(flat map[string]any) (Settings, error) {
	s := DefaultSettings()
	for k, v := range flat {
		var err error
		switch k {
		case "index.mapping.ignore_malformed":
			s.IgnoreMalformed, err = boolSetting(k, v)
		case "index.mapping.total_fields.limit":
			s.TotalFieldsLimit, err = intSetting(k, v)
		case "index.mapping.total_fields.ignore_dynamic_beyond_limit":
			s.IgnoreDynamicBeyondLimit, err = boolSetting(k, v)
		case "index.mapping.depth.limit":
			s.DepthLimit, err = intSetting(k, v)
		}
		if err != nil {
			return Settings{}, err
		}
	}
	return s, nil
}

func boolSetting(k string, v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if x == "true" || x == "false" {
			return x == "true", nil
		}
	}
	return false, errorf("illegal_argument_exception", "", "Failed to parse value [%v] as only [true] or [false] are allowed. (setting [%s])", v, k)
}

func intSetting(k string, v any) (int, error) {
	s, _ := scalarText(v)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errorf("illegal_argument_exception", "", "Failed to parse value [%v] for setting [%s]", v, k)
	}
	return n, nil
}

// Product is the server a mapping model imitates: flavor and release.
type Product struct {
	Flavor  Flavor
	Version Version
}

func (p Product) internal() product { return product{flavor: p.Flavor, version: p.Version} }

// mapper is one node of a mapping: the root or an object (typ "object",
// "nested"), or a field.
type mapper struct {
	typ string
	// Objects.
	dynamic string // "", "true", "false", "strict", "runtime"; "" inherits
	enabled bool
	props   map[string]*mapper
	// Fields.
	ignoreMalformed *bool
	ignoreAbove     int
	format          *dateFormat
	depthLimit      int
	value           *string // constant_keyword
	coerce          *bool
	fields          map[string]*mapper // multi-fields
	runtime         bool               // a runtime field: evaluated at search time, never rejects
}

func (m *mapper) isObject() bool { return m.typ == "object" || m.typ == "nested" }

// count is what the node adds to the total fields count: itself and its
// multi-fields.
func (m *mapper) count() int {
	n := 1
	for _, f := range m.fields {
		n += f.count()
	}
	return n
}

func (m *mapper) clone() *mapper {
	c := *m
	if m.props != nil {
		c.props = make(map[string]*mapper, len(m.props))
		for k, v := range m.props {
			c.props[k] = v.clone()
		}
	}
	if m.fields != nil {
		c.fields = make(map[string]*mapper, len(m.fields))
		for k, v := range m.fields {
			c.fields[k] = v.clone()
		}
	}
	if m.value != nil {
		v := *m.value
		c.value = &v
	}
	return &c
}

// Mapping is one index's mapping: the fields its templates declare and the
// ones dynamic mapping added, and the rules by which a document is parsed
// into it. A document that does not fit is rejected with the error
// Elasticsearch answers; one that fits adds its new fields.
type Mapping struct {
	prod             product
	settings         Settings
	root             *mapper
	templates        []*dynamicTemplate
	dateDetection    bool
	numericDetection bool
	dateFormats      []*dateFormat
	runtimeFields    map[string]*mapper
}

// NewMapping builds a mapping from a "mappings" object (as in an index
// template or a create-index request) and the index settings.
func NewMapping(mappings map[string]any, settings Settings, p Product) (*Mapping, error) {
	m := &Mapping{
		prod:          p.internal(),
		settings:      settings,
		root:          &mapper{typ: "object", enabled: true, dynamic: "true", props: map[string]*mapper{}},
		dateDetection: true,
		runtimeFields: map[string]*mapper{},
	}
	if m.settings.TotalFieldsLimit == 0 {
		m.settings.TotalFieldsLimit = DefaultTotalFieldsLimit
	}
	if m.settings.DepthLimit == 0 {
		m.settings.DepthLimit = DefaultDepthLimit
	}
	formats := dynamicDateFormats
	for k, v := range mappings {
		var err error
		switch k {
		case "dynamic":
			m.root.dynamic, err = dynamicParam(v)
		case "date_detection":
			m.dateDetection, err = boolSetting(k, v)
		case "numeric_detection":
			m.numericDetection, err = boolSetting(k, v)
		case "dynamic_date_formats":
			formats = nil
			for _, f := range asList(v) {
				s, _ := f.(string)
				formats = append(formats, s)
			}
		case "dynamic_templates":
			m.templates, err = parseDynamicTemplates(v, m.prod)
		case "properties":
			props, ok := v.(map[string]any)
			if !ok {
				return nil, errorf("mapper_parsing_exception", "", "[properties] must be an object")
			}
			err = m.parseProperties(m.root, "", props)
		case "runtime":
			rt, _ := v.(map[string]any)
			for name, def := range rt {
				d, _ := def.(map[string]any)
				typ, _ := d["type"].(string)
				m.runtimeFields[name] = &mapper{typ: typ, runtime: true}
			}
		case "_source", "_meta", "_routing", "_data_stream_timestamp", "subobjects", "enabled", "_field_names":
		default:
			err = errorf("mapper_parsing_exception", "", "Root mapping definition has unsupported parameters:  [%s : %v]", k, v)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, f := range formats {
		df, err := parseDateFormat(f)
		if err != nil {
			return nil, errorf("mapper_parsing_exception", "", "Invalid format: [%s]: %v", f, err)
		}
		m.dateFormats = append(m.dateFormats, df)
	}
	if n := m.totalFields(); n > m.settings.TotalFieldsLimit {
		return nil, errorf("illegal_argument_exception", "", "Limit of total fields [%d] has been exceeded", m.settings.TotalFieldsLimit)
	}
	return m, nil
}

func dynamicParam(v any) (string, error) {
	s, _ := scalarText(v)
	switch s {
	case "true", "false", "strict", "runtime":
		return s, nil
	}
	return "", errorf("mapper_parsing_exception", "", "Could not convert [dynamic] to boolean, [%v]: the accepted values are true, false, strict, runtime", v)
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// fieldTypes are the mapping types the model knows, by the flavor that has
// them; a type it does not know is refused as Elasticsearch refuses it
// ("No handler for type [x] declared on field [y]").
var fieldTypes = map[string]string{
	"text": "both", "keyword": "both", "match_only_text": "both", "wildcard": "both", "constant_keyword": "both",
	"long": "both", "integer": "both", "short": "both", "byte": "both", "double": "both", "float": "both",
	"half_float": "both", "scaled_float": "both", "unsigned_long": "both",
	"date": "both", "date_nanos": "both", "boolean": "both", "binary": "both", "ip": "both",
	"geo_point": "both", "geo_shape": "both", "point": "both", "shape": "both",
	"integer_range": "both", "float_range": "both", "long_range": "both", "double_range": "both", "date_range": "both", "ip_range": "both",
	"alias": "both", "completion": "both", "search_as_you_type": "both", "token_count": "both",
	"dense_vector": "both", "rank_feature": "both", "rank_features": "both", "join": "both", "version": "es",
	"histogram": "es", "aggregate_metric_double": "es", "sparse_vector": "es", "semantic_text": "es", "counted_keyword": "es",
	// Elasticsearch 7.3 (docs, "Flattened field type").
	"flattened": "es",
	// OpenSearch 2.7 (OpenSearch docs, "Flat object field type").
	"flat_object": "os",
}

// openSearchSince are the OpenSearch releases that added a type the model
// knows (OpenSearch docs, each type's page, "Introduced x.y"): before it,
// OpenSearch has no handler for the type.
var openSearchSince = map[string]Version{
	"flat_object":      {2, 7},
	"match_only_text":  {2, 12},
	"constant_keyword": {2, 14},
}

// parseProperties reads a properties object into parent. A dotted name is
// a path of objects ("data_stream.type" as logs@mappings writes it).
func (m *Mapping) parseProperties(parent *mapper, ppath string, props map[string]any) error {
	for _, name := range sortedKeys(props) {
		def, ok := props[name].(map[string]any)
		if !ok {
			return errorf("mapper_parsing_exception", join(ppath, name), "Expected map for property [fields] on field [%s] but got a %T", name, props[name])
		}
		if head, rest, dotted := strings.Cut(name, "."); dotted && head != "" && rest != "" {
			obj := parent.props[head]
			if obj == nil {
				obj = &mapper{typ: "object", enabled: true, props: map[string]*mapper{}}
				parent.props[head] = obj
			} else if !obj.isObject() {
				return errorf("mapper_parsing_exception", join(ppath, head), "can't merge a non object mapping [%s] with an object mapping", join(ppath, head))
			}
			if err := m.parseProperties(obj, join(ppath, head), map[string]any{rest: def}); err != nil {
				return err
			}
			continue
		}
		nm, err := m.parseFieldDef(join(ppath, name), def)
		if err != nil {
			return err
		}
		if old := parent.props[name]; old != nil && old.isObject() && nm.isObject() {
			for k, v := range nm.props {
				old.props[k] = v
			}
			continue
		}
		parent.props[name] = nm
	}
	return nil
}

// parseFieldDef reads one field or object definition.
func (m *Mapping) parseFieldDef(path string, def map[string]any) (*mapper, error) {
	typ, _ := def["type"].(string)
	if typ == "" || typ == "object" || typ == "nested" {
		if typ == "" {
			typ = "object"
		}
		obj := &mapper{typ: typ, enabled: true, props: map[string]*mapper{}}
		if v, ok := def["dynamic"]; ok {
			d, err := dynamicParam(v)
			if err != nil {
				return nil, err
			}
			obj.dynamic = d
		}
		if v, ok := def["enabled"]; ok {
			e, err := boolSetting("enabled", v)
			if err != nil {
				return nil, err
			}
			obj.enabled = e
		}
		if props, ok := def["properties"].(map[string]any); ok {
			if err := m.parseProperties(obj, path, props); err != nil {
				return nil, err
			}
		}
		return obj, nil
	}
	switch fieldTypes[typ] {
	case "both":
	case "es":
		if m.prod.flavor != Elasticsearch {
			typ = "?" + typ
		}
	case "os":
		if m.prod.flavor != OpenSearch {
			typ = "?" + typ
		}
	default:
		typ = "?" + typ
	}
	if since, ok := openSearchSince[typ]; ok && m.prod.flavor == OpenSearch && !m.prod.version.AtLeast(since.Major, since.Minor) {
		typ = "?" + typ
	}
	if strings.HasPrefix(typ, "?") {
		return nil, errorf("mapper_parsing_exception", path, "No handler for type [%s] declared on field [%s]", typ[1:], lastSegment(path))
	}
	if typ == "constant_keyword" && m.prod.flavor == OpenSearch {
		// OpenSearch's ConstantKeywordFieldMapper.TypeParser: "if
		// (!node.containsKey("value")) throw new OpenSearchParseException(
		// "Field [" + name + "] is missing required parameter [value]")"
		// (OpenSearch docs, "Constant keyword field type": the value is
		// required), where Elasticsearch takes it from the first document.
		if _, ok := def["value"].(string); !ok {
			return nil, errorf("parse_exception", path, "Field [%s] is missing required parameter [value]", lastSegment(path))
		}
	}
	f := &mapper{typ: typ}
	for k, v := range def {
		switch k {
		case "ignore_malformed":
			b, err := boolSetting(k, v)
			if err != nil {
				return nil, err
			}
			f.ignoreMalformed = &b
		case "coerce":
			b, err := boolSetting(k, v)
			if err != nil {
				return nil, err
			}
			f.coerce = &b
		case "ignore_above":
			n, err := intSetting(k, v)
			if err != nil {
				return nil, err
			}
			f.ignoreAbove = n
		case "depth_limit":
			n, err := intSetting(k, v)
			if err != nil {
				return nil, err
			}
			f.depthLimit = n
		case "format":
			s, _ := v.(string)
			df, err := parseDateFormat(s)
			if err != nil {
				return nil, errorf("mapper_parsing_exception", path, "Invalid format: [%s] on field [%s]: %v", s, lastSegment(path), err)
			}
			f.format = df
		case "value":
			s, _ := scalarText(v)
			f.value = &s
		case "fields":
			subs, _ := v.(map[string]any)
			f.fields = map[string]*mapper{}
			for name, sd := range subs {
				d, _ := sd.(map[string]any)
				sub, err := m.parseFieldDef(path+"."+name, d)
				if err != nil {
					return nil, err
				}
				f.fields[name] = sub
			}
		}
	}
	if typ == "flattened" && f.depthLimit == 0 {
		f.depthLimit = DefaultFlattenedDepthLimit
	}
	if (typ == "date" || typ == "date_nanos") && f.format == nil {
		f.format, _ = parseDateFormat(DefaultDateFormat)
	}
	return f, nil
}

func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func lastSegment(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// totalFields counts the mapped fields as index.mapping.total_fields.limit
// counts them: every object and field mapping (multi-fields included) and
// every runtime field; the root and the metadata fields are not counted.
func (m *Mapping) totalFields() int {
	n := len(m.runtimeFields)
	var walk func(*mapper)
	walk = func(o *mapper) {
		for _, c := range o.props {
			n += c.count()
			if c.isObject() {
				walk(c)
			}
		}
	}
	walk(m.root)
	return n
}

// TotalFields is the number of fields that count towards
// index.mapping.total_fields.limit.
func (m *Mapping) TotalFields() int { return m.totalFields() }

// FieldType returns the mapped type of a dotted path ("object" for an
// object, "runtime:<type>" for a runtime field, a multi-field as
// "message.keyword"), or "" when unmapped.
func (m *Mapping) FieldType(path string) string {
	if rt, ok := m.runtimeFields[path]; ok {
		return "runtime:" + rt.typ
	}
	cur := m.root
	parts := strings.Split(path, ".")
	for i, p := range parts {
		next := cur.props[p]
		if next == nil {
			return ""
		}
		if i < len(parts)-1 && !next.isObject() {
			if sub := next.fields[strings.Join(parts[i+1:], ".")]; sub != nil {
				return sub.typ
			}
			return ""
		}
		cur = next
	}
	return cur.typ
}

// Fields returns every mapped path with its type (objects as "object").
func (m *Mapping) Fields() map[string]string {
	out := map[string]string{}
	var walk func(string, *mapper)
	walk = func(prefix string, o *mapper) {
		for name, c := range o.props {
			p := join(prefix, name)
			out[p] = c.typ
			for sub, f := range c.fields {
				out[p+"."+sub] = f.typ
			}
			if c.isObject() {
				walk(p, c)
			}
		}
	}
	walk("", m.root)
	for p, rt := range m.runtimeFields {
		out[p] = "runtime:" + rt.typ
	}
	return out
}

// Indexed is what indexing one document did besides storing its _source.
type Indexed struct {
	// Ignored lists the fields whose values were not indexed (Elasticsearch's
	// _ignored metadata field): malformed values under ignore_malformed,
	// keyword values longer than ignore_above, dynamic fields beyond the
	// total fields limit with ignore_dynamic_beyond_limit.
	Ignored []string
	// Unmapped lists the fields left out of the mapping by dynamic: false:
	// kept in _source, neither indexed nor searchable.
	Unmapped []string
	// NewFields lists the fields this document added to the mapping.
	NewFields []string
	// Dates holds the instant each date (or date_nanos) field was indexed
	// as, by path, in value order: what a search or a sort sees.
	Dates map[string][]time.Time
}

// Index parses a document (a JSON object decoded with UseNumber, or Go
// values) into the mapping. On success the mapping keeps the fields the
// document added; on failure it is unchanged and the error is the one
// Elasticsearch answers for the bulk item. id is the document's _id, for
// the messages.
func (m *Mapping) Index(id string, doc map[string]any) (*Indexed, error) {
	p := &docParser{m: m, id: id, root: m.root.clone(), runtime: map[string]*mapper{},
		count: m.totalFields(), res: &Indexed{Dates: map[string][]time.Time{}}}
	if err := p.parseObject(p.root, "", doc, m.root.dynamic); err != nil {
		return nil, err
	}
	m.root = p.root
	for k, v := range p.runtime {
		m.runtimeFields[k] = v
	}
	sort.Strings(p.res.Ignored)
	sort.Strings(p.res.Unmapped)
	sort.Strings(p.res.NewFields)
	return p.res, nil
}

// docParser parses one document into a copy of the mapping.
type docParser struct {
	m       *Mapping
	id      string
	root    *mapper
	runtime map[string]*mapper
	count   int
	added   int
	res     *Indexed
}

func (p *docParser) parseError() string { return p.m.prod.parsingExceptionType() }

// parseObject parses the fields of a JSON object into obj (at path) with
// the dynamic mode in force (docs, "dynamic": "Inner objects inherit the
// dynamic setting from their parent object").
func (p *docParser) parseObject(obj *mapper, path string, fields map[string]any, dyn string) error {
	for _, key := range sortedKeys(fields) {
		if err := p.parseEntry(obj, path, key, fields[key], dyn); err != nil {
			return err
		}
	}
	return nil
}

// checkName refuses the field names Elasticsearch's document parser
// refuses (DocumentParser: empty names, names of dots only, names that
// start or end with a dot or hold an empty segment).
func (p *docParser) checkName(path, key string) error {
	switch {
	case key == "":
		return &Error{Type: p.parseError(), Field: path, Reason: "failed to parse: field name cannot be an empty string",
			CausedBy: errorf("illegal_argument_exception", path, "field name cannot be an empty string")}
	case strings.Trim(key, ".") == "":
		return &Error{Type: p.parseError(), Field: path, Reason: "failed to parse: field name cannot contain only dots",
			CausedBy: errorf("illegal_argument_exception", path, "field name cannot contain only dots")}
	case strings.TrimSpace(key) == "":
		return &Error{Type: p.parseError(), Field: path, Reason: fmt.Sprintf("failed to parse: field name cannot contain only whitespace: ['%s']", key),
			CausedBy: errorf("illegal_argument_exception", path, "field name cannot contain only whitespace: ['%s']", key)}
	case strings.HasPrefix(key, ".") || strings.HasSuffix(key, ".") || strings.Contains(key, ".."):
		return &Error{Type: p.parseError(), Field: path, Reason: fmt.Sprintf("failed to parse: object field starting or ending with a [.] makes object resolution ambiguous: [%s]", key),
			CausedBy: errorf("illegal_argument_exception", path, "object field starting or ending with a [.] makes object resolution ambiguous: [%s]", key)}
	}
	return nil
}

// parseEntry parses one key and value of an object. A dotted key is a path
// of objects (docs, "Object field type": "manager.name" is the same as
// {"manager": {"name": ...}}).
func (p *docParser) parseEntry(parent *mapper, ppath, key string, v any, dyn string) error {
	if err := p.checkName(join(ppath, key), key); err != nil {
		return err
	}
	if head, rest, dotted := strings.Cut(key, "."); dotted {
		return p.parseEntry(parent, ppath, head, map[string]any{rest: v}, dyn)
	}
	path := join(ppath, key)
	switch x := v.(type) {
	case map[string]any:
		return p.parseObjectValue(parent, ppath, key, x, dyn)
	case []any:
		// Arrays: each element is a value of the field (docs, "Arrays": "In
		// Elasticsearch, there is no dedicated array data type... all values
		// in the array must be of the same data type"; the first value that
		// maps the field decides its type).
		if m := parent.props[key]; m != nil && acceptsWholeArrays(m.typ) {
			return nil
		}
		for _, e := range flattenArray(x) {
			if err := p.parseEntry(parent, ppath, key, e, dyn); err != nil {
				return err
			}
		}
		return nil
	case nil:
		// null adds no field (docs, "Dynamic field mapping": null → "No
		// field added") and indexes nothing (docs, "null_value").
		return nil
	}
	return p.parseScalar(parent, path, key, v, dyn)
}

func flattenArray(a []any) []any {
	var out []any
	for _, e := range a {
		if inner, ok := e.([]any); ok {
			out = append(out, flattenArray(inner)...)
			continue
		}
		out = append(out, e)
	}
	return out
}

// acceptsWholeArrays: types whose value can itself be an array ([lon, lat]
// for geo_point, vectors); not modelled further.
func acceptsWholeArrays(typ string) bool {
	switch typ {
	case "geo_point", "point", "dense_vector", "geo_shape", "shape":
		return true
	}
	return false
}

// acceptsObjects: field types whose value is a JSON object (geo points as
// {lat, lon}, ranges as {gte, lte}, completion...); their inner rules are
// not modelled.
func acceptsObjects(typ string) bool {
	switch typ {
	case "geo_point", "geo_shape", "point", "shape", "completion", "join", "histogram", "aggregate_metric_double",
		"integer_range", "float_range", "long_range", "double_range", "date_range", "ip_range", "rank_features", "sparse_vector", "semantic_text":
		return true
	}
	return false
}

// parseObjectValue parses a JSON object under key.
func (p *docParser) parseObjectValue(parent *mapper, ppath, key string, obj map[string]any, dyn string) error {
	path := join(ppath, key)
	if m := parent.props[key]; m != nil {
		if m.isObject() {
			if !m.enabled {
				// docs, "enabled": the object's contents are kept in _source,
				// not parsed.
				return nil
			}
			return p.parseObject(m, path, obj, orDynamic(m.dynamic, dyn))
		}
		return p.objectIntoField(m, path, obj)
	}
	if _, ok := p.runtimeField(path); ok {
		return nil
	}
	switch dyn {
	case "strict":
		return p.strictError(ppath, key)
	case "false":
		// docs, "dynamic": false — "New fields are ignored. These fields will
		// not be indexed or searchable, but will still appear in the _source
		// field of returned hits."
		p.res.Unmapped = append(p.res.Unmapped, path)
		return nil
	case "runtime":
		// docs, "dynamic": runtime — new leaves become runtime fields;
		// DocumentParser carries a transient object mapper instead of
		// mapping the object.
		transient := &mapper{typ: "object", enabled: true, props: map[string]*mapper{}}
		return p.parseObject(transient, path, obj, "runtime")
	}
	nm := &mapper{typ: "object", enabled: true, props: map[string]*mapper{}}
	if t := p.m.findTemplate(path, key, "object"); t != nil {
		built, err := t.build(p.m, path, key, "object", nil)
		if err != nil {
			return err
		}
		nm = built
	}
	if nm.isObject() {
		if depth := strings.Count(path, ".") + 2; depth > p.m.settings.DepthLimit {
			return &Error{Type: p.parseError(), Field: path,
				Reason:   fmt.Sprintf("failed to parse: Limit of mapping depth [%d] has been exceeded due to object field [%s]", p.m.settings.DepthLimit, path),
				CausedBy: errorf("illegal_argument_exception", path, "Limit of mapping depth [%d] has been exceeded due to object field [%s]", p.m.settings.DepthLimit, path)}
		}
	}
	ok, err := p.addDynamic(parent, path, key, nm)
	if err != nil || !ok {
		return err
	}
	if nm.isObject() {
		return p.parseObject(nm, path, obj, orDynamic(nm.dynamic, dyn))
	}
	return p.objectIntoField(nm, path, obj)
}

func orDynamic(own, inherited string) string {
	if own != "" {
		return own
	}
	return inherited
}

// objectIntoField parses a JSON object given to a field mapper.
func (p *docParser) objectIntoField(m *mapper, path string, obj map[string]any) error {
	switch {
	case m.runtime:
		return nil
	case m.typ == "flattened":
		return p.parseFlattened(m, path, obj)
	case m.typ == "flat_object":
		return p.parseFlatObject(m, path, obj)
	case acceptsObjects(m.typ):
		return nil
	}
	// docs, "ignore_malformed", "Limits for JSON objects": "You can't use
	// ignore_malformed to ignore JSON objects submitted to fields of the
	// wrong data type... Elasticsearch will return an error and reject the
	// entire document regardless of the ignore_malformed setting."
	// REST test data_stream/260_logs_failure_store.yml: an object message
	// after a string message is a document_parsing_exception.
	return p.fieldError(m, path, obj, errorf("illegal_argument_exception", path, "Cannot parse an object as a value of a field of type [%s]", m.typ))
}

func (p *docParser) fieldError(m *mapper, path string, v any, cause *Error) *Error {
	return &Error{Type: p.parseError(), Field: path, CausedBy: cause,
		Reason: fmt.Sprintf("failed to parse field [%s] of type [%s] in document with id '%s'. Preview of field's value: '%s'", path, m.typ, p.id, preview(v))}
}

// strictError is dynamic: strict's refusal (docs, "dynamic": strict — "If
// new fields are detected, an exception is thrown and the document is
// rejected").
func (p *docParser) strictError(ppath, key string) *Error {
	within := ppath
	if within == "" {
		within = "_doc"
	}
	return errorf("strict_dynamic_mapping_exception", join(ppath, key), "mapping set to strict, dynamic introduction of [%s] within [%s] is not allowed", key, within)
}

// runtimeField finds a runtime field of the mapping or of this document.
func (p *docParser) runtimeField(path string) (*mapper, bool) {
	if rt, ok := p.runtime[path]; ok {
		return rt, true
	}
	rt, ok := p.m.runtimeFields[path]
	return rt, ok
}

// addDynamic adds a dynamically created mapper under parent, within the
// total fields limit (docs, "Mapping limit settings"): past the limit the
// document is rejected, or with ignore_dynamic_beyond_limit the field is
// left unmapped and listed in _ignored. It reports whether it was added.
func (p *docParser) addDynamic(parent *mapper, path, key string, nm *mapper) (bool, error) {
	n := nm.count()
	if p.count+n > p.m.settings.TotalFieldsLimit {
		if p.m.settings.IgnoreDynamicBeyondLimit {
			p.res.Ignored = append(p.res.Ignored, path)
			return false, nil
		}
		return false, &Error{Type: p.parseError(), Field: path,
			Reason:   fmt.Sprintf("failed to parse: Limit of total fields [%d] has been exceeded while adding new fields [%d]", p.m.settings.TotalFieldsLimit, p.added+n),
			CausedBy: errorf("illegal_argument_exception", path, "Limit of total fields [%d] has been exceeded while adding new fields [%d]", p.m.settings.TotalFieldsLimit, p.added+n)}
	}
	p.count += n
	p.added += n
	if nm.runtime {
		p.runtime[path] = nm
	} else {
		parent.props[key] = nm
	}
	p.res.NewFields = append(p.res.NewFields, path)
	return true, nil
}

// parseScalar parses a string, number or boolean under key.
func (p *docParser) parseScalar(parent *mapper, path, key string, v any, dyn string) error {
	if m := parent.props[key]; m != nil {
		if m.isObject() {
			if !m.enabled {
				return nil
			}
			// DocumentParser: a concrete value where an object is mapped. Not
			// a malformed value: ignore_malformed does not apply.
			return &Error{Type: p.parseError(), Field: path,
				Reason: fmt.Sprintf("object mapping for [%s] tried to parse field [%s] as object, but found a concrete value", path, key)}
		}
		return p.parseValue(m, path, v)
	}
	if _, ok := p.runtimeField(path); ok {
		return nil
	}
	switch dyn {
	case "strict":
		return p.strictError(strings.TrimSuffix(strings.TrimSuffix(path, key), "."), key)
	case "false":
		p.res.Unmapped = append(p.res.Unmapped, path)
		return nil
	}
	xtype, detected := p.detect(v)
	var nm *mapper
	if t := p.m.findTemplate(path, key, xtype); t != nil {
		built, err := t.build(p.m, path, key, xtype, detected)
		if err != nil {
			return err
		}
		nm = built
	} else if dyn == "runtime" {
		// docs, "Dynamic field mapping", dynamic: runtime column: string →
		// keyword, long → long, double → double, boolean → boolean, date →
		// date (runtime fields).
		typ := map[string]string{"string": "keyword", "long": "long", "double": "double", "boolean": "boolean", "date": "date"}[xtype]
		nm = &mapper{typ: typ, runtime: true}
	} else {
		nm = defaultDynamicMapper(xtype, detected)
	}
	ok, err := p.addDynamic(parent, path, key, nm)
	if err != nil || !ok {
		return err
	}
	return p.parseValue(nm, path, v)
}

// defaultDynamicMapper is dynamic: true's mapping of a new value without a
// matching dynamic template (docs, "Dynamic field mapping"): string → text
// with a keyword sub-field (ignore_above 256), long → long, double → float,
// boolean → boolean, a string detected as a date → date in the detected
// format.
func defaultDynamicMapper(xtype string, detected *dateFormat) *mapper {
	switch xtype {
	case "long":
		return &mapper{typ: "long"}
	case "double":
		return &mapper{typ: "float"}
	case "boolean":
		return &mapper{typ: "boolean"}
	case "date":
		return &mapper{typ: "date", format: detected}
	}
	return &mapper{typ: "text", fields: map[string]*mapper{"keyword": {typ: "keyword", ignoreAbove: dynamicKeywordIgnoreAbove}}}
}

// detect is the JSON type dynamic mapping sees (DynamicFieldsBuilder): a
// string that parses as a long or a double is a number only with
// numeric_detection; otherwise, with date_detection (on by default), a
// string that is not a number and parses with one of dynamic_date_formats
// is a date; numbers are long (integers) or double.
func (p *docParser) detect(v any) (string, *dateFormat) {
	switch x := v.(type) {
	case bool:
		return "boolean", nil
	case string:
		_, errL := strconv.ParseInt(x, 10, 64)
		_, errD := strconv.ParseFloat(strings.TrimSpace(x), 64)
		isLong, isDouble := errL == nil, errD == nil
		switch {
		case isLong && p.m.numericDetection:
			return "long", nil
		case isDouble && p.m.numericDetection:
			return "double", nil
		case !isLong && !isDouble && p.m.dateDetection:
			for _, f := range p.m.dateFormats {
				if _, ok := f.read(x); ok {
					return "date", f
				}
			}
		}
		return "string", nil
	}
	s, _ := scalarText(v)
	if isIntegerText(s) {
		return "long", nil
	}
	return "double", nil
}

func isIntegerText(s string) bool {
	return allDigits(strings.TrimPrefix(s, "-"))
}

// scalarText is the text Elasticsearch reads from a JSON scalar, and its
// kind ("string", "number", "bool").
func scalarText(v any) (string, string) {
	switch x := v.(type) {
	case string:
		return x, "string"
	case json.Number:
		return x.String(), "number"
	case bool:
		return strconv.FormatBool(x), "bool"
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10), "number"
		}
		return strconv.FormatFloat(x, 'g', -1, 64), "number"
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), "number"
	case int:
		return strconv.Itoa(x), "number"
	case int64:
		return strconv.FormatInt(x, 10), "number"
	case int32:
		return strconv.FormatInt(int64(x), 10), "number"
	case uint64:
		return strconv.FormatUint(x, 10), "number"
	case nil:
		return "", "null"
	}
	return fmt.Sprint(v), "string"
}

// ignoresMalformed reports whether a malformed value of m is ignored: the
// field's ignore_malformed, else index.mapping.ignore_malformed, and only
// for the types that support it (docs, "ignore_malformed": numeric, boolean
// (listed from the 8.8 docs on), date, date_nanos, geo_point, geo_shape,
// ip; keyword, text and the others do not take the parameter).
func (p *docParser) ignoresMalformed(m *mapper) bool {
	switch m.typ {
	case "long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long",
		"date", "date_nanos", "ip", "geo_point", "geo_shape":
	case "boolean":
		if p.m.prod.flavor != Elasticsearch || !p.m.prod.version.AtLeast(8, 8) {
			return false
		}
	default:
		return false
	}
	if m.ignoreMalformed != nil {
		return *m.ignoreMalformed
	}
	return p.m.settings.IgnoreMalformed
}

// malformed handles a value m cannot read: ignored (listed in _ignored)
// under ignore_malformed, else the document is rejected.
func (p *docParser) malformed(m *mapper, path string, v any, cause *Error) error {
	if p.ignoresMalformed(m) {
		p.res.Ignored = append(p.res.Ignored, path)
		return nil
	}
	return p.fieldError(m, path, v, cause)
}

// parseValue parses a scalar with a field mapper, then with its
// multi-fields.
func (p *docParser) parseValue(m *mapper, path string, v any) error {
	if m.runtime {
		return nil
	}
	s, kind := scalarText(v)
	switch m.typ {
	case "keyword":
		// docs, "ignore_above": longer strings are not indexed (listed in
		// _ignored); without it a term over 32766 bytes rejects the document.
		if m.ignoreAbove > 0 && utf8.RuneCountInString(s) > m.ignoreAbove {
			p.res.Ignored = append(p.res.Ignored, path)
			return nil
		}
		if len(s) > maxTermBytes {
			return p.fieldError(m, path, v, errorf("illegal_argument_exception", path,
				"Document contains at least one immense term in field=\"%s\" (whose UTF8 encoding is longer than the max length %d)", path, maxTermBytes))
		}
	case "constant_keyword":
		// docs, "Constant keyword field type": "If no value is provided in
		// the mappings, the field will automatically configure itself based
		// on the value contained in the first indexed document"; other values
		// are rejected.
		if m.value == nil {
			val := s
			m.value = &val
		} else if *m.value != s {
			return p.fieldError(m, path, v, errorf("illegal_argument_exception", path,
				"[constant_keyword] field [%s] only accepts values that are equal to the value defined in the mappings [%s], but got [%s]", path, *m.value, s))
		}
	case "long", "integer", "short", "byte", "unsigned_long", "double", "float", "half_float", "scaled_float":
		if err := p.parseNumber(m, path, v, s, kind); err != nil {
			return err
		}
	case "boolean":
		switch {
		case kind == "bool", s == "true", s == "false":
		case kind == "string" && s == "":
			// An empty string is null (BooleanFieldMapper).
		default:
			return p.malformed(m, path, v, errorf("illegal_argument_exception", path, "Failed to parse value [%s] as only [true] or [false] are allowed.", s))
		}
	case "date", "date_nanos":
		if kind == "bool" {
			return p.malformed(m, path, v, errorf("illegal_argument_exception", path, "failed to parse date field [%s] with format [%s]", s, m.format.spec))
		}
		t, ok := m.format.read(s)
		if ok && m.typ == "date_nanos" && !inDateNanosRange(t) {
			return p.malformed(m, path, v, errorf("illegal_argument_exception", path, "date[%s] is before the epoch in 1970 or after 2262: date_nanos cannot hold it", s))
		}
		if !ok {
			return p.malformed(m, path, v, errorf("illegal_argument_exception", path, "failed to parse date field [%s] with format [%s]", s, m.format.spec))
		}
		p.res.Dates[path] = append(p.res.Dates[path], t)
	case "ip":
		if kind != "string" {
			return p.malformed(m, path, v, errorf("illegal_argument_exception", path, "'%s' is not an IP string literal.", s))
		}
		if _, err := netip.ParseAddr(s); err != nil {
			return p.malformed(m, path, v, errorf("illegal_argument_exception", path, "'%s' is not an IP string literal.", s))
		}
	case "flattened":
		// FlattenedFieldParser: the field's value must be an object.
		return p.fieldError(m, path, v, errorf("parsing_exception", path, "Failed to parse object: expecting token of type [START_OBJECT] but found [%s]", tokenName(kind)))
	case "flat_object":
		// OpenSearch FlatObjectFieldMapper: "unexpected token ... in
		// flat_object field value".
		return p.fieldError(m, path, v, errorf("parsing_exception", path, "[%s] unexpected token [%s] in flat_object field value", path, tokenName(kind)))
	}
	for _, name := range sortedMapperKeys(m.fields) {
		if err := p.parseValue(m.fields[name], path+"."+name, v); err != nil {
			return err
		}
	}
	return nil
}

func sortedMapperKeys(m map[string]*mapper) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func tokenName(kind string) string {
	switch kind {
	case "number":
		return "VALUE_NUMBER"
	case "bool":
		return "VALUE_BOOLEAN"
	}
	return "VALUE_STRING"
}

// numberRange is the range of each integer type (docs, "Numeric field
// types").
var numberRange = map[string][2]*big.Int{
	"long":          {big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)},
	"integer":       {big.NewInt(math.MinInt32), big.NewInt(math.MaxInt32)},
	"short":         {big.NewInt(math.MinInt16), big.NewInt(math.MaxInt16)},
	"byte":          {big.NewInt(math.MinInt8), big.NewInt(math.MaxInt8)},
	"unsigned_long": {big.NewInt(0), new(big.Int).SetUint64(math.MaxUint64)},
}

// parseNumber reads a number (docs, "Numeric field types" and "coerce":
// with coerce, on by default, a numeric string is read as a number and an
// integer type truncates a fraction; an empty string is null; a boolean, a
// non-numeric string or an out-of-range value is malformed).
func (p *docParser) parseNumber(m *mapper, path string, v any, s, kind string) error {
	coerce := m.coerce == nil || *m.coerce
	bad := func(msg string, args ...any) error {
		return p.malformed(m, path, v, errorf("illegal_argument_exception", path, msg, args...))
	}
	switch kind {
	case "bool":
		return bad("Current token (VALUE_BOOLEAN) not numeric, can not use numeric value accessors")
	case "string":
		if s == "" && coerce {
			return nil
		}
		if !coerce {
			return bad("[coerce] is false: the string [%s] is not a number", s)
		}
		s = strings.TrimSpace(s)
	}
	f, ok := new(big.Float).SetString(s)
	if !ok {
		return bad("For input string: \"%s\"", s)
	}
	if r, isInt := numberRange[m.typ]; isInt {
		i, acc := f.Int(nil)
		if acc != big.Exact && !coerce {
			return bad("Value [%s] has a decimal part", s)
		}
		if i.Cmp(r[0]) < 0 || i.Cmp(r[1]) > 0 {
			return bad("Value [%s] is out of range for %s", s, m.typ)
		}
		return nil
	}
	x, _ := f.Float64()
	limit := math.MaxFloat64
	switch m.typ {
	case "float":
		limit = math.MaxFloat32
	case "half_float":
		limit = 65504
	}
	if math.IsInf(x, 0) || math.IsNaN(x) || math.Abs(x) > limit {
		return bad("[%s] supports only finite values, but got [%s]", m.typ, s)
	}
	return nil
}

// parseFlattened parses a flattened field's object (docs, "Flattened field
// type", Elasticsearch 7.3; FlattenedFieldParser): every leaf, at any depth
// and of any JSON type, is indexed as a keyword under its dotted key, so no
// shape inside it can conflict; a leaf longer than ignore_above is not
// indexed; an inner object deeper than depth_limit, a key holding \0, or a
// keyed value over 32766 bytes rejects the document.
func (p *docParser) parseFlattened(m *mapper, path string, obj map[string]any) error {
	var walk func(prefix []string, o map[string]any) error
	var value func(prefix []string, key string, v any) error
	value = func(prefix []string, key string, v any) error {
		switch x := v.(type) {
		case map[string]any:
			next := append(append([]string(nil), prefix...), key)
			if len(next)+1 > m.depthLimit {
				return p.fieldError(m, path, obj, errorf("illegal_argument_exception", path,
					"The provided [flattened] field [%s] exceeds the maximum depth limit of [%d].", path, m.depthLimit))
			}
			return walk(next, x)
		case []any:
			for _, e := range x {
				if err := value(prefix, key, e); err != nil {
					return err
				}
			}
			return nil
		case nil:
			return nil
		}
		full := strings.Join(append(append([]string(nil), prefix...), key), ".")
		if strings.Contains(full, "\x00") {
			return p.fieldError(m, path, obj, errorf("illegal_argument_exception", path,
				"Keys in [flattened] fields cannot contain the reserved character \\0. Offending key: [%s].", full))
		}
		s, _ := scalarText(v)
		if m.ignoreAbove > 0 && len(s) > m.ignoreAbove {
			p.res.Ignored = append(p.res.Ignored, path)
			return nil
		}
		if len(full)+1+len(s) > maxTermBytes {
			return p.fieldError(m, path, obj, errorf("illegal_argument_exception", path,
				"Flattened field [%s] contains one immense field whose keyed encoding is longer than the allowed max length of %d bytes.", path, maxTermBytes))
		}
		return nil
	}
	walk = func(prefix []string, o map[string]any) error {
		for _, k := range sortedKeys(o) {
			if err := value(prefix, k, o[k]); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(nil, obj)
}

// parseFlatObject parses an OpenSearch flat_object (OpenSearch docs, "Flat
// object field type", 2.7): the whole object is kept as strings under dot
// paths, so any shape inside it is accepted; its value must be an object;
// a dotted path with its value longer than 2^24−1 is refused; depth_limit
// and ignore_above apply when the mapping sets them (later releases).
func (p *docParser) parseFlatObject(m *mapper, path string, obj map[string]any) error {
	var walk func(prefix string, depth int, v any) error
	walk = func(prefix string, depth int, v any) error {
		switch x := v.(type) {
		case map[string]any:
			if m.depthLimit > 0 && depth > m.depthLimit {
				return p.fieldError(m, path, obj, errorf("illegal_argument_exception", path,
					"the depth of flat_object field path [%s] is bigger than maximum depth [%d]", prefix, m.depthLimit))
			}
			for _, k := range sortedKeys(x) {
				if err := walk(join(prefix, k), depth+1, x[k]); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range x {
				if err := walk(prefix, depth, e); err != nil {
					return err
				}
			}
		case nil:
		default:
			s, _ := scalarText(v)
			if m.ignoreAbove > 0 && len(s) > m.ignoreAbove {
				p.res.Ignored = append(p.res.Ignored, path)
				return nil
			}
			if len(prefix)+1+len(s) > flatObjectMaxLength {
				return p.fieldError(m, path, obj, errorf("illegal_argument_exception", path,
					"flat_object field [%s]: the dotted path and value are longer than %d", path, flatObjectMaxLength))
			}
		}
		return nil
	}
	return walk(path, 1, obj)
}
