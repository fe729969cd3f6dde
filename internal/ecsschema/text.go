package ecsschema

// IsIP reports whether b is an IPv4 address (dotted quad of decimal octets
// 0-255 without leading zeros, as netip.ParseAddr and Elasticsearch's
// InetAddresses read it) or an IPv6 address (up to eight groups of 1-4 hex
// digits, one "::" at most, an IPv4 dotted quad as the last 32 bits) with
// no zone. It allocates nothing.
func IsIP(b []byte) bool {
	for _, c := range b {
		if c == ':' {
			return isIPv6(b)
		}
	}
	return isIPv4(b)
}

func isIPv4(b []byte) bool {
	parts := 0
	for i := 0; ; {
		j, v := i, 0
		for j < len(b) && b[j] >= '0' && b[j] <= '9' && j-i < 4 {
			v = v*10 + int(b[j]-'0')
			j++
		}
		digits := j - i
		if digits == 0 || digits > 3 || v > 255 || digits > 1 && b[i] == '0' {
			return false
		}
		parts++
		if j == len(b) {
			return parts == 4
		}
		if b[j] != '.' || parts == 4 {
			return false
		}
		i = j + 1
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isIPv6(b []byte) bool {
	groups, ellipsis := 0, false
	i := 0
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		ellipsis, i = true, 2
		if i == len(b) {
			return true // "::"
		}
	}
	for i < len(b) {
		// An embedded IPv4 address: the rest of b has a '.'.
		j := i
		for j < len(b) && isHex(b[j]) {
			j++
		}
		if j < len(b) && b[j] == '.' {
			if groups > 6 || !isIPv4(b[i:]) {
				return false
			}
			groups += 2 // and it ends b
			break
		}
		if j == i || j-i > 4 {
			return false
		}
		groups++
		i = j
		if i == len(b) {
			break
		}
		if b[i] != ':' {
			return false // a zone ('%') or anything else
		}
		i++
		if i < len(b) && b[i] == ':' {
			if ellipsis {
				return false
			}
			ellipsis = true
			i++
			if i == len(b) {
				break
			}
		} else if i == len(b) {
			return false // a trailing single ':'
		}
	}
	if ellipsis {
		return groups < 8
	}
	return groups == 8
}

// isDate reports whether b is a date Elasticsearch's default date format,
// strict_date_optional_time||epoch_millis, reads: see the package doc.
func isDate(b []byte) bool {
	if isEpochMillis(b) {
		return true
	}
	num := func(i, n int) (int, bool) {
		if i+n > len(b) {
			return 0, false
		}
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok := num(0, 4)
	if !ok {
		return false
	}
	i := 4
	month, day := 1, 1
	if i < len(b) {
		if b[i] != '-' {
			return false
		}
		if month, ok = num(i+1, 2); !ok || month < 1 || month > 12 {
			return false
		}
		i += 3
	}
	if i < len(b) {
		if b[i] != '-' {
			return false
		}
		if day, ok = num(i+1, 2); !ok || day < 1 || day > daysIn(month, year) {
			return false
		}
		i += 3
	}
	if i == len(b) {
		return true
	}
	if i != 10 || b[i] != 'T' {
		return false
	}
	// THH[:mm[:ss[.f{1,9}]]][zone]
	i++
	if h, ok := num(i, 2); !ok || h > 23 {
		return false
	}
	i += 2
	for _, limit := range []int{59, 59} {
		if i < len(b) && b[i] == ':' {
			if v, ok := num(i+1, 2); !ok || v > limit {
				return false
			}
			i += 3
		} else {
			break
		}
	}
	if i == 19 && i < len(b) && (b[i] == '.' || b[i] == ',') {
		j := i + 1
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == i+1 || j-i-1 > 9 {
			return false
		}
		i = j
	}
	if i == len(b) {
		return true
	}
	// Zone: Z, ±HH, ±HH:mm, ±HHmm.
	rest := b[i:]
	if len(rest) == 1 && rest[0] == 'Z' {
		return true
	}
	if rest[0] != '+' && rest[0] != '-' {
		return false
	}
	if h, ok := num(i+1, 2); !ok || h > 23 {
		return false
	}
	switch len(rest) {
	case 3:
		return true
	case 5:
		m, ok := num(i+3, 2)
		return ok && m <= 59
	case 6:
		m, ok := num(i+4, 2)
		return ok && rest[3] == ':' && m <= 59
	}
	return false
}

// isEpochMillis: -?digits (1-19) with an optional fraction of 1-6 digits.
func isEpochMillis(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == 0 || i > 19 {
		return false
	}
	if i == len(b) {
		return true
	}
	frac := len(b) - i - 1
	if b[i] != '.' || frac < 1 || frac > 6 {
		return false
	}
	for _, c := range b[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
