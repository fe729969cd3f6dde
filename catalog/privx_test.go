package catalog

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// privxVendorDir is shared/vendor-data/privx beside the repository: the
// vendor's current event list in two copies. The checks against it skip
// without it.
func privxVendorDir(t *testing.T) string {
	dir := filepath.Join("..", "..", "shared", "vendor-data", "privx")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("PrivX vendor data not found at %s: %v", dir, err)
	}
	return dir
}

// The severity mapping of docs/catalog-format.md: each of the four
// severities PrivX publishes has its own level, in the vendor's order.
var privxSeverityLevels = map[string]Severity{
	"Info(6)":     SeverityLow,
	"Warning(4)":  SeverityMedium,
	"Critical(2)": SeverityHigh,
	"Alert(1)":    SeverityCritical,
}

func TestPrivXSeverityMappingIsDistinctAndOrdered(t *testing.T) {
	order := []string{"Info(6)", "Warning(4)", "Critical(2)", "Alert(1)"} // lowest first
	var prev int64
	for _, word := range order {
		vs, err := ParseVendorSeverity(word)
		require.NoError(t, err)
		assert.Equal(t, word, vs.String())
		assert.Equal(t, privxSeverityLevels[word], vs.Level(), word)
		// A record's own severity ("6", "Info(6)") goes through SyslogSeverity:
		// the same scale as the catalog's entries.
		rec, ok := SyslogSeverity(int64(vs.Number()))
		require.True(t, ok)
		assert.Equal(t, vs.Level(), rec, "a record's %s and the catalog's %s are one level", word, word)
		assert.Greater(t, vs.Level().Score(), prev, "%s is above the severity below it", word)
		prev = vs.Level().Score()
	}
}

func TestParseVendorSeverity(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{"", "", ""},
		{"Info(6)", "Info(6)", ""},
		{"warning(4)", "Warning(4)", ""},
		{"Alert(1)", "Alert(1)", ""},
		{"0", "", "not a vendor severity"}, // code 282 of events_all.csv
		{"6", "", "not a vendor severity"},
		{"Info(4)", "", "syslog severity 4 is Warning(4)"},
		{"Info(8)", "", "not a vendor severity"},
		{"Info(66)", "", "not a vendor severity"},
		{"(6)", "", "not a vendor severity"},
		{"Info", "", "not a vendor severity"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			vs, err := ParseVendorSeverity(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.False(t, vs.IsSet())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, vs.String())
			assert.Equal(t, tt.want != "", vs.IsSet())
		})
	}
}

// Every code of events_all.csv (privx-reporter) is in the catalog with the
// file's name, origin and severity, and marked as in the current list; the
// current-list entries are exactly the file's codes.
func TestPrivXCurrentListCSV(t *testing.T) {
	f, err := os.Open(filepath.Join(privxVendorDir(t), "events_all.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"NAME", "CODE", "SEVERITY", "ORIGIN", "DESCRIPTION"}, rows[0])
	c := embedded(t)
	nameForm := regexp.MustCompile(`^[A-Za-z]+\([0-7]\)$`)
	codes := map[string]bool{}
	withSeverity := 0
	for _, row := range rows[1:] {
		name, code, sev, origin := row[0], row[1], row[2], row[3]
		codes[code] = true
		e := c.LookupString(PrivX, code)
		if !assert.NotNil(t, e, "code %s (%s) of the current list is not in the catalog", code, name) {
			continue
		}
		assert.Equal(t, name, e.Name, "code %s", code)
		assert.True(t, e.HasProvenance(ProvenanceCurrent), "code %s is marked as in the current list", code)
		var wantOrigin []string
		for _, o := range strings.Split(origin, ",") {
			if o = strings.TrimSpace(o); o != "" {
				wantOrigin = append(wantOrigin, o)
			}
		}
		assert.Equal(t, wantOrigin, e.Origin, "origin of %s", code)
		if nameForm.MatchString(sev) {
			withSeverity++
			assert.Equal(t, sev, e.VendorSeverity.String(), "vendor severity of %s", code)
			want, ok := privxSeverityLevels[sev]
			require.True(t, ok, "severity %s of %s is not in the mapping of the docs", sev, code)
			assert.Equal(t, want, e.Severity, "code %s: the vendor's %s is the default", code, sev)
		} else {
			// 282's bare "0" is a defect of the list, not a severity.
			assert.False(t, e.VendorSeverity.IsSet(), "code %s: %q is not read as a severity", code, sev)
			assert.Contains(t, e.Note, "defect", "code %s: the note records the defect of the list", code)
			assert.NotEqual(t, SeverityUnset, e.Severity)
		}
	}
	assert.Equal(t, 265, len(codes))
	assert.Equal(t, 264, withSeverity, "every code but 282 has a severity in the list")
	for _, e := range c.Entries() {
		if e.Vendor == PrivX && e.HasProvenance(ProvenanceCurrent) {
			assert.True(t, codes[e.Code], "%s is marked as in the current list but is not in it", e.Code)
		}
	}
}

// Every code of audit-event-codes.json (privx-mcp) is in the catalog with the
// file's name.
func TestPrivXCurrentListJSON(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(privxVendorDir(t), "audit-event-codes.json"))
	require.NoError(t, err)
	var list map[string]struct {
		ID   int    `json:"event_id"`
		Name string `json:"event_name"`
	}
	require.NoError(t, json.Unmarshal(data, &list))
	require.Len(t, list, 265)
	c := embedded(t)
	for key, ev := range list {
		require.Equal(t, key, strconv.Itoa(ev.ID))
		e := c.LookupInt(PrivX, int64(ev.ID))
		if assert.NotNil(t, e, "code %d (%s) is not in the catalog", ev.ID, ev.Name) {
			assert.Equal(t, ev.Name, e.Name, "code %d", ev.ID)
			assert.True(t, e.HasProvenance(ProvenanceCurrent), "code %d", ev.ID)
		}
	}
}

func TestPrivXProvenanceCounts(t *testing.T) {
	counts := map[string]int{}
	for _, e := range embedded(t).Entries() {
		if e.Vendor == PrivX {
			require.NotEmpty(t, e.Provenance, "%s has a provenance", e.Code)
			counts[strings.Join(e.Provenance, "|")]++
		}
	}
	assert.Equal(t, map[string]int{"v24": 2, "current": 122, "v24|current": 143}, counts)
	// 520 and 521 are kept for older installations, and say so.
	for _, code := range []string{"520", "521"} {
		e := embedded(t).LookupString(PrivX, code)
		require.NotNil(t, e)
		assert.Equal(t, []string{ProvenanceV24}, e.Provenance)
		assert.Contains(t, e.Note, "absent from the current list")
		assert.False(t, e.VendorSeverity.IsSet())
	}
}

// A PrivX event whose name says it failed, was rejected, blocked or denied
// has the failure outcome.
func TestPrivXFailureNamesAreFailures(t *testing.T) {
	failure := regexp.MustCompile(`(?i)(rejected|blocked|failed|failure|denied)`)
	n := 0
	for _, e := range embedded(t).Entries() {
		if e.Vendor == PrivX && failure.MatchString(e.Name) {
			n++
			assert.Equal(t, OutcomeFailure, e.Outcome, "%s %s", e.Code, e.Name)
		}
	}
	assert.Greater(t, n, 40)
}

// One or more entries of each range of the current list, checked against
// what the vendor's name and description say.
func TestPrivXCurrentListSpotChecks(t *testing.T) {
	c := embedded(t)
	tests := []struct {
		code, name, category, typ string
		outcome                   Outcome
		severity                  Severity
		origin                    string
	}{
		{"101", "User-logged-out", "authentication", "end", OutcomeSuccess, SeverityLow, "Authentication"},
		{"136", "IDP-client-config-registration-failed", "configuration", "change", OutcomeFailure, SeverityLow, "Authentication"},
		{"142", "Session-inactivity-invalidated", "session", "end", OutcomeSuccess, SeverityLow, "Authentication"},
		{"282", "WebAuthn-Credential-removed", "iam", "deletion", OutcomeSuccess, SeverityMedium, "Role Store"}, // derived rule: "removed"
		{"297", "Users-blocked-by-license", "iam", "user", OutcomeFailure, SeverityLow, "Role Store"},
		{"342", "File-upload-blocked", "file", "denied", OutcomeFailure, SeverityMedium, "SSH Bastion"},
		{"349", "Monitoring-session-ended", "session", "end", OutcomeSuccess, SeverityLow, "SSH Proxy"},
		{"930", "Connection-blocked-by-ueba", "intrusion_detection", "denied", OutcomeFailure, SeverityCritical, "Connection Manager"},
		{"932", "Connection-marked-anomaly-by-ueba", "intrusion_detection", "info", OutcomeUnknown, SeverityCritical, "Connection Manager"},
		{"1604", "Router-init-failed", "process", "start", OutcomeFailure, SeverityMedium, "Network Access Manager"},
		{"1608", "Network-session-fatal-failure", "network", "connection", OutcomeFailure, SeverityCritical, "Network Access Manager"},
		{"1706", "Password-rotation-failure", "iam", "change", OutcomeFailure, SeverityCritical, "Secrets Manager"},
		{"1742", "Secret-checkout-expired", "configuration", "info", OutcomeUnknown, SeverityLow, "Secrets Manager"},
		{"1803", "SSH-command-blocked", "intrusion_detection", "denied", OutcomeFailure, SeverityLow, "SSH Bastion"},
		{"2003", "Database-session-terminated", "database", "end", OutcomeSuccess, SeverityHigh, "Database Proxy"},
		{"2004", "Database-session-rejected", "database", "denied", OutcomeFailure, SeverityLow, "Database Proxy"},
		{"2101", "MobileGW-privx-registration-failure", "configuration", "change", OutcomeFailure, SeverityLow, ""},
		{"2201", "Rpm-package-uploaded", "package", "creation", OutcomeSuccess, SeverityLow, "Extender Service"},
		{"2308", "API-proxy-session-fatal-failure", "api", "info", OutcomeFailure, SeverityCritical, "API Proxy"},
		{"2311", "API-proxy-session-recording-fatal-failure", "session", "info", OutcomeFailure, SeverityCritical, "API Proxy"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			e := c.LookupString(PrivX, tt.code)
			require.NotNil(t, e)
			assert.Equal(t, tt.name, e.Name)
			assert.Equal(t, []string{ProvenanceCurrent}, e.Provenance)
			assert.Contains(t, e.Category, tt.category)
			assert.Contains(t, e.Type, tt.typ)
			assert.Equal(t, tt.outcome, e.Outcome)
			assert.Equal(t, tt.severity, e.Severity)
			if tt.origin == "" {
				assert.Empty(t, e.Origin, "the list gives no origin")
			} else {
				assert.Contains(t, e.Origin, tt.origin)
			}
		})
	}
}
