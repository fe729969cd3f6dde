package mp

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"
)

// The readers, each against tinylib/msgp's encoding of the same value at
// every width the format has, and on bytes that end too soon or hold
// another type; each with a benchmark (ReportAllocs, SetBytes: the bytes
// read).

func TestBeUint(t *testing.T) {
	b := []byte{0x01, 0x02, 0x03, 0x04, 0x80, 0x00, 0x00, 0x00}
	for _, c := range []struct {
		name string
		i, n int
		want int
		ok   bool
	}{
		{"one byte", 0, 1, 0x01, true},
		{"two bytes", 0, 2, 0x0102, true},
		{"four bytes", 0, 4, 0x01020304, true},
		{"four bytes at the end", 4, 4, 0, false}, // 0x80000000 > MaxInt32
		{"past the end", 6, 4, 0, false},
		{"negative offset", -1, 1, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := BeUint(b, c.i, c.n)
			require.Equal(t, c.ok, ok)
			require.Equal(t, c.want, got)
		})
	}
}

// headerSizes are the container sizes at each header width's edges.
var headerSizes = []int{0, 1, 15, 16, math.MaxUint16, math.MaxUint16 + 1}

func TestMapHeader(t *testing.T) {
	for _, n := range headerSizes {
		b := msgp.AppendMapHeader([]byte{0xc0}, uint32(n)) // at offset 1
		got, next, ok := MapHeader(b, 1)
		require.True(t, ok, "%d pairs", n)
		require.Equal(t, n, got)
		require.Equal(t, len(b), next)
		_, _, ok = MapHeader(b[:len(b)-1], 1)
		require.False(t, ok, "%d pairs, header cut short", n)
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"an array", msgp.AppendArrayHeader(nil, 1)},
		{"a string", msgp.AppendString(nil, "m")},
		{"map16 cut", []byte{0xde, 0x00}},
		{"map32 cut", []byte{0xdf, 0x00, 0x00, 0x01}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, ok := MapHeader(c.b, 0)
			require.False(t, ok)
		})
	}
}

func TestArrayHeader(t *testing.T) {
	for _, n := range headerSizes {
		b := msgp.AppendArrayHeader([]byte{0xc0}, uint32(n))
		got, next, ok := ArrayHeader(b, 1)
		require.True(t, ok, "%d elements", n)
		require.Equal(t, n, got)
		require.Equal(t, len(b), next)
		_, _, ok = ArrayHeader(b[:len(b)-1], 1)
		require.False(t, ok, "%d elements, header cut short", n)
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"a map", msgp.AppendMapHeader(nil, 1)},
		{"array16 cut", []byte{0xdc, 0x00}},
		{"array32 cut", []byte{0xdd, 0x00, 0x00}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, ok := ArrayHeader(c.b, 0)
			require.False(t, ok)
		})
	}
}

// strSizes are the payload lengths at each str and bin width's edges.
var strSizes = []int{0, 1, 31, 32, math.MaxUint8, math.MaxUint8 + 1, math.MaxUint16, math.MaxUint16 + 1}

func TestStr(t *testing.T) {
	for _, n := range strSizes {
		payload := strings.Repeat("x", n)
		for _, enc := range []struct {
			name string
			b    []byte
		}{
			{"str", msgp.AppendString([]byte{0xc0}, payload)},
			{"bin", msgp.AppendBytes([]byte{0xc0}, []byte(payload))},
		} {
			s, e, ok := Str(enc.b, 1)
			require.True(t, ok, "%s of %d bytes", enc.name, n)
			require.Equal(t, len(enc.b), e)
			require.Equal(t, payload, string(enc.b[s:e]))
			if n > 0 {
				_, _, ok = Str(enc.b[:len(enc.b)-1], 1)
				require.False(t, ok, "%s of %d bytes, cut short", enc.name, n)
			}
		}
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"an integer", msgp.AppendInt64(nil, 1)},
		{"a map", msgp.AppendMapHeader(nil, 0)},
		{"str8 without its length", []byte{0xd9}},
		{"bin32 without its length", []byte{0xc6, 0x00}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, ok := Str(c.b, 0)
			require.False(t, ok)
		})
	}
}

func TestScalar(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		kind Kind
		s    string
		n    int64
		u    uint64
		f    float64
	}{
		{"positive fixint", []byte{0x7f}, KindInt, "", 127, 0, 0},
		{"negative fixint", []byte{0xe0}, KindInt, "", -32, 0, 0},
		{"uint8", []byte{0xcc, 0xff}, KindInt, "", 255, 0, 0},
		{"uint16", []byte{0xcd, 0xff, 0xff}, KindInt, "", 65535, 0, 0},
		{"uint32", []byte{0xce, 0xff, 0xff, 0xff, 0xff}, KindInt, "", math.MaxUint32, 0, 0},
		{"uint64 in int64", msgp.AppendUint64(nil, math.MaxInt64), KindInt, "", math.MaxInt64, 0, 0},
		{"uint64 beyond int64", msgp.AppendUint64(nil, math.MaxUint64), KindUint, "", 0, math.MaxUint64, 0},
		{"int8", []byte{0xd0, 0x80}, KindInt, "", -128, 0, 0},
		{"int16", []byte{0xd1, 0x80, 0x00}, KindInt, "", math.MinInt16, 0, 0},
		{"int32", []byte{0xd2, 0x80, 0x00, 0x00, 0x00}, KindInt, "", math.MinInt32, 0, 0},
		{"int64", msgp.AppendInt64(nil, math.MinInt64), KindInt, "", math.MinInt64, 0, 0},
		{"float32", msgp.AppendFloat32(nil, 1.5), KindFloat, "", 0, 0, 1.5},
		{"float64", msgp.AppendFloat64(nil, -2.25), KindFloat, "", 0, 0, -2.25},
		{"str", msgp.AppendString(nil, "4002"), KindString, "4002", 0, 0, 0},
		{"bin", msgp.AppendBytes(nil, []byte("4002")), KindString, "4002", 0, 0, 0},
		{"nil", msgp.AppendNil(nil), KindOther, "", 0, 0, 0},
		{"bool", msgp.AppendBool(nil, true), KindOther, "", 0, 0, 0},
		{"map", msgp.AppendMapHeader(nil, 0), KindOther, "", 0, 0, 0},
		{"ext", []byte{0xd4, 0x01, 0x00}, KindOther, "", 0, 0, 0},
		{"uint32 cut", []byte{0xce, 0xff, 0xff}, KindOther, "", 0, 0, 0},
		{"float64 cut", []byte{0xcb, 0x00}, KindOther, "", 0, 0, 0},
		{"empty", nil, KindOther, "", 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			kind, s, n, u, f := Scalar(c.b, 0)
			require.Equal(t, c.kind, kind)
			require.Equal(t, c.s, string(s))
			require.Equal(t, c.n, n)
			require.Equal(t, c.u, u)
			require.Equal(t, c.f, f)
		})
	}
}

func TestEventTimeSeconds(t *testing.T) {
	fixext := []byte{0xc0, 0xd7, 0x00, 0x69, 0x1e, 0x8d, 0x80, 0x00, 0x00, 0x00, 0x01}
	ext8 := []byte{0xc0, 0xc7, 0x08, 0x00, 0x69, 0x1e, 0x8d, 0x80, 0x00, 0x00, 0x00, 0x01}
	for _, c := range []struct {
		name string
		b    []byte
		sec  uint32
		ok   bool
	}{
		{"fixext8", fixext, 0x691e8d80, true},
		{"ext8 of 8 bytes", ext8, 0x691e8d80, true},
		{"fixext8 cut", fixext[:len(fixext)-1], 0, false},
		{"ext8 cut", ext8[:len(ext8)-1], 0, false},
		{"another ext type", []byte{0xc0, 0xd7, 0x01, 0, 0, 0, 1, 0, 0, 0, 0}, 0, false},
		{"ext8 of 9 bytes", []byte{0xc0, 0xc7, 0x09, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 0}, 0, false},
		{"an integer", []byte{0xc0, 0xce, 0x69, 0x1e, 0x8d, 0x80}, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sec, ok := EventTimeSeconds(c.b, 1)
			require.Equal(t, c.ok, ok)
			require.Equal(t, c.sec, sec)
		})
	}
}

// skipObjects holds one object of every msgpack format.
func skipObjects() [][]byte {
	big := strings.Repeat("y", math.MaxUint16+1)
	return [][]byte{
		{0x00}, {0x7f}, {0xe0}, {0xc0}, {0xc2}, {0xc3},
		msgp.AppendUint64(nil, 200), msgp.AppendUint64(nil, 60000), msgp.AppendUint64(nil, 1<<31), msgp.AppendUint64(nil, 1<<63),
		msgp.AppendInt64(nil, -100), msgp.AppendInt64(nil, -30000), msgp.AppendInt64(nil, -1<<31), msgp.AppendInt64(nil, -1<<62),
		msgp.AppendFloat32(nil, 1), msgp.AppendFloat64(nil, 1),
		msgp.AppendString(nil, "a"), msgp.AppendString(nil, big[:40]), msgp.AppendString(nil, big[:300]), msgp.AppendString(nil, big),
		msgp.AppendBytes(nil, []byte("a")), msgp.AppendBytes(nil, []byte(big[:300])), msgp.AppendBytes(nil, []byte(big)),
		{0xd4, 1, 0}, {0xd5, 1, 0, 0}, {0xd6, 1, 0, 0, 0, 0}, {0xd7, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		append([]byte{0xd8, 1}, make([]byte, 16)...), {0xc7, 1, 1, 0}, {0xc8, 0, 1, 1, 0}, {0xc9, 0, 0, 0, 1, 1, 0},
		msgp.AppendArrayHeader(nil, 0), append(msgp.AppendArrayHeader(nil, 20), bytes.Repeat([]byte{0xc0}, 20)...),
		append(msgp.AppendArrayHeader(nil, 1<<16), bytes.Repeat([]byte{0xc0}, 1<<16)...),
		pairsMap(), append(msgp.AppendMapHeader(nil, 20), bytes.Repeat([]byte{0xc0}, 40)...),
		append(msgp.AppendMapHeader(nil, 1<<16), bytes.Repeat([]byte{0xc0}, 2<<16)...),
	}
}

// Skip agrees with tinylib/msgp's on one object of every format, and
// tells one cut short (ErrShort) from a byte that starts none.
func TestSkip(t *testing.T) {
	for _, obj := range skipObjects() {
		b := append([]byte{0xc0}, obj...)
		b = append(b, 0xc3) // a next object, not read
		end, err := Skip(b, 1)
		require.NoError(t, err, "% x", obj[:min(len(obj), 8)])
		rest, err := msgp.Skip(b[1:])
		require.NoError(t, err)
		require.Equal(t, len(b)-len(rest), end, "% x", obj[:min(len(obj), 8)])
		require.Equal(t, 1+len(obj), end)
		_, err = Skip(b[:len(b)-2], 1)
		require.ErrorIs(t, err, ErrShort, "% x cut short", obj[:min(len(obj), 8)])
	}
	_, err := Skip([]byte{0xc1}, 0)
	require.ErrorIs(t, err, ErrMalformed)
	require.NotErrorIs(t, err, ErrShort)
	_, err = Skip([]byte{0xdd, 0x7f, 0xff, 0xff, 0xff}, 0)
	require.ErrorIs(t, err, ErrShort, "an array claiming more elements than bytes remain")
}

func BenchmarkBeUint(b *testing.B) {
	buf := []byte{0x01, 0x02, 0x03, 0x04}
	b.ReportAllocs()
	b.SetBytes(4)
	for b.Loop() {
		sinkInt, _ = BeUint(buf, 0, 4)
	}
}

func BenchmarkMapHeader(b *testing.B) {
	for _, n := range []int{15, math.MaxUint16 + 1} {
		buf := msgp.AppendMapHeader(nil, uint32(n))
		b.Run(map[int]string{15: "fixmap", math.MaxUint16 + 1: "map32"}[n], func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				sinkInt, _, _ = MapHeader(buf, 0)
			}
		})
	}
}

func BenchmarkArrayHeader(b *testing.B) {
	for _, n := range []int{15, math.MaxUint16 + 1} {
		buf := msgp.AppendArrayHeader(nil, uint32(n))
		b.Run(map[int]string{15: "fixarray", math.MaxUint16 + 1: "array32"}[n], func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				sinkInt, _, _ = ArrayHeader(buf, 0)
			}
		})
	}
}

func BenchmarkStr(b *testing.B) {
	for _, c := range []struct {
		name string
		buf  []byte
	}{
		{"fixstr", msgp.AppendString(nil, "event_name")},
		{"str8", msgp.AppendString(nil, strings.Repeat("x", 200))},
		{"bin16", msgp.AppendBytes(nil, bytes.Repeat([]byte("x"), 1000))},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.buf)))
			for b.Loop() {
				_, sinkInt, _ = Str(c.buf, 0)
			}
		})
	}
}

func BenchmarkScalar(b *testing.B) {
	for _, c := range []struct {
		name string
		buf  []byte
	}{
		{"fixint", []byte{0x06}},
		{"int64", msgp.AppendInt64(nil, math.MinInt64)},
		{"float64", msgp.AppendFloat64(nil, 4002)},
		{"str", msgp.AppendString(nil, "4002")},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.buf)))
			for b.Loop() {
				sinkKind, _, _, _, _ = Scalar(c.buf, 0)
			}
		})
	}
}

var sinkKind Kind

func BenchmarkEventTimeSeconds(b *testing.B) {
	buf := []byte{0xd7, 0x00, 0x69, 0x1e, 0x8d, 0x80, 0x00, 0x00, 0x00, 0x01}
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		sec, _ := EventTimeSeconds(buf, 0)
		sinkInt = int(sec)
	}
}

// BenchmarkSkip skips each sample record whole (the four vendors').
func BenchmarkSkip(b *testing.B) {
	recs, size := sampleRecords(b)
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, r := range recs {
			sinkInt, _ = Skip(r, 0)
		}
	}
}
