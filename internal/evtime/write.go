package evtime

import (
	"encoding/binary"
	"time"

	"github.com/auditx/auditx/internal/mp"
)

// AppendRFC3339Millis appends t in UTC as Elasticsearch's default date
// text, "2006-01-02T15:04:05.000Z" (always three fraction digits,
// truncated), and allocates nothing when dst has room for its 24 bytes. A
// year outside 0-9999 (which Parse never returns) is written by
// time.AppendFormat.
func AppendRFC3339Millis(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
	}
	hour, minute, sec := t.Clock()
	dst = appendInt(dst, year, 4)
	dst = append(dst, '-')
	dst = appendInt(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendInt(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendInt(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendInt(dst, t.Nanosecond()/1e6, 3)
	return append(dst, 'Z')
}

// Fluent Bit's EventTime: msgpack fixext8 (0xd7) of ext type 0, big-endian
// uint32 seconds then uint32 nanoseconds (Forward protocol v1, "EventTime
// Ext Format"; flb_time_append_to_msgpack). Seconds 0xFFFFFFFF and
// 0xFFFFFFFE are Fluent Bit's group markers (mp.GroupStartSeconds,
// mp.GroupEndSeconds), so a time there is no event time either.
const (
	eventTimeLen   = 10
	maxEventSecond = mp.GroupEndSeconds - 1 // 2106-02-07T06:28:13Z
)

// EventTimeOK reports whether t can be written as an EventTime: seconds
// from 0 (1970-01-01T00:00:00Z) to 0xFFFFFFFD (2106-02-07T06:28:13Z); later
// seconds would wrap or read as a group marker, earlier ones cannot be
// written. The caller keeps the read time for any other.
func EventTimeOK(t time.Time) bool {
	s := t.Unix()
	return s >= 0 && s <= maxEventSecond
}

// AppendEventTime appends t as a Fluent Bit EventTime (fixext8, type 0),
// nanoseconds kept; when !EventTimeOK(t) it appends nothing.
func AppendEventTime(dst []byte, t time.Time) []byte {
	if !EventTimeOK(t) {
		return dst
	}
	var b [eventTimeLen]byte
	b[0], b[1] = 0xd7, mp.EventTimeExtType
	binary.BigEndian.PutUint32(b[2:], uint32(t.Unix()))
	binary.BigEndian.PutUint32(b[6:], uint32(t.Nanosecond()))
	return append(dst, b[:]...)
}

// ReadEventTime reads a Fluent Bit EventTime at src[off] (fixext8, or ext8
// of length 8, both of type 0) as a UTC time, and returns the offset past
// it. Nanoseconds above 999,999,999 and the group markers' seconds are
// refused: ReadEventTime reads what AppendEventTime writes.
func ReadEventTime(src []byte, off int) (t time.Time, next int, ok bool) {
	sec, ok := mp.EventTimeSeconds(src, off)
	if !ok || sec > maxEventSecond {
		return time.Time{}, 0, false
	}
	next = off + eventTimeLen
	if src[off] == 0xc7 {
		next++
	}
	nsec := binary.BigEndian.Uint32(src[next-4:])
	if nsec >= 1e9 {
		return time.Time{}, 0, false
	}
	return time.Unix(int64(sec), int64(nsec)).UTC(), next, true
}

// Stamp writes AppendRFC3339Millis's text for times that mostly share
// their day, as read times do: it keeps the text of the last day and
// writes the clock and milliseconds after it. The zero Stamp is ready; it
// is not safe for concurrent use.
type Stamp struct {
	day  int64    // Unix seconds of the day's start, UTC
	text [11]byte // "2006-01-02T" of day
	ok   bool
}

// AppendMillis appends AppendRFC3339Millis(dst, t).
func (s *Stamp) AppendMillis(dst []byte, t time.Time) []byte {
	sec := t.Unix()
	clock := sec % 86400
	if clock < 0 {
		clock += 86400
	}
	if day := sec - clock; !s.ok || day != s.day {
		var b [32]byte
		full := AppendRFC3339Millis(b[:0], t)
		if len(full) != 24 {
			return append(dst, full...) // a year AppendFormat writes
		}
		copy(s.text[:], full)
		s.day, s.ok = day, true
	}
	dst = append(dst, s.text[:]...)
	c := int(clock)
	dst = appendInt(dst, c/3600, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, c/60%60, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, c%60, 2)
	dst = append(dst, '.')
	dst = appendInt(dst, t.Nanosecond()/1e6, 3)
	return append(dst, 'Z')
}
