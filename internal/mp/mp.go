package mp

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// A tiny msgpack scanner working on offsets into one buffer, so that the hot
// path neither copies nor allocates. Formats from the msgpack spec
// (github.com/msgpack/msgpack/blob/master/spec.md, "Formats").

// ErrMalformed reports bytes that are not one complete msgpack object.
var ErrMalformed = errors.New("malformed msgpack")

// ErrShort reports bytes that end before the object does (a stream reader
// may wait for more); it is also an ErrMalformed.
var ErrShort = fmt.Errorf("%w: the object runs past the end of the bytes", ErrMalformed)

// Skip returns the offset just past the object starting at i, or
// ErrShort when b ends first, ErrMalformed for a byte that starts no object. It walks
// nested containers iteratively (a counter of pending objects, no
// recursion), so deep nesting cannot exhaust the stack; a container that
// claims more elements than bytes remain is rejected at once.
func Skip(b []byte, i int) (int, error) {
	pending := 1
	for pending > 0 {
		if i >= len(b) {
			return 0, ErrShort
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
				l, ok := BeUint(b, i+1, 1)
				if !ok {
					return 0, ErrShort
				}
				n = 2 + l
			case 0xc5, 0xda: // bin16, str16
				l, ok := BeUint(b, i+1, 2)
				if !ok {
					return 0, ErrShort
				}
				n = 3 + l
			case 0xc6, 0xdb: // bin32, str32
				l, ok := BeUint(b, i+1, 4)
				if !ok {
					return 0, ErrShort
				}
				n = 5 + l
			case 0xc7: // ext8
				l, ok := BeUint(b, i+1, 1)
				if !ok {
					return 0, ErrShort
				}
				n = 3 + l
			case 0xc8: // ext16
				l, ok := BeUint(b, i+1, 2)
				if !ok {
					return 0, ErrShort
				}
				n = 4 + l
			case 0xc9: // ext32
				l, ok := BeUint(b, i+1, 4)
				if !ok {
					return 0, ErrShort
				}
				n = 6 + l
			case 0xdc: // array16
				l, ok := BeUint(b, i+1, 2)
				if !ok {
					return 0, ErrShort
				}
				n, extra = 3, l
			case 0xdd: // array32
				l, ok := BeUint(b, i+1, 4)
				if !ok {
					return 0, ErrShort
				}
				n, extra = 5, l
			case 0xde: // map16
				l, ok := BeUint(b, i+1, 2)
				if !ok {
					return 0, ErrShort
				}
				n, extra = 3, 2*l
			case 0xdf: // map32
				l, ok := BeUint(b, i+1, 4)
				if !ok {
					return 0, ErrShort
				}
				n, extra = 5, 2*l
			default: // 0xc1 is never used
				return 0, ErrMalformed
			}
		}
		if n > len(b)-i {
			return 0, ErrShort
		}
		i += n
		pending += extra
		if pending > len(b)-i { // every pending object needs at least one byte
			return 0, ErrShort
		}
	}
	return i, nil
}

// BeUint reads an n-byte big-endian unsigned length at i.
func BeUint(b []byte, i, n int) (int, bool) {
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

// MapHeader reads a map header at i: the number of pairs and the offset of
// the first key.
func MapHeader(b []byte, i int) (n, next int, ok bool) {
	if i >= len(b) {
		return 0, 0, false
	}
	c := b[i]
	switch {
	case c >= 0x80 && c <= 0x8f:
		return int(c & 0x0f), i + 1, true
	case c == 0xde:
		n, ok = BeUint(b, i+1, 2)
		return n, i + 3, ok
	case c == 0xdf:
		n, ok = BeUint(b, i+1, 4)
		return n, i + 5, ok
	}
	return 0, 0, false
}

// ArrayHeader reads an array header at i.
func ArrayHeader(b []byte, i int) (n, next int, ok bool) {
	if i >= len(b) {
		return 0, 0, false
	}
	c := b[i]
	switch {
	case c >= 0x90 && c <= 0x9f:
		return int(c & 0x0f), i + 1, true
	case c == 0xdc:
		n, ok = BeUint(b, i+1, 2)
		return n, i + 3, ok
	case c == 0xdd:
		n, ok = BeUint(b, i+1, 4)
		return n, i + 5, ok
	}
	return 0, 0, false
}

// Str reads a Str or bin object at i and returns its payload bounds.
func Str(b []byte, i int) (start, end int, ok bool) {
	if i >= len(b) {
		return 0, 0, false
	}
	c := b[i]
	var l int
	switch {
	case c >= 0xa0 && c <= 0xbf:
		l, start = int(c&0x1f), i+1
	case c == 0xd9 || c == 0xc4:
		l, ok = BeUint(b, i+1, 1)
		start = i + 2
	case c == 0xda || c == 0xc5:
		l, ok = BeUint(b, i+1, 2)
		start = i + 3
	case c == 0xdb || c == 0xc6:
		l, ok = BeUint(b, i+1, 4)
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

// Kind classifies a Scalar value for code extraction.
type Kind uint8

const (
	KindOther Kind = iota
	KindString
	KindInt
	KindUint
	KindFloat
)

// Scalar reads a Str/bin, integer or float at i.
func Scalar(b []byte, i int) (k Kind, s []byte, n int64, u uint64, f float64) {
	if i >= len(b) {
		return KindOther, nil, 0, 0, 0
	}
	c := b[i]
	switch {
	case c <= 0x7f:
		return KindInt, nil, int64(c), 0, 0
	case c >= 0xe0:
		return KindInt, nil, int64(int8(c)), 0, 0
	}
	if st, en, ok := Str(b, i); ok {
		return KindString, b[st:en], 0, 0, 0
	}
	switch c {
	case 0xcc:
		if i+2 <= len(b) {
			return KindInt, nil, int64(b[i+1]), 0, 0
		}
	case 0xcd:
		if i+3 <= len(b) {
			return KindInt, nil, int64(binary.BigEndian.Uint16(b[i+1:])), 0, 0
		}
	case 0xce:
		if i+5 <= len(b) {
			return KindInt, nil, int64(binary.BigEndian.Uint32(b[i+1:])), 0, 0
		}
	case 0xcf:
		if i+9 <= len(b) {
			v := binary.BigEndian.Uint64(b[i+1:])
			if v > math.MaxInt64 {
				return KindUint, nil, 0, v, 0
			}
			return KindInt, nil, int64(v), 0, 0
		}
	case 0xd0:
		if i+2 <= len(b) {
			return KindInt, nil, int64(int8(b[i+1])), 0, 0
		}
	case 0xd1:
		if i+3 <= len(b) {
			return KindInt, nil, int64(int16(binary.BigEndian.Uint16(b[i+1:]))), 0, 0
		}
	case 0xd2:
		if i+5 <= len(b) {
			return KindInt, nil, int64(int32(binary.BigEndian.Uint32(b[i+1:]))), 0, 0
		}
	case 0xd3:
		if i+9 <= len(b) {
			return KindInt, nil, int64(binary.BigEndian.Uint64(b[i+1:])), 0, 0
		}
	case 0xca:
		if i+5 <= len(b) {
			return KindFloat, nil, 0, 0, float64(math.Float32frombits(binary.BigEndian.Uint32(b[i+1:])))
		}
	case 0xcb:
		if i+9 <= len(b) {
			return KindFloat, nil, 0, 0, math.Float64frombits(binary.BigEndian.Uint64(b[i+1:]))
		}
	}
	return KindOther, nil, 0, 0, 0
}

// EventTimeSeconds reads the seconds of a Fluent Bit EventTime (msgpack
// fixext8 of type 0: uint32 seconds, uint32 nanoseconds, big endian) at i;
// see Fluent Bit's flb_time_pop_from_msgpack and the Forward spec v1,
// "EventTime Ext Format".
func EventTimeSeconds(b []byte, i int) (sec uint32, ok bool) {
	if i+10 <= len(b) && b[i] == 0xd7 && b[i+1] == EventTimeExtType {
		return binary.BigEndian.Uint32(b[i+2:]), true
	}
	if i+11 <= len(b) && b[i] == 0xc7 && b[i+1] == 8 && b[i+2] == EventTimeExtType { // ext8 with length 8
		return binary.BigEndian.Uint32(b[i+3:]), true
	}
	return 0, false
}

// EventTimeExtType is the msgpack extension type of Fluent Bit's EventTime.
const EventTimeExtType = 0

// Group markers: Fluent Bit's FLB_LOG_EVENT_GROUP_START (-1) and
// FLB_LOG_EVENT_GROUP_END (-2) timestamps, written as EventTime seconds
// 0xFFFFFFFF and 0xFFFFFFFE (include/fluent-bit/flb_log_event.h,
// flb_log_event_decoder_decode_timestamp in v5.1.1).
const (
	GroupStartSeconds = 0xFFFFFFFF
	GroupEndSeconds   = 0xFFFFFFFE
)

// AppendMapHeader appends a map header for n pairs.
func AppendMapHeader(b []byte, n int) []byte {
	switch {
	case n <= 15:
		return append(b, 0x80|byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xde, byte(n>>8), byte(n))
	default:
		return append(b, 0xdf, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// AppendArrayHeader appends an array header for n elements.
func AppendArrayHeader(b []byte, n int) []byte {
	switch {
	case n <= 15:
		return append(b, 0x90|byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xdc, byte(n>>8), byte(n))
	default:
		return append(b, 0xdd, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// AppendStr appends a msgpack Str.
func AppendStr[S ~string | ~[]byte](b []byte, s S) []byte {
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

// AppendInt appends a msgpack integer: a non-negative one or -32..-1 in its
// shortest form, another negative one as int32 or int64.
func AppendInt(b []byte, n int64) []byte {
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

// AppendUint appends an unsigned integer in its shortest form.
func AppendUint(b []byte, n uint64) []byte {
	switch {
	case n <= 0x7f:
		return append(b, byte(n))
	case n <= math.MaxUint8:
		return append(b, 0xcc, byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xcd, byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		return append(b, 0xce, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(b, 0xcf, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// AppendBinHeader appends the header of a bin of n bytes (bin8/16/32).
func AppendBinHeader(b []byte, n int) []byte {
	switch {
	case n <= math.MaxUint8:
		return append(b, 0xc4, byte(n))
	case n <= math.MaxUint16:
		return append(b, 0xc5, byte(n>>8), byte(n))
	default:
		return append(b, 0xc6, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// maxJSONDepth bounds the nesting AppendJSON follows (it recurses).
const maxJSONDepth = 512

// ErrJSON reports an object AppendJSON cannot render: nested deeper than it
// follows.
var ErrJSON = errors.New("msgpack object nested too deep for JSON")

// AppendJSON appends the object at b[i] as JSON and returns the offset past
// it. Maps keep their order; a key that is not a string is rendered as the
// JSON of its value, in quotes. bin and ext payloads become base64 strings,
// except a Fluent Bit EventTime (ext 0, 8 bytes), which becomes its seconds
// as a float; NaN and infinities become null; invalid UTF-8 is replaced.
func AppendJSON(dst, b []byte, i int) ([]byte, int, error) {
	return appendJSON(dst, b, i, 0)
}

func appendJSON(dst, b []byte, i, depth int) ([]byte, int, error) {
	if depth > maxJSONDepth {
		return dst, 0, ErrJSON
	}
	if i >= len(b) {
		return dst, 0, ErrShort
	}
	if n, next, ok := MapHeader(b, i); ok {
		dst = append(dst, '{')
		for p := 0; p < n; p++ {
			if p > 0 {
				dst = append(dst, ',')
			}
			var err error
			if s, e, ok := Str(b, next); ok && b[next] != 0xc4 && b[next] != 0xc5 && b[next] != 0xc6 {
				dst = AppendJSONString(dst, b[s:e])
				next = e
			} else {
				var key []byte
				if key, next, err = appendJSON(nil, b, next, depth+1); err != nil {
					return dst, 0, err
				}
				dst = AppendJSONString(dst, key)
			}
			dst = append(dst, ':')
			if dst, next, err = appendJSON(dst, b, next, depth+1); err != nil {
				return dst, 0, err
			}
		}
		return append(dst, '}'), next, nil
	}
	if n, next, ok := ArrayHeader(b, i); ok {
		dst = append(dst, '[')
		var err error
		for p := 0; p < n; p++ {
			if p > 0 {
				dst = append(dst, ',')
			}
			if dst, next, err = appendJSON(dst, b, next, depth+1); err != nil {
				return dst, 0, err
			}
		}
		return append(dst, ']'), next, nil
	}
	end, err := Skip(b, i)
	if err != nil {
		return dst, 0, err
	}
	c := b[i]
	switch {
	case c == 0xc0:
		return append(dst, "null"...), end, nil
	case c == 0xc2:
		return append(dst, "false"...), end, nil
	case c == 0xc3:
		return append(dst, "true"...), end, nil
	case c == 0xc4 || c == 0xc5 || c == 0xc6:
		s, e, _ := Str(b, i)
		return appendBase64(dst, b[s:e]), end, nil
	}
	if s, e, ok := Str(b, i); ok {
		return AppendJSONString(dst, b[s:e]), end, nil
	}
	if sec, ok := EventTimeSeconds(b, i); ok {
		nsec := binary.BigEndian.Uint32(b[i+6 : i+10])
		return strconv.AppendFloat(dst, float64(sec)+float64(nsec)/1e9, 'f', -1, 64), end, nil
	}
	switch k, _, n, u, f := Scalar(b, i); k {
	case KindInt:
		return strconv.AppendInt(dst, n, 10), end, nil
	case KindUint:
		return strconv.AppendUint(dst, u, 10), end, nil
	case KindFloat:
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "null"...), end, nil
		}
		return strconv.AppendFloat(dst, f, 'g', -1, 64), end, nil
	}
	// Other ext types: their payload, base64.
	return appendBase64(dst, extPayload(b[i:end])), end, nil
}

// extPayload returns the data of an ext object (fixext or ext8/16/32).
func extPayload(obj []byte) []byte {
	switch c := obj[0]; {
	case c >= 0xd4 && c <= 0xd8:
		return obj[2:]
	case c == 0xc7:
		return obj[3:]
	case c == 0xc8:
		return obj[4:]
	case c == 0xc9:
		return obj[6:]
	}
	return obj
}

func appendBase64(dst, p []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, p)
	return append(dst, '"')
}

// AppendJSONString appends s as a JSON string.
func AppendJSONString[S ~string | ~[]byte](dst []byte, s S) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
