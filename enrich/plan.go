package enrich

import (
	"strings"

	"github.com/auditx/auditx/catalog"
)

// A plan says which top-level keys of a record matter and what they mean.
// It is built once per Enricher from its Options.

// maxSlots bounds the distinct top-level keys a plan watches: the code
// locations (at most baseSlots) and the actor map's keys (at most
// catalog.MaxActorTopKeys, which the catalog enforces).
const maxSlots = 24

// baseSlots bounds the keys of the code locations, a code_key included.
const baseSlots = maxSlots - catalog.MaxActorTopKeys

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

	// Detection and extraction, per vendor: alternatives, first present wins.
	code     [catalog.NumVendors][]path
	entity   []path // Netop entity type
	action   []path // Netop action
	result   []path // Netop result code
	fbType   []path // FilingBox Type (info / fault)
	severity []path // PrivX severity
	// detection keys
	pxID, pxName, pxService, paType path
	ntEntity, ntAction              path
	fbCode                          []path
	custom                          bool // code comes from Options.CodeKey

	// actor holds, per vendor and actor field, the sources of the
	// catalog's actor map (Options.Actor): first usable value wins.
	actor  [catalog.NumVendors][catalog.NumActorFields][]actorPath
	nested [catalog.NumVendors][]actorNested // the one-level nested sources of actor, by parent key
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

func (p *plan) paths(dotted ...string) []path {
	var out []path
	for _, d := range dotted {
		out = append(out, p.path(d))
	}
	return out
}

// Default code locations per vendor (see README "Record shapes"): the first
// key present wins; key names match case-insensitively with spaces, '_'
// and '-' ignored, so "Entity Type", "entity_type" and "entityType" are one.
func newPlan(o *Options, actors *catalog.ActorMap) *plan {
	p := &plan{slots: map[string]int{}}
	p.fbCode = p.paths("code", "event_code")
	p.code[catalog.FilingBox] = p.fbCode
	p.fbType = p.paths("type")
	p.paType = p.path("event_type")
	p.code[catalog.PlusAuth] = []path{p.paType}
	p.pxID, p.pxName, p.pxService = p.path("event_id"), p.path("event_name"), p.path("service_name")
	p.code[catalog.PrivX] = []path{p.pxID}
	p.severity = p.paths("message.severity", "severity")
	p.ntEntity, p.ntAction = p.path("entity_type"), p.path("action")
	p.entity, p.action = []path{p.ntEntity}, []path{p.ntAction}
	p.result = p.paths("result_code")
	if o.CodeKey != "" {
		p.code[o.Vendor] = []path{p.path(o.CodeKey)}
		p.custom = true
	}
	if o.Actor && actors != nil {
		for _, v := range catalog.Vendors() {
			for f := catalog.ActorField(0); f < catalog.NumActorFields; f++ {
				for _, src := range actors.Sources(v, f) {
					p.actor[v][f] = append(p.actor[v][f], actorPath{path: p.path(src.Path), ignore: src.Ignore})
				}
			}
		}
		p.planNested()
	}
	return p
}
