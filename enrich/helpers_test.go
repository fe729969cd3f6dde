package enrich

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/eventtest"
	"github.com/auditx/auditx/internal/mpjson"
)

var cv = mpjson.New()

func newEnricher(t testing.TB, o Options) *Enricher {
	t.Helper()
	c, err := catalog.Embedded()
	require.NoError(t, err)
	e, err := New(c, o)
	require.NoError(t, err)
	return e
}

// toMP converts a JSON object to a msgpack map (keys sorted).
func toMP(t testing.TB, js string) []byte {
	t.Helper()
	b, err := cv.ToMsgpack([]byte(js))
	require.NoError(t, err, js)
	return b
}

// decode turns a msgpack map into a Go map.
func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	v, err := cv.Decode(b)
	require.NoError(t, err)
	m, ok := v.(map[string]any)
	require.True(t, ok, "not a map: %T", v)
	return m
}

// get follows a dotted path through nested maps.
func get(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

// sampleBodies reads a sample log as msgpack bodies.
func sampleBodies(t testing.TB, vendor string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "samples", vendor+".log"))
	require.NoError(t, err)
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, toMP(t, sc.Text()))
	}
	return out
}

// The event builders of internal/eventtest, under the names these tests use:
// eventV2 is [[EventTime(sec, nsec), meta], body], eventV1Int the legacy
// [uint32 time, body].
var (
	eventV2    = eventtest.V2
	eventV1Int = eventtest.V1Int
	emptyMap   = eventtest.EmptyMap
)

func mustCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Embedded()
	require.NoError(t, err)
	return c
}
