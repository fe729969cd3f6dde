package catalog

import "strconv"

// MaxCodeLen bounds a canonical code. Longer input is never a known code,
// and the bound lets lookups normalise into a stack buffer without allocating.
const MaxCodeLen = 64

// normalize writes the canonical form of raw for vendor v into buf and
// returns it; ok is false when raw cannot be a code of v (wrong characters,
// too long, empty). It never allocates.
func normalize(v Vendor, raw []byte, buf *[MaxCodeLen]byte) (code []byte, ok bool) {
	raw = TrimBlanks(raw)
	if len(raw) == 0 || len(raw) > MaxCodeLen {
		return nil, false
	}
	switch v {
	case FilingBox, PlusAuth, PrivX:
		for _, c := range raw {
			if c < '0' || c > '9' {
				return nil, false
			}
		}
		for len(raw) > 1 && raw[0] == '0' { // strip leading zeros, keep one digit
			raw = raw[1:]
		}
		n := 0
		if v == FilingBox && len(raw) < filingBoxCodeDigits {
			for ; n < filingBoxCodeDigits-len(raw); n++ {
				buf[n] = '0'
			}
		}
		n += copy(buf[n:], raw)
		return buf[:n], true
	case Netop:
		dot := false
		for i, c := range raw {
			switch {
			case c >= 'a' && c <= 'z':
				c -= 'a' - 'A'
			case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			case c == ' ' || c == '-':
				c = '_'
			case c == '.':
				if dot {
					return nil, false
				}
				dot = true
			default:
				return nil, false
			}
			buf[i] = c
		}
		if !dot {
			return nil, false
		}
		return buf[:len(raw)], true
	}
	return nil, false
}

// filingBoxCodeDigits is the width of FilingBox codes ("054"): the admin
// UI's event list prints them zero-padded to three digits.
const filingBoxCodeDigits = 3

// normalizeInt writes the canonical code of an integer code into buf.
func normalizeInt(v Vendor, n int64, buf *[MaxCodeLen]byte) (code []byte, ok bool) {
	if n < 0 || v == Netop {
		return nil, false
	}
	var digits [20]byte
	return normalize(v, strconv.AppendInt(digits[:0], n, 10), buf)
}

// normalizePair writes ENTITY.ACTION for a Netop entity type and action.
func normalizePair(entity, action []byte, buf *[MaxCodeLen]byte) (code []byte, ok bool) {
	entity, action = TrimBlanks(entity), TrimBlanks(action)
	if len(entity) == 0 || len(action) == 0 || len(entity)+1+len(action) > MaxCodeLen {
		return nil, false
	}
	var joined [MaxCodeLen]byte
	n := copy(joined[:], entity)
	joined[n] = '.'
	n++
	n += copy(joined[n:], action)
	return normalize(Netop, joined[:n], buf)
}

// TrimBlanks returns b without leading and trailing spaces and tabs (what
// codes and record values are read without), allocating nothing.
func TrimBlanks(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// Canonical returns the canonical form of a code of vendor v, for
// display and for files; ok is false when it cannot be a code of v.
func Canonical(v Vendor, code string) (string, bool) {
	var buf [MaxCodeLen]byte
	c, ok := normalize(v, []byte(code), &buf)
	return string(c), ok
}
