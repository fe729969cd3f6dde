//go:build linux

package e2e

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/forward/forwardtest"
	"github.com/auditx/auditx/internal/keyname"
	"github.com/auditx/auditx/outputdoor/forward"
)

// oddCase is one hand-built event sent into Fluent Bit's in_forward.
type oddCase struct {
	name string
	body func(b []byte) []byte // appends the body
	// want: "untouched" (body bytes unchanged), "known <code>" or
	// "unknown <code>" (enriched, original pairs kept), or "invalid" (a
	// known vendor's record whose code cannot be one: laid out in the
	// vendor's stream, tagged, original pairs kept, no event.code).
	want string
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
	{"array body", func(b []byte) []byte { return appendArrayIntf(b, int64(1), "two", map[string]any{"event_id": "425"}) }, "untouched"},
	{"string body", func(b []byte) []byte { return msgp.AppendString(b, "just a string") }, "untouched"},
	{"nil body", msgp.AppendNil, "untouched"},
	{"int body", func(b []byte) []byte { return msgp.AppendInt64(b, 425) }, "untouched"},
	{"empty map", func(b []byte) []byte { return msgp.AppendMapHeader(b, 0) }, "untouched"},
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
	}, "untouched"},
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

// appendOddEvent appends [[EventTime(ts), {"e2e_case": name}], body].
func appendOddEvent(b []byte, ts time.Time, name string, body func([]byte) []byte) ([]byte, []byte) {
	b = msgp.AppendArrayHeader(b, 2)
	b = msgp.AppendArrayHeader(b, 2)
	b = forwardtest.AppendEventTime(b, ts)
	b = appendMap(b, "e2e_case", name)
	start := len(b)
	b = body(b)
	return b, b[start:]
}

// TestMalformedAndNonMap feeds hand-built events of odd shapes through the
// real pipeline: a Go Forward client → in_forward (tcp) → auditx →
// in_forward (unix) → out_forward → a tolerant Go receiver. Every event must
// come out once, with its time and metadata, untouched where it cannot be
// enriched, and Fluent Bit must keep running.
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
//     back through the second in_forward and out_forward; the forwardtest
//     receiver refuses such events, so this test uses its own tolerant
//     receiver that keeps each event's bytes.
//   - out_stdout crashes Fluent Bit (SIGSEGV) on a chunk holding a str or
//     nil body followed by a map body: the pipeline here ends with
//     out_forward, which passes them on.
func TestMalformedAndNonMap(t *testing.T) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := startRawReceiver(t)
	inPort := freePort(t)
	sock := dir + "/forward.sock"
	conf := renderConfig(
		service(t, dir),
		sec("INPUT", "Name", "forward", "Listen", "127.0.0.1", "Port", strconv.Itoa(inPort)),
		// data_stream off: a map record without a code would get data_stream
		// (enrich's TestDataStream); here "untouched" means byte for byte.
		auditxOutput("audit.*", "vendor", "auto", "forward_path", sock, "id", "odd", "data_stream", "off"),
		forwardUnixInput(sock),
		sec("OUTPUT", "Name", "forward", "Match", "enriched.*", "Host", "127.0.0.1",
			"Port", strconv.Itoa(rcv.port()), "Retry_Limit", "no_limits"),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	fb.WaitLog(t, fmt.Sprintf("listening on 127.0.0.1:%d", inPort), 10*time.Second)

	client, err := forward.NewClient(forward.Config{
		Network: "tcp", Address: "127.0.0.1:" + strconv.Itoa(inPort),
		RequireAck: true, Timeout: 5 * time.Second, MaxConns: 1,
	})
	require.NoError(t, err)
	t.Cleanup(func() { client.Close() })

	// The lone message: non-map bodies only.
	base := time.Unix(1763626440, 0)
	var lone []byte
	lone, _ = appendOddEvent(lone, base, "lone array", func(b []byte) []byte { return appendArrayIntf(b, "x") })
	lone, _ = appendOddEvent(lone, base, "lone string", func(b []byte) []byte { return msgp.AppendString(b, "x") })
	require.NoError(t, client.Send("audit.lone", lone, 2), "in_forward must acknowledge the lone message")

	// The main message: every case, each with its own time (nanoseconds
	// included) to check that times pass unchanged.
	var batch []byte
	sent := map[string][]byte{}
	times := map[string]time.Time{}
	for i, c := range oddCases {
		ts := base.Add(time.Duration(i+1)*time.Second + time.Duration(i+1)*1001*time.Nanosecond)
		var body []byte
		batch, body = appendOddEvent(batch, ts, c.name, c.body)
		sent[c.name] = append([]byte(nil), body...)
		times[c.name] = ts
	}
	require.NoError(t, client.Send("audit.odd", batch, len(oddCases)), "in_forward must acknowledge the batch")

	rcv.waitFor(t, len(oddCases), 30*time.Second)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	events := rcv.all()
	require.Empty(t, rcv.errors(), "receiver errors")

	got := map[string][]decodedEvent{}
	for _, raw := range events {
		require.Equal(t, "enriched.audit.odd", raw.tag)
		ev, err := decodeRaw(raw.raw)
		require.NoError(t, err, "event % x", raw.raw)
		name, _ := ev.meta["e2e_case"].(string)
		got[name] = append(got[name], ev)
	}
	require.NotContains(t, got, "lone array", "in_forward dropped the non-map-only message before; it now passes: update the comment")
	require.NotContains(t, got, "lone string")
	for _, c := range oddCases {
		t.Run(c.name, func(t *testing.T) {
			evs := got[c.name]
			require.Len(t, evs, 1, "times the event came out")
			ev := evs[0]
			require.True(t, ev.time.Equal(times[c.name]), "time %s, sent %s", ev.time, times[c.name])
			require.Equal(t, map[string]any{"e2e_case": c.name}, ev.meta, "metadata")
			want := sent[c.name]
			if c.want == "untouched" {
				require.Equal(t, want, ev.body, "body bytes")
				return
			}
			kind, code, _ := strings.Cut(c.want, " ")
			orig := decodeMap(t, want)
			out := decodeMap(t, ev.body)
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
	exit := logLine(fb.Log(), "[output:auditx:odd] exit:")
	require.Contains(t, exit, fmt.Sprintf("records=%d ", len(oddCases)), "auditx saw every event of the batch")
	require.Contains(t, exit, "malformed=4 ", "the array, string, nil and int bodies")
	t.Log(exit)
}

func decodeMap(t testing.TB, b []byte) map[string]any {
	t.Helper()
	m, rest, err := msgp.ReadMapStrIntfBytes(b, nil)
	require.NoError(t, err)
	require.Empty(t, rest)
	return m
}

// decodedEvent is one event split into its parts; the body stays raw.
type decodedEvent struct {
	time time.Time
	meta map[string]any
	body []byte
}

// decodeRaw splits [time, body] or [[time, meta], body].
func decodeRaw(raw []byte) (decodedEvent, error) {
	var ev decodedEvent
	n, b, err := msgp.ReadArrayHeaderBytes(raw)
	if err != nil || n != 2 {
		return ev, fmt.Errorf("event: not a 2-array (%v)", err)
	}
	if msgp.NextType(b) == msgp.ArrayType {
		hn, rest, err := msgp.ReadArrayHeaderBytes(b)
		if err != nil || hn != 2 {
			return ev, fmt.Errorf("event header: not a 2-array (%v)", err)
		}
		if ev.time, rest, err = forwardtest.ReadTime(rest); err != nil {
			return ev, err
		}
		if ev.meta, b, err = msgp.ReadMapStrIntfBytes(rest, nil); err != nil {
			return ev, fmt.Errorf("metadata: %w", err)
		}
	} else if ev.time, b, err = forwardtest.ReadTime(b); err != nil {
		return ev, err
	}
	rest, err := msgp.Skip(b)
	if err != nil || len(rest) != 0 {
		return ev, fmt.Errorf("body: %v, %d trailing bytes", err, len(rest))
	}
	ev.body = b
	return ev, nil
}

// rawReceiver is a Forward receiver that, unlike forwardtest, accepts
// events of any shape: it only frames messages and events (msgp.Skip) and
// keeps each event's bytes. It answers {"ack": chunk} when asked.
type rawReceiver struct {
	ln net.Listener
	wg sync.WaitGroup

	mu      sync.Mutex
	events  []rawEvent
	errs    []error
	conns   map[net.Conn]struct{}
	changed chan struct{}
}

type rawEvent struct {
	tag string
	raw []byte
}

func startRawReceiver(t testing.TB) *rawReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &rawReceiver{ln: ln, conns: map[net.Conn]struct{}{}, changed: make(chan struct{})}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		r.mu.Lock()
		for c := range r.conns {
			_ = c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

func (r *rawReceiver) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

func (r *rawReceiver) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		r.conns[c] = struct{}{}
		r.mu.Unlock()
		r.wg.Add(1)
		go r.serve(c)
	}
}

func (r *rawReceiver) serve(c net.Conn) {
	defer r.wg.Done()
	defer func() {
		_ = c.Close()
		r.mu.Lock()
		delete(r.conns, c)
		r.mu.Unlock()
	}()
	var buf []byte
	tmp := make([]byte, 64<<10)
	for {
		for len(buf) > 0 {
			rest, err := msgp.Skip(buf)
			if errors.Is(err, msgp.ErrShortBytes) {
				break
			}
			if err != nil {
				r.fail(fmt.Errorf("message: %w", err))
				return
			}
			chunk, err := r.ingest(buf[:len(buf)-len(rest)])
			if err != nil {
				r.fail(err)
				return
			}
			if chunk != "" {
				ack := msgp.AppendMapHeader(nil, 1)
				ack = msgp.AppendString(ack, "ack")
				ack = msgp.AppendString(ack, chunk)
				_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
				if _, err := c.Write(ack); err != nil {
					return
				}
			}
			buf = append(buf[:0], rest...)
		}
		n, err := c.Read(tmp)
		if err != nil {
			return
		}
		buf = append(buf, tmp[:n]...)
	}
}

func (r *rawReceiver) fail(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

// ingest frames one message: [tag, entries|payload|time, (record,) options?].
func (r *rawReceiver) ingest(msg []byte) (chunk string, err error) {
	n, b, err := msgp.ReadArrayHeaderBytes(msg)
	if err != nil || n < 2 {
		return "", fmt.Errorf("message: not an array of 2 or more (%v)", err)
	}
	tag, b, err := msgp.ReadStringBytes(b)
	if err != nil {
		return "", fmt.Errorf("tag: %w", err)
	}
	var events [][]byte
	var payload []byte
	switch msgp.NextType(b) {
	case msgp.ArrayType: // Forward mode
		m, rest, err := msgp.ReadArrayHeaderBytes(b)
		if err != nil {
			return "", err
		}
		for range m {
			next, err := msgp.Skip(rest)
			if err != nil {
				return "", fmt.Errorf("forward entry: %w", err)
			}
			events = append(events, rest[:len(rest)-len(next)])
			rest = next
		}
		b, n = rest, n-2
	case msgp.BinType, msgp.StrType: // PackedForward
		var p []byte
		if msgp.NextType(b) == msgp.BinType {
			p, b, err = msgp.ReadBytesZC(b)
		} else {
			p, b, err = msgp.ReadStringZC(b)
		}
		if err != nil {
			return "", err
		}
		payload, n = p, n-2
	default: // Message mode: time, record
		rest, err := msgp.Skip(b)
		if err == nil {
			rest, err = msgp.Skip(rest)
		}
		if err != nil || n < 3 {
			return "", fmt.Errorf("message mode: %v", err)
		}
		ev := msgp.AppendArrayHeader(nil, 2)
		events = append(events, append(ev, b[:len(b)-len(rest)]...))
		b, n = rest, n-3
	}
	var opts map[string]any
	if n > 0 && msgp.NextType(b) == msgp.MapType {
		if opts, _, err = msgp.ReadMapStrIntfBytes(b, nil); err != nil {
			return "", fmt.Errorf("options: %w", err)
		}
	}
	if payload != nil {
		if opts["compressed"] == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(payload))
			if err != nil {
				return "", err
			}
			if payload, err = io.ReadAll(zr); err != nil {
				return "", err
			}
		}
		for len(payload) > 0 {
			next, err := msgp.Skip(payload)
			if err != nil {
				return "", fmt.Errorf("packed event: %w", err)
			}
			events = append(events, payload[:len(payload)-len(next)])
			payload = next
		}
	}
	r.mu.Lock()
	for _, e := range events {
		r.events = append(r.events, rawEvent{tag: tag, raw: append([]byte(nil), e...)})
	}
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	chunk, _ = opts["chunk"].(string)
	return chunk, nil
}

func (r *rawReceiver) all() []rawEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rawEvent(nil), r.events...)
}

func (r *rawReceiver) errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// waitFor waits until n events arrived; it fails the test after timeout.
func (r *rawReceiver) waitFor(t testing.TB, n int, timeout time.Duration) []rawEvent {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		got, changed := len(r.events), r.changed
		r.mu.Unlock()
		if got >= n {
			return r.all()
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("raw receiver: %d events after %s, want %d (errors: %v)", got, timeout, n, r.errors())
		}
	}
}
