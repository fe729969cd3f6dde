package bulktest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// es819 is the release the server imitates by default (failure store GA).
var (
	es819 = Product{Flavor: Elasticsearch, Version: MustVersion("8.19")}
	os219 = Product{Flavor: OpenSearch, Version: MustVersion("2.19")}
)

func esAt(v string) Product { return Product{Flavor: Elasticsearch, Version: MustVersion(v)} }

func osAt(v string) Product { return Product{Flavor: OpenSearch, Version: MustVersion(v)} }

// obj decodes a JSON object as the server does (numbers as json.Number).
func obj(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m), s)
	return m
}

// step is one document indexed in a case: want "" accepts it, otherwise
// the error (type and reason) must contain want.
type step struct {
	doc     string
	want    string
	ignored []string // fields expected in _ignored
}

// runSteps indexes each step's document in order and checks the answers.
func runSteps(t *testing.T, m *Mapping, steps []step) []*Indexed {
	t.Helper()
	var out []*Indexed
	for i, s := range steps {
		res, err := m.Index("doc-"+string(rune('1'+i)), obj(t, s.doc))
		if s.want == "" {
			require.NoError(t, err, "step %d: %s", i+1, s.doc)
			if s.ignored != nil {
				require.Equal(t, s.ignored, res.Ignored, "step %d: _ignored", i+1)
			}
		} else {
			require.Error(t, err, "step %d: %s should be rejected", i+1, s.doc)
			require.Contains(t, err.Error(), s.want, "step %d", i+1)
		}
		out = append(out, res)
	}
	return out
}

func newMapping(t *testing.T, mappings string, s Settings, p Product) *Mapping {
	t.Helper()
	if mappings == "" {
		mappings = "{}"
	}
	m, err := NewMapping(obj(t, mappings), s, p)
	require.NoError(t, err)
	return m
}
