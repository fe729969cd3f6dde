package enrich

import (
	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/ecsschema"
	"github.com/auditx/auditx/internal/mp"
)

// maxActorValueLen bounds an actor value auditx copies (a user name, id,
// address, service or host name); a longer value is not taken.
const maxActorValueLen = 256

// actorNested gathers a vendor's sources that are one key below the same
// top-level key (message.username, message.userID, ...), so that
// the nested map is walked once for all of them.
type actorNested struct {
	slot  int
	wants []actorWant
}

type actorWant struct {
	key   string // normalised
	field catalog.ActorField
	src   int // index in plan.actor[vendor][field]
}

// planNested fills vp.nested from vp.actor.
func (vp *vendorPlan) planNested() {
	for f, srcs := range vp.actor {
		for i, src := range srcs {
			if len(src.rest) != 1 {
				continue
			}
			g := -1
			for j := range vp.nested {
				if vp.nested[j].slot == src.slot {
					g = j
				}
			}
			if g < 0 {
				vp.nested = append(vp.nested, actorNested{slot: src.slot})
				g = len(vp.nested) - 1
			}
			vp.nested[g].wants = append(vp.nested[g].wants, actorWant{key: src.rest[0], field: catalog.ActorField(f), src: i})
		}
	}
}

// actorValues are one record's actor values: sub-slices of the record's
// string values, nil where absent.
type actorValues [catalog.NumActorFields][]byte

// any reports whether a value was found.
func (a *actorValues) any() bool {
	for _, v := range a {
		if v != nil {
			return true
		}
	}
	return false
}

// actors reads vendor v's actor fields from the record: per field, the
// first source present whose value is a non-empty string of at most
// maxActorValueLen bytes, not among the source's ignored values, and, for
// source.ip, a valid IP address (a bad one is counted in InvalidIP and
// left where it is).
func (e *Enricher) actors(body []byte, sc *scanned, vp *vendorPlan, st *Stats) (a actorValues) {
	var cand [catalog.NumActorFields][catalog.MaxActorSources]int // value offsets; 0 = none (offset 0 is the map header)
	for f := range vp.actor {
		for i, src := range vp.actor[f] {
			if len(src.rest) == 1 {
				continue // gathered below
			}
			sp := sc.slots[src.slot]
			if !sp.set {
				continue
			}
			vi, ok := sp.v, true
			if len(src.rest) > 1 {
				vi, ok = descend(body, sp.v, src.rest)
			}
			if ok {
				cand[f][i] = vi
			}
		}
	}
	for _, g := range vp.nested {
		sp := sc.slots[g.slot]
		if !sp.set {
			continue
		}
		ps, ok := pairsIn(body, sp.v)
		if !ok {
			continue
		}
		for _, next, _, ok := ps.Next(); ok; _, next, _, ok = ps.Next() {
			key, isStr := ps.KeyStr()
			if !isStr {
				continue
			}
			// A key without ' ', '_' or '-' normalises to its lower
			// case: compared case-insensitively as it is, without
			// normalising it (most keys).
			if hasSeparator(key) {
				var nb [maxKeyLen]byte
				var ok bool
				if key, ok = normKey(key, &nb); !ok {
					key = nil
				}
			}
			for _, w := range g.wants {
				if len(key) == len(w.key) && cand[w.field][w.src] == 0 && equalFoldASCII(key, w.key) {
					cand[w.field][w.src] = next
				}
			}
		}
	}
	for f := range vp.actor {
		for i, src := range vp.actor[f] {
			vi := cand[f][i]
			if vi == 0 {
				continue
			}
			s, en, ok := mp.Str(body, vi)
			if !ok {
				continue
			}
			val := catalog.TrimBlanks(body[s:en])
			if len(val) == 0 || len(val) > maxActorValueLen || ignored(val, src.ignore) {
				continue
			}
			if catalog.ActorField(f) == catalog.SourceIP && !ecsschema.IsIP(val) {
				st.InvalidIP++
				continue
			}
			a[f] = val
			break
		}
	}
	return a
}

func ignored(val []byte, ignore []string) bool {
	for _, s := range ignore {
		if equalFoldASCII(val, s) {
			return true
		}
	}
	return false
}
