package enrich

import (
	"math"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/mp"
)

// joinCode finds a joined code (its parts from several fields, joined by
// the vendor's separator: ENTITY_TYPE.ACTION), appends its canonical form
// to buf and looks it up. r is ResultEnriched when a code was found (entry
// nil when the catalog does not know it), or why not.
func (e *Enricher) joinCode(buf []byte, body []byte, sc *scanned, t *table, vp *vendorPlan) (code []byte, entry *catalog.Entry, r Result) {
	var at [catalog.MaxAlternatives]int
	for i := range vp.join {
		vi, ok := resolve(body, sc, vp.join[i])
		if !ok {
			return nil, nil, ResultNoCode
		}
		at[i] = vi
	}
	var partsArr [catalog.MaxAlternatives][]byte
	parts := partsArr[:len(vp.join)]
	for i := range parts {
		s, e, ok := mp.Str(body, at[i])
		if !ok || e-s > catalog.MaxCodeLen {
			return nil, nil, ResultInvalidCode
		}
		parts[i] = body[s:e]
	}
	for _, p := range parts {
		if len(catalog.TrimBlanks(p)) == 0 {
			return nil, nil, ResultNoCode
		}
	}
	return catalog.CanonicalJoin(buf, vp.v, parts), t.cat.LookupJoin(vp.v, parts), ResultEnriched
}

// code finds the code of a record of vendor vp at its code location (a
// string, through code_regex when set, or an integer), appends its
// canonical form to buf and looks it up; r as for joinCode.
func (e *Enricher) code(buf []byte, body []byte, sc *scanned, t *table, vp *vendorPlan) (code []byte, entry *catalog.Entry, r Result) {
	vi, ok := resolveFirst(body, sc, vp.code)
	if !ok {
		return nil, nil, ResultNoCode
	}
	v := vp.v
	kind, s, n, _, f := mp.Scalar(body, vi)
	if kind == mp.KindFloat {
		if f != math.Trunc(f) || math.Abs(f) > 1e15 {
			return nil, nil, ResultInvalidCode
		}
		kind, n = mp.KindInt, int64(f)
	}
	switch kind {
	case mp.KindString:
		if re := e.opts.CodeRegex; re != nil {
			var m [4]int
			loc := re.FindSubmatchIndex(s) // allocates only when configured
			if loc == nil {
				return nil, nil, ResultNoCode
			}
			copy(m[:], loc)
			if len(loc) >= 4 && loc[2] >= 0 {
				s = s[m[2]:m[3]]
			} else {
				s = s[m[0]:m[1]]
			}
		}
		s = catalog.TrimBlanks(s)
		if len(s) == 0 {
			return nil, nil, ResultNoCode
		}
		if len(s) > catalog.MaxCodeLen {
			return nil, nil, ResultInvalidCode
		}
		return catalog.CanonicalBytes(buf, v, s), t.cat.Lookup(v, s), ResultEnriched
	case mp.KindInt:
		if n < 0 {
			return nil, nil, ResultInvalidCode
		}
		return catalog.CanonicalInt(buf, v, n), t.cat.LookupInt(v, n), ResultEnriched
	}
	// map, array, bool, nil, ext, integers beyond int64
	return nil, nil, ResultInvalidCode
}
