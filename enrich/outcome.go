package enrich

import (
	"bytes"
	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/mp"
)

// fromRecord applies what the record itself says about its outcome and
// severity, as the vendor's descriptor says where: the outcome field's value
// against the failure, then the success values (returned); the severity
// field on its scale (into f's level and number).
func fromRecord(vp *vendorPlan, body []byte, sc *scanned, f *found) catalog.Outcome {
	o := f.outcome
	if len(vp.outcome) > 0 {
		if vi, ok := resolveFirst(body, sc, vp.outcome); ok {
			spec := &vp.v.Outcome
			switch {
			case matchValue(body, vi, spec.Failure):
				o = catalog.OutcomeFailure
			case matchValue(body, vi, spec.Success):
				o = catalog.OutcomeSuccess
			}
		}
	}
	if len(vp.severity) > 0 {
		if vi, ok := resolveFirst(body, sc, vp.severity); ok {
			if n, ok := syslogNumber(body, vi); ok {
				f.sev, _ = catalog.SyslogSeverity(n)
				f.sevNum, f.hasSevNum = n, true
			}
		}
	}
	return o
}

// matchValue reports whether the value at vi is one of ms: a number
// (an integer or a string of digits) against the comparisons, a string
// (trimmed, case-insensitive) against the words.
func matchValue(body []byte, vi int, ms []catalog.Match) bool {
	if len(ms) == 0 {
		return false
	}
	n, isNum := intValue(body, vi)
	var str []byte
	if s, e, ok := mp.Str(body, vi); ok {
		str = catalog.TrimBlanks(body[s:e])
	}
	for i := range ms {
		m := &ms[i]
		if m.Op == 'w' {
			if str != nil && equalFoldASCII(str, m.Word) {
				return true
			}
		} else if isNum && m.MatchesInt(n) {
			return true
		}
	}
	return false
}

// intValue reads an integer, or a string of digits, at vi.
func intValue(body []byte, vi int) (int64, bool) {
	kind, s, n, _, _ := mp.Scalar(body, vi)
	switch kind {
	case mp.KindInt:
		return n, true
	case mp.KindString:
		return parseDigits(catalog.TrimBlanks(s))
	}
	return 0, false
}

// parseDigits reads a non-negative decimal of at most 18 digits, nothing
// else: strconv.ParseInt would take a sign too, and want a string (its
// error keeps it: a conversion that allocates).
func parseDigits(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// syslogNames are the RFC 5424 severity names, by number, with the short
// forms vendors and syslog daemons also print.
var syslogNames = [8][2]string{
	{"emergency", "emerg"}, {"alert", "alert"}, {"critical", "crit"}, {"error", "err"},
	{"warning", "warn"}, {"notice", "notice"}, {"info", "informational"}, {"debug", "debug"},
}

// syslogNumber reads a severity on the syslog scale: 6, "6", "Info(6)",
// "WARNING"; ok is false outside 0..7.
func syslogNumber(body []byte, vi int) (int64, bool) {
	kind, s, n, _, _ := mp.Scalar(body, vi)
	switch kind {
	case mp.KindInt:
		return n, n >= 0 && n <= 7
	case mp.KindString:
		s = catalog.TrimBlanks(s)
		if open := bytes.IndexByte(s, '('); open >= 0 && len(s) > open+1 && s[len(s)-1] == ')' {
			if n, ok := parseDigits(s[open+1 : len(s)-1]); ok {
				return n, n <= 7
			}
			s = s[:open]
		}
		if n, ok := parseDigits(s); ok {
			return n, n <= 7
		}
		for i, names := range syslogNames {
			if equalFoldASCII(s, names[0]) || equalFoldASCII(s, names[1]) {
				return int64(i), true
			}
		}
	}
	return 0, false
}
