package enrich

// maxKeyLen bounds the normalised keys auditx looks for; longer keys are
// never among them, which lets normalisation use a stack buffer.
const maxKeyLen = 32

// normKey lowercases ASCII letters and drops ' ', '_' and '-', so that
// "Entity Type", "entity_type" and "entityType" read alike. ok is false
// when the key is longer than maxKeyLen.
func normKey(raw []byte, buf *[maxKeyLen]byte) ([]byte, bool) {
	n := 0
	for _, c := range raw {
		switch {
		case c == ' ' || c == '_' || c == '-':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if n == maxKeyLen {
			return nil, false
		}
		buf[n] = c
		n++
	}
	return buf[:n], true
}

func normKeyString(s string) string {
	var buf [maxKeyLen]byte
	k, ok := normKey([]byte(s), &buf)
	if !ok {
		return ""
	}
	return string(k)
}

// hasSeparator reports whether a key holds a character normKey drops. It
// is bytes.ContainsAny(key, " _-") at a third of its cost on a record's
// keys (measured on the samples' nested keys: IndexAny searches the three
// characters once per byte of a key shorter than 9 bytes).
func hasSeparator(key []byte) bool {
	for _, c := range key {
		if c == ' ' || c == '_' || c == '-' {
			return true
		}
	}
	return false
}

// equalFoldASCII reports whether b and s are equal with ASCII letters
// folded. bytes.EqualFold folds Unicode as well (the Kelvin sign matches
// "k"), which would widen what a descriptor's words match.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
