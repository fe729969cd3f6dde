package enrich

import (
	"time"

	"github.com/auditx/auditx/catalog"
)

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
	sc.scr = e.takeScratch()
	defer e.giveScratch(sc.scr)
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

func (e *Enricher) record(dst, body []byte, st *Stats, t *table) ([]byte, Result) {
	st.Records++
	r, wrote := ResultMalformed, false
	var sc scanned
	sc.scr = e.takeScratch()
	defer e.giveScratch(sc.scr)
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
