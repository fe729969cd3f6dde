package enrich

import (
	"cmp"
	"slices"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/mp"
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
	gLog
	gECS
	gDataStream
	numGroups
)

// groupNames are the groups' top-level keys, by group.
var groupNames = [numGroups]string{"event", "observer", "tags", "user", "source", "related", "host", "log", "ecs", "data_stream"}

// groupOf returns the group whose top-level key is key: groupNames read
// backwards, as a switch (a loop over groupNames costs scan a fifth more).
func groupOf(key []byte) (int, bool) {
	switch string(key) {
	case "event":
		return gEvent, true
	case "observer":
		return gObserver, true
	case "tags":
		return gTags, true
	case "user":
		return gUser, true
	case "source":
		return gSource, true
	case "related":
		return gRelated, true
	case "host":
		return gHost, true
	case "log":
		return gLog, true
	case "ecs":
		return gECS, true
	case "data_stream":
		return gDataStream, true
	}
	return 0, false
}

var (
	groupKeys = func() (k [numGroups][]byte) {
		for g, name := range groupNames {
			k[g] = mp.AppendStr(nil, name)
		}
		return k
	}()
	// Field names of each group: the pre-encoded pairs' first, then the
	// record-valued fields'.
	eventGroupNames      = append(eventFieldNames[:len(eventFieldNames):len(eventFieldNames)], "provider")
	observerFieldNames   = []string{"vendor", "product", "hostname"}
	userFieldNames       = []string{"name", "id"}
	sourceFieldNames     = []string{"ip"}
	relatedFieldNames    = []string{"user", "ip"}
	hostFieldNames       = []string{"name"}
	logFieldNames        = []string{"level"}
	dataStreamFieldNames = []string{"type", "dataset", "namespace"}
	ecsFieldNames        = []string{"version"}

	keyName     = mp.AppendStr(nil, "name")
	keyID       = mp.AppendStr(nil, "id")
	keyIP       = mp.AppendStr(nil, "ip")
	keyUser     = mp.AppendStr(nil, "user")
	keyProvider = mp.AppendStr(nil, "provider")
	keyHostname = mp.AppendStr(nil, "hostname")
	keyRisk     = mp.AppendStr(nil, "risk_score_norm")
	keyLevel    = mp.AppendStr(nil, "level")
	keyCreated  = mp.AppendStr(nil, "created")
	keyOriginal = mp.AppendStr(nil, "original")
	keyAudit    = mp.AppendStr(nil, "audit")
	ecsVersion  = pair("version", ECSVersion)
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
	ns := e.opts.Namespace
	var ev [numEventFields][]byte
	var codePair [2*catalog.MaxCodeLen + 16]byte
	var sevPair, riskPair [24]byte
	var createdPair [48]byte
	head := 0 // fields beyond the first in ev[fKind], enc.head
	if enc != nil && !sc.groups[gEvent].set {
		ev[fKind], head = enc.head, enc.headN-1
	} else if enc != nil {
		ev = enc.event
	} else {
		ev[fKind], ev[fModule], ev[fDataset] = vend.kind, vend.module, vend.dataset
		if code != nil {
			ev[fCode] = mp.AppendStr(append(codePair[:0], keyCode...), code)
		}
	}
	ev[fOutcome] = outcomeEvent[outcome]
	switch {
	case !ns:
		if sev != catalog.SeverityUnset {
			ev[fSeverity] = mp.AppendInt(append(sevPair[:0], keySeverity...), sev.Score())
		}
	default:
		// ECS: event.severity is the source's own number; auditx's
		// classification is event.risk_score_norm.
		if f.hasSevNum {
			ev[fSeverity] = mp.AppendInt(append(sevPair[:0], keySeverity...), f.sevNum)
		}
		if sev != catalog.SeverityUnset {
			ev[fRiskScore] = mp.AppendInt(append(riskPair[:0], keyRisk...), sev.Score())
		}
		read := sc.read
		if !sc.hasRead {
			read = e.now()
		}
		var tb [32]byte
		ev[fCreated] = mp.AppendStr(append(createdPair[:0], keyCreated...), sc.stamp.AppendMillis(tb[:0], read))
		if f.zoneless {
			ev[fTimezone] = e.zoneName
		}
		if e.opts.EventOriginal {
			rec := body
			if sc.rec.set {
				rec = body[sc.rec.v:sc.rec.end]
			}
			ev[fOriginal] = originalPair(rec)
		}
	}
	obs := [2][]byte{vend.flatVendor, vend.flatProd}
	// Only the groups that can have a field are built: event, observer and
	// tags always; the actor groups when the record gave a value; data_stream
	// when it is on.
	var groups [numGroups]group
	ng := 0
	addGroup := func(gi int, pairs [][]byte, vals []field, names []string) {
		groups[ng] = group{key: groupKeys[gi], sp: sc.groups[gi], pairs: pairs, vals: vals, names: names}
		if gi == gEvent {
			groups[ng].n = head
		}
		if groups[ng].n += groups[ng].count(); groups[ng].n > 0 {
			ng++
		}
	}
	var vals [9]field
	actor := e.opts.Actor && act.any()
	if actor {
		vals = [9]field{
			strField(keyProvider, act[catalog.EventProvider]),
			strField(keyHostname, act[catalog.ObserverHostname]),
			strField(keyName, act[catalog.UserName]), strField(keyID, act[catalog.UserID]),
			strField(keyIP, act[catalog.SourceIP]),
			listField(keyUser, act[catalog.UserName], act[catalog.UserID]), listField(keyIP, act[catalog.SourceIP], nil),
			strField(keyName, act[catalog.HostName]),
			strField(keyLevel, act[catalog.LogLevel]),
		}
		addGroup(gEvent, ev[:], vals[0:1], eventGroupNames)
		addGroup(gObserver, obs[:], vals[1:2], observerFieldNames)
	} else {
		addGroup(gEvent, ev[:], nil, eventGroupNames)
		addGroup(gObserver, obs[:], nil, observerFieldNames)
	}
	groups[ng] = group{key: groupKeys[gTags], sp: sc.groups[gTags], array: true}
	ng++
	if actor {
		addGroup(gUser, nil, vals[2:4], userFieldNames)
		addGroup(gSource, nil, vals[4:5], sourceFieldNames)
		addGroup(gRelated, nil, vals[5:7], relatedFieldNames)
		addGroup(gHost, nil, vals[7:8], hostFieldNames)
		addGroup(gLog, nil, vals[8:9], logFieldNames)
	}
	ecsv := [1][]byte{ecsVersion}
	if ns {
		addGroup(gECS, ecsv[:], nil, ecsFieldNames)
	}
	var ds [3][]byte
	if e.dsNamespace != nil {
		ds = [3][]byte{dsType, vend.dataset, e.dsNamespace}
		addGroup(gDataStream, ds[:], nil, dataStreamFieldNames)
	}
	tags := tagSet(0)
	if enc == nil && code != nil {
		tags |= tagUnknownCode
	}
	if ns {
		switch f.noCode {
		case ResultNoCode:
			tags |= tagNoCode
		case ResultInvalidCode:
			tags |= tagInvalidCode
		}
		if f.noTime {
			tags |= tagNoTime
		}
		*dst = e.writeGroupsNS(*dst, body, sc, st, groups[:ng], vend, tags)
		return
	}
	*dst = e.writeGroups(*dst, body, sc, st, groups[:ng], tags)
}

// tagSet says which of auditx's tags a record gets besides MarkerTag.
type tagSet uint8

const (
	tagUnknownCode tagSet = 1 << iota
	tagNoCode
	tagInvalidCode
	tagNoTime
)

// tagValues are the encoded tags of a tagSet's bits, in bit order.
var tagValues = [...][]byte{tagUnknown, mp.AppendStr(nil, NoCodeTag), mp.AppendStr(nil, InvalidCodeTag), mp.AppendStr(nil, NoEventTimeTag)}

// count is the number of tags, MarkerTag included.
func (ts tagSet) count() int {
	n := 1
	for i := range tagValues {
		if ts&(1<<i) != 0 {
			n++
		}
	}
	return n
}

func appendTags(out []byte, ts tagSet) []byte {
	out = append(out, tagMarker...)
	for i, v := range tagValues {
		if ts&(1<<i) != 0 {
			out = append(out, v...)
		}
	}
	return out
}

// writeGroups copies the record with the edits planEdits decided and
// appends the new pairs.
func (e *Enricher) writeGroups(out, body []byte, sc *scanned, st *Stats, groups []group, ts tagSet) []byte {
	var edits [numGroups]edit
	ne, added := e.planEdits(&edits, body, sc, st, groups)
	out = mp.AppendMapHeader(out, sc.nPairs+added)
	pos := sc.first
	for _, ed := range edits[:ne] {
		out = append(out, body[pos:ed.sp.k]...)
		pos = ed.sp.end
		if !ed.drop {
			out = e.appendEdited(out, body, ed.sp, &groups[ed.group], ts)
		}
	}
	out = append(out, body[pos:]...)
	return appendAdded(out, groups, ts)
}

// planEdits decides, per group, whether to add a new pair, merge into the
// record's own (a map; an array for tags), replace it (Override) or keep it
// (a conflict, counted). It fills edits, in the order of the record's
// pairs, and returns how many, and how many pairs are added. Under
// RecordKey, a group the vendor's record lacks but the pipeline has is a
// conflict too: the pipeline's pair stays, and none is added.
func (e *Enricher) planEdits(edits *[numGroups]edit, body []byte, sc *scanned, st *Stats, groups []group) (ne, added int) {
	for gi := range groups {
		g := &groups[gi]
		if !g.sp.set {
			if sc.rec.set && pipelineHas(body, sc, g.key) {
				st.Conflicts++ // the pipeline's own key of that name stays; no duplicate
				continue
			}
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
	if ne > 1 {
		slices.SortFunc(edits[:ne], func(a, b edit) int { return cmp.Compare(a.sp.k, b.sp.k) })
	}
	return ne, added
}

// appendEdited appends the record's pair at sp with group g merged in: the
// tags array with auditx's tags, a map with the group's fields (mergeMap).
func (e *Enricher) appendEdited(out, body []byte, sp span, g *group, ts tagSet) []byte {
	out = append(out, body[sp.k:sp.v]...)
	if g.array {
		n, i, _ := mp.ArrayHeader(body, sp.v) // an array: planEdits checked
		out = mp.AppendArrayHeader(out, n+ts.count())
		out = append(out, body[i:sp.end]...)
		return appendTags(out, ts)
	}
	return e.mergeMap(out, body, sp, g)
}

// appendAdded appends, as new pairs, the groups planEdits marked to add.
func appendAdded(out []byte, groups []group, ts tagSet) []byte {
	for gi := range groups {
		g := &groups[gi]
		if !g.add {
			continue
		}
		out = append(out, g.key...)
		if g.array {
			out = mp.AppendArrayHeader(out, ts.count())
			out = appendTags(out, ts)
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
	if e.dsNamespace == nil || sc.groups[gDataStream].set {
		return false
	}
	out := mp.AppendMapHeader(*dst, sc.topN+1)
	out = append(out, body[sc.topFirst:]...)
	out = append(out, groupKeys[gDataStream]...)
	out = mp.AppendMapHeader(out, 3)
	out = append(out, dsType...)
	out = append(out, dsUnknown...)
	out = append(out, e.dsNamespace...)
	*dst = out
	return true
}

// mergeMap appends the map at sp.v with the group's fields added:
// existing keys are kept (or, with Override, replaced by ours); the
// original pairs are copied byte for byte.
func (e *Enricher) mergeMap(out, body []byte, sp span, g *group) []byte {
	nf := len(g.pairs) + len(g.vals)
	ps, _ := pairsIn(body, sp.v) // a map: the caller checked
	first := ps.Offset()
	n := 0
	var present uint32 // bit per field the map already has
	for _, _, _, ok := ps.Next(); ok; _, _, _, ok = ps.Next() {
		n++
		if key, isStr := ps.KeyStr(); isStr {
			if f := fieldIndex(key, g.names[:nf]); f >= 0 && g.isSet(f) {
				present |= 1 << f
			}
		}
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
		ps, _ = pairsIn(body, sp.v)
		for k, _, end, ok := ps.Next(); ok; k, _, end, ok = ps.Next() {
			if key, isStr := ps.KeyStr(); isStr {
				if f := fieldIndex(key, g.names[:nf]); f >= 0 && g.isSet(f) {
					continue // ours replaces it
				}
			}
			out = append(out, body[k:end]...)
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

func isMap(b []byte, i int) bool {
	_, _, ok := mp.MapHeader(b, i)
	return ok
}

func isArray(b []byte, i int) bool {
	_, _, ok := mp.ArrayHeader(b, i)
	return ok
}

// The flat schema's actor fields: the ECS names with '_' for '.', the
// catalog.ActorField values first, then the related lists.
const (
	flRelatedUser = int(catalog.NumActorFields) + iota
	flRelatedIP
	numFlatActorFields
)
