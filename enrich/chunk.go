package enrich

import (
	"github.com/auditx/auditx/internal/mp"
)

// Chunk enriches every event of a Fluent Bit chunk (concatenated msgpack
// events) and appends the result to dst; ends receives, for each event
// written, the offset in the returned buffer just past it (so a caller can
// split the output at event boundaries). It returns what it counted for this
// chunk; the Enricher's counters are updated too.
//
// Events are [[time, metadata], body] (Fluent Bit v2) or [time, body]
// (legacy); time and metadata are copied byte for byte. Group markers
// (EventTime seconds 0xFFFFFFFF / 0xFFFFFFFE) and entries that are not events
// are passed on unchanged. Bytes after the last complete object cannot be
// framed as an event: they are counted in TrailingBytes and dropped.
func (e *Enricher) Chunk(dst []byte, ends []int, chunk []byte) ([]byte, []int, Stats) {
	return e.chunk(dst, ends, chunk, true)
}

// ChunkAppend is Chunk for a caller that needs no event ends (the filter
// door, which hands the whole append back).
func (e *Enricher) ChunkAppend(dst, chunk []byte) ([]byte, Stats) {
	dst, _, st := e.chunk(dst, nil, chunk, false)
	return dst, st
}

func (e *Enricher) chunk(dst []byte, ends []int, chunk []byte, withEnds bool) ([]byte, []int, Stats) {
	var st Stats
	var sc scanned // reused: scan resets what it uses
	sc.scr = e.takeScratch()
	defer e.giveScratch(sc.scr)
	t := e.tab.Load()
	i := 0
	for i < len(chunk) {
		var next int
		var ok bool
		if dst, next, ok = e.framedEvent(dst, chunk, i, &sc, &st, t); !ok {
			end, err := mp.Skip(chunk, i)
			if err != nil {
				st.TrailingBytes += uint64(len(chunk) - i)
				break
			}
			dst = e.event(dst, chunk[i:end], &st, t)
			next = end
		}
		if withEnds {
			ends = append(ends, len(dst))
		}
		i = next
	}
	e.counters.add(&st)
	return dst, ends, st
}

// framedEvent handles the common event, [header, map body], walking its
// bytes once: the body's scan also finds where the event ends. ok is false
// (and dst unchanged) for anything else, which event handles after framing
// it with skip.
func (e *Enricher) framedEvent(dst, chunk []byte, i int, sc *scanned, st *Stats, t *table) ([]byte, int, bool) {
	n, hi, ok := mp.ArrayHeader(chunk, i)
	if !ok || n != 2 {
		return dst, 0, false
	}
	bi, err := mp.Skip(chunk, hi)
	if err != nil || isGroupMarker(chunk, hi) {
		return dst, 0, false
	}
	end, ok := e.scan(chunk[bi:], sc, t)
	if !ok {
		return dst, 0, false
	}
	body := chunk[bi : bi+end]
	at := len(dst)
	dst = append(dst, chunk[i:bi]...)
	ts, te := headerTime(chunk, hi)
	if ts > 0 {
		sc.read, _, sc.hasRead = readTime(chunk, ts)
	}
	st.Records++
	r, _, wrote := e.enrichScanned(&dst, body, sc, st, t)
	st.count(r)
	if wrote {
		st.Rewritten++
	} else {
		dst = append(dst, body...)
	}
	if sc.hasVendorTime && ts > 0 {
		dst = setTime(dst, at+ts-i, at+te-i, sc.vendorTime)
	}
	return dst, bi + end, true
}

// event appends one event framed by skip: a group marker, an entry that is
// not an event, or an event whose body is not a complete map.
func (e *Enricher) event(dst, ev []byte, st *Stats, t *table) []byte {
	n, hi, ok := mp.ArrayHeader(ev, 0)
	if !ok || n != 2 {
		st.BadEvents++
		return append(dst, ev...)
	}
	bi, err := mp.Skip(ev, hi) // the body starts after the header
	if err != nil {
		st.BadEvents++
		return append(dst, ev...)
	}
	if isGroupMarker(ev, hi) {
		st.GroupMarkers++
		return append(dst, ev...)
	}
	dst = append(dst, ev[:bi]...)
	dst, _ = e.record(dst, ev[bi:], st, t)
	return dst
}

// Passthrough appends the chunk's complete events unchanged and their end
// offsets: the "enrichment off" mode that measures the re-emission hop
// alone. It counts only the bytes after the last complete event (dropped,
// in TrailingBytes, as Chunk does), and returns how many there were.
func (e *Enricher) Passthrough(dst []byte, ends []int, chunk []byte) ([]byte, []int, int) {
	dst, ends, trailing := passthrough(dst, ends, chunk)
	if trailing > 0 {
		e.counters.add(&Stats{TrailingBytes: uint64(trailing)})
	}
	return dst, ends, trailing
}

func passthrough(dst []byte, ends []int, chunk []byte) ([]byte, []int, int) {
	i, trailing := 0, 0
	base := len(dst)
	for i < len(chunk) {
		end, err := mp.Skip(chunk, i)
		if err != nil {
			trailing = len(chunk) - i
			break
		}
		ends = append(ends, base+end)
		i = end
	}
	return append(dst, chunk[:i]...), ends, trailing
}

// isGroupMarker reports whether the event header at hi is [EventTime, meta]
// with the group start or end seconds.
func isGroupMarker(ev []byte, hi int) bool {
	n, ti, ok := mp.ArrayHeader(ev, hi)
	if !ok || n < 1 {
		return false
	}
	if sec, ok := mp.EventTimeSeconds(ev, ti); ok {
		return sec == mp.GroupStartSeconds || sec == mp.GroupEndSeconds
	}
	// FLB_LOG_EVENT_GROUP_START/END as plain integers (-1, -2): negative
	// fixints 0xff and 0xfe.
	return ev[ti] == 0xff || ev[ti] == 0xfe
}
