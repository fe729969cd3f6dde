package evtime

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/mp"
)

func mustFormat(tb testing.TB, s string) Format {
	tb.Helper()
	f, err := ParseFormat(s)
	require.NoError(tb, err)
	return f
}

func mustZone(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := LoadZone(name)
	require.NoError(tb, err)
	return loc
}

func str(s string) []byte { return mp.AppendStr(nil, s) }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct{ in, str string }{
		{"rfc3339", "rfc3339"},
		{" unix_s ", "unix_s"},
		{"unix_ms", "unix_ms"},
		{"layout 2006-01-02 15:04:05", "layout 2006-01-02 15:04:05"},
		{"layout 20060102150405", "layout 20060102150405"},
		{"layout 02/01/2006 15.04.05,000", "layout 02/01/2006 15.04.05,000"},
		{"layout 2006-01-02T15:04:05.999999999", "layout 2006-01-02T15:04:05.999999999"},
		{"layout 2006-01-02", "layout 2006-01-02"},
		{"layout x_2006-01-02", "layout x_2006-01-02"}, // _2006 is a literal _ and the year, as in Go
	} {
		f, err := ParseFormat(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.str, f.String())
		require.Equal(t, f.kind == kindLayout, f.Zoneless())
	}
	for _, tc := range []struct{ in, msg string }{
		{"", `unknown time format "": accepted: rfc3339, unix_s, unix_ms, layout <Go layout>`},
		{"RFC3339", `unknown time format "RFC3339": accepted: rfc3339, unix_s, unix_ms, layout <Go layout>`},
		{"iso8601", "accepted: rfc3339, unix_s, unix_ms, layout <Go layout>"},
		{"layout", "accepted: rfc3339"},
		{"layout ", "accepted: rfc3339"}, // trimmed to "layout"
		{"layout Jan 02 2006 15:04:05", `layout element "Jan" is not supported: use 2006, 01, 02, 15, 04, 05`},
		{"layout 2006-01-02 15:04:05 MST", `layout element "MST" is not supported`},
		{"layout 2006-01-02T15:04:05Z07:00", `layout element "Z07:00" is not supported: use 2006, 01, 02, 15, 04, 05, .000 to .000000000, .999 to .999999999 (zoneless times only: use rfc3339 for times with a zone)`},
		{"layout 2006-01-02 15:04:05 -0700", `layout element "-0700" is not supported`},
		{"layout 2006-01-02 03:04:05 PM", `layout element "03" is not supported`},
		{"layout 06-01-02", `layout element "06" is not supported`},
		{"layout 2006-1-02", `layout element "1" is not supported`},
		{"layout 2006-01-_2", `layout element "_2" is not supported`},
		{"layout 2006-002", `layout element "002" is not supported`},
		{"layout Monday 2006-01-02", `layout element "Monday" is not supported`},
		{"layout 2006-01-02 15:4:05", `layout element "4" is not supported`},
		{"layout 2006-01-02 15:04:05.0000000000", `layout element ".0000000000" is not supported`},
		{"layout 2006-01-02 2006", `layout element "2006" appears twice`},
		{"layout 2006-01-02 15:04:05.000.999", `appears twice`},
		{"layout 2006-01-02 .000", `layout element ".000" must follow 05 directly`},
		{"layout 15:04:05", `needs 2006, 01 and 02`},
	} {
		_, err := ParseFormat(tc.in)
		require.ErrorContains(t, err, tc.msg, tc.in)
	}
}

func TestRFC3339(t *testing.T) {
	f := mustFormat(t, "rfc3339")
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 of the instant, "" when not a time
	}{
		{"2026-11-20T08:14:00.268Z", "2026-11-20T08:14:00.268Z"},       // PlusAuth
		{"2026-11-20T08:14:00.773205Z", "2026-11-20T08:14:00.773205Z"}, // PrivX
		{"2026-11-20T08:14:00Z", "2026-11-20T08:14:00Z"},
		{"2026-11-20T08:14:00.1Z", "2026-11-20T08:14:00.1Z"},
		{"2026-11-20T08:14:00.123456789Z", "2026-11-20T08:14:00.123456789Z"},
		{"2026-11-20T08:14:00.1234567891234Z", "2026-11-20T08:14:00.123456789Z"}, // truncated past 9 digits
		{"2026-11-20T08:14:00.000000000Z", "2026-11-20T08:14:00Z"},
		{"2026-11-20T17:14:00+09:00", "2026-11-20T08:14:00Z"},
		{"2026-11-20T02:44:00-05:30", "2026-11-20T08:14:00Z"},
		{"2026-11-20T17:14:00+0900", "2026-11-20T08:14:00Z"},
		{"2026-11-20T08:14:00+00:00", "2026-11-20T08:14:00Z"},
		{"2026-11-20T08:14:00-00:00", "2026-11-20T08:14:00Z"},
		{"2026-11-20T23:59:00-23:59", "2026-11-21T23:58:00Z"},
		{"2026-11-20t08:14:00z", "2026-11-20T08:14:00Z"},
		{"2026-11-20 08:14:00Z", "2026-11-20T08:14:00Z"},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z"},
		{"1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"},
		{"1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.5Z"},
		{"1900-01-01T00:00:00Z", "1900-01-01T00:00:00Z"},
		{"2100-12-31T23:59:59Z", "2100-12-31T23:59:59Z"},
		{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
		{"9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z"},
		// Not times.
		{"", ""},
		{"2026-11-20T08:14:00", ""}, // no zone
		{"2026-11-20", ""},
		{"2026-11-20T08:14Z", ""},
		{"2026-13-20T08:14:00Z", ""},
		{"2026-00-20T08:14:00Z", ""},
		{"2026-11-31T08:14:00Z", ""},
		{"2026-11-00T08:14:00Z", ""},
		{"2026-02-29T08:14:00Z", ""},
		{"1900-02-29T08:14:00Z", ""},
		{"2026-11-20T24:00:00Z", ""},
		{"2026-11-20T08:60:00Z", ""},
		{"2026-11-20T08:14:60Z", ""}, // no leap second
		{"2026-11-20T08:14:61Z", ""},
		{"2026-11-20T08:14:00.Z", ""},
		{"2026-11-20T08:14:00,5Z", ""},
		{"2026-11-20T08:14:00+24:00", ""},
		{"2026-11-20T08:14:00+09:60", ""},
		{"2026-11-20T08:14:00+9:00", ""},
		{"2026-11-20T08:14:00+09", ""},
		{"2026-11-20T08:14:00+09:000", ""},
		{"2026-11-20T08:14:00ZZ", ""},
		{"2026-11-20T08:14:00Z ", ""},
		{" 2026-11-20T08:14:00Z", ""},
		{"2026/11/20T08:14:00Z", ""},
		{"2026-11-20X08:14:00Z", ""},
		{"+026-11-20T08:14:00Z", ""},
		{"2026-1a-20T08:14:00Z", ""},
		{"0000-01-01T00:00:00Z", ""},         // year 0
		{"0001-01-01T00:00:00+00:01", ""},    // before year 1
		{"9999-12-31T23:59:59-00:01", ""},    // after 9999
		{"2026-11-20T08:14:00.268Z\x00", ""}, // trailing byte
		{"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := f.Parse(str(tc.in), 0, nil)
			if tc.want == "" {
				require.False(t, ok, "parsed as %v", got)
				return
			}
			require.True(t, ok)
			require.Equal(t, utc(tc.want), got)
			require.Equal(t, time.UTC, got.Location())
		})
	}
	// Values that are not strings.
	for _, v := range [][]byte{{0x01}, {0xc0}, {0xc3}, mp.AppendInt(nil, 1763626440), {0x91, 0xa1, 'x'}} {
		_, ok := f.Parse(v, 0, nil)
		require.False(t, ok, "% x", v)
	}
	// Offsets and truncation.
	src := append([]byte{0x01}, str("2026-11-20T08:14:00Z")...)
	_, ok := f.Parse(src, 1, nil)
	require.True(t, ok)
	for _, off := range []int{-1, len(src), len(src) + 5} {
		_, ok := f.Parse(src, off, nil)
		require.False(t, ok)
	}
	_, ok = f.Parse(src[:len(src)-1], 1, nil)
	require.False(t, ok, "truncated str")
}

func TestUnix(t *testing.T) {
	s, ms := mustFormat(t, "unix_s"), mustFormat(t, "unix_ms")
	f64 := func(f float64) []byte {
		b := math.Float64bits(f)
		return []byte{0xcb, byte(b >> 56), byte(b >> 48), byte(b >> 40), byte(b >> 32), byte(b >> 24), byte(b >> 16), byte(b >> 8), byte(b)}
	}
	f32 := func(f float32) []byte {
		b := math.Float32bits(f)
		return []byte{0xca, byte(b >> 24), byte(b >> 16), byte(b >> 8), byte(b)}
	}
	for _, tc := range []struct {
		name string
		f    Format
		v    []byte
		want string
	}{
		{"netop int", s, mp.AppendInt(nil, 1763626443), "2025-11-20T08:14:03Z"},
		{"uint32", s, []byte{0xce, 0x69, 0x1e, 0x8d, 0x80}, "2025-11-20T03:39:44Z"},
		{"uint64", s, mp.AppendUint(nil, 1763626443), "2025-11-20T08:14:03Z"},
		{"zero", s, []byte{0x00}, "1970-01-01T00:00:00Z"},
		{"negative", s, mp.AppendInt(nil, -2208988800), "1900-01-01T00:00:00Z"},
		{"2100", s, mp.AppendInt(nil, 4133980799), "2100-12-31T23:59:59Z"},
		{"year 1", s, mp.AppendInt(nil, minUnix), "0001-01-01T00:00:00Z"},
		{"year 9999", s, mp.AppendInt(nil, maxUnix), "9999-12-31T23:59:59Z"},
		{"before year 1", s, mp.AppendInt(nil, minUnix-1), ""},
		{"after 9999", s, mp.AppendInt(nil, maxUnix+1), ""},
		{"max int64", s, mp.AppendInt(nil, math.MaxInt64), ""},
		{"min int64", s, mp.AppendInt(nil, math.MinInt64), ""},
		{"uint64 past int64", s, mp.AppendUint(nil, math.MaxUint64), ""},
		{"float", s, f64(1763626443.123456), "2025-11-20T08:14:03.123456Z"},
		{"float rounds to the µs", s, f64(1763626443.1234567), "2025-11-20T08:14:03.123457Z"},
		{"float negative", s, f64(-1.5), "1969-12-31T23:59:58.5Z"},
		{"float32", s, f32(16), "1970-01-01T00:00:16Z"},
		{"float NaN", s, f64(math.NaN()), ""},
		{"float +Inf", s, f64(math.Inf(1)), ""},
		{"float huge", s, f64(1e300), ""},
		{"string", s, str("1763626443"), "2025-11-20T08:14:03Z"},
		{"string fraction", s, str("1763626443.123456789"), "2025-11-20T08:14:03.123456789Z"},
		{"string fraction 1", s, str("1763626443.5"), "2025-11-20T08:14:03.5Z"},
		{"string negative", s, str("-1.25"), "1969-12-31T23:59:58.75Z"},
		{"string leading zeros", s, str("0001763626443"), "2025-11-20T08:14:03Z"},
		{"string 10 fraction digits", s, str("1.1234567890"), ""},
		{"string empty", s, str(""), ""},
		{"string dot", s, str("1."), ""},
		{"string only fraction", s, str(".5"), ""},
		{"string sign only", s, str("-"), ""},
		{"string plus", s, str("+1"), ""},
		{"string space", s, str(" 1"), ""},
		{"string exponent", s, str("1e9"), ""},
		{"string huge", s, str("99999999999999999999999999"), ""},
		{"bool", s, []byte{0xc3}, ""},
		{"nil", s, []byte{0xc0}, ""},
		{"array", s, []byte{0x91, 0x01}, ""},
		{"ext time", s, []byte{0xd7, 0x00, 0, 0, 0, 1, 0, 0, 0, 0}, ""},
		{"ms int", ms, mp.AppendInt(nil, 1763626443268), "2025-11-20T08:14:03.268Z"},
		{"ms negative", ms, mp.AppendInt(nil, -1), "1969-12-31T23:59:59.999Z"},
		{"ms negative whole", ms, mp.AppendInt(nil, -2208988800000), "1900-01-01T00:00:00Z"},
		{"ms 2100", ms, mp.AppendInt(nil, 4133980799999), "2100-12-31T23:59:59.999Z"},
		{"ms after 9999", ms, mp.AppendInt(nil, (maxUnix+1)*1000), ""},
		{"ms float", ms, f64(1763626443268.5), "2025-11-20T08:14:03.2685Z"},
		{"ms float negative", ms, f64(-0.5), "1969-12-31T23:59:59.9995Z"},
		{"ms string", ms, str("1763626443268"), "2025-11-20T08:14:03.268Z"},
		{"ms string fraction", ms, str("1763626443268.123456"), "2025-11-20T08:14:03.268123456Z"},
		{"ms string negative", ms, str("-1.5"), "1969-12-31T23:59:59.9985Z"},
		{"ms string 7 fraction digits", ms, str("1.1234567"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.f.Parse(tc.v, 0, nil)
			if tc.want == "" {
				require.False(t, ok, "parsed as %v", got)
				return
			}
			require.True(t, ok)
			require.Equal(t, utc(tc.want), got)
		})
	}
}

func TestLayout(t *testing.T) {
	fb := mustFormat(t, "layout 2006-01-02 15:04:05")
	seoul := mustZone(t, "Asia/Seoul")
	for _, tc := range []struct {
		name   string
		layout string
		in     string
		loc    *time.Location
		want   string
	}{
		{"filingbox UTC", "", "2026-11-20 08:14:00", time.UTC, "2026-11-20T08:14:00Z"},
		{"nil is UTC", "", "2026-11-20 08:14:00", nil, "2026-11-20T08:14:00Z"},
		{"filingbox Seoul", "", "2026-11-20 08:14:00", seoul, "2026-11-19T23:14:00Z"},
		{"fixed offset", "", "2026-11-20 08:14:00", mustZone(t, "-05:30"), "2026-11-20T13:44:00Z"},
		{"1900", "", "1900-01-01 00:00:00", time.UTC, "1900-01-01T00:00:00Z"},
		{"1970", "", "1970-01-01 00:00:00", time.UTC, "1970-01-01T00:00:00Z"},
		{"2100", "", "2100-12-31 23:59:59", time.UTC, "2100-12-31T23:59:59Z"},
		{"year 1 east of UTC", "", "0001-01-01 00:00:00", seoul, ""},
		{"year 9999 west of UTC", "", "9999-12-31 23:00:00", mustZone(t, "-05:00"), ""},
		{"one-digit hour, as Go", "", "2026-11-20 8:14:00", time.UTC, "2026-11-20T08:14:00Z"},
		{"fraction not in the layout, as Go", "", "2026-11-20 08:14:00.5", time.UTC, "2026-11-20T08:14:00.5Z"},
		{"long fraction not in the layout", "", "2026-11-20 08:14:00,1234567891", time.UTC, "2026-11-20T08:14:00.123456789Z"},
		{"no time", "", "", time.UTC, ""},
		{"date only", "", "2026-11-20", time.UTC, ""},
		{"month 13", "", "2026-13-20 08:14:00", time.UTC, ""},
		{"Feb 30", "", "2026-02-30 08:14:00", time.UTC, ""},
		{"hour 24", "", "2026-11-20 24:00:00", time.UTC, ""},
		{"second 60", "", "2026-11-20 08:14:60", time.UTC, ""},
		{"one-digit minute", "", "2026-11-20 08:4:00", time.UTC, ""},
		{"trailing text", "", "2026-11-20 08:14:00Z", time.UTC, ""},
		{"T instead of space", "", "2026-11-20T08:14:00", time.UTC, ""},
		{"year 0", "", "0000-01-01 00:00:00", time.UTC, ""},
		{"fraction .000", "2006-01-02 15:04:05.000", "2026-11-20 08:14:00.268", time.UTC, "2026-11-20T08:14:00.268Z"},
		{"fraction .000 with comma", "2006-01-02 15:04:05.000", "2026-11-20 08:14:00,268", time.UTC, "2026-11-20T08:14:00.268Z"},
		{"fraction .000 too short", "2006-01-02 15:04:05.000", "2026-11-20 08:14:00.26", time.UTC, ""},
		{"fraction .000 missing", "2006-01-02 15:04:05.000", "2026-11-20 08:14:00", time.UTC, ""},
		{"fraction .999 present", "2006-01-02 15:04:05.999", "2026-11-20 08:14:00.26", time.UTC, "2026-11-20T08:14:00.26Z"},
		{"fraction .999 absent", "2006-01-02 15:04:05.999", "2026-11-20 08:14:00", time.UTC, "2026-11-20T08:14:00Z"},
		{"compact", "20060102150405", "20261120081400", time.UTC, "2026-11-20T08:14:00Z"},
		{"date only layout", "2006-01-02", "2026-11-20", time.UTC, "2026-11-20T00:00:00Z"},
		{"day first", "02/01/2006 15:04", "20/11/2026 08:14", time.UTC, "2026-11-20T08:14:00Z"},
		{"non-string", "", "", time.UTC, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fb
			if tc.layout != "" {
				f = mustFormat(t, "layout "+tc.layout)
			}
			v := str(tc.in)
			if tc.name == "non-string" {
				v = mp.AppendInt(nil, 20261120)
			}
			got, ok := f.Parse(v, 0, tc.loc)
			if tc.want == "" {
				require.False(t, ok, "parsed as %v", got)
				return
			}
			require.True(t, ok)
			require.Equal(t, utc(tc.want), got.UTC())
			loc := tc.loc
			if loc == nil {
				loc = time.UTC
			}
			require.Equal(t, loc, got.Location(), "a layout's time comes back in its zone")
			if tc.in != "" && tc.loc != nil {
				layout := tc.layout
				if layout == "" {
					layout = "2006-01-02 15:04:05"
				}
				goT, err := time.ParseInLocation(layout, tc.in, tc.loc)
				require.NoError(t, err)
				require.Equal(t, goT.UnixNano(), got.UnixNano(), "as Go reads it")
			}
		})
	}
}

// DST edges in the two zones of the brief, 2026: the missing hour reads
// with the offset from before the change (later by the gap), the repeated
// hour is the earlier instant.
func TestLayoutDST(t *testing.T) {
	f := mustFormat(t, "layout 2006-01-02 15:04:05")
	hel, ny := mustZone(t, "Europe/Helsinki"), mustZone(t, "America/New_York")
	for _, tc := range []struct {
		name, in string
		loc      *time.Location
		want     string
	}{
		// Helsinki springs forward 2026-03-29 03:00 EET → 04:00 EEST (01:00Z).
		{"hel before gap", "2026-03-29 02:59:59", hel, "2026-03-29T00:59:59Z"},
		{"hel gap start", "2026-03-29 03:00:00", hel, "2026-03-29T01:00:00Z"},
		{"hel in gap", "2026-03-29 03:30:00", hel, "2026-03-29T01:30:00Z"},
		{"hel gap end", "2026-03-29 03:59:59", hel, "2026-03-29T01:59:59Z"},
		{"hel after gap", "2026-03-29 04:00:00", hel, "2026-03-29T01:00:00Z"},
		// Helsinki falls back 2026-10-25 04:00 EEST → 03:00 EET (01:00Z).
		{"hel before overlap", "2026-10-25 02:59:59", hel, "2026-10-24T23:59:59Z"},
		{"hel overlap start", "2026-10-25 03:00:00", hel, "2026-10-25T00:00:00Z"},
		{"hel overlap", "2026-10-25 03:30:00", hel, "2026-10-25T00:30:00Z"},
		{"hel overlap end", "2026-10-25 03:59:59", hel, "2026-10-25T00:59:59Z"},
		{"hel after overlap", "2026-10-25 04:00:00", hel, "2026-10-25T02:00:00Z"},
		// New York springs forward 2026-03-08 02:00 EST → 03:00 EDT (07:00Z).
		{"ny before gap", "2026-03-08 01:59:59", ny, "2026-03-08T06:59:59Z"},
		{"ny gap start", "2026-03-08 02:00:00", ny, "2026-03-08T07:00:00Z"},
		{"ny in gap", "2026-03-08 02:30:00", ny, "2026-03-08T07:30:00Z"},
		{"ny after gap", "2026-03-08 03:00:00", ny, "2026-03-08T07:00:00Z"},
		// New York falls back 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
		{"ny before overlap", "2026-11-01 00:59:59", ny, "2026-11-01T04:59:59Z"},
		{"ny overlap start", "2026-11-01 01:00:00", ny, "2026-11-01T05:00:00Z"},
		{"ny overlap", "2026-11-01 01:30:00", ny, "2026-11-01T05:30:00Z"},
		{"ny overlap end", "2026-11-01 01:59:59", ny, "2026-11-01T05:59:59Z"},
		{"ny after overlap", "2026-11-01 02:00:00", ny, "2026-11-01T07:00:00Z"},
		// Far from now, with the zone's rules of the day.
		{"ny 1900 (LMT until 1883, EST)", "1900-07-01 12:00:00", ny, "1900-07-01T17:00:00Z"},
		{"hel 2100 summer", "2100-07-01 12:00:00", hel, "2100-07-01T09:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := f.Parse(str(tc.in), 0, tc.loc)
			require.True(t, ok)
			require.Equal(t, utc(tc.want), got.UTC())
		})
	}
}

// resolve against an oracle over every half hour of 2025-2027 in zones with
// odd rules (30-minute DST on Lord Howe, the southern hemisphere, +12:45 on
// Chatham): the instants that show a wall time are found among all the
// offsets the zone uses, and the earliest must win; when none shows it (a
// gap), the result must be after a change, the wall time moved forward by
// at most the gap.
func TestResolveOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	for _, name := range []string{"Europe/Helsinki", "America/New_York", "Australia/Lord_Howe", "Australia/Sydney", "Pacific/Chatham", "Asia/Seoul", "America/Santiago", "UTC"} {
		loc := mustZone(t, name)
		offsets := map[int]bool{}
		for u := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC); u.Year() < 2028; u = u.Add(6 * time.Hour) {
			_, o := u.In(loc).Zone()
			offsets[o] = true
		}
		for w := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); w.Year() < 2028; w = w.Add(30 * time.Minute) {
			wall := w.Unix()
			got, ok := resolve(wall, 0, loc)
			require.True(t, ok)
			var best int64
			found := false
			for o := range offsets {
				u := wall - int64(o)
				if _, got := time.Unix(u, 0).In(loc).Zone(); got == o && (!found || u < best) {
					best, found = u, true
				}
			}
			if found {
				require.Equal(t, best, got.Unix(), "%s %s", name, w.Format("2006-01-02 15:04"))
				continue
			}
			// A gap: the result is after the change, the wall time moved
			// forward by less than the gap (at most 2 h in these zones).
			shown := time.Date(got.Year(), got.Month(), got.Day(), got.Hour(), got.Minute(), got.Second(), 0, time.UTC).Unix()
			require.Greater(t, shown, wall, "%s %s", name, w.Format("2006-01-02 15:04"))
			require.LessOrEqual(t, shown-wall, int64(2*3600))
			before, _ := got.Add(-time.Duration(shown-wall) * time.Second).Zone()
			after, _ := got.Zone()
			require.NotEqual(t, before, after, "%s %s: a gap at a change", name, w.Format("2006-01-02 15:04"))
		}
	}
}

func TestLoadZone(t *testing.T) {
	for _, tc := range []struct {
		name   string
		offset int // seconds east of UTC at 2026-01-15T12:00Z
		zone   string
	}{
		{"Europe/Helsinki", 2 * 3600, "EET"},
		{"Asia/Seoul", 9 * 3600, "KST"},
		{"UTC", 0, "UTC"},
		{"Etc/GMT-3", 3 * 3600, "+03"},
		{"+09:00", 9 * 3600, "+09:00"},
		{"-05:30", -(5*3600 + 1800), "-05:30"},
		{"+0900", 9 * 3600, "+09:00"},
		{"-0330", -(3*3600 + 1800), "-03:30"},
		{"+09", 9 * 3600, "+09:00"},
		{"+00:00", 0, "+00:00"},
		{"-18:00", -18 * 3600, "-18:00"},
	} {
		loc, err := LoadZone(tc.name)
		require.NoError(t, err, tc.name)
		zone, off := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC).In(loc).Zone()
		require.Equal(t, tc.offset, off, tc.name)
		require.Equal(t, tc.zone, zone, tc.name)
	}
	for _, tc := range []struct{ name, msg string }{
		{"", "empty time zone"},
		{"Local", `"Local" is refused: the zone must be explicit`},
		{"Mars/Olympus_Mons", `time zone "Mars/Olympus_Mons": not an IANA name`},
		{"../etc/passwd", "not an IANA name"},
		{"+25:00", `offset "+25:00": accepted: ±hh:mm, ±hhmm or ±hh up to ±18:00`},
		{"+18:01", "up to ±18:00"},
		{"+09:60", "accepted"},
		{"+9", "accepted"},
		{"+9:00", "accepted"},
		{"+09:0", "accepted"},
		{"+09-00", "accepted"},
		{"-", "accepted"},
	} {
		_, err := LoadZone(tc.name)
		require.ErrorContains(t, err, tc.msg, tc.name)
	}
}

func TestAppendRFC3339Millis(t *testing.T) {
	const layout = "2006-01-02T15:04:05.000Z07:00"
	for _, tt := range []time.Time{
		time.Date(2026, 11, 20, 8, 14, 0, 268999999, time.UTC),
		time.Date(2026, 11, 20, 17, 14, 0, 5e6, mustZone(t, "+09:00")),
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999e6, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), // beyond: AppendFormat's text
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		want := tt.UTC().Format(layout)
		require.Equal(t, "x"+want, string(AppendRFC3339Millis([]byte("x"), tt)))
		// A Stamp writes the same, in a second it has seen or not.
		var st Stamp
		for _, d := range []time.Duration{0, 0, time.Millisecond, time.Second, -time.Second, 24 * time.Hour, -time.Hour, 13*time.Hour + 59*time.Minute} {
			require.Equal(t, "x"+tt.Add(d).UTC().Format(layout), string(st.AppendMillis([]byte("x"), tt.Add(d))))
		}
	}
	dst := make([]byte, 0, 32)
	now := time.Date(2026, 11, 20, 8, 14, 0, 268e6, mustZone(t, "Europe/Helsinki"))
	require.Zero(t, testing.AllocsPerRun(100, func() { dst = AppendRFC3339Millis(dst[:0], now) }))
	var st Stamp
	require.Zero(t, testing.AllocsPerRun(100, func() { dst = st.AppendMillis(dst[:0], now) }))
}

func TestEventTime(t *testing.T) {
	for _, tc := range []struct {
		t  time.Time
		ok bool
	}{
		{time.Date(2026, 11, 20, 8, 14, 0, 773205000, time.UTC), true},
		{time.Unix(0, 0), true},
		{time.Unix(0, 999999999), true},
		{time.Unix(0xFFFFFFFD, 0), true},  // 2106-02-07T06:28:13Z
		{time.Unix(0xFFFFFFFE, 0), false}, // group end marker
		{time.Unix(0xFFFFFFFF, 0), false}, // group start marker
		{time.Unix(1<<32, 0), false},
		{time.Unix(-1, 999999999), false}, // before 1970
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2100, 1, 1, 0, 0, 0, 0, mustZone(t, "Asia/Seoul")), true},
	} {
		require.Equal(t, tc.ok, EventTimeOK(tc.t), tc.t)
		b := AppendEventTime([]byte{0x01}, tc.t)
		if !tc.ok {
			require.Equal(t, []byte{0x01}, b, "nothing appended")
			continue
		}
		require.Len(t, b, 11)
		require.Equal(t, []byte{0xd7, 0x00}, b[1:3])
		sec, ok := mp.EventTimeSeconds(b, 1)
		require.True(t, ok)
		require.EqualValues(t, tc.t.Unix(), sec)
		got, next, ok := ReadEventTime(b, 1)
		require.True(t, ok)
		require.Equal(t, len(b), next)
		require.True(t, tc.t.Equal(got), "%v != %v", tc.t, got)
	}
	// Fluent Bit's EventTime of the mp tests: 0x691e8d80 s, 0x1dcd6500 ns.
	ev := []byte{0xd7, 0x00, 0x69, 0x1e, 0x8d, 0x80, 0x1d, 0xcd, 0x65, 0x00}
	got, next, ok := ReadEventTime(ev, 0)
	require.True(t, ok)
	require.Equal(t, 10, next)
	require.Equal(t, time.Unix(0x691e8d80, 500000000).UTC(), got)
	require.Equal(t, ev, AppendEventTime(nil, got))
	// ext8 of length 8, as some encoders write it.
	got8, next, ok := ReadEventTime(append([]byte{0xc7, 0x08}, ev[1:]...), 0)
	require.True(t, ok)
	require.Equal(t, 11, next)
	require.Equal(t, got, got8)
	for _, bad := range [][]byte{
		ev[:9],
		{0xd7, 0x01, 0, 0, 0, 1, 0, 0, 0, 0}, // ext type 1
		{0xd7, 0x00, 0, 0, 0, 1, 0x3b, 0x9a, 0xca, 0x00}, // 1e9 ns
		{0xd7, 0x00, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, // group start
		{0xcf, 0, 0, 0, 0, 0x69, 0x1e, 0x8d, 0x80},
	} {
		_, _, ok := ReadEventTime(bad, 0)
		require.False(t, ok, "% x", bad)
	}
	dst := make([]byte, 0, 16)
	now := time.Now()
	require.Zero(t, testing.AllocsPerRun(100, func() { dst = AppendEventTime(dst[:0], now) }))
}

func TestParseNoAlloc(t *testing.T) {
	hel := mustZone(t, "Europe/Helsinki")
	for _, tc := range []struct {
		format string
		v      []byte
	}{
		{"rfc3339", str("2026-11-20T08:14:00.773205Z")},
		{"rfc3339", str("2026-11-20T17:14:00.268+09:00")},
		{"unix_s", mp.AppendInt(nil, 1763626443)},
		{"unix_s", str("1763626443.5")},
		{"unix_ms", mp.AppendInt(nil, 1763626443268)},
		{"layout 2006-01-02 15:04:05", str("2026-11-20 08:14:00")},
		{"layout 2006-01-02 15:04:05", str("2026-10-25 03:30:00")}, // ambiguous
		{"layout 2006-01-02 15:04:05", str("2026-03-29 03:30:00")}, // missing
	} {
		f := mustFormat(t, tc.format)
		require.Zero(t, testing.AllocsPerRun(100, func() {
			if _, ok := f.Parse(tc.v, 0, hel); !ok {
				panic(tc.format)
			}
		}), tc.format)
	}
}

// fuzzFormats are the formats FuzzParse picks from (its first byte).
var fuzzFormats = []string{
	"rfc3339", "unix_s", "unix_ms",
	"layout 2006-01-02 15:04:05",
	"layout 2006-01-02T15:04:05.000",
	"layout 02/01/2006 15:04:05.999999",
	"layout 20060102150405",
}

// FuzzParse: any format (pick's bits 0-2), any zone (bits 3-4), any msgpack
// value (or, with bit 7, the input as the text of a str): no panic; a parsed
// time is in years 1-9999; an rfc3339 time round-trips through
// time.Format(RFC3339Nano) to the same instant, and is what time.Parse reads
// when the text is in Go's RFC 3339 form; a layout's time in UTC is what
// time.ParseInLocation reads.
func FuzzParse(f *testing.F) {
	f.Add(byte(0), str("2026-11-20T08:14:00.268Z"))
	f.Add(byte(0x80), []byte("2026-11-20T08:14:00.773205+09:00"))
	f.Add(byte(0x83), []byte("2026-03-29 03:30:00"))
	f.Add(byte(0), str("2026-11-20 08:14:00.773205+0900"))
	f.Add(byte(1), mp.AppendInt(nil, 1763626443))
	f.Add(byte(1), str("1763626443.123"))
	f.Add(byte(2), []byte{0xcb, 0x42, 0x79, 0xab, 0x4b, 0x0f, 0x04, 0x48, 0x00})
	f.Add(byte(3), str("2026-11-20 08:14:00"))
	f.Add(byte(3+8), str("2026-10-25 03:30:00"))
	f.Add(byte(4), str("2026-11-20T08:14:00.268"))
	f.Add(byte(5), str("20/11/2026 08:14:00.5"))
	f.Add(byte(6), str("20261120081400"))
	formats := make([]Format, len(fuzzFormats))
	for i, s := range fuzzFormats {
		formats[i] = mustFormat(f, s)
	}
	zones := []*time.Location{time.UTC, mustZone(f, "Europe/Helsinki"), mustZone(f, "America/New_York"), mustZone(f, "+09:00")}
	f.Fuzz(func(t *testing.T, pick byte, src []byte) {
		if len(src) > 64<<10 {
			return
		}
		form := formats[int(pick&7)%len(formats)]
		loc := zones[int(pick>>3&3)]
		if pick&0x80 != 0 { // the bytes as the text of a str
			src = str(string(src))
		}
		got, ok := form.Parse(src, 0, loc)
		if !ok {
			return
		}
		if y := got.UTC().Year(); y < 1 || y > 9999 {
			t.Fatalf("year %d", y)
		}
		s, e, isStr := mp.Str(src, 0)
		switch form.kind {
		case kindRFC3339:
			text := got.Format(time.RFC3339Nano)
			again, ok := form.Parse(str(text), 0, nil)
			if !ok || !again.Equal(got) {
				t.Fatalf("%q → %v → %q → %v, %v", src, got, text, again, ok)
			}
			in := string(src[s:e])
			if in[10] == 'T' && (in[len(in)-1] == 'Z' || in[len(in)-3] == ':') {
				goT, err := time.Parse(time.RFC3339Nano, in)
				if err != nil || !goT.Equal(got) {
					t.Fatalf("%q: %v, Go reads %v, %v", in, got, goT, err)
				}
			}
		case kindLayout:
			if !isStr {
				t.Fatalf("a layout parsed a non-string")
			}
			if loc == time.UTC {
				goT, err := time.ParseInLocation(form.text[len("layout "):], string(src[s:e]), time.UTC)
				if err != nil || !goT.Equal(got) {
					t.Fatalf("%q: %v, Go reads %v, %v", src[s:e], got, goT, err)
				}
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	hel := mustZone(b, "Europe/Helsinki")
	for _, tc := range []struct {
		name, format string
		v            []byte
	}{
		{"rfc3339_privx", "rfc3339", str("2026-11-20T08:14:00.773205Z")},
		{"rfc3339_plusauth", "rfc3339", str("2026-11-20T08:14:00.268Z")},
		{"rfc3339_offset", "rfc3339", str("2026-11-20T17:14:00.268+09:00")},
		{"unix_s_int", "unix_s", mp.AppendInt(nil, 1763626443)},
		{"unix_s_float", "unix_s", []byte{0xcb, 0x41, 0xda, 0x47, 0xa3, 0x32, 0xc7, 0xe6, 0xb8}},
		{"unix_s_string", "unix_s", str("1763626443")},
		{"unix_ms_int", "unix_ms", mp.AppendInt(nil, 1763626443268)},
		{"layout_filingbox_utc", "layout 2006-01-02 15:04:05", str("2026-11-20 08:14:00")},
		{"layout_filingbox_helsinki", "layout 2006-01-02 15:04:05", str("2026-11-20 08:14:00")},
	} {
		f := mustFormat(b, tc.format)
		loc := time.UTC
		if bytes.Contains([]byte(tc.name), []byte("helsinki")) {
			loc = hel
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.v)))
			for b.Loop() {
				if _, ok := f.Parse(tc.v, 0, loc); !ok {
					b.Fatal("no time")
				}
			}
		})
	}
	b.Run("go_time_parse_rfc3339", func(b *testing.B) { // for comparison
		s := "2026-11-20T08:14:00.773205Z"
		b.ReportAllocs()
		for b.Loop() {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go_time_parse_rfc3339_offset", func(b *testing.B) { // for comparison
		s := "2026-11-20T17:14:00.268+09:00"
		b.ReportAllocs()
		for b.Loop() {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go_time_parse_in_location", func(b *testing.B) { // for comparison
		b.ReportAllocs()
		for b.Loop() {
			if _, err := time.ParseInLocation("2006-01-02 15:04:05", "2026-11-20 08:14:00", hel); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	t := time.Date(2026, 11, 20, 8, 14, 0, 268e6, time.UTC)
	dst := make([]byte, 0, 64)
	b.Run("rfc3339_millis", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst = AppendRFC3339Millis(dst[:0], t)
		}
	})
	b.Run("go_append_format", func(b *testing.B) { // for comparison
		b.ReportAllocs()
		for b.Loop() {
			dst = t.AppendFormat(dst[:0], "2006-01-02T15:04:05.000Z07:00")
		}
	})
	b.Run("event_time", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst = AppendEventTime(dst[:0], t)
		}
	})
}
