package enrich

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/mp"
)

// Enricher enriches records with one configuration. It is safe for
// concurrent use: the catalog is swapped atomically (SetCatalog) and the
// counters are atomic, so several Fluent Bit workers can share one.
type Enricher struct {
	opts    Options
	flatKey []byte // encoded
	// dsNamespace is the encoded data_stream "namespace" pair; nil when
	// data_stream is off (or in the flat schema).
	dsNamespace []byte
	tab         atomic.Pointer[table]
	zone        *time.Location   // of zoneless vendor times
	now         func() time.Time // event.created without a header
	zoneName    []byte           // the encoded event.timezone pair
	counters    counters
	unknown     unknownCodes
}

// New returns an Enricher over cat.
func New(cat *catalog.Catalog, opts Options) (*Enricher, error) {
	if cat == nil {
		return nil, errors.New("enrich: nil catalog")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	_ = opts.validate() // the defaults Validate applied to its copy
	e := &Enricher{opts: opts}
	e.flatKey = mp.AppendStr(nil, opts.FlatKey)
	e.zone, e.now = opts.Zone, opts.Now
	if e.zone == nil {
		e.zone = time.UTC
	}
	if e.now == nil {
		e.now = time.Now
	}
	zn := opts.ZoneName
	if zn == "" {
		zn = e.zone.String()
	}
	e.zoneName = pair("timezone", zn)
	if opts.DataStreamNamespace != "" && opts.Schema == SchemaECS {
		e.dsNamespace = pair("namespace", opts.DataStreamNamespace)
	}
	t, err := newTable(cat, &e.opts)
	if err != nil {
		return nil, err
	}
	e.tab.Store(t)
	return e, nil
}

// Options returns the options the Enricher was built with.
func (e *Enricher) Options() Options { return e.opts }

// Catalog returns the catalog in use.
func (e *Enricher) Catalog() *catalog.Catalog { return e.tab.Load().cat }

// SetCatalog swaps the catalog atomically: a record is enriched with either
// the old or the new catalog, never a mix. It refuses (and keeps the
// catalog in use) a catalog without the vendor the options fix.
func (e *Enricher) SetCatalog(cat *catalog.Catalog) error {
	t, err := newTable(cat, &e.opts)
	if err != nil {
		return err
	}
	e.tab.Store(t)
	return nil
}

// Stats returns a snapshot of the counters.
func (e *Enricher) Stats() Stats { return e.counters.snapshot() }

// Stats counts what an Enricher saw. Every record lands in exactly one of
// Enriched, Unknown, NoCode, InvalidCode, Malformed, AlreadyEnriched.
type Stats struct {
	Records         uint64 // record bodies seen (group markers excluded)
	Enriched        uint64 // known vendor and code: all fields added
	Unknown         uint64 // known vendor, unknown code: passed with event.code and the unknown tag
	NoCode          uint64 // no vendor or no code found: passed untouched
	InvalidCode     uint64 // code of a type that cannot be a code (map, array, bool, nil, huge): passed untouched
	Malformed       uint64 // body not a map or not valid msgpack: passed untouched
	AlreadyEnriched uint64 // carried auditx's marker: passed untouched
	Conflicts       uint64 // an existing non-map event/observer or non-array tags kept (override off)
	GroupMarkers    uint64 // group start/end events passed on
	BadEvents       uint64 // chunk entries that are not events: passed untouched
	TrailingBytes   uint64 // bytes after the last decodable event of a chunk, dropped
	InvalidIP       uint64 // an address field of the actor map held no valid IP: not taken as source.ip
	Rewritten       uint64 // records whose body auditx wrote anew (enriched, unknown code, or data_stream alone); the others are copied unchanged
	NoEventTime     uint64 // records of a vendor with event-time fields that had no usable one: the read time kept, tagged
}

// numStats is the number of Stats counters.
const numStats = 14

// fields lists the counters of s, in declaration order: Add, the atomic
// counters and the snapshot walk this one list.
func (s *Stats) fields() [numStats]*uint64 {
	return [numStats]*uint64{&s.Records, &s.Enriched, &s.Unknown, &s.NoCode, &s.InvalidCode, &s.Malformed,
		&s.AlreadyEnriched, &s.Conflicts, &s.GroupMarkers, &s.BadEvents, &s.TrailingBytes, &s.InvalidIP,
		&s.Rewritten, &s.NoEventTime}
}

// Add adds o to s.
func (s *Stats) Add(o Stats) {
	dst, src := s.fields(), o.fields()
	for i := range dst {
		*dst[i] += *src[i]
	}
}

// counters are an Enricher's Stats, updated atomically.
type counters [numStats]atomic.Uint64

func (c *counters) add(s *Stats) {
	for i, p := range s.fields() {
		if *p != 0 {
			c[i].Add(*p)
		}
	}
}

func (c *counters) snapshot() Stats {
	var s Stats
	for i, p := range s.fields() {
		*p = c[i].Load()
	}
	return s
}
