package enrich

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/mp"
)

// groupStart is a v2 group start marker [[EventTime(0xFFFFFFFF, 0), {}], {}]:
//
//	0x92 0x92                         event, header
//	0xd7 0x00 0xff 0xff 0xff 0xff     EventTime seconds 0xFFFFFFFF (FLB_LOG_EVENT_GROUP_START)
//	0x00 0x00 0x00 0x00               nanoseconds 0
//	0x81 0xa4 'n' 'a' 'm' 'e' 0xa1 'g' group metadata {"name":"g"}
//	0x80                              group attributes {}
var groupStart = []byte{0x92, 0x92, 0xd7, 0x00, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
	0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 'g', 0x80}

// groupEnd is [[EventTime(0xFFFFFFFE, 0), {}], {}] (FLB_LOG_EVENT_GROUP_END).
var groupEnd = []byte{0x92, 0x92, 0xd7, 0x00, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0x80, 0x80}

func TestChunkKeepsTimeAndMetadata(t *testing.T) {
	e := newEnricher(t, Options{})
	meta := toMP(t, `{"source":"privx.log","otel":{"trace":"abc"}}`)
	body := toMP(t, `{"event_id":"302","event_name":"Connection-rejected"}`)
	legacy := toMP(t, `{"event_type":"4002"}`)
	var chunk []byte
	chunk = append(chunk, groupStart...)
	chunk = append(chunk, eventV2(1763626443, 123456789, meta, body)...)
	chunk = append(chunk, eventV1Int(1763626444, legacy)...)
	chunk = append(chunk, groupEnd...)

	out, ends, st := e.Chunk(nil, nil, chunk)
	require.Len(t, ends, 4)
	assert.EqualValues(t, 2, st.Records)
	assert.EqualValues(t, 2, st.Enriched)
	assert.EqualValues(t, 2, st.GroupMarkers)
	assert.Equal(t, len(out), ends[3])

	// group markers pass byte for byte
	assert.Equal(t, groupStart, out[:ends[0]])
	assert.Equal(t, groupEnd, out[ends[2]:ends[3]])
	// the v2 header (time and metadata) is copied byte for byte
	ev := out[ends[0]:ends[1]]
	hdr := eventV2(1763626443, 123456789, meta, nil)
	require.True(t, bytes.HasPrefix(ev, hdr), "time and metadata intact")
	m := decode(t, ev[len(hdr):])
	assert.Equal(t, "Connection-rejected", get(m, "event", "action"))
	// the legacy [int, body] event keeps its integer time
	ev1 := out[ends[1]:ends[2]]
	require.True(t, bytes.HasPrefix(ev1, eventV1Int(1763626444, nil)))
	assert.Equal(t, "4002", get(decode(t, ev1[6:]), "event", "code"))
}

func TestChunkOddEntries(t *testing.T) {
	e := newEnricher(t, Options{})
	body := toMP(t, `{"Code":"054"}`)
	tests := []struct {
		name     string
		chunk    []byte
		events   int
		bad      uint64
		trailing uint64
		records  uint64
	}{
		{"empty chunk", nil, 0, 0, 0, 0},
		{"not an array", []byte{0xa1, 'x'}, 1, 1, 0, 0},
		{"array of three", []byte{0x93, 0x01, 0x02, 0x03}, 1, 1, 0, 0},
		{"non-map body", eventV2(1, 0, emptyMap, []byte{0xa3, 'a', 'b', 'c'}), 1, 0, 0, 1},
		{"truncated tail", append(eventV2(1, 0, emptyMap, body), 0x92, 0x92), 1, 0, 2, 1},
		{"int group end", []byte{0x92, 0x92, 0xfe, 0x80, 0x80}, 1, 0, 0, 0},
		{"negative int time group start", append([]byte{0x92, 0x92, 0xff, 0x80}, 0x80), 1, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.Stats()
			out, ends, st := e.Chunk(nil, nil, tt.chunk)
			assert.Len(t, ends, tt.events)
			assert.Equal(t, tt.bad, st.BadEvents)
			assert.Equal(t, tt.trailing, st.TrailingBytes)
			assert.Equal(t, tt.records, st.Records)
			if tt.trailing == 0 && st.Enriched == 0 {
				assert.True(t, bytes.Equal(tt.chunk, out), "passed untouched")
			}
			after := e.Stats()
			assert.Equal(t, before.Records+st.Records, after.Records, "instance counters follow")
		})
	}
}

func TestPassthrough(t *testing.T) {
	chunk := append(eventV2(1, 2, emptyMap, toMP(t, `{"a":1}`)), groupEnd...)
	out, ends, trailing := passthrough(nil, nil, append(chunk, 0x92))
	assert.Equal(t, chunk, out)
	assert.Equal(t, []int{len(chunk) - len(groupEnd), len(chunk)}, ends)
	assert.Equal(t, 1, trailing)
}

// Concurrent chunks and catalog swaps are race-free (run with -race) and a
// record sees one catalog or the other.
// TestConcurrentChunksAndSwap swaps, while four goroutines enrich, between
// two catalogs that name the same codes differently: every chunk is
// enriched wholly by one catalog (its action and reason from the same
// entry, and all its records from the same catalog), never a mix.
func TestConcurrentChunksAndSwap(t *testing.T) {
	c1, err := catalog.Embedded()
	require.NoError(t, err)
	site := filepath.Join(t.TempDir(), "site.csv")
	require.NoError(t, os.WriteFile(site, []byte("vendor,code,name,name_in_doc,description,derived,group,category,type,outcome,severity,note\n"+
		"privx,425,Swapped-425,,Swapped description 425.,,site,configuration,change,success,low,\n"+
		"privx,407,Swapped-407,,Swapped description 407.,,site,configuration,change,success,low,\n"), 0o644))
	c2, err := catalog.Load(site)
	require.NoError(t, err)
	e := newEnricher(t, Options{Vendor: "privx"})
	var chunk []byte
	for i := range 40 {
		code := []string{"425", "407"}[i%2]
		chunk = append(chunk, eventV2(uint32(1763626443+i), 0, emptyMap, toMP(t, `{"event_id":"`+code+`","event_name":"x"}`))...)
	}
	orig := map[string]string{"425": c1.LookupString(c1.Vendor("privx"), "425").Name, "407": c1.LookupString(c1.Vendor("privx"), "407").Name}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out []byte
			var ends []int
			for i := 0; i < 200; i++ {
				out, ends, _ = e.Chunk(out[:0], ends[:0], chunk)
				swapped := -1
				start := 0
				for _, end := range ends {
					_, hi, _ := mp.ArrayHeader(out, start)
					bi, _ := mp.Skip(out, hi)
					m := decode(t, out[bi:end])
					code, _ := get(m, "event", "code").(string)
					action, _ := get(m, "event", "action").(string)
					reason, _ := get(m, "event", "reason").(string)
					s := 0
					if strings.HasPrefix(action, "Swapped-") {
						s = 1
						if action != "Swapped-"+code || reason != "Swapped description "+code+"." {
							errs <- "record mixes catalogs: " + action + " / " + reason
						}
					} else if action != orig[code] {
						errs <- "unexpected action " + action
					}
					if swapped >= 0 && s != swapped {
						errs <- "a chunk enriched by both catalogs"
					}
					swapped = s
					start = end
				}
			}
		}()
	}
	for i := 0; i < 2000; i++ {
		if i%2 == 0 {
			e.SetCatalog(c2)
		} else {
			e.SetCatalog(c1)
		}
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatal(msg)
	}
	assert.EqualValues(t, 4*200*40, e.Stats().Records)
}

func sampleChunk(t testing.TB) []byte {
	var chunk []byte
	sec := uint32(1763626443)
	for _, v := range []string{"filingbox", "plusauth", "privx", "netop"} {
		for _, b := range sampleBodies(t, v) {
			chunk = append(chunk, eventV2(sec, 0, emptyMap, b)...)
			sec++
		}
	}
	return chunk
}

func countRecords(t testing.TB, chunk []byte) int {
	n := 0
	for len(chunk) > 0 {
		rest, err := msgp.Skip(chunk)
		require.NoError(t, err)
		chunk = rest
		n++
	}
	return n
}

// skip agrees with tinylib/msgp's Skip on valid input.
func TestSkipMatchesMsgp(t *testing.T) {
	chunk := sampleChunk(t)
	i := 0
	for i < len(chunk) {
		end, err := mp.Skip(chunk, i)
		require.NoError(t, err)
		rest, err := msgp.Skip(chunk[i:])
		require.NoError(t, err)
		require.Equal(t, len(chunk)-len(rest), end)
		i = end
	}
}

// Deep nesting is walked without recursion: a million nested arrays.
func TestSkipDeepNesting(t *testing.T) {
	deep := bytes.Repeat([]byte{0x91}, 1_000_000)
	_, err := mp.Skip(append(deep, 0x01), 0)
	require.NoError(t, err)
	_, err = mp.Skip(deep, 0)
	require.Error(t, err, "truncated")
}

// ChunkAppend writes what Chunk writes, without the ends.
func TestChunkAppend(t *testing.T) {
	e := newEnricher(t, defaults())
	chunk := sampleChunk(t)
	want, _, wantSt := e.Chunk([]byte("x"), nil, chunk)
	got, st := e.ChunkAppend([]byte("x"), chunk)
	require.Equal(t, want, got)
	require.Equal(t, wantSt, st)
}

// Goroutines enriching at once each hold a scratch of their own (the
// record shapes and key names they learn): every one writes what one
// goroutine alone writes, more of them than the Enricher keeps idle.
func TestChunkConcurrentScratch(t *testing.T) {
	e := newEnricher(t, defaults())
	chunk := sampleChunk(t)
	want, _, _ := e.Chunk(nil, nil, chunk)
	var wg sync.WaitGroup
	errs := make(chan string, 2*maxIdleScratch)
	for range 2 * maxIdleScratch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out []byte
			for range 20 {
				out, _ = e.ChunkAppend(out[:0], chunk)
				if !bytes.Equal(want, out) {
					errs <- "a goroutine's output differs"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatal(msg)
	}
}
