package main

import (
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/internal/ecsschema"
	"github.com/auditx/auditx/internal/evtime"
	"github.com/auditx/auditx/internal/keyname"
	"github.com/auditx/auditx/internal/mp"
)

// formatLua is the export format of a Fluent Bit Lua filter script that
// enriches records like auditx's Go core, for users who cannot load Go
// plugins into their Fluent Bit.
const formatLua = "lua"

// luaFunction is the function the script defines: the Lua filter's `call`.
const luaFunction = "auditx_enrich"

// luaZoneUntilYear bounds the changes of an IANA zone the script carries
// (its offsets up to the first change on or after January 1 of that year):
// a zoneless time after them is not read (auditx_no_event_time), where the
// Go core reads it with the zone's rule.
const luaZoneUntilYear = 2200

// luaOptions are the plugin keys the script follows, fixed at export time.
type luaOptions struct {
	// Namespace is the plugin's vendor_namespace: the vendor namespace layout (docs/layout.md)
	// (true) or the old one, the vendor's keys left at the top (false).
	Namespace bool
	// EventTime is the plugin's event_time: the vendor's event time
	// becomes the record's time.
	EventTime bool
	// Timezone is the plugin's timezone as given (event.timezone says it);
	// zone is it loaded.
	Timezone string
	zone     *time.Location
	// DataStream is data_stream.namespace; "" is the plugin's data_stream
	// off.
	DataStream string
}

// defaultLuaOptions are the plugin's defaults (config.Parse) but actor,
// which the script does not do.
func defaultLuaOptions() luaOptions {
	return luaOptions{Namespace: true, EventTime: true, Timezone: config.Lookup("timezone").Default, zone: time.UTC,
		DataStream: config.Lookup("data_stream_namespace").Default}
}

// enrichOptions are the Go core's Options that o mirrors, for a fixed
// vendor ("" for auto): the tests compare the script with the core so
// configured.
func (o luaOptions) enrichOptions(vendor string) enrich.Options {
	return enrich.Options{Vendor: vendor, Namespace: o.Namespace, EventTime: o.EventTime,
		Zone: o.zone, ZoneName: o.Timezone, DataStreamNamespace: o.DataStream}
}

// luaFlags are the flags of `catalog export` that only the Lua format
// takes: the plugin keys of the same names.
type luaFlags struct {
	namespace, eventTime, dataStream *bool
	timezone, dsNamespace            *string
}

// luaFlagNames are the flags addLuaFlags registers.
var luaFlagNames = []string{"vendor-namespace", "event-time", "timezone", "data-stream", "data-stream-namespace"}

// addLuaFlags registers the Lua export's flags on fs, with the plugin's
// defaults.
func addLuaFlags(fs *flag.FlagSet) *luaFlags {
	d := defaultLuaOptions()
	return &luaFlags{
		namespace: fs.Bool("vendor-namespace", d.Namespace, "lua: move the vendor's keys that are not ECS under <vendor>.audit, named ECS "+
			"style (the plugin's vendor_namespace; false: the old layout)"),
		eventTime: fs.Bool("event-time", d.EventTime, "lua: make the vendor's event time the record's time (the plugin's event_time)"),
		timezone: fs.String("timezone", d.Timezone, "lua: the `ZONE` of vendor times written without one (the plugin's timezone): UTC, "+
			"an offset (+09:00) or an IANA name (its changes up to "+strconv.Itoa(luaZoneUntilYear)+" are written into the script)"),
		dataStream:  fs.Bool("data-stream", true, "lua: add data_stream.type, .dataset and .namespace (the plugin's data_stream)"),
		dsNamespace: fs.String("data-stream-namespace", d.DataStream, "lua: the `NAMESPACE` of data_stream.namespace"),
	}
}

// given returns the first of the Lua export's flags set on the command
// line, "" when none was.
func (f *luaFlags) given(fs *flag.FlagSet) string {
	name := ""
	fs.Visit(func(fl *flag.Flag) {
		if name == "" && slices.Contains(luaFlagNames, fl.Name) {
			name = fl.Name
		}
	})
	return name
}

// options validates the flags into luaOptions; an error names the flag,
// the value and what is accepted.
func (f *luaFlags) options() (luaOptions, error) {
	o := luaOptions{Namespace: *f.namespace, EventTime: *f.eventTime, Timezone: *f.timezone}
	zone, err := evtime.LoadZone(o.Timezone)
	if err != nil {
		return o, fmt.Errorf("invalid value %q for flag --timezone: %v", o.Timezone, err)
	}
	o.zone = zone
	if err := enrich.CheckNamespace(*f.dsNamespace); err != nil {
		return o, fmt.Errorf("invalid value %q for flag --data-stream-namespace: %v", *f.dsNamespace, err)
	}
	if *f.dataStream {
		o.DataStream = *f.dsNamespace
	}
	return o, nil
}

// writeLua writes the Lua filter script: a header that says what it does
// and does not do; the vendors' descriptors, the catalog, the options, the
// time zone and the ECS schema as Lua tables; and the enrichment
// (auditx.lua), which interprets the tables and knows no vendor of its own.
// With only set, the script holds that vendor's descriptor and entries and
// treats every record as that vendor's (auditx's `vendor` key); otherwise it
// recognises the vendor from the keys (vendor auto). The output depends on
// the catalog and o only (no date, no version), so two exports of the same
// catalog with the same flags are byte-identical.
//
// The enrichment mirrors enrich/record.go and enrich/write.go with the
// default code locations, override off and actor off; the header lists
// where Lua cannot do the same.
func writeLua(w io.Writer, cat *catalog.Catalog, only *catalog.Vendor, o luaOptions) error {
	if o.zone == nil {
		o.zone = time.UTC
	}
	b := &bytes.Buffer{}
	vendors := selectedVendors(cat, only)
	writeLuaHeader(b, cat, vendors, only, o)

	fmt.Fprintf(b, "\nlocal FIXED_VENDOR = %s\n", luaVendorOrNil(only))
	if err := luaVendors(b, vendors); err != nil {
		return err
	}
	luaRules(b, cat, vendors)
	b.WriteString("\n-- The event.dataset of every vendor of the catalog: a record that carries\n" +
		"-- one is enriched already (auditx's loop guard beside the tag).\nlocal DATASETS = {\n")
	for _, v := range cat.Vendors() {
		fmt.Fprintf(b, "  [%s] = true,\n", luaString(v.Dataset()))
	}
	b.WriteString("}\n")
	b.WriteString("\n-- The catalog: CATALOG[vendor][canonical code] =\n" +
		"--   { event.action, event.reason, event.category, event.type, event.outcome,\n" +
		"--     auditx's score (event.risk_score_norm; event.severity in the old layout),\n" +
		"--     the vendor's own syslog severity (vendor_severity) or nil }\nlocal CATALOG = {\n")
	for _, v := range vendors {
		fmt.Fprintf(b, "  [%s] = {\n", luaString(v.ID))
		for _, e := range selectEntries(cat, v) {
			score, vs := "nil", "nil"
			if e.Severity != catalog.SeverityUnset {
				score = strconv.FormatInt(e.Severity.Score(), 10)
			}
			if e.VendorSeverity.IsSet() {
				vs = strconv.Itoa(e.VendorSeverity.Number())
			}
			fmt.Fprintf(b, "    [%s] = { %s, %s, %s, %s, %s, %s, %s },\n", luaString(e.Code), luaString(e.Name),
				luaString(e.Description), luaList(e.Category), luaList(e.Type), luaString(e.Outcome.String()), score, vs)
		}
		b.WriteString("  },\n")
	}
	b.WriteString("}\n")
	luaConstants(b, cat)
	luaLayout(b, o)
	luaZone(b, o)
	luaECSFields(b)
	b.WriteString(luaBody)
	_, err := w.Write(b.Bytes())
	return err
}

// luaVendors writes VENDORS: each vendor's descriptor as the script reads
// it, key paths as lists of normalised keys.
func luaVendors(b *bytes.Buffer, vendors []*catalog.Vendor) error {
	b.WriteString(`
-- The vendors, from their descriptors (docs/vendor-format.md): observer.*,
-- event.module and event.dataset, and where the record says what. A key
-- path is a list of normalised keys (lower case without ' ', '_' and '-');
-- a list of paths is alternatives, the first present wins.
--   code      fields (alternatives) or join (every part, joined by sep);
--             form integer (pad: zero-padded digits), upper, lower or text
--   outcome   fields; failure, then success: numbers (op, n) or words
--   severity  fields; scale (syslog)
--   time      the event time's fields, first present and readable wins:
--             format rfc3339, unix_s, unix_ms or layout (a zoneless local
--             time: its elements year, month, day, hour, minute, second,
--             frac0 (exactly n digits), frac9 (optional digits), lit (text))
local VENDORS = {
`)
	for _, v := range vendors {
		fmt.Fprintf(b, "  [%s] = {\n", luaString(v.ID))
		fmt.Fprintf(b, "    id = %s, module = %s, dataset = %s,\n", luaString(v.ID), luaString(v.ID), luaString(v.Dataset()))
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
		if len(v.Time) > 0 {
			b.WriteString("    time = {\n")
			for _, tf := range v.Time {
				format, err := luaTimeFormat(tf.Parsed)
				if err != nil {
					return fmt.Errorf("vendor %s, [time] field %s: %w", v.ID, tf.Field, err)
				}
				fmt.Fprintf(b, "      { path = %s, %s },\n", luaPath(tf.Field), format)
			}
			b.WriteString("    },\n")
		}
		b.WriteString("  },\n")
	}
	b.WriteString("}\n")
	return nil
}

// luaTimeFormat writes a descriptor's time format as the script reads it:
// format = "rfc3339" (unix_s, unix_ms), or format = "layout" with the
// layout's elements.
func luaTimeFormat(f evtime.Format) (string, error) {
	text := f.String()
	if !f.Zoneless() {
		switch text {
		case evtime.WordRFC3339, evtime.WordUnixS, evtime.WordUnixMs:
			return "format = " + luaString(text), nil
		}
		return "", fmt.Errorf("time format %q: the Lua export does not know it", text)
	}
	layout := strings.TrimSpace(strings.TrimPrefix(text, evtime.WordLayout))
	elems, err := luaLayoutElems(layout)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(elems))
	for i, e := range elems {
		switch e.op {
		case "lit":
			parts[i] = fmt.Sprintf("{ %q, %s }", e.op, luaString(e.lit))
		case "frac0", "frac9":
			parts[i] = fmt.Sprintf("{ %q, %d }", e.op, e.n)
		default:
			parts[i] = fmt.Sprintf("{ %q }", e.op)
		}
	}
	return "format = \"layout\", layout = { " + strings.Join(parts, ", ") + " }", nil
}

// luaLayoutElem is one element of a zoneless time layout (the subset
// evtime.ParseFormat accepts): op year, month, day, hour, minute, second,
// frac0 (exactly n digits), frac9 (n optional digits), each after its
// separator lit ('.' or ','; either is read), or lit (the text lit).
type luaLayoutElem struct {
	op  string
	lit string
	n   int
}

// luaLayoutRefs are times a layout is rendered at, by Go and by the
// elements, to check that the script reads the layout as auditx does
// (evtime's compile uses the same check).
var luaLayoutRefs = []time.Time{
	time.Date(2026, 11, 20, 8, 14, 0, 268000000, time.UTC),
	time.Date(1999, 2, 3, 23, 5, 9, 123456789, time.UTC),
	time.Date(2001, 10, 30, 12, 59, 58, 0, time.UTC),
}

// luaLayoutElems splits a layout that evtime.ParseFormat accepted into the
// elements the script reads. In such a layout every '2' starts 2006, every
// '1' 15, every '0' before 1, 2, 4 or 5 is a two-digit element, and a '.' or
// ',' before a run of 0s or 9s not followed by a digit is a fraction (Go's
// time.nextStdChunk): everything else is text. The elements must render the
// reference times as Go does, or the layout is refused.
func luaLayoutElems(layout string) ([]luaLayoutElem, error) {
	var out []luaLayoutElem
	lit := func(s string) {
		if n := len(out); n > 0 && out[n-1].op == "lit" {
			out[n-1].lit += s
			return
		}
		out = append(out, luaLayoutElem{op: "lit", lit: s})
	}
	two := map[string]string{"01": "month", "02": "day", "04": "minute", "05": "second", "15": "hour"}
	for i := 0; i < len(layout); {
		rest := layout[i:]
		if strings.HasPrefix(rest, "2006") {
			out = append(out, luaLayoutElem{op: "year"})
			i += 4
			continue
		}
		if len(rest) >= 2 && two[rest[:2]] != "" {
			out = append(out, luaLayoutElem{op: two[rest[:2]]})
			i += 2
			continue
		}
		if (rest[0] == '.' || rest[0] == ',') && len(rest) > 1 && (rest[1] == '0' || rest[1] == '9') {
			j := 1
			for j < len(rest) && rest[j] == rest[1] {
				j++
			}
			if !(j < len(rest) && rest[j] >= '0' && rest[j] <= '9') {
				op := "frac0"
				if rest[1] == '9' {
					op = "frac9"
				}
				out = append(out, luaLayoutElem{op: op, lit: rest[:1], n: j - 1})
				i += j
				continue
			}
		}
		lit(rest[:1])
		i++
	}
	for _, ref := range luaLayoutRefs {
		if got, want := renderLayout(out, ref), ref.Format(layout); got != want {
			return nil, fmt.Errorf("layout %q: Go writes %q, the Lua export would read %q: export it with the Go plugin", layout, want, got)
		}
	}
	return out, nil
}

// renderLayout writes t with the elements, as time.Format does with the
// layout they came from.
func renderLayout(elems []luaLayoutElem, t time.Time) string {
	var b strings.Builder
	for _, e := range elems {
		switch e.op {
		case "lit":
			b.WriteString(e.lit)
		case "year":
			fmt.Fprintf(&b, "%04d", t.Year())
		case "month":
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case "day":
			fmt.Fprintf(&b, "%02d", t.Day())
		case "hour":
			fmt.Fprintf(&b, "%02d", t.Hour())
		case "minute":
			fmt.Fprintf(&b, "%02d", t.Minute())
		case "second":
			fmt.Fprintf(&b, "%02d", t.Second())
		case "frac0", "frac9":
			frac := fmt.Sprintf("%09d", t.Nanosecond())[:e.n]
			if e.op == "frac9" {
				if frac = strings.TrimRight(frac, "0"); frac == "" {
					continue
				}
			}
			b.WriteString(e.lit + frac)
		}
	}
	return b.String()
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

// luaPath writes a key path as a list of normalised keys: { "message", "severity" }.
func luaPath(p string) string {
	segs := strings.Split(p, ".")
	for j, s := range segs {
		segs[j] = luaString(catalog.NormalizeKey(s))
	}
	return "{ " + strings.Join(segs, ", ") + " }"
}

// luaPaths writes key paths as lists of normalised keys:
// { { "message", "severity" }, { "severity" } }.
func luaPaths(paths []string) string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = luaPath(p)
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

// luaFlagsText is the export's Lua flags as given (the defaults omitted),
// for the header's command line.
func luaFlagsText(o luaOptions) string {
	d := defaultLuaOptions()
	var s string
	if o.Namespace != d.Namespace {
		s += " --vendor-namespace=false"
	}
	if o.EventTime != d.EventTime {
		s += " --event-time=false"
	}
	if o.Timezone != d.Timezone {
		s += " --timezone " + o.Timezone
	}
	switch o.DataStream {
	case d.DataStream:
	case "":
		s += " --data-stream=false"
	default:
		s += " --data-stream-namespace " + o.DataStream
	}
	return s
}

// writeLuaHeader writes the script's opening comment: how it was made,
// what it adds, and, generated from the descriptors, how each vendor's
// records are recognised, where their codes and times sit and what the
// record itself says; then how to use it and what it does not do.
func writeLuaHeader(b *bytes.Buffer, cat *catalog.Catalog, vendors []*catalog.Vendor, only *catalog.Vendor, o luaOptions) {
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

	fmt.Fprintf(b, luaHeaderTop, "--format "+formatLua+vendorArg(only)+luaFlagsText(o), source, total, strings.Join(counts, ", "))
	if o.Namespace {
		b.WriteString(luaHeaderNamespace)
	} else {
		b.WriteString(luaHeaderOldLayout)
	}
	switch {
	case !o.EventTime:
		line("Event time: off (--event-time=false): the record's time stays the time")
		line("Fluent Bit read it.")
	case o.Namespace:
		line("Event time: the vendor's, from the fields below, becomes the record's time")
		line("(return code 1); event.created is the time Fluent Bit read it (the")
		line("timestamp the filter receives). A vendor that names a time field and a")
		line("record without a readable one: the read time stays, tag auditx_no_event_time.")
	default:
		line("Event time: the vendor's, from the fields below, becomes the record's time")
		line("(return code 1); without a readable one, the read time stays.")
	}
	if o.EventTime {
		line("Zoneless times are read in %s (--timezone).", o.Timezone)
		if _, _, bounded := luaZonePeriods(o.zone); bounded {
			line("Its offset changes up to %d are written below (TZ); a zoneless time after", luaZoneUntilYear)
			line("them is not read (auditx_no_event_time).")
		}
	}
	for _, l := range luaDataStreamNote(o) {
		line("%s", l)
	}
	line("Vendor: %s.", mode)
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
	if o.EventTime {
		line("Event times, first present and readable wins:")
		for _, v := range vendors {
			var fs []string
			for _, tf := range v.Time {
				fs = append(fs, tf.Field+" ("+tf.Parsed.String()+")")
			}
			if len(fs) == 0 {
				fs = []string{"none (the read time stays, untagged)"}
			}
			line("  %-*s  %s", width, v.ID, strings.Join(fs, ", else "))
		}
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
	line("A syslog severity is a number, \"6\", \"Info(6)\" or a level name; auditx's")
	line("score of it: %s.", syslogScoreRanges())
	b.WriteString(luaHeaderBottom)
}

// luaDataStreamNote says what the script adds for data streams, as comment
// lines.
func luaDataStreamNote(o luaOptions) []string {
	if o.DataStream == "" {
		return []string{"Data streams: off (--data-stream=false): no data_stream.*."}
	}
	lines := []string{fmt.Sprintf("Data streams: data_stream.type %q, .dataset <vendor>.audit, .namespace %q;", enrich.DataStreamType, o.DataStream)}
	if o.Namespace {
		return append(lines, fmt.Sprintf("a record auditx does not recognise gets only data_stream, dataset %q.", enrich.UnrecognizedDataset))
	}
	return append(lines, "a record auditx does not recognise, or whose code it cannot read, gets only",
		fmt.Sprintf("data_stream, dataset %q.", enrich.UnrecognizedDataset))
}

// syslogScoreRanges says which score each syslog number gives:
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
// the catalog's source, the entry count and the per-vendor counts.
const luaHeaderTop = `-- auditx enrichment as a Fluent Bit Lua filter.
--
-- Generated by ` + "`auditx catalog export %s`" + ` from %s
-- (%d entries: %s). Do not edit: regenerate it after a catalog change.
-- docs/lua-export.md says how it compares with auditx's Go plugin.
--
-- For Fluent Bit installations that cannot load auditx's Go plugins. It adds
-- the same fields as auditx's Go core with the same keys (schema ecs,
-- override off, the default code locations, actor off):
--
`

// luaHeaderNamespace describes the vendor namespace layout (vendor_namespace on).
const luaHeaderNamespace = `-- Layout (vendor_namespace on): a top-level key of the vendor's record stays
-- at the top only when its value is ECS already (an ECS field or field set
-- whose every leaf has its ECS type: the ECS_FIELDS table below); every other
-- key moves, whole, under <vendor>.audit (privx.audit.message.username), its
-- keys renamed ECS style at every depth (userId -> user_id, Client IP ->
-- client_ip, SSH-PrivX-service -> ssh_priv_x_service). Added:
--
--   event.kind, event.module, event.dataset, event.code, event.action,
--   event.reason, event.category, event.type, event.outcome,
--   event.severity (the vendor's own syslog number: the record's, else the
--   catalog's vendor_severity), event.risk_score_norm (auditx's score),
--   event.created (the time Fluent Bit read the record), event.timezone
--   (for a zoneless vendor time), ecs.version, observer.vendor,
--   observer.product, and tags ["auditx"], with "auditx_unknown_code" (a code
--   the catalog does not know), "auditx_no_code" or "auditx_invalid_code" (a
--   record of a known vendor without a code it can read: it still goes to
--   the vendor's stream) and "auditx_no_event_time" as they apply.
--
`

// luaHeaderOldLayout describes the layout without the vendor namespace
// (vendor_namespace off).
const luaHeaderOldLayout = `-- Layout (vendor_namespace off, the old layout): the vendor's keys stay at
-- the top as they are. Added: event.kind, event.module, event.dataset,
-- event.code, event.action, event.reason, event.category, event.type,
-- event.outcome, event.severity (auditx's score), observer.vendor,
-- observer.product, and tags ["auditx"] (+ "auditx_unknown_code"). A record
-- whose code cannot be read is left alone.
--
`

// luaHeaderBottom closes the script's comment.
const luaHeaderBottom = `-- Existing event/observer/ecs/data_stream maps and tags arrays that stay at
-- the top are merged into, keeping the record's own keys; a record whose tags
-- already hold "auditx" (or whose event.dataset is a vendor's <id>.audit) is
-- passed on untouched.
--
-- Use (classic config; YAML takes the same keys):
--
--   [FILTER]
--       Name             lua
--       Match            audit.*
--       script           auditx.lua
--       call             ` + luaFunction + `
--       # the record's time as seconds and nanoseconds, so that the vendor's
--       # time and event.created keep every digit (a float loses the
--       # microseconds)
--       time_as_table    on
--       # keep null values: without it Fluent Bit removes null-valued keys
--       # from every record the script changes (Lua nil deletes a key)
--       enable_flb_null  on
--
-- The function returns 1 (record and time changed) when it set the vendor's
-- event time, 2 (record changed) for any other record it changed, 0 for a
-- record left alone.
--
-- What this script does NOT do (use the Go plugin for these):
--   * code_key, code_regex, schema flat, flat_key, override, record_key,
--     event_original: only the defaults;
--   * the actor fields (user.*, source.ip, related.*, event.provider,
--     observer.hostname, host.name);
--   * catalog_files and their reload: the catalog and the vendors are fixed
--     at export time (export again with --catalog FILE to include user
--     entries and user vendors' descriptors);
--   * counters, metrics, the unknown-code top list;
--   * byte-exact records: Fluent Bit re-encodes every record the script
--     changes, where auditx copies the original values byte for byte.
-- Where Lua cannot tell what auditx tells (edge cases only; the tests show
-- each, docs/lua-export.md lists them):
--   * key order: Lua tables have none. Two keys of one map whose ECS names
--     are alike ("userId" and "user_id") are named in the byte order of the
--     original keys (user_id, user_id_2 for "userId" < "user_id"), where
--     auditx goes by record order; two keys that normalise alike for a
--     lookup ("Code" and "code"): auditx reads the first in the record, Lua
--     either;
--   * numbers: Lua has one number type, so a whole float reads as an integer
--     (auditx ignores float outcome values and severities, does not take a
--     whole float as an ECS date, and names a float key "1e+06" where Lua
--     names it "1000000"), and integer codes above 10^15 are tagged
--     auditx_invalid_code (auditx enriches them as unknown codes);
--   * without time_as_table the time arrives as a float: event.created and
--     the vendor's time are then exact to the microsecond only;
--   * without enable_flb_null, null values never reach Lua: a key whose value
--     is null is missing (a null code reads as no code, not an invalid one);
--   * tables Fluent Bit did not make (another Lua filter's) carry no
--     array/map mark: an empty one is taken as an array for tags and ECS
--     values, as a map for event, observer, ecs and data_stream;
--   * msgpack bin and ext values reach Lua as strings (auditx reads bin as a
--     string but never as ECS text, and an ext code as invalid).
`

// luaBody is the enrichment code, after the tables (auditx.lua, embedded).
// Lua 5.1 (LuaJIT, as Fluent Bit embeds it). It mirrors enrich/record.go
// (detect, the code lookup, fromRecord, eventTime), enrich/write.go
// (writeECS, writeGroupsNS, writeDataStream), internal/ecsschema
// (ValueIsECS), internal/keyname (the names and their suffixes) and
// internal/evtime (the formats, zones and RFC 3339 text) as one interpreter
// of the tables: no vendor is named in it. Its constants are generated from
// the Go values (luaConstants, luaLayout, luaZone, luaECSFields).
//
//go:embed auditx.lua
var luaBody string

// luaConstants writes the tables the script shares with the core: the
// tags, the code length bound, the keys cat's vendors watch, the syslog
// scores and names.
func luaConstants(b *bytes.Buffer, cat *catalog.Catalog) {
	fmt.Fprintf(b, "\nlocal MARKER_TAG = %s\n", luaString(enrich.MarkerTag))
	fmt.Fprintf(b, "local UNKNOWN_CODE_TAG = %s\n", luaString(enrich.UnknownCodeTag))
	fmt.Fprintf(b, "local NO_CODE_TAG = %s\n", luaString(enrich.NoCodeTag))
	fmt.Fprintf(b, "local INVALID_CODE_TAG = %s\n", luaString(enrich.InvalidCodeTag))
	fmt.Fprintf(b, "local NO_EVENT_TIME_TAG = %s\n", luaString(enrich.NoEventTimeTag))
	fmt.Fprintf(b, "local MAX_CODE_LEN = %d\n", catalog.MaxCodeLen)
	b.WriteString("\n-- Normalised keys the script looks at (auditx's plan).\nlocal WATCHED = {\n")
	for _, k := range enrich.WatchedKeys(cat) {
		fmt.Fprintf(b, "  [%s] = true,\n", luaString(k))
	}
	b.WriteString("}\n\n-- auditx's score by syslog number (catalog.SyslogSeverity).\nlocal SYSLOG_SCORE = {")
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

// The instants evtime parses: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z
// (evtime's minUnix, maxUnix).
var (
	luaMinUnix = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	luaMaxUnix = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// luaLayout writes the options and the bounds of the layout code.
func luaLayout(b *bytes.Buffer, o luaOptions) {
	ds := "nil"
	if o.DataStream != "" {
		ds = luaString(o.DataStream)
	}
	fmt.Fprintf(b, `
-- The layout: the export's flags (the plugin keys of the same names).
local NAMESPACE = %t -- vendor_namespace
local EVENT_TIME = %t -- event_time
local DATA_STREAM_NAMESPACE = %s -- data_stream (nil: off)
local DATA_STREAM_TYPE = %s
local UNRECOGNIZED_DATASET = %s
local ECS_VERSION = %s
-- The vendor's namespace: <vendor id>.<NS_KEY> (the dataset as a path).
local NS_KEY = %s
-- Names (internal/keyname): a key without a word, the nesting followed.
local KEYNAME_EMPTY = %s
local KEYNAME_MAX_DEPTH = %d
-- ECS values (internal/ecsschema): the nesting followed, a path's length.
local ECS_MAX_DEPTH = %d
local ECS_MAX_PATH = %d
-- Times (internal/evtime): the instants read (years 1 to 9999), the last
-- second Fluent Bit's EventTime takes (after it: group markers).
local MIN_UNIX = %d
local MAX_UNIX = %d
local MAX_EVENT_SECOND = %d
`, o.Namespace, o.EventTime, ds, luaString(enrich.DataStreamType), luaString(enrich.UnrecognizedDataset),
		luaString(enrich.ECSVersion), luaString(strings.TrimPrefix(catalog.DatasetSuffix, ".")),
		luaString(keyname.Empty), keyname.MaxDepth, ecsschema.MaxDepth, ecsschema.MaxPath,
		luaMinUnix, luaMaxUnix, int64(mp.GroupEndSeconds-1))
}

// luaZonePeriod is one period of a zone: its UTC offset from the instant
// from (Unix seconds) to the next period's.
type luaZonePeriod struct {
	from   int64
	offset int
}

// luaZonePeriods returns the UTC offset of loc before its first change
// and its changes of offset up to luaZoneUntilYear, as time.Time.Zone and
// ZoneBounds see them; bounded is true when loc changes after them too (the
// last element then holds the first change not listed, its offset unset),
// false when the last offset holds for ever (UTC, a fixed offset, a zone
// that stopped changing).
func luaZonePeriods(loc *time.Location) (first int, changes []luaZonePeriod, bounded bool) {
	limit := time.Date(luaZoneUntilYear, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	t := time.Unix(luaMinUnix, 0).In(loc)
	_, first = t.Zone()
	cur := first
	for {
		_, end := t.ZoneBounds()
		switch {
		case end.IsZero():
			return first, changes, false
		case !end.After(t):
			// Past the tz data's last transition, where the zone's rule
			// runs, Go 1.26's ZoneBounds ends a period at a year's end that
			// is already past around New Year: step over it.
			t = t.Add(24 * time.Hour)
			continue
		case end.Unix() >= limit:
			return first, append(changes, luaZonePeriod{from: end.Unix()}), true
		}
		t = end
		if _, off := end.Zone(); off != cur {
			changes = append(changes, luaZonePeriod{from: end.Unix(), offset: off})
			cur = off
		}
	}
}

// luaZone writes the zone of zoneless times: its name (event.timezone),
// its offset before its first change, its changes and, for a zone that
// keeps changing, the first change not listed (TZ_UNTIL).
func luaZone(b *bytes.Buffer, o luaOptions) {
	first, changes, bounded := luaZonePeriods(o.zone)
	until := "nil"
	if bounded {
		until = strconv.FormatInt(changes[len(changes)-1].from, 10)
		changes = changes[:len(changes)-1]
	}
	fmt.Fprintf(b, `
-- The zone of zoneless vendor times (--timezone), as Go's tz database has it:
-- TZ_NAME is event.timezone; the UTC offset in seconds is TZ_FIRST_OFFSET,
-- then from each change of TZ (Unix seconds, offset); TZ_UNTIL, when set,
-- ends what the script knows (the zone changes on after it).
local TZ_NAME = %s
local TZ_FIRST_OFFSET = %d
local TZ_UNTIL = %s
local TZ = {`, luaString(o.Timezone), first, until)
	for i, c := range changes {
		if i%4 == 0 {
			b.WriteString("\n ")
		}
		fmt.Fprintf(b, " { %d, %d },", c.from, c.offset)
	}
	b.WriteString("\n}\n")
}

// luaECSClasses names the Elasticsearch types of the ECS field list by
// what ecsschema.ValueIsECS accepts for them (its package doc's table):
// one class a check. A type not listed accepts nothing ("other").
var luaECSClasses = map[string]string{
	"keyword": "string", "constant_keyword": "string", "wildcard": "string", "text": "string", "match_only_text": "string",
	"long": "long", "integer": "integer", "short": "short", "byte": "byte", "unsigned_long": "unsigned_long",
	"float": "float", "half_float": "half_float", "double": "double", "scaled_float": "double",
	"boolean": "boolean", "date": "date", "ip": "ip", "geo_point": "geo_point",
	"object": "object", "nested": "object", "flattened": "flattened",
}

// luaECSFieldClasses returns every path ValueIsECS knows with its class: each
// ECS field by its type, and every field set or object with subfields (a
// prefix of another field) as "parent", as ecsschema's index does.
func luaECSFieldClasses() map[string]string {
	types := map[string]string{}
	ecsschema.Fields(func(name, typ string) bool {
		types[name] = typ
		return true
	})
	out := make(map[string]string, len(types)*5/4)
	for name, typ := range types {
		if _, seen := out[name]; !seen {
			class, known := luaECSClasses[typ]
			if !known {
				class = "other"
			}
			out[name] = class
		}
		for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
			out[name[:i]] = "parent"
		}
	}
	return out
}

// luaECSFields writes ECS_FIELDS: the ECS schema as ValueIsECS consults it.
func luaECSFields(b *bytes.Buffer) {
	classes := luaECSFieldClasses()
	names := make([]string, 0, len(classes))
	for n := range classes {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(b, `
-- The ECS schema (ECS %s, internal/ecsschema), as the decision whether a
-- key stays at the top reads it: every field by what its type accepts
-- (string: a string; long, integer, short, byte, unsigned_long: a whole
-- number in range; double, float, half_float: a finite number in range;
-- boolean; date: an Elasticsearch date string or a whole number; ip;
-- geo_point: {lat, lon}; object: a map of keyword values; flattened: a map
-- with string keys at every depth; other: nothing) and every field set or
-- object with subfields as parent (a map of its subfields).
local ECS_FIELDS = {
`, ecsschema.Version)
	for _, n := range names {
		fmt.Fprintf(b, "  [%s] = %q,\n", luaString(n), classes[n])
	}
	b.WriteString("}\n")
}
