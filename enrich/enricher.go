package enrich

import (
	"errors"
	"sync/atomic"

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
}

// Add adds o to s.
func (s *Stats) Add(o Stats) {
	s.Records += o.Records
	s.Enriched += o.Enriched
	s.Unknown += o.Unknown
	s.NoCode += o.NoCode
	s.InvalidCode += o.InvalidCode
	s.Malformed += o.Malformed
	s.AlreadyEnriched += o.AlreadyEnriched
	s.Conflicts += o.Conflicts
	s.GroupMarkers += o.GroupMarkers
	s.BadEvents += o.BadEvents
	s.TrailingBytes += o.TrailingBytes
	s.InvalidIP += o.InvalidIP
	s.Rewritten += o.Rewritten
}

type counters struct {
	records, enriched, unknown, noCode, invalidCode, malformed, already, conflicts, groups, badEvents, trailing, invalidIP, rewritten atomic.Uint64
}

func (c *counters) add(s *Stats) {
	add := func(a *atomic.Uint64, n uint64) {
		if n != 0 {
			a.Add(n)
		}
	}
	add(&c.records, s.Records)
	add(&c.enriched, s.Enriched)
	add(&c.unknown, s.Unknown)
	add(&c.noCode, s.NoCode)
	add(&c.invalidCode, s.InvalidCode)
	add(&c.malformed, s.Malformed)
	add(&c.already, s.AlreadyEnriched)
	add(&c.conflicts, s.Conflicts)
	add(&c.groups, s.GroupMarkers)
	add(&c.badEvents, s.BadEvents)
	add(&c.trailing, s.TrailingBytes)
	add(&c.invalidIP, s.InvalidIP)
	add(&c.rewritten, s.Rewritten)
}

func (c *counters) snapshot() Stats {
	return Stats{
		Records: c.records.Load(), Enriched: c.enriched.Load(), Unknown: c.unknown.Load(),
		NoCode: c.noCode.Load(), InvalidCode: c.invalidCode.Load(), Malformed: c.malformed.Load(),
		AlreadyEnriched: c.already.Load(), Conflicts: c.conflicts.Load(), GroupMarkers: c.groups.Load(),
		BadEvents: c.badEvents.Load(), TrailingBytes: c.trailing.Load(), InvalidIP: c.invalidIP.Load(), Rewritten: c.rewritten.Load(),
	}
}
