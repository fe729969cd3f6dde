package keyname

import (
	"github.com/auditx/auditx/internal/mp"
)

// Cache makes AppendValue cheap for maps whose keys repeat, as a vendor's
// records do: it remembers, for a map's keys in their order (a shape), the
// names AppendValue gives them, duplicates suffixed. A map whose keys are
// those of a remembered shape, byte for byte, gets its names copied; any
// other map is named as AppendValue names it, and its shape remembered in
// place of an older one. The output is AppendValue's, byte for byte, and so
// is whether it fails (FuzzAppendValue checks both).
//
// A Cache holds at most CacheShapes shapes of at most CacheShapeKeys keys
// and CacheShapeBytes bytes of keys each; it allocates only when it learns
// a shape into a slot that never held one as large. It is not safe for
// concurrent use: each goroutine (each Fluent Bit thread) has its own.
type Cache struct {
	slots [CacheShapes]*shape
	tick  uint64
	syn   []byte // a map of the keys being learned, with nil values
	named []byte // its names
}

// The bounds of a Cache: the shapes it holds and the size of each.
const (
	CacheShapes     = 256
	CacheShapeKeys  = 64
	CacheShapeBytes = 2048
)

// shape is one map's keys in order, as encoded, and their names, as
// encoded msgpack strs: key i is raw[rawEnd[i-1]:rawEnd[i]], its name
// names[nameEnd[i-1]:nameEnd[i]].
type shape struct {
	raw, names      []byte
	rawEnd, nameEnd []uint32
	renamed         []bool // key i's name is not the key itself
	used            uint64 // Cache.tick when last matched
	// busy counts the emits naming with this shape now (a map nested in
	// a map of the same slot): learn does not overwrite it under them.
	busy int
}

// AppendValue is the package's AppendValue, with the names of maps whose
// shape c remembers copied. A nil c is AppendValue.
func (c *Cache) AppendValue(dst, src []byte, off int) ([]byte, int, error) {
	if c == nil {
		return AppendValue(dst, src, off)
	}
	start := len(dst)
	if off < 0 {
		return dst, 0, mp.ErrMalformed
	}
	out, next, err := appendValue(c, dst, src, off, 1)
	if err != nil {
		return dst[:start], 0, err
	}
	return out, next, nil
}

// AppendPairs appends the n pairs at src[first], the pairs of a map
// whose header is elsewhere, named as AppendValue names a map's, and
// returns the offset past them. A nil c names them without a cache.
func (c *Cache) AppendPairs(dst, src []byte, first, n int) ([]byte, int, error) {
	start := len(dst)
	if first < 0 || first > len(src) || n < 0 || n > (len(src)-first)/2 {
		return dst, 0, mp.ErrShort
	}
	var out []byte
	var next int
	var err error
	switch {
	case n == 0:
		return dst, first, nil
	case c == nil:
		out, next, err = appendPairs(dst, src, first, n, 1)
	default:
		out, next, err = c.appendPairs(dst, src, first, n, 1)
	}
	if err != nil {
		return dst[:start], 0, err
	}
	return out, next, nil
}

// appendPairs names the n pairs of the map at src[first] through a
// remembered shape, learning it first when none fits; a map it cannot
// remember is named by the package's appendPairs.
func (c *Cache) appendPairs(dst, src []byte, first, n, depth int) ([]byte, int, error) {
	slot, ok := slotOf(src, first, n)
	if !ok {
		return appendPairs(dst, src, first, n, depth)
	}
	c.tick++
	for _, s := range [2]*shape{c.slots[slot], c.slots[slot+1]} {
		if s != nil && len(s.rawEnd) == n {
			if out, next, done, err := c.emitWith(dst, src, first, depth, s); done {
				s.used = c.tick
				return out, next, err
			}
		}
	}
	if s := c.learn(src, first, n, slot); s != nil {
		if out, next, done, err := c.emitWith(dst, src, first, depth, s); done {
			return out, next, err
		}
	}
	return appendPairs(dst, src, first, n, depth)
}

// emitWith is emit with s marked busy meanwhile.
func (c *Cache) emitWith(dst, src []byte, first, depth int, s *shape) ([]byte, int, bool, error) {
	s.busy++
	defer func() { s.busy-- }()
	return c.emit(dst, src, first, depth, s)
}

// slotOf returns the first of the two slots where the shape of the map
// with n pairs at src[first] may be (mp.ShapeHash).
func slotOf(src []byte, first, n int) (int, bool) {
	h, ok := mp.ShapeHash(src, first, n)
	if !ok || n > CacheShapeKeys {
		return 0, false
	}
	return int(h%CacheShapes) &^ 1, true
}

// emit appends the pairs of the map at src[first] named by s; done is
// false, and nothing is appended, when a key is not s's (and the pairs were
// not named), true otherwise (err: a value's).
func (c *Cache) emit(dst, src []byte, first, depth int, s *shape) (out []byte, next int, done bool, err error) {
	start := len(dst)
	next = first
	run := first // src[run:next] is copied as it is: keys that are their own names, scalar values
	var rawAt, nameAt uint32
	for i, re := range s.rawEnd {
		_, ke, ok := mp.Str(src, next)
		if !ok || string(src[next:ke]) != string(s.raw[rawAt:re]) {
			return dst[:start], 0, false, nil
		}
		rawAt = re
		ne := s.nameEnd[i]
		if s.renamed[i] {
			dst = append(dst, src[run:next]...)
			dst = append(dst, s.names[nameAt:ne]...)
			run = ke
		}
		nameAt = ne
		if ke < len(src) && !isContainer(src[ke]) {
			// A scalar, most values: copied as it is.
			if next, err = mp.Skip(src, ke); err != nil {
				return dst, 0, true, err
			}
			continue
		}
		dst = append(dst, src[run:ke]...)
		if dst, next, err = appendValue(c, dst, src, ke, depth+1); err != nil {
			return dst, 0, true, err
		}
		run = next
	}
	return append(dst, src[run:next]...), next, true, nil
}

// learn remembers the shape of the map with n pairs at src[first], in the
// least recently matched of its two slots, and returns it; nil when the map
// is not one a Cache holds (a key that is not a str, too many keys or key
// bytes, a value that is not complete).
func (c *Cache) learn(src []byte, first, n, slot int) *shape {
	c.syn = mp.AppendMapHeader(c.syn[:0], n)
	at := first
	for range n {
		_, ke, ok := mp.Str(src, at)
		if !ok || len(c.syn)+ke-at+1 > CacheShapeBytes {
			return nil
		}
		c.syn = append(append(c.syn, src[at:ke]...), 0xc0)
		var err error
		if at, err = mp.Skip(src, ke); err != nil {
			return nil
		}
	}
	named, _, err := AppendValue(c.named[:0], c.syn, 0)
	c.named = named
	if err != nil {
		return nil
	}
	// The less recently matched of the two slots, that no emit names with
	// now; none when both are busy.
	a, b := c.slots[slot], c.slots[slot+1]
	switch {
	case a != nil && a.busy > 0 && b != nil && b.busy > 0:
		return nil
	case a != nil && a.busy > 0, b == nil, a != nil && b.busy == 0 && a.used > b.used:
		slot++
	}
	s := c.slots[slot]
	if s == nil {
		s = &shape{}
		c.slots[slot] = s
	}
	*s = shape{raw: s.raw[:0], names: s.names[:0], rawEnd: s.rawEnd[:0], nameEnd: s.nameEnd[:0], renamed: s.renamed[:0], used: c.tick}
	_, ki, _ := mp.MapHeader(c.syn, 0)
	_, ni, _ := mp.MapHeader(named, 0)
	for range n {
		_, ke, _ := mp.Str(c.syn, ki)
		s.raw = append(s.raw, c.syn[ki:ke]...)
		s.rawEnd = append(s.rawEnd, uint32(len(s.raw)))
		_, ne, _ := mp.Str(named, ni)
		s.names = append(s.names, named[ni:ne]...)
		s.nameEnd = append(s.nameEnd, uint32(len(s.names)))
		s.renamed = append(s.renamed, string(named[ni:ne]) != string(c.syn[ki:ke]))
		ki, ni = ke+1, ne+1 // past the nil value
	}
	return s
}

// isContainer reports whether a msgpack value starting with byte c is a map
// or an array.
func isContainer(c byte) bool {
	return c >= 0x80 && c <= 0x9f || c >= 0xdc && c <= 0xdf
}
