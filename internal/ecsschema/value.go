package ecsschema

import (
	"math"

	"github.com/auditx/auditx/internal/mp"
)

// MaxDepth bounds the maps and arrays ValueIsECS follows below the key
// (ECS's deepest field is 8 names deep; arrays add a level each): deeper is
// not ECS. It bounds the recursion.
const MaxDepth = 16

// ValueIsECS reports whether the top-level key with the msgpack value at
// src[off:] may stay at the top of an ECS document: the key names an ECS
// field or field set (or a dotted path to one) and the value fits it at
// every leaf, by the rules of the package doc. Anything else, a truncated
// or malformed value included, is false. It allocates nothing.
func ValueIsECS(key, src []byte, off int) bool {
	if off < 0 || !MayBeECS(key) {
		return false
	}
	var buf [MaxPath]byte
	ok, _ := fits(append(buf[:0], key...), src, off, 0)
	return ok
}

// MayBeECS reports whether key, a top-level key, names an ECS field or
// field set, or a dotted path below one, by its first name alone: false
// tells that ValueIsECS is false whatever the value. It allocates nothing.
func MayBeECS(key []byte) bool {
	return len(key) > 0 && len(key) <= MaxPath && topNamed(key)
}

// fits checks the value at src[off] against the ECS path and returns the
// offset past it.
func fits(path, src []byte, off, depth int) (bool, int) {
	if off >= len(src) || depth > MaxDepth {
		return false, 0
	}
	nd, found := index[string(path)]
	if !found {
		return false, 0
	}
	if src[off] == 0xc0 { // nil: no value, at any ECS path
		return true, off + 1
	}
	if n, next, ok := mp.ArrayHeader(src, off); ok {
		for range n {
			if ok, next = fits(path, src, next, depth+1); !ok {
				return false, 0
			}
		}
		return true, next
	}
	switch nd.id {
	case typeParent:
		n, next, ok := mp.MapHeader(src, off)
		if !ok {
			return false, 0
		}
		base := len(path)
		for range n {
			s, e, ok := strKey(src, next)
			if !ok || base+1+(e-s) > MaxPath {
				return false, 0
			}
			sub := append(append(path[:base], '.'), src[s:e]...)
			if ok, next = fits(sub, src, e, depth+1); !ok {
				return false, 0
			}
		}
		return true, next
	case typeObject:
		return keywordMap(src, off)
	case typeFlattened:
		if _, _, ok := mp.MapHeader(src, off); !ok {
			return false, 0
		}
		return stringKeys(src, off, depth)
	case typeGeoPoint:
		return geoPoint(src, off)
	}
	return leaf(nd.id, src, off)
}

// strKey reads a str (not a bin) at src[off].
func strKey(src []byte, off int) (start, end int, ok bool) {
	if off >= len(src) || src[off] == 0xc4 || src[off] == 0xc5 || src[off] == 0xc6 {
		return 0, 0, false
	}
	return mp.Str(src, off)
}

// keywordMap: a map of non-empty, dot-free str keys whose values are str,
// nil, or arrays of those.
func keywordMap(src []byte, off int) (bool, int) {
	n, next, ok := mp.MapHeader(src, off)
	if !ok {
		return false, 0
	}
	for range n {
		s, e, ok := strKey(src, next)
		if !ok || s == e {
			return false, 0
		}
		for _, c := range src[s:e] {
			if c == '.' {
				return false, 0
			}
		}
		next = e
		values, at := 1, next
		if m, first, isArray := mp.ArrayHeader(src, next); isArray {
			values, at = m, first
		}
		for range values {
			if at < len(src) && src[at] == 0xc0 {
				at++
				continue
			}
			_, end, ok := strKey(src, at)
			if !ok {
				return false, 0
			}
			at = end
		}
		next = at
	}
	return true, next
}

// stringKeys: any value whose maps, at every depth (to MaxDepth), have str
// keys only.
func stringKeys(src []byte, off, depth int) (bool, int) {
	if depth > MaxDepth {
		return false, 0
	}
	if n, next, ok := mp.MapHeader(src, off); ok {
		for range n {
			_, e, ok := strKey(src, next)
			if !ok {
				return false, 0
			}
			if ok, next = stringKeys(src, e, depth+1); !ok {
				return false, 0
			}
		}
		return true, next
	}
	if n, next, ok := mp.ArrayHeader(src, off); ok {
		for range n {
			if ok, next = stringKeys(src, next, depth+1); !ok {
				return false, 0
			}
		}
		return true, next
	}
	end, err := mp.Skip(src, off)
	return err == nil, end
}

// geoPoint: a map of exactly "lat" and "lon", numbers in range.
func geoPoint(src []byte, off int) (bool, int) {
	n, next, ok := mp.MapHeader(src, off)
	if !ok || n != 2 {
		return false, 0
	}
	var seenLat, seenLon bool
	for range n {
		s, e, ok := strKey(src, next)
		if !ok {
			return false, 0
		}
		v, ok := number(src, e)
		if !ok {
			return false, 0
		}
		switch string(src[s:e]) {
		case "lat":
			seenLat = !seenLat && v >= -90 && v <= 90
		case "lon":
			seenLon = !seenLon && v >= -180 && v <= 180
		default:
			return false, 0
		}
		if next, ok = skip(src, e); !ok {
			return false, 0
		}
	}
	return seenLat && seenLon, next
}

// number reads an integer or a finite float as a float64.
func number(src []byte, off int) (float64, bool) {
	switch k, _, n, u, f := mp.Scalar(src, off); k {
	case mp.KindInt:
		return float64(n), true
	case mp.KindUint:
		return float64(u), true
	case mp.KindFloat:
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func skip(src []byte, off int) (int, bool) {
	end, err := mp.Skip(src, off)
	return end, err == nil
}

// maxHalfFloat is the largest half_float: Elasticsearch refuses a value
// that would round to infinity there (and for float, beyond MaxFloat32).
const maxHalfFloat = 65504

// leaf checks a scalar against a leaf type.
func leaf(id typeID, src []byte, off int) (bool, int) {
	if _, _, isMap := mp.MapHeader(src, off); isMap {
		return false, 0 // without walking it
	}
	end, ok := skip(src, off)
	if !ok {
		return false, 0
	}
	c := src[off]
	switch id {
	case typeString:
		_, _, ok := strKey(src, off)
		return ok, end
	case typeBoolean:
		return c == 0xc2 || c == 0xc3, end
	case typeIP:
		s, e, ok := strKey(src, off)
		return ok && IsIP(src[s:e]), end
	case typeDate:
		if s, e, ok := strKey(src, off); ok {
			return isDate(src[s:e]), end
		}
		k, _, _, _, _ := mp.Scalar(src, off)
		return k == mp.KindInt, end
	}
	k, _, n, _, f := mp.Scalar(src, off)
	if k == mp.KindString || k == mp.KindOther {
		return false, 0
	}
	switch id {
	case typeLong:
		return k == mp.KindInt || k == mp.KindFloat && whole(f, math.MinInt64, math.MaxInt64), end
	case typeInteger:
		return intIn(k, n, f, math.MinInt32, math.MaxInt32), end
	case typeShort:
		return intIn(k, n, f, math.MinInt16, math.MaxInt16), end
	case typeByte:
		return intIn(k, n, f, math.MinInt8, math.MaxInt8), end
	case typeUnsignedLong:
		return k == mp.KindUint || k == mp.KindInt && n >= 0 || k == mp.KindFloat && whole(f, 0, math.MaxUint64), end
	case typeDouble:
		_, ok := number(src, off)
		return ok, end
	case typeFloat:
		v, ok := number(src, off)
		return ok && math.Abs(v) <= math.MaxFloat32, end
	case typeHalfFloat:
		v, ok := number(src, off)
		return ok && math.Abs(v) <= maxHalfFloat, end
	}
	return false, 0
}

// whole reports whether f is an integer within [lo, hi] (as float64: the
// bounds of int64 and uint64 round up, so the top is exclusive).
func whole(f, lo, hi float64) bool {
	return f == math.Trunc(f) && f >= lo && f < hi
}

func intIn(k mp.Kind, n int64, f float64, lo, hi int64) bool {
	switch k {
	case mp.KindInt:
		return n >= lo && n <= hi
	case mp.KindFloat:
		return f == math.Trunc(f) && f >= float64(lo) && f <= float64(hi)
	}
	return false
}
