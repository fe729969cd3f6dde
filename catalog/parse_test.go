package catalog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// header is the older header row (LegacyHeader): files written before the
// vendor_severity, origin and provenance columns must still load.
const header = "vendor,code,name,name_in_doc,description,derived,group,category,type,outcome,severity,note\n"

// fullHeader is the current header row (Header).
const fullHeader = "vendor,code,name,name_in_doc,description,derived,group,category,type,outcome,severity,vendor_severity,origin,provenance,note\n"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestUserFileOverrides(t *testing.T) {
	user := writeFile(t, "extra.csv", header+
		"privx,100,User-logged-in,,Local override of the login event.,,authentication,authentication,start,success,medium,site rule\n"+
		"privx,9000,Custom-event,,A site-specific event.,,custom,configuration,change,success,low,\n")
	c, err := Load(user)
	require.NoError(t, err)
	assert.Equal(t, 267+1, c.Count(PrivX), "one added, one replaced")
	e := c.LookupString(PrivX, "100")
	require.NotNil(t, e)
	assert.Equal(t, "Local override of the login event.", e.Description)
	assert.Equal(t, SeverityMedium, e.Severity)
	assert.Equal(t, user, e.Source)
	assert.Equal(t, 2, e.Line)
	assert.Equal(t, "Custom-event", c.LookupInt(PrivX, 9000).Name)
	for i, x := range c.Entries() {
		require.Equal(t, i, x.Index)
	}
	// The embedded catalog itself is untouched by another load.
	assert.Equal(t, "User has logged in to the system.", embedded(t).LookupString(PrivX, "100").Description)
}

func TestLaterUserFileWins(t *testing.T) {
	a := writeFile(t, "a.csv", header+"netop,DEVICE.X,X one,,First.,,DEVICE,host,info,unknown,low,\n")
	b := writeFile(t, "b.csv", header+"netop,DEVICE.X,X two,,Second.,,DEVICE,host,info,unknown,low,\n")
	c, err := Load(a, b)
	require.NoError(t, err)
	assert.Equal(t, "X two", c.LookupString(Netop, "device.x").Name)
}

func TestUserFileErrors(t *testing.T) {
	ok := "privx,9000,E,,D.,,g,configuration,change,success,low,\n"
	tests := []struct {
		name    string
		content string
		wantErr string // substring; the file name is always checked too
		line    int
	}{
		{"empty file", "", "file is empty", 0},
		{"wrong header", "vendor,code\n" + ok, "header is", 1},
		{"too few columns", header + "privx,9000,E\n", "3 columns, expected 12", 2},
		{"legacy row under the full header", fullHeader + ok, "12 columns, expected 15", 2},
		{"bare vendor severity", fullHeader + "privx,9000,E,,D.,,g,configuration,change,success,,0,,,\n", "column vendor_severity", 2},
		{"severity disagrees with the vendor's", fullHeader + "privx,9000,E,,D.,,g,configuration,change,success,high,Info(6),,,\n",
			"high disagrees with vendor_severity Info(6), which is low", 2},
		{"no severity at all", fullHeader + "privx,9000,E,,D.,,g,configuration,change,success,,,,,\n", `column severity: unknown severity ""`, 2},
		{"empty origin item", fullHeader + "privx,9000,E,,D.,,g,configuration,change,success,low,,A||B,,\n", "column origin", 2},
		{"provenance with a space", fullHeader + "privx,9000,E,,D.,,g,configuration,change,success,low,,,v 24,\n", "column provenance", 2},
		{"unknown vendor", header + strings.Replace(ok, "privx", "cisco", 1), `unknown vendor "cisco"`, 2},
		{"bad code", header + strings.Replace(ok, "9000", "90x0", 1), `column code: "90x0" is not a privx code`, 2},
		{"non canonical code", header + strings.Replace(ok, "9000", "09000", 1), `write "9000"`, 2},
		{"duplicate code", header + ok + ok, "duplicate code privx/9000 (first on line 2)", 3},
		{"bad category", header + strings.Replace(ok, "configuration", "login", 1), `category "login" is not an ECS event.category`, 2},
		{"type not of category", header + strings.Replace(ok, "change", "start", 1), "not expected by any of the categories", 2},
		{"bad outcome", header + strings.Replace(ok, "success", "ok", 1), `unknown outcome "ok"`, 2},
		{"bad severity", header + strings.Replace(ok, "low", "urgent", 1), `unknown severity "urgent"`, 2},
		{"empty description", header + strings.Replace(ok, "D.", "", 1), "column description: empty", 2},
		{"bad derived", header + strings.Replace(ok, ",D.,,", ",D.,maybe,", 1), `column derived: "maybe"`, 2},
		{"unterminated quote", header + `privx,9000,"E,,D.,,g,configuration,change,success,low,` + "\n", "malformed CSV", 2},
		{"line 4 of 4", header + ok + strings.Replace(ok, "9000", "9001", 1) + strings.Replace(ok, "9000", "x", 1), "", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "user.csv", tt.content)
			c, err := Load(p)
			require.Error(t, err)
			assert.Nil(t, c, "nothing half-loaded")
			assert.Contains(t, err.Error(), p, "the error names the file")
			assert.Contains(t, err.Error(), tt.wantErr)
			var fe *FileError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, tt.line, fe.Line, "the error names the line")
		})
	}
}

func TestHeaderOnlyFileIsAnEmptyOverlay(t *testing.T) {
	c, err := Load(writeFile(t, "empty.csv", header))
	require.NoError(t, err)
	assert.Equal(t, 469, c.Len())
}

// The full header's columns: the vendor's severity is the default when the
// severity cell is empty, origin and provenance are lists.
func TestFullHeaderColumns(t *testing.T) {
	p := writeFile(t, "full.csv", fullHeader+
		"privx,9000,Site-event,,D.,,g,configuration,change,success,,Alert(1),SSH Bastion|Role Store,site,why\n"+
		"privx,9001,Site-event-two,,D.,,g,configuration,change,success,medium,Warning(4),,,\n")
	c, err := Load(p)
	require.NoError(t, err)
	e := c.LookupInt(PrivX, 9000)
	require.NotNil(t, e)
	assert.Equal(t, SeverityCritical, e.Severity, "Alert(1) is the default")
	assert.Equal(t, "Alert(1)", e.VendorSeverity.String())
	assert.Equal(t, []string{"SSH Bastion", "Role Store"}, e.Origin)
	assert.Equal(t, []string{"site"}, e.Provenance)
	assert.Equal(t, "why", e.Note)
	assert.Equal(t, SeverityMedium, c.LookupInt(PrivX, 9001).Severity)
	// A legacy-header file has none of them.
	c, err = Load(writeFile(t, "old.csv", header+"privx,100,User-logged-in,,D.,,g,authentication,start,success,high,n\n"))
	require.NoError(t, err)
	e = c.LookupInt(PrivX, 100)
	assert.False(t, e.VendorSeverity.IsSet())
	assert.Empty(t, e.Origin)
	assert.Empty(t, e.Provenance)
	assert.Equal(t, SeverityHigh, e.Severity)
	assert.Equal(t, "n", e.Note)
}

func TestUserFileBOMAndCRLF(t *testing.T) {
	content := "\xEF\xBB\xBF" + strings.ReplaceAll(header+"privx,9000,E,,\"D, with comma\",,g,configuration,change,success,low,\n", "\n", "\r\n")
	c, err := Load(writeFile(t, "win.csv", content))
	require.NoError(t, err)
	assert.Equal(t, "D, with comma", c.LookupInt(PrivX, 9000).Description)
}

func TestUserFilePaths(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.csv"))
	require.ErrorContains(t, err, "missing.csv: cannot read catalog file")
	_, err = Load(t.TempDir())
	require.ErrorContains(t, err, "not a regular file")
	big := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(MaxFileBytes+1))
	require.NoError(t, f.Close())
	_, err = Load(big)
	require.ErrorContains(t, err, "over the limit")
	if os.Geteuid() != 0 { // root reads anything
		p := writeFile(t, "secret.csv", header)
		require.NoError(t, os.Chmod(p, 0))
		_, err = Load(p)
		require.ErrorContains(t, err, "cannot read catalog file")
	}
}

// Record() writes a row that Parse reads back to the same entry.
func TestRecordRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	require.NoError(t, w.Write(Header))
	orig := embedded(t).Entries()
	for _, e := range orig {
		require.NoError(t, w.Write(e.Record()))
	}
	w.Flush()
	back, err := Parse("roundtrip.csv", buf.Bytes(), testVendors)
	require.NoError(t, err)
	require.Len(t, back, len(orig))
	for i := range orig {
		a, b := *orig[i], *back[i]
		a.Source, a.Line, a.Index, b.Source, b.Line, b.Index = "", 0, 0, "", 0, 0
		require.Equal(t, a, b)
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range testVendors.Vendors() {
		data, err := dataFS.ReadFile("data/" + v.ID + ".csv")
		require.NoError(f, err)
		f.Add(data[:min(len(data), 2048)])
	}
	f.Add([]byte(header + "privx,9000,E,,D.,,g,configuration,change,success,low,\n"))
	f.Add([]byte("\xEF\xBB\xBF" + header))
	f.Add([]byte(fullHeader + "privx,9000,E,,D.,,g,configuration,change,success,,Info(6),A|B,v24|current,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		entries, err := Parse("fuzz.csv", data, testVendors)
		if err != nil {
			require.Nil(t, entries, "nothing half-loaded")
			var fe *FileError
			require.True(t, errors.As(err, &fe), "errors are FileErrors: %v", err)
			return
		}
		ecs, _ := ECSRules()
		for _, e := range entries {
			require.NoError(t, ecs.CheckCategorization(e.Category, e.Type))
			code, ok := Canonical(e.Vendor, e.Code)
			require.True(t, ok)
			require.Equal(t, code, e.Code)
		}
	})
}
