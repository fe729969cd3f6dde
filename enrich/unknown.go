package enrich

import (
	"slices"
	"strings"
	"sync"

	"github.com/auditx/auditx/catalog"
)

// MaxTrackedCodes bounds the distinct unknown codes an Enricher remembers;
// codes seen after that are counted together in Other.
const MaxTrackedCodes = 1000

// CodeCount is how often one unknown code was seen.
type CodeCount struct {
	Vendor string // the vendor's id
	Code   string
	Count  uint64
}

// unknownCodes counts unknown codes per vendor, bounded. It is only touched
// for records with an unknown code; lookups of known codes never allocate.
type unknownCodes struct {
	mu     sync.Mutex
	counts map[string]map[string]*uint64 // vendor id -> code -> count
	n      int
	other  uint64
}

func (u *unknownCodes) add(v *catalog.Vendor, code []byte) {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.counts[v.ID]
	if m == nil {
		if u.counts == nil {
			u.counts = map[string]map[string]*uint64{}
		}
		m = map[string]*uint64{}
		u.counts[v.ID] = m
	}
	if c, ok := m[string(code)]; ok { // a lookup with string(bytes) does not allocate
		*c++
		return
	}
	if u.n >= MaxTrackedCodes {
		u.other++
		return
	}
	one := uint64(1)
	m[string(code)] = &one
	u.n++
}

// UnknownCodes returns the n most frequent unknown codes (ties by vendor
// and code), and how many unknown-code records fell outside the tracked set.
func (e *Enricher) UnknownCodes(n int) (top []CodeCount, other uint64) {
	u := &e.unknown
	u.mu.Lock()
	for v, m := range u.counts {
		for code, c := range m {
			top = append(top, CodeCount{Vendor: v, Code: code, Count: *c})
		}
	}
	other = u.other
	u.mu.Unlock()
	slices.SortFunc(top, func(a, b CodeCount) int {
		switch {
		case a.Count != b.Count:
			if a.Count > b.Count {
				return -1
			}
			return 1
		case a.Vendor != b.Vendor:
			return strings.Compare(a.Vendor, b.Vendor)
		case a.Code < b.Code:
			return -1
		case a.Code > b.Code:
			return 1
		}
		return 0
	})
	if len(top) > n {
		top = top[:n]
	}
	return top, other
}
