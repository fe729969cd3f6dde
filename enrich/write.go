package enrich

import (
	"github.com/auditx/auditx/catalog"
)

// edit replaces or drops one original top-level pair while copying.
type edit struct {
	sp    span
	merge int // mergeEvent, mergeObserver, mergeTags, or dropPair
}

const (
	dropPair = iota
	mergeEvent
	mergeObserver
	mergeTags
)

// fieldSet is one record's event fields: pre-encoded pairs, nil where absent.
type fieldSet [numEventFields][]byte

func (f *fieldSet) count() int {
	n := 0
	for _, b := range f {
		if b != nil {
			n++
		}
	}
	return n
}

// writeECS appends the record with event.*, observer.* and tags added,
// merged into existing event/observer maps and tags arrays.
func (e *Enricher) writeECS(dst *[]byte, body []byte, sc *scanned, st *Stats, t *table, v catalog.Vendor,
	enc *encEntry, code []byte, outcome catalog.Outcome, sev catalog.Severity) {
	vend := &t.vendors[v]
	var fields fieldSet
	var codePair [2*catalog.MaxCodeLen + 16]byte
	var sevPair [16]byte
	if enc != nil {
		fields = enc.event
	} else {
		fields[fKind], fields[fModule], fields[fDataset] = vend.kind, vend.module, vend.dataset
		fields[fCode] = appendStr(append(codePair[:0], keyCode...), code)
	}
	fields[fOutcome] = outcomeEvent[outcome]
	if sev != catalog.SeverityUnset {
		fields[fSeverity] = appendInt(append(sevPair[:0], keySeverity...), sev.Score())
	}

	// Decide, per group, whether to add a new pair, merge, replace or keep.
	var edits [3]edit
	ne := 0
	added := 0
	addEvent, addObserver, addTags := true, true, true
	plan := func(sp span, isContainer bool, merge int, add *bool) {
		if !sp.set {
			added++
			return
		}
		switch {
		case isContainer:
			edits[ne] = edit{sp: sp, merge: merge}
			ne++
			*add = false
		case e.opts.Override:
			edits[ne] = edit{sp: sp, merge: dropPair}
			ne++
			// dropped and added again: the pair count stays
		default:
			st.Conflicts++
			*add = false
		}
	}
	plan(sc.event, sc.event.set && isMap(body, sc.event.v), mergeEvent, &addEvent)
	plan(sc.obs, sc.obs.set && isMap(body, sc.obs.v), mergeObserver, &addObserver)
	plan(sc.tags, sc.tags.set && isArray(body, sc.tags.v), mergeTags, &addTags)
	sortEdits(edits[:ne])

	out := appendMapHeader(*dst, sc.nPairs+added)
	pos := sc.first
	for _, ed := range edits[:ne] {
		out = append(out, body[pos:ed.sp.k]...)
		pos = ed.sp.end
		switch ed.merge {
		case dropPair:
			continue
		case mergeEvent:
			out = append(out, body[ed.sp.k:ed.sp.v]...)
			out = e.mergeMap(out, body, ed.sp, fields[:], eventFieldNames[:])
		case mergeObserver:
			out = append(out, body[ed.sp.k:ed.sp.v]...)
			out = e.mergeMap(out, body, ed.sp, observerFields(vend), observerFieldNames[:])
		case mergeTags:
			out = append(out, body[ed.sp.k:ed.sp.v]...)
			n, i, _ := arrayHeader(body, ed.sp.v)
			extra := 1
			if enc == nil {
				extra++
			}
			out = appendArrayHeader(out, n+extra)
			out = append(out, body[i:ed.sp.end]...)
			out = appendTags(out, enc == nil)
		}
	}
	out = append(out, body[pos:]...)
	if addEvent {
		out = append(out, keyEvent...)
		out = appendMapHeader(out, fields.count())
		for _, f := range fields {
			out = append(out, f...)
		}
	}
	if addObserver {
		out = append(out, keyObserver...)
		out = appendMapHeader(out, 2)
		out = append(out, vend.observer...)
	}
	if addTags {
		out = append(out, keyTags...)
		n := 1
		if enc == nil {
			n++
		}
		out = appendArrayHeader(out, n)
		out = appendTags(out, enc == nil)
	}
	*dst = out
}

var observerFieldNames = [2]string{"vendor", "product"}

func observerFields(vend *encVendor) [][]byte {
	return [][]byte{vend.flatVendor, vend.flatProd}
}

func appendTags(out []byte, unknown bool) []byte {
	out = append(out, tagMarker...)
	if unknown {
		out = append(out, tagUnknown...)
	}
	return out
}

// mergeMap appends the map at sp.v with our fields added: existing keys are
// kept (or, with Override, replaced by ours); the original pairs are copied
// byte for byte.
func (e *Enricher) mergeMap(out, body []byte, sp span, fields [][]byte, names []string) []byte {
	n, first, _ := mapHeader(body, sp.v)
	var present uint32 // bit per field the map already has
	i := first
	for p := 0; p < n; p++ {
		ks, ke, isStr := str(body, i)
		next := ke
		if !isStr {
			next, _ = skip(body, i)
		}
		if isStr {
			if f := fieldIndex(body[ks:ke], names); f >= 0 && fields[f] != nil {
				present |= 1 << f
			}
		}
		i, _ = skip(body, next)
	}
	total := n
	for f, b := range fields {
		if b == nil {
			continue
		}
		if present&(1<<f) == 0 {
			total++ // with Override, a present key is dropped and ours added: no change
		}
	}
	out = appendMapHeader(out, total)
	if !e.opts.Override || present == 0 {
		out = append(out, body[first:sp.end]...)
	} else {
		i = first
		for p := 0; p < n; p++ {
			ks, ke, isStr := str(body, i)
			next := ke
			if !isStr {
				next, _ = skip(body, i)
			}
			end, _ := skip(body, next)
			drop := false
			if isStr {
				f := fieldIndex(body[ks:ke], names)
				drop = f >= 0 && fields[f] != nil
			}
			if !drop {
				out = append(out, body[i:end]...)
			}
			i = end
		}
	}
	for f, b := range fields {
		if b != nil && (present&(1<<f) == 0 || e.opts.Override) {
			out = append(out, b...)
		}
	}
	return out
}

func fieldIndex(key []byte, names []string) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	return -1
}

func sortEdits(ed []edit) {
	for i := 1; i < len(ed); i++ {
		for j := i; j > 0 && ed[j].sp.k < ed[j-1].sp.k; j-- {
			ed[j], ed[j-1] = ed[j-1], ed[j]
		}
	}
}

func isMap(b []byte, i int) bool {
	_, _, ok := mapHeader(b, i)
	return ok
}

func isArray(b []byte, i int) bool {
	_, _, ok := arrayHeader(b, i)
	return ok
}

// writeFlat appends the record with one map under Options.FlatKey.
func (e *Enricher) writeFlat(dst *[]byte, body []byte, sc *scanned, t *table, v catalog.Vendor,
	enc *encEntry, code []byte, outcome catalog.Outcome, sev catalog.Severity) {
	vend := &t.vendors[v]
	var fields [numFlatFields][]byte
	var codePair [2*catalog.MaxCodeLen + 16]byte
	var sevPair [16]byte
	if enc != nil {
		fields = enc.flat
	} else {
		fields[flVendor], fields[flProduct], fields[flModule] = vend.flatVendor, vend.flatProd, vend.flatModule
		fields[flCode] = appendStr(append(codePair[:0], keyCode...), code)
	}
	fields[flOutcome] = outcomeFlat[outcome]
	if sev != catalog.SeverityUnset {
		fields[flSeverity] = appendInt(append(sevPair[:0], keySeverity...), sev.Score())
		fields[flSeverityLevel] = severityWord[sev]
	}
	n := 0
	for _, f := range fields {
		if f != nil {
			n++
		}
	}
	out := appendMapHeader(*dst, sc.nPairs+1)
	out = append(out, body[sc.first:]...)
	out = append(out, e.flatKey...)
	out = appendMapHeader(out, n)
	for _, f := range fields {
		out = append(out, f...)
	}
	*dst = out
}
