package enrich

import (
	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/mp"
)

// The ECS event fields auditx adds, in the order it writes them. A record's
// fields are an array indexed by these, so that merging into an existing
// event map can tell which ones the record already has.
const (
	fKind = iota
	fModule
	fDataset
	fCode
	fAction
	fReason
	fCategory
	fType
	fOutcome
	fSeverity
	fRiskScore
	fCreated
	fTimezone
	fOriginal
	numEventFields
)

var eventFieldNames = [numEventFields]string{"kind", "module", "dataset", "code", "action", "reason", "category", "type", "outcome", "severity",
	"risk_score_norm", "created", "timezone", "original"}

// The flat schema's fields.
const (
	flVendor = iota
	flProduct
	flModule
	flCode
	flName
	flDescription
	flGroup
	flCategory
	flType
	flOutcome
	flSeverity
	flSeverityLevel
	numFlatFields
)

// encEntry holds one catalog entry's fields pre-encoded (key and value), so
// that enriching a record appends bytes instead of encoding strings.
type encEntry struct {
	entry *catalog.Entry
	event [numEventFields][]byte // fOutcome and fSeverity are per record
	// head is event[fKind:fType+1], the entry's fixed event fields, in
	// one piece, and headN their number: what writeECS adds for a record
	// that has no event map of its own.
	head  []byte
	headN int
	flat  [numFlatFields][]byte // flOutcome, flSeverity, flSeverityLevel are per record
	// origin is the entry's origin when the vendor names exactly one
	// service that logs it: the event.provider of a record that
	// names no service of its own. With several, the catalog cannot say
	// which one it was, and adds none.
	origin []byte
}

// encVendor holds a vendor's pre-encoded fields.
type encVendor struct {
	kind, module, dataset []byte // event pairs
	observer              []byte // the whole observer map's pairs: vendor, product
	flatVendor, flatProd  []byte
	flatModule            []byte
	nsKey                 []byte // the encoded vendor id: the namespace's top-level key
}

// table is the immutable pre-encoded form of a catalog; an Enricher swaps
// it atomically when the catalog changes.
type table struct {
	cat     *catalog.Catalog
	plan    *plan // the watched keys: code locations and the catalog's actor map
	entries []encEntry
	vendors []encVendor // by catalog.Vendor.Index
}

var (
	// outcomeEvent and outcomeFlat are the pre-encoded "outcome" pairs, by catalog.Outcome.
	outcomeEvent [4][]byte
	outcomeFlat  [4][]byte
	keySeverity  = mp.AppendStr(nil, "severity")
	keySevLevel  = mp.AppendStr(nil, "severity_level")
	keyCode      = mp.AppendStr(nil, "code")
	tagMarker    = mp.AppendStr(nil, MarkerTag)
	tagUnknown   = mp.AppendStr(nil, UnknownCodeTag)
	severityWord [5][]byte
)

func init() {
	for o := catalog.OutcomeSuccess; o <= catalog.OutcomeUnknown; o++ {
		outcomeEvent[o] = mp.AppendStr(mp.AppendStr(nil, "outcome"), o.String())
		outcomeFlat[o] = outcomeEvent[o]
	}
	for s := catalog.SeverityLow; s <= catalog.SeverityCritical; s++ {
		severityWord[s] = mp.AppendStr(keySevLevel[:len(keySevLevel):len(keySevLevel)], s.String())
	}
}

func pair(key, value string) []byte { return mp.AppendStr(mp.AppendStr(nil, key), value) }

func pairList(key string, values []string) []byte {
	b := mp.AppendStr(nil, key)
	b = mp.AppendArrayHeader(b, len(values))
	for _, v := range values {
		b = mp.AppendStr(b, v)
	}
	return b
}

// newTable pre-encodes every entry of cat and plans the keys to watch.
func newTable(cat *catalog.Catalog, o *Options) (*table, error) {
	p, err := newPlan(o, cat)
	if err != nil {
		return nil, err
	}
	t := &table{cat: cat, plan: p, vendors: make([]encVendor, cat.VendorSet().Len()+1)}
	for _, v := range cat.Vendors() {
		t.vendors[v.Index] = encVendor{
			kind:       pair("kind", "event"),
			module:     pair("module", v.ID),
			dataset:    pair("dataset", v.Dataset()),
			observer:   append(pair("vendor", v.Company), pair("product", v.Product)...),
			flatVendor: pair("vendor", v.Company),
			flatProd:   pair("product", v.Product),
			flatModule: pair("module", v.ID),
			nsKey:      mp.AppendStr(nil, v.ID),
		}
	}
	entries := cat.Entries()
	t.entries = make([]encEntry, len(entries))
	for _, e := range entries {
		v := &t.vendors[e.Vendor.Index]
		enc := &t.entries[e.Index]
		enc.entry = e
		if len(e.Origin) == 1 {
			enc.origin = []byte(e.Origin[0])
		}
		enc.event[fKind], enc.event[fModule], enc.event[fDataset] = v.kind, v.module, v.dataset
		enc.event[fCode] = pair("code", e.Code)
		enc.event[fAction] = pair("action", e.Name)
		enc.event[fReason] = pair("reason", e.Description)
		enc.event[fCategory] = pairList("category", e.Category)
		enc.event[fType] = pairList("type", e.Type)
		for _, p := range enc.event[fKind : fType+1] {
			if p != nil {
				enc.head = append(enc.head, p...)
				enc.headN++
			}
		}
		enc.flat[flVendor], enc.flat[flProduct], enc.flat[flModule] = v.flatVendor, v.flatProd, v.flatModule
		enc.flat[flCode] = enc.event[fCode]
		enc.flat[flName] = pair("name", e.Name)
		enc.flat[flDescription] = pair("description", e.Description)
		enc.flat[flGroup] = pair("group", e.Group)
		enc.flat[flCategory] = enc.event[fCategory]
		enc.flat[flType] = enc.event[fType]
	}
	return t, nil
}
