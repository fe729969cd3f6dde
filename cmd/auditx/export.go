package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/auditx/auditx/catalog"
)

// Export formats.
const (
	formatCSV      = "csv"
	formatJSON     = "json"
	formatMarkdown = "markdown"
)

// docsRegenerate is the command that regenerates docs/catalog.md, quoted in
// the file itself and in the test that keeps it current.
const docsRegenerate = "go run ./cmd/auditx catalog export --format markdown -o docs/catalog.md"

// catalogExport runs "auditx catalog export".
func (c *cli) catalogExport(args []string) int {
	fs := c.flagSet("catalog export", "--format csv|json|markdown|lua [--vendor VENDOR] [--catalog FILE]... [-o FILE] [lua flags]",
		`Export the catalog (embedded, overlaid with the --catalog files):
  csv       the catalog file format (docs/catalog-format.md), one header row
  json      an array of objects with every field of the entries
  markdown  the reference tables of docs/catalog.md
  lua       a Fluent Bit Lua filter script (function auditx_enrich) doing auditx's
            enrichment with the default code locations, for Fluent Bit without
            Go plugins; with --vendor, that vendor only (auditx's vendor key);
            the flags marked lua set the plugin keys it follows`)
	format := choiceFlag{accepted: []string{formatCSV, formatJSON, formatMarkdown, formatLua}}
	var vendor vendorFlag
	var files listFlag
	fs.Var(&format, "format", "the output `FORMAT`: csv, json, markdown or lua (required)")
	fs.Var(&vendor, "vendor", "export only the entries of `VENDOR` ("+embeddedIDs()+")")
	fs.Var(&files, "catalog", "overlay the user catalog `FILE` (repeatable; later files win)")
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	lua := addLuaFlags(fs)
	pos, code, done := c.parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 0 {
		return c.usageError(fs, "unexpected argument %q", pos[0])
	}
	if format.value == "" {
		return c.usageError(fs, "--format is required (accepted: %s)", strings.Join(format.accepted, ", "))
	}
	luaOpts, err := lua.options()
	if name := lua.given(fs); name != "" && format.value != formatLua {
		return c.usageError(fs, "--%s applies to --format lua only", name)
	} else if err != nil {
		return c.usageError(fs, "%v", err)
	}
	cat, err := catalog.Load(files...)
	if err != nil {
		return c.fail("catalog export", "%v", err)
	}
	only, err := vendor.resolve(cat)
	if err != nil {
		return c.usageError(fs, "%v", err)
	}
	var buf bytes.Buffer
	if format.value == formatLua {
		err = writeLua(&buf, cat, only, luaOpts)
	} else {
		err = exportCatalog(&buf, cat, format.value, only)
	}
	if err != nil {
		return c.fail("catalog export", "%v", err)
	}
	if *out == "" || *out == "-" {
		_, err = c.stdout.Write(buf.Bytes())
	} else {
		err = os.WriteFile(*out, buf.Bytes(), 0o644)
	}
	if err != nil {
		return c.fail("catalog export", "writing the output: %v", err)
	}
	return exitOK
}

// exportCatalog writes the entries of v (all for nil) in format.
func exportCatalog(w io.Writer, cat *catalog.Catalog, format string, v *catalog.Vendor) error {
	switch format {
	case formatCSV:
		return writeCSV(w, selectEntries(cat, v))
	case formatJSON:
		return writeJSON(w, selectEntries(cat, v))
	case formatMarkdown:
		return writeMarkdown(w, cat, v)
	case formatLua:
		return writeLua(w, cat, v, defaultLuaOptions())
	}
	return fmt.Errorf("unknown format %q (accepted: %s, %s, %s, %s)", format, formatCSV, formatJSON, formatMarkdown, formatLua)
}

// writeCSV writes a catalog file: catalog.Header and one row per entry.
func writeCSV(w io.Writer, entries []*catalog.Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(catalog.Header); err != nil {
		return err
	}
	for _, e := range entries {
		if err := cw.Write(e.Record()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// jsonEntry is an entry in the JSON export: every column of the catalog
// file, the severity's event.severity score and where the entry comes from.
type jsonEntry struct {
	Vendor        string   `json:"vendor"`
	Code          string   `json:"code"`
	Name          string   `json:"name"`
	NameInDoc     string   `json:"name_in_doc"`
	Description   string   `json:"description"`
	Derived       bool     `json:"derived"`
	Group         string   `json:"group"`
	Category      []string `json:"category"`
	Type          []string `json:"type"`
	Outcome       string   `json:"outcome"`
	Severity      string   `json:"severity"`
	SeverityScore int64    `json:"severity_score"`
	// VendorSeverity is the vendor's published severity (Info(6)), "" if none.
	VendorSeverity string   `json:"vendor_severity"`
	Origin         []string `json:"origin"`
	Provenance     []string `json:"provenance"`
	Note           string   `json:"note"`
	Source         string   `json:"source"`
	Line           int      `json:"line"`
}

func toJSONEntry(e *catalog.Entry) jsonEntry {
	return jsonEntry{
		Vendor: e.Vendor.String(), Code: e.Code, Name: e.Name, NameInDoc: e.NameInDoc,
		Description: e.Description, Derived: e.Derived, Group: e.Group,
		Category: e.Category, Type: e.Type, Outcome: e.Outcome.String(),
		Severity: e.Severity.String(), SeverityScore: e.Severity.Score(),
		VendorSeverity: e.VendorSeverity.String(), Origin: nonNil(e.Origin), Provenance: nonNil(e.Provenance), Note: e.Note,
		Source: e.Source, Line: e.Line,
	}
}

// nonNil makes an absent list an empty JSON array rather than null.
func nonNil(vs []string) []string {
	if vs == nil {
		return []string{}
	}
	return vs
}

// writeJSON writes the entries as an indented JSON array.
func writeJSON(w io.Writer, entries []*catalog.Entry) error {
	out := make([]jsonEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, toJSONEntry(e))
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeMarkdown writes the reference of docs/catalog.md: a header saying
// how it is generated, a table of the vendors, and one section per vendor
// with a table of its entries. The output depends on the catalog only (no
// date, no version), so the committed file can be compared with it.
func writeMarkdown(w io.Writer, cat *catalog.Catalog, only *catalog.Vendor) error {
	b := &bytes.Buffer{}
	vendors := selectedVendors(cat, only)
	source := "the catalog embedded in auditx (`catalog/data/*.vendor` and `*.csv`)"
	if files := cat.Files(); len(files) > 0 {
		source += " overlaid with the user files `" + strings.Join(files, "`, `") + "`"
	}
	fmt.Fprintf(b, "# auditx event catalog\n\n")
	fmt.Fprintf(b, "<!-- Generated by `auditx catalog export --format markdown`: do not edit. -->\n\n")
	fmt.Fprintf(b, "This file is generated by `auditx catalog export --format markdown` from %s. "+
		"It must not be edited by hand: change the vendor descriptors and the CSV files (formats: "+
		"[vendor-format.md](vendor-format.md); [catalog-format.md](catalog-format.md), with the classification rules) "+
		"and regenerate it with\n`%s`; "+
		"a test in `cmd/auditx` fails when it is out of date.\n\n", source, docsRegenerate)
	fmt.Fprintf(b, "Each entry gives the ECS fields auditx adds: *name* is `event.action`, *description* "+
		"`event.reason`, *category* and *type* `event.category` and `event.type`, *outcome* the default "+
		"`event.outcome` (a record's own result wins) and *severity* the default level with its "+
		"`event.severity` score. *Corrections* shows where auditx departs from the vendor's document: "+
		"the document's own name and the reason. A description marked *(derived)* is not in the "+
		"document; it was derived from the event's title. Where the vendor publishes them (PrivX), "+
		"*vendor severity* is the vendor's own severity, which sets the default severity "+
		"(mapping: [catalog-format.md](catalog-format.md#privx-severities)), *origin* the vendor's "+
		"services that emit the event (a record's own service field says which one did), and "+
		"*provenance* the vendor documents that list the code (PrivX: `v24`, the v24 audit events "+
		"document; `current`, the vendor's current event list).\n\n")

	fmt.Fprintf(b, "| vendor | company | product | entries | code form |\n|---|---|---|---:|---|\n")
	for _, v := range vendors {
		fmt.Fprintf(b, "| [%s](#%s) | %s | %s | %d | %s |\n", v, v, mdCell(v.Company), mdCell(v.Product),
			cat.Count(v), mdCell(codeForm(cat, v)))
	}
	for _, v := range vendors {
		entries := selectEntries(cat, v)
		fmt.Fprintf(b, "\n## %s\n\n", v)
		fmt.Fprintf(b, "%s, %s: %d entries. Codes are %s.\n\n", v.Company, v.Product, cat.Count(v), codeForm(cat, v))
		writeRecognition(b, cat, v)
		vendorCols := hasVendorColumns(entries)
		if vendorCols {
			writeProvenanceCounts(b, entries)
			fmt.Fprintf(b, "| code | name | category | type | outcome | severity | vendor severity | origin | provenance | description | corrections |\n")
			fmt.Fprintf(b, "|---|---|---|---|---|---|---|---|---|---|---|\n")
		} else {
			fmt.Fprintf(b, "| code | name | category | type | outcome | severity | description | corrections |\n")
			fmt.Fprintf(b, "|---|---|---|---|---|---|---|---|\n")
		}
		for _, e := range entries {
			desc := mdCell(e.Description)
			if e.Derived {
				desc += " *(derived)*"
			}
			fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s (%d) | ",
				mdCell(e.Code), mdCell(e.Name), mdCell(strings.Join(e.Category, ", ")), mdCell(strings.Join(e.Type, ", ")),
				e.Outcome, e.Severity, e.Severity.Score())
			if vendorCols {
				vs := "—"
				if e.VendorSeverity.IsSet() {
					vs = e.VendorSeverity.String()
				}
				origin := "—"
				if len(e.Origin) > 0 {
					origin = mdCell(strings.Join(e.Origin, ", "))
				}
				fmt.Fprintf(b, "%s | %s | %s | ", vs, origin, mdCell(strings.Join(e.Provenance, ", ")))
			}
			fmt.Fprintf(b, "%s | %s |\n", desc, mdCorrections(e))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// hasVendorColumns reports whether any entry has a vendor severity, an
// origin or a provenance: the vendor's table then shows those columns.
func hasVendorColumns(entries []*catalog.Entry) bool {
	for _, e := range entries {
		if e.VendorSeverity.IsSet() || len(e.Origin) > 0 || len(e.Provenance) > 0 {
			return true
		}
	}
	return false
}

// writeProvenanceCounts writes how many entries come from each combination
// of documents ("v24, current: 143 entries").
func writeProvenanceCounts(b *bytes.Buffer, entries []*catalog.Entry) {
	counts := map[string]int{}
	var order []string
	for _, e := range entries {
		k := strings.Join(e.Provenance, ", ")
		if k == "" {
			k = "(none)"
		}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	slices.Sort(order)
	b.WriteString("Provenance (the vendor documents an entry is in):")
	for i, k := range order {
		sep := ";"
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(b, "%s %s: %d", sep, mdCell(k), counts[k])
	}
	b.WriteString(".\n\n")
}

// mdCorrections is the corrections cell: the document's name where it
// differs, then the note.
func mdCorrections(e *catalog.Entry) string {
	var parts []string
	if e.NameInDoc != "" {
		parts = append(parts, "document: *"+mdCell(e.NameInDoc)+"*")
	}
	if e.Note != "" {
		parts = append(parts, mdCell(e.Note))
	}
	return strings.Join(parts, ". ")
}

// mdCell makes text safe in a Markdown table cell: '|' escaped, line
// breaks (never in a valid catalog, but a cell must stay on its row) as
// spaces.
func mdCell(s string) string {
	return mdEscaper.Replace(s)
}

var mdEscaper = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ")

// selectedVendors is the one vendor asked for, or all of the catalog's.
func selectedVendors(cat *catalog.Catalog, only *catalog.Vendor) []*catalog.Vendor {
	if only != nil {
		return []*catalog.Vendor{only}
	}
	return cat.Vendors()
}

// codeForm says how the vendor's codes are written, with the catalog's
// range of integer codes ("3 digits, zero-padded (050..511)") or its first
// code as an example ("ENTITY_TYPE.ACTION in upper case (ACCOUNT.CREATE)").
func codeForm(cat *catalog.Catalog, v *catalog.Vendor) string {
	entries := selectEntries(cat, v)
	if len(entries) == 0 {
		return v.Code.Describe()
	}
	if v.Code.Form != catalog.FormInteger {
		return fmt.Sprintf("%s (%s)", v.Code.Describe(), entries[0].Code)
	}
	lo, hi := entries[0].Code, entries[0].Code
	less := func(a, b string) bool { return len(a) < len(b) || len(a) == len(b) && a < b } // canonical digits
	for _, e := range entries[1:] {
		if less(e.Code, lo) {
			lo = e.Code
		}
		if less(hi, e.Code) {
			hi = e.Code
		}
	}
	return fmt.Sprintf("%s (%s..%s)", v.Code.Describe(), lo, hi)
}

// writeRecognition writes what the vendor's descriptor says about its
// records, as a list: the rules that recognise them, where the code sits,
// the record's say on outcome and severity, the event time, the actor
// fields (the catalog's actor map: the descriptor's, or a user actor map's)
// and the descriptor file.
func writeRecognition(b *bytes.Buffer, cat *catalog.Catalog, v *catalog.Vendor) {
	keys := func(ks []string) string { return "`" + strings.Join(ks, "` + `") + "`" }
	alts := func(ks []string) string { return "`" + strings.Join(ks, "`, else `") + "`" }
	var rules []string
	for _, r := range v.Detect {
		rules = append(rules, fmt.Sprintf("%s (precedence %d)", keys(r.Keys), r.Precedence))
	}
	fmt.Fprintf(b, "- Recognised by: %s.\n", strings.Join(rules, "; "))
	if len(v.Code.Join) > 0 {
		fmt.Fprintf(b, "- Code: %s joined by `%c`.\n", keys(v.Code.Join), v.Code.Separator)
	} else {
		fmt.Fprintf(b, "- Code: %s.\n", alts(v.Code.Fields))
	}
	if o := &v.Outcome; len(o.Fields) > 0 {
		var says []string
		for _, m := range []struct {
			word string
			ms   []catalog.Match
		}{{"failure", o.Failure}, {"success", o.Success}} {
			if len(m.ms) == 0 {
				continue
			}
			vals := make([]string, len(m.ms))
			for i := range m.ms {
				vals[i] = "`" + m.ms[i].String() + "`"
			}
			says = append(says, m.word+" "+strings.Join(vals, ", "))
		}
		fmt.Fprintf(b, "- Outcome from the record: %s (%s); otherwise the catalog's.\n", alts(o.Fields), strings.Join(says, "; "))
	}
	if sv := &v.Severity; len(sv.Fields) > 0 {
		fmt.Fprintf(b, "- Severity from the record: %s on the %s scale.\n", alts(sv.Fields), sv.Scale)
	}
	if len(v.Time) > 0 {
		var ts []string
		for _, t := range v.Time {
			ts = append(ts, fmt.Sprintf("`%s` (%s)", t.Field, t.Format))
		}
		fmt.Fprintf(b, "- Event time: %s.\n", strings.Join(ts, ", else "))
	}
	var actors []string
	for f := catalog.ActorField(0); f < catalog.NumActorFields; f++ {
		if srcs := cat.Actors().Sources(v, f); len(srcs) > 0 {
			paths := make([]string, len(srcs))
			for i, s := range srcs {
				paths[i] = s.Path
			}
			actors = append(actors, fmt.Sprintf("`%s` from %s", f, alts(paths)))
		}
	}
	if len(actors) > 0 {
		fmt.Fprintf(b, "- Actor: %s.\n", strings.Join(actors, "; "))
	}
	src := v.Source
	if rest, ok := strings.CutPrefix(src, catalog.SourceEmbedded+":"); ok {
		src = "catalog/" + rest
	}
	fmt.Fprintf(b, "- Descriptor: `%s`.\n\n", src)
}
