package enrich

import (
	"time"

	"github.com/auditx/auditx/internal/evtime"
	"github.com/auditx/auditx/internal/mp"
)

// span locates one key/value pair of a map: key at k, value at v..end.
type span struct {
	k, v, end int
	set       bool
}

// scanned is what one pass over a record's top-level pairs found.
type scanned struct {
	slots         [maxSlots]span
	groups        [numGroups]span // the ECS schema's group keys (groupNames)
	flat          span            // the flat schema's FlatKey
	first, nPairs int             // the vendor's record: its pairs
	topFirst      int             // the whole record's pairs (the same without RecordKey)
	topN          int
	rec           span // the RecordKey pair, when set
	plan          *plan
	// scr is the call's scratch, which outlives the record
	// (Enricher.takeScratch); nil: every key is looked up.
	scr *scratch
	// spans and means are the vendor's record's pairs and what their keys
	// mean, in order, as scanPairs found them; nSpans of them, all the
	// pairs unless the record has more than maxSpans.
	spans  [maxSpans]span
	means  [maxSpans]keyMeaning
	nSpans int
	// stamp writes event.created; it keeps the text of the last day
	// across a chunk's records.
	stamp evtime.Stamp

	// read is the time the event's header had (Fluent Bit's read time),
	// when known; vendorTime the vendor's event time enrichCode found.
	read, vendorTime       time.Time
	hasRead, hasVendorTime bool
}

// firstSpan keeps the first occurrence of a key (a duplicate key later in
// the map is copied, not used).
func firstSpan(dst *span, sp span) {
	if !dst.set {
		*dst = sp
	}
}

// scan walks the top-level pairs of the map at the start of body once,
// noting the watched keys, and returns the offset just past the map; ok is
// false when body does not start with a complete map. Bytes after the map
// are not read (a chunk's next events).
func (e *Enricher) scan(body []byte, sc *scanned, t *table) (end int, ok bool) {
	sc.reset(t.plan)
	n, i, ok := mp.MapHeader(body, 0)
	if !ok {
		return 0, false
	}
	sc.topFirst, sc.topN = i, n
	if e.opts.RecordKey == "" {
		sc.first, sc.nPairs = i, n
		return e.scanPairs(body, sc, i, n)
	}
	// The vendor's record is the map under RecordKey; the rest of the
	// record is walked only to check it and find its end.
	sc.first, sc.nPairs = 0, 0
	ps := mp.PairsAt(body, i, n)
	for k, vi, end, ok := ps.Next(); ok; k, vi, end, ok = ps.Next() {
		key, isStr := ps.KeyStr()
		if !isStr {
			continue
		}
		if !sc.rec.set && string(key) == e.opts.RecordKey {
			if rn, ri, ok := mp.MapHeader(body, vi); ok {
				sc.rec = span{k: k, v: vi, end: end, set: true}
				sc.first, sc.nPairs = ri, rn
				if _, ok := e.scanPairs(body, sc, ri, rn); !ok {
					return 0, false
				}
				continue
			}
		}
		// The pipeline's own marker and stream: a record auditx laid out
		// already has them at the top (and no RecordKey map left).
		if g, ok := groupOf(key); ok && (g == gTags || g == gDataStream) {
			firstSpan(&sc.groups[g], span{k: k, v: vi, end: end, set: true})
		}
	}
	if ps.Err() != nil {
		return 0, false
	}
	return ps.Offset(), true
}

// maxSpans bounds the pairs scan notes for the writers.
const maxSpans = 64

// scanPairs walks the n pairs of a map from offset i, noting the watched
// keys, and returns the offset past them. Keys that are a remembered
// shape's (sc.scr) mean what they meant; the others are looked up, and the
// map's shape remembered.
func (e *Enricher) scanPairs(body []byte, sc *scanned, i, n int) (end int, ok bool) {
	var shape *keyShape
	slot := -1
	if sc.scr != nil {
		shape, slot = sc.scr.shapes.find(sc.plan, body, i, n)
	}
	var raw uint32
	ps := mp.PairsAt(body, i, n)
	idx := 0
	for k, vi, end, ok := ps.Next(); ok; k, vi, end, ok = ps.Next() {
		var m keyMeaning
		if shape != nil && string(body[k:vi]) == string(shape.raw[raw:shape.ends[idx]]) {
			m, raw = shape.keys[idx], shape.ends[idx]
		} else {
			shape = nil // from here on, key by key
			if key, isStr := ps.KeyStr(); isStr {
				m = e.meaning(sc.plan, key)
			} else {
				m = keyMeaning{slot: -1, group: -1}
			}
		}
		sp := span{k: k, v: vi, end: end, set: true}
		if idx < maxSpans {
			sc.spans[idx], sc.means[idx] = sp, m
		}
		idx++
		if m.group >= 0 {
			firstSpan(&sc.groups[m.group], sp)
		}
		if m.flat && !sc.flat.set {
			sc.flat = sp
		}
		if m.slot >= 0 && !sc.slots[m.slot].set {
			sc.slots[m.slot] = sp
		}
	}
	if ps.Err() != nil {
		return 0, false
	}
	sc.nSpans = min(idx, maxSpans)
	if shape == nil && slot >= 0 {
		sc.scr.shapes.learn(slot, body, sc.spans[:idx], sc.means[:idx])
	}
	return ps.Offset(), true
}

// Every walk after scan is over bytes scan accepted: it skipped each
// top-level value whole (mp.Skip follows nested maps and arrays to their
// last byte, checking every header and length on the way), and the map
// under RecordKey pair by pair. A second walk over any part of them meets
// only complete msgpack, so it cannot stop early: the walks below (and the
// writers') stop at the end, and need not check Err. pairsIn, itemsIn,
// pairs and topPairs are those walks; scan alone checks Err.

// pairsIn walks the map at body[vi], a value within a scanned record; ok is
// false when it is no map.
func pairsIn(body []byte, vi int) (mp.Pairs, bool) { return mp.MapPairs(body, vi) }

// itemsIn walks the array at body[vi], a value within a scanned record; ok
// is false when it is no array.
func itemsIn(body []byte, vi int) (mp.Items, bool) { return mp.ArrayItems(body, vi) }

// pairs walks the vendor's record's pairs (the record, or its RecordKey map).
func (sc *scanned) pairs(body []byte) mp.Pairs { return mp.PairsAt(body, sc.first, sc.nPairs) }

// topPairs walks the whole record's top-level pairs.
func (sc *scanned) topPairs(body []byte) mp.Pairs { return mp.PairsAt(body, sc.topFirst, sc.topN) }

// reset readies sc for a record of plan p: only the slots p uses are
// cleared (a scanned is reused across a chunk's records).
func (sc *scanned) reset(p *plan) {
	clear(sc.slots[:p.n])
	clear(sc.groups[:])
	sc.flat, sc.rec = span{}, span{}
	sc.nSpans = 0
	sc.plan = p
	sc.hasRead, sc.hasVendorTime = false, false
}

// resolveFirst returns the value offset of the first path present.
func resolveFirst(body []byte, sc *scanned, paths []path) (int, bool) {
	for _, p := range paths {
		if vi, ok := resolve(body, sc, p); ok {
			return vi, true
		}
	}
	return 0, false
}

// resolve returns the value offset of a path.
func resolve(body []byte, sc *scanned, p path) (int, bool) {
	sp := sc.slots[p.slot]
	if !sp.set {
		return 0, false
	}
	return descend(body, sp.v, p.rest)
}

// descend follows normalised keys through nested maps from the value at vi.
func descend(body []byte, vi int, rest []string) (int, bool) {
	for _, want := range rest {
		var ok bool
		if vi, ok = findKey(body, vi, want, true); !ok {
			return 0, false
		}
	}
	return vi, true
}

// findKey returns the value offset of the first string key of the map at vi
// that is want: as it is, or, with norm, once normalised (normKey). (A
// match func here cost nested-key records a tenth more, measured: an indirect
// call per pair after Next's.)
func findKey(body []byte, vi int, want string, norm bool) (int, bool) {
	ps, ok := pairsIn(body, vi)
	if !ok {
		return 0, false
	}
	var nb [maxKeyLen]byte
	for _, v, _, ok := ps.Next(); ok; _, v, _, ok = ps.Next() {
		key, isStr := ps.KeyStr()
		switch {
		case !isStr:
		case !norm || len(key) < len(want):
			// Normalising never lengthens a key.
			if string(key) == want {
				return v, true
			}
		case len(key) == len(want):
			// Of want's length, the key has nothing to drop: want
			// (lower case, no separator) but for case.
			if equalFoldASCII(key, want) {
				return v, true
			}
		default:
			if nk, ok := normKey(key, &nb); ok && string(nk) == want {
				return v, true
			}
		}
	}
	return 0, false
}
