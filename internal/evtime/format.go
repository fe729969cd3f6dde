package evtime

import (
	"fmt"
	"strings"
	"time"
)

// Words of the vendor descriptor's time format.
const (
	WordRFC3339 = "rfc3339"
	WordUnixS   = "unix_s"
	WordUnixMs  = "unix_ms"
	WordLayout  = "layout" // followed by a space and a Go layout
)

// accepted lists the words for errors.
const accepted = `rfc3339, unix_s, unix_ms, layout <Go layout> (e.g. "layout 2006-01-02 15:04:05")`

type kind uint8

const (
	kindNone kind = iota
	kindRFC3339
	kindUnixS
	kindUnixMs
	kindLayout
)

// Format is a parsed time format; the zero Format parses nothing. It is
// immutable once made: safe to copy and to use from many goroutines.
type Format struct {
	kind  kind
	text  string // the descriptor text, for String
	elems []elem // a layout's elements, in order
}

// elem is one piece of a layout: a literal or a numeric element.
type elem struct {
	op  op
	lit string // op == opLit
	n   int    // fraction digits (opFrac0, opFrac9)
}

type op uint8

const (
	opLit    op = iota
	opYear      // 2006
	opMonth     // 01
	opDay       // 02
	opHour      // 15
	opMinute    // 04
	opSecond    // 05
	opFrac0     // .000: exactly n digits
	opFrac9     // .999: optional, any digits
)

// ParseFormat reads a vendor descriptor's time format: one of the words
// rfc3339, unix_s, unix_ms, or "layout " followed by a Go layout in the
// subset the package doc lists. Surrounding spaces are ignored. The error
// names the value and the accepted words, or the layout element refused.
func ParseFormat(s string) (Format, error) {
	s = strings.TrimSpace(s)
	switch s {
	case WordRFC3339:
		return Format{kind: kindRFC3339, text: s}, nil
	case WordUnixS:
		return Format{kind: kindUnixS, text: s}, nil
	case WordUnixMs:
		return Format{kind: kindUnixMs, text: s}, nil
	}
	layout, ok := strings.CutPrefix(s, WordLayout+" ")
	if !ok {
		return Format{}, fmt.Errorf("evtime: unknown time format %q: accepted: %s", s, accepted)
	}
	f := Format{kind: kindLayout, text: s}
	if err := f.compile(layout); err != nil {
		return Format{}, fmt.Errorf("evtime: time format %q: %w", s, err)
	}
	return f, nil
}

// String returns the descriptor text the Format was parsed from.
func (f Format) String() string { return f.text }

// Zoneless reports whether the format's times carry no zone (a layout), so
// that Parse reads them in the zone it is given and the record should say
// which (ECS event.timezone).
func (f Format) Zoneless() bool { return f.kind == kindLayout }

// supported names the layout elements a Format reads, for errors.
const supported = "2006, 01, 02, 15, 04, 05, .000 to .000000000, .999 to .999999999"

// compile splits a Go layout into elements with Go's own rules (a port of
// time.nextStdChunk), refusing the elements outside the subset, and checks
// the result against time.Format on reference times.
func (f *Format) compile(layout string) error {
	if layout == "" {
		return fmt.Errorf("empty layout")
	}
	seen := map[op]bool{}
	rest := layout
	for rest != "" {
		prefix, std, stdText, suffix := nextChunk(rest)
		if prefix != "" {
			f.elems = append(f.elems, elem{op: opLit, lit: prefix})
		}
		if stdText == "" {
			break
		}
		if std.op == opLit { // an element of Go's outside the subset
			return fmt.Errorf("layout element %q is not supported: use %s (zoneless times only: use rfc3339 for times with a zone)", stdText, supported)
		}
		if seen[std.op] || std.op == opFrac9 && seen[opFrac0] || std.op == opFrac0 && seen[opFrac9] {
			return fmt.Errorf("layout element %q appears twice", stdText)
		}
		if (std.op == opFrac0 || std.op == opFrac9) && (len(f.elems) == 0 || f.elems[len(f.elems)-1].op != opSecond) {
			return fmt.Errorf("layout element %q must follow 05 directly", stdText)
		}
		seen[std.op] = true
		f.elems = append(f.elems, std)
		rest = suffix
	}
	if !seen[opYear] || !seen[opMonth] || !seen[opDay] {
		return fmt.Errorf("layout %q needs 2006, 01 and 02 (year, month, day)", layout)
	}
	// The port of Go's tokenizer must agree with Go: render reference times
	// both ways.
	for _, ref := range []time.Time{
		time.Date(2026, 11, 20, 8, 14, 0, 268000000, time.UTC),
		time.Date(1999, 2, 3, 23, 5, 9, 123456789, time.UTC),
		time.Date(2001, 10, 30, 12, 59, 58, 0, time.UTC),
	} {
		if got, want := f.format(ref), ref.Format(layout); got != want {
			return fmt.Errorf("layout %q: Go writes %q, this parser reads %q: unsupported", layout, want, got)
		}
	}
	return nil
}

// format renders t with the layout's elements (tests and compile's check).
func (f *Format) format(t time.Time) string {
	var b []byte
	for _, e := range f.elems {
		switch e.op {
		case opLit:
			b = append(b, e.lit...)
		case opYear:
			b = appendInt(b, t.Year(), 4)
		case opMonth:
			b = appendInt(b, int(t.Month()), 2)
		case opDay:
			b = appendInt(b, t.Day(), 2)
		case opHour:
			b = appendInt(b, t.Hour(), 2)
		case opMinute:
			b = appendInt(b, t.Minute(), 2)
		case opSecond:
			b = appendInt(b, t.Second(), 2)
		case opFrac0, opFrac9:
			frac := appendInt(nil, t.Nanosecond(), 9)[:e.n]
			if e.op == opFrac9 {
				frac = []byte(strings.TrimRight(string(frac), "0"))
				if len(frac) == 0 {
					continue
				}
			}
			b = append(b, e.lit...)
			b = append(b, frac...)
		}
	}
	return string(b)
}

// nextChunk is time.nextStdChunk (Go 1.26, time/format.go) reduced to what
// the subset needs: it returns the literal prefix, the element found (op
// opLit for an element Go knows and the subset refuses), the element's text
// ("" when there is none) and the rest.
func nextChunk(layout string) (prefix string, e elem, text, suffix string) {
	refuse := func(i, n int) (string, elem, string, string) {
		return layout[:i], elem{op: opLit}, layout[i : i+n], layout[i+n:]
	}
	take := func(i, n int, o op) (string, elem, string, string) {
		return layout[:i], elem{op: o}, layout[i : i+n], layout[i+n:]
	}
	for i := 0; i < len(layout); i++ {
		switch c := layout[i]; c {
		case 'J': // January, Jan
			if strings.HasPrefix(layout[i:], "January") {
				return refuse(i, 7)
			}
			if strings.HasPrefix(layout[i:], "Jan") && !startsWithLower(layout[i+3:]) {
				return refuse(i, 3)
			}
		case 'M': // Monday, Mon, MST
			if strings.HasPrefix(layout[i:], "Monday") {
				return refuse(i, 6)
			}
			if strings.HasPrefix(layout[i:], "Mon") && !startsWithLower(layout[i+3:]) {
				return refuse(i, 3)
			}
			if strings.HasPrefix(layout[i:], "MST") {
				return refuse(i, 3)
			}
		case '0': // 01, 02, 03, 04, 05, 06, 002
			if i+1 < len(layout) && '1' <= layout[i+1] && layout[i+1] <= '6' {
				switch layout[i+1] {
				case '1':
					return take(i, 2, opMonth)
				case '2':
					return take(i, 2, opDay)
				case '4':
					return take(i, 2, opMinute)
				case '5':
					return take(i, 2, opSecond)
				}
				return refuse(i, 2)
			}
			if strings.HasPrefix(layout[i:], "002") {
				return refuse(i, 3)
			}
		case '1': // 15, 1
			if strings.HasPrefix(layout[i:], "15") {
				return take(i, 2, opHour)
			}
			return refuse(i, 1)
		case '2': // 2006, 2
			if strings.HasPrefix(layout[i:], "2006") {
				return take(i, 4, opYear)
			}
			return refuse(i, 1)
		case '_': // _2, _2006, __2
			if strings.HasPrefix(layout[i:], "_2") {
				if strings.HasPrefix(layout[i+1:], "2006") { // a literal _, then 2006
					return layout[:i+1], elem{op: opYear}, "2006", layout[i+5:]
				}
				return refuse(i, 2)
			}
			if strings.HasPrefix(layout[i:], "__2") {
				return refuse(i, 3)
			}
		case '3', '4', '5': // 12-hour clock, minute and second without zero
			return refuse(i, 1)
		case 'P': // PM
			if strings.HasPrefix(layout[i:], "PM") {
				return refuse(i, 2)
			}
		case 'p': // pm
			if strings.HasPrefix(layout[i:], "pm") {
				return refuse(i, 2)
			}
		case '-': // -070000, -07:00:00, -0700, -07:00, -07
			for _, z := range []string{"-070000", "-07:00:00", "-0700", "-07:00", "-07"} {
				if strings.HasPrefix(layout[i:], z) {
					return refuse(i, len(z))
				}
			}
		case 'Z': // Z070000, Z07:00:00, Z0700, Z07:00, Z07
			for _, z := range []string{"Z070000", "Z07:00:00", "Z0700", "Z07:00", "Z07"} {
				if strings.HasPrefix(layout[i:], z) {
					return refuse(i, len(z))
				}
			}
		case '.', ',': // .000, ,000, .999, ,999
			if i+1 < len(layout) && (layout[i+1] == '0' || layout[i+1] == '9') {
				ch := layout[i+1]
				j := i + 1
				for j < len(layout) && layout[j] == ch {
					j++
				}
				if !(j < len(layout) && '0' <= layout[j] && layout[j] <= '9') {
					o := opFrac0
					if ch == '9' {
						o = opFrac9
					}
					if j-(i+1) > 9 {
						return refuse(i, j-i)
					}
					return layout[:i], elem{op: o, lit: layout[i : i+1], n: j - (i + 1)}, layout[i:j], layout[j:]
				}
			}
		}
	}
	return layout, elem{}, "", ""
}

func startsWithLower(s string) bool {
	return s != "" && 'a' <= s[0] && s[0] <= 'z'
}

// appendInt appends n (>= 0) zero-padded to width digits.
func appendInt(b []byte, n, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for n >= 10 || width > 1 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	i--
	buf[i] = byte('0' + n)
	return append(b, buf[i:]...)
}
