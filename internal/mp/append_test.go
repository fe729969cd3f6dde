package mp

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"
)

// The appenders, each against tinylib/msgp's encoding (the same bytes
// where both write the shortest form) or read back by it, at every width's
// edges; each with a benchmark (ReportAllocs, SetBytes: the bytes written).

func TestAppendMapHeader(t *testing.T) {
	for _, n := range headerSizes {
		require.Equal(t, msgp.AppendMapHeader(nil, uint32(n)), AppendMapHeader(nil, n), "%d pairs", n)
	}
}

func TestAppendArrayHeader(t *testing.T) {
	for _, n := range headerSizes {
		require.Equal(t, msgp.AppendArrayHeader(nil, uint32(n)), AppendArrayHeader(nil, n), "%d elements", n)
	}
}

func TestAppendStr(t *testing.T) {
	for _, n := range strSizes {
		s := strings.Repeat("x", n)
		require.Equal(t, msgp.AppendString(nil, s), AppendStr(nil, s), "%d bytes", n)
		require.Equal(t, msgp.AppendString(nil, s), AppendStr(nil, []byte(s)), "%d bytes from a []byte", n)
	}
}

func TestAppendBinHeader(t *testing.T) {
	for _, n := range strSizes {
		require.Equal(t, msgp.AppendBytesHeader(nil, uint32(n)), AppendBinHeader(nil, n), "%d bytes", n)
	}
}

func TestAppendUint(t *testing.T) {
	for _, u := range []uint64{0, 0x7f, 0x80, math.MaxUint8, math.MaxUint8 + 1, math.MaxUint16, math.MaxUint16 + 1,
		math.MaxUint32, math.MaxUint32 + 1, math.MaxUint64} {
		require.Equal(t, msgp.AppendUint64(nil, u), AppendUint(nil, u), "%d", u)
	}
}

// AppendInt writes non-negative numbers and -32..-1 in their shortest
// form, and other negative numbers as int32 or int64 (never int8 or
// int16): read back by tinylib/msgp as the same number.
func TestAppendInt(t *testing.T) {
	for _, c := range []struct {
		n    int64
		size int
	}{
		{0, 1}, {0x7f, 1}, {0x80, 2}, {math.MaxUint8, 2}, {math.MaxUint8 + 1, 3}, {math.MaxUint16, 3},
		{math.MaxUint16 + 1, 5}, {math.MaxInt32, 5}, {math.MaxInt32 + 1, 9}, {math.MaxInt64, 9},
		{-1, 1}, {-32, 1}, {-33, 5}, {math.MinInt32, 5}, {math.MinInt32 - 1, 9}, {math.MinInt64, 9},
	} {
		b := AppendInt(nil, c.n)
		require.Len(t, b, c.size, "%d", c.n)
		got, rest, err := msgp.ReadInt64Bytes(b)
		require.NoError(t, err, "%d", c.n)
		require.Empty(t, rest)
		require.Equal(t, c.n, got)
	}
}

// AppendJSONString escapes what JSON requires and replaces invalid UTF-8.
func TestAppendJSONString(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"plain", "alice", `"alice"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"newline, return, tab", "a\nb\rc\td", `"a\nb\rc\td"`},
		{"other control bytes", "\x00\x1f", `"\u0000\u001f"`},
		{"UTF-8 kept", "é€😀", `"é€😀"`},
		{"invalid UTF-8 replaced", "a\xffb\xe2\x82", `"a\ufffdb\ufffd\ufffd"`},
		{"empty", "", `""`},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, string(AppendJSONString(nil, c.in)))
			require.Equal(t, c.want, string(AppendJSONString(nil, []byte(c.in))))
		})
	}
}

func BenchmarkAppendMapHeader(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
	}{{"fixmap", 15}, {"map16", 300}, {"map32", math.MaxUint16 + 1}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 8)
			b.ReportAllocs()
			b.SetBytes(int64(len(AppendMapHeader(nil, c.n))))
			for b.Loop() {
				buf = AppendMapHeader(buf[:0], c.n)
			}
		})
	}
}

func BenchmarkAppendArrayHeader(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
	}{{"fixarray", 15}, {"array16", 300}, {"array32", math.MaxUint16 + 1}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 8)
			b.ReportAllocs()
			b.SetBytes(int64(len(AppendArrayHeader(nil, c.n))))
			for b.Loop() {
				buf = AppendArrayHeader(buf[:0], c.n)
			}
		})
	}
}

func BenchmarkAppendStr(b *testing.B) {
	for _, c := range []struct {
		name string
		s    string
	}{{"fixstr", "event_name"}, {"str8", strings.Repeat("x", 200)}, {"str16", strings.Repeat("x", 1000)}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 2048)
			b.ReportAllocs()
			b.SetBytes(int64(len(AppendStr(nil, c.s))))
			for b.Loop() {
				buf = AppendStr(buf[:0], c.s)
			}
		})
	}
}

func BenchmarkAppendBinHeader(b *testing.B) {
	buf := make([]byte, 0, 8)
	b.ReportAllocs()
	b.SetBytes(3)
	for b.Loop() {
		buf = AppendBinHeader(buf[:0], 1000)
	}
}

func BenchmarkAppendInt(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int64
	}{{"fixint", 6}, {"uint16", 1000}, {"int64", math.MinInt64}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 16)
			b.ReportAllocs()
			b.SetBytes(int64(len(AppendInt(nil, c.n))))
			for b.Loop() {
				buf = AppendInt(buf[:0], c.n)
			}
		})
	}
}

func BenchmarkAppendUint(b *testing.B) {
	for _, c := range []struct {
		name string
		u    uint64
	}{{"fixint", 6}, {"uint32", math.MaxUint32}, {"uint64", math.MaxUint64}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 16)
			b.ReportAllocs()
			b.SetBytes(int64(len(AppendUint(nil, c.u))))
			for b.Loop() {
				buf = AppendUint(buf[:0], c.u)
			}
		})
	}
}

// BenchmarkAppendJSON renders each sample record (the four vendors') as
// JSON, as the stdout emitter and event.original do; SetBytes is the
// msgpack read.
func BenchmarkAppendJSON(b *testing.B) {
	recs, size := sampleRecords(b)
	buf := make([]byte, 0, 4*size)
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		buf = buf[:0]
		for _, r := range recs {
			buf, _, _ = AppendJSON(buf, r, 0)
		}
	}
}

func BenchmarkAppendJSONString(b *testing.B) {
	for _, c := range []struct {
		name string
		s    string
	}{{"ascii", "2c43dd58-5d1c-4c5e-8a6e-7103dfde9e8a"}, {"escapes", "CORP\\m.rossi \"quoted\"\n"}, {"utf8", strings.Repeat("é", 20)}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				buf = AppendJSONString(buf[:0], c.s)
			}
		})
	}
}

// BenchmarkItems walks the elements of an array of the sample records.
func BenchmarkItems(b *testing.B) {
	recs, size := sampleRecords(b)
	arr := AppendArrayHeader(nil, len(recs))
	arr = append(arr, bytes.Join(recs, nil)...)
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		it, _ := ArrayItems(arr, 0)
		for _, end, ok := it.Next(); ok; _, end, ok = it.Next() {
			sinkInt = end
		}
	}
}
