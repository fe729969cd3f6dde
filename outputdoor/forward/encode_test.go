package forward

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEncodeEnvelope(t *testing.T) {
	id := []byte("AAAAAAAAAAAAAAAAAAAAAA==")
	tests := []struct {
		name       string
		tag        string
		payloadLen int
		id         []byte
		count      int
		compressed bool
		wantHead   []byte
		wantTail   []byte
	}{
		{
			name: "ack, small payload", tag: "a.b", payloadLen: 200, id: id, count: 3,
			wantHead: []byte{
				0x93,                // [tag, bin, option]
				0xa3, 'a', '.', 'b', // tag: fixstr(3)
				0xc4, 0xc8, //          bin8 header: 200 bytes
			},
			wantTail: append(append([]byte{
				0x82,                          // option: fixmap(2)
				0xa5, 'c', 'h', 'u', 'n', 'k', // "chunk"
				0xb8, //                          fixstr(24)
			}, id...),
				0xa4, 's', 'i', 'z', 'e', // "size"
				0x03, //                     3
			),
		},
		{
			name: "no ack, gzip, 1 MiB payload", tag: "t", payloadLen: 1 << 20, count: 300,
			compressed: true,
			wantHead: []byte{
				0x93,      // [tag, bin, option]
				0xa1, 't', // tag: fixstr(1)
				0xc6, 0x00, 0x10, 0x00, 0x00, // bin32 header: 1048576 bytes
			},
			wantTail: []byte{
				0x82,                     // option: fixmap(2)
				0xa4, 's', 'i', 'z', 'e', // "size"
				0xcd, 0x01, 0x2c, //         uint16 300
				0xaa, 'c', 'o', 'm', 'p', 'r', 'e', 's', 's', 'e', 'd', // "compressed"
				0xa4, 'g', 'z', 'i', 'p', //                               "gzip"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.wantHead, appendHead(nil, tt.tag, tt.payloadLen))
			require.Equal(t, tt.wantTail, appendOptions(nil, tt.id, tt.count, tt.compressed))
		})
	}
}

func TestEnvelopeFitsAllowance(t *testing.T) {
	var tag [MaxTagBytes]byte
	for i := range tag {
		tag[i] = 'x'
	}
	var id chunkID
	head := appendHead(nil, string(tag[:]), DefaultMaxMessageBytes)
	tail := appendOptions(nil, id[:], 1<<40, true)
	require.LessOrEqual(t, len(head)+len(tail), HeaderAllowance)
}

func TestChunkIDs(t *testing.T) {
	g, err := newIDGen()
	require.NoError(t, err)
	g2, err := newIDGen()
	require.NoError(t, err)
	seen := map[chunkID]bool{}
	for range 1000 {
		var a, b chunkID
		g.next(&a)
		g2.next(&b)
		require.False(t, seen[a], "duplicate id %s", a[:])
		require.False(t, seen[b], "duplicate id %s", b[:])
		seen[a], seen[b] = true, true
		raw, err := base64.StdEncoding.DecodeString(string(a[:]))
		require.NoError(t, err)
		require.Len(t, raw, chunkIDRawBytes)
	}
}

func TestEncodeDoesNotAllocate(t *testing.T) {
	g, err := newIDGen()
	require.NoError(t, err)
	var e encoder
	e.head = make([]byte, 0, 64)
	e.tail = make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		g.next(&e.id)
		e.head = appendHead(e.head[:0], "auditx.enriched", 1<<20)
		e.tail = appendOptions(e.tail[:0], e.id[:], 1000, false)
	})
	require.Zero(t, allocs)
}

func TestCompressRoundTrip(t *testing.T) {
	var e encoder
	for _, in := range [][]byte{[]byte("hello hello hello"), make([]byte, 100000)} {
		z, err := e.compress(in)
		require.NoError(t, err)
		require.Equal(t, []byte{0x1f, 0x8b}, z[:2], "gzip magic, as in_forward sniffs it")
		out, err := gunzipForTest(z)
		require.NoError(t, err)
		require.Equal(t, in, out)
	}
}

func BenchmarkEncodeEnvelope(b *testing.B) {
	g, _ := newIDGen()
	var e encoder
	b.ReportAllocs()
	b.SetBytes(int64(len(appendHead(nil, "auditx.enriched", 1<<20)) + len(appendOptions(nil, e.id[:], 1000, false))))
	for b.Loop() {
		g.next(&e.id)
		e.head = appendHead(e.head[:0], "auditx.enriched", 1<<20)
		e.tail = appendOptions(e.tail[:0], e.id[:], 1000, false)
	}
}

func gunzipForTest(z []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
