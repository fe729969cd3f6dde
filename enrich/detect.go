package enrich

import (
	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/mp"
)

// alreadyEnriched reports whether the record carries auditx's marker: in
// the flat schema its flat_key map, in ECS the "auditx" tag or an
// event.dataset of auditx's.
func (e *Enricher) alreadyEnriched(body []byte, sc *scanned, t *table) bool {
	if e.opts.Schema == SchemaFlat {
		return sc.flat.set
	}
	tags, event := &sc.groups[gTags], &sc.groups[gEvent]
	return (tags.set && hasMarker(body, tags.v)) || (event.set && hasDatasetMarker(body, event.v, t))
}

// detect recognises the vendor from the record's keys: the first rule, in
// the order of the descriptors' precedences, whose keys are all present.
func (sc *scanned) detect() *vendorPlan {
rules:
	for i := range sc.plan.rules {
		r := &sc.plan.rules[i]
		for _, s := range r.slots {
			if !sc.slots[s].set {
				continue rules
			}
		}
		return r.vendor
	}
	return nil
}

// hasMarker reports whether the tags array at vi holds MarkerTag.
func hasMarker(body []byte, vi int) bool {
	it, ok := itemsIn(body, vi)
	if !ok {
		return false
	}
	for v, _, ok := it.Next(); ok; v, _, ok = it.Next() {
		if s, e, ok := mp.Str(body, v); ok && string(body[s:e]) == MarkerTag {
			return true
		}
	}
	return false
}

// hasDatasetMarker reports whether the event map at vi has auditx's
// event.dataset ("<vendor>.audit"): the marker of a record whose tags could
// not take MarkerTag (a tags value that is not an array, kept with override
// off; found by FuzzRecord).
func hasDatasetMarker(body []byte, vi int, t *table) bool {
	di, ok := findKey(body, vi, "dataset", false)
	if !ok {
		return false
	}
	vs, ve, ok := mp.Str(body, di)
	if !ok {
		return false
	}
	v := body[vs:ve]
	suffix := catalog.DatasetSuffix
	if len(v) <= len(suffix) || string(v[len(v)-len(suffix):]) != suffix {
		return false
	}
	for i := 1; i < len(t.plan.vendors); i++ {
		if string(v[:len(v)-len(suffix)]) == t.plan.vendors[i].v.ID {
			return true
		}
	}
	return false
}
