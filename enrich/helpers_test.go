package enrich

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
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

// eventV2 builds [[EventTime(sec, nsec), meta], body]:
//
//	0x92                      array(2): the event
//	0x92                      array(2): the header
//	0xd7 0x00 s s s s n n n n fixext8 type 0: EventTime, BE seconds, BE nanoseconds
//	meta                      the metadata map
//	body                      the record
func eventV2(sec, nsec uint32, meta, body []byte) []byte {
	b := []byte{0x92, 0x92, 0xd7, 0x00,
		byte(sec >> 24), byte(sec >> 16), byte(sec >> 8), byte(sec),
		byte(nsec >> 24), byte(nsec >> 16), byte(nsec >> 8), byte(nsec)}
	b = append(b, meta...)
	return append(b, body...)
}

// eventV1Int builds the legacy [uint32 time, body]:
//
//	0x92 0xce t t t t body
func eventV1Int(sec uint32, body []byte) []byte {
	b := []byte{0x92, 0xce, byte(sec >> 24), byte(sec >> 16), byte(sec >> 8), byte(sec)}
	return append(b, body...)
}

var emptyMap = []byte{0x80}

func mustCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Embedded()
	require.NoError(t, err)
	return c
}
