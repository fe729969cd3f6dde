package bulktest

import (
	"fmt"
	"regexp"
	"strings"
)

// Dynamic templates (docs, "Dynamic templates"; the rules below follow
// org.elasticsearch.index.mapper.DynamicTemplate):
//   - tried in order, the first that matches maps the new field;
//   - match/unmatch test the field's name, path_match/path_unmatch its full
//     dotted path; each takes one pattern or a list (8.9);
//   - patterns are simple wildcards ("*" for any run of characters) unless
//     match_pattern is "regex", then a Java regular expression that must
//     match the whole name or path (all four conditions);
//   - match_mapping_type names the JSON types the template takes: object,
//     string, long, double, boolean, date (a string date detection
//     recognised), binary, or "*"; a list from 8.13;
//     unmatch_mapping_type (8.13) removes types; when match_mapping_type is
//     not given, a template with match, path_match or unmatch_mapping_type
//     takes every type ("path_match also considers object fields": a
//     template without a type condition can map an object with a leaf
//     type, and the object is then rejected), a template with none of them
//     takes none;
//   - a "runtime" template makes runtime fields and never matches objects;
//   - {name} and {dynamic_type} in the mapping are replaced; without
//     "type" the mapping takes the detected type (string → text, double →
//     float, object → object).

// xcontentTypes are the values match_mapping_type takes.
var xcontentTypes = []string{"object", "string", "long", "double", "boolean", "date", "binary"}

type dynamicTemplate struct {
	name                                   string
	match, unmatch, pathMatch, pathUnmatch []string
	types                                  map[string]bool
	regex                                  bool
	mapping                                map[string]any
	runtime                                bool
	compiled                               map[string]*regexp.Regexp
}

func parseDynamicTemplates(v any, prod product) ([]*dynamicTemplate, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errorf("mapper_parsing_exception", "", "Dynamic template syntax error. An array of named objects is expected.")
	}
	var out []*dynamicTemplate
	for _, e := range list {
		named, ok := e.(map[string]any)
		if !ok || len(named) != 1 {
			return nil, errorf("mapper_parsing_exception", "", "Dynamic template syntax error. An array of named objects is expected.")
		}
		for name, conf := range named {
			c, ok := conf.(map[string]any)
			if !ok {
				return nil, errorf("mapper_parsing_exception", "", "Dynamic template syntax error. An array of named objects is expected.")
			}
			t, err := parseDynamicTemplate(name, c, prod)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// patternList reads a condition: a string or a list of strings. OpenSearch
// (forked before lists were added) reads a list as its Java text "[a, b]".
func patternList(prod product, v any) ([]string, error) {
	if l, ok := v.([]any); ok {
		if prod.flavor == OpenSearch {
			parts := make([]string, len(l))
			for i, e := range l {
				parts[i] = fmt.Sprint(e)
			}
			return []string{"[" + strings.Join(parts, ", ") + "]"}, nil
		}
		var out []string
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("values must either be a string or list of strings, but was [%v]", v)
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, _ := scalarText(v)
	return []string{s}, nil
}

func parseDynamicTemplate(name string, conf map[string]any, prod product) (*dynamicTemplate, error) {
	t := &dynamicTemplate{name: name, types: map[string]bool{}}
	var matchTypes, unmatchTypes []string
	for k, v := range conf {
		var err error
		switch k {
		case "match":
			t.match, err = patternList(prod, v)
		case "unmatch":
			t.unmatch, err = patternList(prod, v)
		case "path_match":
			t.pathMatch, err = patternList(prod, v)
		case "path_unmatch":
			t.pathUnmatch, err = patternList(prod, v)
		case "match_mapping_type":
			matchTypes, err = patternList(prod, v)
		case "unmatch_mapping_type":
			// Added in Elasticsearch 8.13 (elastic/elasticsearch PR #103171).
			if prod.flavor != Elasticsearch || !prod.version.AtLeast(8, 13) {
				return nil, errorf("illegal_argument_exception", "", "Illegal dynamic template parameter: [%s]", k)
			}
			unmatchTypes, err = patternList(prod, v)
		case "match_pattern":
			s, _ := v.(string)
			switch s {
			case "regex":
				t.regex = true
			case "simple", "default":
			default:
				return nil, errorf("illegal_argument_exception", "", "No matching pattern matched on [%s]", s)
			}
		case "mapping", "runtime":
			if t.mapping != nil {
				return nil, errorf("mapper_parsing_exception", "", "mapping and runtime cannot be both specified in the same dynamic template [%s]", name)
			}
			t.mapping, _ = v.(map[string]any)
			t.runtime = k == "runtime"
		default:
			return nil, errorf("illegal_argument_exception", "", "Illegal dynamic template parameter: [%s]", k)
		}
		if err != nil {
			return nil, errorf("mapper_parsing_exception", "", "[%s] %v", k, err)
		}
	}
	if t.mapping == nil {
		return nil, errorf("mapper_parsing_exception", "", "template [%s] must have either mapping or runtime set", name)
	}
	wildcard := len(matchTypes) == 0 && (len(t.match) > 0 || len(t.pathMatch) > 0 || len(unmatchTypes) > 0) ||
		len(matchTypes) == 1 && matchTypes[0] == "*"
	if wildcard {
		for _, x := range xcontentTypes {
			if t.runtime && (x == "object" || x == "binary") {
				continue
			}
			t.types[x] = true
		}
	} else {
		for _, x := range matchTypes {
			if !isXContentType(x) {
				return nil, errorf("mapper_parsing_exception", "", "No field type matched on [%s], possible values are [%s]", x, strings.Join(xcontentTypes, ", "))
			}
			if t.runtime && (x == "object" || x == "binary") {
				return nil, errorf("mapper_parsing_exception", "", "Dynamic template [%s] defines a runtime field but type [%s] is not supported as runtime field", name, x)
			}
			t.types[x] = true
		}
	}
	for _, x := range unmatchTypes {
		if !isXContentType(x) {
			return nil, errorf("mapper_parsing_exception", "", "No field type matched on [%s], possible values are [%s]", x, strings.Join(xcontentTypes, ", "))
		}
		delete(t.types, x)
	}
	if t.regex {
		t.compiled = map[string]*regexp.Regexp{}
		for _, p := range append(append(append(append([]string(nil), t.match...), t.unmatch...), t.pathMatch...), t.pathUnmatch...) {
			re, err := regexp.Compile("^(?:" + p + ")$")
			if err != nil {
				return nil, errorf("mapper_parsing_exception", "", "Pattern [%s] of type [regex] is invalid. Cannot create dynamic template [%s].", p, name)
			}
			t.compiled[p] = re
		}
	}
	return t, nil
}

func isXContentType(s string) bool {
	for _, x := range xcontentTypes {
		if x == s {
			return true
		}
	}
	return false
}

func (t *dynamicTemplate) matches(pattern, value string) bool {
	if t.regex {
		return t.compiled[pattern].MatchString(value)
	}
	return simpleMatch(pattern, value)
}

func (t *dynamicTemplate) anyMatch(patterns []string, value string) bool {
	for _, p := range patterns {
		if t.matches(p, value) {
			return true
		}
	}
	return false
}

// accepts is DynamicTemplate.match.
func (t *dynamicTemplate) accepts(path, name, xtype string) bool {
	if len(t.pathMatch) > 0 && !t.anyMatch(t.pathMatch, path) {
		return false
	}
	if len(t.match) > 0 && !t.anyMatch(t.match, name) {
		return false
	}
	if t.anyMatch(t.pathUnmatch, path) || t.anyMatch(t.unmatch, name) {
		return false
	}
	return t.types[xtype]
}

// simpleMatch is Regex.simpleMatch: "*" matches any run of characters,
// everything else itself.
func simpleMatch(pattern, value string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == value
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(value, parts[0]) {
		return false
	}
	value = value[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(value, mid)
		if i < 0 {
			return false
		}
		value = value[i+len(mid):]
	}
	return strings.HasSuffix(value, last) && len(value) >= len(last)
}

// findTemplate returns the first dynamic template that maps a new field.
func (m *Mapping) findTemplate(path, name, xtype string) *dynamicTemplate {
	for _, t := range m.templates {
		if t.accepts(path, name, xtype) {
			return t
		}
	}
	return nil
}

// dynamicTypeOf is the {dynamic_type} of a JSON type (DynamicTemplate
// XContentFieldType.defaultMappingType and defaultRuntimeMappingType).
func dynamicTypeOf(xtype string, runtime bool) string {
	switch xtype {
	case "string":
		if runtime {
			return "keyword"
		}
		return "text"
	case "double":
		if runtime {
			return "double"
		}
		return "float"
	}
	return xtype
}

// build makes the mapper a template gives a new field. A date the
// template maps without a format keeps the detected format (the template
// parser context carries the detected formatter).
func (t *dynamicTemplate) build(m *Mapping, path, name, xtype string, detected *dateFormat) (*mapper, error) {
	dyn := dynamicTypeOf(xtype, t.runtime)
	def := substitute(t.mapping, name, dyn).(map[string]any)
	if _, ok := def["type"]; !ok {
		def["type"] = dyn
	}
	if t.runtime {
		typ, _ := def["type"].(string)
		return &mapper{typ: typ, runtime: true}, nil
	}
	nm, err := m.parseFieldDef(path, def)
	if err != nil {
		return nil, err
	}
	if (nm.typ == "date" || nm.typ == "date_nanos") && detected != nil {
		if _, own := t.mapping["format"]; !own {
			nm.format = detected
		}
	}
	return nm, nil
}

// substitute replaces {name} and {dynamic_type} (or {dynamicType}) in keys
// and string values.
func substitute(v any, name, dyn string) any {
	rep := func(s string) string {
		s = strings.ReplaceAll(s, "{name}", name)
		s = strings.ReplaceAll(s, "{dynamic_type}", dyn)
		return strings.ReplaceAll(s, "{dynamicType}", dyn)
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[rep(k)] = substitute(e, name, dyn)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, name, dyn)
		}
		return out
	case string:
		return rep(x)
	}
	return v
}
