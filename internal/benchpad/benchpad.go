// Package benchpad makes every record of a chunk a given number of bytes
// longer, for the pass-through benchmark build of the filter door
// (plugin/filter_passthrough.go, go build -tags passthrough): its `pad`
// key measures how Fluent Bit's cost grows with each byte a filter adds
// (make bench-pipeline, pipelines FP<N>). It is a benchmark tool, imported
// by that build only; it knows nothing of Fluent Bit or cgo.
//
// A padded record gets one more pair at the end of its body map: the key
// Key and a string of filler bytes, sized so that the record's encoding
// grows by exactly the requested number of bytes (the map header's growth
// from fixmap to map16 included). Group markers, events whose body is not
// a map, and bytes after the last complete event pass unchanged.
//
// It reads and appends raw msgpack (tinylib/msgp), as the enrichment core
// does: no decoding into maps.
package benchpad

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/tinylib/msgp/msgp"
)

// Key is the key of the pair appended to each record.
const Key = "_pad"

// MinBytes is the smallest pad: the key as a fixstr (5 bytes), a string
// header (1 byte) and a map header that may grow from fixmap to map16 (2
// bytes), with an empty string.
const MinBytes = 8

// MaxBytes caps the pad at 1 MiB per record (a benchmark, not a load test).
const MaxBytes = 1 << 20

// Group markers: an EventTime (ext 0, 8 bytes) whose seconds are
// 0xFFFFFFFF (start) or 0xFFFFFFFE (end), or a negative integer time
// (Fluent Bit v5.1.1 include/fluent-bit/flb_log_event.h,
// src/flb_log_event_decoder.c flb_log_event_decoder_decode_timestamp).
const (
	fixext8       = 0xd7
	eventTimeType = 0
	groupEndSec   = 0xFFFFFFFE
)

// ParseBytes parses the pad key's value: 0 (no pad) or MinBytes to
// MaxBytes.
func ParseBytes(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || (n != 0 && (n < MinBytes || n > MaxBytes)) {
		return 0, fmt.Errorf("pad %q: want 0 (records unchanged) or the bytes added to every record, %d to %d", v, MinBytes, MaxBytes)
	}
	return n, nil
}

// Size is the length of AppendChunk's output for chunk and n.
func Size(chunk []byte, n int) int {
	size := len(chunk)
	if n == 0 {
		return size
	}
	for off := 0; off < len(chunk); {
		ev, body, _, _, ok := event(chunk[off:])
		if !ok {
			break
		}
		if body >= 0 {
			size += n
		}
		off += ev
	}
	return size
}

// AppendChunk appends chunk to dst with every record n bytes longer (n 0:
// chunk as it is) and returns the result and how many records it padded.
func AppendChunk(dst, chunk []byte, n int) ([]byte, int) {
	if n == 0 {
		return append(dst, chunk...), 0
	}
	padded := 0
	for off := 0; off < len(chunk); {
		ev, body, hdr, count, ok := event(chunk[off:])
		if !ok {
			dst = append(dst, chunk[off:]...)
			break
		}
		if body < 0 {
			dst = append(dst, chunk[off:off+ev]...)
		} else {
			dst = append(dst, chunk[off:off+body]...)
			dst = msgp.AppendMapHeader(dst, count+1)
			dst = append(dst, chunk[off+body+hdr:off+ev]...)
			dst = appendPad(dst, mapHeaderLen(count+1)-hdr, n)
			padded++
		}
		off += ev
	}
	return dst, padded
}

// event reads the event at the start of b ([[time, meta], body] or the
// legacy [time, body]): its length, the offset of its body map (-1 when it
// is a group marker or its body is not a map), the length of the body's map
// header and its pair count. ok is false when b does not start with a
// complete event.
func event(b []byte) (length, body, hdr int, count uint32, ok bool) {
	sz, rest, err := msgp.ReadArrayHeaderBytes(b)
	if err != nil || sz != 2 {
		return 0, 0, 0, 0, false
	}
	var ts []byte
	if msgp.NextType(rest) == msgp.ArrayType {
		hsz, r, err := msgp.ReadArrayHeaderBytes(rest)
		if err != nil || hsz == 0 {
			return 0, 0, 0, 0, false
		}
		ts = r
		for i := uint32(0); i < hsz; i++ {
			if r, err = msgp.Skip(r); err != nil {
				return 0, 0, 0, 0, false
			}
		}
		rest = r
	} else {
		ts = rest
		if rest, err = msgp.Skip(rest); err != nil {
			return 0, 0, 0, 0, false
		}
	}
	body = len(b) - len(rest)
	marker := groupMarker(ts)
	isMap := msgp.NextType(rest) == msgp.MapType
	if isMap {
		var pairs []byte
		if count, pairs, err = msgp.ReadMapHeaderBytes(rest); err != nil {
			return 0, 0, 0, 0, false
		}
		hdr = len(rest) - len(pairs)
	}
	if rest, err = msgp.Skip(rest); err != nil {
		return 0, 0, 0, 0, false
	}
	length = len(b) - len(rest)
	if marker || !isMap {
		body = -1
	}
	return length, body, hdr, count, true
}

// groupMarker reports whether the time at the start of ts marks a group's
// start or end.
func groupMarker(ts []byte) bool {
	if len(ts) >= 10 && ts[0] == fixext8 && ts[1] == eventTimeType {
		return binary.BigEndian.Uint32(ts[2:6]) >= groupEndSec
	}
	if msgp.NextType(ts) == msgp.IntType {
		v, _, err := msgp.ReadInt64Bytes(ts)
		return err == nil && v < 0
	}
	return false
}

// filler is the pad string's bytes, appended in pieces (read only).
var filler = bytes.Repeat([]byte{'p'}, 256)

// appendPad appends the pad pair: the key and a string whose header and
// length make the pair, with the map header's growth, exactly n bytes.
func appendPad(dst []byte, growth, n int) []byte {
	dst = msgp.AppendString(dst, Key)
	t := n - growth - (1 + len(Key)) // the string's header and bytes
	var v int
	switch {
	case t-1 < 32:
		v = t - 1
		dst = append(dst, 0xa0|byte(v))
	case t-2 <= 0xff:
		v = t - 2
		dst = append(dst, 0xd9, byte(v))
	case t-3 <= 0xffff:
		v = t - 3
		dst = append(dst, 0xda, byte(v>>8), byte(v))
	default:
		v = t - 5
		dst = append(dst, 0xdb, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	for v > 0 {
		k := min(v, len(filler))
		dst = append(dst, filler[:k]...)
		v -= k
	}
	return dst
}

// mapHeaderLen is the length of msgp.AppendMapHeader's header for n pairs.
func mapHeaderLen(n uint32) int {
	switch {
	case n < 16:
		return 1
	case n <= 0xffff:
		return 3
	}
	return 5
}
