package enrich

import (
	"encoding/binary"
	"errors"
	"math"
)

// A tiny msgpack scanner working on offsets into one buffer, so that the hot
// path neither copies nor allocates. Formats from the msgpack spec
// (github.com/msgpack/msgpack/blob/master/spec.md, "Formats").

// errMalformed reports bytes that are not one complete msgpack object.
var errMalformed = errors.New("malformed msgpack")

// skip returns the offset just past the object starting at i. It walks
// nested containers iteratively (a counter of pending objects, no
// recursion), so deep nesting cannot exhaust the stack; a container that
// claims more elements than bytes remain is rejected at once.
func skip(b []byte, i int) (int, error) {
	pending := 1
	for pending > 0 {
		if i >= len(b) {
			return 0, errMalformed
		}
		pending--
		c := b[i]
		var n, extra int // n: bytes of this object's header+payload; extra: child objects
		switch {
		case c <= 0x7f, c >= 0xe0, c == 0xc0, c == 0xc2, c == 0xc3:
			n = 1
		case c >= 0x80 && c <= 0x8f:
			n, extra = 1, 2*int(c&0x0f)
		case c >= 0x90 && c <= 0x9f:
			n, extra = 1, int(c&0x0f)
		case c >= 0xa0 && c <= 0xbf:
			n = 1 + int(c&0x1f)
		default:
			switch c {
			case 0xcc, 0xd0:
				n = 2
			case 0xcd, 0xd1:
				n = 3
			case 0xca, 0xce, 0xd2:
				n = 5
			case 0xcb, 0xcf, 0xd3:
				n = 9
			case 0xd4:
				n = 3
			case 0xd5:
				n = 4
			case 0xd6:
				n = 6
			case 0xd7:
				n = 10
			case 0xd8:
				n = 18
			case 0xc4, 0xd9: // bin8, str8
				l, ok := beUint(b, i+1, 1)
				if !ok {
					return 0, errMalformed
				}
				n = 2 + l
			case 0xc5, 0xda: // bin16, str16
				l, ok := beUint(b, i+1, 2)
				if !ok {
					return 0, errMalformed
				}
				n = 3 + l
			case 0xc6, 0xdb: // bin32, str32
				l, ok := beUint(b, i+1, 4)
				if !ok {
					return 0, errMalformed
				}
				n = 5 + l
			case 0xc7: // ext8
				l, ok := beUint(b, i+1, 1)
				if !ok {
					return 0, errMalformed
				}
				n = 3 + l
			case 0xc8: // ext16
				l, ok := beUint(b, i+1, 2)
				if !ok {
					return 0, errMalformed
				}
				n = 4 + l
			case 0xc9: // ext32
				l, ok := beUint(b, i+1, 4)
				if !ok {
					return 0, errMalformed
				}
				n = 6 + l
			case 0xdc: // array16
				l, ok := beUint(b, i+1, 2)
				if !ok {
					return 0, errMalformed
				}
				n, extra = 3, l
			case 0xdd: // array32
				l, ok := beUint(b, i+1, 4)
				if !ok {
					return 0, errMalformed
				}
				n, extra = 5, l
			case 0xde: // map16
				l, ok := beUint(b, i+1, 2)
				if !ok {
					return 0, errMalformed
				}
				n, extra = 3, 2*l
			case 0xdf: // map32
				l, ok := beUint(b, i+1, 4)
				if !ok {
					return 0, errMalformed
				}
				n, extra = 5, 2*l
			default: // 0xc1 is never used
				return 0, errMalformed
			}
		}
		if n > len(b)-i {
			return 0, errMalformed
		}
		i += n
		pending += extra
		if pending > len(b)-i { // every pending object needs at least one byte
			return 0, errMalformed
		}
	}
	return i, nil
}

// beUint reads an n-byte big-endian unsigned length at i.
func beUint(b []byte, i, n int) (int, bool) {
	if i+n > len(b) || i < 0 {
		return 0, false
	}
	switch n {
	case 1:
		return int(b[i]), true
	case 2:
		return int(binary.BigEndian.Uint16(b[i:])), true
	default:
		v := binary.BigEndian.Uint32(b[i:])
		if uint64(v) > math.MaxInt32 {
			return 0, false
		}
		return int(v), true
	}
}

// mapHeader reads a map header at i: the number of pairs and the offset of
// the first key.
func mapHeader(b []byte, i int) (n, next int, ok bool) {
	if i >= len(b) {
		return 0, 0, false
	}
	c := b[i]
	switch {
	case c >= 0x80 && c <= 0x8f:
		return int(c & 0x0f), i + 1, true
	case c == 0xde:
		n, ok = beUint(b, i+1, 2)
		return n, i + 3, ok
	case c == 0xdf:
		n, ok = beUint(b, i+1, 4)
		return n, i + 5, ok
	}
	return 0, 0, false
}

// arrayHeader reads an array header at i.
func arrayHeader(b []byte, i int) (n, next int, ok bool) {
	if i >= len(b) {
		return 0, 0, false
	}
	c := b[i]
	switch {
	case c >= 0x90 && c <= 0x9f:
		return int(c & 0x0f), i + 1, true
	case c == 0xdc:
		n, ok = beUint(b, i+1, 2)
		return n, i + 3, ok
	case c == 0xdd:
		n, ok = beUint(b, i+1, 4)
		return n, i + 5, ok
	}
	return 0, 0, false
}

// str reads a str or bin object at i and returns its payload bounds.
func str(b []byte, i int) (start, end int, ok bool) {
	if i >= len(b) {
		return 0, 0, false
	}
	c := b[i]
	var l int
	switch {
	case c >= 0xa0 && c <= 0xbf:
		l, start = int(c&0x1f), i+1
	case c == 0xd9 || c == 0xc4:
		l, ok = beUint(b, i+1, 1)
		start = i + 2
	case c == 0xda || c == 0xc5:
		l, ok = beUint(b, i+1, 2)
		start = i + 3
	case c == 0xdb || c == 0xc6:
		l, ok = beUint(b, i+1, 4)
		start = i + 5
	default:
		return 0, 0, false
	}
	if c >= 0xc4 && !ok {
		return 0, 0, false
	}
	if start+l > len(b) {
		return 0, 0, false
	}
	return start, start + l, true
}

// valueKind classifies a scalar value for code extraction.
type valueKind uint8

const (
	kindOther valueKind = iota
	kindString
	kindInt
	kindUint
	kindFloat
)

// scalar reads a str/bin, integer or float at i.
func scalar(b []byte, i int) (k valueKind, s []byte, n int64, u uint64, f float64) {
	if i >= len(b) {
		return kindOther, nil, 0, 0, 0
	}
	c := b[i]
	switch {
	case c <= 0x7f:
		return kindInt, nil, int64(c), 0, 0
	case c >= 0xe0:
		return kindInt, nil, int64(int8(c)), 0, 0
	}
	if st, en, ok := str(b, i); ok {
		return kindString, b[st:en], 0, 0, 0
	}
	switch c {
	case 0xcc:
		if i+2 <= len(b) {
			return kindInt, nil, int64(b[i+1]), 0, 0
		}
	case 0xcd:
		if i+3 <= len(b) {
			return kindInt, nil, int64(binary.BigEndian.Uint16(b[i+1:])), 0, 0
		}
	case 0xce:
		if i+5 <= len(b) {
			return kindInt, nil, int64(binary.BigEndian.Uint32(b[i+1:])), 0, 0
		}
	case 0xcf:
		if i+9 <= len(b) {
			v := binary.BigEndian.Uint64(b[i+1:])
			if v > math.MaxInt64 {
				return kindUint, nil, 0, v, 0
			}
			return kindInt, nil, int64(v), 0, 0
		}
	case 0xd0:
		if i+2 <= len(b) {
			return kindInt, nil, int64(int8(b[i+1])), 0, 0
		}
	case 0xd1:
		if i+3 <= len(b) {
			return kindInt, nil, int64(int16(binary.BigEndian.Uint16(b[i+1:]))), 0, 0
		}
	case 0xd2:
		if i+5 <= len(b) {
			return kindInt, nil, int64(int32(binary.BigEndian.Uint32(b[i+1:]))), 0, 0
		}
	case 0xd3:
		if i+9 <= len(b) {
			return kindInt, nil, int64(binary.BigEndian.Uint64(b[i+1:])), 0, 0
		}
	case 0xca:
		if i+5 <= len(b) {
			return kindFloat, nil, 0, 0, float64(math.Float32frombits(binary.BigEndian.Uint32(b[i+1:])))
		}
	case 0xcb:
		if i+9 <= len(b) {
			return kindFloat, nil, 0, 0, math.Float64frombits(binary.BigEndian.Uint64(b[i+1:]))
		}
	}
	return kindOther, nil, 0, 0, 0
}

// eventTimeSeconds reads the seconds of a Fluent Bit EventTime (msgpack
// fixext8 of type 0: uint32 seconds, uint32 nanoseconds, big endian) at i;
// see Fluent Bit's flb_time_pop_from_msgpack and the Forward spec v1,
// "EventTime Ext Format".
func eventTimeSeconds(b []byte, i int) (sec uint32, ok bool) {
	if i+10 <= len(b) && b[i] == 0xd7 && b[i+1] == eventTimeExtType {
		return binary.BigEndian.Uint32(b[i+2:]), true
	}
	if i+11 <= len(b) && b[i] == 0xc7 && b[i+1] == 8 && b[i+2] == eventTimeExtType { // ext8 with length 8
		return binary.BigEndian.Uint32(b[i+3:]), true
	}
	return 0, false
}

// eventTimeExtType is the msgpack extension type of Fluent Bit's EventTime.
const eventTimeExtType = 0

// Group markers: Fluent Bit's FLB_LOG_EVENT_GROUP_START (-1) and
// FLB_LOG_EVENT_GROUP_END (-2) timestamps, written as EventTime seconds
// 0xFFFFFFFF and 0xFFFFFFFE (include/fluent-bit/flb_log_event.h,
// flb_log_event_decoder_decode_timestamp in v5.1.1).
const (
	groupStartSeconds = 0xFFFFFFFF
	groupEndSeconds   = 0xFFFFFFFE
)

// appendMapHeader appends a map header for n pairs.
func appendMapHeader(b []byte, n int) []byte {
	switch {
	case n <= 15:
		return append(b, 0x80|byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xde, byte(n>>8), byte(n))
	default:
		return append(b, 0xdf, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// appendArrayHeader appends an array header for n elements.
func appendArrayHeader(b []byte, n int) []byte {
	switch {
	case n <= 15:
		return append(b, 0x90|byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xdc, byte(n>>8), byte(n))
	default:
		return append(b, 0xdd, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// appendStr appends a msgpack str.
func appendStr[S ~string | ~[]byte](b []byte, s S) []byte {
	l := len(s)
	switch {
	case l <= 31:
		b = append(b, 0xa0|byte(l))
	case l <= math.MaxUint8:
		b = append(b, 0xd9, byte(l))
	case l <= math.MaxUint16:
		b = append(b, 0xda, byte(l>>8), byte(l))
	default:
		b = append(b, 0xdb, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
	}
	return append(b, s...)
}

// appendInt appends a msgpack integer in its smallest form.
func appendInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= 0x7f:
		return append(b, byte(n))
	case n >= -32 && n < 0:
		return append(b, byte(n))
	case n >= 0 && n <= math.MaxUint8:
		return append(b, 0xcc, byte(n))
	case n >= 0 && n <= math.MaxUint16:
		return append(b, 0xcd, byte(n>>8), byte(n))
	case n >= math.MinInt32 && n <= math.MaxInt32:
		return append(b, 0xd2, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(b, 0xd3, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}
