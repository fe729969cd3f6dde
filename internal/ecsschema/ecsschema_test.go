package ecsschema

import (
	"bytes"
	"math"
	"net/netip"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/mp"
	"github.com/auditx/auditx/internal/orderedmp"
	"github.com/auditx/auditx/internal/samples"
)

func TestVersion(t *testing.T) {
	require.Equal(t, "9.5.0-dev", Version)
	require.Contains(t, fieldsTSV, "# ECS version "+Version+",")
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct{ name, typ string }{
		{"@timestamp", "date"},
		{"message", "match_only_text"},
		{"tags", "keyword"},
		{"labels", "object"},
		{"event.dataset", "keyword"},
		{"event.severity", "long"},
		{"event.risk_score_norm", "float"},
		{"ecs.version", "keyword"},
		{"source.ip", "ip"},
		{"source.geo.location", "geo_point"},
		{"log.syslog", "object"},
		{"dns.answers", "object"},
		{"dll.pe.sections", "nested"},
		{"dll.pe.imports", "flattened"},
		{"data_stream.type", "constant_keyword"},
		{"container.cpu.usage", "scaled_float"},
		{"threat.enrichments.indicator.ip", "ip"},
	} {
		typ, ok := Lookup(tc.name)
		require.True(t, ok, tc.name)
		require.Equal(t, tc.typ, typ, tc.name)
		typ, ok = LookupBytes([]byte(tc.name))
		require.True(t, ok)
		require.Equal(t, tc.typ, typ)
		var segs [][]byte
		for s := range strings.SplitSeq(tc.name, ".") {
			segs = append(segs, []byte(s))
		}
		typ, ok = LookupPath(segs...)
		require.True(t, ok)
		require.Equal(t, tc.typ, typ)
	}
	for _, name := range []string{"", "event", "user", "user.group", "Event.dataset", "event.dataset.x", "privx", ".event", "event.", "event..dataset", strings.Repeat("a", 300)} {
		_, ok := Lookup(name)
		require.False(t, ok, name)
	}
	typ, ok := LookupPath([]byte("event.dataset"))
	require.True(t, ok, "a dotted segment")
	require.Equal(t, "keyword", typ)
	_, ok = LookupPath(bytes.Repeat([]byte("a"), 200), bytes.Repeat([]byte("b"), 200))
	require.False(t, ok)
	_, ok = LookupPath()
	require.False(t, ok)

	// Every line of fields.tsv is found, with its type; no name is longer
	// than MaxPath.
	n := 0
	for line := range strings.Lines(fieldsTSV) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, typ, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		got, ok := Lookup(name)
		require.True(t, ok, name)
		require.Equal(t, typ, got, name)
		require.LessOrEqual(t, len(name), MaxPath)
		n++
	}
	require.Equal(t, 2612, n)

	require.Zero(t, testing.AllocsPerRun(100, func() {
		if _, ok := LookupPath([]byte("event"), []byte("dataset")); !ok {
			panic("event.dataset")
		}
		if _, ok := LookupBytes([]byte("source.ip")); !ok {
			panic("source.ip")
		}
	}))
}

func TestIsTopLevel(t *testing.T) {
	var tops []string
	for name := range index {
		if !strings.Contains(name, ".") {
			tops = append(tops, name)
		}
	}
	sort.Strings(tops)
	require.Equal(t, []string{"@timestamp", "agent", "client", "cloud", "container", "data_stream", "destination", "device", "dll", "dns", "ecs", "email", "entity", "error", "event", "faas", "file", "gen_ai", "group", "host", "http", "labels", "log", "message", "network", "observer", "orchestrator", "organization", "package", "process", "registry", "related", "rule", "server", "service", "source", "span", "tags", "threat", "tls", "trace", "transaction", "url", "user", "user_agent", "volume", "vulnerability"}, tops)
	for _, name := range tops {
		require.True(t, IsTopLevel([]byte(name)), name)
	}
	for _, name := range []string{"", "Event", "event.dataset", "privx", "time", "created", "level", "details", "timestamp", "@Timestamp", "message ", strings.Repeat("a", 300)} {
		require.False(t, IsTopLevel([]byte(name)), name)
	}
}

// topLevelKey is a top-level key of the bundled samples and whether its
// value is ECS there (the same in every record of the vendor that has it).
type topLevelKey struct {
	vendor, key string
	isECS       bool
}

// sampleTopLevel lists every top-level key of the bundled samples. Of them
// only PlusAuth's string message is ECS; PrivX's object message, Netop's
// string source and FilingBox's string user are ECS names with values of
// another type.
var sampleTopLevel = []topLevelKey{
	{"filingbox", "Client IP", false},
	{"filingbox", "Code", false},
	{"filingbox", "Date", false},
	{"filingbox", "Event description", false},
	{"filingbox", "Event name", false},
	{"filingbox", "Type", false},
	{"filingbox", "User", false},
	{"filingbox", "client_ip", false},
	{"filingbox", "code", false},
	{"filingbox", "date", false},
	{"filingbox", "event_description", false},
	{"filingbox", "event_name", false},
	{"filingbox", "type", false},
	{"filingbox", "user", false}, // a string: ECS user is a field set
	{"netop", "accountId", false},
	{"netop", "account_id", false},
	{"netop", "action", false},
	{"netop", "actionDate", false},
	{"netop", "actionTimestamp", false},
	{"netop", "action_date", false},
	{"netop", "action_timestamp", false},
	{"netop", "data", false},
	{"netop", "entityId", false},
	{"netop", "entityName", false},
	{"netop", "entityType", false},
	{"netop", "entity_id", false},
	{"netop", "entity_name", false},
	{"netop", "entity_type", false},
	{"netop", "environment", false},
	{"netop", "resultCode", false},
	{"netop", "result_code", false},
	{"netop", "session", false},
	{"netop", "source", false}, // a string: ECS source is a field set
	{"netop", "userId", false},
	{"netop", "userName", false},
	{"netop", "user_id", false},
	{"netop", "user_name", false},
	{"plusauth", "client_address", false},
	{"plusauth", "details", false},
	{"plusauth", "event_type", false},
	{"plusauth", "level", false},
	{"plusauth", "message", true}, // a string: ECS message
	{"plusauth", "request_id", false},
	{"plusauth", "time", false},
	{"plusauth", "user_id", false},
	{"privx", "created", false},
	{"privx", "event_id", false},
	{"privx", "event_name", false},
	{"privx", "message", false}, // an object: ECS message is text
	{"privx", "service_id", false},
	{"privx", "service_name", false},
}

func TestSampleTopLevelKeys(t *testing.T) {
	want := map[[2]string]bool{}
	for _, k := range sampleTopLevel {
		want[[2]string{k.vendor, k.key}] = k.isECS
	}
	seen := map[[2]string]bool{}
	for _, v := range samples.Vendors {
		lines, err := samples.Lines(v)
		require.NoError(t, err)
		for i, l := range lines {
			src, err := orderedmp.FromJSON(l)
			require.NoError(t, err)
			n, next, ok := mp.MapHeader(src, 0)
			require.True(t, ok)
			for range n {
				s, e, ok := mp.Str(src, next)
				require.True(t, ok)
				key := string(src[s:e])
				isECS, listed := want[[2]string{v, key}]
				require.True(t, listed, "%s:%d: top-level key %q is not in the table", v, i+1, key)
				require.Equal(t, isECS, ValueIsECS(src[s:e], src, e), "%s:%d: %q", v, i+1, key)
				seen[[2]string{v, key}] = true
				next, err = mp.Skip(src, e)
				require.NoError(t, err)
			}
		}
	}
	for k := range want {
		require.True(t, seen[k], "%v is in the table, not in the samples", k)
	}
}

func TestValueIsECS(t *testing.T) {
	for _, tc := range []struct {
		name, key, value string // the value as JSON
		want             bool
	}{
		// The cases of docs/layout.md.
		{"string message", "message", `"User not found"`, true},
		{"object message", "message", `{"severity":"6","userID":"x"}`, false},
		{"string source", "source", `"HOST"`, false},
		{"string user", "user", `"kim.jisoo"`, false},
		{"tags of strings", "tags", `["a","b"]`, true},
		{"tags string", "tags", `"a"`, true},
		{"tags with a number", "tags", `["a",1]`, false},
		{"event dataset and kind", "event", `{"dataset":"privx.audit","kind":"event"}`, true},
		{"event unknown key", "event", `{"dataset":"privx.audit","vendor_code":"1"}`, false},
		{"event key case", "event", `{"Dataset":"privx.audit"}`, false},
		{"@timestamp string", "@timestamp", `"2026-11-20T08:14:00.268Z"`, true},
		// Paths: dotted keys at the top and inside maps.
		{"literal dotted key", "event.dataset", `"privx.audit"`, true},
		{"literal dotted key, wrong type", "event.dataset", `{"x":1}`, false},
		{"dotted key inside", "user", `{"group.name":"admins","name":"a"}`, true},
		{"dotted key inside, not ECS", "event", `{"dataset.x":"a"}`, false},
		{"deeper", "source", `{"geo":{"location":{"lat":60.17,"lon":24.94},"city_name":"Helsinki"},"ip":"10.0.0.1","port":22}`, true},
		{"empty key inside", "event", `{"":"a"}`, false},
		{"field set with a scalar", "event", `"x"`, false},
		{"leaf with a map", "ecs", `{"version":{"x":"9.5.0"}}`, false},
		{"unknown top", "privx", `{"audit":1}`, false},
		{"unknown top nil", "privx", `null`, false},
		{"unknown top empty array", "privx", `[]`, false},
		// nil and arrays.
		{"nil leaf", "message", `null`, true},
		{"nil field set", "event", `null`, true},
		{"nil inside", "user", `{"name":null}`, true},
		{"empty array", "tags", `[]`, true},
		{"array of messages", "message", `["a","b"]`, true},
		{"nested arrays", "tags", `[["a"],["b",null]]`, true},
		{"array of maps at a field set", "user", `[{"name":"a"},{"id":"b"}]`, true},
		{"empty map", "event", `{}`, true},
		// Numbers.
		{"long", "event", `{"severity":6}`, true},
		{"long negative", "event", `{"severity":-6}`, true},
		{"long from a whole float", "event", `{"severity":6.0}`, true},
		{"long from a fraction", "event", `{"severity":6.5}`, false},
		{"long from a string", "event", `{"severity":"6"}`, false},
		{"long from uint64 > int64", "event", `{"severity":18446744073709551615}`, false},
		{"long from a bool", "event", `{"severity":true}`, false},
		{"float", "event", `{"risk_score":21.5}`, true},
		{"float from an int", "event", `{"risk_score":21}`, true},
		{"float too large", "event", `{"risk_score":1e300}`, false},
		{"float from a string", "event", `{"risk_score":"21"}`, false},
		{"integer", "gen_ai", `{"request":{"max_tokens":2147483647}}`, true},
		{"integer overflow", "gen_ai", `{"request":{"max_tokens":2147483648}}`, false},
		{"double", "gen_ai", `{"request":{"temperature":1e300}}`, true},
		{"scaled_float", "host", `{"cpu":{"usage":0.5}}`, true},
		{"boolean", "cloud", `{"entity":{"attributes":{"managed":true}}}`, true},
		{"boolean from a string", "cloud", `{"entity":{"attributes":{"managed":"true"}}}`, false},
		{"constant_keyword", "data_stream", `{"type":"logs","dataset":"privx.audit","namespace":"default"}`, true},
		{"wildcard", "error", `{"stack_trace":"x","message":"y"}`, true},
		// Dates.
		{"date int", "@timestamp", `1763626443268`, true},
		{"date negative int", "@timestamp", `-1`, true},
		{"date float", "@timestamp", `1763626443.268`, false},
		{"date millis string", "@timestamp", `"1763626443268"`, true},
		{"date millis fraction", "@timestamp", `"1763626443268.5"`, true},
		{"date year", "@timestamp", `"2026"`, true},
		{"date day", "@timestamp", `"2026-11-20"`, true},
		{"date no zone", "@timestamp", `"2026-11-20T08:14:00"`, true},
		{"date hour only", "@timestamp", `"2026-11-20T08"`, true},
		{"date offset", "@timestamp", `"2026-11-20T08:14:00.773205+09:00"`, true},
		{"date offset no colon", "@timestamp", `"2026-11-20T08:14:00+0900"`, true},
		{"date offset hours", "@timestamp", `"2026-11-20T08:14:00-05"`, true},
		{"date comma fraction", "@timestamp", `"2026-11-20T08:14:00,5Z"`, true},
		{"date space", "@timestamp", `"2026-11-20 08:14:00"`, false},
		{"date words", "@timestamp", `"yesterday"`, false},
		{"date Feb 30", "@timestamp", `"2026-02-30T00:00:00Z"`, false},
		{"date leap second", "@timestamp", `"2026-12-31T23:59:60Z"`, false},
		{"date 10 fraction digits", "@timestamp", `"2026-11-20T08:14:00.1234567890Z"`, false},
		{"date lower t", "@timestamp", `"2026-11-20t08:14:00Z"`, false},
		{"date T only", "@timestamp", `"2026-11-20T"`, false},
		{"date trailing", "@timestamp", `"2026-11-20T08:14:00Zx"`, false},
		{"date bad zone", "@timestamp", `"2026-11-20T08:14:00+24:00"`, false},
		{"date map", "@timestamp", `{"x":1}`, false},
		// IPs.
		{"ipv4", "source", `{"ip":"10.20.4.33"}`, true},
		{"ipv6", "source", `{"ip":"2001:db8::1"}`, true},
		{"ipv4 bad octet", "source", `{"ip":"10.20.4.256"}`, false},
		{"ipv4 leading zero", "source", `{"ip":"10.020.4.33"}`, false},
		{"ipv6 zone", "source", `{"ip":"fe80::1%eth0"}`, false},
		{"ip hostname", "source", `{"ip":"WS-0328"}`, false},
		{"ip array", "related", `{"ip":["10.0.0.1","::1"],"user":["a"]}`, true},
		{"ip array one bad", "related", `{"ip":["10.0.0.1","x"]}`, false},
		// Objects without subfields (labels), flattened, nested, geo_point.
		{"labels", "labels", `{"env":"prod","team":"sec"}`, true},
		{"labels with arrays and nil", "labels", `{"env":["prod","x"],"team":null}`, true},
		{"labels number", "labels", `{"n":1}`, false},
		{"labels dotted key", "labels", `{"a.b":"x"}`, false},
		{"labels empty key", "labels", `{"":"x"}`, false},
		{"labels map value", "labels", `{"a":{"b":"x"}}`, false},
		{"labels a string", "labels", `"x"`, false},
		{"container labels", "container", `{"labels":{"app":"x"},"id":"c1"}`, true},
		{"flattened", "dll", `{"pe":{"imports":[{"name":"kernel32","functions":["a",1,{"x":null}]}]}}`, true},
		{"flattened a string", "dll", `{"pe":{"imports":"kernel32"}}`, false},
		{"nested with subfields", "dll", `{"pe":{"sections":[{"name":".text","entropy":5}]}}`, true},
		{"nested one map", "dll", `{"pe":{"sections":{"name":".text"}}}`, true},
		{"nested unknown subfield", "dll", `{"pe":{"sections":[{"name":".text","x":1}]}}`, false},
		{"nested without subfields", "gen_ai", `{"request":{"stop_sequences":[{"a":"b"}]}}`, true},
		{"nested without subfields, a string", "gen_ai", `{"request":{"stop_sequences":["b"]}}`, false},
		{"object with subfields", "log", `{"syslog":{"facility":{"code":23},"appname":"sshd"}}`, true},
		{"object with subfields, unknown", "log", `{"syslog":{"foo":1}}`, false},
		{"geo_point", "client", `{"geo":{"location":{"lon":24.94,"lat":60.17}}}`, true},
		{"geo_point ints", "client", `{"geo":{"location":{"lat":60,"lon":-24}}}`, true},
		{"geo_point lat out of range", "client", `{"geo":{"location":{"lat":91,"lon":24}}}`, false},
		{"geo_point lon out of range", "client", `{"geo":{"location":{"lat":60,"lon":181}}}`, false},
		{"geo_point string", "client", `{"geo":{"location":"60.17,24.94"}}`, false},
		{"geo_point array form", "client", `{"geo":{"location":[24.94,60.17]}}`, false},
		{"geo_point extra key", "client", `{"geo":{"location":{"lat":1,"lon":2,"z":3}}}`, false},
		{"geo_point lat twice", "client", `{"geo":{"location":{"lat":1,"lat":2}}}`, false},
		{"geo_point array of points", "client", `{"geo":{"location":[{"lat":1,"lon":2}]}}`, true},
		{"threat enrichments", "threat", `{"enrichments":[{"indicator":{"ip":"1.2.3.4","type":"ipv4-addr"},"matched":{"field":"source.ip"}}]}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := append([]byte{0xc0}, orderedmp.MustFromJSON(tc.value)...)
			require.Equal(t, tc.want, ValueIsECS([]byte(tc.key), src, 1))
		})
	}
}

// Values JSON cannot write: bin, non-string keys, ext, NaN, truncation,
// depth.
func TestValueIsECSBytes(t *testing.T) {
	mapOf := func(key string, value []byte) []byte {
		return append(mp.AppendStr([]byte{0x81}, key), value...)
	}
	f64 := func(f float64) []byte {
		b := math.Float64bits(f)
		return []byte{0xcb, byte(b >> 56), byte(b >> 48), byte(b >> 40), byte(b >> 32), byte(b >> 24), byte(b >> 16), byte(b >> 8), byte(b)}
	}
	for _, tc := range []struct {
		name  string
		key   string
		value []byte
		want  bool
	}{
		{"bin message", "message", []byte{0xc4, 0x01, 'x'}, false},
		{"bin key", "event", []byte{0x81, 0xc4, 0x07, 'd', 'a', 't', 'a', 's', 'e', 't', 0xa1, 'x'}, false},
		{"int key", "event", []byte{0x81, 0x01, 0xa1, 'x'}, false},
		{"ext message", "message", []byte{0xd4, 0x01, 0x00}, false},
		{"EventTime @timestamp", "@timestamp", []byte{0xd7, 0x00, 0, 0, 0, 1, 0, 0, 0, 0}, false},
		{"NaN risk score", "event", mapOf("risk_score", f64(math.NaN())), false},
		{"Inf double", "gen_ai", mapOf("request", mapOf("temperature", f64(math.Inf(1)))), false},
		{"float32", "event", mapOf("risk_score", []byte{0xca, 0x41, 0xac, 0, 0}), true},
		{"uint64 long", "event", mapOf("severity", []byte{0xcf, 0, 0, 0, 0, 0, 0, 0, 6}), true},
		{"truncated str", "message", []byte{0xa5, 'a', 'b'}, false},
		{"truncated map", "event", []byte{0x82, 0xa4, 'k', 'i', 'n', 'd', 0xa5, 'e', 'v', 'e', 'n', 't'}, false},
		{"truncated array", "tags", []byte{0x92, 0xa1, 'a'}, false},
		{"malformed", "message", []byte{0xc1}, false},
		{"nothing", "message", nil, false},
		{"array claims too much", "tags", []byte{0xdd, 0xff, 0xff, 0xff, 0xff, 0xa1, 'a'}, false},
		{"labels value truncated", "labels", []byte{0x81, 0xa1, 'a', 0x92, 0xa1, 'x'}, false},
		{"flattened bin key deep", "dll", mapOf("pe", mapOf("imports", []byte{0x81, 0xa1, 'a', 0x81, 0x01, 0x02})), false},
		{"flattened truncated", "dll", mapOf("pe", mapOf("imports", []byte{0x81, 0xa1, 'a', 0x91})), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, ValueIsECS([]byte(tc.key), tc.value, 0))
		})
	}
	// Depth: MaxDepth arrays below the key pass, one more does not.
	deep := func(n int) []byte { return append(bytes.Repeat([]byte{0x91}, n), 0xa1, 'a') }
	require.True(t, ValueIsECS([]byte("tags"), deep(MaxDepth), 0))
	require.False(t, ValueIsECS([]byte("tags"), deep(MaxDepth+1), 0))
	require.False(t, ValueIsECS([]byte("tags"), deep(100000), 0))
	// Offsets and keys out of range.
	require.False(t, ValueIsECS([]byte("message"), []byte{0xa1, 'a'}, -1))
	require.False(t, ValueIsECS([]byte("message"), []byte{0xa1, 'a'}, 2))
	require.False(t, ValueIsECS(nil, []byte{0xa1, 'a'}, 0))
	require.False(t, ValueIsECS(bytes.Repeat([]byte("a"), MaxPath+1), []byte{0xa1, 'a'}, 0))
	long := mapOf(strings.Repeat("x", MaxPath), []byte{0xa1, 'a'})
	require.False(t, ValueIsECS([]byte("event"), long, 0))
}

// The remaining leaf types ECS 9.5 does not use yet (short, byte,
// unsigned_long, half_float) and a type this package does not know.
func TestLeafTypes(t *testing.T) {
	for _, tc := range []struct {
		id    typeID
		value []byte
		want  bool
	}{
		{typeShort, mp.AppendInt(nil, math.MaxInt16), true},
		{typeShort, mp.AppendInt(nil, math.MaxInt16+1), false},
		{typeShort, mp.AppendInt(nil, math.MinInt16), true},
		{typeByte, mp.AppendInt(nil, -128), true},
		{typeByte, mp.AppendInt(nil, 128), false},
		{typeByte, orderedmp.MustFromJSON(`12.0`), true},
		{typeUnsignedLong, mp.AppendUint(nil, math.MaxUint64), true},
		{typeUnsignedLong, mp.AppendInt(nil, 0), true},
		{typeUnsignedLong, mp.AppendInt(nil, -1), false},
		{typeUnsignedLong, orderedmp.MustFromJSON(`1e19`), true},
		{typeUnsignedLong, orderedmp.MustFromJSON(`1e20`), false},
		{typeUnsignedLong, orderedmp.MustFromJSON(`-1.0`), false},
		{typeHalfFloat, orderedmp.MustFromJSON(`65504`), true},
		{typeHalfFloat, orderedmp.MustFromJSON(`65505.0`), false},
		{typeLong, orderedmp.MustFromJSON(`9.3e18`), false},
		{typeOther, orderedmp.MustFromJSON(`"x"`), false},
		{typeOther, orderedmp.MustFromJSON(`1`), false},
	} {
		ok, _ := leaf(tc.id, tc.value, 0)
		require.Equal(t, tc.want, ok, "type %d, % x", tc.id, tc.value)
	}
}

func TestIsIP(t *testing.T) {
	for _, s := range []string{"0.0.0.0", "255.255.255.255", "10.20.4.33", "::", "::1", "1::", "2001:db8::1", "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:10.0.0.1", "1:2:3:4:5:6:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "ABCD:ef01::"} {
		require.True(t, IsIP([]byte(s)), s)
	}
	for _, s := range []string{"", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.1.1.1", "1.1.1.01", "1..1.1", "1.1.1.1.", ".1.1.1.1", "1.1.1.-1", " 1.1.1.1", ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "fe80::1%eth0", "::ffff:1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "g::", "1:", ":1", "1::2:", "::1.2.3.4:5"} {
		require.False(t, IsIP([]byte(s)), s)
	}
}

// FuzzIsIP: IsIP agrees with netip.ParseAddr on every zoneless text.
func FuzzIsIP(f *testing.F) {
	for _, s := range []string{"10.20.4.33", "2001:db8::1", "::ffff:10.0.0.1", "fe80::1%eth0", "1::2::3", "01.1.1.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := netip.ParseAddr(s)
		want := err == nil && a.Zone() == ""
		if got := IsIP([]byte(s)); got != want {
			t.Fatalf("IsIP(%q) = %v, netip: %v %v", s, got, a, err)
		}
	})
}

// FuzzValueIsECS: any key, any bytes, any offset: no panic, and the answer
// does not depend on bytes before the offset or after the value.
func FuzzValueIsECS(f *testing.F) {
	for _, k := range sampleTopLevel {
		f.Add([]byte(k.key), []byte{0xa1, 'x'})
	}
	f.Add([]byte("event"), orderedmp.MustFromJSON(`{"dataset":"a","kind":"event","severity":6}`))
	f.Add([]byte("source"), orderedmp.MustFromJSON(`{"ip":"10.0.0.1","geo":{"location":{"lat":1,"lon":2}}}`))
	f.Add([]byte("labels"), orderedmp.MustFromJSON(`{"a":["b",null]}`))
	f.Add([]byte("dll"), orderedmp.MustFromJSON(`{"pe":{"imports":[{"a":1}],"sections":[{"name":"x"}]}}`))
	f.Add([]byte("@timestamp"), orderedmp.MustFromJSON(`"2026-11-20T08:14:00.268+09:00"`))
	f.Fuzz(func(t *testing.T, key, src []byte) {
		if len(src) > 64<<10 {
			return
		}
		got := ValueIsECS(key, src, 0)
		if !got {
			return
		}
		end, err := mp.Skip(src, 0)
		if err != nil {
			t.Fatalf("ECS but not msgpack: %v", err)
		}
		framed := append(append([]byte{0xc3}, src[:end]...), 0xc1)
		if !ValueIsECS(key, framed, 1) {
			t.Fatalf("the answer depends on the bytes around the value")
		}
	})
}

func TestValueIsECSNoAlloc(t *testing.T) {
	ev := orderedmp.MustFromJSON(`{"dataset":"privx.audit","kind":"event","severity":6,"created":"2026-11-20T08:14:00Z"}`)
	src := orderedmp.MustFromJSON(`{"ip":"2001:db8::1","geo":{"location":{"lat":1,"lon":2}}}`)
	require.Zero(t, testing.AllocsPerRun(100, func() {
		if !ValueIsECS([]byte("event"), ev, 0) || !ValueIsECS([]byte("source"), src, 0) || !IsTopLevel([]byte("user")) {
			panic("not ECS")
		}
	}))
}

func BenchmarkValueIsECS(b *testing.B) {
	for _, tc := range []struct{ name, key, value string }{
		{"message_string", "message", `"An IP address is blocked because it attempted too many failed logins without a successful login."`},
		{"message_object", "message", `{"severity":"Info(6)","userID":"2c43dd58-5d1c-4c5e-8a6e-7103dfde9e8a","username":"alice.moreau"}`},
		{"source_string", "source", `"HOST"`},
		{"not_ecs_key", "action_timestamp", `1763626443`},
		{"event_map", "event", `{"dataset":"privx.audit","kind":"event","category":["iam"],"type":["change"],"severity":6,"created":"2026-11-20T08:14:00.773205Z"}`},
		{"source_map", "source", `{"ip":"2001:db8::1","port":22,"geo":{"location":{"lat":60.17,"lon":24.94},"city_name":"Helsinki"}}`},
		{"timestamp", "@timestamp", `"2026-11-20T08:14:00.773205Z"`},
	} {
		key, src := []byte(tc.key), orderedmp.MustFromJSON(tc.value)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				ValueIsECS(key, src, 0)
			}
		})
	}
}

func BenchmarkLookup(b *testing.B) {
	name := []byte("threat.enrichments.indicator.file.pe.sections.name")
	segs := [][]byte{[]byte("event"), []byte("dataset")}
	b.Run("bytes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			LookupBytes(name)
		}
	})
	b.Run("path", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			LookupPath(segs...)
		}
	})
	b.Run("is_top_level", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			IsTopLevel(segs[0])
		}
	})
}

// Every path of the index passes ValueIsECS's first test, topNamed, and a
// name that is no top-level one fails it.
func TestTopNamed(t *testing.T) {
	for name := range index {
		require.True(t, topNamed([]byte(name)), name)
	}
	for _, name := range []string{"", "eventx", "Event", "event_id", "service_name", "x.event", ".event", "vulnerabilityx.id"} {
		require.False(t, topNamed([]byte(name)), name)
	}
}
