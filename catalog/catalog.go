package catalog

import (
	"embed"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

//go:embed data/*.csv data/*.vendor
var dataFS embed.FS

// SourceEmbedded is the Source of the entries built into auditx.
const SourceEmbedded = "embedded"

// Catalog is an immutable index of entries by vendor and canonical code,
// with the vendors' descriptors and actor map.
type Catalog struct {
	vendors *VendorSet
	entries []*Entry
	index   []map[string]*Entry // by Vendor.Index
	files   []string
	actors  *ActorMap
}

// Embedded parses the catalog built into auditx.
func Embedded() (*Catalog, error) { return Load() }

// userFile is one of the user's catalog files, read and told apart by its
// content: a vendor descriptor, an actor map or an event table.
type userFile struct {
	path string
	data []byte
	desc *Vendor
}

// Load builds a catalog from the embedded descriptors, event tables and
// actor map, overlaid with the given user files: vendor descriptors (a
// descriptor with an embedded vendor's id replaces it; its embedded event
// table stays and is checked against the new descriptor), actor maps and
// event tables, in order: an entry of a user file replaces the entry with
// the same vendor and code (a later file replaces an earlier one). Any
// error (missing or unreadable file, bad line) fails the whole load: nothing
// is half-loaded.
func Load(userFiles ...string) (*Catalog, error) {
	embeddedDescs, err := embeddedDescriptors()
	if err != nil {
		return nil, err
	}
	var files []userFile
	var userDescs []*Vendor
	for _, f := range userFiles {
		data, err := readUserFile(f)
		if err != nil {
			return nil, err
		}
		uf := userFile{path: f, data: data}
		if IsDescriptor(data) {
			if uf.desc, err = ParseDescriptor(f, data); err != nil {
				return nil, err
			}
			userDescs = append(userDescs, uf.desc)
		}
		files = append(files, uf)
	}
	vs, err := newVendorSet(embeddedDescs, userDescs)
	if err != nil {
		return nil, err
	}
	var sources [][]*Entry
	for _, v := range vs.Vendors() {
		path := "data/" + v.ID + ".csv"
		data, err := dataFS.ReadFile(path)
		if err != nil {
			continue // a user's vendor: its table is among the user files
		}
		entries, err := Parse(SourceEmbedded+":"+path, data, vs)
		if err != nil {
			if !strings.HasPrefix(v.Source, SourceEmbedded) {
				return nil, fmt.Errorf("the embedded table of %s does not fit the descriptor %s: %w", v.ID, v.Source, err)
			}
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
	actorSets := [][]actorRow{descriptorActors(vs)}
	for _, uf := range files {
		switch {
		case uf.desc != nil:
		case isActorFile(uf.data):
			rows, err := parseActors(uf.path, uf.data, vs)
			if err != nil {
				return nil, err
			}
			actorSets = append(actorSets, rows)
		default:
			entries, err := Parse(uf.path, uf.data, vs)
			if err != nil {
				return nil, err
			}
			sources = append(sources, entries)
		}
	}
	actors := buildActors(vs, actorSets)
	if err := checkWatchedKeys(vs, actors); err != nil {
		return nil, err
	}
	c := build(vs, sources)
	c.files = slices.Clone(userFiles)
	c.actors = actors
	return c, nil
}

// readUserFile reads one user catalog file within the size limit.
func readUserFile(path string) ([]byte, error) {
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
	return data, nil
}

// ReadFile reads and validates one user event table against the vendors
// of vs.
func ReadFile(path string, vs *VendorSet) ([]*Entry, error) {
	data, err := readUserFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, vs)
}

// build indexes entries; later sources replace earlier entries with the same
// vendor and code, keeping the earlier entry's position in the order.
func build(vs *VendorSet, sources [][]*Entry) *Catalog {
	c := &Catalog{vendors: vs, index: make([]map[string]*Entry, vs.Len()+1)}
	for v := range c.index {
		c.index[v] = map[string]*Entry{}
	}
	pos := map[*Entry]int{}
	for _, entries := range sources {
		for _, e := range entries {
			cp := *e
			if old, ok := c.index[e.Vendor.Index][e.Code]; ok {
				i := pos[old]
				cp.Index = i
				c.entries[i] = &cp
				pos[&cp] = i
			} else {
				cp.Index = len(c.entries)
				pos[&cp] = cp.Index
				c.entries = append(c.entries, &cp)
			}
			c.index[e.Vendor.Index][e.Code] = &cp
		}
	}
	return c
}

// Vendors lists the catalog's vendors (VendorSet.Vendors).
func (c *Catalog) Vendors() []*Vendor { return c.vendors.Vendors() }

// VendorSet returns the catalog's vendors.
func (c *Catalog) VendorSet() *VendorSet { return c.vendors }

// Vendor returns the vendor with the given id; nil when the catalog has
// none.
func (c *Catalog) Vendor(id string) *Vendor {
	v, _ := c.vendors.Lookup(id)
	return v
}

// Entries returns all entries in Index order (vendors in Vendors order,
// codes in file order). The slice is a copy; the entries are shared and
// must not be modified.
func (c *Catalog) Entries() []*Entry { return slices.Clone(c.entries) }

// Len returns the number of entries.
func (c *Catalog) Len() int { return len(c.entries) }

// Count returns the number of entries of a vendor.
func (c *Catalog) Count(v *Vendor) int {
	if v = c.own(v); v == nil {
		return 0
	}
	return len(c.index[v.Index])
}

// own returns the catalog's vendor of v's id (v itself, unless v comes
// from another catalog); nil when the catalog has no such vendor.
func (c *Catalog) own(v *Vendor) *Vendor {
	if v == nil {
		return nil
	}
	if w := c.vendors.ByIndex(v.Index); w == v {
		return v
	}
	return c.vendors.byID[v.ID]
}

// Files returns the user files the catalog was loaded with.
func (c *Catalog) Files() []string { return slices.Clone(c.files) }

// Lookup finds a vendor's entry by code, normalising it first (with pad 3
// "54" finds "054"; upper case "device.connect" finds "DEVICE.CONNECT"). It does
// not allocate. It returns nil when the code is unknown or not a code of
// the vendor.
func (c *Catalog) Lookup(v *Vendor, code []byte) *Entry {
	if v = c.own(v); v == nil {
		return nil
	}
	var buf [MaxCodeLen]byte
	norm, ok := normalize(v, code, &buf)
	if !ok {
		return nil
	}
	return c.index[v.Index][string(norm)]
}

// LookupString is Lookup for a string code.
func (c *Catalog) LookupString(v *Vendor, code string) *Entry {
	if len(code) > MaxCodeLen {
		return nil
	}
	var in [MaxCodeLen]byte
	return c.Lookup(v, in[:copy(in[:], code)])
}

// LookupInt finds a vendor's entry by an integer code (with pad 3, 54
// finds "054"). It does not allocate.
func (c *Catalog) LookupInt(v *Vendor, n int64) *Entry {
	if v = c.own(v); v == nil {
		return nil
	}
	var buf [MaxCodeLen]byte
	norm, ok := normalizeInt(v, n, &buf)
	if !ok {
		return nil
	}
	return c.index[v.Index][string(norm)]
}

// LookupJoin finds the entry of a joined code by its parts (an entity
// type and an action; case as the form says, spaces and dashes read as
// underscores). It does not allocate.
func (c *Catalog) LookupJoin(v *Vendor, parts [][]byte) *Entry {
	if v = c.own(v); v == nil {
		return nil
	}
	var buf [MaxCodeLen]byte
	norm, ok := normalizeJoin(v, parts, &buf)
	if !ok {
		return nil
	}
	return c.index[v.Index][string(norm)]
}

// CanonicalBytes appends the canonical form of code (or, when it is not a
// code of v, the trimmed input) to dst: what event.code carries for unknown
// codes.
func CanonicalBytes(dst []byte, v *Vendor, code []byte) []byte {
	var buf [MaxCodeLen]byte
	if norm, ok := normalize(v, code, &buf); ok {
		return append(dst, norm...)
	}
	return append(dst, TrimBlanks(code)...)
}

// CanonicalInt appends the canonical form of an integer code to dst.
func CanonicalInt(dst []byte, v *Vendor, n int64) []byte {
	var buf [MaxCodeLen]byte
	if norm, ok := normalizeInt(v, n, &buf); ok {
		return append(dst, norm...)
	}
	return strconv.AppendInt(dst, n, 10)
}

// CanonicalJoin appends the canonical code of a joined code's parts to
// dst (or, when they are not a code of v, the trimmed parts joined).
func CanonicalJoin(dst []byte, v *Vendor, parts [][]byte) []byte {
	var buf [MaxCodeLen]byte
	if norm, ok := normalizeJoin(v, parts, &buf); ok {
		return append(dst, norm...)
	}
	for i, p := range parts {
		if i > 0 {
			dst = append(dst, v.Code.Separator)
		}
		dst = append(dst, TrimBlanks(p)...)
	}
	return dst
}
