package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/enrich"
)

// formatLua is the export format of a Fluent Bit Lua filter script that
// enriches records like auditx's Go core, for users who cannot load Go
// plugins into their Fluent Bit.
const formatLua = "lua"

// luaFunction is the function the script defines: the Lua filter's `call`.
const luaFunction = "auditx_enrich"

// writeLua writes the Lua filter script: a header that says what it does and
// does not do, the vendors' descriptors and the catalog as Lua tables, and
// the enrichment (auditx.lua), which interprets the tables and knows no
// vendor of its own. With only set, the script holds that vendor's
// descriptor and entries and treats every record as that vendor's (auditx's
// `vendor` key); otherwise it recognises the vendor from the keys (vendor
// auto). The output depends on the catalog only (no date, no version), so
// two exports of the same catalog are byte-identical.
//
// The enrichment mirrors enrich/record.go for the default code locations
// (enrich/plan.go newPlan) and the ECS schema without override; the header
// lists where Lua cannot do the same.
func writeLua(w io.Writer, cat *catalog.Catalog, only *catalog.Vendor) error {
	b := &bytes.Buffer{}
	vendors := selectedVendors(cat, only)
	writeLuaHeader(b, cat, vendors, only)

	fmt.Fprintf(b, "\nlocal FIXED_VENDOR = %s\n", luaVendorOrNil(only))
	luaVendors(b, vendors)
	luaRules(b, cat, vendors)
	b.WriteString("\n-- The event.dataset of every vendor of the catalog: a record that carries\n" +
		"-- one is enriched already (auditx's loop guard beside the tag).\nlocal DATASETS = {\n")
	for _, v := range cat.Vendors() {
		fmt.Fprintf(b, "  [%s] = true,\n", luaString(v.Dataset()))
	}
	b.WriteString("}\n")
	b.WriteString("\n-- The catalog: CATALOG[vendor][canonical code] =\n--   { event.action, event.reason, event.category, event.type, event.outcome, event.severity }\nlocal CATALOG = {\n")
	for _, v := range vendors {
		fmt.Fprintf(b, "  [%s] = {\n", luaString(v.ID))
		for _, e := range selectEntries(cat, v) {
			fmt.Fprintf(b, "    [%s] = { %s, %s, %s, %s, %s, %d },\n", luaString(e.Code), luaString(e.Name),
				luaString(e.Description), luaList(e.Category), luaList(e.Type), luaString(e.Outcome.String()), e.Severity.Score())
		}
		b.WriteString("  },\n")
	}
	b.WriteString("}\n")
	luaConstants(b, cat)
	b.WriteString(luaBody)
	_, err := w.Write(b.Bytes())
	return err
}

// luaVendors writes VENDORS: each vendor's descriptor as the script reads
// it, key paths as lists of normalised keys.
func luaVendors(b *bytes.Buffer, vendors []*catalog.Vendor) {
	b.WriteString(`
-- The vendors, from their descriptors (docs/vendor-format.md): observer.*,
-- event.module and event.dataset, and where the record says what. A key
-- path is a list of normalised keys (lower case without ' ', '_' and '-');
-- a list of paths is alternatives, the first present wins.
--   code      fields (alternatives) or join (every part, joined by sep);
--             form integer (pad: zero-padded digits), upper, lower or text
--   outcome   fields; failure, then success: numbers (op, n) or words
--   severity  fields; scale (syslog)
local VENDORS = {
`)
	for _, v := range vendors {
		fmt.Fprintf(b, "  [%s] = {\n", luaString(v.ID))
		fmt.Fprintf(b, "    module = %s, dataset = %s,\n", luaString(v.ID), luaString(v.Dataset()))
		fmt.Fprintf(b, "    company = %s, product = %s,\n", luaString(v.Company), luaString(v.Product))
		c := &v.Code
		if len(c.Join) > 0 {
			fmt.Fprintf(b, "    code = { join = %s, sep = %s, form = %s },\n",
				luaPaths(c.Join), luaString(string(c.Separator)), luaString(c.Form.String()))
		} else {
			fmt.Fprintf(b, "    code = { fields = %s, form = %s, pad = %d },\n",
				luaPaths(c.Fields), luaString(c.Form.String()), c.Pad)
		}
		if o := &v.Outcome; len(o.Fields) > 0 {
			fmt.Fprintf(b, "    outcome = { fields = %s, failure = %s, success = %s },\n",
				luaPaths(o.Fields), luaMatches(o.Failure), luaMatches(o.Success))
		}
		if sv := &v.Severity; len(sv.Fields) > 0 {
			fmt.Fprintf(b, "    severity = { fields = %s, scale = %s },\n", luaPaths(sv.Fields), luaString(sv.Scale))
		}
		b.WriteString("  },\n")
	}
	b.WriteString("}\n")
}

// luaRules writes RULES: the recognition rules of the vendors, in the
// order auditx tries them (catalog.VendorSet.Rules: lowest precedence
// first).
func luaRules(b *bytes.Buffer, cat *catalog.Catalog, vendors []*catalog.Vendor) {
	b.WriteString("\n-- Recognition (vendor auto): the first rule whose keys are all present\n" +
		"-- names the record's vendor; lowest precedence first.\nlocal RULES = {\n")
	for _, r := range cat.VendorSet().Rules() {
		if !slices.ContainsFunc(vendors, func(v *catalog.Vendor) bool { return v.ID == r.Vendor.ID }) {
			continue
		}
		keys := make([]string, len(r.Rule.Keys))
		for i, k := range r.Rule.Keys {
			keys[i] = luaString(catalog.NormalizeKey(k))
		}
		fmt.Fprintf(b, "  { vendor = %s, keys = { %s } }, -- precedence %d\n",
			luaString(r.Vendor.ID), strings.Join(keys, ", "), r.Rule.Precedence)
	}
	b.WriteString("}\n")
}

// luaPaths writes key paths as lists of normalised keys:
// { { "message", "severity" }, { "severity" } }.
func luaPaths(paths []string) string {
	out := make([]string, len(paths))
	for i, p := range paths {
		segs := strings.Split(p, ".")
		for j, s := range segs {
			segs[j] = luaString(catalog.NormalizeKey(s))
		}
		out[i] = "{ " + strings.Join(segs, ", ") + " }"
	}
	return "{ " + strings.Join(out, ", ") + " }"
}

// luaMatchOps names catalog.Match's comparisons in the script.
var luaMatchOps = map[byte]string{'=': "=", '>': ">", '<': "<", 'g': ">=", 'l': "<="}

// luaMatches writes outcome values: { op = ">", n = 0 } for a number,
// { word = "fault" } (lower case, compared case-insensitively) for a word.
func luaMatches(ms []catalog.Match) string {
	if len(ms) == 0 {
		return "{}"
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		if m.Op == 'w' {
			out[i] = "{ word = " + luaString(asciiLower(m.Word)) + " }"
		} else {
			out[i] = fmt.Sprintf("{ op = %s, n = %d }", luaString(luaMatchOps[m.Op]), m.N)
		}
	}
	return "{ " + strings.Join(out, ", ") + " }"
}

// asciiLower lower-cases ASCII letters only, as the core's comparisons
// (and Lua's string.lower in the C locale) do.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func vendorArg(v *catalog.Vendor) string {
	if v == nil {
		return ""
	}
	return " --vendor " + v.ID
}

func luaVendorOrNil(v *catalog.Vendor) string {
	if v == nil {
		return "nil"
	}
	return luaString(v.ID)
}

// luaString quotes s as a Lua 5.1 string literal: backslash, quote and
// control bytes escaped (\ddd with three digits, so a digit that follows
// cannot extend the escape); other bytes, UTF-8 included, as they are.
func luaString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\n':
			sb.WriteString(`\n`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&sb, `\%03d`, c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

func luaList(vs []string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = luaString(v)
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// writeLuaHeader writes the script's opening comment: how it was made,
// what it adds, and, generated from the descriptors, how each vendor's
// records are recognised, where their codes sit and what the record itself
// says; then how to use it and what it does not do.
func writeLuaHeader(b *bytes.Buffer, cat *catalog.Catalog, vendors []*catalog.Vendor, only *catalog.Vendor) {
	source := "the catalog embedded in auditx"
	if files := cat.Files(); len(files) > 0 {
		source += " overlaid with " + strings.Join(files, ", ")
	}
	var counts []string
	total := 0
	for _, v := range vendors {
		counts = append(counts, fmt.Sprintf("%s %d", v, cat.Count(v)))
		total += cat.Count(v)
	}
	mode := "auto: each record's vendor is recognised from its keys"
	if only != nil {
		mode = fmt.Sprintf("%s: every record is taken as a %s record (the --vendor of the export)", only, only)
	}
	width := 0
	for _, v := range vendors {
		width = max(width, len(v.ID))
	}
	line := func(format string, a ...any) {
		b.WriteString(strings.TrimRight("-- "+fmt.Sprintf(format, a...), " ") + "\n")
	}
	alts := func(paths []string) string { return strings.Join(paths, ", else ") }

	fmt.Fprintf(b, luaHeaderTop, "--format "+formatLua+vendorArg(only), source, total, strings.Join(counts, ", "), mode)
	if only == nil {
		line("Recognition, first rule that matches wins (keys match case-insensitively,")
		line("ignoring ' ', '_' and '-': \"Event Type\", \"event_type\", \"eventType\"):")
		n := 0
		for _, r := range cat.VendorSet().Rules() {
			n++
			line("  %d. %-*s  %s (precedence %d)", n, width, r.Vendor.ID, strings.Join(r.Rule.Keys, " + "), r.Rule.Precedence)
		}
	}
	line("Codes, normalised like auditx's lookups:")
	for _, v := range vendors {
		where := alts(v.Code.Fields)
		if len(v.Code.Join) > 0 {
			where = strings.Join(v.Code.Join, " "+string(v.Code.Separator)+" ")
		}
		line("  %-*s  %s: %s", width, v.ID, where, v.Code.Describe())
	}
	line("What the record itself says wins over the catalog's default (an unknown")
	line("code keeps outcome \"unknown\"):")
	says := 0
	for _, v := range vendors {
		if o := &v.Outcome; len(o.Fields) > 0 {
			var parts []string
			for _, m := range []struct {
				word string
				ms   []catalog.Match
			}{{"failure", o.Failure}, {"success", o.Success}} {
				if len(m.ms) > 0 {
					vals := make([]string, len(m.ms))
					for i := range m.ms {
						vals[i] = m.ms[i].String()
					}
					parts = append(parts, m.word+" "+strings.Join(vals, ", "))
				}
			}
			line("  %-*s  outcome %s: %s", width, v.ID, alts(o.Fields), strings.Join(parts, "; "))
			says++
		}
		if sv := &v.Severity; len(sv.Fields) > 0 {
			line("  %-*s  severity %s on the %s scale", width, v.ID, alts(sv.Fields), sv.Scale)
			says++
		}
	}
	if says == 0 {
		line("  (no vendor's descriptor names an outcome or severity field)")
	}
	line("A syslog severity is a number, \"6\", \"Info(6)\" or a level name; event.severity:")
	line("%s.", syslogScoreRanges())
	b.WriteString(luaHeaderBottom)
}

// syslogScoreRanges says which event.severity each syslog number gives:
// "0-1 -> 99, 2-3 -> 73, 4 -> 47, 5-7 -> 21".
func syslogScoreRanges() string {
	scores := enrich.SyslogScores()
	var parts []string
	for i := 0; i < len(scores); {
		j := i
		for j+1 < len(scores) && scores[j+1] == scores[i] {
			j++
		}
		r := strconv.Itoa(i)
		if j > i {
			r += "-" + strconv.Itoa(j)
		}
		parts = append(parts, fmt.Sprintf("%s -> %d", r, scores[i]))
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// luaHeaderTop opens the script's comment; its verbs: the export flags,
// the catalog's source, the entry count, the per-vendor counts and the
// vendor mode.
const luaHeaderTop = `-- auditx enrichment as a Fluent Bit Lua filter.
--
-- Generated by ` + "`auditx catalog export %s`" + ` from %s
-- (%d entries: %s). Do not edit: regenerate it after a catalog change.
--
-- For Fluent Bit installations that cannot load auditx's Go plugins. It adds
-- the same ECS fields as auditx's Go core with its defaults (schema ecs,
-- override off, the default code locations, actor and data_stream off):
--
--   event.kind, event.module, event.dataset, event.code, event.action,
--   event.reason, event.category, event.type, event.outcome, event.severity,
--   observer.vendor, observer.product, and tags ["auditx"]
--   (+ "auditx_unknown_code" when the vendor is known but the code is not:
--   then only event.kind/module/dataset/code/outcome "unknown" and a record's
--   own severity are added).
--
-- Everything it knows of a vendor comes from the vendor's descriptor, in the
-- tables VENDORS and RULES below; the code after them knows no vendor.
-- Vendor: %s.
`

// luaHeaderBottom closes the script's comment.
const luaHeaderBottom = `-- Existing event/observer maps and tags arrays are merged into, keeping the
-- record's own keys; a record whose tags already hold "auditx" (or whose
-- event.dataset is a vendor's <id>.audit) is passed on untouched, as is a
-- record without a recognisable vendor or code.
--
-- Use (classic config; YAML takes the same keys):
--
--   [FILTER]
--       Name             lua
--       Match            audit.*
--       script           auditx.lua
--       call             ` + luaFunction + `
--       # keep null values: without it Fluent Bit removes null-valued keys
--       # from every record the script changes (Lua nil deletes a key)
--       enable_flb_null  on
--
-- The function returns 2 (record changed, timestamp kept) for an enriched
-- record, so the original nanosecond timestamp passes unchanged, and 0 for a
-- record left alone.
--
-- What this script does NOT do (use the Go plugin for these):
--   * code_key, code_regex, schema flat, flat_key, override: only the defaults;
--   * the actor fields (user.*, source.ip, related.*, event.provider,
--     observer.hostname, host.name) and data_stream.*: the Go core's actor and
--     data_stream options, which the script leaves off;
--   * catalog_files and their reload: the catalog and the vendors are fixed
--     at export time (export again with --catalog FILE to include user
--     entries and user vendors' descriptors);
--   * counters, metrics, the unknown-code top list;
--   * byte-exact records: Fluent Bit re-encodes every record the script
--     changes (key order may change), where auditx copies the original pairs
--     byte for byte.
-- Where Lua cannot tell what auditx tells (edge cases only):
--   * a record with two keys that normalise alike ("Code" and "code"): auditx
--     reads the first in the record, Lua tables have no order, so either;
--   * numbers: Lua has one number type, so a whole float reads as an integer
--     (auditx ignores float outcome values and severities), and integer codes
--     above 10^15 are left alone (auditx enriches them as unknown codes);
--   * an empty array and an empty map are the same Lua table: an empty tags
--     is taken as an array, an empty event or observer as a map; Fluent Bit
--     writes an empty table back as an empty map, so a [] anywhere in a
--     changed record comes out as {} (Fluent Bit's Lua conversion; its
--     type_array_key option forces named keys back to arrays);
--   * msgpack bin and ext values reach Lua as strings (auditx reads bin as a
--     string and an ext code as invalid).
`

// luaBody is the enrichment code, after the tables (auditx.lua, embedded).
// Lua 5.1 (LuaJIT, as Fluent Bit embeds it). It mirrors enrich/record.go
// (detect, the code lookup, fromRecord and writeECS) as one interpreter of
// the VENDORS and RULES tables: no vendor is named in it. Its constants
// (luaConstants) are generated from the Go values.
//
//go:embed auditx.lua
var luaBody string

// luaConstants writes the tables the script shares with the core: the
// marker tags, the code length bound, the keys cat's vendors watch, the
// syslog scores and names.
func luaConstants(b *bytes.Buffer, cat *catalog.Catalog) {
	fmt.Fprintf(b, "\nlocal MARKER_TAG = %s\n", luaString(enrich.MarkerTag))
	fmt.Fprintf(b, "local UNKNOWN_CODE_TAG = %s\n", luaString(enrich.UnknownCodeTag))
	fmt.Fprintf(b, "local MAX_CODE_LEN = %d\n", catalog.MaxCodeLen)
	b.WriteString("\n-- Normalised keys the script looks at (auditx's plan).\nlocal WATCHED = {\n")
	for _, k := range enrich.WatchedKeys(cat) {
		fmt.Fprintf(b, "  [%s] = true,\n", luaString(k))
	}
	b.WriteString("}\n\n-- event.severity by syslog number (catalog.SyslogSeverity).\nlocal SYSLOG_SCORE = {")
	for n, sc := range enrich.SyslogScores() {
		if n > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(b, " [%d] = %d", n, sc)
	}
	b.WriteString(" }\n\n-- Syslog severity names, by number.\nlocal SYSLOG_NAMES = {\n")
	for n, names := range enrich.SyslogSeverityNames() {
		for i, name := range names {
			if i == 1 && name == names[0] {
				continue
			}
			fmt.Fprintf(b, "  [%s] = %d,\n", luaString(name), n)
		}
	}
	b.WriteString("}\n")
}
