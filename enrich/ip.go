package enrich

// validIP reports whether b is an IPv4 address in dotted decimal (no
// leading zeros) or an IPv6 address (RFC 4291 text form, an embedded IPv4
// tail allowed, no zone): what Elasticsearch's ip type and net/netip's
// ParseAddr accept, minus zones. It does not allocate (netip.ParseAddr
// allocates its error for every bad input).
func validIP(b []byte) bool {
	for _, c := range b {
		if c == ':' {
			return validIPv6(b)
		}
	}
	return validIPv4(b)
}

func validIPv4(b []byte) bool {
	parts, n, digits := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if digits == 0 {
				return false
			}
			parts++
			if parts > 4 {
				return false
			}
			n, digits = 0, 0
			continue
		}
		c := b[i]
		if c < '0' || c > '9' || (digits == 1 && n == 0) { // a leading zero
			return false
		}
		n = n*10 + int(c-'0')
		digits++
		if n > 255 {
			return false
		}
	}
	return parts == 4
}

func validIPv6(b []byte) bool {
	if len(b) < 2 || len(b) > 45 {
		return false
	}
	groups := 0
	ellipsis := false
	i := 0
	if b[0] == ':' {
		if b[1] != ':' {
			return false
		}
		ellipsis, i = true, 2
		if i == len(b) {
			return true // "::"
		}
	}
	for i < len(b) {
		// one group, or an IPv4 tail
		start := i
		for i < len(b) && isHex(b[i]) {
			i++
		}
		if i < len(b) && b[i] == '.' {
			if !validIPv4(b[start:]) {
				return false
			}
			groups += 2
			break
		}
		if i == start || i-start > 4 {
			return false
		}
		groups++
		if i == len(b) {
			break
		}
		if b[i] != ':' {
			return false
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

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
