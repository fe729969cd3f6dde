package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/auditx/auditx/catalog"
)

const catalogUsage = `Usage: auditx catalog COMMAND [flags] [args]

Commands:
  list [--vendor V] [--catalog FILE]...          list the entries
  show [--catalog FILE]... VENDOR CODE           show one entry (the code is normalised like lookups)
  lint FILE...                                   validate user catalog files (descriptors, tables, actor maps)
  export --format csv|json|markdown|lua [flags]  export the catalog
  diff [--base FILE]... FILE...                  what user files change in the catalog

Run "auditx help catalog COMMAND" for the flags of a command.
`

// catalog dispatches "auditx catalog COMMAND".
func (c *cli) catalog(args []string) int {
	if len(args) == 0 {
		fmt.Fprintf(c.stderr, "auditx catalog: missing command\n\n%s", catalogUsage)
		return exitUsage
	}
	switch args[0] {
	case "list":
		return c.catalogList(args[1:])
	case "show":
		return c.catalogShow(args[1:])
	case "lint":
		return c.catalogLint(args[1:])
	case "export":
		return c.catalogExport(args[1:])
	case "diff":
		return c.catalogDiff(args[1:])
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return run([]string{"catalog", args[1], "-h"}, c.stdin, c.stdout, c.stderr)
		}
		fmt.Fprint(c.stdout, catalogUsage)
		return exitOK
	}
	fmt.Fprintf(c.stderr, "auditx catalog: unknown command %q (accepted: list, show, lint, export, diff)\n\n%s", args[0], catalogUsage)
	return exitUsage
}

// catalogList prints a table of the entries.
func (c *cli) catalogList(args []string) int {
	fs := c.flagSet("catalog list", "[--vendor VENDOR] [--catalog FILE]...",
		"List the catalog's entries: vendor, code, name, category, outcome, severity.")
	var vendor vendorFlag
	var files listFlag
	fs.Var(&vendor, "vendor", "list only the entries of `VENDOR` ("+embeddedIDs()+")")
	fs.Var(&files, "catalog", "overlay the user catalog `FILE` (repeatable; later files win)")
	pos, code, done := c.parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 0 {
		return c.usageError(fs, "unexpected argument %q", pos[0])
	}
	cat, err := catalog.Load(files...)
	if err != nil {
		return c.fail("catalog list", "%v", err)
	}
	only, err := vendor.resolve(cat)
	if err != nil {
		return c.usageError(fs, "%v", err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VENDOR\tCODE\tNAME\tCATEGORY\tOUTCOME\tSEVERITY")
	for _, e := range selectEntries(cat, only) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Vendor, e.Code, e.Name,
			strings.Join(e.Category, catalog.ListSeparator), e.Outcome, e.Severity)
	}
	if err := tw.Flush(); err != nil {
		return c.fail("catalog list", "writing the output: %v", err)
	}
	return exitOK
}

// selectEntries returns the entries of v, or all of them for nil.
func selectEntries(cat *catalog.Catalog, v *catalog.Vendor) []*catalog.Entry {
	all := cat.Entries()
	if v == nil {
		return all
	}
	out := all[:0]
	for _, e := range all {
		if e.Vendor.ID == v.ID {
			out = append(out, e)
		}
	}
	return out
}

// catalogShow prints every field of one entry.
func (c *cli) catalogShow(args []string) int {
	fs := c.flagSet("catalog show", "[--catalog FILE]... VENDOR CODE",
		`Show every field of one entry. The code is normalised as lookups do: "filingbox 54"
finds 054, "netop device.connect" finds DEVICE.CONNECT. Exit 1 when there is no such entry.`)
	var files listFlag
	fs.Var(&files, "catalog", "overlay the user catalog `FILE` (repeatable; later files win)")
	pos, code, done := c.parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 2 {
		return c.usageError(fs, "want VENDOR and CODE, got %d arguments", len(pos))
	}
	cat, err := catalog.Load(files...)
	if err != nil {
		return c.fail("catalog show", "%v", err)
	}
	v, err := lookupVendor(cat, pos[0], false)
	if err != nil {
		return c.usageError(fs, "%v", err)
	}
	canon, ok := catalog.Canonical(v, pos[1])
	if !ok {
		return c.fail("catalog show", "%q is not a %s code (%s)", pos[1], v, v.Code.Describe())
	}
	e := cat.LookupString(v, pos[1])
	if e == nil {
		return c.fail("catalog show", "no %s entry with code %s", v, canon)
	}
	if err := writeEntry(c.stdout, e); err != nil {
		return c.fail("catalog show", "writing the output: %v", err)
	}
	return exitOK
}

// writeEntry prints an entry as "field: value" lines, in catalog column
// order, with the vendor's names, the severity score and the source; the
// vendor_severity, origin and provenance lines only when the entry has them
// (the vendors with a single document and no published severity have none).
func writeEntry(w io.Writer, e *catalog.Entry) error {
	rec := e.Record()
	fields := make([][2]string, 0, len(catalog.Header)+1)
	for i, col := range catalog.Header {
		val := rec[i]
		switch col {
		case "vendor":
			val = fmt.Sprintf("%s (%s, %s)", val, e.Vendor.Company, e.Vendor.Product)
		case "derived":
			val = fmt.Sprint(e.Derived)
		case "severity":
			val = fmt.Sprintf("%s (event.severity %d)", val, e.Severity.Score())
		case "vendor_severity", "origin", "provenance":
			if val == "" {
				continue
			}
		}
		fields = append(fields, [2]string{col, val})
	}
	fields = append(fields, [2]string{"source", entrySource(e)})
	width := 0
	for _, f := range fields {
		width = max(width, len(f[0])+1)
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(strings.TrimRight(fmt.Sprintf("%-*s %s", width, f[0]+":", f[1]), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// entrySource says where an entry comes from: file:line.
func entrySource(e *catalog.Entry) string {
	if e.Source == catalog.SourceEmbedded {
		return fmt.Sprintf("embedded catalog/data/%s.csv:%d", e.Vendor.ID, e.Line)
	}
	return fmt.Sprintf("%s:%d", e.Source, e.Line)
}
