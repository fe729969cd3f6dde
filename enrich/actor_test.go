package enrich

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
)

func TestActorFields(t *testing.T) {
	privx := `{"service_name":"ROLE-STORE","event_id":"425","event_name":"API-client-modified","message":{"severity":"Info(6)","userID":"2c43dd58","username":"alice.moreau","remoteAddress":"10.20.4.33","instanceName":"privx-1","SSH-PrivX-service":"ROLE-STORE"}}`
	tests := []struct {
		name string
		in   string
		want map[string]any // dotted path -> value; nil value: absent
	}{
		{"privx", privx, map[string]any{
			"user.name": "alice.moreau", "user.id": "2c43dd58", "source.ip": "10.20.4.33",
			"related.user": []any{"alice.moreau", "2c43dd58"}, "related.ip": []any{"10.20.4.33"},
			"event.provider": "ROLE-STORE", "observer.hostname": "privx-1", "observer.vendor": "SSH Communications Security",
		}},
		{"privx provider from message when service_name is absent", `{"event_id":"100","event_name":"x","message":{"SSH-PrivX-service":"AUTH"}}`,
			map[string]any{"event.provider": "AUTH", "user": nil, "source": nil, "related": nil}},
		{"plusauth", `{"event_type":"4002","user_id":"usr_d8b9a7","client_address":"203.0.113.7"}`, map[string]any{
			"user.id": "usr_d8b9a7", "user.name": nil, "source.ip": "203.0.113.7",
			"related.user": []any{"usr_d8b9a7"}, "related.ip": []any{"203.0.113.7"},
		}},
		{"plusauth ipv6", `{"event_type":"4002","client_address":"2001:db8::7"}`, map[string]any{"source.ip": "2001:db8::7"}},
		{"netop", `{"entity_type":"USER","action":"LOGIN","user_id":"u-80530","user_name":"m.rossi","result_code":0}`, map[string]any{
			"user.name": "m.rossi", "user.id": "u-80530", "related.user": []any{"m.rossi", "u-80530"}, "source": nil,
		}},
		{"netop SYSTEM is no user", `{"entityType":"DEVICE","action":"CONNECT","userId":"SYSTEM","userName":"s.tanaka"}`, map[string]any{
			"user.name": "s.tanaka", "user.id": nil, "related.user": []any{"s.tanaka"},
		}},
		{"netop SYSTEM alone", `{"Entity Type":"DEVICE","Action":"CONNECT","User Id":"system"}`, map[string]any{"user": nil, "related": nil}},
		{"filingbox assumed columns", `{"Type":"info","Code":"054","User":"kim.jisoo","Client IP":"172.16.8.41"}`, map[string]any{
			"user.name": "kim.jisoo", "source.ip": "172.16.8.41", "related.user": []any{"kim.jisoo"},
		}},
		{"same name and id once in related.user", `{"event_type":"4002","user_id":"bob"}`, map[string]any{"related.user": []any{"bob"}}},
		{"unknown code still gets actor fields", `{"event_type":"4999","user_id":"bob"}`, map[string]any{"user.id": "bob", "event.code": "4999"}},
		{"blank and non-string values are not taken", `{"event_type":"4002","user_id":"  ","client_address":12}`, map[string]any{"user": nil, "source": nil, "related": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnricher(t, Options{Actor: true})
			in := toMP(t, tt.in)
			out, r := e.Record(nil, in)
			require.Contains(t, []Result{ResultEnriched, ResultUnknown}, r)
			m := decode(t, out)
			for path, want := range tt.want {
				got := get(m, splitDots(path)...)
				if want == nil {
					assert.Nil(t, got, path)
				} else {
					assert.Equal(t, want, got, path)
				}
			}
			for k, v := range decode(t, in) {
				if k != "event" && k != "observer" && k != "tags" {
					assert.Equal(t, v, m[k], "original field %s kept", k)
				}
			}
		})
	}
}

func splitDots(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '.' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}

func TestActorInvalidIPCountedAndKept(t *testing.T) {
	e := newEnricher(t, Options{Actor: true})
	for _, addr := range []string{"unknown", "10.0.0.1:5555", "256.1.1.1", "fe80::1%eth0"} {
		out, r := e.Record(nil, toMP(t, `{"event_type":"4002","user_id":"u1","client_address":"`+addr+`"}`))
		require.Equal(t, ResultEnriched, r)
		m := decode(t, out)
		assert.Nil(t, m["source"], addr)
		assert.Nil(t, get(m, "related", "ip"), addr)
		assert.Equal(t, addr, m["client_address"], "left in its original field")
		assert.Equal(t, "u1", get(m, "user", "id"))
	}
	assert.EqualValues(t, 4, e.Stats().InvalidIP)
}

func TestActorExistingFieldsKept(t *testing.T) {
	in := `{"event_type":"4002","user_id":"usr_1","client_address":"203.0.113.7","user":{"name":"theirs","id":"their-id"},"source":{"port":443},"related":{"user":["x"]}}`
	t.Run("keep", func(t *testing.T) {
		e := newEnricher(t, Options{Actor: true})
		out, _ := e.Record(nil, toMP(t, in))
		m := decode(t, out)
		assert.Equal(t, map[string]any{"name": "theirs", "id": "their-id"}, m["user"])
		assert.Equal(t, map[string]any{"port": uint64(443), "ip": "203.0.113.7"}, m["source"], "merged")
		assert.Equal(t, []any{"x"}, get(m, "related", "user"), "an ECS field the record has is kept")
		assert.Equal(t, []any{"203.0.113.7"}, get(m, "related", "ip"))
	})
	t.Run("override", func(t *testing.T) {
		e := newEnricher(t, Options{Actor: true, Override: true})
		out, _ := e.Record(nil, toMP(t, in))
		m := decode(t, out)
		assert.Equal(t, map[string]any{"name": "theirs", "id": "usr_1"}, m["user"], "user.name: PlusAuth has no source, the record's stays")
		assert.Equal(t, []any{"usr_1"}, get(m, "related", "user"))
	})
	t.Run("non-map user is a conflict", func(t *testing.T) {
		e := newEnricher(t, Options{Actor: true})
		out, _ := e.Record(nil, toMP(t, `{"event_type":"4002","user_id":"usr_1","user":"bob"}`))
		assert.Equal(t, "bob", decode(t, out)["user"])
		assert.EqualValues(t, 1, e.Stats().Conflicts)
	})
}

func TestActorOff(t *testing.T) {
	e := newEnricher(t, Options{})
	out, _ := e.Record(nil, toMP(t, `{"event_type":"4002","user_id":"usr_1","client_address":"203.0.113.7"}`))
	m := decode(t, out)
	assert.Nil(t, m["user"])
	assert.Nil(t, m["source"])
	assert.Nil(t, m["related"])
}

func TestActorFlatSchema(t *testing.T) {
	e := newEnricher(t, Options{Actor: true, Schema: SchemaFlat, DataStreamNamespace: "default"})
	out, _ := e.Record(nil, toMP(t, `{"event_id":"100","event_name":"x","service_name":"AUTH","message":{"username":"alice","userID":"u1","remoteAddress":"10.0.0.1","instanceName":"px"}}`))
	m := decode(t, out)
	for k, v := range map[string]any{"user_name": "alice", "user_id": "u1", "source_ip": "10.0.0.1", "event_provider": "AUTH",
		"observer_hostname": "px", "related_user": []any{"alice", "u1"}, "related_ip": []any{"10.0.0.1"}} {
		assert.Equal(t, v, get(m, "auditx", k), k)
	}
	assert.Nil(t, m["user"])
	assert.Nil(t, m["data_stream"], "data_stream is for the ECS schema only")
}

func TestDataStream(t *testing.T) {
	e := newEnricher(t, Options{DataStreamNamespace: "prod"})
	out, r := e.Record(nil, toMP(t, `{"event_type":"4002"}`))
	require.Equal(t, ResultEnriched, r)
	assert.Equal(t, map[string]any{"type": "logs", "dataset": "plusauth.audit", "namespace": "prod"}, decode(t, out)["data_stream"])

	out, r = e.Record(nil, toMP(t, `{"event_type":"4999"}`))
	require.Equal(t, ResultUnknown, r)
	assert.Equal(t, "plusauth.audit", get(decode(t, out), "data_stream", "dataset"))

	in := toMP(t, `{"message":"hello"}`)
	out, r = e.Record(nil, in)
	require.Equal(t, ResultNoCode, r)
	m := decode(t, out)
	assert.Equal(t, map[string]any{"type": "logs", "dataset": UnrecognizedDataset, "namespace": "prod"}, m["data_stream"])
	assert.Equal(t, "hello", m["message"])
	assert.Len(t, m, 2, "only data_stream is added to a record without a code")
	again, r := e.Record(nil, out)
	assert.Equal(t, ResultNoCode, r)
	assert.Equal(t, out, again, "a record with a data_stream of its own is passed unchanged")

	own := toMP(t, `{"event_type":"4002","data_stream":{"dataset":"mine"}}`)
	out, _ = e.Record(nil, own)
	assert.Equal(t, map[string]any{"type": "logs", "dataset": "mine", "namespace": "prod"}, decode(t, out)["data_stream"], "merged; the record's dataset kept")

	malformed := []byte{0xa1, 'x'}
	out, r = e.Record(nil, malformed)
	assert.Equal(t, ResultMalformed, r)
	assert.Equal(t, malformed, out)
}

func TestDataStreamNamespaceChecked(t *testing.T) {
	for _, ns := range []string{"Prod", "a-b", "a b", "a*", string(make([]byte, 101))} {
		_, err := New(mustCatalog(t), Options{DataStreamNamespace: ns})
		assert.Error(t, err, "%q", ns)
	}
	_, err := New(mustCatalog(t), Options{DataStreamNamespace: "team_a.prod"})
	assert.NoError(t, err)
}

func TestActorAndDataStreamDoNotAllocate(t *testing.T) {
	e := newEnricher(t, Options{Actor: true, DataStreamNamespace: "default"})
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

// event.provider: what the record names (service_name,
// message.SSH-PrivX-service) wins; a record that names no service gets the
// catalog's origin when the vendor lists exactly one service for the code,
// and none when it lists several (the catalog cannot say which it was).
func TestProviderFromCatalogOrigin(t *testing.T) {
	c, err := catalog.Embedded()
	require.NoError(t, err)
	var single, multi *catalog.Entry
	for _, en := range c.Entries() {
		if en.Vendor.ID != "privx" {
			continue
		}
		switch {
		case len(en.Origin) == 1 && single == nil:
			single = en
		case len(en.Origin) > 1 && multi == nil:
			multi = en
		}
	}
	require.NotNil(t, single, "a PrivX code with one origin")
	require.NotNil(t, multi, "a PrivX code with several origins")
	e := newEnricher(t, Options{Actor: true})
	provider := func(js string) any {
		out, r := e.Record(nil, toMP(t, js))
		require.Equal(t, ResultEnriched, r, js)
		return get(decode(t, out), "event", "provider")
	}
	code := func(en *catalog.Entry) string { return `"event_id":"` + en.Code + `","event_name":"x"` }
	assert.Equal(t, single.Origin[0], provider(`{`+code(single)+`}`), "the catalog's one origin")
	assert.Equal(t, "AUTH", provider(`{`+code(single)+`,"service_name":"AUTH"}`), "the record's own service wins")
	assert.Nil(t, provider(`{`+code(multi)+`}`), "several origins: none chosen")
	off := newEnricher(t, Options{})
	out, _ := off.Record(nil, toMP(t, `{`+code(single)+`}`))
	assert.Nil(t, get(decode(t, out), "event", "provider"), "actor off: no provider")
}
