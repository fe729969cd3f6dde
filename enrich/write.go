package enrich

import (
	"github.com/auditx/auditx/internal/mp"
	"strings"

	"github.com/auditx/auditx/catalog"
)

// edit replaces or drops one original top-level pair while copying.
type edit struct {
	sp    span
	group int // the group merged into the pair
	drop  bool
}

// field is one pair auditx adds with a value taken from the record: an
// encoded key with one string value, or with a list of up to two (list).
type field struct {
	key  []byte
	vals [2][]byte
	n    uint8
	list bool
}

func (f *field) set() bool { return f.n > 0 }

func (f *field) appendTo(out []byte) []byte {
	out = append(out, f.key...)
	if f.list {
		out = mp.AppendArrayHeader(out, int(f.n))
	}
	for i := 0; i < int(f.n); i++ {
		out = mp.AppendStr(out, f.vals[i])
	}
	return out
}

func strField(key, val []byte) field {
	if val == nil {
		return field{}
	}
	return field{key: key, vals: [2][]byte{val}, n: 1}
}

// listField is a de-duplicated list of the non-nil values a and b
// (related.user, related.ip).
func listField(key, a, b []byte) field {
	f := field{key: key, list: true}
	for _, v := range [2][]byte{a, b} {
		if v != nil && (f.n == 0 || string(f.vals[0]) != string(v)) {
			f.vals[f.n] = v
			f.n++
		}
	}
	return f
}

// The top-level groups of the ECS schema, in the order new ones are
// appended.
const (
	gEvent = iota
	gObserver
	gTags
	gUser
	gSource
	gRelated
	gHost
	gDataStream
	numGroups
)

var (
	groupKeys = [numGroups][]byte{
		mp.AppendStr(nil, "event"), mp.AppendStr(nil, "observer"), mp.AppendStr(nil, "tags"), mp.AppendStr(nil, "user"),
		mp.AppendStr(nil, "source"), mp.AppendStr(nil, "related"), mp.AppendStr(nil, "host"), mp.AppendStr(nil, "data_stream"),
	}
	// Field names of each group: the pre-encoded pairs' first, then the
	// record-valued fields'.
	eventGroupNames      = append(eventFieldNames[:len(eventFieldNames):len(eventFieldNames)], "provider")
	observerFieldNames   = []string{"vendor", "product", "hostname"}
	userFieldNames       = []string{"name", "id"}
	sourceFieldNames     = []string{"ip"}
	relatedFieldNames    = []string{"user", "ip"}
	hostFieldNames       = []string{"name"}
	dataStreamFieldNames = []string{"type", "dataset", "namespace"}

	keyName     = mp.AppendStr(nil, "name")
	keyID       = mp.AppendStr(nil, "id")
	keyIP       = mp.AppendStr(nil, "ip")
	keyUser     = mp.AppendStr(nil, "user")
	keyProvider = mp.AppendStr(nil, "provider")
	keyHostname = mp.AppendStr(nil, "hostname")
	dsType      = pair("type", DataStreamType)
	dsUnknown   = pair("dataset", UnrecognizedDataset)
)

// group is one top-level pair auditx adds or merges into: pre-encoded
// pairs (nil entries are not written) and fields valued from the record,
// named by names in that order.
type group struct {
	key   []byte // the encoded top-level key
	sp    span   // the record's own pair, if any
	n     int    // fields set (count, once)
	pairs [][]byte
	vals  []field
	names []string
	array bool // tags: an array extended with the markers
	add   bool // append a new pair
}

func (g *group) isSet(i int) bool {
	if i < len(g.pairs) {
		return g.pairs[i] != nil
	}
	return g.vals[i-len(g.pairs)].set()
}

func (g *group) count() int {
	n := 0
	for i := 0; i < len(g.pairs)+len(g.vals); i++ {
		if g.isSet(i) {
			n++
		}
	}
	return n
}

// writeECS appends the record with event.*, observer.*, tags and, when
// asked, the actor groups (user, source, related, host) and data_stream
// added, merged into existing maps and tags arrays.
func (e *Enricher) writeECS(dst *[]byte, body []byte, sc *scanned, st *Stats, t *table, f *found) {
	vend, enc, code, outcome, sev, act := &t.vendors[f.vendor.Index], f.enc, f.code, f.outcome, f.sev, &f.act
	var ev [numEventFields][]byte
	var codePair [2*catalog.MaxCodeLen + 16]byte
	var sevPair [16]byte
	if enc != nil {
		ev = enc.event
	} else {
		ev[fKind], ev[fModule], ev[fDataset] = vend.kind, vend.module, vend.dataset
		ev[fCode] = mp.AppendStr(append(codePair[:0], keyCode...), code)
	}
	ev[fOutcome] = outcomeEvent[outcome]
	if sev != catalog.SeverityUnset {
		ev[fSeverity] = mp.AppendInt(append(sevPair[:0], keySeverity...), sev.Score())
	}
	obs := [2][]byte{vend.flatVendor, vend.flatProd}
	// Only the groups that can have a field are built: event, observer and
	// tags always; the actor groups when the record gave a value; data_stream
	// when it is on.
	var groups [numGroups]group
	ng := 0
	addGroup := func(gi int, sp span, pairs [][]byte, vals []field, names []string) {
		groups[ng] = group{key: groupKeys[gi], sp: sp, pairs: pairs, vals: vals, names: names}
		if groups[ng].n = groups[ng].count(); groups[ng].n > 0 {
			ng++
		}
	}
	var vals [8]field
	actor := e.opts.Actor && act.any()
	if actor {
		vals = [8]field{
			strField(keyProvider, act[catalog.EventProvider]),
			strField(keyHostname, act[catalog.ObserverHostname]),
			strField(keyName, act[catalog.UserName]), strField(keyID, act[catalog.UserID]),
			strField(keyIP, act[catalog.SourceIP]),
			listField(keyUser, act[catalog.UserName], act[catalog.UserID]), listField(keyIP, act[catalog.SourceIP], nil),
			strField(keyName, act[catalog.HostName]),
		}
		addGroup(gEvent, sc.event, ev[:], vals[0:1], eventGroupNames)
		addGroup(gObserver, sc.obs, obs[:], vals[1:2], observerFieldNames)
	} else {
		addGroup(gEvent, sc.event, ev[:], nil, eventGroupNames)
		addGroup(gObserver, sc.obs, obs[:], nil, observerFieldNames)
	}
	groups[ng] = group{key: groupKeys[gTags], sp: sc.tags, array: true}
	ng++
	if actor {
		addGroup(gUser, sc.user, nil, vals[2:4], userFieldNames)
		addGroup(gSource, sc.source, nil, vals[4:5], sourceFieldNames)
		addGroup(gRelated, sc.related, nil, vals[5:7], relatedFieldNames)
		addGroup(gHost, sc.host, nil, vals[7:8], hostFieldNames)
	}
	var ds [3][]byte
	if e.dsNamespace != nil {
		ds = [3][]byte{dsType, vend.dataset, e.dsNamespace}
		addGroup(gDataStream, sc.ds, ds[:], nil, dataStreamFieldNames)
	}
	*dst = e.writeGroups(*dst, body, sc, st, groups[:ng], enc == nil)
}

// writeGroups decides, per group, whether to add a new pair, merge into
// the record's own, replace it (override) or keep it (a conflict), then
// copies the record with the edits and appends the new pairs.
func (e *Enricher) writeGroups(out, body []byte, sc *scanned, st *Stats, groups []group, unknown bool) []byte {
	var edits [numGroups]edit
	ne, added := 0, 0
	for gi := range groups {
		g := &groups[gi]
		if !g.sp.set {
			g.add = true
			added++
			continue
		}
		container := (g.array && isArray(body, g.sp.v)) || (!g.array && isMap(body, g.sp.v))
		switch {
		case container:
			edits[ne] = edit{sp: g.sp, group: gi}
			ne++
		case e.opts.Override:
			edits[ne] = edit{sp: g.sp, group: gi, drop: true}
			ne++
			g.add = true // dropped and added again: the pair count stays
		default:
			st.Conflicts++
		}
	}
	sortEdits(edits[:ne])

	out = mp.AppendMapHeader(out, sc.nPairs+added)
	pos := sc.first
	for _, ed := range edits[:ne] {
		out = append(out, body[pos:ed.sp.k]...)
		pos = ed.sp.end
		if ed.drop {
			continue
		}
		g := &groups[ed.group]
		out = append(out, body[ed.sp.k:ed.sp.v]...)
		if g.array {
			n, i, _ := mp.ArrayHeader(body, ed.sp.v)
			extra := 1
			if unknown {
				extra++
			}
			out = mp.AppendArrayHeader(out, n+extra)
			out = append(out, body[i:ed.sp.end]...)
			out = appendTags(out, unknown)
			continue
		}
		out = e.mergeMap(out, body, ed.sp, g)
	}
	out = append(out, body[pos:]...)
	for gi := range groups {
		g := &groups[gi]
		if !g.add {
			continue
		}
		out = append(out, g.key...)
		if g.array {
			n := 1
			if unknown {
				n++
			}
			out = mp.AppendArrayHeader(out, n)
			out = appendTags(out, unknown)
			continue
		}
		out = mp.AppendMapHeader(out, g.n)
		for _, p := range g.pairs {
			out = append(out, p...) // nil appends nothing
		}
		for i := range g.vals {
			if g.vals[i].set() {
				out = g.vals[i].appendTo(out)
			}
		}
	}
	return out
}

// writeDataStream appends a record auditx does not enrich (no code,
// invalid code) with only data_stream added, dataset UnrecognizedDataset,
// so that it still has a data stream to land in. A record that has a
// data_stream of its own is not written (the caller copies it unchanged).
func (e *Enricher) writeDataStream(dst *[]byte, body []byte, sc *scanned, st *Stats) bool {
	if e.dsNamespace == nil || sc.ds.set {
		return false
	}
	out := mp.AppendMapHeader(*dst, sc.nPairs+1)
	out = append(out, body[sc.first:]...)
	out = append(out, groupKeys[gDataStream]...)
	out = mp.AppendMapHeader(out, 3)
	out = append(out, dsType...)
	out = append(out, dsUnknown...)
	out = append(out, e.dsNamespace...)
	*dst = out
	return true
}

func appendTags(out []byte, unknown bool) []byte {
	out = append(out, tagMarker...)
	if unknown {
		out = append(out, tagUnknown...)
	}
	return out
}

// mergeMap appends the map at sp.v with the group's fields added:
// existing keys are kept (or, with Override, replaced by ours); the
// original pairs are copied byte for byte.
func (e *Enricher) mergeMap(out, body []byte, sp span, g *group) []byte {
	nf := len(g.pairs) + len(g.vals)
	n, first, _ := mp.MapHeader(body, sp.v)
	var present uint32 // bit per field the map already has
	i := first
	for p := 0; p < n; p++ {
		ks, ke, isStr := mp.Str(body, i)
		next := ke
		if !isStr {
			next, _ = mp.Skip(body, i)
		}
		if isStr {
			if f := fieldIndex(body[ks:ke], g.names[:nf]); f >= 0 && g.isSet(f) {
				present |= 1 << f
			}
		}
		i, _ = mp.Skip(body, next)
	}
	total := n
	for f := 0; f < nf; f++ {
		if g.isSet(f) && present&(1<<f) == 0 {
			total++ // with Override, a present key is dropped and ours added: no change
		}
	}
	out = mp.AppendMapHeader(out, total)
	if !e.opts.Override || present == 0 {
		out = append(out, body[first:sp.end]...)
	} else {
		i = first
		for p := 0; p < n; p++ {
			ks, ke, isStr := mp.Str(body, i)
			next := ke
			if !isStr {
				next, _ = mp.Skip(body, i)
			}
			end, _ := mp.Skip(body, next)
			drop := false
			if isStr {
				f := fieldIndex(body[ks:ke], g.names[:nf])
				drop = f >= 0 && g.isSet(f)
			}
			if !drop {
				out = append(out, body[i:end]...)
			}
			i = end
		}
	}
	for f, p := range g.pairs {
		if p != nil && (present&(1<<f) == 0 || e.opts.Override) {
			out = append(out, p...)
		}
	}
	for j := range g.vals {
		f := len(g.pairs) + j
		if g.vals[j].set() && (present&(1<<f) == 0 || e.opts.Override) {
			out = g.vals[j].appendTo(out)
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
	_, _, ok := mp.MapHeader(b, i)
	return ok
}

func isArray(b []byte, i int) bool {
	_, _, ok := mp.ArrayHeader(b, i)
	return ok
}

// writeFlat appends the record with one map under Options.FlatKey.
func (e *Enricher) writeFlat(dst *[]byte, body []byte, sc *scanned, t *table, f *found) {
	vend, enc, code, outcome, sev, act := &t.vendors[f.vendor.Index], f.enc, f.code, f.outcome, f.sev, &f.act
	var fields [numFlatFields][]byte
	var codePair [2*catalog.MaxCodeLen + 16]byte
	var sevPair [16]byte
	if enc != nil {
		fields = enc.flat
	} else {
		fields[flVendor], fields[flProduct], fields[flModule] = vend.flatVendor, vend.flatProd, vend.flatModule
		fields[flCode] = mp.AppendStr(append(codePair[:0], keyCode...), code)
	}
	fields[flOutcome] = outcomeFlat[outcome]
	if sev != catalog.SeverityUnset {
		fields[flSeverity] = mp.AppendInt(append(sevPair[:0], keySeverity...), sev.Score())
		fields[flSeverityLevel] = severityWord[sev]
	}
	n := 0
	for _, f := range fields {
		if f != nil {
			n++
		}
	}
	var af [numFlatActorFields]field
	for f, val := range act[:catalog.NumActorFields] {
		af[f] = strField(flatActorKeys[f], val)
	}
	af[flRelatedUser] = listField(flatActorKeys[flRelatedUser], act[catalog.UserName], act[catalog.UserID])
	af[flRelatedIP] = listField(flatActorKeys[flRelatedIP], act[catalog.SourceIP], nil)
	for i := range af {
		if af[i].set() {
			n++
		}
	}
	out := mp.AppendMapHeader(*dst, sc.nPairs+1)
	out = append(out, body[sc.first:]...)
	out = append(out, e.flatKey...)
	out = mp.AppendMapHeader(out, n)
	for _, f := range fields {
		out = append(out, f...)
	}
	for i := range af {
		if af[i].set() {
			out = af[i].appendTo(out)
		}
	}
	*dst = out
}

// The flat schema's actor fields: the ECS names with '_' for '.', the
// catalog.ActorField values first, then the related lists.
const (
	flRelatedUser = int(catalog.NumActorFields) + iota
	flRelatedIP
	numFlatActorFields
)

var flatActorKeys = func() (k [numFlatActorFields][]byte) {
	for f := catalog.ActorField(0); f < catalog.NumActorFields; f++ {
		k[f] = mp.AppendStr(nil, strings.ReplaceAll(f.String(), ".", "_"))
	}
	k[flRelatedUser] = mp.AppendStr(nil, "related_user")
	k[flRelatedIP] = mp.AppendStr(nil, "related_ip")
	return k
}()
