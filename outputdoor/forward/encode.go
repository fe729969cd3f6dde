package forward

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"github.com/auditx/auditx/internal/mp"
)

// Forward protocol v1 option keys and values (Forward protocol spec v1,
// "Option"), spelled as in_forward reads them in plugins/in_forward/fw_prot.c.
const (
	// OptionChunk asks the peer for an ack (get_options_chunk: the value must
	// be a str, or the message is rejected).
	OptionChunk = "chunk"
	// OptionSize is the number of events in the message (informational:
	// in_forward does not check it).
	OptionSize = "size"
	// OptionCompressed names the payload compression (get_compression_type).
	OptionCompressed = "compressed"
	// CompressedGzip is the OptionCompressed value for gzip.
	CompressedGzip = "gzip"
	// AckKey is the only key of the peer's answer {"ack": <chunk>} (send_ack).
	AckKey = "ack"
)

const (
	// chunkIDRawBytes is the number of random-looking bytes in a chunk id; the
	// spec asks for a unique base64 string, out_forward uses 16 bytes.
	chunkIDRawBytes = 16
	// chunkIDLen is the base64 (standard, padded) length of a chunk id.
	chunkIDLen = (chunkIDRawBytes + 2) / 3 * 4
	// gzipLevel favours speed: the hop is local, the CPU is the cost.
	gzipLevel = gzip.BestSpeed
)

// chunkID is one base64-encoded chunk id.
type chunkID [chunkIDLen]byte

// idGen makes chunk ids unique per client and message: a random 8-byte prefix
// drawn once from crypto/rand, then a big-endian message counter.
type idGen struct {
	prefix [8]byte
	n      atomic.Uint64
}

func newIDGen() (*idGen, error) {
	g := &idGen{}
	if _, err := rand.Read(g.prefix[:]); err != nil {
		return nil, fmt.Errorf("chunk id prefix: %w", err)
	}
	return g, nil
}

// next writes a fresh id into dst without allocating.
func (g *idGen) next(dst *chunkID) {
	var raw [chunkIDRawBytes]byte
	copy(raw[:8], g.prefix[:])
	binary.BigEndian.PutUint64(raw[8:], g.n.Add(1))
	base64.StdEncoding.Encode(dst[:], raw[:])
}

// appendHead appends the PackedForward envelope that precedes the payload:
// a 3-element array, the tag as str and the bin header of payloadLen bytes
// ([tag, bin(events), option], Forward protocol spec v1 "PackedForward Mode").
func appendHead(b []byte, tag string, payloadLen int) []byte {
	b = mp.AppendArrayHeader(b, 3)
	b = mp.AppendStr(b, tag)
	return mp.AppendBinHeader(b, payloadLen)
}

// appendOptions appends the option map that follows the payload:
// {"chunk": id (when id is not nil), "size": count (uint), "compressed": "gzip"
// (when compressed)}.
func appendOptions(b []byte, id []byte, count int, compressed bool) []byte {
	n := 1
	if id != nil {
		n++
	}
	if compressed {
		n++
	}
	b = mp.AppendMapHeader(b, n)
	if id != nil {
		b = mp.AppendStr(b, OptionChunk)
		b = mp.AppendStr(b, id)
	}
	b = mp.AppendStr(b, OptionSize)
	b = mp.AppendUint(b, uint64(count))
	if compressed {
		b = mp.AppendStr(b, OptionCompressed)
		b = mp.AppendStr(b, CompressedGzip)
	}
	return b
}

// encoder holds the reused buffers of one pool slot, so that a Send encodes
// without allocating: the envelope before the payload, the options after it,
// and the gzip state.
type encoder struct {
	head []byte
	tail []byte
	id   chunkID
	zw   *gzip.Writer
	zbuf bytes.Buffer
}

// compress gzips events into the encoder's reused buffer and returns it.
func (e *encoder) compress(events []byte) ([]byte, error) {
	e.zbuf.Reset()
	if e.zw == nil {
		zw, err := gzip.NewWriterLevel(&e.zbuf, gzipLevel)
		if err != nil {
			return nil, err
		}
		e.zw = zw
	} else {
		e.zw.Reset(&e.zbuf)
	}
	if _, err := e.zw.Write(events); err != nil {
		return nil, err
	}
	if err := e.zw.Close(); err != nil {
		return nil, err
	}
	return e.zbuf.Bytes(), nil
}
