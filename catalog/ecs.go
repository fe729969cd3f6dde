package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// ecsFieldsJSON is a copy of shared/ecs/ecs-event-fields.json, generated
// from elastic/ecs generated/ecs/ecs_flat.yml: the allowed values of the
// categorization fields and the type of every field auditx adds.
//
//go:embed ecs/ecs-event-fields.json
var ecsFieldsJSON []byte

// ECS holds the categorization rules of the Elastic Common Schema.
type ECS struct {
	// Categories maps each allowed event.category to its expected event.type values.
	Categories map[string][]string
	// Types lists the allowed event.type values.
	Types []string
	// Kinds lists the allowed event.kind values.
	Kinds []string
	// Outcomes lists the allowed event.outcome values.
	Outcomes []string
	// FieldTypes maps each field auditx adds to its Elasticsearch type.
	FieldTypes map[string]string
	// Source says where the rules come from (ECS version).
	Source string
}

var ecsRules = sync.OnceValues(func() (*ECS, error) { return parseECS(ecsFieldsJSON) })

// ECSRules returns the embedded ECS rules, parsed once and never modified.
// An error means the embedded copy is broken; the tests catch that before
// it ships.
func ECSRules() (*ECS, error) { return ecsRules() }

func parseECS(data []byte) (*ECS, error) {
	var raw struct {
		Source        string `json:"source"`
		AllowedValues map[string][]struct {
			Name          string   `json:"name"`
			ExpectedTypes []string `json:"expected_event_types"`
		} `json:"allowed_values"`
		FieldTypes map[string]struct {
			Type string `json:"type"`
		} `json:"field_types"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	e := &ECS{Categories: map[string][]string{}, FieldTypes: map[string]string{}, Source: raw.Source}
	for _, c := range raw.AllowedValues["event.category"] {
		e.Categories[c.Name] = c.ExpectedTypes
	}
	names := func(field string) []string {
		var out []string
		for _, v := range raw.AllowedValues[field] {
			out = append(out, v.Name)
		}
		return out
	}
	e.Types, e.Kinds, e.Outcomes = names("event.type"), names("event.kind"), names("event.outcome")
	for k, v := range raw.FieldTypes {
		e.FieldTypes[k] = v.Type
	}
	if len(e.Categories) == 0 || len(e.Types) == 0 {
		return nil, fmt.Errorf("no event.category or event.type values")
	}
	return e, nil
}

// CheckCategorization checks an entry's categories and types against ECS:
// every value allowed, every type expected by at least one of the
// categories, every category given at least one of its expected types.
func (e *ECS) CheckCategorization(categories, types []string) error {
	if len(categories) == 0 {
		return fmt.Errorf("category is empty")
	}
	if len(types) == 0 {
		return fmt.Errorf("type is empty")
	}
	for _, c := range categories {
		if _, ok := e.Categories[c]; !ok {
			return fmt.Errorf("category %q is not an ECS event.category (accepted: %s)", c, joinSorted(e.Categories))
		}
	}
	for _, t := range types {
		if !slices.Contains(e.Types, t) {
			return fmt.Errorf("type %q is not an ECS event.type", t)
		}
		expected := false
		for _, c := range categories {
			expected = expected || slices.Contains(e.Categories[c], t)
		}
		if !expected {
			return fmt.Errorf("type %q is not expected by any of the categories %v (ECS expected_event_types)", t, categories)
		}
	}
	for _, c := range categories {
		found := false
		for _, t := range types {
			found = found || slices.Contains(e.Categories[c], t)
		}
		if !found {
			return fmt.Errorf("category %q has none of its expected types %v among %v", c, e.Categories[c], types)
		}
	}
	return nil
}

func joinSorted(m map[string][]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += ", "
		}
		out += k
	}
	return out
}
