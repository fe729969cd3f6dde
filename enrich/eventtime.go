package enrich

import (
	"time"

	"github.com/auditx/auditx/internal/evtime"
	"github.com/auditx/auditx/internal/mp"
)

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

// headerTime locates the time of an event whose first element is at hi:
// a v2 header [time, metadata] or a legacy time. It returns 0, 0 when it
// is neither.
func headerTime(chunk []byte, hi int) (start, end int) {
	ti := hi
	if n, i, ok := mp.ArrayHeader(chunk, hi); ok {
		if n < 1 {
			return 0, 0
		}
		ti = i
	}
	e, err := mp.Skip(chunk, ti)
	if err != nil {
		return 0, 0
	}
	return ti, e
}

// readTime reads an event's time: an EventTime, or integer or float
// seconds (legacy).
func readTime(chunk []byte, ti int) (time.Time, int, bool) {
	if t, next, ok := evtime.ReadEventTime(chunk, ti); ok {
		return t, next, true
	}
	kind, _, n, _, f := mp.Scalar(chunk, ti)
	switch kind {
	case mp.KindInt:
		if n >= 0 {
			return time.Unix(n, 0).UTC(), 0, true
		}
	case mp.KindFloat:
		if f >= 0 && f < 1<<33 {
			sec := int64(f)
			return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), 0, true
		}
	}
	return time.Time{}, 0, false
}

// setTime replaces the event time at out[ts:te] with t as an EventTime:
// in place when it is one already (the common case), else moving what
// follows. A time that cannot be an EventTime leaves the header as it is.
func setTime(out []byte, ts, te int, t time.Time) []byte {
	if !evtime.EventTimeOK(t) {
		return out
	}
	var tb [16]byte
	enc := evtime.AppendEventTime(tb[:0], t)
	if te-ts == len(enc) {
		copy(out[ts:te], enc)
		return out
	}
	tail := len(out) - te
	delta := len(enc) - (te - ts)
	if delta > 0 {
		out = append(out, enc[:delta]...)
	}
	copy(out[ts+len(enc):], out[te:te+tail])
	out = out[:ts+len(enc)+tail]
	copy(out[ts:], enc)
	return out
}
