package catalog

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/auditx/auditx/internal/ecsschema"
)

// VendorSet is the set of vendors of a catalog: the embedded descriptors
// overlaid by the user's. It is immutable once built.
type VendorSet struct {
	list  []*Vendor // list[0] is nil: index 0 is no vendor
	byID  map[string]*Vendor
	rules []RuleRef // every vendor's detect rules, lowest precedence first
}

// RuleRef is one recognition rule and its vendor.
type RuleRef struct {
	Vendor *Vendor
	Rule   *DetectRule
}

// MaxWatchedKeys bounds the distinct top-level keys (normalised) that all
// vendors' descriptors and the actor map read together: each is one more key
// the record scan watches for every record.
const MaxWatchedKeys = 64

// MaxVendors bounds the vendors of a catalog.
const MaxVendors = 64

// Vendors lists the vendors in order: the embedded ones by id, then the
// user's in the order of their files. The slice is a copy.
func (s *VendorSet) Vendors() []*Vendor { return slices.Clone(s.list[1:]) }

// Len returns the number of vendors.
func (s *VendorSet) Len() int { return len(s.list) - 1 }

// ByIndex returns the vendor with the given Index; nil when there is none.
func (s *VendorSet) ByIndex(i int) *Vendor {
	if i <= 0 || i >= len(s.list) {
		return nil
	}
	return s.list[i]
}

// Lookup returns the vendor with the given id (case-insensitive); the
// error lists the accepted ids.
func (s *VendorSet) Lookup(id string) (*Vendor, error) {
	if v, ok := s.byID[strings.ToLower(id)]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("unknown vendor %q (accepted: %s)", id, strings.Join(s.IDs(), ", "))
}

// IDs lists the vendor ids in order.
func (s *VendorSet) IDs() []string {
	ids := make([]string, 0, s.Len())
	for _, v := range s.list[1:] {
		ids = append(ids, v.ID)
	}
	return ids
}

// Rules returns every vendor's recognition rules, lowest precedence first
// (a vendor's rules of one precedence in file order). Shared: not to be
// modified.
func (s *VendorSet) Rules() []RuleRef { return s.rules }

// String returns the vendor id; "none" for nil.
func (v *Vendor) String() string {
	if v == nil {
		return "none"
	}
	return v.ID
}

// Dataset is the vendor's event.dataset and data stream dataset.
func (v *Vendor) Dataset() string { return v.ID + DatasetSuffix }

// DatasetSuffix ends every vendor's dataset ("<id>.audit").
const DatasetSuffix = ".audit"

// newVendorSet builds a set from the embedded descriptors overlaid by the
// user's: a user descriptor with an embedded id replaces it in its place,
// others are added after. Each vendor is copied with its Index set. It
// refuses two vendors of one id among the user's, and two vendors that share
// a precedence (both could match one record: the tie is refused with both
// names).
func newVendorSet(embedded, user []*Vendor) (*VendorSet, error) {
	s := &VendorSet{list: []*Vendor{nil}, byID: map[string]*Vendor{}}
	add := func(d *Vendor) {
		cp := *d
		if old, ok := s.byID[cp.ID]; ok {
			cp.Index = old.Index
		} else {
			cp.Index = len(s.list)
			s.list = append(s.list, nil)
		}
		s.list[cp.Index] = &cp
		s.byID[cp.ID] = &cp
	}
	// The embedded vendors keep their Index (their position) in every set,
	// and so their identity: one *Vendor however many catalogs are loaded.
	for i, d := range embedded {
		if d.Index != i+1 {
			return nil, fmt.Errorf("embedded vendor %s: index %d, expected %d", d.ID, d.Index, i+1)
		}
		s.list = append(s.list, d)
		s.byID[d.ID] = d
	}
	userIDs := map[string]string{}
	for _, d := range user {
		if first, dup := userIDs[d.ID]; dup {
			return nil, &FileError{File: d.Source, Column: "vendor.id", Err: fmt.Errorf("vendor %q is described by %s already", d.ID, first)}
		}
		userIDs[d.ID] = d.Source
		add(d)
	}
	if s.Len() > MaxVendors {
		return nil, fmt.Errorf("%d vendors, at most %d", s.Len(), MaxVendors)
	}
	for _, v := range s.list[1:] {
		for i := range v.Detect {
			s.rules = append(s.rules, RuleRef{v, &v.Detect[i]})
		}
	}
	sort.SliceStable(s.rules, func(i, j int) bool { return s.rules[i].Rule.Precedence < s.rules[j].Rule.Precedence })
	for i := 1; i < len(s.rules); i++ {
		a, b := s.rules[i-1], s.rules[i]
		if a.Rule.Precedence == b.Rule.Precedence && a.Vendor != b.Vendor {
			return nil, &FileError{File: b.Vendor.Source, Line: b.Rule.Line, Column: "detect.rule",
				Err: fmt.Errorf("precedence %d is also a rule of vendor %s (%s:%d): a record with both rules' keys would match both vendors; give one a different precedence",
					b.Rule.Precedence, a.Vendor.ID, a.Vendor.Source, a.Rule.Line)}
		}
	}
	return s, nil
}

// embeddedDescriptors parses the embedded descriptors, in file name order.
var embeddedDescriptors = sync.OnceValues(func() ([]*Vendor, error) {
	names, err := fs.Glob(dataFS, "data/*.vendor")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Vendor
	for _, n := range names {
		data, err := dataFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		v, err := ParseDescriptor(SourceEmbedded+":"+n, data)
		if err != nil {
			return nil, err
		}
		if want := strings.TrimSuffix(strings.TrimPrefix(n, "data/"), ".vendor"); v.ID != want {
			return nil, fmt.Errorf("embedded descriptor %s: id %q, expected %q", n, v.ID, want)
		}
		v.Index = len(out) + 1
		out = append(out, v)
	}
	return out, nil
})

// EmbeddedVendors returns the vendors built into auditx.
func EmbeddedVendors() (*VendorSet, error) {
	ds, err := embeddedDescriptors()
	if err != nil {
		return nil, err
	}
	return newVendorSet(ds, nil)
}

// EmbeddedDescriptor returns the text of an embedded vendor's descriptor.
func EmbeddedDescriptor(id string) ([]byte, bool) {
	data, err := dataFS.ReadFile("data/" + id + ".vendor")
	return data, err == nil
}

// isECSTopLevel reports whether name is the first segment of an ECS field.
func isECSTopLevel(name string) bool { return ecsschema.IsTopLevel([]byte(name)) }
