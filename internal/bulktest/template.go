package bulktest

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Templates (docs, "Index templates", "Create or update an index template
// API", "Create or update a component template API"):
//   - an index template applies to a new index or data stream whose name
//     matches one of its index_patterns (simple wildcards); of several, the
//     one with the highest priority wins, and two templates of the same
//     priority whose patterns overlap are refused;
//   - composed_of names component templates, merged in order, the index
//     template's own template last: later settings win, properties merge
//     field by field, dynamic templates merge by name (a later one of the
//     same name replaces it in place), other mapping parameters are
//     replaced; a missing component is an error unless listed in
//     ignore_missing_component_templates (8.7);
//   - "data_stream": {} makes a matching name a data stream;
//   - template.data_stream_options.failure_store.enabled (8.19, 9.1) or the
//     technical preview's data_stream.failure_store (8.15-8.18) enables the
//     failure store.

// Template is the "template" part of an index or component template.
type Template struct {
	// Settings are flattened ("index.mapping.ignore_malformed"), with
	// "index." added where the template left it out, as Elasticsearch
	// normalises them.
	Settings map[string]any
	// Mappings is the raw "mappings" object.
	Mappings map[string]any
	// FailureStore is data_stream_options.failure_store.enabled, or nil.
	FailureStore *bool
}

// ComponentTemplate is a named building block of index templates.
type ComponentTemplate struct {
	Name     string
	Template Template
}

// IndexTemplate is a composable index template.
type IndexTemplate struct {
	Name                            string
	IndexPatterns                   []string
	Priority                        int
	DataStream                      bool
	ComposedOf                      []string
	IgnoreMissingComponentTemplates []string
	Template                        Template
}

type rawTemplate struct {
	Settings          map[string]any `json:"settings"`
	Mappings          map[string]any `json:"mappings"`
	DataStreamOptions *struct {
		FailureStore *struct {
			Enabled *bool `json:"enabled"`
		} `json:"failure_store"`
	} `json:"data_stream_options"`
	Lifecycle any `json:"lifecycle"`
	Aliases   any `json:"aliases"`
}

func (r rawTemplate) template() Template {
	t := Template{Settings: flattenSettings(r.Settings), Mappings: r.Mappings}
	if r.DataStreamOptions != nil && r.DataStreamOptions.FailureStore != nil {
		t.FailureStore = r.DataStreamOptions.FailureStore.Enabled
	}
	return t
}

// ParseIndexTemplate reads an index template's JSON body.
func ParseIndexTemplate(name string, body []byte) (*IndexTemplate, error) {
	var raw struct {
		IndexPatterns                   any             `json:"index_patterns"`
		Priority                        int             `json:"priority"`
		DataStream                      json.RawMessage `json:"data_stream"`
		ComposedOf                      []string        `json:"composed_of"`
		IgnoreMissingComponentTemplates []string        `json:"ignore_missing_component_templates"`
		Template                        rawTemplate     `json:"template"`
		Meta                            any             `json:"_meta"`
		Version                         any             `json:"version"`
		AllowAutoCreate                 any             `json:"allow_auto_create"`
		Deprecated                      any             `json:"deprecated"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("bulktest: index template %s: %w", name, err)
	}
	t := &IndexTemplate{Name: name, Priority: raw.Priority, ComposedOf: raw.ComposedOf,
		IgnoreMissingComponentTemplates: raw.IgnoreMissingComponentTemplates, Template: raw.Template.template()}
	for _, p := range asList(raw.IndexPatterns) {
		if s, ok := p.(string); ok {
			t.IndexPatterns = append(t.IndexPatterns, s)
		}
	}
	if len(t.IndexPatterns) == 0 {
		return nil, fmt.Errorf("bulktest: index template %s: index_patterns is missing", name)
	}
	if len(raw.DataStream) > 0 && string(raw.DataStream) != "null" {
		t.DataStream = true
		var ds struct {
			FailureStore *bool `json:"failure_store"`
		}
		if json.Unmarshal(raw.DataStream, &ds) == nil && ds.FailureStore != nil && t.Template.FailureStore == nil {
			t.Template.FailureStore = ds.FailureStore
		}
	}
	return t, nil
}

// LoadIndexTemplate reads an index template file; its name is the file's
// base name without .json.
func LoadIndexTemplate(path string) (*IndexTemplate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	name := path[strings.LastIndexByte(path, '/')+1:]
	return ParseIndexTemplate(strings.TrimSuffix(name, ".json"), b)
}

// ParseComponentTemplate reads a component template's JSON body.
func ParseComponentTemplate(name string, body []byte) (*ComponentTemplate, error) {
	var raw struct {
		Template   rawTemplate `json:"template"`
		Meta       any         `json:"_meta"`
		Version    any         `json:"version"`
		Deprecated any         `json:"deprecated"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("bulktest: component template %s: %w", name, err)
	}
	return &ComponentTemplate{Name: name, Template: raw.Template.template()}, nil
}

// flattenSettings turns {"index": {"mapping": {"ignore_malformed": true}}}
// and "mapping.ignore_malformed" into "index.mapping.ignore_malformed".
func flattenSettings(in map[string]any) map[string]any {
	out := map[string]any{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, e := range m {
				walk(join(prefix, k), e)
			}
			return
		}
		if !strings.HasPrefix(prefix, "index.") {
			prefix = "index." + prefix
		}
		out[prefix] = v
	}
	for k, v := range in {
		walk(k, v)
	}
	return out
}

// Matches reports whether an index or data stream name matches one of the
// template's patterns.
func (t *IndexTemplate) Matches(name string) bool {
	for _, p := range t.IndexPatterns {
		if simpleMatch(p, name) {
			return true
		}
	}
	return false
}

// DeclaredTypes returns the type of every field the template maps by
// name, by dotted path: its properties (objects as "object") and each
// dynamic template with one path_match naming one field (no wildcard), as
// auditx's templates map the ECS fields they add.
func (t *IndexTemplate) DeclaredTypes() map[string]string {
	out := map[string]string{}
	mp := t.Template.Mappings
	if dts, ok := mp["dynamic_templates"].([]any); ok {
		for _, e := range dts {
			named, _ := e.(map[string]any)
			for _, conf := range named {
				c, _ := conf.(map[string]any)
				pm, _ := c["path_match"].(string)
				m, _ := c["mapping"].(map[string]any)
				if pm != "" && !strings.Contains(pm, "*") {
					out[pm], _ = m["type"].(string)
				}
			}
		}
	}
	var walk func(prefix string, props map[string]any)
	walk = func(prefix string, props map[string]any) {
		for k, v := range props {
			m, _ := v.(map[string]any)
			if inner, ok := m["properties"].(map[string]any); ok {
				out[join(prefix, k)] = "object"
				walk(join(prefix, k), inner)
				continue
			}
			out[join(prefix, k)], _ = m["type"].(string)
		}
	}
	props, _ := mp["properties"].(map[string]any)
	walk("", props)
	return out
}

// compose merges component templates and the index template's own
// template, in that order.
func compose(parts []Template) Template {
	out := Template{Settings: map[string]any{}, Mappings: map[string]any{}}
	for _, p := range parts {
		for k, v := range p.Settings {
			out.Settings[k] = v
		}
		mergeMappings(out.Mappings, p.Mappings)
		if p.FailureStore != nil {
			out.FailureStore = p.FailureStore
		}
	}
	return out
}

// mergeMappings merges src into dst: properties field by field (objects
// recursively), dynamic templates by name in place, the rest replaced.
func mergeMappings(dst, src map[string]any) {
	for k, v := range src {
		switch k {
		case "properties":
			d, _ := dst[k].(map[string]any)
			if d == nil {
				d = map[string]any{}
			}
			dst[k] = mergeProperties(d, v.(map[string]any))
		case "dynamic_templates":
			dst[k] = mergeDynamicTemplates(asListOrNil(dst[k]), asListOrNil(v))
		default:
			dst[k] = v
		}
	}
}

func asListOrNil(v any) []any {
	l, _ := v.([]any)
	return l
}

func mergeProperties(dst, src map[string]any) map[string]any {
	out := make(map[string]any, len(dst)+len(src))
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		old, _ := out[k].(map[string]any)
		nv, _ := v.(map[string]any)
		oldProps, okOld := old["properties"].(map[string]any)
		newProps, okNew := nv["properties"].(map[string]any)
		if okOld && okNew {
			merged := map[string]any{}
			for pk, pv := range old {
				merged[pk] = pv
			}
			for pk, pv := range nv {
				merged[pk] = pv
			}
			merged["properties"] = mergeProperties(oldProps, newProps)
			out[k] = merged
			continue
		}
		out[k] = v
	}
	return out
}

func templateName(e any) string {
	m, _ := e.(map[string]any)
	for k := range m {
		return k
	}
	return ""
}

func mergeDynamicTemplates(dst, src []any) []any {
	out := append([]any(nil), dst...)
	for _, e := range src {
		name := templateName(e)
		replaced := false
		for i, o := range out {
			if templateName(o) == name {
				out[i] = e
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, e)
		}
	}
	return out
}

// sortTemplates orders templates by priority, highest first, then by name.
func sortTemplates(ts []*IndexTemplate) {
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].Priority != ts[j].Priority {
			return ts[i].Priority > ts[j].Priority
		}
		return ts[i].Name < ts[j].Name
	})
}
