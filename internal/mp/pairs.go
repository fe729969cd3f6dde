package mp

// Pairs walks the key/value pairs of one map in place: every walk over a
// map's pairs that does not descend into the values uses it. It is a value
// (a few words, kept on the caller's stack): walking allocates nothing.
//
//	ps, ok := mp.MapPairs(b, i)
//	for k, v, end, ok := ps.Next(); ok; k, v, end, ok = ps.Next() {
//		if key, isStr := ps.KeyStr(); isStr { ... } // b[k:v] is the encoded key, b[v:end] the value
//	}
//	if err := ps.Err(); err != nil { ... } // a pair that is not complete msgpack
//
// Next reads each key (a str or bin key by its header, any other by Skip)
// and skips each value, so it checks every byte of the pairs it returns as
// Skip does: a walk that ends with a nil Err has walked valid msgpack, and a
// second walk over the same bytes cannot fail.
type Pairs struct {
	b      []byte
	i      int // offset of the next pair; past the map after the last
	n      int // pairs left
	ks, ke int // the last key's payload; ks 0 when it was no str or bin
	err    error
}

// MapPairs returns a walk over the pairs of the map at b[i]; ok is false
// when no map header starts there.
func MapPairs(b []byte, i int) (ps Pairs, ok bool) {
	n, first, ok := MapHeader(b, i)
	if !ok {
		return Pairs{}, false
	}
	return Pairs{b: b, i: first, n: n}, true
}

// PairsAt returns a walk over n pairs starting at b[first], the offset just
// past a map header that was read already.
func PairsAt(b []byte, first, n int) Pairs {
	return Pairs{b: b, i: first, n: n}
}

// Next returns the next pair: the offsets of its key, of its value and just
// past the value. ok is false after the last pair, or at a pair that is not
// complete msgpack (Err then says why, and every later Next is false too).
func (ps *Pairs) Next() (key, val, end int, ok bool) {
	if ps.n <= 0 {
		return 0, 0, 0, false
	}
	b, key := ps.b, ps.i
	var err error
	// The common key, a fixstr, and the common values, a fixstr or a
	// one-byte scalar, are read here without a call.
	if e, ok := fixStrEnd(b, key); ok {
		ps.ks, ps.ke, val = key+1, e, e
	} else if ks, ke, isStr := Str(b, key); isStr {
		ps.ks, ps.ke, val = ks, ke, ke
	} else {
		ps.ks, ps.ke = 0, 0
		if val, err = Skip(b, key); err != nil {
			return ps.fail(err)
		}
	}
	if e, ok := fixStrEnd(b, val); ok {
		end = e
	} else if val < len(b) && oneByte(b[val]) {
		end = val + 1
	} else if end, err = Skip(b, val); err != nil {
		return ps.fail(err)
	}
	ps.n--
	ps.i = end
	return key, val, end, true
}

// fail ends the walk with err.
func (ps *Pairs) fail(err error) (key, val, end int, ok bool) {
	ps.n, ps.err = 0, err
	return 0, 0, 0, false
}

// fixStrEnd returns the offset past the fixstr at b[i]; ok is false when
// b[i] is no fixstr or the payload runs past the end (Str and Skip then
// say what it is).
func fixStrEnd(b []byte, i int) (end int, ok bool) {
	if i >= len(b) || b[i]&0xe0 != 0xa0 {
		return 0, false
	}
	end = i + 1 + int(b[i]&0x1f)
	return end, end <= len(b)
}

// oneByte reports whether c is a whole object: a fixint, nil or a bool.
func oneByte(c byte) bool {
	return c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3
}

// KeyStr returns the payload of the last key Next returned when it is a
// str or bin (as Str reads it); ok is false for any other key.
func (ps *Pairs) KeyStr() (key []byte, ok bool) {
	if ps.ks == 0 {
		return nil, false
	}
	return ps.b[ps.ks:ps.ke], true
}

// Err returns why the walk stopped before the last pair: ErrShort or
// ErrMalformed as Skip returns them; nil while every pair was complete.
func (ps *Pairs) Err() error { return ps.err }

// Offset returns the offset of the next pair: just past the map once Next
// has returned every pair.
func (ps *Pairs) Offset() int { return ps.i }

// Items walks the elements of one array in place, as Pairs walks a map's
// pairs (and allocates nothing either).
type Items struct {
	b   []byte
	i   int
	n   int
	err error
}

// ArrayItems returns a walk over the elements of the array at b[i]; ok is
// false when no array header starts there.
func ArrayItems(b []byte, i int) (it Items, ok bool) {
	n, first, ok := ArrayHeader(b, i)
	if !ok {
		return Items{}, false
	}
	return Items{b: b, i: first, n: n}, true
}

// Next returns the offsets of the next element and just past it; ok is
// false after the last element or at one that is not complete msgpack
// (Err then says why).
func (it *Items) Next() (val, end int, ok bool) {
	if it.n <= 0 {
		return 0, 0, false
	}
	val = it.i
	if end, it.err = Skip(it.b, val); it.err != nil {
		it.n = 0
		return 0, 0, false
	}
	it.n--
	it.i = end
	return val, end, true
}

// Err returns why the walk stopped before the last element, as Pairs.Err.
func (it *Items) Err() error { return it.err }

// Offset returns the offset of the next element: just past the array once
// Next has returned every element.
func (it *Items) Offset() int { return it.i }

// ShapeHash hashes what tells a map's keys apart at once: its pair count n
// and its first key (its last 16 bytes at most), a str or bin at b[first];
// ok is false when the first key is not one. Caches of maps by their keys
// (keyname.Cache, enrich's record shapes) pick their slot by it and then
// compare the keys themselves.
func ShapeHash(b []byte, first, n int) (h uint64, ok bool) {
	s, e, ok := Str(b, first)
	if !ok {
		return 0, false
	}
	h = uint64(n)*0x9e3779b97f4a7c15 ^ uint64(e-s)
	if e-s > 16 {
		s = e - 16
	}
	for _, c := range b[s:e] {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h ^ h>>29, true
}
