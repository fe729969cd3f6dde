package enrich

import (
	"github.com/auditx/auditx/internal/ecsschema"
	"github.com/auditx/auditx/internal/keyname"
	"github.com/auditx/auditx/internal/mp"
)

// scratch is what a goroutine keeps between the records it enriches (one
// Chunk or Record call at a time holds it: Enricher.takeScratch): the
// shapes of the vendors' records, the key names of the namespace layout and
// the buffer of the moved pairs.
type scratch struct {
	shapes keyShapes
	names  keyname.Cache
	moved  []byte
}

// keyShapes remembers, for a map's top-level keys in their order (a
// shape, which a vendor's records repeat), what scanPairs makes of each key:
// the watched slot, the ECS group, the flat key, and whether its pair may
// stay at the top in the namespace layout (an ECS name). A record whose keys
// are a remembered shape's, byte for byte, is scanned without normalising
// or looking up a key. The shapes are those of one plan: a new catalog
// (a new table) empties them.
type keyShapes struct {
	plan  *plan
	slots [numKeyShapes]*keyShape
	tick  uint64
}

// The bounds of keyShapes: the shapes it holds, and the keys and key
// bytes of one. A map past them is scanned key by key.
const (
	numKeyShapes  = 64
	maxShapeKeys  = maxSpans
	maxShapeBytes = 2048
)

// keyShape is one shape: key i is raw[ends[i-1]:ends[i]] (as encoded) and
// keys[i] what it means.
type keyShape struct {
	raw  []byte
	ends []uint32
	keys []keyMeaning
	used uint64
}

// keyMeaning is what scanPairs makes of one key.
type keyMeaning struct {
	slot  int8 // watched slot, -1 none
	group int8 // ECS group (groupOf), -1 none
	flat  bool // the flat schema's FlatKey
	ecs   bool // an ECS name (its pair stays when its value fits)
}

// find returns the shape whose keys may be those of the map with n pairs
// at body[first] (by n and the first key; the caller compares each key), or
// nil, and the slot where the map's shape is or would be (-1: a map that
// has none).
func (ks *keyShapes) find(p *plan, body []byte, first, n int) (*keyShape, int) {
	if ks.plan != p {
		*ks = keyShapes{plan: p}
	}
	slot, ok := shapeSlot(body, first, n)
	if !ok {
		return nil, -1
	}
	ks.tick++
	for _, s := range [2]*keyShape{ks.slots[slot], ks.slots[slot+1]} {
		if s != nil && len(s.ends) == n {
			s.used = ks.tick
			return s, slot
		}
	}
	return nil, slot
}

// shapeSlot returns the first of the two slots of the map with n pairs at
// body[first] (mp.ShapeHash).
func shapeSlot(body []byte, first, n int) (int, bool) {
	h, ok := mp.ShapeHash(body, first, n)
	if !ok || n == 0 || n > maxShapeKeys {
		return 0, false
	}
	return int(h%numKeyShapes) &^ 1, true
}

// learn remembers the keys of a map scanPairs scanned key by key (spans,
// their meanings) in the less recently used of its two slots.
func (ks *keyShapes) learn(slot int, body []byte, spans []span, keys []keyMeaning) {
	size := 0
	for _, sp := range spans {
		size += sp.v - sp.k
	}
	if size > maxShapeBytes {
		return
	}
	if ks.slots[slot+1] == nil || (ks.slots[slot] != nil && ks.slots[slot].used > ks.slots[slot+1].used) {
		slot++
	}
	s := ks.slots[slot]
	if s == nil {
		s = &keyShape{}
		ks.slots[slot] = s
	}
	*s = keyShape{raw: s.raw[:0], ends: s.ends[:0], keys: append(s.keys[:0], keys...), used: ks.tick}
	for _, sp := range spans {
		s.raw = append(s.raw, body[sp.k:sp.v]...)
		s.ends = append(s.ends, uint32(len(s.raw)))
	}
}

// meaning is what key, a str key of a record's map, means to scanPairs.
func (e *Enricher) meaning(p *plan, key []byte) keyMeaning {
	m := keyMeaning{slot: -1, group: -1}
	if e.opts.Schema == SchemaECS {
		if g, ok := groupOf(key); ok {
			m.group = int8(g)
		}
	} else if string(key) == e.opts.FlatKey {
		m.flat = true
	}
	var nb [maxKeyLen]byte
	if nk, ok := normKey(key, &nb); ok {
		if s, ok := p.lookup(nk); ok {
			m.slot = int8(s)
		}
	}
	m.ecs = ecsschema.MayBeECS(key)
	return m
}
