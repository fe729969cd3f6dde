package enrich

import (
	"bytes"
	"fmt"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/mp"
)

func TestRecordVendorsAndCodes(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		in      string
		result  Result
		module  string
		code    string
		action  string
		outcome string
		sev     any
	}{
		{"filingbox string code", Options{}, `{"Type":"info","Code":"054"}`, ResultEnriched, "filingbox", "054", "Server Login (Succeeded)", "success", int64(21)},
		{"filingbox unpadded", Options{}, `{"Code":"54"}`, ResultEnriched, "filingbox", "054", "Server Login (Succeeded)", "success", nil},
		{"filingbox int code", Options{}, `{"code":54}`, ResultEnriched, "filingbox", "054", "", "", nil},
		{"filingbox event_code", Options{}, `{"event_code":"56"}`, ResultEnriched, "filingbox", "056", "Server Login (Failed)", "failure", nil},
		{"filingbox fault type", Options{}, `{"Type":"fault","Code":"054"}`, ResultEnriched, "filingbox", "054", "", "failure", nil},
		{"filingbox corrected name", Options{}, `{"Code":"153"}`, ResultEnriched, "filingbox", "153", "Email Notification (Succeeded)", "", nil},
		{"plusauth string", Options{}, `{"event_type":"4002","level":"warn"}`, ResultEnriched, "plusauth", "4002", "Failed Login (Invalid Password)", "failure", int64(73)},
		{"plusauth int", Options{}, `{"event_type":2001,"level":"error"}`, ResultEnriched, "plusauth", "2001", "Successful Login", "success", nil},
		{"privx", Options{}, `{"event_id":"302","event_name":"Connection-rejected"}`, ResultEnriched, "privx", "302", "Connection-rejected", "failure", nil},
		{"privx int and service_name", Options{}, `{"event_id":100,"service_name":"AUTH"}`, ResultEnriched, "privx", "100", "User-logged-in", "success", int64(21)},
		// PrivX's four severities are four levels, Alert above Critical.
		{"privx severity critical", Options{}, `{"event_id":"100","event_name":"x","message":{"severity":"2"}}`, ResultEnriched, "privx", "100", "", "", int64(73)},
		{"privx severity alert", Options{}, `{"event_id":"100","event_name":"x","message":{"severity":"1"}}`, ResultEnriched, "privx", "100", "", "", int64(99)},
		{"privx severity alert docs form", Options{}, `{"event_id":"100","event_name":"x","message":{"severity":"Alert(1)"}}`, ResultEnriched, "privx", "100", "", "", int64(99)},
		{"privx severity info wins over the catalog", Options{}, `{"event_id":"1608","event_name":"x","message":{"severity":"6"}}`, ResultEnriched, "privx", "1608", "Network-session-fatal-failure", "failure", int64(21)},
		{"privx catalog severity of the current list", Options{}, `{"event_id":"1608","service_name":"NETWORK-ACCESS-MANAGER"}`, ResultEnriched, "privx", "1608", "Network-session-fatal-failure", "failure", int64(99)},
		// The 2026 item of the vendor's privx-mcp sample (audit-event.json).
		{"privx 2026 shape", Options{}, `{"service_id":"6b72404a-de07-49d5-65e0-0a62976d4784","service_name":"AUTH","event_id":"106","event_name":"Access-token-granted",` +
			`"created":"2026-08-12T10:46:34.104161Z","message":{"SSH-PrivX-service":"AUTH","audit-exposure":"SSH-PRIVX-AUDIT","backend":"","domain":"privx-ui",` +
			`"instanceName":"node","remoteAddress":"192.0.2.10","sessionID":"e46a7bb6","severity":"6","timestamp":"2026-08-12T10:46:34.104021Z",` +
			`"userID":"940fbaa7","username":"mcp-user","version":"44.0-58"}}`, ResultEnriched, "privx", "106", "Access-token-granted", "success", int64(21)},
		{"privx 2026 code without event_name", Options{}, `{"service_name":"AUTH","event_id":"101","message":{"SSH-PrivX-service":"AUTH","severity":"6","version":"44.0-58"}}`,
			ResultEnriched, "privx", "101", "User-logged-out", "success", int64(21)},
		{"privx severity docs form", Options{}, `{"event_id":"100","event_name":"x","message":{"severity":"Warning(4)"}}`, ResultEnriched, "privx", "100", "", "", int64(47)},
		{"privx severity name", Options{}, `{"event_id":"100","event_name":"x","severity":"ERROR"}`, ResultEnriched, "privx", "100", "", "", int64(73)},
		{"privx event_id alone", Options{}, `{"event_id":"100"}`, ResultEnriched, "privx", "100", "", "", nil},
		{"netop snake", Options{}, `{"entity_type":"DEVICE","action":"CONNECT","result_code":0}`, ResultEnriched, "netop", "DEVICE.CONNECT", "Device Connect", "success", nil},
		{"netop spaced and camel", Options{}, `{"Entity Type":"device","Action":"connect","Result Code":"2"}`, ResultEnriched, "netop", "DEVICE.CONNECT", "", "failure", nil},
		{"netop camel", Options{}, `{"entityType":"USER","action":"LOGIN","resultCode":1}`, ResultEnriched, "netop", "USER.LOGIN", "", "failure", nil},
		{"unknown code", Options{}, `{"event_id":"9999","event_name":"x"}`, ResultUnknown, "privx", "9999", "", "unknown", nil},
		{"unknown netop stays unknown outcome", Options{}, `{"entity_type":"DEVICE","action":"TELEPORT","result_code":0}`, ResultUnknown, "netop", "DEVICE.TELEPORT", "", "unknown", nil},
		{"no vendor", Options{}, `{"message":"hello"}`, ResultNoCode, "", "", "", "", nil},
		{"fixed vendor no code", Options{Vendor: "privx"}, `{"Code":"054"}`, ResultNoCode, "", "", "", "", nil},
		{"fixed vendor", Options{Vendor: "filingbox"}, `{"Code":"054","event_id":"1"}`, ResultEnriched, "filingbox", "054", "", "", nil},
		{"code_key nested", Options{Vendor: "plusauth", CodeKey: "details.code"}, `{"details":{"code":"4002"}}`, ResultEnriched, "plusauth", "4002", "", "", nil},
		{"code_regex", Options{Vendor: "filingbox", CodeKey: "log", CodeRegex: regexp.MustCompile(`^\[(\d+)\]`)}, `{"log":"[054] Server Login"}`, ResultEnriched, "filingbox", "054", "", "", nil},
		{"code_regex no match", Options{Vendor: "filingbox", CodeKey: "log", CodeRegex: regexp.MustCompile(`^\[(\d+)\]`)}, `{"log":"no code here"}`, ResultNoCode, "", "", "", "", nil},
		{"float code", Options{}, `{"event_type":4002.0}`, ResultEnriched, "plusauth", "4002", "", "", nil},
		{"fractional code", Options{}, `{"event_type":4002.5}`, ResultInvalidCode, "", "", "", "", nil},
		{"map code", Options{}, `{"event_type":{"a":1}}`, ResultInvalidCode, "", "", "", "", nil},
		{"array code", Options{}, `{"event_type":[1]}`, ResultInvalidCode, "", "", "", "", nil},
		{"bool code", Options{}, `{"event_type":true}`, ResultInvalidCode, "", "", "", "", nil},
		{"nil code", Options{}, `{"event_type":null}`, ResultInvalidCode, "", "", "", "", nil},
		{"negative code", Options{}, `{"event_type":-5}`, ResultInvalidCode, "", "", "", "", nil},
		{"huge code", Options{}, `{"event_type":18446744073709551615}`, ResultInvalidCode, "", "", "", "", nil},
		{"empty code", Options{}, `{"event_type":"  "}`, ResultNoCode, "", "", "", "", nil},
		{"already enriched", Options{}, `{"event_type":"4002","tags":["x","auditx"]}`, ResultAlreadyEnriched, "", "", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnricher(t, tt.opts)
			in := toMP(t, tt.in)
			out, r := e.Record(nil, in)
			require.Equal(t, tt.result, r)
			if tt.module == "" {
				assert.Equal(t, in, out, "a record that is not enriched passes byte for byte")
				return
			}
			m := decode(t, out)
			assert.Equal(t, tt.module, get(m, "event", "module"))
			assert.Equal(t, tt.module+".audit", get(m, "event", "dataset"))
			assert.Equal(t, "event", get(m, "event", "kind"))
			assert.Equal(t, tt.code, get(m, "event", "code"))
			if tt.action != "" {
				assert.Equal(t, tt.action, get(m, "event", "action"))
			}
			if tt.outcome != "" {
				assert.Equal(t, tt.outcome, get(m, "event", "outcome"))
			}
			if tt.sev != nil {
				assert.EqualValues(t, tt.sev, get(m, "event", "severity"))
			}
			assert.NotEmpty(t, get(m, "observer", "vendor"))
			assert.NotEmpty(t, get(m, "observer", "product"))
			tags := get(m, "tags").([]any)
			assert.Contains(t, tags, MarkerTag)
			if r == ResultUnknown {
				assert.Contains(t, tags, UnknownCodeTag)
				assert.Nil(t, get(m, "event", "action"))
			} else {
				assert.NotContains(t, tags, UnknownCodeTag)
				assert.NotEmpty(t, get(m, "event", "reason"))
				assert.NotEmpty(t, get(m, "event", "category"))
				assert.NotEmpty(t, get(m, "event", "type"))
			}
			// every original field survives
			for k, v := range decode(t, in) {
				if k == "tags" || k == "event" || k == "observer" {
					continue
				}
				assert.Equal(t, v, m[k], "original field %s", k)
			}
		})
	}
}

// Without merges, the output is a new map header, the original pairs byte
// for byte, then the added pairs.
func TestOriginalPairsVerbatim(t *testing.T) {
	e := newEnricher(t, Options{})
	for _, vendor := range []string{"filingbox", "plusauth", "privx", "netop"} {
		for i, body := range sampleBodies(t, vendor) {
			out, r := e.Record(nil, body)
			if r != ResultEnriched && r != ResultUnknown {
				assert.Equal(t, body, out)
				continue
			}
			n, first, ok := mp.MapHeader(body, 0)
			require.True(t, ok)
			n2, first2, ok := mp.MapHeader(out, 0)
			require.True(t, ok)
			assert.Equal(t, n+3, n2, "%s line %d: event, observer and tags added", vendor, i+1)
			require.True(t, bytes.HasPrefix(out[first2:], body[first:]), "%s line %d: original pairs copied byte for byte", vendor, i+1)
		}
	}
}

func TestMergeIntoExistingMaps(t *testing.T) {
	in := `{"event_type":"4002","event":{"code":"theirs","id":"abc"},"observer":{"hostname":"idp-1"},"tags":["prod"]}`
	t.Run("keep existing", func(t *testing.T) {
		e := newEnricher(t, Options{})
		out, r := e.Record(nil, toMP(t, in))
		require.Equal(t, ResultEnriched, r)
		m := decode(t, out)
		assert.Len(t, m, 4, "no new top-level key: merged")
		assert.Equal(t, "theirs", get(m, "event", "code"), "existing key kept")
		assert.Equal(t, "abc", get(m, "event", "id"))
		assert.Equal(t, "Failed Login (Invalid Password)", get(m, "event", "action"))
		assert.Equal(t, "idp-1", get(m, "observer", "hostname"))
		assert.Equal(t, "PlusAuth", get(m, "observer", "vendor"))
		assert.Equal(t, []any{"prod", "auditx"}, get(m, "tags"))
	})
	t.Run("override", func(t *testing.T) {
		e := newEnricher(t, Options{Override: true})
		out, _ := e.Record(nil, toMP(t, in))
		m := decode(t, out)
		assert.Equal(t, "4002", get(m, "event", "code"), "override replaces")
		assert.Equal(t, "abc", get(m, "event", "id"), "other keys kept")
	})
	t.Run("non-map event kept without override", func(t *testing.T) {
		e := newEnricher(t, Options{})
		out, r := e.Record(nil, toMP(t, `{"event_type":"4002","event":"login"}`))
		require.Equal(t, ResultEnriched, r)
		m := decode(t, out)
		assert.Equal(t, "login", m["event"])
		assert.Equal(t, "PlusAuth", get(m, "observer", "vendor"))
		assert.EqualValues(t, 1, e.Stats().Conflicts)
	})
	t.Run("non-map event replaced with override", func(t *testing.T) {
		e := newEnricher(t, Options{Override: true})
		out, _ := e.Record(nil, toMP(t, `{"event_type":"4002","event":"login"}`))
		m := decode(t, out)
		assert.Equal(t, "4002", get(m, "event", "code"))
		assert.Len(t, m, 4)
	})
}

func TestFlatSchema(t *testing.T) {
	e := newEnricher(t, Options{Schema: SchemaFlat, FlatKey: "ax"})
	in := toMP(t, `{"event_id":"302","event_name":"Connection-rejected","event":"kept"}`)
	out, r := e.Record(nil, in)
	require.Equal(t, ResultEnriched, r)
	m := decode(t, out)
	assert.Equal(t, "kept", m["event"])
	assert.Equal(t, "302", get(m, "ax", "code"))
	assert.Equal(t, "Connection-rejected", get(m, "ax", "name"))
	assert.Equal(t, "SSH Communications Security", get(m, "ax", "vendor"))
	assert.Equal(t, "failure", get(m, "ax", "outcome"))
	assert.Equal(t, "medium", get(m, "ax", "severity_level"), "PrivX rates 302 Warning(4)")
	again, r := e.Record(nil, out)
	assert.Equal(t, ResultAlreadyEnriched, r)
	assert.Equal(t, out, again)
}

// Enriching twice gives the same bytes as enriching once (the marker).
func TestNotEnrichedTwice(t *testing.T) {
	e := newEnricher(t, Options{})
	for _, body := range sampleBodies(t, "privx") {
		once, _ := e.Record(nil, body)
		twice, r := e.Record(nil, once)
		if bytes.Equal(once, body) {
			continue
		}
		assert.Equal(t, ResultAlreadyEnriched, r)
		assert.Equal(t, once, twice)
	}
}

func TestMalformedBodies(t *testing.T) {
	e := newEnricher(t, Options{})
	for name, body := range map[string][]byte{
		"array":            {0x91, 0x01},
		"string":           {0xa1, 'x'},
		"truncated map":    {0x82, 0xa1, 'a'},
		"map too long":     {0x81, 0xa1, 'a', 0x01, 0x02},
		"empty":            {},
		"bad byte":         {0xc1},
		"huge claimed map": {0xdf, 0xff, 0xff, 0xff, 0xff},
	} {
		t.Run(name, func(t *testing.T) {
			out, r := e.Record(nil, body)
			assert.Equal(t, ResultMalformed, r)
			assert.True(t, bytes.Equal(body, out), "passed untouched")
		})
	}
	assert.EqualValues(t, 7, e.Stats().Malformed)
}

func TestOptionsValidation(t *testing.T) {
	c, _ := catalog.Embedded()
	_, err := New(c, Options{CodeKey: "a.b"})
	assert.ErrorContains(t, err, "needs a fixed vendor")
	_, err = New(c, Options{Vendor: "privx", CodeKey: "a..b"})
	assert.ErrorContains(t, err, "empty segment")
	_, err = New(c, Options{Vendor: "privx", CodeRegex: regexp.MustCompile(`(a)(b)`)})
	assert.ErrorContains(t, err, "at most 1")
	_, err = New(nil, Options{})
	assert.Error(t, err)
}

func TestRecordDoesNotAllocate(t *testing.T) {
	e := newEnricher(t, Options{})
	for _, vendor := range []string{"filingbox", "plusauth", "privx", "netop"} {
		bodies := sampleBodies(t, vendor)
		dst := make([]byte, 0, 1<<16)
		allocs := testing.AllocsPerRun(50, func() {
			for _, b := range bodies {
				dst, _ = e.Record(dst[:0], b)
			}
		})
		assert.Zero(t, allocs, "%s: allocations per %d records", vendor, len(bodies))
	}
}

func TestUnknownCodesTopN(t *testing.T) {
	e := newEnricher(t, Options{})
	for i := 0; i < 3; i++ {
		e.Record(nil, toMP(t, `{"event_id":"9999","event_name":"x"}`))
	}
	e.Record(nil, toMP(t, `{"event_type":"7777"}`))
	e.Record(nil, toMP(t, `{"Code":"7"}`))
	e.Record(nil, toMP(t, `{"event_id":"100","event_name":"x"}`)) // known: not counted
	top, other := e.UnknownCodes(2)
	require.Len(t, top, 2)
	assert.Equal(t, CodeCount{Vendor: "privx", Code: "9999", Count: 3}, top[0])
	assert.Equal(t, CodeCount{Vendor: "filingbox", Code: "007", Count: 1}, top[1], "canonical form, ties by vendor")
	assert.Zero(t, other)
}

func TestUnknownCodesBounded(t *testing.T) {
	e := newEnricher(t, Options{})
	for i := 0; i < MaxTrackedCodes+10; i++ {
		e.Record(nil, toMP(t, fmt.Sprintf(`{"event_type":"%d"}`, 10000+i)))
	}
	top, other := e.UnknownCodes(5000)
	assert.Len(t, top, MaxTrackedCodes)
	assert.EqualValues(t, 10, other)
}

// With override off a tags value that is not an array is kept, so the
// marker goes by event.dataset instead (found by FuzzRecord).
func TestMarkerWithoutTagsArray(t *testing.T) {
	e := newEnricher(t, Options{})
	out, r := e.Record(nil, toMP(t, `{"event_type":"4002","tags":"prod"}`))
	require.Equal(t, ResultEnriched, r)
	m := decode(t, out)
	assert.Equal(t, "prod", m["tags"])
	again, r := e.Record(nil, out)
	assert.Equal(t, ResultAlreadyEnriched, r)
	assert.Equal(t, out, again)
	_, r = e.Record(nil, toMP(t, `{"event_type":"4002","event":{"dataset":"okta.system"}}`))
	assert.Equal(t, ResultEnriched, r, "another dataset is not auditx's marker")
}

// groupOf reads groupNames backwards, and no other key.
func TestGroupOf(t *testing.T) {
	for g, name := range groupNames {
		got, ok := groupOf([]byte(name))
		require.True(t, ok, name)
		require.Equal(t, g, got, name)
	}
	for _, key := range []string{"", "Event", "events", "data-stream", "dataset"} {
		_, ok := groupOf([]byte(key))
		require.False(t, ok, key)
	}
}
