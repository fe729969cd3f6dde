package catalog

import (
	"fmt"
	"strings"
)

// Severity is auditx's severity level of an event. Its Score is written to
// ECS event.severity (a long) on the 0-100 scale Elastic detection rules use
// for risk scores.
type Severity uint8

// Severity levels, lowest first. The zero value means "not set".
const (
	SeverityUnset Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

// severityWords and severityScores are indexed by Severity.
var (
	severityWords  = [...]string{"", "low", "medium", "high", "critical"}
	severityScores = [...]int64{0, 21, 47, 73, 99}
)

// String returns the severity word used in the catalog files.
func (s Severity) String() string {
	if int(s) >= len(severityWords) {
		return ""
	}
	return severityWords[s]
}

// Score returns the event.severity number of the level (0 when unset).
func (s Severity) Score() int64 {
	if int(s) >= len(severityScores) {
		return 0
	}
	return severityScores[s]
}

// ParseSeverity parses a severity word of the catalog files.
func ParseSeverity(word string) (Severity, error) {
	for i := 1; i < len(severityWords); i++ {
		if strings.EqualFold(word, severityWords[i]) {
			return Severity(i), nil
		}
	}
	return SeverityUnset, fmt.Errorf("unknown severity %q (accepted: low, medium, high, critical)", word)
}

// SyslogSeverity maps a syslog severity number (RFC 5424: 0 emergency .. 7
// debug), as vendors write it in records and event lists (Info(6),
// Warning(4), Critical(2), Alert(1)), to a level: 0-1 critical, 2-3 high,
// 4 medium, 5-7 low: Alert, Critical, Warning and Info land on four distinct
// levels in that order. ok is false
// outside 0..7.
func SyslogSeverity(n int64) (s Severity, ok bool) {
	switch {
	case n < 0 || n > 7:
		return SeverityUnset, false
	case n <= 1:
		return SeverityCritical, true
	case n <= 3:
		return SeverityHigh, true
	case n == 4:
		return SeverityMedium, true
	default:
		return SeverityLow, true
	}
}

// SyslogNames are the RFC 5424 severity names by number, in the spelling of
// vendor documents (Info(6), Warning(4), Critical(2), Alert(1)).
var SyslogNames = [8]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Info", "Debug"}

// VendorSeverity is a vendor's own published severity of an event: a syslog
// severity number with its name, written Name(N) as in vendors' event lists
// (Info(6)). The zero value means the vendor gives none.
type VendorSeverity struct {
	set    bool
	number uint8
}

// IsSet reports whether the vendor gives a severity.
func (v VendorSeverity) IsSet() bool { return v.set }

// Number returns the syslog severity number (meaningful when IsSet).
func (v VendorSeverity) Number() int { return int(v.number) }

// Level returns auditx's level for the vendor severity (SyslogSeverity), or
// SeverityUnset when there is none.
func (v VendorSeverity) Level() Severity {
	if !v.set {
		return SeverityUnset
	}
	s, _ := SyslogSeverity(int64(v.number))
	return s
}

// String returns the catalog file form, Name(N) (Info(6)), or "" when unset.
func (v VendorSeverity) String() string {
	if !v.set {
		return ""
	}
	return fmt.Sprintf("%s(%d)", SyslogNames[v.number], v.number)
}

// ParseVendorSeverity parses the Name(N) form of a vendor severity (Info(6),
// warning(4)): N a syslog number 0..7 and Name its RFC 5424 name. An empty
// string is "none". A bare number is refused: a vendor list that has one (a "0")
// has a defect, not a severity (SEEDS.md).
func ParseVendorSeverity(s string) (VendorSeverity, error) {
	if s == "" {
		return VendorSeverity{}, nil
	}
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") || len(s) != open+3 || s[open+1] < '0' || s[open+1] > '7' {
		return VendorSeverity{}, fmt.Errorf("%q is not a vendor severity: write Name(N) with N a syslog severity 0..7, e.g. Info(6), Warning(4), Critical(2), Alert(1)", s)
	}
	n := s[open+1] - '0'
	if !strings.EqualFold(s[:open], SyslogNames[n]) {
		return VendorSeverity{}, fmt.Errorf("%q: syslog severity %d is %s(%d)", s, n, SyslogNames[n], n)
	}
	return VendorSeverity{set: true, number: n}, nil
}

// Outcome is an ECS event.outcome value.
type Outcome uint8

// ECS event.outcome values. The zero value means "not set".
const (
	OutcomeUnset Outcome = iota
	OutcomeSuccess
	OutcomeFailure
	OutcomeUnknown
)

var outcomeWords = [...]string{"", "success", "failure", "unknown"}

// String returns the ECS value.
func (o Outcome) String() string {
	if int(o) >= len(outcomeWords) {
		return ""
	}
	return outcomeWords[o]
}

// ParseOutcome parses an ECS event.outcome value.
func ParseOutcome(word string) (Outcome, error) {
	for i := 1; i < len(outcomeWords); i++ {
		if word == outcomeWords[i] {
			return Outcome(i), nil
		}
	}
	return OutcomeUnset, fmt.Errorf("unknown outcome %q (accepted: success, failure, unknown)", word)
}
