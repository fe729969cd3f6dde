package enrich

import (
	"github.com/auditx/auditx/internal/ecsschema"
	"github.com/auditx/auditx/internal/mp"
)

// maxClassified bounds the top-level pairs whose stay-or-move decision is
// remembered between the passes of writeGroupsNS; later ones are decided
// again.
const maxClassified = 256

// writeGroupsNS is writeGroups for the vendor namespace layout: every
// top-level pair whose value is not ECS (ecsschema.ValueIsECS) moves, whole,
// under <vendor id>.audit with its keys named ECS style (keyname); a group
// pair auditx writes (event, user, source, ...) that is not ECS moves too,
// and auditx adds its own. The ECS pairs stay in their order, auditx's
// groups merged into them as writeGroups does.
func (e *Enricher) writeGroupsNS(out, body []byte, sc *scanned, st *Stats, groups []group, vend *encVendor, ts tagSet) []byte {
	var moved [maxClassified / 64]uint64
	nMove := 0
	// The moved pairs: while they follow one another, the run
	// body[run0:run1]; else gathered, as they are, in mv. keyname names
	// them from there.
	mv := sc.scr.moved[:0]
	run0, run1, gathered := 0, 0, false
	// The pairs that stay, when few (most of a vendor's keys move): copied
	// from here without a second walk.
	var stay [maxStaying]span
	nStay := 0
	ps := sc.pairs(body)
	spansOK := sc.nSpans == sc.nPairs // scan noted every pair
	for p := 0; p < sc.nPairs; p++ {
		var k, vi, end int
		var keep bool
		if spansOK {
			k, vi, end = sc.spans[p].k, sc.spans[p].v, sc.spans[p].end
			keep = sc.means[p].ecs && staysAt(body, k, vi)
		} else {
			k, vi, end, _ = ps.Next()
			keep = stays(&ps, body, vi)
		}
		if keep {
			if nStay < maxStaying {
				stay[nStay] = span{k: k, v: vi, end: end, set: true}
			}
			nStay++
		} else {
			switch {
			case nMove == 0:
				run0, run1 = k, end
			case !gathered && k == run1:
				run1 = end
			default:
				if !gathered {
					mv, gathered = append(mv, body[run0:run1]...), true
				}
				mv = append(mv, body[k:end]...)
			}
			nMove++
			if p < maxClassified {
				moved[p/64] |= 1 << (p % 64)
			}
			if !spansOK || sc.means[p].group >= 0 {
				for gi := range groups {
					if groups[gi].sp.set && groups[gi].sp.k == k {
						groups[gi].sp = span{} // auditx adds its own
					}
				}
			}
		}
	}
	var edits [numGroups]edit
	ne, added := e.planEdits(&edits, body, sc, st, groups)
	nsPair := 0
	if nMove > 0 {
		nsPair = 1
	}
	pipeline := 0
	if sc.rec.set {
		pipeline = sc.topN - 1
	}
	out = mp.AppendMapHeader(out, pipeline+sc.nPairs-nMove+nsPair+added)
	if sc.rec.set {
		// The pipeline's pairs, as they are, but the vendor's record's.
		out = append(out, body[sc.topFirst:sc.rec.k]...)
		out = append(out, body[sc.rec.end:]...)
	}
	if nStay <= maxStaying {
		out = e.appendStaying(out, body, stay[:nStay], edits[:ne], groups, ts)
	} else {
		out = e.appendStayingWalk(out, body, sc, &moved, edits[:ne], groups, ts)
	}
	if nMove > 0 {
		out = append(out, vend.nsKey...)
		out = mp.AppendMapHeader(out, 1)
		out = append(out, keyAudit...)
		src, first := body, run0
		if gathered {
			src, first = mv, 0
		}
		out = mp.AppendMapHeader(out, nMove)
		named := len(out)
		var err error
		if out, _, err = sc.scr.names.AppendPairs(out, src, first, nMove); err != nil {
			// Nested deeper than keyname names: the moved pairs stay as
			// they are, their values byte for byte.
			if !gathered {
				mv = append(mv, body[run0:run1]...)
			}
			out = append(out[:named], mv...)
		}
	}
	sc.scr.moved = mv
	return appendAdded(out, groups, ts)
}

// maxStaying bounds the staying pairs writeGroupsNS remembers; a record
// with more is walked again.
const maxStaying = 16

// appendStaying appends the pairs that stay, stay, with the edits (in the
// same order) applied.
func (e *Enricher) appendStaying(out, body []byte, stay []span, edits []edit, groups []group, ts tagSet) []byte {
	ei := 0
	for _, sp := range stay {
		if ei < len(edits) && edits[ei].sp.k == sp.k {
			if !edits[ei].drop {
				out = e.appendEdited(out, body, edits[ei].sp, &groups[edits[ei].group], ts)
			}
			ei++
			continue
		}
		out = append(out, body[sp.k:sp.end]...)
	}
	return out
}

// appendStayingWalk is appendStaying for a record with more than
// maxStaying such pairs: it walks the record's pairs again, skipping the
// moved ones (moved, by position; past maxClassified, decided again).
func (e *Enricher) appendStayingWalk(out, body []byte, sc *scanned, moved *[maxClassified / 64]uint64, edits []edit, groups []group, ts tagSet) []byte {
	ps := sc.pairs(body)
	ei := 0
	for p := 0; ; p++ {
		k, vi, end, ok := ps.Next()
		if !ok {
			return out
		}
		if ei < len(edits) && edits[ei].sp.k == k {
			if !edits[ei].drop {
				out = e.appendEdited(out, body, edits[ei].sp, &groups[edits[ei].group], ts)
			}
			ei++
			continue
		}
		if p < maxClassified && moved[p/64]&(1<<(p%64)) != 0 || p >= maxClassified && !stays(&ps, body, vi) {
			continue
		}
		out = append(out, body[k:end]...)
	}
}

// pipelineHas reports whether the record has, outside its RecordKey map,
// a top-level key encoded as key (a pipeline's own "log", say).
func pipelineHas(body []byte, sc *scanned, key []byte) bool {
	ps := sc.topPairs(body)
	for k, vi, _, ok := ps.Next(); ok; k, vi, _, ok = ps.Next() {
		if k != sc.rec.k && string(body[k:vi]) == string(key) {
			return true
		}
	}
	return false
}

// stays reports whether the pair ps returned last, with its value at vi,
// stays at the top in the namespace layout: a string key whose value is
// ECS already.
func stays(ps *mp.Pairs, body []byte, vi int) bool {
	key, ok := ps.KeyStr()
	return ok && ecsschema.ValueIsECS(key, body, vi)
}

// staysAt is stays for the pair whose key is at k and value at vi.
func staysAt(body []byte, k, vi int) bool {
	s, e, ok := mp.Str(body, k)
	return ok && ecsschema.ValueIsECS(body[s:e], body, vi)
}

// originalPair encodes event.original: the vendor's record as JSON (one
// allocation a record, only with event_original on).
func originalPair(body []byte) []byte {
	out := append(make([]byte, 0, len(keyOriginal)+5+2*len(body)), keyOriginal...)
	hdr := len(out)
	out = append(out, 0xdb, 0, 0, 0, 0) // str 32, its length set below
	out, _, err := mp.AppendJSON(out, body, 0)
	if err != nil {
		return nil
	}
	n := len(out) - hdr - 5
	out[hdr+1], out[hdr+2], out[hdr+3], out[hdr+4] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return out
}
