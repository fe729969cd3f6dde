package enrich

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
)

// vendor5Files are the fifth test vendor's descriptor and event table
// (testdata/vendor5): a vendor defined by files alone.
func vendor5Files() []string {
	dir := filepath.Join("..", "testdata", "vendor5")
	return []string{filepath.Join(dir, "acme.vendor"), filepath.Join(dir, "acme.csv")}
}

func vendor5Bodies(t *testing.T) [][]byte {
	f, err := os.Open(filepath.Join("..", "testdata", "vendor5", "acme.log"))
	require.NoError(t, err)
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			out = append(out, toMP(t, sc.Text()))
		}
	}
	require.NotEmpty(t, out)
	return out
}

// A fifth vendor from files: recognised with vendor auto next to the four,
// its code under a nested key in its canonical form, its outcome, severity
// and actor fields from the descriptor.
func TestFifthVendorFromFiles(t *testing.T) {
	cat, err := catalog.Load(vendor5Files()...)
	require.NoError(t, err)
	e, err := New(cat, Options{Actor: true, DataStreamNamespace: "default"})
	require.NoError(t, err)
	results := map[Result]int{}
	for _, body := range vendor5Bodies(t) {
		out, r, v := e.RecordVendor(nil, body)
		results[r]++
		require.NotNil(t, v, "recognised")
		require.Equal(t, "acme_idp", v.ID)
		m := decode(t, out)
		in := decode(t, body)
		assert.Equal(t, "acme_idp", get(m, "event", "module"))
		assert.Equal(t, "acme_idp.audit", get(m, "event", "dataset"))
		assert.Equal(t, "acme_idp.audit", get(m, "data_stream", "dataset"))
		assert.Equal(t, "Acme Corp", get(m, "observer", "vendor"))
		assert.Equal(t, "Acme Identity Cloud", get(m, "observer", "product"))
		assert.Equal(t, get(in, "actor", "login"), get(m, "user", "name"))
		assert.Equal(t, get(in, "actor", "ip"), get(m, "source", "ip"))
		code := get(m, "event", "code").(string)
		assert.NotContains(t, code, "-", "canonical: '-' read as '_'")
		if r == ResultEnriched {
			status := get(in, "outcome", "code")
			want := "failure"
			if fmt.Sprint(status) == "0" {
				want = "success"
			}
			assert.Equal(t, want, get(m, "event", "outcome"), "outcome.code %v", status)
			assert.NotEmpty(t, get(m, "event", "action"))
		}
	}
	assert.Positive(t, results[ResultEnriched])
	assert.Equal(t, 1, results[ResultUnknown], "the one code the table lacks")

	// The four embedded vendors' samples come out byte for byte as without
	// the fifth vendor.
	plain := newEnricher(t, Options{Actor: true, DataStreamNamespace: "default"})
	for _, id := range []string{"filingbox", "netop", "plusauth", "privx"} {
		for i, body := range sampleBodies(t, id) {
			a, _ := plain.Record(nil, body)
			b, _ := e.Record(nil, body)
			require.Equal(t, a, b, "%s record %d", id, i+1)
		}
	}
}

// A vendor fixed by id must exist in the catalog, and a reload that drops
// it is refused with the catalog in use kept.
func TestFixedVendorMustExist(t *testing.T) {
	cat, err := catalog.Load(vendor5Files()...)
	require.NoError(t, err)
	e, err := New(cat, Options{Vendor: "acme_idp"})
	require.NoError(t, err)
	err = e.SetCatalog(mustCatalog(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown vendor "acme_idp" (accepted: filingbox, netop, plusauth, privx)`)
	assert.Same(t, cat, e.Catalog(), "the catalog in use stays")

	_, err = New(mustCatalog(t), Options{Vendor: "acme_idp"})
	require.Error(t, err)
}
