package catalog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookupNormalisation(t *testing.T) {
	c := embedded(t)
	tests := []struct {
		name   string
		vendor *Vendor
		code   string
		want   string // canonical code, "" for not found
	}{
		{"filingbox padded", FilingBox, "050", "050"},
		{"filingbox unpadded", FilingBox, "50", "050"},
		{"filingbox extra zeros", FilingBox, "0050", "050"},
		{"filingbox spaces", FilingBox, " 54 ", "054"},
		{"filingbox three digits", FilingBox, "511", "511"},
		{"filingbox letters", FilingBox, "5a", ""},
		{"filingbox unknown", FilingBox, "999", ""},
		{"privx", PrivX, "100", "100"},
		{"privx zero", PrivX, "0", "0"},
		{"privx leading zero", PrivX, "0100", "100"},
		{"privx gap", PrivX, "422", ""},
		{"privx current list", PrivX, "2311", "2311"},
		{"plusauth", PlusAuth, "4002", "4002"},
		{"netop upper", Netop, "DEVICE.CONNECT", "DEVICE.CONNECT"},
		{"netop lower", Netop, "device.connect", "DEVICE.CONNECT"},
		{"netop mixed", Netop, "Device.Connect", "DEVICE.CONNECT"},
		{"netop spaces as underscores", Netop, "device conflicts.create", "DEVICE_CONFLICTS.CREATE"},
		{"netop no dot", Netop, "DEVICE", ""},
		{"netop two dots", Netop, "DEVICE.CONNECT.X", ""},
		{"empty", PrivX, "", ""},
		{"too long", PrivX, "1234567890123456789012345678901234567890123456789012345678901234567890", ""},
		{"no vendor", (*Vendor)(nil), "100", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := c.Lookup(tt.vendor, []byte(tt.code))
			es := c.LookupString(tt.vendor, tt.code)
			assert.Equal(t, e, es, "Lookup and LookupString agree")
			if tt.want == "" {
				assert.Nil(t, e)
				return
			}
			require.NotNil(t, e)
			assert.Equal(t, tt.want, e.Code)
			assert.Equal(t, tt.vendor, e.Vendor)
		})
	}
}

func TestLookupInt(t *testing.T) {
	c := embedded(t)
	assert.Equal(t, "050", c.LookupInt(FilingBox, 50).Code)
	assert.Equal(t, "054", c.LookupInt(FilingBox, 54).Code)
	assert.Equal(t, "100", c.LookupInt(PrivX, 100).Code)
	assert.Equal(t, "0", c.LookupInt(PrivX, 0).Code)
	assert.Equal(t, "4521", c.LookupInt(PlusAuth, 4521).Code)
	assert.Nil(t, c.LookupInt(PrivX, -100))
	assert.Nil(t, c.LookupInt(Netop, 1))
}

func TestLookupJoin(t *testing.T) {
	c := embedded(t)
	assert.Equal(t, "DEVICE.CONNECT", c.LookupJoin(Netop, bs("device", "Connect")).Code)
	assert.Equal(t, "USER.LOGIN", c.LookupJoin(Netop, bs(" USER ", "LOGIN")).Code)
	assert.Nil(t, c.LookupJoin(Netop, bs("DEVICE", "")))
	assert.Nil(t, c.LookupJoin(Netop, bs("DEVICE", "TELEPORT")))
}

func TestCanonical(t *testing.T) {
	assert.Equal(t, "054", string(CanonicalBytes(nil, FilingBox, []byte("54"))))
	assert.Equal(t, "054", string(CanonicalInt(nil, FilingBox, 54)))
	assert.Equal(t, "DEVICE.TELEPORT", string(CanonicalJoin(nil, Netop, bs("device", "teleport"))))
	assert.Equal(t, "x y", string(CanonicalBytes(nil, PrivX, []byte(" x y "))), "not a code: trimmed input")
}

// Lookups run once per record: they must not allocate.
func TestLookupDoesNotAllocate(t *testing.T) {
	c := embedded(t)
	codes := map[*Vendor][]byte{FilingBox: []byte("54"), PlusAuth: []byte("4002"), PrivX: []byte("302"), Netop: []byte("device.connect")}
	for v, code := range codes {
		allocs := testing.AllocsPerRun(100, func() {
			if c.Lookup(v, code) == nil {
				t.Fatal("not found")
			}
		})
		assert.Zero(t, allocs, "Lookup(%s)", v)
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { c.LookupInt(FilingBox, 54) }), "LookupInt")
	parts := bs("device", "connect")
	assert.Zero(t, testing.AllocsPerRun(100, func() { c.LookupJoin(Netop, parts) }), "LookupJoin")
}

func BenchmarkLookup(b *testing.B) {
	c := embedded(b)
	cases := []struct {
		name   string
		vendor *Vendor
		code   []byte
	}{
		{"filingbox", FilingBox, []byte("54")},
		{"plusauth", PlusAuth, []byte("4002")},
		{"privx", PrivX, []byte("302")},
		{"netop", Netop, []byte("device.connect")},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if c.Lookup(bc.vendor, bc.code) == nil {
					b.Fatal("not found")
				}
			}
		})
	}
	b.Run("netop-pair", func(b *testing.B) {
		parts := bs("DEVICE", "CONNECT")
		b.ReportAllocs()
		for b.Loop() {
			c.LookupJoin(Netop, parts)
		}
	})
	b.Run("filingbox-int", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.LookupInt(FilingBox, 54)
		}
	})
}

// bs makes a joined code's parts.
func bs(parts ...string) [][]byte {
	out := make([][]byte, len(parts))
	for i, p := range parts {
		out[i] = []byte(p)
	}
	return out
}
