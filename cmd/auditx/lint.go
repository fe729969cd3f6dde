package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/auditx/auditx/catalog"
)

// lintFile is one file of a lint call, read and told apart by its content
// as catalog.Load does: a vendor descriptor, an actor map or an event table.
type lintFile struct {
	path string
	desc *catalog.Vendor // a descriptor that parsed
	err  error           // unreadable, or a bad descriptor
}

// readLintFile reads one file and, when it is a descriptor, parses it.
// Actor maps and event tables are read again by catalog once the vendors
// are known.
func readLintFile(path string) lintFile {
	lf := lintFile{path: path}
	st, err := os.Stat(path)
	if err != nil {
		lf.err = &catalog.FileError{File: path, Err: fmt.Errorf("cannot read catalog file: %w", err)}
		return lf
	}
	if !st.Mode().IsRegular() || st.Size() > catalog.MaxFileBytes {
		return lf // catalog.ReadFile says what is wrong
	}
	data, err := os.ReadFile(path)
	if err != nil {
		lf.err = &catalog.FileError{File: path, Err: fmt.Errorf("cannot read catalog file: %w", err)}
		return lf
	}
	if catalog.IsDescriptor(data) {
		lf.desc, lf.err = catalog.ParseDescriptor(path, data)
	}
	return lf
}

// catalogLint validates user catalog files: each on its own, then all of
// them together as catalog_files (Load): a table may name a vendor that a
// descriptor of the same call describes.
func (c *cli) catalogLint(args []string) int {
	fs := c.flagSet("catalog lint", "FILE...",
		`Validate user catalog files: vendor descriptors (docs/vendor-format.md), event tables
(docs/catalog-format.md) and actor maps. The files are checked together, as catalog_files
load them: an event table may name a vendor described by a descriptor among the files,
and two descriptors whose recognition rules tie are refused. Print OK and what each good
file holds; print the first problem of a bad file as file:line: problem. Exit 1 when a
file is bad or the files do not load together.`)
	pos, code, done := c.parse(fs, args)
	if done {
		return code
	}
	if len(pos) == 0 {
		return c.usageError(fs, "no file to lint")
	}
	files := make([]lintFile, len(pos))
	var descs []string
	for i, f := range pos {
		files[i] = readLintFile(f)
		if files[i].desc != nil {
			descs = append(descs, f)
		}
	}
	embedded, err := catalog.Embedded()
	if err != nil {
		return c.fail("catalog lint", "%v", err)
	}
	// The vendors the tables and actor maps are checked against: the
	// embedded ones with the good descriptors. When those do not build
	// (a tie of precedences, one id twice), the embedded ones alone.
	base, setErr := catalog.Load(descs...)
	if setErr != nil {
		base = embedded
	}
	vs := base.VendorSet()
	status := exitOK
	bad := func(err error) {
		fmt.Fprintln(c.stderr, err) // a *catalog.FileError: file:line: problem
		status = exitFail
	}
	for _, lf := range files {
		switch {
		case lf.err != nil:
			bad(lf.err)
		case lf.desc != nil:
			v := lf.desc
			replaces := ""
			if embedded.Vendor(v.ID) != nil {
				replaces = "; replaces the embedded descriptor of " + v.ID
			}
			fmt.Fprintf(c.stdout, "OK %s: vendor %s (%s, %s), %d rules, code %s%s\n",
				lf.path, v.ID, v.Company, v.Product, len(v.Detect), v.Code.Describe(), replaces)
		default:
			if rows, ok, err := catalog.ReadActorFile(lf.path, vs); ok {
				if err != nil {
					bad(err)
					continue
				}
				fmt.Fprintf(c.stdout, "OK %s: actor map, %d rows\n", lf.path, rows)
				continue
			}
			entries, err := catalog.ReadFile(lf.path, vs)
			if err != nil {
				bad(err)
				continue
			}
			c.lintTableOK(lf.path, entries, base)
		}
	}
	if setErr != nil {
		bad(setErr)
		return status
	}
	if status == exitOK {
		// What only the whole set can break: the watched-key limit, an
		// embedded table under a replacing descriptor, the actor overlay.
		if _, err := catalog.Load(pos...); err != nil {
			fmt.Fprintf(c.stderr, "the files together: %v\n", err)
			status = exitFail
		}
	}
	return status
}

// lintTableOK prints the OK line of an event table: its entries per vendor
// and how many replace entries of the embedded tables.
func (c *cli) lintTableOK(path string, entries []*catalog.Entry, base *catalog.Catalog) {
	perVendor := map[string]int{}
	replaces := 0
	for _, e := range entries {
		perVendor[e.Vendor.ID]++
		if base.LookupString(e.Vendor, e.Code) != nil {
			replaces++
		}
	}
	var counts []string
	for _, v := range base.Vendors() {
		if n := perVendor[v.ID]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", v, n))
		}
	}
	fmt.Fprintf(c.stdout, "OK %s: %d entries (%s); %d new, %d replace embedded entries\n",
		path, len(entries), strings.Join(counts, ", "), len(entries)-replaces, replaces)
}
