//go:build linux

package e2e

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/internal/eventtest"
	"github.com/auditx/auditx/internal/forwardtest"
	"github.com/auditx/auditx/internal/keyname"
	"github.com/auditx/auditx/outputdoor/forward"
)

// oddCase is one hand-built event sent into Fluent Bit's in_forward.
type oddCase struct {
	name string
	body func(b []byte) []byte // appends the body
	// want: "untouched <counter>" (body bytes unchanged, counted as
	// records_<counter>), "known <code>" or "unknown <code>" (enriched,
	// original pairs kept), or "invalid" (a known vendor's record whose code
	// cannot be one: laid out in the vendor's stream, tagged, original pairs
	// kept, no event.code).
	want string
}

// oddCounters is what auditx's counters must say after oddCases: the
// records_<name>_total counter for each outcome, by name.
func oddCounters() map[string]int {
	n := map[string]int{}
	for _, c := range oddCases {
		kind, rest, _ := strings.Cut(c.want, " ")
		switch kind {
		case "untouched":
			n[rest]++
		case "known":
			n["enriched"]++
		case "unknown":
			n["unknown_code"]++
		case "invalid":
			n["invalid_code"]++
		}
	}
	return n
}

func appendMap(b []byte, kv ...any) []byte {
	b = msgp.AppendMapHeader(b, uint32(len(kv)/2))
	for _, v := range kv {
		var err error
		if b, err = msgp.AppendIntf(b, v); err != nil {
			panic(err)
		}
	}
	return b
}

// rawStr appends s as a msgpack str without any UTF-8 check.
func rawStr(b []byte, s string) []byte { return msgp.AppendString(b, s) }

var oddCases = []oddCase{
	// A map first: see the test's comment.
	{"control", func(b []byte) []byte {
		return appendMap(b, "event_id", "425", "event_name", "ok", "service_name", "ROLE-STORE")
	}, "known 425"},
	{"array body", func(b []byte) []byte { return appendArrayIntf(b, int64(1), "two", map[string]any{"event_id": "425"}) }, "untouched malformed"},
	{"string body", func(b []byte) []byte { return msgp.AppendString(b, "just a string") }, "untouched malformed"},
	{"nil body", msgp.AppendNil, "untouched malformed"},
	{"int body", func(b []byte) []byte { return msgp.AppendInt64(b, 425) }, "untouched malformed"},
	{"empty map", func(b []byte) []byte { return msgp.AppendMapHeader(b, 0) }, "untouched no_code"},
	{"code is a map", func(b []byte) []byte {
		return appendMap(b, "event_id", map[string]any{"nested": "425"}, "event_name", "nested")
	}, "invalid"},
	{"code is an array", func(b []byte) []byte { return appendMap(b, "event_type", []any{"4001"}) }, "invalid"},
	{"code is a bool", func(b []byte) []byte { return appendMap(b, "event_type", true) }, "invalid"},
	{"code is nil", func(b []byte) []byte { return appendMap(b, "event_type", nil) }, "invalid"},
	{"code beyond int64", func(b []byte) []byte { return appendMap(b, "event_type", uint64(math.MaxUint64)) }, "invalid"},
	{"code max int64", func(b []byte) []byte { return appendMap(b, "event_type", int64(math.MaxInt64)) }, "unknown 9223372036854775807"},
	{"negative code", func(b []byte) []byte { return appendMap(b, "event_type", int64(-4001)) }, "invalid"},
	{"fractional float code", func(b []byte) []byte { return appendMap(b, "event_type", 4001.5) }, "invalid"},
	{"huge float code", func(b []byte) []byte { return appendMap(b, "event_type", 1e300) }, "invalid"},
	{"integral float64 code", func(b []byte) []byte { return appendMap(b, "event_type", float64(4001)) }, "known 4001"},
	{"integral float32 code", func(b []byte) []byte { return appendMap(b, "event_type", float32(4001)) }, "known 4001"},
	{"code too long", func(b []byte) []byte { return appendMap(b, "event_type", strings.Repeat("9", 2000)) }, "invalid"},
	{"invalid UTF-8 around a known code", func(b []byte) []byte {
		b = msgp.AppendMapHeader(b, 4)
		b = rawStr(b, "event_id")
		b = rawStr(b, "425")
		b = rawStr(b, "event_name")
		b = rawStr(b, "bad \xff\xfe name")
		b = rawStr(b, "k\xc3\x28ey")
		b = rawStr(b, "v\x80alue")
		b = rawStr(b, "service_name")
		return rawStr(b, "\xed\xa0\x80") // a UTF-16 surrogate, invalid in UTF-8
	}, "known 425"},
	{"invalid UTF-8 code", func(b []byte) []byte {
		b = msgp.AppendMapHeader(b, 2)
		b = rawStr(b, "event_id")
		b = rawStr(b, "4\xff25")
		b = rawStr(b, "event_name")
		return rawStr(b, "x")
	}, "unknown 4\xff25"},
	{"already enriched", func(b []byte) []byte {
		return appendMap(b, "event_id", "425", "event_name", "x", "tags", []any{"auditx"})
	}, "untouched already_enriched"},
}

func appendArrayIntf(b []byte, vs ...any) []byte {
	b = msgp.AppendArrayHeader(b, uint32(len(vs)))
	for _, v := range vs {
		var err error
		if b, err = msgp.AppendIntf(b, v); err != nil {
			panic(err)
		}
	}
	return b
}

// appendOddEvent appends [[EventTime(ts), {"e2e_case": name}], body] and
// returns the body's bytes too.
func appendOddEvent(b []byte, ts time.Time, name string, body func([]byte) []byte) ([]byte, []byte) {
	bb := body(nil)
	return append(b, eventtest.V2(uint32(ts.Unix()), uint32(ts.Nanosecond()), appendMap(nil, "e2e_case", name), bb)...), bb
}

// TestMalformedAndNonMap feeds hand-built events of odd shapes through the
// real pipeline's output door: a Go Forward client → in_forward (tcp) →
// [OUTPUT] auditx → in_forward (unix) → out_forward → the forwardtest
// receiver (AnyBody: it keeps bodies that are not maps). Every event must
// come out once, with its time and metadata, untouched where it cannot be
// enriched, and Fluent Bit must keep running. TestFilterMalformedAndNonMap
// sends the same events through the filter door.
//
// What Fluent Bit v5.1.1 itself does, found by running it (not auditx's
// doing, but it decides what auditx can ever see):
//   - in_forward acknowledges a PackedForward message whatever its bodies
//     are (arrays, strings, nil, integers) and appends its bytes unchanged,
//     so non-map bodies DO reach auditx, which passes them on untouched and
//     counts them as malformed.
//   - But in_forward seems to count a message's records only up to the first
//     event whose body is not a map, and a chunk counted at 0 records is
//     never flushed: a message of non-map bodies only (the "lone" message,
//     sent under its own tag so that it gets its own chunk) is acknowledged
//     and then silently lost, and so would be a message that starts with
//     one. The batch therefore starts with a map event; the non-map events
//     after it travel with it.
//   - in_forward keeps map keys that are not strings, and non-map bodies go
//     back through the second in_forward and out_forward; the receiver
//     therefore runs with forwardtest.Options.AnyBody.
//   - out_stdout crashes Fluent Bit (SIGSEGV) on a chunk holding a str or
//     nil body followed by a map body: the pipeline here ends with
//     out_forward, which passes them on.
func TestMalformedAndNonMap(t *testing.T) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := anyBodyReceiver(t)
	inPort := freePort(t)
	metrics := "127.0.0.1:" + strconv.Itoa(freePort(t))
	sock := dir + "/forward.sock"
	conf := renderConfig(
		service(t, dir),
		sec("INPUT", "Name", "forward", "Listen", "127.0.0.1", "Port", strconv.Itoa(inPort)),
		// data_stream off: a map record without a code would get data_stream
		// (enrich's TestDataStream); here "untouched" means byte for byte.
		auditxOutput("audit.*", "vendor", "auto", "forward_path", sock, "id", "odd", "data_stream", "off", "metrics_listen", metrics),
		forwardUnixInput(sock),
		forwardOutputTo("enriched.*", rcv),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	fb.WaitLog(t, fmt.Sprintf("listening on 127.0.0.1:%d", inPort), 10*time.Second)
	sent := sendOddEvents(t, inPort)

	rcv.WaitFor(t, len(oddCases), 30*time.Second)
	fb.RequireHealthy(t)
	m := waitMetric(t, fb, metrics, "auditx_emitted_records_total", float64(len(oddCases)), 10*time.Second)
	fb.StopClean(t)
	requireOddOutput(t, rcv, sent, "enriched.audit.odd")
	require.Equal(t, float64(len(oddCases)), m["auditx_records_total"], "auditx saw every event of the batch")
	want := oddCounters()
	for _, k := range []string{"enriched", "unknown_code", "no_code", "invalid_code", "malformed", "already_enriched"} {
		name := "auditx_records_" + k + "_total"
		require.Equal(t, float64(want[k]), m[name], name)
	}
	t.Log(logLine(fb.Log(), "[output:auditx:odd] exit:"))
}

// TestFilterMalformedAndNonMap sends TestMalformedAndNonMap's events
// through the filter door: a Go Forward client → in_forward (tcp) →
// [FILTER] auditx → out_forward → the forwardtest receiver. Each event
// comes out once under its own tag, as the output door leaves it (untouched
// bytes, or enriched or tagged), and Fluent Bit's metrics endpoint shows
// the filter's counters for each outcome.
func TestFilterMalformedAndNonMap(t *testing.T) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := anyBodyReceiver(t)
	inPort := freePort(t)
	svc, base := metricsService(t, dir)
	conf := renderConfig(
		svc,
		sec("INPUT", "Name", "forward", "Listen", "127.0.0.1", "Port", strconv.Itoa(inPort)),
		auditxFilter("audit.*", "vendor", "auto", "data_stream", "off"),
		forwardOutputTo("audit.*", rcv),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf, Doors: filterDoor})
	fb.WaitLog(t, fmt.Sprintf("listening on 127.0.0.1:%d", inPort), 10*time.Second)
	sent := sendOddEvents(t, inPort)

	rcv.WaitFor(t, len(oddCases), 30*time.Second)
	fb.RequireHealthy(t)
	want := oddCounters()
	m := waitFBMetric(t, fb, base, "fluentbit_filter_auditx_records_enriched_total", float64(want["enriched"]), 10*time.Second)
	fb.StopClean(t)
	requireOddOutput(t, rcv, sent, "audit.odd")
	// The filter runs on in_forward's append, before the chunk counting
	// that loses the lone message (see TestMalformedAndNonMap): it sees, and
	// counts as malformed, the lone message's two bodies too.
	want["malformed"] += 2
	for _, k := range []string{"enriched", "unknown_code", "no_code", "invalid_code", "malformed", "already_enriched"} {
		name := "fluentbit_filter_auditx_records_" + k + "_total"
		require.Equal(t, float64(want[k]), m[name], name)
	}
	require.Zero(t, m["fluentbit_filter_drop_records_total"], "the filter drops no records")
	require.Zero(t, m["fluentbit_filter_add_records_total"], "the filter adds no records")
}

// anyBodyReceiver is receiver keeping events whose body is not a map.
func anyBodyReceiver(t testing.TB) *forwardtest.Server {
	t.Helper()
	return forwardtest.Start(t, forwardtest.Options{Network: "tcp", Address: "127.0.0.1:0", AnyBody: true})
}

// oddSent is what sendOddEvents sent, by case name.
type oddSent struct {
	body map[string][]byte
	time map[string]time.Time
}

// sendOddEvents sends the lone message (non-map bodies only, tag
// audit.lone) and then every oddCase in one message (tag audit.odd) to
// in_forward on port, each acknowledged.
func sendOddEvents(t testing.TB, port int) oddSent {
	t.Helper()
	client, err := forward.NewClient(forward.Config{
		Network: "tcp", Address: "127.0.0.1:" + strconv.Itoa(port),
		RequireAck: true, Timeout: 5 * time.Second, MaxConns: 1,
	})
	require.NoError(t, err)
	defer client.Close()

	// The lone message: non-map bodies only.
	base := time.Unix(1763626440, 0)
	var lone []byte
	lone, _ = appendOddEvent(lone, base, "lone array", func(b []byte) []byte { return appendArrayIntf(b, "x") })
	lone, _ = appendOddEvent(lone, base, "lone string", func(b []byte) []byte { return msgp.AppendString(b, "x") })
	require.NoError(t, client.Send("audit.lone", lone, 2), "in_forward must acknowledge the lone message")

	// The main message: every case, each with its own time (nanoseconds
	// included) to check that times pass unchanged.
	var batch []byte
	sent := oddSent{body: map[string][]byte{}, time: map[string]time.Time{}}
	for i, c := range oddCases {
		ts := base.Add(time.Duration(i+1)*time.Second + time.Duration(i+1)*1001*time.Nanosecond)
		var body []byte
		batch, body = appendOddEvent(batch, ts, c.name, c.body)
		sent.body[c.name] = append([]byte(nil), body...)
		sent.time[c.name] = ts
	}
	require.NoError(t, client.Send("audit.odd", batch, len(oddCases)), "in_forward must acknowledge the batch")
	return sent
}

// requireOddOutput checks what rcv received: every oddCase once under tag,
// with its time and metadata, its body as the case's want says; nothing of
// the lone message.
func requireOddOutput(t *testing.T, rcv *forwardtest.Server, sent oddSent, tag string) {
	t.Helper()
	events := rcv.Events()
	require.Empty(t, rcv.Errors(), "receiver errors")
	got := map[string][]forwardtest.Event{}
	for _, ev := range events {
		require.Equal(t, tag, ev.Tag)
		name, _ := ev.Meta["e2e_case"].(string)
		got[name] = append(got[name], ev)
	}
	require.NotContains(t, got, "lone array", "in_forward dropped the non-map-only message before; it now passes: update the comment")
	require.NotContains(t, got, "lone string")
	for _, c := range oddCases {
		t.Run(c.name, func(t *testing.T) {
			evs := got[c.name]
			require.Len(t, evs, 1, "times the event came out")
			ev := evs[0]
			require.True(t, ev.Time.Equal(sent.time[c.name]), "time %s, sent %s", ev.Time, sent.time[c.name])
			require.Equal(t, map[string]any{"e2e_case": c.name}, ev.Meta, "metadata")
			want := sent.body[c.name]
			kind, code, _ := strings.Cut(c.want, " ")
			if kind == "untouched" {
				require.Equal(t, want, ev.RawBody, "body bytes")
				return
			}
			orig := decodeMap(t, want)
			out := decodeMap(t, ev.RawBody)
			for k, v := range orig {
				// At the top (an ECS key) or moved under <vendor>.audit
				// with its ECS-style name.
				got, ok := out[k]
				if !ok {
					got, ok = recordField(out, string(keyname.Append(nil, []byte(k))))
				}
				require.True(t, ok, "original pair %q kept", k)
				require.Equal(t, v, got, "original pair %q", k)
			}
			if kind == "invalid" {
				require.True(t, hasTag(out, "auditx_invalid_code"), "invalid-code tag")
				_, hasCode := field(out, "event.code")
				require.False(t, hasCode, "no event.code")
				return
			}
			require.Equal(t, code, mustField(t, out, "event.code", c.name))
			require.Contains(t, tagsOf(out), "auditx")
			require.Equal(t, kind == "unknown", hasTag(out, "auditx_unknown_code"), "unknown-code tag")
			if kind == "known" {
				require.NotEmpty(t, mustField(t, out, "event.action", c.name))
			}
		})
	}
	require.Len(t, events, len(oddCases), "events out (each case once)")
}

func decodeMap(t testing.TB, b []byte) map[string]any {
	t.Helper()
	m, rest, err := msgp.ReadMapStrIntfBytes(b, nil)
	require.NoError(t, err)
	require.Empty(t, rest)
	return m
}
