package evtime

import (
	"math"
	"time"

	"github.com/auditx/auditx/internal/mp"
)

// The instants a Parse may return: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z.
const (
	minUnix = -62135596800 // 0001-01-01T00:00:00Z
	maxUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// Parse reads the time at src[off:], a msgpack value of the format's kind:
// a str (bin too) for rfc3339 and layouts; an integer, a float or a str for
// unix_s and unix_ms. ok is false for any other value, a value that is not a
// time of the format, or an instant outside the years 1 to 9999.
//
// loc is the zone of a layout's zoneless time (nil is UTC); the others carry
// their zone and ignore it. A layout's time comes back in loc, every other
// time in UTC. Parse allocates nothing.
func (f Format) Parse(src []byte, off int, loc *time.Location) (t time.Time, ok bool) {
	if off < 0 || off >= len(src) {
		return time.Time{}, false
	}
	switch f.kind {
	case kindRFC3339:
		if s, e, ok := mp.Str(src, off); ok {
			return parseRFC3339(src[s:e])
		}
	case kindLayout:
		if s, e, ok := mp.Str(src, off); ok {
			return f.parseLayout(src[s:e], loc)
		}
	case kindUnixS, kindUnixMs:
		return f.parseUnix(src, off)
	}
	return time.Time{}, false
}

// parseRFC3339 reads the rfc3339 format of the package doc.
func parseRFC3339(b []byte) (time.Time, bool) {
	// 2006-01-02T15:04:05 is 19 bytes, a zone one more at least.
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	if c := b[10]; c != 'T' && c != 't' && c != ' ' {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || !validDate(year, month, day) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	b = b[19:]
	nsec := 0
	if b[0] == '.' {
		n, used := fraction(b[1:])
		if used == 0 {
			return time.Time{}, false
		}
		nsec = n
		b = b[1+used:]
	}
	var offset int
	switch {
	case len(b) == 1 && (b[0] == 'Z' || b[0] == 'z'):
	case (len(b) == 6 && b[3] == ':' || len(b) == 5) && (b[0] == '+' || b[0] == '-'):
		oh, ok1 := digits(b[1:3])
		om, ok2 := digits(b[len(b)-2:])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if b[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	unix := wallSeconds(year, month, day, hour, minute, sec) - int64(offset)
	if unix < minUnix || unix > maxUnix {
		return time.Time{}, false
	}
	return time.Unix(unix, int64(nsec)).UTC(), true
}

// parseLayout reads a zoneless time with the layout's elements, the way
// Go's time.Parse reads them (see the package doc), and resolves it in loc.
func (f *Format) parseLayout(b []byte, loc *time.Location) (time.Time, bool) {
	year, month, day, hour, minute, sec, nsec := 0, 0, 0, 0, 0, 0, 0
	for i := range f.elems {
		e := &f.elems[i]
		var ok bool
		switch e.op {
		case opLit:
			if len(b) < len(e.lit) || string(b[:len(e.lit)]) != e.lit {
				return time.Time{}, false
			}
			b = b[len(e.lit):]
			continue
		case opYear:
			if len(b) < 4 {
				return time.Time{}, false
			}
			year, ok = digits(b[:4])
			b = b[4:]
		case opMonth:
			month, b, ok = two(b, true)
		case opDay:
			day, b, ok = two(b, true)
		case opHour:
			hour, b, ok = two(b, false)
		case opMinute:
			minute, b, ok = two(b, true)
		case opSecond:
			if sec, b, ok = two(b, true); ok && (i+1 == len(f.elems) || f.elems[i+1].op != opFrac0 && f.elems[i+1].op != opFrac9) {
				// Go reads a fraction the layout does not name.
				if len(b) >= 2 && (b[0] == '.' || b[0] == ',') && isDigit(b[1]) {
					n, used := fraction(b[1:])
					nsec, b = n, b[1+used:]
				}
			}
		case opFrac0:
			if len(b) < 1+e.n || b[0] != '.' && b[0] != ',' {
				return time.Time{}, false
			}
			var used int
			if nsec, used = fraction(b[1 : 1+e.n]); used != e.n {
				return time.Time{}, false
			}
			b, ok = b[1+e.n:], true
		case opFrac9:
			ok = true
			if len(b) >= 2 && (b[0] == '.' || b[0] == ',') && isDigit(b[1]) {
				n, used := fraction(b[1:])
				nsec, b = n, b[1+used:]
			}
		}
		if !ok {
			return time.Time{}, false
		}
	}
	if len(b) != 0 || !validDate(year, month, day) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return resolve(wallSeconds(year, month, day, hour, minute, sec), nsec, loc)
}

// parseUnix reads unix_s or unix_ms from an integer, a float or a string.
func (f Format) parseUnix(src []byte, off int) (time.Time, bool) {
	ms := f.kind == kindUnixMs
	var sec, nsec int64
	switch k, s, n, _, fl := mp.Scalar(src, off); k {
	case mp.KindInt:
		sec = n
		if ms {
			sec, nsec = floorDiv(n, 1000), (n-floorDiv(n, 1000)*1000)*1e6
		}
	case mp.KindFloat:
		// Whole microseconds: a float64 holds no finer digit of today's
		// epoch seconds; the bound keeps fl*scale an exact int64.
		scale := 1e6
		if ms {
			scale = 1e3
		}
		if math.IsNaN(fl) || math.Abs(fl) > 3e11*1e6/scale {
			return time.Time{}, false
		}
		us := int64(math.Round(fl * scale))
		sec, nsec = floorDiv(us, 1e6), (us-floorDiv(us, 1e6)*1e6)*1e3
	case mp.KindString:
		var ok bool
		if sec, nsec, ok = decimal(s, ms); !ok {
			return time.Time{}, false
		}
	default: // a uint64 above MaxInt64, bool, nil, a container...
		return time.Time{}, false
	}
	if sec < minUnix || sec > maxUnix {
		return time.Time{}, false
	}
	return time.Unix(sec, nsec).UTC(), true
}

// decimal reads "-?digits(.digits)?" as seconds (unix_s: a fraction of 1-9
// digits) or milliseconds (unix_ms: 1-6), returned as seconds and
// nanoseconds.
func decimal(s []byte, ms bool) (sec, nsec int64, ok bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	i := 0
	var whole int64
	for ; i < len(s) && isDigit(s[i]); i++ {
		if whole > 1e15 { // past any time of years 1-9999, in ms too
			return 0, 0, false
		}
		whole = whole*10 + int64(s[i]-'0')
	}
	if i == 0 {
		return 0, 0, false
	}
	var frac int64 // nanoseconds (unix_s) or nanoseconds of a millisecond ×1000 (unix_ms)
	if i < len(s) {
		maxDigits := 9
		if ms {
			maxDigits = 6
		}
		rest := s[i:]
		if rest[0] != '.' || len(rest) < 2 || len(rest)-1 > maxDigits {
			return 0, 0, false
		}
		for _, c := range rest[1:] {
			if !isDigit(c) {
				return 0, 0, false
			}
			frac = frac*10 + int64(c-'0')
		}
		for range maxDigits - (len(rest) - 1) {
			frac *= 10
		}
	}
	// Total nanoseconds would overflow int64 near year 9999; keep seconds
	// and nanoseconds apart.
	if ms {
		sec, nsec = whole/1000, (whole%1000)*1e6+frac
	} else {
		sec, nsec = whole, frac
	}
	if neg {
		sec, nsec = -sec, -nsec
		if nsec < 0 {
			sec, nsec = sec-1, nsec+1e9
		}
	}
	return sec, nsec, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// digits reads b, all decimal digits.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

// two reads a 2-digit number, or 1 digit when not fixed (Go's getnum).
func two(b []byte, fixed bool) (int, []byte, bool) {
	if len(b) == 0 || !isDigit(b[0]) {
		return 0, b, false
	}
	if len(b) < 2 || !isDigit(b[1]) {
		if fixed {
			return 0, b, false
		}
		return int(b[0] - '0'), b[1:], true
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), b[2:], true
}

// fraction reads the digits at the start of b as a fraction of a second:
// the nanoseconds of the first nine, and how many digits there were.
func fraction(b []byte) (nsec, used int) {
	scale := 100000000
	for used < len(b) && isDigit(b[used]) {
		if scale > 0 {
			nsec += int(b[used]-'0') * scale
			scale /= 10
		}
		used++
	}
	return nsec, used
}

func isLeap(year int) bool {
	return year%4 == 0 && (year%100 != 0 || year%400 == 0)
}

func validDate(year, month, day int) bool {
	if year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
	if month == 2 && isLeap(year) {
		days = 29
	}
	return day <= days
}

// wallSeconds is the Unix time of a civil date and time read as UTC (days
// from Howard Hinnant's days_from_civil).
func wallSeconds(year, month, day, hour, minute, sec int) int64 {
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	m := int64(month)
	var mp int64
	if m > 2 {
		mp = m - 3
	} else {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	return days*86400 + int64(hour)*3600 + int64(minute)*60 + int64(sec)
}

// resolve turns a wall time (its civil fields read as UTC seconds) into the
// instant it names in loc: of two instants the earlier, in a gap the offset
// from before the change (the package doc).
func resolve(wall int64, nsec int, loc *time.Location) (time.Time, bool) {
	if loc == nil || loc == time.UTC {
		if wall < minUnix || wall > maxUnix {
			return time.Time{}, false
		}
		return time.Unix(wall, int64(nsec)).UTC(), true
	}
	// The zone period around the wall time; the true offset is that of
	// this period or of a neighbour (periods last far longer than 28 h).
	_, guess := time.Unix(wall, 0).In(loc).Zone()
	probe := time.Unix(wall-int64(guess), 0).In(loc)
	_, cur := probe.Zone()
	start, end := probe.ZoneBounds()
	// Far (a day) from both ends of the period, no neighbour's offset can
	// show the wall time: the one instant is wall-cur.
	const day = 86400
	if u := wall - int64(cur); (start.IsZero() || u >= start.Unix()+day) && (end.IsZero() || u < end.Unix()-day) {
		if u < minUnix || u > maxUnix {
			return time.Time{}, false
		}
		return time.Unix(u, int64(nsec)).In(loc), true
	}
	offsets := [3]int{cur, cur, cur}
	if !start.IsZero() {
		_, offsets[0] = time.Unix(start.Unix()-1, 0).In(loc).Zone()
	}
	if !end.IsZero() {
		_, offsets[2] = end.In(loc).Zone()
	}
	best, found := int64(0), false
	for _, o := range offsets {
		u := wall - int64(o)
		if _, got := time.Unix(u, 0).In(loc).Zone(); got == o && (!found || u < best) {
			best, found = u, true
		}
	}
	if !found {
		// A gap: at a change from offset a to b > a, the walls [T+a, T+b)
		// do not exist; read them with a, the offset before the change.
		best = wall - int64(offsets[1])
		for i, t := range [2]time.Time{start, end} {
			before, after := offsets[i], offsets[i+1]
			if t.IsZero() || after <= before {
				continue
			}
			if T := t.Unix(); wall >= T+int64(before) && wall < T+int64(after) {
				best = wall - int64(before)
			}
		}
	}
	if best < minUnix || best > maxUnix {
		return time.Time{}, false
	}
	return time.Unix(best, int64(nsec)).In(loc), true
}
