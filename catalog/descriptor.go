package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/auditx/auditx/internal/evtime"
)

// A vendor descriptor is a small text file (docs/vendor-format.md) that
// says everything auditx knows about one vendor's records: who the vendor
// is, how its records are recognised, where the event code sits and how it
// is written, what decides the outcome, where the vendor's own severity and
// event time sit, and which fields say who acted. The four embedded vendors
// are descriptors in data/ beside their event tables; a user adds a vendor
// with a descriptor and an event table in catalog_files.
//
// The format: '#' starts a comment line; "[section]" starts a section;
// every other line is "key = value", optionally followed by options
// "; name value". Keys marked repeatable may appear more than once: their
// order is their precedence (first present wins).

// Limits of a descriptor, so that the record scan stays bounded.
const (
	// MaxDescriptorBytes bounds a descriptor file.
	MaxDescriptorBytes = 64 << 10
	// MaxVendorIDLen bounds a vendor id.
	MaxVendorIDLen = 32
	// MaxDetectRules bounds a vendor's recognition rules.
	MaxDetectRules = 8
	// MaxRuleKeys bounds the keys of one recognition rule.
	MaxRuleKeys = 4
	// MaxAlternatives bounds the alternative fields of a code, outcome,
	// severity or time (first present wins) and the fields of a joined code.
	MaxAlternatives = 4
	// MaxPathSegments bounds a key path ("message.username": 2).
	MaxPathSegments = 8
	// MaxKeyLen bounds one normalised key of a path.
	MaxKeyLen = 32
	// MaxPrecedence bounds a rule's precedence.
	MaxPrecedence = 999
	// MaxCodePad bounds a code's zero padding.
	MaxCodePad = 16
	// MaxMatchValues bounds the values of an outcome rule.
	MaxMatchValues = 16
)

// Vendor is one vendor as its descriptor describes it. It is immutable once
// its VendorSet is built.
type Vendor struct {
	// Index is the vendor's position in its VendorSet, from 1 (0 is no
	// vendor), for tables indexed by vendor.
	Index int
	// ID names the vendor in config keys, catalog files, event.module and
	// event.dataset (<id>.audit).
	ID string
	// Company and Product are observer.vendor and observer.product.
	Company, Product string
	// Detect lists the rules that recognise the vendor's records.
	Detect []DetectRule
	// Code says where the event code sits and how it is written.
	Code CodeSpec
	// Outcome is what the record itself says about the outcome.
	Outcome OutcomeSpec
	// Severity is where the vendor's own severity sits.
	Severity SeveritySpec
	// Time lists the vendor's event-time fields, first present wins.
	Time []TimeField
	// Actor lists, per actor field, the record fields that fill it.
	Actor [NumActorFields][]ActorSource
	// Source is the descriptor file ("embedded:data/<id>.vendor" for the
	// embedded ones).
	Source string
}

// DetectRule recognises a vendor's record: all its keys are present.
type DetectRule struct {
	// Keys are top-level keys (matched like every key: case-insensitive,
	// spaces, '_' and '-' ignored).
	Keys []string
	// Precedence orders the rules of all vendors: the lowest that matches
	// wins. Two vendors never share a precedence.
	Precedence int
	// Line is the rule's line in the descriptor.
	Line int
}

// CodeForm is how a vendor writes its codes: the canonical form the
// catalog keeps and event.code carries.
type CodeForm uint8

// The code forms.
const (
	// FormInteger: digits without leading zeros (302), or padded
	// with zeros to CodeSpec.Pad digits (054).
	FormInteger CodeForm = iota + 1
	// FormUpper: letters upper-cased; digits and '_' kept; ' ' and '-'
	// read as '_'; '.. kept (DEVICE.CONNECT).
	FormUpper
	// FormLower: as FormUpper, lower-cased.
	FormLower
	// FormText: the code as written, without surrounding blanks.
	FormText
)

var codeFormNames = []string{FormInteger: "integer", FormUpper: "upper", FormLower: "lower", FormText: "text"}

// String names the form as descriptors write it.
func (f CodeForm) String() string {
	if int(f) < len(codeFormNames) && f > 0 {
		return codeFormNames[f]
	}
	return "?"
}

// CodeSpec says where a vendor's code sits and how it is written.
type CodeSpec struct {
	// Fields are the key paths of the code, first present wins.
	Fields []string
	// Join, instead of Fields, makes the code of several fields joined
	// by Separator (entity_type . action: DEVICE.CONNECT).
	Join []string
	// Separator joins the Join fields; a code has exactly len(Join)-1.
	Separator byte
	// Form is the canonical form.
	Form CodeForm
	// Pad is the number of digits FormInteger codes are zero-padded to.
	Pad int
}

// Describe says in words how codes of the spec are written, for messages
// and docs.
func (c *CodeSpec) Describe() string {
	switch c.Form {
	case FormInteger:
		if c.Pad > 1 {
			return fmt.Sprintf("%d digits, zero-padded", c.Pad)
		}
		return "an integer without leading zeros"
	case FormUpper, FormLower:
		s := "in upper case"
		if c.Form == FormLower {
			s = "in lower case"
		}
		if len(c.Join) > 0 {
			parts := make([]string, len(c.Join))
			for i, j := range c.Join {
				parts[i] = strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace(j))
				if c.Form == FormLower {
					parts[i] = strings.ToLower(parts[i])
				}
			}
			return strings.Join(parts, string(c.Separator)) + " " + s
		}
		return "letters, digits, '_' and '.' " + s
	case FormText:
		return "text, as written"
	}
	return "?"
}

// OutcomeSpec is the record's own say on the outcome: the first field
// present is compared with Failure, then Success.
type OutcomeSpec struct {
	Fields           []string
	Success, Failure []Match
}

// Match is one value of an outcome rule: a number comparison (for an
// integer or a string of digits) or a word (case-insensitive).
type Match struct {
	// Op is '=', '>', '<', 'g' (>=), 'l' (<=) or 'w' (Word).
	Op   byte
	N    int64
	Word string
}

// SeveritySpec is where the vendor's own severity sits and its scale.
type SeveritySpec struct {
	Fields []string
	// Scale is "syslog" (RFC 5424 0..7: 6, "6", "Info(6)", "info").
	Scale string
}

// TimeField is one event-time field and its format.
type TimeField struct {
	Field string
	// Format is rfc3339, unix_s, unix_ms or "layout <Go layout>" (a local
	// time without a zone), as written; Parsed is it read.
	Format string
	Parsed evtime.Format
}

// Accepted words of a descriptor.
var (
	descriptorSections = []string{"vendor", "detect", "code", "outcome", "severity", "time", "actor"}
	severityScales     = []string{"syslog"}
	// reservedIDs are top-level names a vendor id may not take besides
	// ECS's: the <id>.audit namespace sits at the top of a record.
	reservedIDs = []string{"data_stream", "kubernetes", "auditx"}
	vendorIDRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// IsDescriptor reports whether data is a vendor descriptor: its first line
// that is not blank or a comment is "[vendor]".
func IsDescriptor(data []byte) bool {
	data = bytes.TrimPrefix(data, utf8BOM)
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		return string(line) == "[vendor]"
	}
	return false
}

// ParseDescriptor reads a vendor descriptor. name is used in errors, which
// give the line, the key and what is accepted.
func ParseDescriptor(name string, data []byte) (*Vendor, error) {
	p := descParser{name: name, v: &Vendor{Source: name}}
	if len(data) > MaxDescriptorBytes {
		return nil, p.errAt(0, "", fmt.Errorf("file is %d bytes, over the limit of %d", len(data), MaxDescriptorBytes))
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	section := ""
	seen := map[string]int{}
	for n, raw := range strings.Split(string(data), "\n") {
		line := n + 1
		s := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if s == "" || s[0] == '#' {
			continue
		}
		if s[0] == '[' {
			if s[len(s)-1] != ']' {
				return nil, p.errAt(line, "", fmt.Errorf("%q: a section is written [name]", s))
			}
			section = strings.TrimSpace(s[1 : len(s)-1])
			if !slices.Contains(descriptorSections, section) {
				return nil, p.errAt(line, "", fmt.Errorf("unknown section [%s] (accepted: %s)", section, strings.Join(descriptorSections, ", ")))
			}
			if first, dup := seen["["+section+"]"]; dup {
				return nil, p.errAt(line, "", fmt.Errorf("section [%s] appears twice (first on line %d)", section, first))
			}
			seen["["+section+"]"] = line
			continue
		}
		if section == "" {
			return nil, p.errAt(line, "", errors.New("a key before the first section: the file starts with [vendor]"))
		}
		key, rest, ok := strings.Cut(s, "=")
		if !ok {
			return nil, p.errAt(line, "", fmt.Errorf("%q is not key = value", s))
		}
		key = strings.TrimSpace(key)
		value, opts, err := splitOptions(rest)
		if err != nil {
			return nil, p.errAt(line, section+"."+key, err)
		}
		if err := p.set(section, key, value, opts, line, seen); err != nil {
			return nil, p.errAt(line, section+"."+key, err)
		}
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.v, nil
}

type descParser struct {
	name string
	v    *Vendor
	// lines of the keys set, for errors of finish
	idLine, codeLine int
}

func (p *descParser) errAt(line int, key string, err error) error {
	return &FileError{File: p.name, Line: line, Column: key, Err: err}
}

// option is one "; name value" after a value.
type option struct{ name, value string }

// splitOptions splits "value ; name v ; name v".
func splitOptions(s string) (value string, opts []option, err error) {
	parts := strings.Split(s, ";")
	value = strings.TrimSpace(parts[0])
	for _, o := range parts[1:] {
		o = strings.TrimSpace(o)
		name, v, _ := strings.Cut(o, " ")
		if name == "" {
			return "", nil, errors.New("an empty option after ';'")
		}
		opts = append(opts, option{name, strings.TrimSpace(v)})
	}
	return value, opts, nil
}

// takeOptions checks that opts only names the given options, each once,
// and returns their values.
func takeOptions(opts []option, names ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, o := range opts {
		if !slices.Contains(names, o.name) {
			if len(names) == 0 {
				return nil, fmt.Errorf("no options here, found ; %s", o.name)
			}
			return nil, fmt.Errorf("unknown option %q (accepted: %s)", o.name, strings.Join(names, ", "))
		}
		if _, dup := out[o.name]; dup {
			return nil, fmt.Errorf("option %q twice", o.name)
		}
		out[o.name] = o.value
	}
	return out, nil
}

// sectionKeys lists the keys of each section; a trailing '*' marks a
// repeatable key.
var sectionKeys = map[string][]string{
	"vendor":   {"id", "company", "product"},
	"detect":   {"rule*"},
	"code":     {"field*", "join", "separator", "form", "pad"},
	"outcome":  {"field*", "success", "failure"},
	"severity": {"field*", "scale"},
	"time":     {"field*"},
}

func (p *descParser) set(section, key, value string, opts []option, line int, seen map[string]int) error {
	if section == "actor" {
		return p.setActor(key, value, opts, line)
	}
	keys := sectionKeys[section]
	repeatable := slices.Contains(keys, key+"*")
	if !repeatable && !slices.Contains(keys, key) {
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = strings.TrimSuffix(k, "*")
		}
		return fmt.Errorf("unknown key (accepted in [%s]: %s)", section, strings.Join(names, ", "))
	}
	id := section + "." + key
	if !repeatable {
		if first, dup := seen[id]; dup {
			return fmt.Errorf("set twice (first on line %d)", first)
		}
	}
	seen[id] = line
	if value == "" {
		return errors.New("empty value")
	}
	var allowed []string
	switch id {
	case "detect.rule":
		allowed = []string{"precedence"}
	case "time.field":
		allowed = []string{"format"}
	}
	o, err := takeOptions(opts, allowed...)
	if err != nil {
		return err
	}
	v := p.v
	switch id {
	case "vendor.id":
		if err := CheckVendorID(value); err != nil {
			return err
		}
		v.ID, p.idLine = value, line
	case "vendor.company":
		v.Company = value
	case "vendor.product":
		v.Product = value
	case "detect.rule":
		keys, err := pathList(value, 1, MaxRuleKeys)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if strings.Contains(k, ".") {
				return fmt.Errorf("%q: a rule names top-level keys, not paths", k)
			}
		}
		prec, ok := o["precedence"]
		if !ok {
			return fmt.Errorf("no precedence: write %s ; precedence N (1 to %d, lowest wins)", value, MaxPrecedence)
		}
		n, err := strconv.Atoi(prec)
		if err != nil || n < 1 || n > MaxPrecedence {
			return fmt.Errorf("precedence %q: a whole number from 1 to %d", prec, MaxPrecedence)
		}
		if len(v.Detect) == MaxDetectRules {
			return fmt.Errorf("more than %d rules", MaxDetectRules)
		}
		v.Detect = append(v.Detect, DetectRule{Keys: keys, Precedence: n, Line: line})
	case "code.field", "outcome.field", "severity.field", "time.field":
		if err := CheckPath(value); err != nil {
			return err
		}
		list := map[string]*[]string{"code.field": &v.Code.Fields, "outcome.field": &v.Outcome.Fields, "severity.field": &v.Severity.Fields}[id]
		n := len(v.Time)
		if list != nil {
			n = len(*list)
		}
		if n == MaxAlternatives {
			return fmt.Errorf("more than %d alternatives", MaxAlternatives)
		}
		if id == "code.field" {
			p.codeLine = line
		}
		if list != nil {
			*list = append(*list, value)
			return nil
		}
		f, ok := o["format"]
		if !ok {
			_, err := evtime.ParseFormat("")
			return fmt.Errorf("no format: write %s ; format F: %w", value, err)
		}
		parsed, err := evtime.ParseFormat(f)
		if err != nil {
			return err
		}
		v.Time = append(v.Time, TimeField{Field: value, Format: f, Parsed: parsed})
	case "code.join":
		fields, err := pathList(value, 2, MaxAlternatives)
		if err != nil {
			return err
		}
		v.Code.Join, p.codeLine = fields, line
	case "code.separator":
		if len(value) != 1 || !strings.Contains(".:/|", value) {
			return fmt.Errorf("%q: one of . : / |", value)
		}
		v.Code.Separator = value[0]
	case "code.form":
		i := slices.Index(codeFormNames, value)
		if i <= 0 {
			return fmt.Errorf("%q (accepted: %s)", value, strings.Join(codeFormNames[1:], ", "))
		}
		v.Code.Form = CodeForm(i)
	case "code.pad":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > MaxCodePad {
			return fmt.Errorf("%q: a whole number from 1 to %d", value, MaxCodePad)
		}
		v.Code.Pad = n
	case "outcome.success", "outcome.failure":
		ms, err := parseMatches(value)
		if err != nil {
			return err
		}
		if id == "outcome.success" {
			v.Outcome.Success = ms
		} else {
			v.Outcome.Failure = ms
		}
	case "severity.scale":
		if !slices.Contains(severityScales, value) {
			return fmt.Errorf("%q (accepted: %s)", value, strings.Join(severityScales, ", "))
		}
		v.Severity.Scale = value
	}
	return nil
}

func (p *descParser) setActor(key, value string, opts []option, line int) error {
	i := slices.Index(actorFieldNames[:], key)
	if i < 0 {
		return fmt.Errorf("%q is not a field auditx fills (accepted in [actor]: %s)", key, strings.Join(actorFieldNames[:], ", "))
	}
	if value == "" {
		return errors.New("empty value: a key path of the record")
	}
	if err := CheckPath(value); err != nil {
		return err
	}
	o, err := takeOptions(opts, "ignore")
	if err != nil {
		return err
	}
	f := ActorField(i)
	if len(p.v.Actor[f]) == MaxActorSources {
		return fmt.Errorf("more than %d sources for %s", MaxActorSources, f)
	}
	src := ActorSource{Path: value, Source: p.name, Line: line}
	if ig, ok := o["ignore"]; ok {
		for _, w := range strings.Split(ig, ",") {
			if w = strings.TrimSpace(w); w == "" {
				return errors.New("ignore: an empty value")
			}
			src.Ignore = append(src.Ignore, w)
		}
	}
	p.v.Actor[f] = append(p.v.Actor[f], src)
	return nil
}

// finish checks what the whole file must say.
func (p *descParser) finish() error {
	v := p.v
	missing := func(key, what string) error {
		return p.errAt(0, key, fmt.Errorf("missing: %s", what))
	}
	switch {
	case v.ID == "":
		return missing("vendor.id", "the vendor's id ([vendor] id = ...)")
	case v.Company == "":
		return missing("vendor.company", "the vendor's company (observer.vendor)")
	case v.Product == "":
		return missing("vendor.product", "the product (observer.product)")
	case len(v.Detect) == 0:
		return missing("detect.rule", "at least one rule that recognises the vendor's records")
	case len(v.Code.Fields) == 0 && len(v.Code.Join) == 0:
		return missing("code.field", "where the code sits ([code] field = ..., or join = a, b)")
	case v.Code.Form == 0:
		return missing("code.form", "the code's form (accepted: "+strings.Join(codeFormNames[1:], ", ")+")")
	}
	c := &v.Code
	fail := func(key string, err error) error { return p.errAt(p.codeLine, key, err) }
	switch {
	case len(c.Fields) > 0 && len(c.Join) > 0:
		return fail("code.join", errors.New("both field and join: a code is one field or the join of several"))
	case len(c.Join) > 0 && c.Separator == 0:
		return fail("code.separator", errors.New("join needs a separator"))
	case len(c.Join) == 0 && c.Separator != 0:
		return fail("code.separator", errors.New("a separator only goes with join"))
	case len(c.Join) > 0 && c.Form != FormUpper && c.Form != FormLower:
		return fail("code.form", errors.New("a joined code is upper or lower"))
	case c.Pad > 0 && c.Form != FormInteger:
		return fail("code.pad", errors.New("pad only goes with form integer"))
	}
	if (len(v.Outcome.Success) > 0 || len(v.Outcome.Failure) > 0) != (len(v.Outcome.Fields) > 0) {
		return p.errAt(0, "outcome.field", errors.New("an outcome rule needs a field and at least one of success, failure"))
	}
	if (len(v.Severity.Fields) > 0) != (v.Severity.Scale != "") {
		return p.errAt(0, "severity.scale", fmt.Errorf("a severity needs a field and a scale (accepted: %s)", strings.Join(severityScales, ", ")))
	}
	return nil
}

// CheckVendorID checks a vendor id: lower case letters, digits and '_',
// starting with a letter, at most MaxVendorIDLen bytes, neither an ECS
// top-level name nor data_stream, kubernetes or auditx (the <id>.audit
// namespace sits at the top of a record).
func CheckVendorID(id string) error {
	if len(id) > MaxVendorIDLen || !vendorIDRE.MatchString(id) {
		return fmt.Errorf("vendor id %q: lower case letters, digits and '_', starting with a letter, at most %d bytes", id, MaxVendorIDLen)
	}
	if slices.Contains(reservedIDs, id) {
		return fmt.Errorf("vendor id %q is reserved (%s)", id, strings.Join(reservedIDs, ", "))
	}
	if isECSTopLevel(id) {
		return fmt.Errorf("vendor id %q is an ECS top-level name", id)
	}
	return nil
}

// CheckPath checks a record key path: at most MaxPathSegments keys joined
// by '.', each normalising to 1..MaxKeyLen bytes.
func CheckPath(path string) error {
	segs := strings.Split(path, ".")
	if len(segs) > MaxPathSegments {
		return fmt.Errorf("%q has %d segments, at most %d", path, len(segs), MaxPathSegments)
	}
	for _, s := range segs {
		if k := NormalizeKey(s); k == "" || len(k) > MaxKeyLen {
			return fmt.Errorf("%q has an empty segment or one longer than %d characters", path, MaxKeyLen)
		}
	}
	return nil
}

// pathList splits a comma-separated list of paths.
func pathList(s string, least, most int) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if err := CheckPath(f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) < least || len(out) > most {
		return nil, fmt.Errorf("%q: %d to %d keys, comma-separated", s, least, most)
	}
	return out, nil
}

// parseMatches reads "0", ">0", "fault, error", "<=-1".
func parseMatches(s string) ([]Match, error) {
	var out []Match
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			return nil, fmt.Errorf("%q has an empty value", s)
		}
		m := Match{Op: '='}
		num := w
		switch {
		case strings.HasPrefix(w, ">="):
			m.Op, num = 'g', w[2:]
		case strings.HasPrefix(w, "<="):
			m.Op, num = 'l', w[2:]
		case w[0] == '>':
			m.Op, num = '>', w[1:]
		case w[0] == '<':
			m.Op, num = '<', w[1:]
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		switch {
		case err == nil:
			m.N = n
		case m.Op != '=':
			return nil, fmt.Errorf("%q: a comparison takes a whole number (>0, <=5)", w)
		default:
			m.Op, m.Word = 'w', w
		}
		out = append(out, m)
	}
	if len(out) > MaxMatchValues {
		return nil, fmt.Errorf("%q: at most %d values", s, MaxMatchValues)
	}
	return out, nil
}

// MatchesInt reports whether the match accepts a number.
func (m *Match) MatchesInt(n int64) bool {
	switch m.Op {
	case '=':
		return n == m.N
	case '>':
		return n > m.N
	case '<':
		return n < m.N
	case 'g':
		return n >= m.N
	case 'l':
		return n <= m.N
	}
	return false
}

// String writes the match as descriptors do.
func (m *Match) String() string {
	switch m.Op {
	case 'w':
		return m.Word
	case '=':
		return strconv.FormatInt(m.N, 10)
	case 'g':
		return ">=" + strconv.FormatInt(m.N, 10)
	case 'l':
		return "<=" + strconv.FormatInt(m.N, 10)
	}
	return string(m.Op) + strconv.FormatInt(m.N, 10)
}
