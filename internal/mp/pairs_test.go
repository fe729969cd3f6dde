package mp

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/internal/mpjson"
	"github.com/auditx/auditx/internal/samples"
)

// sampleRecords returns every sample record of the four vendors as a
// msgpack map, and their total size.
func sampleRecords(tb testing.TB) ([][]byte, int) {
	tb.Helper()
	cv := mpjson.New()
	var out [][]byte
	size := 0
	for _, v := range samples.Vendors {
		lines, err := samples.Lines(v)
		require.NoError(tb, err)
		for _, l := range lines {
			b, err := cv.ToMsgpack(l)
			require.NoError(tb, err)
			out = append(out, b)
			size += len(b)
		}
	}
	return out, size
}

// pairsMap is a map with every key shape Pairs reads: fixstr, str8, bin,
// an integer and a map as keys, with values of every width.
func pairsMap() []byte {
	b := msgp.AppendMapHeader(nil, 6)
	b = msgp.AppendString(b, "a")
	b = msgp.AppendInt64(b, 1)
	b = msgp.AppendString(b, "a key longer than thirty-one bytes")
	b = msgp.AppendString(b, "v")
	b = msgp.AppendBytes(b, []byte("bin"))
	b = msgp.AppendArrayHeader(b, 2)
	b = msgp.AppendNil(b)
	b = msgp.AppendFloat64(b, 1.5)
	b = msgp.AppendInt64(b, -7)
	b = msgp.AppendMapHeader(b, 1)
	b = msgp.AppendString(b, "x")
	b = msgp.AppendUint64(b, 1<<40)
	b = msgp.AppendMapHeader(b, 1) // a map as a key
	b = msgp.AppendString(b, "k")
	b = msgp.AppendBool(b, true)
	b = msgp.AppendString(b, "")
	b = msgp.AppendString(b, "last")
	b = msgp.AppendInt64(b, -1)
	return b
}

// Pairs returns every pair's offsets as tinylib/msgp reads them, the str
// and bin keys' payloads, and the offset past the map.
func TestPairs(t *testing.T) {
	b := pairsMap()
	ps, ok := MapPairs(b, 0)
	require.True(t, ok)
	n, rest, err := msgp.ReadMapHeaderBytes(b)
	require.NoError(t, err)
	type pair struct {
		key, val, end int
		str           string
		isStr         bool
	}
	var got, want []pair
	for k, v, end, ok := ps.Next(); ok; k, v, end, ok = ps.Next() {
		s, isStr := ps.KeyStr()
		got = append(got, pair{k, v, end, string(s), isStr})
	}
	require.NoError(t, ps.Err())
	require.Equal(t, len(b), ps.Offset())
	for range n {
		k := len(b) - len(rest)
		p := pair{key: k}
		if s, r, err := msgp.ReadStringZC(rest); err == nil {
			p.str, p.isStr, rest = string(s), true, r
		} else if s, r, err := msgp.ReadBytesZC(rest); err == nil {
			p.str, p.isStr, rest = string(s), true, r
		} else {
			rest, err = msgp.Skip(rest)
			require.NoError(t, err)
		}
		p.val = len(b) - len(rest)
		rest, err = msgp.Skip(rest)
		require.NoError(t, err)
		p.end = len(b) - len(rest)
		want = append(want, p)
	}
	require.Equal(t, want, got)
	_, _, _, ok = ps.Next()
	require.False(t, ok, "after the last pair")

	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"not a map", []byte{0x91, 0x01}},
		{"empty", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, ok := MapPairs(c.b, 0)
			require.False(t, ok)
		})
	}
	empty, ok := MapPairs([]byte{0x80}, 0)
	require.True(t, ok)
	_, _, _, ok = empty.Next()
	require.False(t, ok)
	require.NoError(t, empty.Err())
	require.Equal(t, 1, empty.Offset())
}

// A walk over a truncated or malformed map stops at the broken pair with
// Skip's error, and stays stopped; the pairs before it are returned.
func TestPairsErrors(t *testing.T) {
	b := pairsMap()
	full, _ := MapPairs(b, 0)
	var ends []int
	for _, _, end, ok := full.Next(); ok; _, _, end, ok = full.Next() {
		ends = append(ends, end)
	}
	for cut := 1; cut < len(b); cut++ {
		ps, ok := MapPairs(b[:cut], 0)
		require.True(t, ok)
		pairs := 0
		for _, _, _, ok := ps.Next(); ok; _, _, _, ok = ps.Next() {
			pairs++
		}
		require.ErrorIs(t, ps.Err(), ErrShort, "cut at %d", cut)
		complete := 0
		for _, e := range ends {
			if e <= cut {
				complete++
			}
		}
		require.Equal(t, complete, pairs, "cut at %d", cut)
		_, _, _, ok = ps.Next()
		require.False(t, ok)
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"key", []byte{0x81, 0xc1, 0x01}},
		{"value", []byte{0x81, 0xa1, 'k', 0xc1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps, _ := MapPairs(c.b, 0)
			_, _, _, ok := ps.Next()
			require.False(t, ok)
			require.ErrorIs(t, ps.Err(), ErrMalformed)
			require.NotErrorIs(t, ps.Err(), ErrShort)
		})
	}
	ps := PairsAt([]byte{0xa1, 'k'}, 0, 1) // a key whose value is missing
	_, _, _, ok := ps.Next()
	require.False(t, ok)
	require.ErrorIs(t, ps.Err(), ErrShort)
}

// Items returns every element's offsets as tinylib/msgp reads them.
func TestItems(t *testing.T) {
	b := msgp.AppendArrayHeader(nil, 4)
	b = msgp.AppendString(b, "auditx")
	b = append(b, pairsMap()...)
	b = msgp.AppendInt64(b, -1<<40)
	b = msgp.AppendArrayHeader(b, 0)
	it, ok := ArrayItems(b, 0)
	require.True(t, ok)
	n, rest, err := msgp.ReadArrayHeaderBytes(b)
	require.NoError(t, err)
	for range n {
		v, end, ok := it.Next()
		require.True(t, ok)
		require.Equal(t, len(b)-len(rest), v)
		rest, err = msgp.Skip(rest)
		require.NoError(t, err)
		require.Equal(t, len(b)-len(rest), end)
	}
	_, _, ok = it.Next()
	require.False(t, ok)
	require.NoError(t, it.Err())
	require.Equal(t, len(b), it.Offset())

	_, ok = ArrayItems([]byte{0x80}, 0)
	require.False(t, ok, "a map is not an array")
	it, _ = ArrayItems(b[:len(b)-1], 0)
	for _, _, ok := it.Next(); ok; _, _, ok = it.Next() {
	}
	require.ErrorIs(t, it.Err(), ErrShort)
}

// Walking pairs and items allocates nothing.
func TestPairsDoNotAllocate(t *testing.T) {
	b := pairsMap()
	arr := append(msgp.AppendArrayHeader(nil, 1), b...)
	allocs := testing.AllocsPerRun(100, func() {
		ps, _ := MapPairs(b, 0)
		for _, _, _, ok := ps.Next(); ok; _, _, _, ok = ps.Next() {
			_, _ = ps.KeyStr()
		}
		it, _ := ArrayItems(arr, 0)
		for _, _, ok := it.Next(); ok; _, _, ok = it.Next() {
		}
	})
	require.Zero(t, allocs)
}

// FuzzPairs: a walk returns the pairs the hand-written loop (Str for the
// key, else Skip; Skip for the value) finds, and fails where it fails.
func FuzzPairs(f *testing.F) {
	f.Add(pairsMap())
	f.Add([]byte{0x81, 0xa1, 'k'})
	f.Add([]byte{0xde, 0x00, 0x01, 0xc4, 0x01, 'k', 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return
		}
		ps, ok := MapPairs(b, 0)
		n, i, ok2 := MapHeader(b, 0)
		require.Equal(t, ok2, ok)
		if !ok {
			return
		}
		for p := 0; p < n; p++ {
			ks, ke, isStr := Str(b, i)
			vi, err := ke, error(nil)
			if !isStr {
				vi, err = Skip(b, i)
			}
			end := 0
			if err == nil {
				end, err = Skip(b, vi)
			}
			k, v, e, ok := ps.Next()
			if err != nil {
				require.False(t, ok)
				require.ErrorIs(t, ps.Err(), err)
				return
			}
			require.True(t, ok)
			require.Equal(t, [3]int{i, vi, end}, [3]int{k, v, e})
			s, sok := ps.KeyStr()
			require.Equal(t, isStr, sok)
			if isStr {
				require.Equal(t, b[ks:ke], s)
			}
			i = end
		}
		_, _, _, ok = ps.Next()
		require.False(t, ok)
		require.NoError(t, ps.Err())
		require.Equal(t, i, ps.Offset())
	})
}

// BenchmarkPairs walks the top-level pairs of every sample record (the
// four vendors'), reading each str key as scan does: "iterator" with Pairs,
// "loop" with the hand-written loop Pairs replaced. They must cost the same.
func BenchmarkPairs(b *testing.B) {
	recs, size := sampleRecords(b)
	b.Run("iterator", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		keyBytes := 0
		for b.Loop() {
			for _, r := range recs {
				ps, _ := MapPairs(r, 0)
				for _, _, _, ok := ps.Next(); ok; _, _, _, ok = ps.Next() {
					if k, ok := ps.KeyStr(); ok {
						keyBytes += len(k)
					}
				}
				if ps.Err() != nil {
					b.Fatal(ps.Err())
				}
			}
		}
		sinkInt = keyBytes
	})
	b.Run("loop", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		keyBytes := 0
		for b.Loop() {
			for _, r := range recs {
				n, i, _ := MapHeader(r, 0)
				for p := 0; p < n; p++ {
					ks, ke, isStr := Str(r, i)
					vi := ke
					if !isStr {
						var err error
						if vi, err = Skip(r, i); err != nil {
							b.Fatal(err)
						}
					}
					end, err := Skip(r, vi)
					if err != nil {
						b.Fatal(err)
					}
					if isStr {
						keyBytes += len(r[ks:ke])
					}
					i = end
				}
			}
		}
		sinkInt = keyBytes
	})
}

var sinkInt int

// ShapeHash tells maps apart by their pair count and first key, and only
// those: the keys after the first and the values do not change it.
func TestShapeHash(t *testing.T) {
	m := func(n int, kv ...string) []byte {
		b := AppendMapHeader(nil, n)
		for _, s := range kv {
			b = AppendStr(b, s)
		}
		return b
	}
	h := func(b []byte) uint64 {
		n, first, ok := MapHeader(b, 0)
		require.True(t, ok)
		v, ok := ShapeHash(b, first, n)
		require.True(t, ok)
		return v
	}
	a := h(m(2, "service_id", "x", "event_id", "1"))
	require.Equal(t, a, h(m(2, "service_id", "y", "other", "2")))
	require.NotEqual(t, a, h(m(3, "service_id", "x", "event_id", "1", "k", "v")))
	require.NotEqual(t, a, h(m(2, "service_ix", "x", "event_id", "1")))
	_, ok := ShapeHash([]byte{0x81, 0x01, 0x02}, 1, 1)
	require.False(t, ok, "a first key that is no str")
}
