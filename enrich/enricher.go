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
	// idle keeps the scratch values between calls (takeScratch).
	idle scratchSlots
}

// maxIdleScratch bounds the scratch values an Enricher keeps between
// calls: one per thread that calls it at once (the engine thread, each
// threaded input's processor) up to this many; a caller past them takes a
// new one, and drops it after.
const maxIdleScratch = 8

// scratchSlots keeps idle scratch values, taken and given back with atomic
// swaps: no lock, and nothing dropped behind the caller's back (a
// sync.Pool empties at garbage collections, and at random under the race
// detector, which would make the shapes be learned again).
type scratchSlots [maxIdleScratch]atomic.Pointer[scratch]

// takeScratch returns a scratch for one call, with the shapes an earlier
// call learned when one is idle; giveScratch returns it.
func (e *Enricher) takeScratch() *scratch {
	for i := range e.idle {
		if s := e.idle[i].Swap(nil); s != nil {
			return s
		}
	}
	return new(scratch)
}

func (e *Enricher) giveScratch(s *scratch) {
	for i := range e.idle {
		if e.idle[i].CompareAndSwap(nil, s) {
			return
		}
	}
}

// New returns an Enricher over cat.
func New(cat *catalog.Catalog, opts Options) (*Enricher, error) {
	if cat == nil {
		return nil, errors.New("enrich: nil catalog")
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
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

// CountReload counts one catalog reload of the Enricher's owner: a success
// when err is nil (the new catalog is in use), else a failure (the old one
// stays). The Enricher itself never reloads; counting here keeps every
// counter of the table (Counters) in one snapshot.
func (e *Enricher) CountReload(err error) {
	if err != nil {
		e.counters.add(&Stats{CatalogReloadErrors: 1})
		return
	}
	e.counters.add(&Stats{CatalogReloads: 1})
}
