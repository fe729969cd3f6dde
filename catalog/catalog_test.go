package catalog

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func embedded(t testing.TB) *Catalog {
	t.Helper()
	c, err := Embedded()
	require.NoError(t, err, "the embedded catalog must load: a broken data file never ships")
	return c
}

// The counts SEEDS.md gives for each document; PrivX holds the 145 codes of
// its v24 document and the 122 later ones of its current event list.
func TestEmbeddedCounts(t *testing.T) {
	c := embedded(t)
	want := map[*Vendor]int{FilingBox: 54, PlusAuth: 38, PrivX: 267, Netop: 110}
	for v, n := range want {
		assert.Equal(t, n, c.Count(v), "entries of %s", v)
	}
	assert.Equal(t, 469, c.Len())
	for i, e := range c.Entries() {
		require.Equal(t, i, e.Index, "Index is the position in Entries")
		require.Equal(t, SourceEmbedded, e.Source)
	}
}

func TestEmbeddedSpotChecks(t *testing.T) {
	c := embedded(t)
	tests := []struct {
		vendor                            *Vendor
		code, name, nameInDoc, descPrefix string
		derived                           bool
		category                          string
		outcome                           Outcome
	}{
		{FilingBox, "054", "Server Login (Succeeded)", "", "Occurs when the client successfully completes 2FA.", false, "authentication", OutcomeSuccess},
		{FilingBox, "056", "Server Login (Failed)", "", "Occurs when the client fails to log in", false, "authentication", OutcomeFailure},
		// SEEDS.md defects: 153 is printed as "Server Process Startup".
		{FilingBox, "153", "Email Notification (Succeeded)", "Server Process Startup", "", false, "email", OutcomeSuccess},
		{FilingBox, "057", "Admin 2FA Setup (Device Manager)", "Admin 2FA Setup", "Occurs when the device manager sets up 2FA.", false, "", OutcomeUnset},
		{FilingBox, "117", "Admin 2FA Setup (Super/General Admin)", "Admin 2FA Setup", "", false, "", OutcomeUnset},
		{FilingBox, "511", "Reuse of Authentication Information (Client)", "", "Occurs when reused authentication information is used to attempt client login.", false, "", OutcomeUnset},
		{PlusAuth, "4002", "Failed Login (Invalid Password)", "", "User entered incorrect password", false, "authentication", OutcomeFailure},
		{PlusAuth, "2001", "Successful Login", "", "User logged in successfully", false, "authentication", OutcomeSuccess},
		{PlusAuth, "2060", "User Credential Enrolled", "", "", true, "", OutcomeUnset},
		{PlusAuth, "100", "API Read Operation", "", "", true, "api", OutcomeUnset},
		{PrivX, "0", "License-error", "", "The system license does not allow operation.", false, "", OutcomeFailure},
		{PrivX, "100", "User-logged-in", "", "User has logged in to the system.", false, "authentication", OutcomeSuccess},
		{PrivX, "302", "Connection-rejected", "", "Connection was rejected.", false, "network", OutcomeFailure},
		{PrivX, "1404", "Secret-metadata-changed", "", "Secret's metadata changed.", false, "", OutcomeUnset},
		{Netop, "DEVICE.CONNECT", "Device Connect", "", "An event is logged when the Portal user connects to the device", false, "", OutcomeUnset},
		{Netop, "ACCOUNT_AUTH_METHOD.BROWSE_GROUPS", "", "", "An event is logged when a user browse for LDAP User Groups", false, "", OutcomeUnset},
		{Netop, "USER.LOGIN", "", "", "", false, "authentication", OutcomeUnset},
	}
	for _, tt := range tests {
		t.Run(tt.vendor.String()+"/"+tt.code, func(t *testing.T) {
			e := c.LookupString(tt.vendor, tt.code)
			require.NotNil(t, e, "entry must exist")
			if tt.name != "" {
				assert.Equal(t, tt.name, e.Name)
			}
			assert.Equal(t, tt.nameInDoc, e.NameInDoc)
			assert.True(t, strings.HasPrefix(e.Description, tt.descPrefix), "description %q", e.Description)
			assert.NotContains(t, e.Description, "Have more questions", "page noise must not be in descriptions")
			assert.Equal(t, tt.derived, e.Derived)
			if tt.derived {
				assert.NotEmpty(t, e.Note, "a derived description says so in the note")
			}
			if tt.category != "" {
				assert.Contains(t, e.Category, tt.category)
			}
			if tt.outcome != OutcomeUnset {
				assert.Equal(t, tt.outcome, e.Outcome)
			}
		})
	}
	for _, code := range []string{"101", "422", "611"} { // gaps of PrivX v24
		if e := c.LookupString(PrivX, code); e != nil {
			assert.False(t, e.HasProvenance(ProvenanceV24), "PrivX v24 has no code %s", code)
		}
	}
	assert.Nil(t, c.LookupString(PrivX, "422"), "in neither PrivX list")
	assert.Nil(t, c.LookupString(PrivX, "611"), "in neither PrivX list")
}

// Every PlusAuth 2xxx code is a success and every 4xxx a failure (SEEDS.md).
func TestPlusAuthCodeClasses(t *testing.T) {
	for _, e := range embedded(t).Entries() {
		if e.Vendor != PlusAuth {
			continue
		}
		switch e.Code[0] {
		case '2':
			assert.Equal(t, OutcomeSuccess, e.Outcome, e.Code)
		case '4':
			assert.Equal(t, OutcomeFailure, e.Outcome, e.Code)
		}
	}
}

func TestNetopEntityCounts(t *testing.T) {
	want := map[string]int{"DEVICE": 56, "USER": 15, "DEPLOYMENT_PACKAGE": 12, "ACCOUNT_AUTH_METHOD": 4, "ACCOUNT": 2,
		"DEVICE_CONFLICTS": 2, "GUEST": 1, "USER_GROUP": 3, "DEVICE_GROUP": 3, "LDAP_GROUP": 3, "LOG_REPORT": 3,
		"APPLICATION": 3, "ROLE_ASSIGNMENT": 3}
	got := map[string]int{}
	groups := map[string]int{}
	for _, e := range embedded(t).Entries() {
		if e.Vendor == Netop {
			got[strings.SplitN(e.Code, ".", 2)[0]]++
			groups[e.Group]++
		}
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 13, groups["DEVICE (Portal)"])
	assert.Equal(t, 43, groups["DEVICE (Host)"])
}

// seedsDir is shared/seeds beside the repository (present on the
// developers' machines and in CI); the document checks skip without it.
func seedsDir(t *testing.T) string {
	dir := filepath.Join("..", "..", "shared", "seeds")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("vendor documents not found at %s: %v", dir, err)
	}
	return dir
}

// Every code the documents print is in the catalog, and nothing else is.
func TestCodesMatchDocuments(t *testing.T) {
	dir := seedsDir(t)
	c := embedded(t)
	tests := []struct {
		vendor *Vendor
		file   string
		line   *regexp.Regexp // the code is the first group
	}{
		{FilingBox, "000_02e2b27bd072ab6b.txt", regexp.MustCompile(`^(\d{3}) \|`)},
		{PlusAuth, "001_cf63854519a94fe7.txt", regexp.MustCompile(`^(\d{3,4}) [A-Z]`)},
		{PrivX, "002_b6dbcb8e999cf56d.txt", regexp.MustCompile(`^[A-Za-z][A-Za-z-]*[A-Za-z](\d+)\S`)},
	}
	for _, tt := range tests {
		t.Run(tt.vendor.String(), func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, tt.file))
			require.NoError(t, err)
			defer f.Close()
			seen := map[string]bool{}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if m := tt.line.FindStringSubmatch(sc.Text()); m != nil {
					seen[m[1]] = true
					assert.NotNil(t, c.LookupString(tt.vendor, m[1]), "document code %s missing from the catalog", m[1])
				}
			}
			inDoc := 0
			for _, e := range c.Entries() {
				// PrivX's later codes come from its current list (TestPrivXCurrentList).
				if e.Vendor == tt.vendor && (tt.vendor != PrivX || e.HasProvenance(ProvenanceV24)) {
					inDoc++
					assert.True(t, seen[e.Code], "%s %s is not in the document", e.Vendor, e.Code)
				}
			}
			assert.Equal(t, inDoc, len(seen), "codes in the document")
		})
	}
}

// The embedded ECS rules are a copy of shared/ecs/ecs-event-fields.json.
func TestECSCopyIsCurrent(t *testing.T) {
	shared, err := os.ReadFile(filepath.Join("..", "..", "shared", "ecs", "ecs-event-fields.json"))
	if err != nil {
		t.Skipf("shared ECS file not found: %v", err)
	}
	assert.Equal(t, string(shared), string(ecsFieldsJSON), "catalog/ecs/ecs-event-fields.json is out of date: copy shared/ecs/ecs-event-fields.json")
}

func TestEveryEntryIsValidECS(t *testing.T) {
	ecs, err := ECSRules()
	require.NoError(t, err)
	for _, e := range embedded(t).Entries() {
		require.NoError(t, ecs.CheckCategorization(e.Category, e.Type), "%s %s", e.Vendor, e.Code)
		require.NotEqual(t, SeverityUnset, e.Severity)
		require.NotEqual(t, OutcomeUnset, e.Outcome)
	}
}

func TestCheckCategorization(t *testing.T) {
	ecs, err := ECSRules()
	require.NoError(t, err)
	tests := []struct {
		name       string
		cat, types []string
		wantErr    string
	}{
		{"ok", []string{"authentication"}, []string{"start"}, ""},
		{"two categories", []string{"iam", "configuration"}, []string{"user", "change"}, ""},
		{"unknown category", []string{"login"}, []string{"start"}, `category "login" is not an ECS event.category`},
		{"unknown type", []string{"iam"}, []string{"modify"}, `type "modify" is not an ECS event.type`},
		{"type not expected", []string{"authentication"}, []string{"creation"}, `not expected by any of the categories`},
		{"category without its type", []string{"iam", "network"}, []string{"user"}, `category "network" has none of its expected types`},
		{"empty", nil, []string{"start"}, "category is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ecs.CheckCategorization(tt.cat, tt.types)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
