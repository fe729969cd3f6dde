package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/enrich"
)

// The fifth vendor of the tests, defined only by files: acme_idp,
// testdata/vendor5/acme.vendor (the descriptor), acme.csv (its event table)
// and acme.log (sample records: one with a code the table does not have).
// The enrich, cgo-host and e2e tests use the same files.
const (
	acmeDescriptor = "../../testdata/vendor5/acme.vendor"
	acmeTable      = "../../testdata/vendor5/acme.csv"
	acmeLog        = "../../testdata/vendor5/acme.log"
	acmeID         = "acme_idp"
	acmeUnknown    = "AUTH_1099" // the code of acme.log the table does not have
)

// acmeArgs are the --catalog flags of the fifth vendor.
var acmeArgs = []string{"--catalog", acmeDescriptor, "--catalog", acmeTable}

func acmeCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Load(acmeDescriptor, acmeTable)
	require.NoError(t, err)
	return cat
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// acmeExpect is what auditx adds to an acme record, worked out from the
// record by the descriptor's rules written out here by hand: the code under
// evt.id upper-cased with '-' read as '_', the outcome from outcome.code (0
// success, above 0 failure) for a known code, the severity from sev on the
// syslog scale, the actor from actor.login, actor.id (not "system") and
// actor.ip.
func acmeExpect(t *testing.T, cat *catalog.Catalog, rec map[string]any) (code string, entry *catalog.Entry, outcome string, severity float64) {
	t.Helper()
	code = strings.ToUpper(strings.ReplaceAll(rec["evt"].(map[string]any)["id"].(string), "-", "_"))
	entry = cat.LookupString(cat.Vendor(acmeID), code)
	outcome = "unknown"
	if entry != nil {
		var n int
		switch c := rec["outcome"].(map[string]any)["code"].(type) {
		case float64:
			n = int(c)
		case string:
			var err error
			n, err = strconv.Atoi(c)
			require.NoError(t, err)
		}
		outcome = "success"
		if n > 0 {
			outcome = "failure"
		}
	}
	// The syslog levels acme.log's sev takes.
	levels := map[any]int{"error": 3, "warning": 4, "Warning(4)": 4, "notice": 5, "info": 6, 6.0: 6}
	level, ok := levels[rec["sev"]]
	require.True(t, ok, "add %v to the test's levels", rec["sev"])
	return code, entry, outcome, float64(enrich.SyslogScores()[level])
}

// TestEnrichFifthVendor runs the four samples and acme.log through one
// auditx enrich with the acme files as --catalog: acme's records are
// recognised (vendor auto) and enriched from the descriptor and the table,
// and the samples' output is their golden files byte for byte.
func TestEnrichFifthVendor(t *testing.T) {
	cat := acmeCatalog(t)
	var in strings.Builder
	var golden []string
	embedded := mustEmbedded(t).Vendors()
	for _, v := range embedded {
		data, _ := readSample(t, v)
		in.WriteString(data)
		golden = append(golden, readLines(t, filepath.Join(goldenDir, v.String()+".golden"))...)
	}
	acme := readLines(t, acmeLog)
	in.WriteString(strings.Join(acme, "\n") + "\n")

	stdout, stderr, code := runCLI(t, in.String(), append(slices.Clone(goldenArgs), acmeArgs...)...)
	require.Equal(t, exitOK, code, stderr)
	out := outputLines(t, stdout)
	require.Len(t, out, len(golden)+len(acme))
	for i := range golden {
		require.Equal(t, golden[i], out[i], "sample line %d differs from its golden line with the fifth vendor loaded", i+1)
	}

	var enriched, unknown int
	for i, line := range acme {
		rec := decodeObject(t, line)
		got := decodeObject(t, out[len(golden)+i])
		requireFieldsKept(t, acmeID, rec, got, i+1)
		code, entry, outcome, severity := acmeExpect(t, cat, rec)
		ev := got["event"].(map[string]any)
		require.Equal(t, acmeID, ev["module"], "acme line %d", i+1)
		require.Equal(t, acmeID+".audit", ev["dataset"])
		require.Equal(t, "event", ev["kind"])
		require.Equal(t, code, ev["code"], "acme line %d", i+1)
		require.Equal(t, outcome, ev["outcome"], "acme line %d", i+1)
		require.InDelta(t, severity, ev["risk_score_norm"], 0, "acme line %d", i+1)
		require.Equal(t, map[string]any{"vendor": "Acme Corp", "product": "Acme Identity Cloud"}, got["observer"])
		require.Equal(t, map[string]any{"type": "logs", "dataset": acmeID + ".audit", "namespace": "default"}, got["data_stream"])
		actor := rec["actor"].(map[string]any)
		user := map[string]any{"name": actor["login"]}
		if actor["id"] != "system" {
			user["id"] = actor["id"]
		}
		require.Equal(t, user, got["user"], "acme line %d", i+1)
		require.Equal(t, map[string]any{"ip": actor["ip"]}, got["source"], "acme line %d", i+1)
		if entry == nil {
			unknown++
			require.Equal(t, acmeUnknown, code)
			require.NotContains(t, ev, "action")
			require.Equal(t, []string{enrich.MarkerTag, enrich.UnknownCodeTag}, strs(got["tags"]))
			continue
		}
		enriched++
		require.Equal(t, entry.Name, ev["action"])
		require.Equal(t, entry.Description, ev["reason"])
		require.Equal(t, entry.Category, strs(ev["category"]))
		require.Equal(t, entry.Type, strs(ev["type"]))
		require.Equal(t, []string{enrich.MarkerTag}, strs(got["tags"]))
	}
	require.Equal(t, 1, unknown, "acme.log has one unknown code")
	require.GreaterOrEqual(t, enriched, 10)

	sum := parseSummary(t, stderr)
	require.Equal(t, len(golden)+len(acme), sum["records"])
	require.Equal(t, 4+1, sum["unknown_code"], "one unknown code in each sample and in acme.log")
}

// TestEnrichFifthVendorFlag: --vendor names a vendor of the --catalog
// descriptors; without them it is refused with the accepted ids.
func TestEnrichFifthVendorFlag(t *testing.T) {
	in, err := os.ReadFile(acmeLog)
	require.NoError(t, err)
	auto, _, code := runCLI(t, string(in), append(slices.Clone(goldenArgs), acmeArgs...)...)
	require.Equal(t, exitOK, code)
	fixed, stderr, code := runCLI(t, string(in), append(append(slices.Clone(goldenArgs), "--vendor", acmeID), acmeArgs...)...)
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, auto, fixed, "acme's records are taken alike with vendor auto and --vendor acme_idp")

	for _, cmd := range [][]string{{"enrich"}, {"coverage", acmeLog}, {"catalog", "list"}, {"catalog", "export", "--format", "csv"}} {
		_, stderr, code := runCLI(t, "", append(cmd, "--vendor", acmeID)...)
		require.Equal(t, exitUsage, code, "%v: %s", cmd, stderr)
		require.Contains(t, stderr, `unknown vendor "acme_idp" (accepted: `)
		require.Contains(t, stderr, "filingbox, netop, plusauth, privx)")
	}
}

func TestCoverageFifthVendor(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samplesDir, "*.log"))
	require.NoError(t, err)
	files = append(files, acmeLog)
	out, stderr, code := runCLI(t, "", append(append([]string{"coverage", "--json"}, acmeArgs...), files...)...)
	require.Equal(t, exitOK, code, stderr)
	var rep coverageReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	acme := len(readLines(t, acmeLog))
	require.Equal(t, &vendorCounter{Recognised: uint64(acme - 1), Unknown: 1}, rep.Vendors[acmeID])
	require.Contains(t, rep.TopUnknown, unknownCode{Vendor: acmeID, Code: acmeUnknown, Count: 1})
	for _, v := range []string{"filingbox", "netop", "plusauth", "privx"} {
		require.EqualValues(t, 1, rep.Vendors[v].Unknown, v)
	}

	text, _, code := runCLI(t, "", append(append([]string{"coverage"}, acmeArgs...), files...)...)
	require.Equal(t, exitOK, code)
	require.Regexp(t, `(?s)\nprivx +\d+ +1\nacme_idp +`+regexp.QuoteMeta(strconv.Itoa(acme-1))+` +1\n`, text, "the fifth vendor's row follows the embedded vendors'")
	require.Contains(t, text, "  acme_idp AUTH_1099: 1\n")
}

func TestReportFifthVendor(t *testing.T) {
	in, err := os.ReadFile(acmeLog)
	require.NoError(t, err)
	enriched, stderr, code := runCLI(t, string(in), append([]string{"enrich"}, acmeArgs...)...)
	require.Equal(t, exitOK, code, stderr)
	n := len(readLines(t, acmeLog))

	out, stderr, code := runCLI(t, enriched, append([]string{"report", "-"}, acmeArgs...)...)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, out, "== acme_idp (Acme Identity Cloud): "+strconv.Itoa(n)+" records, "+strconv.Itoa(n-1)+" enriched, 1 with an unknown code\n")
	require.Regexp(t, `\n  AUTH_1001 +User Login Succeeded +authentication +success +21 +j\.doe @ 192\.0\.2\.10\n`, out)
	require.Regexp(t, `\n  AUTH_1099 +\(unknown code\) +- +unknown +21 +j\.doe @ 192\.0\.2\.10\n`, out)

	// Without the descriptor the report still has the table, unnamed.
	out, _, code = runCLI(t, enriched, "report", "-")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "== acme_idp (not in the catalog): ")
}

func TestCatalogShowFifthVendor(t *testing.T) {
	out, stderr, code := runCLI(t, "", append([]string{"catalog", "show", acmeID, "auth-1001"}, acmeArgs...)...)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, out, "vendor:      acme_idp (Acme Corp, Acme Identity Cloud)\n")
	require.Contains(t, out, "code:        AUTH_1001\n")
	require.Contains(t, out, "source:      "+acmeTable+":2\n")
	_, stderr, code = runCLI(t, "", append([]string{"catalog", "show", acmeID, "AUTH/1001"}, acmeArgs...)...)
	require.Equal(t, exitFail, code)
	require.Contains(t, stderr, `"AUTH/1001" is not a acme_idp code (letters, digits, '_' and '.' in upper case)`)
}

func TestCatalogExportFifthVendor(t *testing.T) {
	md, stderr, code := runCLI(t, "", append([]string{"catalog", "export", "--format", "markdown"}, acmeArgs...)...)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, md, "| [acme_idp](#acme_idp) | Acme Corp | Acme Identity Cloud | 11 | letters, digits, '_' and '.' in upper case (AUTH_1001) |\n")
	require.Contains(t, md, "\n## acme_idp\n\nAcme Corp, Acme Identity Cloud: 11 entries.")
	require.Contains(t, md, "- Recognised by: `evt` + `ts` (precedence 60).\n- Code: `evt.id`.\n"+
		"- Outcome from the record: `outcome.code` (failure `>0`; success `0`); otherwise the catalog's.\n"+
		"- Severity from the record: `sev` on the syslog scale.\n- Event time: `ts` (rfc3339).\n"+
		"- Actor: `user.name` from `actor.login`; `user.id` from `actor.id`; `source.ip` from `actor.ip`.\n"+
		"- Descriptor: `"+acmeDescriptor+"`.\n")
	require.Contains(t, md, "| `AUTH_1001` | User Login Succeeded | authentication | start | success | low (21) | ")
	require.Less(t, strings.Index(md, "\n## privx\n"), strings.Index(md, "\n## acme_idp\n"))

	js, stderr, code := runCLI(t, "", append([]string{"catalog", "export", "--format", "json", "--vendor", acmeID}, acmeArgs...)...)
	require.Equal(t, exitOK, code, stderr)
	var entries []jsonEntry
	require.NoError(t, json.Unmarshal([]byte(js), &entries))
	require.Len(t, entries, 11)
	require.Equal(t, acmeID, entries[0].Vendor)
	require.Equal(t, acmeTable, entries[0].Source)

	tmpl, stderr, code := runCLI(t, "", append([]string{"template"}, acmeArgs...)...)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, tmpl, `"logs-privx.audit-*",`+"\n    \"logs-acme_idp.audit-*\"\n  ],")
	require.Equal(t, "flattened", mappedFields(t, decodeTemplate(t, tmpl))["acme_idp.audit"]["type"], "the user vendor's namespace")
}

// TestCatalogLintVendors lints descriptors, alone and with tables, as
// catalog_files load them together.
func TestCatalogLintVendors(t *testing.T) {
	const acmeOK = "OK " + acmeDescriptor + ": vendor acme_idp (Acme Corp, Acme Identity Cloud), 1 rules, code letters, digits, '_' and '.' in upper case\n"
	const tableOK = "OK " + acmeTable + ": 11 entries (acme_idp 11); 11 new, 0 replace embedded entries\n"
	descriptor := func(name, body string) string {
		return writeTemp(t, name, "[vendor]\nid = "+strings.TrimSuffix(name, ".vendor")+"\ncompany = Beta Inc\nproduct = Beta SSO\n"+body)
	}
	tie := descriptor("beta_sso.vendor", "[detect]\nrule = session_id ; precedence 60\n[code]\nfield = op\nform = text\n")
	embeddedTie := descriptor("gamma.vendor", "[detect]\nrule = gamma_op ; precedence 30\n[code]\nfield = gamma_op\nform = lower\n")
	badForm := descriptor("delta.vendor", "[detect]\nrule = op ; precedence 70\n[code]\nfield = op\nform = mixed\n")
	privxData, ok := catalog.EmbeddedDescriptor("privx")
	require.True(t, ok)
	privx := writeTemp(t, "privx.vendor", string(privxData))
	filingbox := writeTemp(t, "filingbox.vendor", strings.Replace(string(mustEmbeddedDescriptor(t, "filingbox")), "pad = 3", "pad = 4", 1))

	tests := []struct {
		name   string
		files  []string
		code   int
		stdout string   // the whole of stdout
		stderr []string // substrings of stderr
	}{
		{name: "descriptor and table", files: []string{acmeDescriptor, acmeTable}, code: exitOK, stdout: acmeOK + tableOK},
		{name: "table first", files: []string{acmeTable, acmeDescriptor}, code: exitOK, stdout: tableOK + acmeOK},
		{name: "descriptor alone", files: []string{acmeDescriptor}, code: exitOK, stdout: acmeOK},
		{name: "table without its descriptor", files: []string{acmeTable}, code: exitFail,
			stderr: []string{acmeTable + `:2: column vendor: unknown vendor "acme_idp" (accepted: filingbox, netop, plusauth, privx)`}},
		{name: "two descriptors tie", files: []string{acmeDescriptor, tie}, code: exitFail,
			stdout: acmeOK + "OK " + tie + ": vendor beta_sso (Beta Inc, Beta SSO), 1 rules, code text, as written\n",
			stderr: []string{tie + ":6: column detect.rule: precedence 60 is also a rule of vendor acme_idp (" + acmeDescriptor + ":17)"}},
		{name: "tie with an embedded vendor", files: []string{embeddedTie}, code: exitFail,
			stderr: []string{embeddedTie + ":6: column detect.rule: precedence 30 is also a rule of vendor plusauth (embedded:data/plusauth.vendor:"}},
		{name: "bad descriptor", files: []string{badForm, acmeDescriptor}, code: exitFail, stdout: acmeOK,
			stderr: []string{badForm + `:9: column code.form: "mixed" (accepted: integer, upper, lower, text)`}},
		{name: "replaces an embedded descriptor", files: []string{privx}, code: exitOK,
			stdout: "OK " + privx + ": vendor privx (SSH Communications Security, PrivX), 3 rules, code an integer without leading zeros; replaces the embedded descriptor of privx\n"},
		{name: "embedded table does not fit", files: []string{filingbox}, code: exitFail,
			stderr: []string{"the embedded table of filingbox does not fit the descriptor " + filingbox}},
		{name: "one id twice", files: []string{acmeDescriptor, writeTemp(t, "again.vendor", readFile(t, acmeDescriptor))}, code: exitFail,
			stderr: []string{`vendor "acme_idp" is described by ` + acmeDescriptor + " already"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "", append([]string{"catalog", "lint"}, tt.files...)...)
			require.Equal(t, tt.code, code, "stdout: %s\nstderr: %s", stdout, stderr)
			if tt.stdout != "" || tt.code == exitOK {
				require.Equal(t, tt.stdout, stdout)
			}
			for _, s := range tt.stderr {
				require.Contains(t, stderr, s)
			}
			if tt.code == exitOK {
				require.Empty(t, stderr)
			}
		})
	}
}

func mustEmbeddedDescriptor(t *testing.T, id string) []byte {
	t.Helper()
	b, ok := catalog.EmbeddedDescriptor(id)
	require.True(t, ok, id)
	return b
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestCatalogDiffFifthVendor(t *testing.T) {
	out, stderr, code := runCLI(t, "", "catalog", "diff", acmeTable, acmeDescriptor)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, out, acmeTable+":\n  + added     acme_idp AUTH_1001 \"User Login Succeeded\" (line 2)\n")
	require.Contains(t, out, acmeDescriptor+":\n  * vendor    acme_idp (Acme Corp, Acme Identity Cloud): a new vendor\n")
	require.True(t, strings.HasSuffix(out, "\n11 added, 0 replaced, 0 unchanged\n"), out)
}

// acmeLuaEdgeCases are acme records beyond acme.log where the Lua script
// and the Go core must agree: the code's form (case, '-', ' ', '.', a
// number, other characters, blanks, not a string), the outcome's values
// (a string of digits, a negative number, a word), the severity's forms,
// and records acme's rule does not recognise.
var acmeLuaEdgeCases = []string{
	`{"ts": "t", "evt": {"id": " role-3001 "}, "outcome": {"code": "403"}, "sev": "Error(3)"}`,
	`{"TS": "t", "EVT": {"ID": "Auth 1002"}, "Outcome": {"Code": 0}, "sev": " WARN "}`,
	`{"ts": "t", "evt": {"id": "AUTH.1001"}, "outcome": {"code": -1}, "sev": 9}`,
	`{"ts": "t", "evt": {"id": 1001}, "outcome": {"code": 0}}`,
	`{"ts": "t", "evt": {"id": "AUTH/1001"}, "outcome": {"code": 0}}`,
	`{"ts": "t", "evt": {"id": "   "}, "outcome": {"code": 0}}`,
	`{"ts": "t", "evt": {"id": ["AUTH-1001"]}}`,
	`{"ts": "t", "evt": {"id": "AUTH-1001"}, "outcome": {"code": "ok"}, "sev": "Info(x)"}`,
	`{"ts": "t", "evt": {"id": "AUTH-1001"}, "outcome": "flat", "sev": {"level": 3}}`,
	`{"ts": "t", "evt": "AUTH-1001"}`,
	`{"evt": {"id": "AUTH-1001"}}`,
	`{"ts": "t", "evt": {"id": "AUTH-1001"}, "event_type": "4002"}`,
	`{"ts": "t", "evt": {"id": "AUTH-1001"}, "tags": ["x"], "event": {"dataset": "mine"}}`,
	`{"ts": "t", "evt": {"id": "AUTH-1001"}, "event": {"dataset": "acme_idp.audit"}, "tags": "notarray"}`,
}

// TestLuaFifthVendor: the script exported with the acme files enriches the
// samples, the edge cases, acme.log and acme's edge cases like the Go core
// with the same files.
func TestLuaFifthVendor(t *testing.T) {
	lua := luaInterpreter(t)
	lines := append(luaRecords(t), readLines(t, acmeLog)...)
	lines = append(lines, acmeLuaEdgeCases...)
	changed := luaMatchesGo(t, lua, []string{acmeDescriptor, acmeTable}, lines)
	t.Logf("%d records, %d enriched by both", len(lines), changed)
}

// TestLuaOtherForms: vendors whose codes are lower case and joined by ':'
// or text as written, from descriptors of the test, run through the script
// and the Go core alike.
func TestLuaOtherForms(t *testing.T) {
	lua := luaInterpreter(t)
	lower := writeTemp(t, "lowvend.vendor", `[vendor]
id = lowvend
company = Low Co
product = Low
[detect]
rule = lv_kind, lv_op ; precedence 70
[code]
join = lv_kind, lv_op
separator = :
form = lower
[outcome]
field = status
field = meta.status
success = ok, done
failure = failed, <0
`)
	text := writeTemp(t, "txtvend.vendor", `[vendor]
id = txtvend
company = Text Co
product = Text
[detect]
rule = txt_event ; precedence 80
[code]
field = txt_event.name
field = txt_code
form = text
[severity]
field = level
scale = syslog
`)
	table := writeTemp(t, "forms.csv", csvHeader+
		"lowvend,user:login,User Login,,A user logs in.,,g,authentication,start,success,low,\n"+
		"lowvend,user_group:delete,Group Deleted,,A group is deleted.,,g,iam,group|deletion,success,medium,\n"+
		"txtvend,Login OK,Login,,A login.,,g,authentication,start,success,low,\n"+
		"txtvend,Datei gelöscht,File Deleted,,A file is deleted.,,g,file,deletion,success,medium,\n")
	records := []string{
		`{"lv_kind": "User", "lv_op": "LOGIN", "status": "OK"}`,
		`{"LV Kind": " user group ", "lv-op": "Delete", "status": -3}`,
		`{"lv_kind": "user", "lv_op": "login", "meta": {"status": " Failed "}}`,
		`{"lv_kind": "user", "lv_op": "log:in"}`,
		`{"lv_kind": "user", "lv_op": "log.in"}`,
		`{"lv_kind": "user", "lv_op": 5}`,
		`{"lv_kind": "user"}`,
		`{"txt_event": {"name": " Login OK "}, "level": "Info(6)"}`,
		`{"txt_event": {"name": "login ok"}, "level": 2}`,
		`{"txt_event": {"other": 1}, "txt_code": "Datei gelöscht", "level": "crit"}`,
		`{"txt_event": {"name": 42}}`,
		`{"txt_event": {"name": "tab\there"}}`,
		`{"txt_event": "flat", "txt_code": "Login OK"}`,
	}
	changed := luaMatchesGo(t, lua, []string{lower, text, table}, records)
	require.Equal(t, len(records)-2, changed, "all but a number part of a joined code and a rule half present")
}
