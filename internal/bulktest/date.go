package bulktest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Dates: the formats of a date field and how a value is read with them.
//
// Source: Elasticsearch docs, "format" (mapping parameter) and "Date field
// type": a date field's format is one or more formats joined by "||", tried
// in order, the first that parses wins; the default is
// "strict_date_optional_time||epoch_millis". A JSON number is read through
// the same formats as its text, so a long holding Unix seconds under the
// default format is read by epoch_millis as milliseconds (1700000000 is
// 1970-01-20T16:13:20Z): the documented trap of "Date field type" ("Values
// for milliseconds-since-the-epoch must be non-negative... use epoch_second
// for seconds").

// DefaultDateFormat is a date field's format when its mapping names none.
const DefaultDateFormat = "strict_date_optional_time||epoch_millis"

// dynamicDateFormats are the root object's dynamic_date_formats default
// (docs, "Dynamic field mapping", date detection): a detected field gets the
// matching formatter's own format string.
var dynamicDateFormats = []string{DefaultDateFormat, "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd"}

// dateParser reads one text with one named format or pattern.
type dateParser struct {
	name  string
	parse func(s string) (time.Time, bool)
}

// dateFormat is a parsed "a||b||c".
type dateFormat struct {
	spec    string
	parsers []dateParser
}

// parseDateFormat compiles a format string; an unknown name or pattern
// letter is an error (Elasticsearch refuses the mapping: "Invalid format").
func parseDateFormat(spec string) (*dateFormat, error) {
	f := &dateFormat{spec: spec}
	for _, name := range strings.Split(spec, "||") {
		p, err := namedDateParser(name)
		if err != nil {
			return nil, err
		}
		f.parsers = append(f.parsers, p)
	}
	return f, nil
}

// read parses s with the first format that accepts it.
func (f *dateFormat) read(s string) (time.Time, bool) {
	for _, p := range f.parsers {
		if t, ok := p.parse(s); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

func namedDateParser(name string) (dateParser, error) {
	iso := func(strict, needTime, needFrac, needZone bool) func(string) (time.Time, bool) {
		return func(s string) (time.Time, bool) { return parseISODate(s, strict, needTime, needFrac, needZone) }
	}
	switch name {
	case "strict_date_optional_time", "strict_date_optional_time_nanos":
		return dateParser{name, iso(true, false, false, false)}, nil
	case "date_optional_time":
		return dateParser{name, iso(false, false, false, false)}, nil
	case "strict_date_time", "date_time":
		return dateParser{name, iso(name == "strict_date_time", true, true, true)}, nil
	case "strict_date_time_no_millis", "date_time_no_millis":
		return dateParser{name, func(s string) (time.Time, bool) {
			if strings.ContainsAny(s, ".,") {
				return time.Time{}, false
			}
			return parseISODate(s, name == "strict_date_time_no_millis", true, false, true)
		}}, nil
	case "epoch_millis":
		return dateParser{name, func(s string) (time.Time, bool) { return parseEpoch(s, 1e6) }}, nil
	case "epoch_second":
		return dateParser{name, func(s string) (time.Time, bool) { return parseEpoch(s, 1e9) }}, nil
	case "strict_date", "date", "strict_year_month_day", "year_month_day":
		return compileJavaPattern(name, "yyyy-MM-dd")
	case "strict_date_hour_minute_second", "date_hour_minute_second":
		return compileJavaPattern(name, "yyyy-MM-dd'T'HH:mm:ss")
	case "basic_date":
		return compileJavaPattern(name, "yyyyMMdd")
	}
	if name == "" {
		return dateParser{}, fmt.Errorf("empty format name")
	}
	return compileJavaPattern(name, name)
}

// parseEpoch reads a number of units since 1970 (unit in nanoseconds):
// optional sign, digits, an optional fraction (epoch_millis takes up to 6
// fraction digits, epoch_second up to 9: the rest of a nanosecond).
func parseEpoch(s string, unit float64) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	body := s
	if body[0] == '-' || body[0] == '+' {
		body = body[1:]
	}
	intPart, frac, hasFrac := strings.Cut(body, ".")
	if intPart == "" || !allDigits(intPart) || hasFrac && (frac == "" || !allDigits(frac)) {
		return time.Time{}, false
	}
	maxFrac := 6
	if unit == 1e9 {
		maxFrac = 9
	}
	if len(frac) > maxFrac {
		return time.Time{}, false
	}
	whole, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	// Exact arithmetic for the integer part, the fraction added in nanoseconds.
	var nanos int64
	if hasFrac {
		f, _ := strconv.ParseFloat("0."+frac, 64)
		nanos = int64(math.Round(f * unit))
	}
	perUnit := int64(unit)
	sec := whole / (1e9 / perUnit)
	rem := whole%(1e9/perUnit)*perUnit + nanos
	if unit == 1e9 {
		sec, rem = whole, nanos
	}
	if sec > 1<<40 {
		return time.Time{}, false
	}
	if s[0] == '-' {
		sec, rem = -sec, -rem
	}
	return time.Unix(sec, rem).UTC(), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// parseISODate reads the ISO 8601 shapes of Elasticsearch's built-in
// formats: yyyy[-MM[-dd]] then optionally 'T'HH[:mm[:ss[.fraction]]] and a
// zone (Z, +HH, +HHmm, +HH:mm). strict takes fixed-width fields (4-digit
// year, 2-digit month...); the lenient form takes 1 or 2 digits. The
// fraction is 1 to 9 digits after '.' or ','. needTime/needFrac/needZone
// make a part mandatory (strict_date_time needs all three).
func parseISODate(s string, strict, needTime, needFrac, needZone bool) (time.Time, bool) {
	p := &scan{s: s}
	year, ok := p.digits(4, 4)
	if !ok {
		return time.Time{}, false
	}
	width := func() (int, int) {
		if strict {
			return 2, 2
		}
		return 1, 2
	}
	month, day := 1, 1
	if p.lit('-') {
		if month, ok = p.digits(width()); !ok {
			return time.Time{}, false
		}
		if p.lit('-') {
			if day, ok = p.digits(width()); !ok {
				return time.Time{}, false
			}
		} else if needTime {
			return time.Time{}, false
		}
	} else if needTime {
		return time.Time{}, false
	}
	hour, min, sec, nsec := 0, 0, 0, 0
	loc := time.UTC
	if p.lit('T') {
		if hour, ok = p.digits(width()); !ok {
			return time.Time{}, false
		}
		hasSec := false
		if p.lit(':') {
			if min, ok = p.digits(width()); !ok {
				return time.Time{}, false
			}
			if p.lit(':') {
				if sec, ok = p.digits(width()); !ok {
					return time.Time{}, false
				}
				hasSec = true
			}
		}
		if hasSec && (p.lit('.') || p.lit(',')) {
			if nsec, ok = p.fraction(1, 9); !ok {
				return time.Time{}, false
			}
		} else if needFrac {
			return time.Time{}, false
		}
		if needTime && !hasSec {
			return time.Time{}, false
		}
		if z, ok := p.zone(); ok {
			loc = z
		} else if needZone {
			return time.Time{}, false
		}
	} else if needTime {
		return time.Time{}, false
	}
	if !p.done() {
		return time.Time{}, false
	}
	return makeTime(year, month, day, hour, min, sec, nsec, loc)
}

// makeTime builds the instant and refuses out-of-range fields (Java's
// resolver is strict: February 30 is an error, not March 2).
func makeTime(year, month, day, hour, min, sec, nsec int, loc *time.Location) (time.Time, bool) {
	if month < 1 || month > 12 || day < 1 || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nsec, loc)
	if t.Day() != day || int(t.Month()) != month {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// scan is a cursor over a date string.
type scan struct {
	s string
	i int
}

func (p *scan) done() bool { return p.i == len(p.s) }

func (p *scan) lit(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *scan) litString(lit string) bool {
	if strings.HasPrefix(p.s[p.i:], lit) {
		p.i += len(lit)
		return true
	}
	return false
}

// digits reads min to max ASCII digits.
func (p *scan) digits(min, max int) (int, bool) {
	n, v := 0, 0
	for p.i < len(p.s) && n < max && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
		n++
	}
	return v, n >= min
}

// fraction reads min to max digits as nanoseconds.
func (p *scan) fraction(min, max int) (int, bool) {
	start := p.i
	v, ok := p.digits(min, max)
	if !ok {
		return 0, false
	}
	for n := p.i - start; n < 9; n++ {
		v *= 10
	}
	return v, true
}

// zone reads Z or an offset +HH, +HHmm, +HH:mm.
func (p *scan) zone() (*time.Location, bool) {
	if p.lit('Z') {
		return time.UTC, true
	}
	if p.i >= len(p.s) || p.s[p.i] != '+' && p.s[p.i] != '-' {
		return nil, false
	}
	sign := 1
	if p.s[p.i] == '-' {
		sign = -1
	}
	p.i++
	h, ok := p.digits(2, 2)
	if !ok || h > 18 {
		return nil, false
	}
	m := 0
	if p.lit(':') {
		if m, ok = p.digits(2, 2); !ok {
			return nil, false
		}
	} else if p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		if m, ok = p.digits(2, 2); !ok {
			return nil, false
		}
	}
	if m > 59 {
		return nil, false
	}
	return time.FixedZone("", sign*(h*3600+m*60)), true
}

// compileJavaPattern reads a java.time pattern (docs, "format": custom
// date formats use DateTimeFormatter syntax): y/u year, M month (MMM names),
// d day, H hour, h hour with a AM/PM, m minute, s second, S fraction,
// E weekday name (read, not checked), Z/X/x offsets, z UTC/GMT, 'quoted'
// literals, [optional] sections; other characters are literals.
func compileJavaPattern(name, pattern string) (dateParser, error) {
	type tok struct {
		letter   byte
		n        int
		lit      string
		optional []tok
	}
	var parse func(pat string, i int, inOpt bool) ([]tok, int, error)
	parse = func(pat string, i int, inOpt bool) ([]tok, int, error) {
		var out []tok
		for i < len(pat) {
			c := pat[i]
			switch {
			case c == '[':
				sub, j, err := parse(pat, i+1, true)
				if err != nil {
					return nil, 0, err
				}
				out = append(out, tok{optional: sub})
				i = j
			case c == ']':
				if !inOpt {
					return nil, 0, fmt.Errorf("[%s]: unbalanced ]", name)
				}
				return out, i + 1, nil
			case c == '\'':
				j := strings.IndexByte(pat[i+1:], '\'')
				if j < 0 {
					return nil, 0, fmt.Errorf("[%s]: unterminated quote", name)
				}
				lit := pat[i+1 : i+1+j]
				if lit == "" {
					lit = "'"
				}
				out = append(out, tok{lit: lit})
				i += j + 2
			case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
				n := 1
				for i+n < len(pat) && pat[i+n] == c {
					n++
				}
				if !strings.ContainsRune("yuMdHhmsSaEZXxz", rune(c)) {
					return nil, 0, fmt.Errorf("[%s]: unsupported pattern letter %q", name, c)
				}
				out = append(out, tok{letter: c, n: n})
				i += n
			default:
				out = append(out, tok{lit: string(c)})
				i++
			}
		}
		if inOpt {
			return nil, 0, fmt.Errorf("[%s]: unbalanced [", name)
		}
		return out, i, nil
	}
	toks, _, err := parse(pattern, 0, false)
	if err != nil {
		return dateParser{}, err
	}
	months := []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	type fields struct {
		year, month, day, hour, min, sec, nsec int
		pm, h12                                bool
		loc                                    *time.Location
	}
	var run func(p *scan, ts []tok, f *fields) bool
	run = func(p *scan, ts []tok, f *fields) bool {
		for _, t := range ts {
			if t.optional != nil {
				save, saved := p.i, *f
				if !run(p, t.optional, f) {
					p.i, *f = save, saved
				}
				continue
			}
			if t.lit != "" {
				if !p.litString(t.lit) {
					return false
				}
				continue
			}
			var ok bool
			fixed := func(n int) (int, bool) {
				if n == 1 {
					return p.digits(1, 2)
				}
				return p.digits(n, n)
			}
			switch t.letter {
			case 'y', 'u':
				if t.n == 2 {
					var y int
					if y, ok = p.digits(2, 2); ok {
						f.year = 2000 + y
					}
				} else {
					f.year, ok = p.digits(max(t.n, 4), 9)
				}
			case 'M':
				if t.n >= 3 {
					ok = false
					rest := strings.ToLower(p.s[p.i:])
					for mi, m := range months {
						if strings.HasPrefix(rest, m) {
							f.month = mi + 1
							p.i += 3
							for p.i < len(p.s) && (p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z') && t.n >= 4 {
								p.i++
							}
							ok = true
							break
						}
					}
				} else {
					f.month, ok = fixed(t.n)
				}
			case 'd':
				f.day, ok = fixed(t.n)
			case 'H':
				f.hour, ok = fixed(t.n)
			case 'h':
				f.hour, ok = fixed(t.n)
				f.h12 = true
			case 'm':
				f.min, ok = fixed(t.n)
			case 's':
				f.sec, ok = fixed(t.n)
			case 'S':
				f.nsec, ok = p.fraction(t.n, t.n)
			case 'a':
				switch {
				case p.litString("AM"), p.litString("am"):
					ok = true
				case p.litString("PM"), p.litString("pm"):
					f.pm, ok = true, true
				}
			case 'E':
				start := p.i
				for p.i < len(p.s) && (p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z') {
					p.i++
				}
				ok = p.i > start
			case 'Z', 'X', 'x':
				f.loc, ok = p.zone()
				if ok && t.letter == 'x' && strings.HasSuffix(p.s[:p.i], "Z") {
					ok = false
				}
			case 'z':
				switch {
				case p.litString("UTC"), p.litString("GMT"), p.litString("Z"):
					f.loc, ok = time.UTC, true
				}
			}
			if !ok {
				return false
			}
		}
		return true
	}
	return dateParser{name: name, parse: func(s string) (time.Time, bool) {
		f := fields{month: 1, day: 1, loc: time.UTC}
		p := &scan{s: s}
		if !run(p, toks, &f) || !p.done() {
			return time.Time{}, false
		}
		if f.h12 {
			if f.hour < 1 || f.hour > 12 {
				return time.Time{}, false
			}
			f.hour %= 12
			if f.pm {
				f.hour += 12
			}
		}
		return makeTime(f.year, f.month, f.day, f.hour, f.min, f.sec, f.nsec, f.loc)
	}}, nil
}

// dateNanosRange is what date_nanos can hold (docs, "Date nanoseconds field
// type": dates from 1970 to 2262).
func inDateNanosRange(t time.Time) bool {
	return !t.Before(time.Unix(0, 0)) && t.Before(time.Date(2262, 4, 11, 23, 47, 16, 854775807, time.UTC))
}
