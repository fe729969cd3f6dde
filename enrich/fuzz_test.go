package enrich

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/internal/mp"
	"github.com/auditx/auditx/internal/orderedmp"
)

// maxFuzzInput caps fuzz inputs: large enough for 1 MB-string cases seeded
// below to be truncated variants, small enough to keep iterations fast.
const maxFuzzInput = 1 << 20

func seedChunks(f *testing.F) {
	chunk := sampleChunk(f)
	f.Add(chunk)
	f.Add(chunk[:len(chunk)/2]) // truncated
	f.Add(append(append([]byte{}, groupStart...), groupEnd...))
	f.Add(eventV1Int(1, []byte{0x91, 0x01}))
	f.Add(eventV2(1, 0, emptyMap, bytes.Repeat([]byte{0x91}, 1000)))
	big := append([]byte{0x81, 0xaa}, "event_type"...)
	big = append(big, 0xdb, 0x00, 0x0f, 0x42, 0x40) // str32 of 1,000,000 bytes
	big = append(big, bytes.Repeat([]byte{'7'}, 1_000_000)...)
	f.Add(eventV2(1, 0, emptyMap, big))
	f.Add(eventV2(1, 0, emptyMap, []byte{0x82, 0xa4, 'c', 'o', 'd', 'e', 0xa1, '1', 0xa4, 'c', 'o', 'd', 'e', 0xa1, '2'})) // duplicate keys
	f.Add(eventV2(1, 0, emptyMap, []byte{0x81, 0xa4, 'C', 'o', 'd', 'e', 0xa2, 0xff, 0xfe}))                               // invalid UTF-8
	f.Add([]byte{})
}

// FuzzChunk: any chunk is framed without panicking; every complete entry
// comes out (enriched or untouched), in order, and the output is valid msgpack.
func FuzzChunk(f *testing.F) {
	seedChunks(f)
	e := newEnricher(f, Options{})
	f.Fuzz(func(t *testing.T, chunk []byte) {
		if len(chunk) > maxFuzzInput {
			return
		}
		out, ends, st := e.Chunk(nil, nil, chunk)
		entries := 0
		rest := chunk
		for len(rest) > 0 {
			r, err := msgp.Skip(rest)
			if err != nil {
				break
			}
			rest = r
			entries++
		}
		require.Len(t, ends, entries, "one output event per complete input entry")
		require.EqualValues(t, len(rest), st.TrailingBytes)
		requireChunkOut(t, out, ends, st)
	})
}

// requireChunkOut checks what Chunk returned: each end offset closes one
// valid msgpack event, the events fill out, and every record is counted
// in exactly one result.
func requireChunkOut(t *testing.T, out []byte, ends []int, st Stats) {
	t.Helper()
	prev := 0
	for _, end := range ends {
		next, err := mp.Skip(out, prev)
		require.NoError(t, err, "output event is valid msgpack")
		require.Equal(t, end, next)
		prev = end
	}
	require.Equal(t, len(out), prev)
	require.Equal(t, st.Records, st.Enriched+st.Unknown+st.NoCode+st.InvalidCode+st.Malformed+st.AlreadyEnriched, "every record counted once")
}

// FuzzRecord: any body either passes untouched or comes out as a map with
// the original pairs first and the marker tag.
func FuzzRecord(f *testing.F) {
	for _, v := range []string{"filingbox", "plusauth", "privx", "netop"} {
		for _, b := range sampleBodies(f, v)[:3] {
			f.Add(b)
		}
	}
	f.Add([]byte{0x81, 0xa5, 'e', 'v', 'e', 'n', 't', 0xa1, 'x'})
	f.Add([]byte{0x83, 0xaa, 'e', 'v', 'e', 'n', 't', '_', 't', 'y', 'p', 'e', 0xcb, 0x40, 0xaf, 0x44, 0, 0, 0, 0, 0, 0xa4, 't', 'a', 'g', 's', 0x90, 0xa8, 'o', 'b', 's', 'e', 'r', 'v', 'e', 'r', 0xc0})
	e := newEnricher(f, Options{})
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxFuzzInput {
			return
		}
		requireScanShapes(t, e, fuzzShapes, body)
		before := e.Stats().Conflicts
		out, r := e.Record(nil, body)
		conflicts := e.Stats().Conflicts - before
		switch r {
		case ResultEnriched, ResultUnknown:
			end, err := mp.Skip(out, 0)
			require.NoError(t, err)
			require.Equal(t, len(out), end, "one complete map")
			n, _, ok := mp.MapHeader(out, 0)
			require.True(t, ok)
			n0, _, _ := mp.MapHeader(body, 0)
			require.GreaterOrEqual(t, n, n0, "no pair removed")
			again, r2 := e.Record(nil, out)
			require.Equal(t, out, again, "enriching the output again changes nothing")
			if conflicts < 2 { // a marker fits in tags or in event.dataset
				require.Equal(t, ResultAlreadyEnriched, r2, "enriched output carries the marker")
			}
		default:
			require.True(t, bytes.Equal(body, out), "passes untouched")
		}
	})
}

// fuzzShapes is one scratch across fuzz inputs: their shapes meet.
var fuzzShapes = new(scratch)

// requireScanShapes fails t unless scan finds in body, through the shapes
// scr holds (learning body's, then through it), what it finds looking up
// every key.
func requireScanShapes(t *testing.T, e *Enricher, scr *scratch, body []byte) {
	t.Helper()
	tab := e.tab.Load()
	var want scanned
	wantEnd, wantOK := e.scan(body, &want, tab)
	for pass := range 2 {
		got := scanned{scr: scr}
		end, ok := e.scan(body, &got, tab)
		require.Equal(t, wantOK, ok, "pass %d", pass)
		if !ok {
			return
		}
		require.Equal(t, wantEnd, end)
		require.Equal(t, want.slots, got.slots, "pass %d: watched keys", pass)
		require.Equal(t, want.groups, got.groups, "pass %d: groups", pass)
		require.Equal(t, want.flat, got.flat)
		require.Equal(t, want.rec, got.rec)
		require.Equal(t, want.spans[:want.nSpans], got.spans[:got.nSpans])
		require.Equal(t, want.means[:want.nSpans], got.means[:got.nSpans])
	}
}

// Records that share a shape's slot (the same number of keys, the same
// first key) and differ after it: each is scanned as its own keys say,
// whichever shape the scratch held before.
func TestScanShapesShareSlot(t *testing.T) {
	rk := defaults()
	rk.RecordKey = "audit"
	for _, o := range []Options{defaults(), {Schema: SchemaFlat, FlatKey: "auditx"}, rk} {
		e := newEnricher(t, o)
		scr := new(scratch)
		var bodies [][]byte
		for _, js := range []string{
			`{"service_id":"a","event_id":"425","message":{"username":"x"},"tags":["t"]}`,
			`{"service_id":"a","Code":"510","User":"x","event":{"id":"e"}}`,
			`{"service_id":"a","event_id":"425","message":"text","auditx":{}}`,
			`{"service_id":"a","event_id":"425","message":{"username":"x"}}`,
			`{"service_id":"a","event_id":"425","message":"x","user":{"id":"u"}}`,
			`{"service_id":"a","Event_Id":"425","messagE":"x","host":{"id":"u"}}`,
			`{"audit":{"service_id":"a","event_id":"425","message":{"username":"x"},"tags":["t"]},"tags":["p"]}`,
			`{"audit":{"service_id":"a","Code":"510","User":"x","event":{"id":"e"}},"tags":["p"]}`,
		} {
			bodies = append(bodies, orderedmp.MustFromJSON(js))
		}
		for range 3 {
			for _, b := range bodies {
				requireScanShapes(t, e, scr, b)
			}
		}
	}
}

// FuzzSkip: skip agrees with tinylib/msgp on what is one object.
func FuzzSkip(f *testing.F) {
	seedChunks(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			return
		}
		end, err := mp.Skip(b, 0)
		rest, err2 := msgp.Skip(b)
		if err2 == nil && err == nil {
			require.Equal(t, len(b)-len(rest), end)
		}
		if err == nil {
			require.LessOrEqual(t, end, len(b))
		}
		// skip may reject objects msgp accepts only when a container claims
		// more elements than bytes remain (msgp walks until it runs out).
		if err != nil && err2 == nil {
			t.Fatalf("skip rejected a valid object: %x", b[:min(len(b), 64)])
		}
	})
}

// FuzzRecordActor: with the actor fields and data_stream on, any body is
// either passed untouched (malformed, already enriched) or comes out as
// one complete map with no pair removed, and enriching it again changes
// nothing.
func FuzzRecordActor(f *testing.F) {
	for _, v := range []string{"filingbox", "plusauth", "privx", "netop"} {
		for _, b := range sampleBodies(f, v)[:3] {
			f.Add(b)
		}
	}
	f.Add(toMP(f, `{"event_type":"4002","user_id":"u","client_address":"::1","user":{"id":"x"},"related":"r","source":1}`))
	f.Add(toMP(f, `{"message":"no code","data_stream":{"dataset":"mine"}}`))
	e := newEnricher(f, Options{Actor: true, DataStreamNamespace: "default"})
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxFuzzInput {
			return
		}
		out, r := e.Record(nil, body)
		switch r {
		case ResultMalformed, ResultAlreadyEnriched:
			require.True(t, bytes.Equal(body, out), "passes untouched")
			return
		}
		end, err := mp.Skip(out, 0)
		require.NoError(t, err)
		require.Equal(t, len(out), end, "one complete map")
		n, _, ok := mp.MapHeader(out, 0)
		require.True(t, ok)
		n0, _, _ := mp.MapHeader(body, 0)
		require.GreaterOrEqual(t, n, n0, "no pair removed")
		again, _ := e.Record(nil, out)
		require.Equal(t, out, again, "enriching the output again changes nothing")
	})
}
