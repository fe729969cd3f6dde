package enrich

import (
	"math"
	"time"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/mp"
)

// Result says what happened to one record.
type Result uint8

// Results of enriching one record.
const (
	ResultEnriched Result = iota
	ResultUnknown
	ResultNoCode
	ResultInvalidCode
	ResultMalformed
	ResultAlreadyEnriched
)

var resultNames = [...]string{"enriched", "unknown_code", "no_code", "invalid_code", "malformed", "already_enriched"}

// String names the result as the counters do.
func (r Result) String() string {
	if int(r) < len(resultNames) {
		return resultNames[r]
	}
	return "?"
}

func (st *Stats) count(r Result) {
	switch r {
	case ResultEnriched:
		st.Enriched++
	case ResultUnknown:
		st.Unknown++
	case ResultNoCode:
		st.NoCode++
	case ResultInvalidCode:
		st.InvalidCode++
	case ResultMalformed:
		st.Malformed++
	case ResultAlreadyEnriched:
		st.AlreadyEnriched++
	}
}

// Record appends the enriched form of one record body (a msgpack map) to
// dst. A body that is not enriched (no code, malformed, already enriched) is
// appended unchanged. The counters are updated.
func (e *Enricher) Record(dst, body []byte) ([]byte, Result) {
	dst, r, _ := e.RecordVendor(dst, body)
	return dst, r
}

// RecordVendor is Record that also says which vendor the record was taken
// for (nil when none was recognised).
func (e *Enricher) RecordVendor(dst, body []byte) ([]byte, Result, *catalog.Vendor) {
	dst, r, v, _, _ := e.recordEvent(dst, body, time.Time{}, false)
	return dst, r, v
}

// RecordEvent is RecordVendor for a record read at read (event.created):
// it also returns the vendor's event time, what Fluent Bit's record time
// becomes (ok false: the record gives none, read stands).
func (e *Enricher) RecordEvent(dst, body []byte, read time.Time) (out []byte, r Result, v *catalog.Vendor, event time.Time, ok bool) {
	return e.recordEvent(dst, body, read, true)
}

func (e *Enricher) recordEvent(dst, body []byte, read time.Time, hasRead bool) ([]byte, Result, *catalog.Vendor, time.Time, bool) {
	var st Stats
	st.Records++
	t := e.tab.Load()
	var sc scanned
	r, v, wrote := ResultMalformed, (*catalog.Vendor)(nil), false
	if end, ok := e.scan(body, &sc, t); ok && end == len(body) {
		sc.read, sc.hasRead = read, hasRead
		r, v, wrote = e.enrichScanned(&dst, body, &sc, &st, t)
	}
	st.count(r)
	if wrote {
		st.Rewritten++
	} else {
		dst = append(dst, body...)
	}
	e.counters.add(&st)
	return dst, r, v, sc.vendorTime, sc.hasVendorTime
}

// span locates one key/value pair of a map: key at k, value at v..end.
type span struct {
	k, v, end int
	set       bool
}

// scanned is what one pass over a record's top-level pairs found.
type scanned struct {
	slots         [maxSlots]span
	event, obs    span
	tags, flat    span
	user, source  span
	related, host span
	ds            span // data_stream
	ecs, log      span
	first, nPairs int // the vendor's record: its pairs
	topFirst      int // the whole record's pairs (the same without RecordKey)
	topN          int
	rec           span // the RecordKey pair, when set
	plan          *plan

	// read is the time the event's header had (Fluent Bit's read time),
	// when known; vendorTime the vendor's event time enrichCode found.
	read, vendorTime       time.Time
	hasRead, hasVendorTime bool
}

func (e *Enricher) record(dst, body []byte, st *Stats, t *table) ([]byte, Result) {
	st.Records++
	r, wrote := ResultMalformed, false
	var sc scanned
	if end, ok := e.scan(body, &sc, t); ok && end == len(body) {
		r, _, wrote = e.enrichScanned(&dst, body, &sc, st, t)
	}
	st.count(r)
	if wrote {
		st.Rewritten++
	} else {
		dst = append(dst, body...)
	}
	return dst, r
}

// enrichScanned is enrichInto for a body that scan has walked already.
func (e *Enricher) enrichScanned(dst *[]byte, body []byte, sc *scanned, st *Stats, t *table) (Result, *catalog.Vendor, bool) {
	r, v, wrote := e.enrichCode(dst, body, sc, st, t)
	switch {
	case wrote:
		return r, v, true
	case r == ResultNoCode || r == ResultInvalidCode:
		return r, v, e.writeDataStream(dst, body, sc, st)
	}
	return r, v, false
}

// vendorStream reports whether a record of a known vendor without a
// (valid) code is laid out and routed as the vendor's (the ECS schema with
// the vendor namespace), rather than passed with data_stream alone.
func (e *Enricher) vendorStream() bool {
	return e.opts.Schema == SchemaECS && e.opts.Namespace
}

// enrichCode finds the vendor and code and, for a known vendor, appends the
// enriched record (ResultEnriched, ResultUnknown; and, with vendorStream, a
// record of the vendor without a valid code); otherwise it appends nothing.
func (e *Enricher) enrichCode(dst *[]byte, body []byte, sc *scanned, st *Stats, t *table) (Result, *catalog.Vendor, bool) {
	if e.alreadyEnriched(body, sc, t) {
		return ResultAlreadyEnriched, nil, false
	}
	if e.opts.RecordKey != "" && !sc.rec.set {
		return ResultNoCode, nil, false // no vendor's record in it
	}
	vp := sc.plan.fixed
	if vp == nil {
		if vp = sc.detect(); vp == nil {
			return ResultNoCode, nil, false
		}
	}
	v := vp.v
	var codeBuf [2*catalog.MaxCodeLen + 2]byte
	f := found{vendor: v}
	var entry *catalog.Entry
	var r Result
	if len(vp.join) > 0 {
		f.code, entry, r = e.joinCode(codeBuf[:0], body, sc, t, vp)
	} else {
		f.code, entry, r = e.code(codeBuf[:0], body, sc, t, vp)
	}
	if r != ResultEnriched {
		if !e.vendorStream() {
			return r, v, false
		}
		f.code, f.noCode = nil, r
		f.outcome = catalog.OutcomeUnknown
	} else {
		// Outcome and severity: the catalog's default, unless the record says.
		f.outcome, f.sev = catalog.OutcomeUnknown, catalog.SeverityUnset
		if entry != nil {
			f.enc = &t.entries[entry.Index]
			f.outcome, f.sev = entry.Outcome, entry.Severity
			if vs := entry.VendorSeverity; vs.IsSet() {
				f.sevNum, f.hasSevNum = int64(vs.Number()), true
			}
		}
		o := fromRecord(vp, body, sc, &f)
		if f.enc != nil { // an unknown code stays outcome unknown, whatever the record says
			f.outcome = o
		}
	}
	if e.opts.EventTime {
		e.eventTime(vp, body, sc, st, &f)
	}
	if e.opts.Actor {
		f.act = e.actors(body, sc, vp, st)
		if f.act[catalog.EventProvider] == nil && f.enc != nil && f.enc.origin != nil {
			// What the record says wins; the catalog's origin fills in.
			f.act[catalog.EventProvider] = f.enc.origin
		}
	}
	if e.opts.Schema == SchemaFlat {
		e.writeFlat(dst, body, sc, t, &f)
	} else {
		e.writeECS(dst, body, sc, st, t, &f)
	}
	switch {
	case f.noCode != 0:
		return f.noCode, v, true
	case f.enc == nil:
		e.unknown.add(v, f.code)
		return ResultUnknown, v, true
	}
	return ResultEnriched, v, true
}

// eventTime reads the vendor's event time from the descriptor's time
// fields (first present and parsable wins) into f and sc (for the event
// header); a vendor that describes a time and a record that has none
// usable is counted in NoEventTime and tagged.
func (e *Enricher) eventTime(vp *vendorPlan, body []byte, sc *scanned, st *Stats, f *found) {
	if len(vp.time) == 0 {
		return
	}
	for i := range vp.time {
		vi, ok := resolve(body, sc, vp.time[i])
		if !ok {
			continue
		}
		format := vp.v.Time[i].Parsed
		tm, ok := format.Parse(body, vi, e.zone)
		if !ok {
			continue
		}
		f.zoneless = format.Zoneless()
		sc.vendorTime, sc.hasVendorTime = tm, true
		return
	}
	f.noTime = true
	st.NoEventTime++
}

// found is what enrichCode learnt of one record of a known vendor: what
// the writers add.
type found struct {
	vendor  *catalog.Vendor
	enc     *encEntry // the catalog entry, pre-encoded; nil for an unknown code
	code    []byte    // canonical; nil for a record without a valid code
	noCode  Result    // ResultNoCode or ResultInvalidCode for such a record
	outcome catalog.Outcome
	sev     catalog.Severity // auditx's level (event.risk_score_norm, or event.severity in the top layout)
	// sevNum is the vendor's own severity number (event.severity): the
	// record's, else the catalog's vendor_severity.
	sevNum    int64
	hasSevNum bool
	noTime    bool // the vendor describes an event time the record lacks
	zoneless  bool // the event time was read in the instance's zone
	act       actorValues
}

// alreadyEnriched reports whether the record carries auditx's marker: in
// the flat schema its flat_key map, in ECS the "auditx" tag or an
// event.dataset of auditx's.
func (e *Enricher) alreadyEnriched(body []byte, sc *scanned, t *table) bool {
	if e.opts.Schema == SchemaFlat {
		return sc.flat.set
	}
	return (sc.tags.set && hasMarker(body, sc.tags.v)) || (sc.event.set && hasDatasetMarker(body, sc.event.v, t))
}

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
		sp := span{k: k, v: vi, end: end, set: true}
		switch string(key) {
		case "tags":
			firstSpan(&sc.tags, sp)
		case "data_stream":
			firstSpan(&sc.ds, sp)
		}
	}
	if ps.Err() != nil {
		return 0, false
	}
	return ps.Offset(), true
}

// scanPairs walks the n pairs of a map from offset i, noting the watched
// keys, and returns the offset past them.
func (e *Enricher) scanPairs(body []byte, sc *scanned, i, n int) (end int, ok bool) {
	ecs := e.opts.Schema == SchemaECS
	ps := mp.PairsAt(body, i, n)
	for k, vi, end, ok := ps.Next(); ok; k, vi, end, ok = ps.Next() {
		key, isStr := ps.KeyStr()
		if !isStr {
			continue
		}
		sp := span{k: k, v: vi, end: end, set: true}
		if ecs {
			switch string(key) {
			case "event":
				firstSpan(&sc.event, sp)
			case "observer":
				firstSpan(&sc.obs, sp)
			case "tags":
				firstSpan(&sc.tags, sp)
			case "user":
				firstSpan(&sc.user, sp)
			case "source":
				firstSpan(&sc.source, sp)
			case "related":
				firstSpan(&sc.related, sp)
			case "host":
				firstSpan(&sc.host, sp)
			case "data_stream":
				firstSpan(&sc.ds, sp)
			case "ecs":
				firstSpan(&sc.ecs, sp)
			case "log":
				firstSpan(&sc.log, sp)
			}
		} else if string(key) == e.opts.FlatKey && !sc.flat.set {
			sc.flat = sp
		}
		var nb [maxKeyLen]byte
		if nk, ok := normKey(key, &nb); ok {
			if s, ok := sc.plan.lookup(nk); ok && !sc.slots[s].set {
				sc.slots[s] = sp
			}
		}
	}
	if ps.Err() != nil {
		return 0, false
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
	sc.event, sc.obs, sc.tags, sc.flat = span{}, span{}, span{}, span{}
	sc.user, sc.source, sc.related, sc.host, sc.ds, sc.ecs, sc.log, sc.rec = span{}, span{}, span{}, span{}, span{}, span{}, span{}, span{}
	sc.plan = p
	sc.hasRead, sc.hasVendorTime = false, false
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
		vi, ok = findKey(body, vi, func(key []byte) bool {
			var nb [maxKeyLen]byte
			nk, ok := normKey(key, &nb)
			return ok && string(nk) == want
		})
		if !ok {
			return 0, false
		}
	}
	return vi, true
}

// findKey returns the value offset of the first string key of the map at vi
// that match accepts.
func findKey(body []byte, vi int, match func(key []byte) bool) (int, bool) {
	ps, ok := pairsIn(body, vi)
	if !ok {
		return 0, false
	}
	for _, v, _, ok := ps.Next(); ok; _, v, _, ok = ps.Next() {
		if key, isStr := ps.KeyStr(); isStr && match(key) {
			return v, true
		}
	}
	return 0, false
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
	di, ok := findKey(body, vi, func(key []byte) bool { return string(key) == "dataset" })
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

// fromRecord applies what the record itself says about its outcome and
// severity, as the vendor's descriptor says where: the outcome field's value
// against the failure, then the success values (returned); the severity
// field on its scale (into f's level and number).
func fromRecord(vp *vendorPlan, body []byte, sc *scanned, f *found) catalog.Outcome {
	o := f.outcome
	if len(vp.outcome) > 0 {
		if vi, ok := resolveFirst(body, sc, vp.outcome); ok {
			spec := &vp.v.Outcome
			switch {
			case matchValue(body, vi, spec.Failure):
				o = catalog.OutcomeFailure
			case matchValue(body, vi, spec.Success):
				o = catalog.OutcomeSuccess
			}
		}
	}
	if len(vp.severity) > 0 {
		if vi, ok := resolveFirst(body, sc, vp.severity); ok {
			if n, ok := syslogNumber(body, vi); ok {
				f.sev, _ = catalog.SyslogSeverity(n)
				f.sevNum, f.hasSevNum = n, true
			}
		}
	}
	return o
}

// matchValue reports whether the value at vi is one of ms: a number
// (an integer or a string of digits) against the comparisons, a string
// (trimmed, case-insensitive) against the words.
func matchValue(body []byte, vi int, ms []catalog.Match) bool {
	if len(ms) == 0 {
		return false
	}
	n, isNum := intValue(body, vi)
	var str []byte
	if s, e, ok := mp.Str(body, vi); ok {
		str = catalog.TrimBlanks(body[s:e])
	}
	for i := range ms {
		m := &ms[i]
		if m.Op == 'w' {
			if str != nil && equalFoldASCII(str, m.Word) {
				return true
			}
		} else if isNum && m.MatchesInt(n) {
			return true
		}
	}
	return false
}

// intValue reads an integer, or a string of digits, at vi.
func intValue(body []byte, vi int) (int64, bool) {
	kind, s, n, _, _ := mp.Scalar(body, vi)
	switch kind {
	case mp.KindInt:
		return n, true
	case mp.KindString:
		return parseDigits(catalog.TrimBlanks(s))
	}
	return 0, false
}

func parseDigits(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// syslogNames are the RFC 5424 severity names, by number, with the short
// forms vendors and syslog daemons also print.
var syslogNames = [8][2]string{
	{"emergency", "emerg"}, {"alert", "alert"}, {"critical", "crit"}, {"error", "err"},
	{"warning", "warn"}, {"notice", "notice"}, {"info", "informational"}, {"debug", "debug"},
}

// syslogNumber reads a severity on the syslog scale: 6, "6", "Info(6)",
// "WARNING"; ok is false outside 0..7.
func syslogNumber(body []byte, vi int) (int64, bool) {
	kind, s, n, _, _ := mp.Scalar(body, vi)
	switch kind {
	case mp.KindInt:
		return n, n >= 0 && n <= 7
	case mp.KindString:
		s = catalog.TrimBlanks(s)
		if open := indexByte(s, '('); open >= 0 && len(s) > open+1 && s[len(s)-1] == ')' {
			if n, ok := parseDigits(s[open+1 : len(s)-1]); ok {
				return n, n <= 7
			}
			s = s[:open]
		}
		if n, ok := parseDigits(s); ok {
			return n, n <= 7
		}
		for i, names := range syslogNames {
			if equalFoldASCII(s, names[0]) || equalFoldASCII(s, names[1]) {
				return int64(i), true
			}
		}
	}
	return 0, false
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
