package enrich

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/internal/ecsschema"
	"github.com/auditx/auditx/internal/evtime"
	"github.com/auditx/auditx/internal/keyname"
	"github.com/auditx/auditx/internal/mp"
)

// defaults are the plugin's default options (config.Parse with no key).
func defaults() Options {
	return Options{Actor: true, DataStreamNamespace: "default", Namespace: true, EventTime: true}
}

// headerTime reads the EventTime of a v2 event [[time, meta], body].
func headerTimeOf(t *testing.T, ev []byte) time.Time {
	t.Helper()
	_, hi, ok := mp.ArrayHeader(ev, 0)
	require.True(t, ok)
	_, ti, ok := mp.ArrayHeader(ev, hi)
	if !ok {
		ti = hi // legacy [time, body]
	}
	tm, _, ok := evtime.ReadEventTime(ev, ti)
	require.True(t, ok, "an EventTime in the header")
	return tm
}

func bodyOf(t *testing.T, ev []byte) map[string]any {
	t.Helper()
	_, hi, _ := mp.ArrayHeader(ev, 0)
	bi, err := mp.Skip(ev, hi)
	require.NoError(t, err)
	return decode(t, ev[bi:])
}

// The vendor's keys that are not ECS move under <vendor>.audit with ECS
// names; the ECS ones stay; auditx's fields follow ECS.
func TestNamespaceLayout(t *testing.T) {
	e := newEnricher(t, defaults())
	body := toMP(t, `{"service_name":"AUTH","event_id":"1000","event_name":"x","created":"2026-11-20T08:14:00.773205Z",`+
		`"message":{"severity":"Warning(4)","userID":"u-1","remoteAddress":"10.0.0.1","SSH-PrivX-service":"AUTH"},`+
		`"tags":["mine"],"labels":{"team":"sec"}}`)
	read := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	out, _, _ := e.Chunk(nil, nil, eventV2(uint32(read.Unix()), 0, emptyMap, body))
	m := bodyOf(t, out)
	assert.Equal(t, []any{"mine", "auditx"}, m["tags"], "an ECS tags array stays and gains the marker")
	assert.Equal(t, map[string]any{"team": "sec"}, m["labels"], "an ECS labels map stays")
	assert.NotContains(t, m, "message", "an object message is not ECS: it moves")
	audit := get(m, "privx", "audit").(map[string]any)
	assert.Equal(t, "1000", audit["event_id"])
	assert.Equal(t, map[string]any{"severity": "Warning(4)", "user_id": "u-1", "remote_address": "10.0.0.1", "ssh_priv_x_service": "AUTH"}, audit["message"])
	assert.EqualValues(t, 4, get(m, "event", "severity"), "the source's own number")
	assert.EqualValues(t, 47, get(m, "event", "risk_score_norm"), "auditx's score")
	assert.Equal(t, "2026-11-21T09:00:00.000Z", get(m, "event", "created"), "the time Fluent Bit read it")
	assert.Equal(t, ECSVersion, get(m, "ecs", "version"))
	assert.Equal(t, "u-1", get(m, "user", "id"))
	assert.Equal(t, "10.0.0.1", get(m, "source", "ip"))
	assert.Equal(t, time.Date(2026, 11, 20, 8, 14, 0, 773205000, time.UTC), headerTimeOf(t, out), "the vendor's event time")

	// Without the namespace, the layout of before: the keys stay, severity is the score.
	old := newEnricher(t, Options{Actor: true, DataStreamNamespace: "default"})
	out, _, _ = old.Chunk(nil, nil, eventV2(uint32(read.Unix()), 0, emptyMap, body))
	m = bodyOf(t, out)
	assert.Contains(t, m, "message")
	assert.NotContains(t, m, "privx")
	assert.EqualValues(t, 47, get(m, "event", "severity"))
	assert.Equal(t, read, headerTimeOf(t, out), "event_time off: the read time")
}

// Two keys of one map that get the same name: the later one is suffixed.
func TestNamespaceNameCollision(t *testing.T) {
	e := newEnricher(t, defaults())
	body := []byte{0x84}
	for _, kv := range [][2]string{{"event_type", "4002"}, {"userId", "a"}, {"user_id", "b"}, {"time", "2026-11-20T08:14:00Z"}} {
		body = mp.AppendStr(mp.AppendStr(body, kv[0]), kv[1])
	}
	out, r := e.Record(nil, body)
	require.Equal(t, ResultEnriched, r)
	audit := get(decode(t, out), "plusauth", "audit").(map[string]any)
	assert.Equal(t, "a", audit["user_id"], "userId came first")
	assert.Equal(t, "b", audit["user_id_2"])
}

// The header's time becomes the vendor's event time in every event form;
// without one the read time stays, counted and tagged.
func TestEventTimeHeader(t *testing.T) {
	e := newEnricher(t, defaults())
	privx := toMP(t, `{"event_id":"425","event_name":"x","created":"2026-11-20T08:14:00.5Z"}`)
	want := time.Date(2026, 11, 20, 8, 14, 0, 500000000, time.UTC)
	cases := map[string][]byte{
		"v2":               eventV2(1700000000, 1, emptyMap, privx),
		"legacy int":       eventV1Int(1700000000, privx),
		"legacy EventTime": append([]byte{0x92, 0xd7, 0x00, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 0}, privx...),
	}
	for name, ev := range cases {
		t.Run(name, func(t *testing.T) {
			out, ends, st := e.Chunk(nil, nil, ev)
			require.Len(t, ends, 1)
			require.Equal(t, len(out), ends[0])
			assert.Equal(t, want, headerTimeOf(t, out))
			assert.EqualValues(t, 0, st.NoEventTime)
			assert.Equal(t, "2023-11-14T22:13:20.000Z", get(bodyOf(t, out), "event", "created"), "the read time of the header")
		})
	}
	noTime := toMP(t, `{"event_id":"425","event_name":"x"}`)
	out, _, st := e.Chunk(nil, nil, eventV2(1700000000, 7, emptyMap, noTime))
	assert.Equal(t, time.Unix(1700000000, 7).UTC(), headerTimeOf(t, out), "no vendor time: the read time stays")
	assert.EqualValues(t, 1, st.NoEventTime)
	assert.Contains(t, get(bodyOf(t, out), "tags"), NoEventTimeTag)
	bad := toMP(t, `{"event_id":"425","event_name":"x","created":"yesterday"}`)
	_, _, st = e.Chunk(nil, nil, eventV2(1700000000, 7, emptyMap, bad))
	assert.EqualValues(t, 1, st.NoEventTime, "an unparsable time is counted too")
	far := toMP(t, `{"event_id":"425","event_name":"x","created":"1985-01-01T00:00:00Z"}`)
	out, _, _ = e.Chunk(nil, nil, eventV2(1700000000, 7, emptyMap, far))
	assert.Equal(t, time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC), headerTimeOf(t, out), "a back-filled time is used as given")
}

// A zoneless vendor time is read in the instance's zone and says so.
func TestZonelessEventTime(t *testing.T) {
	seoul, err := evtime.LoadZone("Asia/Seoul")
	require.NoError(t, err)
	o := defaults()
	o.Zone, o.ZoneName = seoul, "Asia/Seoul"
	e := newEnricher(t, o)
	body := toMP(t, `{"Code":"054","Date":"2026-11-20 08:14:00"}`)
	out, _, _ := e.Chunk(nil, nil, eventV2(1700000000, 0, emptyMap, body))
	assert.Equal(t, time.Date(2026, 11, 19, 23, 14, 0, 0, time.UTC), headerTimeOf(t, out).UTC())
	assert.Equal(t, "Asia/Seoul", get(bodyOf(t, out), "event", "timezone"))
}

// A known vendor's record without a valid code goes to the vendor's
// stream, tagged, without event.code.
func TestKnownVendorWithoutCode(t *testing.T) {
	o := defaults()
	o.Vendor = "netop"
	e := newEnricher(t, o)
	out, r := e.Record(nil, toMP(t, `{"source":"HOST","entity_type":"DEVICE","action_timestamp":1763626443}`))
	assert.Equal(t, ResultNoCode, r)
	m := decode(t, out)
	assert.Equal(t, "netop.audit", get(m, "data_stream", "dataset"))
	assert.Contains(t, m["tags"], NoCodeTag)
	assert.NotContains(t, m["event"], "code")
	assert.Equal(t, "HOST", get(m, "netop", "audit", "source"), "Netop's source string moves: no clash with source.ip")
	out, r = e.Record(nil, toMP(t, `{"entity_type":"DEVICE","action":{"x":1}}`))
	assert.Equal(t, ResultInvalidCode, r)
	assert.Contains(t, decode(t, out)["tags"], InvalidCodeTag)

	// Records auditx does not recognise keep their fields, data_stream alone.
	auto := newEnricher(t, defaults())
	out, r = auto.Record(nil, toMP(t, `{"msg":"hello","source":"app"}`))
	assert.Equal(t, ResultNoCode, r)
	assert.Equal(t, map[string]any{"msg": "hello", "source": "app", "data_stream": map[string]any{"type": "logs", "dataset": UnrecognizedDataset, "namespace": "default"}}, decode(t, out))
}

// record_key: the vendor's record is a map of the record (the kubernetes
// filter's Merge_Log_Key); the pipeline's keys stay as they are.
func TestRecordKey(t *testing.T) {
	o := defaults()
	o.RecordKey = "audit"
	e := newEnricher(t, o)
	body := toMP(t, `{"time":"2026-11-21T00:00:00.1Z","stream":"stdout","kubernetes":{"pod_name":"p"},`+
		`"audit":{"time":"2026-11-20T08:14:00.268Z","level":"error","event_type":4041,"message":"blocked","user_id":"u"}}`)
	out, _, st := e.Chunk(nil, nil, eventV2(1700000000, 0, emptyMap, body))
	require.EqualValues(t, 1, st.Enriched)
	m := bodyOf(t, out)
	assert.Equal(t, "2026-11-21T00:00:00.1Z", m["time"], "the pipeline's time stays")
	assert.Equal(t, "stdout", m["stream"])
	assert.Equal(t, map[string]any{"pod_name": "p"}, m["kubernetes"])
	assert.NotContains(t, m, "audit", "the vendor's record is laid out, not kept as a map")
	assert.Equal(t, "blocked", m["message"], "an ECS key of the vendor's record comes to the top")
	assert.Equal(t, "error", get(m, "plusauth", "audit", "level"))
	assert.Equal(t, "4041", get(m, "event", "code"))
	assert.Equal(t, time.Date(2026, 11, 20, 8, 14, 0, 268000000, time.UTC), headerTimeOf(t, out))

	// A record without the key (or with a non-map there) is not a vendor's.
	plain := toMP(t, `{"log":"x","audit":"not a map"}`)
	out, r := e.Record(nil, plain)
	assert.Equal(t, ResultNoCode, r)
	assert.Equal(t, UnrecognizedDataset, get(decode(t, out), "data_stream", "dataset"))
}

// event_original keeps the vendor's record, before auditx's changes, as JSON.
func TestEventOriginal(t *testing.T) {
	o := defaults()
	o.EventOriginal = true
	e := newEnricher(t, o)
	out, _ := e.Record(nil, toMP(t, `{"Code":"054","Client IP":"10.0.0.1"}`))
	orig := get(decode(t, out), "event", "original").(string)
	assert.JSONEq(t, `{"Client IP":"10.0.0.1","Code":"054"}`, orig)
}

// FuzzLayout: with the plugin's defaults (namespace, event time, actor,
// data_stream), any chunk comes out as valid events, one per complete
// entry, every record counted; an enriched record keeps all its pairs (at
// the top or in the namespace) and is not enriched twice.
func FuzzLayout(f *testing.F) {
	seedChunks(f)
	for _, v := range []string{"filingbox", "plusauth", "privx", "netop"} {
		for _, b := range sampleBodies(f, v)[:2] {
			f.Add(eventV2(1700000000, 0, emptyMap, b))
		}
	}
	e := newEnricher(f, defaults())
	f.Fuzz(func(t *testing.T, chunk []byte) {
		if len(chunk) > maxFuzzInput {
			return
		}
		out, ends, st := e.Chunk(nil, nil, chunk)
		requireChunkOut(t, out, ends, st)
		again, _, st2 := e.Chunk(nil, nil, out)
		if st.Enriched+st.Unknown > 0 && st2.Conflicts == 0 && st.Conflicts == 0 {
			require.True(t, bytes.Equal(out, again) || st2.AlreadyEnriched >= st.Enriched+st.Unknown, "an enriched record is not enriched twice")
		}
	})
}

// With record_key, a pipeline key of a name auditx would add (the CRI
// line kept as "log") stays, and auditx adds no second one.
func TestRecordKeyPipelineCollision(t *testing.T) {
	o := defaults()
	o.RecordKey = "audit"
	e := newEnricher(t, o)
	body := toMP(t, `{"log":"{\"event_type\":4041}","audit":{"time":"2026-11-20T08:14:00.268Z","level":"error","event_type":4041}}`)
	out, r := e.Record(nil, body)
	require.Equal(t, ResultEnriched, r)
	n, _, _ := mp.MapHeader(out, 0)
	m := decode(t, out)
	assert.Len(t, m, n, "no key twice")
	assert.Equal(t, `{"event_type":4041}`, m["log"], "the pipeline's log stays")
	assert.Equal(t, "error", get(m, "plusauth", "audit", "level"))
}

// With record_key, a record auditx laid out already passes untouched: the
// marker is at the top and the record key is gone.
func TestRecordKeyOnce(t *testing.T) {
	o := defaults()
	o.RecordKey = "audit"
	e := newEnricher(t, o)
	body := toMP(t, `{"stream":"stdout","audit":{"time":"2026-11-20T08:14:00.268Z","event_type":4041}}`)
	once, r := e.Record(nil, body)
	require.Equal(t, ResultEnriched, r)
	twice, r := e.Record(nil, once)
	assert.Equal(t, ResultAlreadyEnriched, r)
	assert.Equal(t, once, twice)
}

// auditx's groups merge into the record's own ECS maps and tags in any
// key order (the edits are applied in record order).
func TestNamespaceMergeAnyOrder(t *testing.T) {
	e := newEnricher(t, defaults())
	var body []byte
	body = mp.AppendMapHeader(body, 5)
	body = mp.AppendStr(body, "tags")
	body = mp.AppendArrayHeader(body, 1)
	body = mp.AppendStr(body, "mine")
	body = mp.AppendStr(body, "observer")
	body = mp.AppendMapHeader(body, 1)
	body = mp.AppendStr(mp.AppendStr(body, "type"), "firewall")
	body = mp.AppendStr(body, "ecs")
	body = mp.AppendMapHeader(body, 0)
	body = mp.AppendStr(body, "event")
	body = mp.AppendMapHeader(body, 1)
	body = mp.AppendStr(mp.AppendStr(body, "provider"), "x")
	body = mp.AppendStr(mp.AppendStr(body, "event_type"), "4002")
	out, r := e.Record(nil, body)
	require.Equal(t, ResultEnriched, r)
	m := decode(t, out)
	n, _, _ := mp.MapHeader(out, 0)
	assert.Len(t, m, n, "no key twice")
	assert.Equal(t, []any{"mine", MarkerTag, NoEventTimeTag}, m["tags"], "the record has no time")
	assert.Equal(t, "firewall", get(m, "observer", "type"))
	assert.Equal(t, "PlusAuth", get(m, "observer", "vendor"))
	assert.Equal(t, ECSVersion, get(m, "ecs", "version"))
	assert.Equal(t, "x", get(m, "event", "provider"))
	assert.Equal(t, "4002", get(m, "event", "code"))
}

// The override case of TestNamespaceMergeAnyOrder: a tags string before
// the event map is dropped once and replaced, and the map merged into, in
// any key order; a tags array before it gains the marker. (Matched in
// auditx's order, the string stayed beside auditx's tags: one pair more
// than the map's header counted, msgpack out of frame.)
func TestNamespaceEditsInRecordOrder(t *testing.T) {
	for _, override := range []bool{false, true} {
		t.Run(map[bool]string{false: "keep", true: "override"}[override], func(t *testing.T) {
			o := defaults()
			o.Override = override
			e := newEnricher(t, o)
			b := msgp.AppendMapHeader(nil, 6)
			b = msgp.AppendString(b, "tags")
			if override {
				b = msgp.AppendString(b, "mine")
			} else {
				b = msgp.AppendArrayHeader(b, 1)
				b = msgp.AppendString(b, "mine")
			}
			b = msgp.AppendString(b, "event")
			b = msgp.AppendMapHeader(b, 1)
			b = msgp.AppendString(b, "id")
			b = msgp.AppendString(b, "e-1")
			for _, kv := range [][2]string{{"service_name", "AUTH"}, {"event_id", "1000"}, {"event_name", "x"}, {"created", "2026-11-20T08:14:00.773205Z"}} {
				b = msgp.AppendString(b, kv[0])
				b = msgp.AppendString(b, kv[1])
			}
			out, r := e.Record(nil, b)
			require.Equal(t, ResultEnriched, r)
			end, err := mp.Skip(out, 0)
			require.NoError(t, err)
			require.Equal(t, len(out), end, "one complete map")
			n, _, _ := mp.MapHeader(out, 0)
			m := decode(t, out)
			assert.Len(t, m, n, "no key twice")
			assert.Equal(t, "e-1", get(m, "event", "id"), "the record's event map kept")
			assert.Equal(t, "1000", get(m, "event", "code"), "and merged into")
			if override {
				assert.Equal(t, []any{MarkerTag}, m["tags"], "the tags string replaced")
			} else {
				assert.Equal(t, []any{"mine", MarkerTag}, m["tags"], "the tags array marked")
			}
		})
	}
}

// Records with few and many pairs that stay at the top (past maxStaying,
// the pairs are walked again; past maxClassified, decided again): each pair
// lands once, where the layout says, in the record's order, and a tags
// array among them is marked.
func TestNamespaceManyStaying(t *testing.T) {
	e := newEnricher(t, defaults())
	// ECS keyword fields outside auditx's groups: a string stays.
	var ecsKeys []string
	for name, typ := range ecsschema.Fields {
		top, _, _ := strings.Cut(name, ".")
		if _, ours := groupOf([]byte(top)); typ == "keyword" && !ours && strings.Contains(name, ".") {
			ecsKeys = append(ecsKeys, name)
		}
	}
	require.Greater(t, len(ecsKeys), maxClassified+10)
	for _, nStay := range []int{0, 1, maxStaying, maxStaying + 1, maxClassified + 10} {
		t.Run(strconv.Itoa(nStay), func(t *testing.T) {
			n := 2*nStay + 5
			b := msgp.AppendMapHeader(nil, uint32(n))
			for _, kv := range [][2]string{{"service_name", "AUTH"}, {"event_id", "1000"}, {"event_name", "x"}, {"created", "2026-11-20T08:14:00.773205Z"}} {
				b = msgp.AppendString(b, kv[0])
				b = msgp.AppendString(b, kv[1])
			}
			var stayKeys []string
			for i := range nStay {
				b = msgp.AppendString(b, ecsKeys[i])
				b = msgp.AppendString(b, "v")
				stayKeys = append(stayKeys, ecsKeys[i])
				b = msgp.AppendString(b, fmt.Sprintf("customKey%d", i))
				b = msgp.AppendInt(b, i)
			}
			b = msgp.AppendString(b, "tags")
			b = msgp.AppendArrayHeader(b, 1)
			b = msgp.AppendString(b, "mine")
			out, r := e.Record(nil, b)
			require.Equal(t, ResultEnriched, r)
			end, err := mp.Skip(out, 0)
			require.NoError(t, err)
			require.Equal(t, len(out), end, "one complete map")
			hn, _, _ := mp.MapHeader(out, 0)
			m := decode(t, out)
			require.Len(t, m, hn, "no key twice")
			var top []string
			ps, _ := mp.MapPairs(out, 0)
			for _, _, _, ok := ps.Next(); ok; _, _, _, ok = ps.Next() {
				if k, _ := ps.KeyStr(); bytes.Contains(k, []byte(".")) {
					top = append(top, string(k))
				}
			}
			require.Equal(t, stayKeys, top, "the ECS keys stay, in order")
			audit := m["privx"].(map[string]any)["audit"].(map[string]any)
			require.Len(t, audit, 4+nStay, "the other keys move")
			for i := range nStay {
				require.EqualValues(t, i, audit[fmt.Sprintf("custom_key%d", i)])
			}
			require.Equal(t, []any{"mine", MarkerTag}, m["tags"])
		})
	}
}

// A moved value nested deeper than keyname names (keyname.MaxDepth): the
// moved pairs land under the namespace as they are, keys and values byte
// for byte, whether they follow one another in the record or not.
func TestNamespaceTooDeepToName(t *testing.T) {
	e := newEnricher(t, defaults())
	deep := append(bytes.Repeat([]byte{0x91}, keyname.MaxDepth+1), 0x01)
	for _, between := range []bool{false, true} {
		t.Run(map[bool]string{false: "one run", true: "gathered"}[between], func(t *testing.T) {
			n := 6
			if between {
				n++
			}
			b := msgp.AppendMapHeader(nil, uint32(n))
			for _, kv := range [][2]string{{"service_name", "AUTH"}, {"event_id", "1000"}, {"event_name", "x"}, {"created", "2026-11-20T08:14:00.773205Z"}} {
				b = msgp.AppendString(b, kv[0])
				b = msgp.AppendString(b, kv[1])
			}
			if between {
				b = msgp.AppendString(b, "message")
				b = msgp.AppendString(b, "stays at the top")
			}
			b = msgp.AppendString(b, "deepValue")
			b = append(b, deep...)
			b = msgp.AppendString(b, "userName")
			b = msgp.AppendString(b, "alice")
			out, r := e.Record(nil, b)
			require.Equal(t, ResultEnriched, r)
			end, err := mp.Skip(out, 0)
			require.NoError(t, err)
			require.Equal(t, len(out), end, "one complete map")
			require.True(t, bytes.Contains(out, append(msgp.AppendString(nil, "deepValue"), deep...)), "the deep pair as it was")
			m := decode(t, out)
			audit := m["privx"].(map[string]any)["audit"].(map[string]any)
			require.Equal(t, "alice", audit["userName"], "keys not renamed")
			require.Equal(t, "AUTH", audit["service_name"])
			require.Len(t, audit, 6)
			if between {
				require.Equal(t, "stays at the top", m["message"])
			}
		})
	}
}
