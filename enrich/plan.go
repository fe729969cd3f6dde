package enrich

import (
	"fmt"
	"strings"

	"github.com/auditx/auditx/catalog"
)

// A plan says which top-level keys of a record matter and what they mean:
// the vendors' descriptors turned into watched keys (slots) and paths. It is
// built once per catalog and Options (newTable).

// maxSlots bounds the distinct top-level keys a plan watches: those of the
// descriptors and the actor map (catalog.MaxWatchedKeys, which the catalog
// enforces) and a code_key.
const maxSlots = catalog.MaxWatchedKeys + 1

// path is a key path: a watched top-level key (slot) and the normalised keys
// below it.
type path struct {
	slot int
	rest []string
}

type plan struct {
	slots map[string]int // normalised top-level key -> slot
	n     int
	// byLen indexes the watched keys by length: most keys of a record have
	// a length no watched key has and cost no comparison, and the others a
	// memcmp or two, cheaper than hashing every key.
	byLen [maxKeyLen + 1][]slotKey

	vendors []vendorPlan // by catalog.Vendor.Index; [0] unused
	rules   []rulePlan   // every vendor's detect rules, lowest precedence first
	fixed   *vendorPlan  // Options.Vendor; nil for auto
	custom  bool         // the fixed vendor's code comes from Options.CodeKey
}

// vendorPlan is one vendor's descriptor as paths.
type vendorPlan struct {
	v        *catalog.Vendor
	code     []path // alternatives, first present wins
	join     []path // the parts of a joined code, in order
	outcome  []path
	severity []path
	time     []path // the descriptor's time fields, in order

	// actor holds, per actor field, the sources of the catalog's actor
	// map (Options.Actor): first usable value wins.
	actor  [catalog.NumActorFields][]actorPath
	nested []actorNested // the one-level nested sources of actor, by parent key
}

// rulePlan is one recognition rule: all its slots present.
type rulePlan struct {
	vendor *vendorPlan
	slots  []int
}

// actorPath is one source of an actor field.
type actorPath struct {
	path
	ignore []string // values not taken (compared case-insensitively)
}

type slotKey struct {
	key  string
	slot int
}

func (p *plan) slot(key string) int {
	key = normKeyString(key)
	if s, ok := p.slots[key]; ok {
		return s
	}
	p.slots[key] = p.n
	p.byLen[len(key)] = append(p.byLen[len(key)], slotKey{key, p.n})
	p.n++
	return p.n - 1
}

// lookup returns the slot of a normalised key.
func (p *plan) lookup(nk []byte) (int, bool) {
	for _, sk := range p.byLen[len(nk)] {
		if string(nk) == sk.key {
			return sk.slot, true
		}
	}
	return 0, false
}

func (p *plan) path(dotted string) path {
	segs := strings.Split(dotted, ".")
	out := path{slot: p.slot(segs[0])}
	for _, s := range segs[1:] {
		out.rest = append(out.rest, normKeyString(s))
	}
	return out
}

func (p *plan) paths(dotted []string) []path {
	var out []path
	for _, d := range dotted {
		out = append(out, p.path(d))
	}
	return out
}

// newPlan turns the catalog's descriptors and actor map into a plan. Key
// names match case-insensitively with spaces, '_' and '-' ignored, so
// "Entity Type", "entity_type" and "entityType" are one. It fails when
// Options name a vendor the catalog does not have.
func newPlan(o *Options, cat *catalog.Catalog) (*plan, error) {
	vs := cat.VendorSet()
	p := &plan{slots: map[string]int{}, vendors: make([]vendorPlan, vs.Len()+1)}
	for _, v := range vs.Vendors() {
		vp := &p.vendors[v.Index]
		vp.v = v
		vp.code = p.paths(v.Code.Fields)
		vp.join = p.paths(v.Code.Join)
		vp.outcome = p.paths(v.Outcome.Fields)
		vp.severity = p.paths(v.Severity.Fields)
		for _, tf := range v.Time {
			vp.time = append(vp.time, p.path(tf.Field))
		}
	}
	for _, r := range vs.Rules() {
		rp := rulePlan{vendor: &p.vendors[r.Vendor.Index]}
		for _, k := range r.Rule.Keys {
			rp.slots = append(rp.slots, p.slot(k))
		}
		p.rules = append(p.rules, rp)
	}
	if o.Vendor != "" {
		v, err := vs.Lookup(o.Vendor)
		if err != nil {
			return nil, err
		}
		p.fixed = &p.vendors[v.Index]
		if o.CodeKey != "" {
			p.fixed.code, p.fixed.join = []path{p.path(o.CodeKey)}, nil
			p.custom = true
		}
	}
	if o.Actor {
		actors := cat.Actors()
		for _, v := range vs.Vendors() {
			vp := &p.vendors[v.Index]
			for f := catalog.ActorField(0); f < catalog.NumActorFields; f++ {
				for _, src := range actors.Sources(v, f) {
					vp.actor[f] = append(vp.actor[f], actorPath{path: p.path(src.Path), ignore: src.Ignore})
				}
			}
			vp.planNested()
		}
	}
	if p.n > maxSlots {
		return nil, fmt.Errorf("enrich: %d watched keys, at most %d", p.n, maxSlots)
	}
	return p, nil
}
