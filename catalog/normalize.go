package catalog

import "strconv"

// MaxCodeLen bounds a canonical code. Longer input is never a known code,
// and the bound lets lookups normalise into a stack buffer without allocating.
const MaxCodeLen = 64

// normalize writes the canonical form of raw for vendor v into buf and
// returns it; ok is false when raw cannot be a code of v (wrong characters,
// too long, empty). It never allocates.
func normalize(v *Vendor, raw []byte, buf *[MaxCodeLen]byte) (code []byte, ok bool) {
	raw = TrimBlanks(raw)
	if len(raw) == 0 || len(raw) > MaxCodeLen {
		return nil, false
	}
	c := &v.Code
	switch c.Form {
	case FormInteger:
		for _, ch := range raw {
			if ch < '0' || ch > '9' {
				return nil, false
			}
		}
		for len(raw) > 1 && raw[0] == '0' { // strip leading zeros, keep one digit
			raw = raw[1:]
		}
		n := 0
		for ; n < c.Pad-len(raw); n++ {
			buf[n] = '0'
		}
		n += copy(buf[n:], raw)
		return buf[:n], true
	case FormUpper, FormLower:
		seps := 0
		for i, ch := range raw {
			switch {
			case ch >= 'a' && ch <= 'z':
				if c.Form == FormUpper {
					ch -= 'a' - 'A'
				}
			case ch >= 'A' && ch <= 'Z':
				if c.Form == FormLower {
					ch += 'a' - 'A'
				}
			case ch >= '0' && ch <= '9', ch == '_':
			case ch == ' ' || ch == '-':
				ch = '_'
			case c.Separator != 0 && ch == c.Separator:
				seps++
			case c.Separator == 0 && ch == '.':
			default:
				return nil, false
			}
			buf[i] = ch
		}
		if c.Separator != 0 && seps != len(c.Join)-1 {
			return nil, false
		}
		return buf[:len(raw)], true
	case FormText:
		for _, ch := range raw {
			if ch < 0x20 || ch == 0x7f {
				return nil, false
			}
		}
		return buf[:copy(buf[:], raw)], true
	}
	return nil, false
}

// normalizeInt writes the canonical code of an integer code into buf.
func normalizeInt(v *Vendor, n int64, buf *[MaxCodeLen]byte) (code []byte, ok bool) {
	if n < 0 || v.Code.Form != FormInteger {
		return nil, false
	}
	var digits [20]byte
	return normalize(v, strconv.AppendInt(digits[:0], n, 10), buf)
}

// joinParts joins the parts of a joined code (an entity type and
// action) with the vendor's separator into buf; ok is false when a part is
// empty or the whole too long.
func joinParts(v *Vendor, parts [][]byte, buf *[MaxCodeLen]byte) ([]byte, bool) {
	n := 0
	for i, p := range parts {
		p = TrimBlanks(p)
		if i > 0 {
			if n == MaxCodeLen {
				return nil, false
			}
			buf[n] = v.Code.Separator
			n++
		}
		if len(p) == 0 || n+len(p) > MaxCodeLen {
			return nil, false
		}
		n += copy(buf[n:], p)
	}
	return buf[:n], true
}

// normalizeJoin writes the canonical code of a joined code's parts.
func normalizeJoin(v *Vendor, parts [][]byte, buf *[MaxCodeLen]byte) (code []byte, ok bool) {
	if len(parts) != len(v.Code.Join) {
		return nil, false
	}
	var joined [MaxCodeLen]byte
	j, ok := joinParts(v, parts, &joined)
	if !ok {
		return nil, false
	}
	return normalize(v, j, buf)
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
func Canonical(v *Vendor, code string) (string, bool) {
	var buf [MaxCodeLen]byte
	c, ok := normalize(v, []byte(code), &buf)
	return string(c), ok
}
