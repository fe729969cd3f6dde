package catalog

import (
	"embed"
	"fmt"
	"os"
	"slices"
)

//go:embed data/*.csv
var dataFS embed.FS

// SourceEmbedded is the Source of the entries built into auditx.
const SourceEmbedded = "embedded"

// Catalog is an immutable index of entries by vendor and canonical code.
type Catalog struct {
	entries []*Entry
	index   [NumVendors]map[string]*Entry
	files   []string
	actors  *ActorMap
}

// Embedded parses the catalog built into auditx.
func Embedded() (*Catalog, error) { return Load() }

// Load builds a catalog from the embedded tables overlaid with the given user
// files, in order: an entry of a user file replaces the entry with the same
// vendor and code (a later file replaces an earlier one). Any error (missing
// or unreadable file, bad line) fails the whole load: nothing is half-loaded.
func Load(userFiles ...string) (*Catalog, error) {
	var sources [][]*Entry
	for _, v := range Vendors() {
		path := v.Info().DataFile
		data, err := dataFS.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("embedded catalog %s: %w", path, err)
		}
		entries, err := Parse(SourceEmbedded+":"+path, data)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Vendor != v {
				return nil, fmt.Errorf("embedded catalog %s:%d: vendor %s in the file of %s", path, e.Line, e.Vendor, v)
			}
			e.Source = SourceEmbedded
		}
		sources = append(sources, entries)
	}
	actorRows, err := embeddedActors()
	if err != nil {
		return nil, err
	}
	actorSets := [][]actorRow{actorRows}
	for _, f := range userFiles {
		if rows, ok, err := readActorFile(f); ok || err != nil {
			if err != nil {
				return nil, err
			}
			actorSets = append(actorSets, rows)
			continue
		}
		entries, err := ReadFile(f)
		if err != nil {
			return nil, err
		}
		sources = append(sources, entries)
	}
	actors, err := buildActors(actorSets)
	if err != nil {
		return nil, err
	}
	c := build(sources)
	c.files = slices.Clone(userFiles)
	c.actors = actors
	return c, nil
}

// ReadFile reads and validates one user catalog file.
func ReadFile(path string) ([]*Entry, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &FileError{File: path, Err: fmt.Errorf("cannot read catalog file: %w", err)}
	}
	if !st.Mode().IsRegular() {
		return nil, &FileError{File: path, Err: fmt.Errorf("not a regular file")}
	}
	if st.Size() > MaxFileBytes {
		return nil, &FileError{File: path, Err: fmt.Errorf("file is %d bytes, over the limit of %d", st.Size(), MaxFileBytes)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{File: path, Err: fmt.Errorf("cannot read catalog file: %w", err)}
	}
	return Parse(path, data)
}

// build indexes entries; later sources replace earlier entries with the same
// vendor and code, keeping the earlier entry's position in the order.
func build(sources [][]*Entry) *Catalog {
	c := &Catalog{}
	for v := range c.index {
		c.index[v] = map[string]*Entry{}
	}
	pos := map[*Entry]int{}
	for _, entries := range sources {
		for _, e := range entries {
			cp := *e
			if old, ok := c.index[e.Vendor][e.Code]; ok {
				i := pos[old]
				cp.Index = i
				c.entries[i] = &cp
				pos[&cp] = i
			} else {
				cp.Index = len(c.entries)
				pos[&cp] = cp.Index
				c.entries = append(c.entries, &cp)
			}
			c.index[e.Vendor][e.Code] = &cp
		}
	}
	return c
}

// Entries returns all entries in Index order (vendors in Vendors order,
// codes in file order). The slice is a copy; the entries are shared and
// must not be modified.
func (c *Catalog) Entries() []*Entry { return slices.Clone(c.entries) }

// Len returns the number of entries.
func (c *Catalog) Len() int { return len(c.entries) }

// Count returns the number of entries of a vendor.
func (c *Catalog) Count(v Vendor) int {
	if int(v) >= NumVendors {
		return 0
	}
	return len(c.index[v])
}

// Files returns the user files the catalog was loaded with.
func (c *Catalog) Files() []string { return slices.Clone(c.files) }

// Lookup finds a vendor's entry by code, normalising it first (FilingBox
// "54" finds "054", Netop "device.connect" finds "DEVICE.CONNECT"). It does
// not allocate. It returns nil when the code is unknown or not a code of
// the vendor.
func (c *Catalog) Lookup(v Vendor, code []byte) *Entry {
	if int(v) >= NumVendors || v == NoVendor {
		return nil
	}
	var buf [MaxCodeLen]byte
	norm, ok := normalize(v, code, &buf)
	if !ok {
		return nil
	}
	return c.index[v][string(norm)]
}

// LookupString is Lookup for a string code.
func (c *Catalog) LookupString(v Vendor, code string) *Entry {
	if int(v) >= NumVendors || v == NoVendor {
		return nil
	}
	var buf [MaxCodeLen]byte
	var in [MaxCodeLen]byte
	if len(code) > MaxCodeLen {
		return nil
	}
	n := copy(in[:], code)
	norm, ok := normalize(v, in[:n], &buf)
	if !ok {
		return nil
	}
	return c.index[v][string(norm)]
}

// LookupInt finds a vendor's entry by an integer code (FilingBox 54 finds
// "054"). It does not allocate.
func (c *Catalog) LookupInt(v Vendor, n int64) *Entry {
	if int(v) >= NumVendors || v == NoVendor {
		return nil
	}
	var buf [MaxCodeLen]byte
	norm, ok := normalizeInt(v, n, &buf)
	if !ok {
		return nil
	}
	return c.index[v][string(norm)]
}

// LookupPair finds a Netop entry by entity type and action
// (case-insensitive; spaces and dashes read as underscores).
func (c *Catalog) LookupPair(entity, action []byte) *Entry {
	var buf [MaxCodeLen]byte
	norm, ok := normalizePair(entity, action, &buf)
	if !ok {
		return nil
	}
	return c.index[Netop][string(norm)]
}

// CanonicalBytes appends the canonical form of code (or, when it is not a
// code of v, the trimmed input) to dst: what event.code carries for unknown
// codes.
func CanonicalBytes(dst []byte, v Vendor, code []byte) []byte {
	var buf [MaxCodeLen]byte
	if norm, ok := normalize(v, code, &buf); ok {
		return append(dst, norm...)
	}
	return append(dst, TrimBlanks(code)...)
}

// CanonicalInt appends the canonical form of an integer code to dst.
func CanonicalInt(dst []byte, v Vendor, n int64) []byte {
	var buf [MaxCodeLen]byte
	if norm, ok := normalizeInt(v, n, &buf); ok {
		return append(dst, norm...)
	}
	return fmt.Appendf(dst, "%d", n)
}

// CanonicalPair appends ENTITY.ACTION to dst.
func CanonicalPair(dst []byte, entity, action []byte) []byte {
	var buf [MaxCodeLen]byte
	if norm, ok := normalizePair(entity, action, &buf); ok {
		return append(dst, norm...)
	}
	dst = append(dst, TrimBlanks(entity)...)
	dst = append(dst, '.')
	return append(dst, TrimBlanks(action)...)
}
