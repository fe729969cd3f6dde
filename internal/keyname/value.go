package keyname

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/auditx/auditx/internal/mp"
)

// MaxDepth bounds the nesting of maps and arrays AppendValue follows: the
// value itself is depth 1. It is far above Elasticsearch's default mapping
// depth limit (index.mapping.depth.limit, 20), so no record Elasticsearch
// could index is refused, and it bounds AppendValue's recursion (about
// 1 KiB of goroutine stack a level).
const MaxDepth = 64

// SmallMap is the number of keys up to which a map is re-encoded with its
// duplicate bookkeeping on the stack; a larger map allocates its bookkeeping
// (two slices and a hash table, about 50 bytes a key) once.
const SmallMap = 32

// ErrTooDeep reports a value nested deeper than MaxDepth.
var ErrTooDeep = fmt.Errorf("keyname: msgpack value nested deeper than %d maps and arrays", MaxDepth)

// AppendValue appends to dst the msgpack value at src[off:] with every map
// key normalised (Append), at every depth, maps inside arrays included, and
// returns the extended slice and the offset just past the value in src.
//
// Map and array headers are copied byte for byte (same count, same width);
// a key becomes a str in its shortest form; every other value (str, bin,
// numbers, bool, nil, ext) is copied byte for byte. Keys that are not
// strings and duplicate names are handled as the package doc says.
//
// A truncated value is an mp.ErrShort, bytes that are not msgpack an
// mp.ErrMalformed, nesting past MaxDepth ErrTooDeep; on error dst comes
// back as it was given. It allocates nothing when dst has room and no map
// holds more than SmallMap keys (nor a key that is itself a map with keys
// that are not strings: mp.AppendJSON allocates for those).
func AppendValue(dst, src []byte, off int) ([]byte, int, error) {
	start := len(dst)
	if off < 0 {
		return dst, 0, mp.ErrMalformed
	}
	out, next, err := appendValue(nil, dst, src, off, 1)
	if err != nil {
		return dst[:start], 0, err
	}
	return out, next, nil
}

// appendValue appends the value at src[off] with its maps named: through
// c when not nil, else key by key (appendPairs).
func appendValue(c *Cache, dst, src []byte, off, depth int) ([]byte, int, error) {
	if off >= len(src) {
		return dst, 0, mp.ErrShort
	}
	if n, next, ok := mp.MapHeader(src, off); ok {
		if depth > MaxDepth {
			return dst, 0, ErrTooDeep
		}
		if n > (len(src)-next)/2 { // every key and value takes a byte at least
			return dst, 0, mp.ErrShort
		}
		dst = append(dst, src[off:next]...)
		switch {
		case c == nil:
			return appendPairs(dst, src, next, n, depth)
		case n == 0:
			return dst, next, nil
		}
		return c.appendPairs(dst, src, next, n, depth)
	}
	if n, next, ok := mp.ArrayHeader(src, off); ok {
		if depth > MaxDepth {
			return dst, 0, ErrTooDeep
		}
		if n > len(src)-next {
			return dst, 0, mp.ErrShort
		}
		dst = append(dst, src[off:next]...)
		var err error
		for range n {
			if dst, next, err = appendValue(c, dst, src, next, depth+1); err != nil {
				return dst, 0, err
			}
		}
		return dst, next, nil
	}
	end, err := mp.Skip(src, off)
	if err != nil {
		return dst, 0, err
	}
	return append(dst, src[off:end]...), end, nil
}

// appendPairs re-encodes the n pairs of a map starting at src[first].
func appendPairs(dst, src []byte, first, n, depth int) ([]byte, int, error) {
	var small [SmallMap]entry
	var smallBases [SmallMap]uint64
	s := names{ents: small[:0], bases: smallBases[:0]}
	if n > SmallMap {
		s = names{ents: make([]entry, 0, n), table: make([]int32, tableSize(n))}
	}
	next := first
	var err error
	for range n {
		start := len(dst)
		var valueAt int
		if dst, valueAt, err = appendName(dst, src, next); err != nil {
			return dst, 0, err
		}
		h := hash(dst[start:])
		if found := s.find(dst, dst[start:], h); found >= 0 {
			if !s.haveBases {
				if s, dst, err = s.loadBases(dst, src, first, n); err != nil {
					return dst, 0, err
				}
			}
			dst, h = s.suffix(dst, start, found)
		}
		hl := strHeaderLen(len(dst) - start)
		dst = insertStrHeader(dst, start)
		s = s.add(start+hl, len(dst), h)
		if dst, next, err = appendValue(nil, dst, src, valueAt, depth+1); err != nil {
			return dst, 0, err
		}
	}
	return dst, next, nil
}

// appendName appends the normalised name of the key at src[off] (its
// payload only, no str header) and returns the offset of its value.
func appendName(dst, src []byte, off int) ([]byte, int, error) {
	if s, e, ok := mp.Str(src, off); ok {
		return Append(dst, src[s:e]), e, nil
	}
	// A key that is not a string: its text as the stdout emitter renders
	// it, normalised; the text is rendered at dst's end, its name appended
	// after it and moved back over it.
	start := len(dst)
	dst, next, err := mp.AppendJSON(dst, src, off)
	if err != nil {
		if errors.Is(err, mp.ErrJSON) {
			err = ErrTooDeep
		}
		return dst[:start], 0, err
	}
	mid := len(dst)
	dst = Append(dst, dst[start:mid])
	n := copy(dst[start:], dst[mid:])
	return dst[:start+n], next, nil
}

// strHeaderLen is the length of the shortest str header for n bytes.
func strHeaderLen(n int) int {
	switch {
	case n <= 31:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	}
	return 5
}

// insertStrHeader turns the bytes dst[start:] into a msgpack str: it moves
// them up by the length of their header and writes the header before them.
func insertStrHeader(dst []byte, start int) []byte {
	n := len(dst) - start
	h := strHeaderLen(n)
	var zero [5]byte
	dst = append(dst, zero[:h]...)
	copy(dst[start+h:], dst[start:start+n])
	switch h {
	case 1:
		dst[start] = 0xa0 | byte(n)
	case 2:
		dst[start], dst[start+1] = 0xd9, byte(n)
	case 3:
		dst[start], dst[start+1], dst[start+2] = 0xda, byte(n>>8), byte(n)
	default:
		dst[start], dst[start+1], dst[start+2], dst[start+3], dst[start+4] = 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	}
	return dst
}

// entry is one name already written for a key of the map being encoded.
type entry struct {
	start, end int    // the name's bytes in dst
	hash       uint64 // hash of the name
	next       int    // the next suffix to try when a later key has this name
}

// names is the duplicate bookkeeping of one map: the names written so far
// and, from the first duplicate on, the hashes of every key's own name
// (suffixes skip them). Small maps scan ents and bases; large ones index
// them with open-addressing tables.
type names struct {
	ents      []entry
	table     []int32  // index+1 into ents by hash, or nil (small map)
	bases     []uint64 // hash of each key's own name, once haveBases
	baseTable []uint64 // the set of bases by hash (hash|1, 0 empty), large maps
	haveBases bool
}

func tableSize(n int) int {
	size := 8
	for size < 2*n {
		size <<= 1
	}
	return size
}

// find returns the index of the entry whose name is name, or -1.
func (s names) find(dst, name []byte, h uint64) int {
	if s.table == nil {
		for i := range s.ents {
			if e := &s.ents[i]; e.hash == h && string(dst[e.start:e.end]) == string(name) {
				return i
			}
		}
		return -1
	}
	mask := uint64(len(s.table) - 1)
	for j := h & mask; ; j = (j + 1) & mask {
		i := int(s.table[j]) - 1
		if i < 0 {
			return -1
		}
		if e := &s.ents[i]; e.hash == h && string(dst[e.start:e.end]) == string(name) {
			return i
		}
	}
}

// add records the name dst[start:end] as written. (names goes by value:
// an append through a pointer would move the stack arrays to the heap.)
func (s names) add(start, end int, h uint64) names {
	s.ents = append(s.ents, entry{start: start, end: end, hash: h, next: 2})
	if s.table == nil {
		return s
	}
	mask := uint64(len(s.table) - 1)
	j := h & mask
	for s.table[j] != 0 {
		j = (j + 1) & mask
	}
	s.table[j] = int32(len(s.ents))
	return s
}

// loadBases hashes the own name of each of the n keys of the map at
// src[first], rendering each at dst's end and dropping it again.
func (s names) loadBases(dst, src []byte, first, n int) (names, []byte, error) {
	if s.table != nil {
		s.bases = make([]uint64, 0, n)
		s.baseTable = make([]uint64, tableSize(n))
	}
	at := first
	for range n {
		mark := len(dst)
		var err error
		var valueAt int
		if dst, valueAt, err = appendName(dst, src, at); err != nil {
			return s, dst, err
		}
		h := hash(dst[mark:])
		dst = dst[:mark]
		s.bases = append(s.bases, h)
		if s.baseTable != nil {
			mask := uint64(len(s.baseTable) - 1)
			j := h & mask
			for s.baseTable[j] != 0 && s.baseTable[j] != h|1 {
				j = (j + 1) & mask
			}
			s.baseTable[j] = h | 1
		}
		if at, err = mp.Skip(src, valueAt); err != nil {
			return s, dst, err
		}
	}
	s.haveBases = true
	return s, dst, nil
}

// isBase reports whether some key of the map has a name of hash h as its
// own name. A hash collision only makes a suffix skip a number.
func (s names) isBase(h uint64) bool {
	if s.baseTable == nil {
		for _, b := range s.bases {
			if b == h {
				return true
			}
		}
		return false
	}
	mask := uint64(len(s.baseTable) - 1)
	for j := h & mask; s.baseTable[j] != 0; j = (j + 1) & mask {
		if s.baseTable[j] == h|1 {
			return true
		}
	}
	return false
}

// suffix turns the name dst[start:], which entry found already has, into
// the first free name "<name>_<k>", k counting on from found's last suffix,
// and returns it with its hash.
func (s names) suffix(dst []byte, start, found int) ([]byte, uint64) {
	base := len(dst)
	k := s.ents[found].next
	for {
		dst = append(dst[:base], '_')
		dst = strconv.AppendInt(dst, int64(k), 10)
		k++
		h := hash(dst[start:])
		if !s.isBase(h) && s.find(dst, dst[start:], h) < 0 {
			s.ents[found].next = k
			return dst, h
		}
	}
}

// hash is FNV-1a, 64 bits.
func hash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
