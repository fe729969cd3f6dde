package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
)

func TestCatalogShow(t *testing.T) {
	user := writeTemp(t, "user.csv", csvHeader+
		"filingbox,999,Custom Event,,Occurs when something custom happens.,,9xx custom,configuration,change,success,medium,site-specific\n")
	tests := []struct {
		name string
		args []string
		code int
		want []string // lines or substrings expected on stdout (ok) or stderr (not ok)
	}{
		{name: "filingbox 54 finds 054", args: []string{"filingbox", "54"}, code: exitOK,
			want: []string{"code:        054\n", "name:        Server Login (Succeeded)\n", "severity:    low (event.severity 21)\n", "source:      embedded catalog/data/filingbox.csv:"}},
		{name: "filingbox 054", args: []string{"filingbox", "054"}, code: exitOK, want: []string{"code:        054\n"}},
		{name: "filingbox 0054", args: []string{"filingbox", "0054"}, code: exitOK, want: []string{"code:        054\n"}},
		{name: "vendor case-insensitive", args: []string{"FilingBox", "54"}, code: exitOK, want: []string{"code:        054\n"}},
		{name: "privx 100", args: []string{"privx", "100"}, code: exitOK, want: []string{"code:            100\n", "name:            User-logged-in\n",
			"severity:        low (event.severity 21)\n", "vendor_severity: Info(6)\n", "origin:          Authentication\n", "provenance:      v24|current\n"}},
		{name: "privx 0", args: []string{"privx", "0"}, code: exitOK, want: []string{"code:            0\n", "severity:        high (event.severity 73)\n", "vendor_severity: Critical(2)\n"}},
		{name: "privx current list only", args: []string{"privx", "101"}, code: exitOK, want: []string{"name:            User-logged-out\n", "provenance:      current\n"}},
		{name: "plusauth derived", args: []string{"plusauth", "100"}, code: exitOK, want: []string{"derived:     true\n"}},
		{name: "netop device.connect", args: []string{"netop", "device.connect"}, code: exitOK,
			want: []string{"code:        DEVICE.CONNECT\n", "name:        Device Connect\n", "category:    network|session\n"}},
		{name: "netop mixed case", args: []string{"netop", "Device.Connect"}, code: exitOK, want: []string{"code:        DEVICE.CONNECT\n"}},
		{name: "vendor names", args: []string{"netop", "DEVICE.CONNECT"}, code: exitOK, want: []string{"vendor:      netop (Netop (Impero), Netop Portal)\n"}},
		{name: "user catalog entry", args: []string{"--catalog", user, "filingbox", "999"}, code: exitOK,
			want: []string{"name:        Custom Event\n", "note:        site-specific\n", "source:      " + user + ":2\n"}},
		{name: "unknown code", args: []string{"filingbox", "999"}, code: exitFail, want: []string{"no filingbox entry with code 999"}},
		{name: "unknown code normalised in message", args: []string{"filingbox", "98"}, code: exitFail, want: []string{"no filingbox entry with code 098"}},
		{name: "not a code of the vendor", args: []string{"filingbox", "abc"}, code: exitFail, want: []string{`"abc" is not a filingbox code (3 digits, zero-padded)`}},
		{name: "netop code without action", args: []string{"netop", "DEVICE"}, code: exitFail, want: []string{`"DEVICE" is not a netop code`}},
		{name: "unknown vendor", args: []string{"acme", "1"}, code: exitUsage, want: []string{`unknown vendor "acme" (accepted: filingbox, netop, plusauth, privx)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "", append([]string{"catalog", "show"}, tt.args...)...)
			require.Equal(t, tt.code, code, "stderr: %s", stderr)
			where := stdout
			if tt.code != exitOK {
				where = stderr
				require.Empty(t, stdout)
			}
			for _, w := range tt.want {
				require.Contains(t, where, w)
			}
		})
	}
}

func TestCatalogShowEveryEntry(t *testing.T) {
	cat := mustEmbedded(t)
	for _, e := range cat.Entries() {
		stdout, stderr, code := runCLI(t, "", "catalog", "show", e.Vendor.String(), e.Code)
		require.Equal(t, exitOK, code, "%s %s: %s", e.Vendor, e.Code, stderr)
		require.Regexp(t, "\ndescription: +"+regexp.QuoteMeta(e.Description)+"\n", stdout)
	}
}

func TestCatalogList(t *testing.T) {
	cat := mustEmbedded(t)
	tests := []struct {
		name   string
		args   []string
		vendor string
		rows   int
	}{
		{name: "all", rows: cat.Len()},
		{name: "netop", args: []string{"--vendor", "netop"}, vendor: "netop", rows: cat.Count(cat.Vendor("netop"))},
		{name: "privx", args: []string{"--vendor", "privx"}, vendor: "privx", rows: cat.Count(cat.Vendor("privx"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "", append([]string{"catalog", "list"}, tt.args...)...)
			require.Equal(t, exitOK, code, stderr)
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			require.Equal(t, []string{"VENDOR", "CODE", "NAME", "CATEGORY", "OUTCOME", "SEVERITY"}, strings.Fields(lines[0]))
			require.Len(t, lines, tt.rows+1)
			for _, l := range lines[1:] {
				f := strings.Fields(l)
				if tt.vendor != "" {
					require.Equal(t, tt.vendor, f[0])
				}
				v := cat.Vendor(f[0])
				require.NotNil(t, v, f[0])
				e := cat.LookupString(v, f[1])
				require.NotNil(t, e, l)
				require.Equal(t, []string{strings.Join(e.Category, catalog.ListSeparator), e.Outcome.String(), e.Severity.String()}, f[len(f)-3:], l)
				require.Contains(t, l, "  "+e.Name+"  ")
			}
		})
	}
}

func TestCatalogLint(t *testing.T) {
	good := csvHeader +
		"filingbox,999,Custom Event,,Occurs when something custom happens.,,9xx custom,configuration,change,success,medium,\n" +
		"netop,DEVICE.CONNECT,Device Connect,,Connects.,,DEVICE (Portal),network|session,connection|start,success,high,\n"
	tests := []struct {
		name    string
		content string
		line    int    // the line the error names; 0 for the whole file
		problem string // "" for a good file
	}{
		{name: "good", content: good},
		{name: "code not canonical", line: 2, problem: `column code: "54" is not in canonical form: write "054"`,
			content: csvHeader + "filingbox,54,X,,D,,g,authentication,start,success,low,\n"},
		{name: "category not ECS", line: 4, problem: `category "login" is not an ECS event.category`,
			content: good + "privx,100,X,,D,,g,login,start,success,low,\n"},
		{name: "duplicate code", line: 4, problem: "duplicate code filingbox/999 (first on line 2)",
			content: good + "filingbox,999,X,,D,,g,authentication,start,success,low,\n"},
		{name: "bad severity", line: 2, problem: `unknown severity "urgent"`,
			content: csvHeader + "privx,100,X,,D,,g,authentication,start,success,urgent,\n"},
		{name: "wrong header", line: 1, problem: "header is",
			content: "vendor,code,name\nfilingbox,054,X\n"},
		{name: "missing columns", line: 2, problem: "3 columns, expected 12",
			content: csvHeader + "filingbox,054,X\n"},
		{name: "empty file", problem: "file is empty", content: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "user.csv", tt.content)
			stdout, stderr, code := runCLI(t, "", "catalog", "lint", path)
			if tt.problem == "" {
				require.Equal(t, exitOK, code, stderr)
				require.Equal(t, "OK "+path+": 2 entries (filingbox 1, netop 1); 1 new, 1 replace embedded entries\n", stdout)
				return
			}
			require.Equal(t, exitFail, code)
			require.Empty(t, stdout)
			where := path + ":"
			if tt.line > 0 {
				where = path + ":" + strconv.Itoa(tt.line) + ":"
			}
			require.True(t, strings.HasPrefix(stderr, where), "error %q does not name %s", stderr, where)
			require.Contains(t, stderr, tt.problem)
		})
	}
	t.Run("several files, one bad", func(t *testing.T) {
		ok := writeTemp(t, "ok.csv", good)
		bad := writeTemp(t, "bad.csv", csvHeader+"filingbox,54,X,,D,,g,authentication,start,success,low,\n")
		missing := filepath.Join(t.TempDir(), "missing.csv")
		stdout, stderr, code := runCLI(t, "", "catalog", "lint", ok, bad, missing)
		require.Equal(t, exitFail, code)
		require.Contains(t, stdout, "OK "+ok+": 2 entries")
		require.Contains(t, stderr, bad+":2: column code")
		require.Contains(t, stderr, missing+": cannot read catalog file")
	})
}

func TestCatalogExportCSV(t *testing.T) {
	overlay := writeTemp(t, "overlay.csv", csvHeader+
		"filingbox,999,\"Custom \"\"quoted\"\" Event\",,\"Occurs when a, b and c happen.\",true,9xx custom,configuration,change,success,medium,site-specific\n"+
		"filingbox,054,Server Login,Server Login (Succeeded),Occurs on login.,,0xx client access,authentication,start,success,high,renamed\n")
	tests := []struct {
		name   string
		args   []string
		vendor string
		files  []string
	}{
		{name: "all"},
		{name: "filingbox", args: []string{"--vendor", "filingbox"}, vendor: "filingbox"},
		{name: "netop", args: []string{"--vendor", "netop"}, vendor: "netop"},
		{name: "with a user file", args: []string{"--catalog", overlay}, files: []string{overlay}},
		{name: "a fifth vendor", args: []string{"--catalog", acmeDescriptor, "--catalog", acmeTable, "--vendor", "acme_idp"},
			vendor: "acme_idp", files: []string{acmeDescriptor, acmeTable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "", append([]string{"catalog", "export", "--format", "csv"}, tt.args...)...)
			require.Equal(t, exitOK, code, stderr)
			cat, err := catalog.Load(tt.files...)
			require.NoError(t, err)
			want := selectEntries(cat, cat.Vendor(tt.vendor))
			got, err := catalog.Parse("export.csv", []byte(stdout), cat.VendorSet())
			require.NoError(t, err, "the export must be a valid catalog file")
			require.Len(t, got, len(want))
			for i := range want {
				require.Equal(t, want[i].Record(), got[i].Record(), "entry %d", i)
			}
		})
	}
}

func TestCatalogExportJSON(t *testing.T) {
	stdout, stderr, code := runCLI(t, "", "catalog", "export", "--format", "json")
	require.Equal(t, exitOK, code, stderr)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	cat := mustEmbedded(t)
	entries := cat.Entries()
	require.Len(t, got, len(entries))
	keys := []string{"vendor", "code", "name", "name_in_doc", "description", "derived", "group", "category", "type",
		"outcome", "severity", "severity_score", "note", "source", "line"}
	for i, e := range entries {
		t.Run(e.Vendor.String()+"/"+e.Code, func(t *testing.T) {
			g := got[i]
			for _, k := range keys {
				require.Contains(t, g, k)
			}
			require.Equal(t, e.Vendor.String(), g["vendor"])
			require.Equal(t, e.Code, g["code"])
			require.Equal(t, e.Name, g["name"])
			require.Equal(t, e.Description, g["description"])
			require.Equal(t, e.Derived, g["derived"])
			require.Equal(t, e.Category, strs(g["category"]))
			require.Equal(t, e.Type, strs(g["type"]))
			require.Equal(t, e.Severity.String(), g["severity"])
			require.InDelta(t, e.Severity.Score(), g["severity_score"], 0)
		})
	}
}

func TestCatalogExportMarkdown(t *testing.T) {
	user := writeTemp(t, "pipes.csv", csvHeader+
		"filingbox,999,A|B Event,A||B,Occurs when a | b.,true,9xx custom,configuration,change,success,medium,pipes | everywhere\n")
	stdout, stderr, code := runCLI(t, "", "catalog", "export", "--format", "markdown", "--vendor", "filingbox", "--catalog", user)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "generated by `auditx catalog export --format markdown`")
	require.Contains(t, stdout, "must not be edited by hand")
	require.Contains(t, stdout, "overlaid with the user files `"+user+"`")
	require.Contains(t, stdout, "\n## filingbox\n")
	require.NotContains(t, stdout, "\n## netop\n")
	require.Contains(t, stdout, "| `999` | A\\|B Event | configuration | change | success | medium (47) | Occurs when a \\| b. *(derived)* | document: *A\\|\\|B*. pipes \\| everywhere |\n")
	cat, err := catalog.Load(user)
	require.NoError(t, err)
	rows := 0
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "| `") {
			rows++
			unescaped := strings.Count(l, "|") - strings.Count(l, `\|`)
			require.Equal(t, 9, unescaped, "a row has 8 cells: %s", l)
		}
	}
	require.Equal(t, cat.Count(cat.Vendor("filingbox")), rows)
}

func TestMarkdownCell(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "plain", in: "Server Login", want: "Server Login"},
		{name: "pipe", in: "a|b", want: `a\|b`},
		{name: "pipes", in: "|a||", want: `\|a\|\|`},
		{name: "newlines", in: "a\nb\r\nc", want: "a b c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, mdCell(tt.in))
		})
	}
}

func TestCatalogExportToFile(t *testing.T) {
	for _, format := range []string{formatCSV, formatJSON, formatMarkdown} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out."+format)
			stdout, stderr, code := runCLI(t, "", "catalog", "export", "--format", format, "-o", path)
			require.Equal(t, exitOK, code, stderr)
			require.Empty(t, stdout)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			want, _, _ := runCLI(t, "", "catalog", "export", "--format", format)
			require.Equal(t, want, string(got))
		})
	}
}

// TestDocsCatalogUpToDate fails when docs/catalog.md is not the markdown
// export of the embedded catalog.
func TestDocsCatalogUpToDate(t *testing.T) {
	const path = "../../docs/catalog.md"
	committed, err := os.ReadFile(path)
	require.NoError(t, err, "docs/catalog.md is missing: run %s from the repository root", docsRegenerate)
	var want bytes.Buffer
	require.NoError(t, exportCatalog(&want, mustEmbedded(t), formatMarkdown, nil))
	if !bytes.Equal(committed, want.Bytes()) {
		t.Fatalf("docs/catalog.md differs from the catalog's markdown export: the descriptors or CSV files changed, or the file was edited by hand.\n"+
			"Fix: run `%s` from the repository root and commit the result.", docsRegenerate)
	}
}

func TestCatalogDiff(t *testing.T) {
	const login = "filingbox,054,Server Login (Succeeded),,Occurs when the client successfully completes 2FA.,,0xx client access,authentication,start,success,"
	fullHeader := strings.Join(catalog.Header, ",") + "\n"
	user := writeTemp(t, "user.csv", fullHeader+
		"filingbox,999,Custom Event,,Occurs when something custom happens.,,9xx custom,configuration,change,success,medium,,,,\n"+
		login+"high,,,,site policy\n"+
		"plusauth,2001,"+recordTail(t, "plusauth", "2001")+"\n")
	t.Run("against the embedded catalog", func(t *testing.T) {
		stdout, stderr, code := runCLI(t, "", "catalog", "diff", user)
		require.Equal(t, exitOK, code, stderr)
		require.Equal(t, user+":\n"+
			`  + added     filingbox 999 "Custom Event" (line 2)`+"\n"+
			`  ~ replaced  filingbox 054 "Server Login (Succeeded)" (line 3); was embedded catalog/data/filingbox.csv:6`+"\n"+
			`      severity: "low" -> "high"`+"\n"+
			`      note: "" -> "site policy"`+"\n"+
			`  = unchanged plusauth 2001 "`+mustEmbedded(t).LookupString(mustEmbedded(t).Vendor("plusauth"), "2001").Name+`" (line 4); same as embedded catalog/data/plusauth.csv:`,
			stdout[:strings.Index(stdout, "plusauth.csv:")+len("plusauth.csv:")])
		require.True(t, strings.HasSuffix(stdout, "\n1 added, 1 replaced, 1 unchanged\n"), stdout)
	})
	t.Run("against a base file", func(t *testing.T) {
		base := writeTemp(t, "base.csv", csvHeader+login+"high,site policy\n") // the older header
		stdout, stderr, code := runCLI(t, "", "catalog", "diff", "--base", base, user)
		require.Equal(t, exitOK, code, stderr)
		require.Contains(t, stdout, `  = unchanged filingbox 054 "Server Login (Succeeded)" (line 3); same as `+base+":2\n")
		require.True(t, strings.HasSuffix(stdout, "\n1 added, 0 replaced, 2 unchanged\n"), stdout)
	})
	t.Run("later file against an earlier one", func(t *testing.T) {
		second := writeTemp(t, "second.csv", csvHeader+
			"filingbox,999,Custom Event Renamed,,Occurs when something custom happens.,,9xx custom,configuration,change,success,medium,\n")
		diffs, err := diffFiles(mustEmbedded(t), []string{user, second})
		require.NoError(t, err)
		require.Len(t, diffs, 2)
		require.Len(t, diffs[1].changes, 1)
		ch := diffs[1].changes[0]
		require.Equal(t, changeReplaced, ch.kind)
		require.Equal(t, user, ch.old.Source)
		require.Equal(t, []fieldChange{{column: "name", old: "Custom Event", new: "Custom Event Renamed"}}, ch.fields)
	})
	t.Run("older header over a PrivX entry", func(t *testing.T) {
		// A file with the older header replaces the whole entry: the diff
		// shows that it drops the vendor's severity, origin and provenance.
		old := writeTemp(t, "old.csv", csvHeader+
			"privx,101,User-logged-out,,User has logged out from the system.,,authentication,authentication,end,success,medium,site rule\n")
		stdout, stderr, code := runCLI(t, "", "catalog", "diff", old)
		require.Equal(t, exitOK, code, stderr)
		require.Contains(t, stdout, `      severity: "low" -> "medium"`+"\n"+
			`      vendor_severity: "Info(6)" -> ""`+"\n"+
			`      origin: "Authentication" -> ""`+"\n"+
			`      provenance: "current" -> ""`+"\n"+
			`      note: "" -> "site rule"`+"\n")
	})
	t.Run("bad file", func(t *testing.T) {
		bad := writeTemp(t, "bad.csv", csvHeader+"filingbox,54,X,,D,,g,authentication,start,success,low,\n")
		_, stderr, code := runCLI(t, "", "catalog", "diff", bad)
		require.Equal(t, exitFail, code)
		require.Contains(t, stderr, bad+":2: column code")
	})
}

// recordTail returns an embedded entry's row after vendor and code, as CSV.
func recordTail(t *testing.T, vendor, code string) string {
	t.Helper()
	cat := mustEmbedded(t)
	e := cat.LookupString(cat.Vendor(vendor), code)
	require.NotNil(t, e)
	var b bytes.Buffer
	require.NoError(t, writeCSV(&b, []*catalog.Entry{e}))
	row := strings.SplitN(strings.TrimSuffix(b.String(), "\n"), "\n", 2)[1]
	return strings.SplitN(row, ",", 3)[2]
}

func TestCatalogLintActorFile(t *testing.T) {
	ok := writeTemp(t, "actors.csv", "vendor,field,source,ignore,note\nnetop,host.name,Entity Name,,site\n")
	bad := writeTemp(t, "bad-actors.csv", "vendor,field,source,ignore,note\nnetop,user.email,x,,\n")
	out, stderr, code := runCLI(t, "", "catalog", "lint", ok)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, out, "OK "+ok+": actor map, 1 rows")
	_, stderr, code = runCLI(t, "", "catalog", "lint", bad)
	require.Equal(t, exitFail, code)
	require.Contains(t, stderr, bad+":2: column field")
}
