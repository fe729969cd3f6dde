package keyname

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/mp"
)

// fuzzCache is one Cache across fuzz inputs, so that inputs meet shapes
// other inputs left behind.
var fuzzCache struct {
	sync.Mutex
	c Cache
}

// checkCached fails t unless a Cache names src as AppendValue did (out,
// end, err): a new Cache (learning), the same Cache again (copying), and
// the fuzz run's Cache (shapes of other inputs in its slots).
func checkCached(t *testing.T, src, out []byte, end int, err error) {
	t.Helper()
	var fresh Cache
	fuzzCache.Lock()
	defer fuzzCache.Unlock()
	// AppendPairs names a map's pairs as AppendValue names the map.
	if n, first, ok := mp.MapHeader(src, 0); ok && err == nil {
		hdr := first
		for _, c := range []*Cache{nil, &fresh, &fuzzCache.c} {
			got, gotEnd, gotErr := c.AppendPairs([]byte{0xc0}, src, first, n)
			if gotErr != nil || !bytes.Equal(append([]byte{0xc0}, src[:hdr]...), out[:1+hdr]) || !bytes.Equal(got[1:], out[1+hdr:]) || gotEnd != end {
				t.Fatalf("AppendPairs wrote %x (end %d, %v), AppendValue %x (end %d)", got, gotEnd, gotErr, out, end)
			}
		}
	}
	for i, c := range []*Cache{&fresh, &fresh, &fuzzCache.c} {
		got, gotEnd, gotErr := c.AppendValue([]byte{0xc0}, src, 0)
		if (gotErr != nil) != (err != nil) {
			t.Fatalf("pass %d: Cache error %v, AppendValue error %v", i, gotErr, err)
		}
		if !bytes.Equal(got, out) || gotEnd != end {
			t.Fatalf("pass %d: Cache wrote %x (end %d), AppendValue %x (end %d)", i, got, gotEnd, out, end)
		}
	}
}

func TestCacheSameAsAppendValue(t *testing.T) {
	var c Cache
	for _, js := range []string{
		`{"userId":1,"user_id":2,"USER_ID":3}`,
		`{"a":1,"A":2,"a_3":3,"a-2":4}`,
		`{"List":[{"aB":1},[{"cD":2}],"eF"],"":{"-":null}}`,
		`{"message":{"userID":"u","remoteAddress":"10.0.0.1"},"event_id":"425"}`,
		`{"message":{"userID":"u","remoteAddress":"10.0.0.1"},"event_id":"426"}`,
		`{"message":"text","event_id":"425"}`,
		`{"message":{"remoteAddress":"10.0.0.1","userID":"u"},"event_id":"425"}`,
		`{"message":{"userID":"u","RemoteAddress":"10.0.0.1"},"event_id":"425"}`,
	} {
		src := mpOf(js)
		want, wantEnd, err := AppendValue(nil, src, 0)
		require.NoError(t, err)
		for range 3 {
			got, end, err := c.AppendValue(nil, src, 0)
			require.NoError(t, err, js)
			require.Equal(t, want, got, js)
			require.Equal(t, wantEnd, end)
		}
	}
}

// Maps a Cache does not hold (keys that are not strs, more keys than
// CacheShapeKeys) are named as AppendValue names them.
func TestCacheMapsItDoesNotHold(t *testing.T) {
	var c Cache
	big := mp.AppendMapHeader(nil, CacheShapeKeys+1)
	for i := range CacheShapeKeys + 1 {
		big = append(mp.AppendStr(big, []string{"a", "A", "a_2", "a-3"}[i%4]), byte(i&0x7f))
	}
	long := mp.AppendMapHeader(nil, 2)
	long = append(mp.AppendStr(long, bytes.Repeat([]byte("k"), CacheShapeBytes)), 1)
	long = append(mp.AppendStr(long, "K"), 2)
	for _, src := range [][]byte{big, long, {0x82, 0x07, 0x01, 0xa1, 'B', 0x02}, {0x82, 0xa1, 'B', 0x02, 0x07, 0x01}} {
		want, _, err := AppendValue(nil, src, 0)
		require.NoError(t, err)
		for range 2 {
			got, _, err := c.AppendValue(nil, src, 0)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
	}
}

// Two shapes that share a slot (same key count, same first key) both stay:
// alternating records of the two copy their names, allocating nothing.
func TestCacheTwoShapesOneSlot(t *testing.T) {
	var c Cache
	a, b := mpOf(`{"id":1,"userName":"x"}`), mpOf(`{"id":1,"remoteAddress":"y"}`)
	wantA, _, _ := AppendValue(nil, a, 0)
	wantB, _, _ := AppendValue(nil, b, 0)
	dst := make([]byte, 0, 256)
	for range 2 {
		dst, _, _ = c.AppendValue(dst[:0], a, 0)
		require.Equal(t, wantA, dst)
		dst, _, _ = c.AppendValue(dst[:0], b, 0)
		require.Equal(t, wantB, dst)
	}
	require.Zero(t, testing.AllocsPerRun(100, func() {
		dst, _, _ = c.AppendValue(dst[:0], a, 0)
		dst, _, _ = c.AppendValue(dst[:0], b, 0)
	}))
}

// A nil Cache is AppendValue.
func TestCacheNil(t *testing.T) {
	var c *Cache
	src := mpOf(`{"userId":1}`)
	got, _, err := c.AppendValue(nil, src, 0)
	require.NoError(t, err)
	require.Equal(t, mpOf(`{"user_id":1}`), got)
}

// A map nested in a map of the same slot (the same ShapeHash slot) is
// learned while its parent's shape names the parent: the parent's shape is
// not the one overwritten (it was, and the parent's names came out of the
// child's shape).
func TestCacheNestedSameSlot(t *testing.T) {
	mapOf := func(kv ...string) []byte {
		b := mp.AppendMapHeader(nil, len(kv)/2)
		for _, s := range kv {
			b = mp.AppendStr(b, s)
		}
		return b
	}
	outer := func(inner []byte) []byte {
		b := mp.AppendMapHeader(nil, 3)
		b = append(mp.AppendStr(b, "p"), inner...)
		b = append(mp.AppendStr(b, "z"), 0x01)
		return append(mp.AppendStr(b, "w"), 0x02)
	}
	slot := func(m []byte) int {
		n, first, _ := mp.MapHeader(m, 0)
		s, _ := slotOf(m, first, n)
		return s
	}
	want := slot(outer(mapOf("q", "1", "y", "2")))
	var inners [][]byte
	for i := 0; len(inners) < 2; i++ {
		if in := mapOf(fmt.Sprintf("q%d", i), "1", "y", "2"); slot(in) == want {
			inners = append(inners, in)
		}
	}
	var c Cache
	var parent *shape // the outer map's shape, once learned
	for _, in := range inners {
		src := outer(in)
		exp, _, err := AppendValue(nil, src, 0)
		require.NoError(t, err)
		got, _, err := c.AppendValue(nil, src, 0)
		require.NoError(t, err)
		require.Equal(t, exp, got)
		if parent == nil {
			for _, s := range c.slots[want : want+2] {
				if s != nil && len(s.rawEnd) == 3 {
					parent = s
				}
			}
			require.NotNil(t, parent)
		}
		// The second inner map is learned while the parent's shape names
		// the parent, and the first inner map's shape is the older one:
		// it is the one replaced, not the parent's.
		require.Len(t, parent.rawEnd, 3, "the parent's shape kept its keys")
		require.Equal(t, "\xa1p\xa1z\xa1w", string(parent.raw))
	}
}
