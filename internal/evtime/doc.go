// Package evtime owns the vendor's event time (docs/layout.md): the time formats
// a vendor descriptor names (ParseFormat), reading a time from a msgpack
// value in one of them (Format.Parse, no allocation), the zone of zoneless
// times (LoadZone, with the tz database embedded), and writing a time back
// as an RFC 3339 string (AppendRFC3339Millis) or as Fluent Bit's EventTime
// (AppendEventTime, EventTimeOK, ReadEventTime).
//
// # Formats
//
//   - "rfc3339": YYYY-MM-DD, then 'T', 't' or ' ' (RFC 3339 §5.6 allows the
//     space), hh:mm:ss, an optional fraction ('.' and one digit or more:
//     nine are kept, more are truncated, as Go's time.Parse does), then a
//     zone that must be there: 'Z', 'z', ±hh:mm or ±hhmm (ISO 8601's basic
//     form; hh 00-23, mm 00-59). No other form (no week dates, no ordinal
//     dates, no ',' fraction, no zoneless time: use a layout for those).
//   - "unix_s": seconds since 1970-01-01T00:00:00Z as a msgpack integer, a
//     msgpack float (its fraction rounded to the microsecond: a float64 near
//     today's epoch holds no finer digit) or a string "-?digits" with an
//     optional fraction of 1-9 digits (kept to the nanosecond).
//   - "unix_ms": milliseconds likewise: integer, float (rounded to the
//     microsecond) or a string "-?digits" with an optional fraction of 1-6
//     digits.
//   - "layout <Go layout>": a zoneless local time in a subset of Go's layout
//     language: 2006 (4-digit year), 01 (2-digit month), 02 (2-digit day), 15
//     (hour, 1 or 2 digits as Go reads it), 04, 05 (2-digit minute, second),
//     .000 to .000000000 (exactly that many fraction digits, '.' or ','),
//     .999 to .999999999 (an optional fraction), and every other byte as a
//     literal. 2006, 01 and 02 are required, each element at most once, a
//     fraction right after 05; when the layout has no fraction a fraction in
//     the value after the seconds is still read (as Go does). Every other Go
//     element (Jan, Mon, MST, Z07:00, -0700, PM, 1, 2, 3, _2, 002, 06, ...)
//     is refused by ParseFormat with its name. The time is read in the zone
//     given to Parse.
//
// A time must be one: month 1-12, a day that exists in its month (leap
// years counted), hour 0-23, minute and second 0-59 (a leap second :60 is
// refused, as Go's parser and Elasticsearch's strict formats refuse it),
// offset hours 0-23; and its instant must fall in the years 1 to 9999 UTC
// (what RFC 3339 and Elasticsearch's dates can write). A time is used as
// given however far from now: 1900 and 2100 parse.
//
// # Zoneless times at a DST change
//
// An ambiguous local time (the repeated hour when clocks fall back) is the
// EARLIER of its two instants (the first pass, in summer time). A local time
// that does not exist (the skipped hour when clocks spring forward) is read
// with the offset in force before the change, so it lands after the change
// as many minutes in as it was past the start of the gap: 02:30 on the
// spring-forward night in New York is 03:30 EDT (07:30Z), as java.time's
// ZonedDateTime.ofLocal and Python's zoneinfo (fold=0) read it; the clock
// that skipped the hour was still on standard time. Both are computed from
// the zone's transitions (Time.ZoneBounds), not left to time.Date, whose
// choice the Go docs do not guarantee (Go 1.26's time.Date reads that 02:30
// as 01:30 EST, 06:30Z, an hour earlier).
//
// It owns times only: nothing of the record's layout, which key holds the
// time (the vendor descriptor) or what to do when there is none (the
// enricher keeps the read time and counts it).
package evtime
