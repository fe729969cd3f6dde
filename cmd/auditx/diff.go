package main

import (
	"fmt"
	"io"

	"github.com/auditx/auditx/catalog"
)

// change is what one entry of a user file does to the catalog below it.
type change struct {
	kind   changeKind
	entry  *catalog.Entry // the user file's entry
	old    *catalog.Entry // the entry it replaces or duplicates; nil when added
	fields []fieldChange  // for changeReplaced
}

type changeKind uint8

const (
	changeAdded changeKind = iota
	changeReplaced
	changeUnchanged
)

// fieldChange is one column whose value differs.
type fieldChange struct {
	column, old, new string
}

// fileDiff is the changes of one user file, in file order; for a vendor
// descriptor, the vendor it describes.
type fileDiff struct {
	file     string
	changes  []change
	vendor   *catalog.Vendor
	replaces bool // the descriptor replaces an embedded vendor's
}

// diffFiles compares each user file, in order, with base overlaid with the
// files before it: the order Load applies them in, so a later file's entry
// is compared with the earlier file's entry it replaces. The vendor
// descriptors among the files describe vendors for the tables (as in
// catalog_files, wherever they stand in the list).
func diffFiles(base *catalog.Catalog, files []string) ([]fileDiff, error) {
	var descs []string
	described := map[string]*catalog.Vendor{}
	for _, f := range files {
		if lf := readLintFile(f); lf.err != nil {
			return nil, lf.err
		} else if lf.desc != nil {
			descs = append(descs, f)
			described[f] = lf.desc
		}
	}
	vs := base.VendorSet()
	if len(descs) > 0 {
		withDescs, err := catalog.Load(append(base.Files(), descs...)...)
		if err != nil {
			return nil, err
		}
		vs = withDescs.VendorSet()
	}
	type key struct {
		v    string
		code string
	}
	overlay := map[key]*catalog.Entry{}
	var out []fileDiff
	for _, f := range files {
		if v := described[f]; v != nil {
			_, embedded := catalog.EmbeddedDescriptor(v.ID)
			out = append(out, fileDiff{file: f, vendor: v, replaces: embedded})
			continue
		}
		entries, err := catalog.ReadFile(f, vs)
		if err != nil {
			return nil, err
		}
		fd := fileDiff{file: f}
		for _, e := range entries {
			k := key{e.Vendor.ID, e.Code}
			old := overlay[k]
			if old == nil {
				old = base.LookupString(e.Vendor, e.Code)
			}
			ch := change{kind: changeAdded, entry: e, old: old}
			if old != nil {
				ch.fields = compareEntries(old, e)
				ch.kind = changeUnchanged
				if len(ch.fields) > 0 {
					ch.kind = changeReplaced
				}
			}
			fd.changes = append(fd.changes, ch)
			overlay[k] = e
		}
		out = append(out, fd)
	}
	return out, nil
}

// compareEntries lists the catalog columns whose values differ.
func compareEntries(old, new *catalog.Entry) []fieldChange {
	a, b := old.Record(), new.Record()
	var out []fieldChange
	for i, col := range catalog.Header {
		if a[i] != b[i] {
			out = append(out, fieldChange{column: col, old: a[i], new: b[i]})
		}
	}
	return out
}

// writeDiff prints the changes of each file and a total.
func writeDiff(w io.Writer, diffs []fileDiff) error {
	var added, replaced, unchanged int
	for _, fd := range diffs {
		fmt.Fprintf(w, "%s:\n", fd.file)
		if v := fd.vendor; v != nil {
			what := "a new vendor"
			if fd.replaces {
				what = "replaces the embedded descriptor (its embedded entries stay)"
			}
			fmt.Fprintf(w, "  * vendor    %s (%s, %s): %s\n", v, v.Company, v.Product, what)
		}
		for _, ch := range fd.changes {
			e := ch.entry
			switch ch.kind {
			case changeAdded:
				added++
				fmt.Fprintf(w, "  + added     %s %s %q (line %d)\n", e.Vendor, e.Code, e.Name, e.Line)
			case changeReplaced:
				replaced++
				fmt.Fprintf(w, "  ~ replaced  %s %s %q (line %d); was %s\n", e.Vendor, e.Code, e.Name, e.Line, entrySource(ch.old))
				for _, f := range ch.fields {
					fmt.Fprintf(w, "      %s: %q -> %q\n", f.column, f.old, f.new)
				}
			case changeUnchanged:
				unchanged++
				fmt.Fprintf(w, "  = unchanged %s %s %q (line %d); same as %s\n", e.Vendor, e.Code, e.Name, e.Line, entrySource(ch.old))
			}
		}
	}
	_, err := fmt.Fprintf(w, "%d added, %d replaced, %d unchanged\n", added, replaced, unchanged)
	return err
}

// catalogDiff runs "auditx catalog diff".
func (c *cli) catalogDiff(args []string) int {
	fs := c.flagSet("catalog diff", "[--base FILE]... FILE...",
		`Show what user catalog files change against the embedded catalog (overlaid with the
--base files): entries added, entries replaced (with the fields that differ) and
entries that duplicate the catalog unchanged. Files apply in order, as --catalog does.`)
	var bases listFlag
	fs.Var(&bases, "base", "overlay `FILE` on the embedded catalog before comparing (repeatable)")
	pos, code, done := c.parse(fs, args)
	if done {
		return code
	}
	if len(pos) == 0 {
		return c.usageError(fs, "no file to compare")
	}
	base, err := catalog.Load(bases...)
	if err != nil {
		return c.fail("catalog diff", "%v", err)
	}
	diffs, err := diffFiles(base, pos)
	if err != nil {
		return c.fail("catalog diff", "%v", err)
	}
	if err := writeDiff(c.stdout, diffs); err != nil {
		return c.fail("catalog diff", "writing the output: %v", err)
	}
	return exitOK
}
