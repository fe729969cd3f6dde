package catalog

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// acmeDescriptor is a fifth vendor, defined only here: a code under a
// nested key, an outcome field, a severity field, a time field, actors.
const acmeDescriptor = `# Acme Identity Cloud
[vendor]
id = acme_idp
company = Acme Corp
product = Acme Identity Cloud

[detect]
rule = evt, ts ; precedence 60

[code]
field = evt.id
form = upper

[outcome]
field = outcome.code
success = 0
failure = >0, denied

[severity]
field = sev
scale = syslog

[time]
field = ts ; format rfc3339

[actor]
user.name = actor.login
source.ip = actor.ip
`

const acmeTable = "vendor,code,name,name_in_doc,description,derived,group,category,type,outcome,severity,vendor_severity,origin,provenance,note\n" +
	"acme_idp,AUTH_1001,User Login,,A user signed in.,,auth,authentication,start,success,low,,,,\n" +
	"acme_idp,AUTH_1002,User Login Failed,,A sign-in was refused.,,auth,authentication,start,failure,medium,,,,\n"

func TestEmbeddedDescriptors(t *testing.T) {
	assert.Equal(t, []string{"filingbox", "netop", "plusauth", "privx"}, testVendors.IDs(), "the embedded vendors, by id")
	for _, v := range testVendors.Vendors() {
		assert.NotEmpty(t, v.Company, v.ID)
		assert.NotEmpty(t, v.Product, v.ID)
		assert.NotEmpty(t, v.Detect, v.ID)
		assert.NotEmpty(t, v.Time, "%s: every vendor's event time is described", v.ID)
		assert.True(t, strings.HasPrefix(v.Source, "embedded:data/"+v.ID+".vendor"), v.Source)
	}
	// The recognition order of auditx before descriptors: PrivX with a
	// name or service, Netop, PlusAuth, FilingBox, PrivX's event_id alone.
	var order []string
	for _, r := range testVendors.Rules() {
		order = append(order, r.Vendor.ID+":"+strings.Join(r.Rule.Keys, "+"))
	}
	assert.Equal(t, []string{"privx:event_id+event_name", "privx:event_id+service_name", "netop:entity_type+action",
		"plusauth:event_type", "filingbox:code", "filingbox:event_code", "privx:event_id"}, order)
	assert.Equal(t, CodeSpec{Join: []string{"entity_type", "action"}, Separator: '.', Form: FormUpper}, Netop.Code)
	assert.Equal(t, CodeSpec{Fields: []string{"code", "event_code"}, Form: FormInteger, Pad: 3}, FilingBox.Code)
	assert.Equal(t, []Match{{Op: '=', N: 0}}, Netop.Outcome.Success)
	assert.Equal(t, []Match{{Op: '>', N: 0}}, Netop.Outcome.Failure)
	assert.Equal(t, []Match{{Op: 'w', Word: "fault"}}, FilingBox.Outcome.Failure)
	assert.Equal(t, SeveritySpec{Fields: []string{"message.severity", "severity"}, Scale: "syslog"}, PrivX.Severity)
	timeOf := func(v *Vendor) (out []string) {
		for _, tf := range v.Time {
			out = append(out, tf.Field+" "+tf.Parsed.String())
		}
		return out
	}
	assert.Equal(t, []string{"action_timestamp unix_s", "action_date rfc3339"}, timeOf(Netop))
	assert.Equal(t, []string{"date layout 2006-01-02 15:04:05"}, timeOf(FilingBox))
	assert.Equal(t, "3 digits, zero-padded", FilingBox.Code.Describe())
	assert.Equal(t, "ENTITY_TYPE.ACTION in upper case", Netop.Code.Describe())
}

func TestUserVendor(t *testing.T) {
	desc := writeFile(t, "acme.vendor", acmeDescriptor)
	table := writeFile(t, "acme.csv", acmeTable)
	// The table may come before its descriptor.
	c, err := Load(table, desc)
	require.NoError(t, err)
	v := c.Vendor("acme_idp")
	require.NotNil(t, v)
	assert.Equal(t, 5, v.Index, "after the embedded vendors")
	assert.Equal(t, []string{"filingbox", "netop", "plusauth", "privx", "acme_idp"}, c.VendorSet().IDs())
	assert.Equal(t, 2, c.Count(v))
	assert.Equal(t, 469+2, c.Len())
	require.NotNil(t, c.LookupString(v, "auth-1001"), "upper form")
	assert.Equal(t, "User Login", c.LookupString(v, "auth-1001").Name)
	assert.Equal(t, []string{"actor.login"}, paths(c.Actors().Sources(v, UserName)))
	assert.Equal(t, []string{"message.username"}, paths(c.Actors().Sources(PrivX, UserName)), "the embedded vendors keep theirs")
	assert.Same(t, PrivX, c.Vendor("privx"), "an embedded vendor is one *Vendor in every catalog")

	// Without the descriptor, the table names an unknown vendor.
	_, err = Load(table)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `acme.csv:2: column vendor: unknown vendor "acme_idp" (accepted: filingbox, netop, plusauth, privx)`)
}

func TestUserDescriptorReplacesEmbedded(t *testing.T) {
	// Another recognition rule for PrivX; its embedded table stays.
	d := strings.Replace(string(mustEmbeddedDescriptor(t, "privx")), "rule = event_id ; precedence 50", "rule = audit_event_id ; precedence 55", 1)
	c, err := Load(writeFile(t, "privx.vendor", d))
	require.NoError(t, err)
	v := c.Vendor("privx")
	assert.NotSame(t, PrivX, v)
	assert.Equal(t, PrivX.Index, v.Index, "in the embedded vendor's place")
	assert.Equal(t, 267, c.Count(v), "the embedded table stays")
	assert.Equal(t, []string{"audit_event_id"}, v.Detect[2].Keys)

	// A descriptor whose code form the embedded table does not fit.
	d = strings.Replace(string(mustEmbeddedDescriptor(t, "privx")), "form = integer", "form = integer\npad = 5", 1)
	_, err = Load(writeFile(t, "privx.vendor", d))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the embedded table of privx does not fit the descriptor")
	assert.Contains(t, err.Error(), `is not in canonical form: write "00000"`)
}

func TestPrecedenceTie(t *testing.T) {
	d := strings.Replace(acmeDescriptor, "precedence 60", "precedence 30", 1)
	_, err := Load(writeFile(t, "acme.vendor", d))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "acme.vendor:8: column detect.rule: precedence 30 is also a rule of vendor plusauth (embedded:data/plusauth.vendor:")

	// Two user descriptors of one id.
	a, b := writeFile(t, "a.vendor", acmeDescriptor), writeFile(t, "b.vendor", acmeDescriptor)
	_, err = Load(a, b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `vendor "acme_idp" is described by`)
}

func TestWatchedKeysLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("[vendor]\nid = wide\ncompany = W\nproduct = W\n[detect]\n")
	for i := 0; i < MaxDetectRules; i++ {
		b.WriteString("rule = ")
		for k := 0; k < MaxRuleKeys; k++ {
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString("k" + string(rune('a'+i)) + string(rune('a'+k)))
		}
		b.WriteString(" ; precedence 70\n")
	}
	b.WriteString("[code]\nfield = kaa\nform = text\n[actor]\n")
	added := MaxDetectRules * MaxRuleKeys
	for _, f := range actorFieldNames {
		for s := 0; s < MaxActorSources; s++ {
			b.WriteString(f + " = actor_" + strings.ReplaceAll(f, ".", "_") + string(rune('a'+s)) + "\n")
			added++
		}
	}
	n := len(WatchedKeys(testVendors, mustActors(t)))
	if n+added <= MaxWatchedKeys {
		t.Fatalf("the test vendor adds %d keys to %d: not over %d", added, n, MaxWatchedKeys)
	}
	_, err := Load(writeFile(t, "wide.vendor", b.String()))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "over the limit of 64 watched keys")
}

func TestDescriptorErrors(t *testing.T) {
	base := "[vendor]\nid = acme\ncompany = A\nproduct = P\n[detect]\nrule = evt ; precedence 60\n[code]\nfield = evt.id\nform = upper\n"
	tests := []struct {
		name, text, want string
	}{
		{"no vendor section", "id = x\n", ":1: a key before the first section"},
		{"unknown section", base + "[output]\n", ":10: unknown section [output] (accepted: vendor, detect, code, outcome, severity, time, actor)"},
		{"section twice", base + "[code]\n", ":10: section [code] appears twice (first on line 7)"},
		{"unknown key", base + "[time]\nzone = UTC\n", ":11: column time.zone: unknown key (accepted in [time]: field)"},
		{"not key value", base + "[time]\nfield\n", `:11: "field" is not key = value`},
		{"id twice", strings.Replace(base, "company", "id = b\ncompany", 1), ":3: column vendor.id: set twice (first on line 2)"},
		{"bad id", strings.Replace(base, "id = acme", "id = Acme-IdP", 1), `:2: column vendor.id: vendor id "Acme-IdP": lower case letters`},
		{"ECS id", strings.Replace(base, "id = acme", "id = source", 1), `vendor id "source" is an ECS top-level name`},
		{"reserved id", strings.Replace(base, "id = acme", "id = kubernetes", 1), `vendor id "kubernetes" is reserved`},
		{"no precedence", strings.Replace(base, " ; precedence 60", "", 1), ":6: column detect.rule: no precedence"},
		{"bad precedence", strings.Replace(base, "precedence 60", "precedence 0", 1), `precedence "0": a whole number from 1 to 999`},
		{"rule path", strings.Replace(base, "rule = evt", "rule = evt.id", 1), `"evt.id": a rule names top-level keys`},
		{"bad form", strings.Replace(base, "form = upper", "form = hex", 1), `:9: column code.form: "hex" (accepted: integer, upper, lower, text)`},
		{"pad not integer", base + "pad = 3\n", "pad only goes with form integer"},
		{"join and field", base + "join = a, b\nseparator = .\n", "both field and join"},
		{"join without separator", strings.Replace(base, "field = evt.id", "join = a, b", 1), "join needs a separator"},
		{"bad separator", base + "separator = -\n", `"-": one of . : / |`},
		{"outcome without values", base + "[outcome]\nfield = r\n", "an outcome rule needs a field and at least one of success, failure"},
		{"bad comparison", base + "[outcome]\nfield = r\nfailure = >x\n", `">x": a comparison takes a whole number`},
		{"severity scale", base + "[severity]\nfield = s\nscale = cvss\n", `"cvss" (accepted: syslog)`},
		{"time format", base + "[time]\nfield = ts ; format iso\n", `:11: column time.field: evtime: unknown time format "iso"`},
		{"time layout element", base + "[time]\nfield = ts ; format layout Jan 02 2006\n", `Jan`},
		{"time without format", base + "[time]\nfield = ts\n", "no format"},
		{"layout without layout", base + "[time]\nfield = ts ; format layout\n", `unknown time format "layout": accepted: rfc3339, unix_s, unix_ms, layout <Go layout>`},
		{"actor field", base + "[actor]\nuser.email = mail\n", `"user.email" is not a field auditx fills`},
		{"actor option", base + "[actor]\nuser.id = uid ; skip x\n", `unknown option "skip" (accepted: ignore)`},
		{"option where none", base + "[severity]\nscale = syslog ; x y\n", "no options here"},
		{"long path", base + "[actor]\nuser.id = a.b.c.d.e.f.g.h.i\n", "has 9 segments, at most 8"},
		{"missing id", strings.Replace(base, "id = acme\n", "", 1), "vendor.id: missing"},
		{"missing rule", strings.Replace(base, "rule = evt ; precedence 60\n", "", 1), "detect.rule: missing"},
		{"missing code", strings.Replace(base, "field = evt.id\n", "", 1), "code.field: missing"},
		{"too many rules", base + "[detect]\n", "section [detect] appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDescriptor("acme.vendor", []byte(tt.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "acme.vendor"), "names the file: %s", err)
		})
	}
	_, err := ParseDescriptor("acme.vendor", []byte(base))
	require.NoError(t, err, "the base is valid")
}

func TestIsDescriptor(t *testing.T) {
	assert.True(t, IsDescriptor([]byte(acmeDescriptor)))
	assert.True(t, IsDescriptor([]byte("\ufeff\n  [vendor]\n")))
	assert.False(t, IsDescriptor([]byte(acmeTable)))
	assert.False(t, IsDescriptor([]byte(actorHeader)))
}

func FuzzDescriptor(f *testing.F) {
	for _, id := range testVendors.IDs() {
		data, _ := EmbeddedDescriptor(id)
		f.Add(data)
	}
	f.Add([]byte(acmeDescriptor))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > MaxDescriptorBytes+1 {
			return
		}
		v, err := ParseDescriptor("fuzz.vendor", data)
		if err != nil {
			var fe *FileError
			require.ErrorAs(t, err, &fe)
			return
		}
		// What parses is usable: a set of it alone builds, and its code
		// form normalises without panicking.
		require.NoError(t, CheckVendorID(v.ID))
		require.NotEmpty(t, v.Detect)
		vs, err := newVendorSet(nil, []*Vendor{v})
		require.NoError(t, err)
		var buf [MaxCodeLen]byte
		normalize(vs.ByIndex(1), []byte("AbC.1-2 3"), &buf)
		normalizeInt(vs.ByIndex(1), 54, &buf)
	})
}

func mustEmbeddedDescriptor(t *testing.T, id string) []byte {
	data, ok := EmbeddedDescriptor(id)
	require.True(t, ok, id)
	return data
}

func mustActors(t *testing.T) *ActorMap {
	c, err := Embedded()
	require.NoError(t, err)
	return c.Actors()
}
