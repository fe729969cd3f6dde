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
// debug), as PrivX writes in its records' severity field, to a level:
// 0-2 critical, 3 high, 4 medium, 5-7 low. ok is false outside 0..7.
func SyslogSeverity(n int64) (s Severity, ok bool) {
	switch {
	case n < 0 || n > 7:
		return SeverityUnset, false
	case n <= 2:
		return SeverityCritical, true
	case n == 3:
		return SeverityHigh, true
	case n == 4:
		return SeverityMedium, true
	default:
		return SeverityLow, true
	}
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
