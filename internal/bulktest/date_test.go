package bulktest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDateFormats pins how a date field reads a value with its format
// (docs, "format": built-in formats and java.time patterns, tried in order
// with "||"; "Date field type": epoch_millis, epoch_second).
func TestDateFormats(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	cases := []struct {
		name   string
		format string
		in     string
		want   time.Time
		ok     bool
	}{
		{"default: RFC 3339 with Z", DefaultDateFormat, "2026-11-20T08:14:00Z", utc(2026, 11, 20, 8, 14, 0, 0), true},
		{"default: microseconds (PrivX created)", DefaultDateFormat, "2026-11-20T08:14:00.773205Z", utc(2026, 11, 20, 8, 14, 0, 773205000), true},
		{"default: nanoseconds (the CRI time)", DefaultDateFormat, "2026-11-20T08:14:00.000000001Z", utc(2026, 11, 20, 8, 14, 0, 1), true},
		{"default: an offset is applied", DefaultDateFormat, "2026-11-20T09:14:00+01:00", utc(2026, 11, 20, 8, 14, 0, 0), true},
		{"default: an offset without colon", DefaultDateFormat, "2026-11-20T09:14:00+0100", utc(2026, 11, 20, 8, 14, 0, 0), true},
		{"default: no zone is UTC", DefaultDateFormat, "2026-11-20T08:14:00", utc(2026, 11, 20, 8, 14, 0, 0), true},
		{"default: a date alone", DefaultDateFormat, "2026-11-20", utc(2026, 11, 20, 0, 0, 0, 0), true},
		{"default: a year and month", DefaultDateFormat, "2026-11", utc(2026, 11, 1, 0, 0, 0, 0), true},
		{"default: a comma before the fraction", DefaultDateFormat, "2026-11-20T08:14:00,5Z", utc(2026, 11, 20, 8, 14, 0, 500000000), true},
		{"default: a space instead of T is refused (FilingBox's zoneless Date)", DefaultDateFormat, "2026-11-20 08:14:00", time.Time{}, false},
		{"default: February 30 is refused", DefaultDateFormat, "2026-02-30", time.Time{}, false},
		{"default: a one-digit month is refused by the strict format", DefaultDateFormat, "2026-1-20", time.Time{}, false},
		{"date_optional_time: a one-digit month is taken", "date_optional_time", "2026-1-20", utc(2026, 1, 20, 0, 0, 0, 0), true},
		{"default: epoch millis", DefaultDateFormat, "1763626443000", utc(2025, 11, 20, 8, 14, 3, 0), true},
		{"default: epoch SECONDS are read as millis: 1970 (Netop's action_timestamp)", DefaultDateFormat, "1763626443", time.UnixMilli(1763626443).UTC(), true},
		{"default: negative epoch millis", DefaultDateFormat, "-1000", utc(1969, 12, 31, 23, 59, 59, 0), true},
		{"epoch_millis: a fraction is microseconds", "epoch_millis", "1763626443000.5", utc(2025, 11, 20, 8, 14, 3, 500000), true},
		{"epoch_second: Unix seconds", "epoch_second", "1763626443", utc(2025, 11, 20, 8, 14, 3, 0), true},
		{"epoch_second: with a fraction", "epoch_second", "1763626443.25", utc(2025, 11, 20, 8, 14, 3, 250000000), true},
		{"epoch_millis: a word is refused", "epoch_millis", "now", time.Time{}, false},
		{"pattern yyyy-MM-dd HH:mm:ss (zoneless: UTC)", "yyyy-MM-dd HH:mm:ss", "2026-11-20 08:14:00", utc(2026, 11, 20, 8, 14, 0, 0), true},
		{"pattern yyyy/MM/dd HH:mm:ss||yyyy/MM/dd (dynamic date format)", "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd", "2026/11/20", utc(2026, 11, 20, 0, 0, 0, 0), true},
		{"pattern with quoted T and XXX offset", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2026-11-20T08:14:00.268Z", utc(2026, 11, 20, 8, 14, 0, 268000000), true},
		{"pattern SSS needs three digits", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2026-11-20T08:14:00.26Z", time.Time{}, false},
		{"pattern with an optional section", "yyyy-MM-dd[ HH:mm]", "2026-11-20 08:14", utc(2026, 11, 20, 8, 14, 0, 0), true},
		{"pattern with month names", "dd MMM yyyy", "20 Nov 2026", utc(2026, 11, 20, 0, 0, 0, 0), true},
		{"strict_date_time needs millis and a zone", "strict_date_time", "2026-11-20T08:14:00Z", time.Time{}, false},
		{"strict_date_time_no_millis", "strict_date_time_no_millis", "2026-11-20T08:14:00Z", utc(2026, 11, 20, 8, 14, 0, 0), true},
		{"the first format that parses wins", "epoch_second||strict_date_optional_time", "20261120", time.Unix(20261120, 0).UTC(), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parseDateFormat(tc.format)
			require.NoError(t, err)
			got, ok := f.read(tc.in)
			require.Equal(t, tc.ok, ok, "parsed %q with %q", tc.in, tc.format)
			if ok {
				require.True(t, tc.want.Equal(got), "want %s, got %s", tc.want, got)
			}
		})
	}
}

// TestDateFieldInstant pins what the model exposes of an indexed date: the
// instant, so a test can assert the @timestamp a document is stored at.
func TestDateFieldInstant(t *testing.T) {
	cases := []struct {
		name, mappings, doc string
		want                time.Time
	}{
		{"an epoch-seconds long in a default date field is January 1970", `{"properties": {"ts": {"type": "date"}}}`,
			`{"ts": 1763626443}`, time.Date(1970, 1, 21, 9, 53, 46, 443000000, time.UTC)},
		{"the same long with format epoch_second is the vendor's time", `{"properties": {"ts": {"type": "date", "format": "epoch_second"}}}`,
			`{"ts": 1763626443}`, time.Date(2025, 11, 20, 8, 14, 3, 0, time.UTC)},
		{"an epoch-millis string", `{"properties": {"ts": {"type": "date"}}}`,
			`{"ts": "1763626443000"}`, time.Date(2025, 11, 20, 8, 14, 3, 0, time.UTC)},
		{"date_nanos keeps nanoseconds", `{"properties": {"ts": {"type": "date_nanos"}}}`,
			`{"ts": "2026-11-20T08:14:00.123456789Z"}`, time.Date(2026, 11, 20, 8, 14, 0, 123456789, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMapping(t, tc.mappings, DefaultSettings(), es819)
			res, err := m.Index("1", obj(t, tc.doc))
			require.NoError(t, err)
			require.Len(t, res.Dates["ts"], 1)
			require.True(t, tc.want.Equal(res.Dates["ts"][0]), "want %s, got %s", tc.want, res.Dates["ts"][0])
		})
	}
	t.Run("date_nanos refuses a date before 1970", func(t *testing.T) {
		m := newMapping(t, `{"properties": {"ts": {"type": "date_nanos"}}}`, DefaultSettings(), es819)
		_, err := m.Index("1", obj(t, `{"ts": "1969-12-31T23:59:59Z"}`))
		require.ErrorContains(t, err, "of type [date_nanos]")
	})
}
