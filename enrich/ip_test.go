package enrich

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// validIP agrees with net/netip.ParseAddr, except that zones are refused.
func TestValidIPAgreesWithNetip(t *testing.T) {
	cases := []string{
		"10.20.4.33", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04",
		"1..2.3", ".1.2.3", "1.2.3.", "", "a.b.c.d", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4",
		"::", "::1", "1::", "2001:db8::8a2e:370:7334", "2001:0db8:0000:0000:0000:ff00:0042:8329",
		"::ffff:192.0.2.1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:5:6::7:8",
		"1::2::3", ":1::", "1:::2", "12345::", "g::1", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
		"::1.2.3.4", "::1.2.3", "1:", ":", "fe80::1%eth0", "203.0.113.7", "unknown", "10.0.0.1:22",
		"[::1]", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::1.2.3.4.5", strings.Repeat("1", 50),
	}
	for _, c := range cases {
		a, err := netip.ParseAddr(c)
		want := err == nil && a.Zone() == ""
		assert.Equal(t, want, validIP([]byte(c)), "%q", c)
	}
}

func FuzzValidIP(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "::1", "2001:db8::1", "::ffff:1.2.3.4", "1.2.3.04"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 64 {
			return
		}
		a, err := netip.ParseAddr(s)
		want := err == nil && a.Zone() == ""
		if got := validIP([]byte(s)); got != want {
			t.Fatalf("validIP(%q) = %v, netip says %v", s, got, want)
		}
	})
}

func TestValidIPDoesNotAllocate(t *testing.T) {
	in := [][]byte{[]byte("10.20.4.33"), []byte("2001:db8::1"), []byte("not an ip")}
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		for _, b := range in {
			validIP(b)
		}
	}))
}
