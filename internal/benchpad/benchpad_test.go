package benchpad

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/internal/eventtest"
)

// body returns a map of n string pairs k0..kn-1.
func body(n int) []byte {
	b := msgp.AppendMapHeader(nil, uint32(n))
	for i := range n {
		b = msgp.AppendString(b, "k"+string(rune('a'+i%26)))
		b = msgp.AppendString(b, "value")
	}
	return b
}

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		bad  bool
	}{
		{"", 0, false}, {"0", 0, false}, {"8", 8, false}, {"1024", 1024, false}, {"1048576", MaxBytes, false},
		{"7", 0, true}, {"-1", 0, true}, {"1048577", 0, true}, {"1k", 0, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			n, err := ParseBytes(tc.in)
			if tc.bad {
				require.ErrorContains(t, err, "want 0")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, n)
		})
	}
}

// Every record grows by exactly n bytes: its pairs verbatim, then _pad.
func TestAppendChunkPadsEachRecordExactly(t *testing.T) {
	events := []struct {
		name string
		ev   []byte
		pad  bool
	}{
		{"v2", eventtest.V2(1700000000, 5, []byte{0x81, 0xa1, 'm', 0x01}, body(2)), true},
		{"v1", eventtest.V1(1700000000, 5, body(3)), true},
		{"v1 int time", eventtest.V1Int(1700000000, body(1)), true},
		{"empty body", eventtest.V2(1, 0, nil, eventtest.EmptyMap), true},
		{"15 pairs (fixmap to map16)", eventtest.V2(1, 0, nil, body(15)), true},
		{"16 pairs", eventtest.V2(1, 0, nil, body(16)), true},
		{"group start", eventtest.GroupStart(nil, body(1)), false},
		{"group end", eventtest.GroupEnd(), false},
		{"string body", eventtest.V2(1, 0, nil, msgp.AppendString(nil, "x")), false},
	}
	for _, n := range []int{MinBytes, 9, 37, 38, 39, 40, 263, 264, 1024, 70000} {
		for _, e := range events {
			t.Run(fmt.Sprintf("%s/pad%d", e.name, n), func(t *testing.T) {
				out, padded := AppendChunk([]byte("keep"), e.ev, n)
				require.Equal(t, "keep", string(out[:4]), "appends to dst")
				out = out[4:]
				require.Equal(t, len(out), Size(e.ev, n), "Size")
				if !e.pad {
					require.Zero(t, padded)
					require.Equal(t, e.ev, out, "unchanged")
					return
				}
				require.Equal(t, 1, padded)
				require.Len(t, out, len(e.ev)+n, "exactly n bytes more")
				// The same event up to the body, the body's pairs verbatim, then _pad.
				ev, bodyAt, hdr, count, ok := event(e.ev)
				require.True(t, ok)
				require.Equal(t, len(e.ev), ev)
				require.Equal(t, e.ev[:bodyAt], out[:bodyAt])
				n2, pairs, err := msgp.ReadMapHeaderBytes(out[bodyAt:])
				require.NoError(t, err)
				require.Equal(t, count+1, n2)
				require.True(t, bytes.HasPrefix(pairs, e.ev[bodyAt+hdr:]), "original pairs verbatim")
				rest := pairs[len(e.ev)-bodyAt-hdr:]
				k, rest, err := msgp.ReadStringBytes(rest)
				require.NoError(t, err)
				require.Equal(t, Key, k)
				v, rest, err := msgp.ReadStringBytes(rest)
				require.NoError(t, err)
				require.Empty(t, rest)
				require.Equal(t, v, string(bytes.Repeat([]byte{'p'}, len(v))))
			})
		}
	}
}

// A chunk of several events, and bytes after the last complete one.
func TestAppendChunkChunk(t *testing.T) {
	var chunk []byte
	for i := range 5 {
		chunk = append(chunk, eventtest.V2(uint32(i), 0, nil, body(i))...)
	}
	chunk = append(chunk, eventtest.GroupEnd()...)
	trailing := []byte{0x92, 0x01}
	chunk = append(chunk, trailing...)
	out, padded := AppendChunk(nil, chunk, 100)
	require.Equal(t, 5, padded)
	require.Len(t, out, len(chunk)+500)
	require.Equal(t, len(out), Size(chunk, 100))
	require.True(t, bytes.HasSuffix(out, append(eventtest.GroupEnd(), trailing...)), "marker and trailing bytes as they were")
	same, padded := AppendChunk(nil, chunk, 0)
	require.Zero(t, padded)
	require.Equal(t, chunk, same)
}

func BenchmarkAppendChunk(b *testing.B) {
	var chunk []byte
	records := 0
	for len(chunk) < 1<<20 {
		chunk = append(chunk, eventtest.V2(1700000000, 0, nil, body(12))...)
		records++
	}
	for _, n := range []int{256, 1024} {
		b.Run(fmt.Sprintf("pad%d", n), func(b *testing.B) {
			dst := make([]byte, 0, Size(chunk, n))
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			for b.Loop() {
				dst, _ = AppendChunk(dst[:0], chunk, n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
		})
	}
}
