package catalog

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits of a catalog file, so that a mistaken path (a log file, a binary)
// fails at start-up instead of filling memory.
const (
	// MaxFileBytes bounds one catalog file; the embedded ones are ~100 KiB.
	MaxFileBytes = 16 << 20
	// MaxFieldBytes bounds one cell (the longest vendor description is < 1 KiB).
	MaxFieldBytes = 16 << 10
)

// FileError is a problem in a catalog file, with the place it was found.
type FileError struct {
	File   string
	Line   int    // 0 when the problem concerns the whole file
	Column string // "" when the problem concerns the whole line
	Err    error
}

// Error returns "file:line: column: problem".
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %s", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying problem.
func (e *FileError) Unwrap() error { return e.Err }

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Parse reads a catalog file (CSV with the Header row, or the LegacyHeader
// row of older files) and returns its entries, validated: a vendor of vs,
// canonical code, no duplicate code in the file, non-empty name and
// description, ECS categorization, outcome and severity words, a vendor
// severity in the Name(N) form that agrees with the severity. name is used
// in errors. A UTF-8 BOM and CRLF line ends are
// accepted; a file with the header and no entries is valid. On any error no
// entry is returned.
func Parse(name string, data []byte, vs *VendorSet) ([]*Entry, error) {
	fail := func(line int, col string, err error) ([]*Entry, error) {
		return nil, &FileError{File: name, Line: line, Column: col, Err: err}
	}
	if len(data) > MaxFileBytes {
		return fail(0, "", fmt.Errorf("file is %d bytes, over the limit of %d", len(data), MaxFileBytes))
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return fail(0, "", errors.New("file is empty: expected a header row "+strings.Join(Header, ",")))
	}
	ecs, err := ECSRules()
	if err != nil {
		return fail(0, "", fmt.Errorf("ECS rules unavailable: %w", err))
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // counted below, for a clearer message
	header, err := r.Read()
	if err != nil {
		return fail(1, "", csvProblem(err))
	}
	cols, ok := columnsOf(header)
	if !ok {
		return fail(1, "", fmt.Errorf("header is %q, expected %q (or the older %q)",
			strings.Join(header, ","), strings.Join(Header, ","), strings.Join(LegacyHeader, ",")))
	}
	var entries []*Entry
	seen := map[string]int{}
	for {
		rec, line, done, err := nextRecord(r, header)
		if done {
			break
		}
		if err != nil {
			return fail(line, "", err)
		}
		e, col, err := parseRecord(rec, cols, ecs, vs)
		if err != nil {
			return fail(line, col, err)
		}
		key := e.Vendor.String() + "\x00" + e.Code
		if first, dup := seen[key]; dup {
			return fail(line, "code", fmt.Errorf("duplicate code %s/%s (first on line %d)", e.Vendor, e.Code, first))
		}
		seen[key] = line
		e.Source, e.Line = name, line
		entries = append(entries, e)
	}
	// A header without entries is a valid, empty overlay: emptying a user
	// file (or a ConfigMap) removes its entries on the next reload.
	return entries, nil
}

// nextRecord reads the next record of r that is not a blank line and
// checks that it has a column for each of header; done at the end. On an
// error, line is where it was found (0 when the reader cannot say).
func nextRecord(r *csv.Reader, header []string) (rec []string, line int, done bool, err error) {
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil, 0, true, nil
		}
		if err != nil {
			// FieldPos is only valid after a successful Read (it panics
			// otherwise: found by FuzzParse, corpus in testdata/fuzz).
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, line, false, csvProblem(err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) != len(header) {
			return nil, line, false, fmt.Errorf("%d columns, expected %d (%s)", len(rec), len(header), strings.Join(header, ","))
		}
		return rec, line, false, nil
	}
}

func csvProblem(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("malformed CSV: %w", pe.Err)
	}
	return fmt.Errorf("malformed CSV: %w", err)
}

// columnsOf maps the columns of Header to their positions in a file's
// header row (-1 for a column the file does not have); ok is false unless
// the row is Header or LegacyHeader.
func columnsOf(header []string) (cols []int, ok bool) {
	row := strings.Join(header, ",")
	if row != strings.Join(Header, ",") && row != strings.Join(LegacyHeader, ",") {
		return nil, false
	}
	cols = make([]int, len(Header))
	for i := range cols {
		cols[i] = -1
	}
	for i, name := range header {
		for j, c := range Header {
			if c == name {
				cols[j] = i
			}
		}
	}
	return cols, true
}

// parseRecord turns one row into an Entry; col names the bad column. cols
// gives the position of each Header column in rec (-1: absent, read as
// empty).
func parseRecord(rec []string, cols []int, ecs *ECS, vs *VendorSet) (e *Entry, col string, err error) {
	for i, f := range rec {
		if len(f) > MaxFieldBytes {
			for j, at := range cols {
				if at == i {
					return nil, Header[j], fmt.Errorf("%d bytes, over the limit of %d", len(f), MaxFieldBytes)
				}
			}
		}
	}
	get := func(i int) string {
		if cols[i] < 0 {
			return ""
		}
		return strings.TrimSpace(rec[cols[i]])
	}
	e = &Entry{}
	if e.Vendor, err = vs.Lookup(get(0)); err != nil {
		return nil, "vendor", err
	}
	code, ok := Canonical(e.Vendor, get(1))
	if !ok {
		return nil, "code", fmt.Errorf("%q is not a %s code (%s)", get(1), e.Vendor, e.Vendor.Code.Describe())
	}
	if code != get(1) {
		return nil, "code", fmt.Errorf("%q is not in canonical form: write %q", get(1), code)
	}
	e.Code = code
	e.Name, e.NameInDoc, e.Description = get(2), get(3), get(4)
	if e.Name == "" {
		return nil, "name", errors.New("empty")
	}
	if e.Description == "" {
		return nil, "description", errors.New("empty (derive one from the name and set derived to true)")
	}
	switch strings.ToLower(get(5)) {
	case "", "false":
	case "true":
		e.Derived = true
	default:
		return nil, "derived", fmt.Errorf("%q (accepted: true, false or empty)", get(5))
	}
	e.Group = get(6)
	if e.Group == "" {
		return nil, "group", errors.New("empty")
	}
	e.Category, e.Type = splitList(get(7)), splitList(get(8))
	if err := ecs.CheckCategorization(e.Category, e.Type); err != nil {
		return nil, "category/type", err
	}
	if e.Outcome, err = ParseOutcome(get(9)); err != nil {
		return nil, "outcome", err
	}
	if e.VendorSeverity, err = ParseVendorSeverity(get(11)); err != nil {
		return nil, "vendor_severity", err
	}
	switch {
	case get(10) == "" && e.VendorSeverity.IsSet():
		e.Severity = e.VendorSeverity.Level() // the vendor's own severity is the default
	default:
		if e.Severity, err = ParseSeverity(get(10)); err != nil {
			return nil, "severity", err
		}
		if e.VendorSeverity.IsSet() && e.Severity != e.VendorSeverity.Level() {
			return nil, "severity", fmt.Errorf("%s disagrees with vendor_severity %s, which is %s: write %s or leave it empty",
				e.Severity, e.VendorSeverity, e.VendorSeverity.Level(), e.VendorSeverity.Level())
		}
	}
	if e.Origin, err = splitNames(get(12)); err != nil {
		return nil, "origin", err
	}
	if e.Provenance, err = splitNames(get(13)); err != nil {
		return nil, "provenance", err
	}
	for _, p := range e.Provenance {
		if strings.ContainsAny(p, " \t,") {
			return nil, "provenance", fmt.Errorf("%q: a provenance is one word (a document's short name, such as v24)", p)
		}
	}
	e.Note = get(14)
	return e, "", nil
}

// splitNames splits a |-separated list of names (origin, provenance),
// refusing empty items ("a||b", a trailing "|") and repeated ones.
func splitNames(s string) ([]string, error) {
	names := splitList(s)
	for i, n := range names {
		if n == "" {
			return nil, fmt.Errorf("%q has an empty item", s)
		}
		for _, m := range names[:i] {
			if m == n {
				return nil, fmt.Errorf("%q lists %q twice", s, n)
			}
		}
	}
	return names, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ListSeparator)
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
