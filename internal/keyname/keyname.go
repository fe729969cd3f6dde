package keyname

// Empty is the name of a key that has no word (only separators, or none).
// It is a word, not "_", so that its suffixed forms ("empty_2") are names
// too.
const Empty = "empty"

// Byte classes of the rule (see the package doc).
const (
	classSep   = iota // an ASCII byte that is not a letter or digit
	classLower        // a-z
	classUpper        // A-Z
	classDigit        // 0-9
	classOther        // a non-ASCII byte: a letter without case
)

// classes is the class of every byte value; class(c) reads it.
var classes = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c >= 'a' && c <= 'z':
			t[c] = classLower
		case c >= 'A' && c <= 'Z':
			t[c] = classUpper
		case c >= '0' && c <= '9':
			t[c] = classDigit
		case c >= 0x80:
			t[c] = classOther
		}
	}
	return t
}()

func class(c byte) uint8 { return classes[c] }

// Append appends the normalised name of key to dst (the rule of the package
// doc) and returns the extended slice; it allocates only when dst has no
// room for the name (at most 2*len(key)-1 bytes, or len(Empty)).
func Append(dst, key []byte) []byte {
	start := len(dst)
	prev := uint8(classSep)
	split := false // a word boundary is pending before the next kept byte
	for i := 0; i < len(key); {
		k := class(key[i])
		switch k {
		case classSep:
			split = len(dst) > start
			prev = classSep
			i++
			continue
		case classUpper:
			if !split && len(dst) > start {
				switch prev {
				case classLower, classDigit:
					split = true
				case classUpper:
					split = i+1 < len(key) && class(key[i+1]) == classLower
				}
			}
			if split {
				dst = append(dst, '_')
				split = false
			}
			dst = append(dst, key[i]+('a'-'A'))
			prev = classUpper
			i++
			continue
		}
		// A run of lower-case letters, digits and non-ASCII bytes: no
		// boundary inside it, copied at once.
		j := i + 1
		for j < len(key) {
			if c := class(key[j]); c == classSep || c == classUpper {
				break
			}
			j++
		}
		if split {
			dst = append(dst, '_')
			split = false
		}
		dst = append(dst, key[i:j]...)
		prev = class(key[j-1])
		i = j
	}
	if len(dst) == start {
		dst = append(dst, Empty...)
	}
	return dst
}

// IsNormal reports whether name is its own normalised name: a non-empty
// run of words of [a-z0-9] and non-ASCII bytes joined by single '_'. It
// allocates nothing.
func IsNormal(name []byte) bool {
	if len(name) == 0 || name[0] == '_' || name[len(name)-1] == '_' {
		return false
	}
	for i, c := range name {
		switch class(c) {
		case classLower, classDigit, classOther:
		case classSep:
			if c != '_' || name[i-1] == '_' {
				return false
			}
		default:
			return false
		}
	}
	return true
}
