package enrich

import (
	"strconv"
	"strings"
	"sync/atomic"
)

// Stats counts what auditx saw: the records by outcome (the Enricher's own
// counts) and the catalog reloads its owner reports (CountReload). Every
// record lands in exactly one of Enriched, Unknown, NoCode, InvalidCode,
// Malformed, AlreadyEnriched. Users see these fields through the counters
// of the table (Counters), never directly.
type Stats struct {
	Records             uint64 // record bodies seen (group markers excluded)
	Enriched            uint64 // known vendor and code: all fields added
	Unknown             uint64 // known vendor, unknown code: passed with event.code and the unknown tag
	NoCode              uint64 // no vendor or no code found: passed untouched
	InvalidCode         uint64 // code of a type that cannot be a code (map, array, bool, nil, huge): passed untouched
	Malformed           uint64 // body not a map or not valid msgpack: passed untouched
	AlreadyEnriched     uint64 // carried auditx's marker: passed untouched
	Conflicts           uint64 // an existing non-map event/observer or non-array tags kept (override off)
	GroupMarkers        uint64 // group start/end events passed on
	BadEvents           uint64 // chunk entries that are not events: passed untouched
	TrailingBytes       uint64 // bytes after the last decodable event of a chunk, dropped
	InvalidIP           uint64 // an address field of the actor map held no valid IP: not taken as source.ip
	Rewritten           uint64 // records whose body auditx wrote anew (enriched, unknown code, or data_stream alone); the others are copied unchanged
	NoEventTime         uint64 // records of a vendor with event-time fields that had no usable one: the read time kept, tagged
	CatalogReloads      uint64 // catalog reloads that put a new catalog in use
	CatalogReloadErrors uint64 // catalog reloads that failed: the old catalog stays
}

// numStats is the number of Stats counters.
const numStats = 16

// fields lists the counters of s, in declaration order: Add, the atomic
// counters and the snapshot walk this one list.
func (s *Stats) fields() [numStats]*uint64 {
	return [numStats]*uint64{&s.Records, &s.Enriched, &s.Unknown, &s.NoCode, &s.InvalidCode, &s.Malformed,
		&s.AlreadyEnriched, &s.Conflicts, &s.GroupMarkers, &s.BadEvents, &s.TrailingBytes, &s.InvalidIP,
		&s.Rewritten, &s.NoEventTime, &s.CatalogReloads, &s.CatalogReloadErrors}
}

// Add adds o to s.
func (s *Stats) Add(o Stats) {
	dst, src := s.fields(), o.fields()
	for i := range dst {
		*dst[i] += *src[i]
	}
}

// MalformedTotal is what users see as malformed: record bodies that are
// not maps or not valid msgpack, and chunk entries that are not events.
func (s *Stats) MalformedTotal() uint64 { return s.Malformed + s.BadEvents }

// String is the counters line of auditx: key=value for every counter of
// the table marked Exit, in the table's order ("records=3 enriched=2 ...").
// Both doors log it at exit; auditx enrich prints it at the end.
func (s Stats) String() string {
	var b strings.Builder
	for i := range counterTable {
		c := &counterTable[i]
		if !c.Exit {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c.Key())
		b.WriteByte('=')
		b.WriteString(strconv.FormatUint(c.Value(&s), 10))
	}
	return b.String()
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

// Counter is one counter users see. The table of them (Counters) is the one
// definition of auditx's counters: the Prometheus text of metrics_listen
// (auditx_<Name>), the filter door's counters in Fluent Bit's own metrics
// (fluentbit_filter_auditx_<Name>, their C names and help generated into
// plugin/filter_counters.c by internal/cgen) and the exit line (Key=value)
// are all written from it.
type Counter struct {
	// Name is the metric name after "auditx_", ending in "_total".
	Name string
	// Help is the metric's help text.
	Help string
	// Filter counters are also registered in the filter instance's
	// cmetrics context (Fluent Bit's own metrics endpoint).
	Filter bool
	// Exit counters are in the counters line (Stats.String).
	Exit bool
	// fold sums the Stats fields the counter shows.
	fold func(s *Stats) uint64
}

// Value returns the counter's value in s.
func (c *Counter) Value(s *Stats) uint64 { return c.fold(s) }

// Key is the counter's name in the counters line: Name without "_total"
// and without a leading "records_" (records_enriched_total is enriched).
func (c *Counter) Key() string {
	return strings.TrimPrefix(strings.TrimSuffix(c.Name, "_total"), "records_")
}

// counterTable is the table of counters, in the order users see them.
// Stats.Rewritten is not among them: it tells the filter door whether an
// append changed, and says nothing the outcomes do not.
var counterTable = [...]Counter{
	{Name: "records_total", Help: "Record bodies seen (group markers excluded).", Exit: true,
		fold: func(s *Stats) uint64 { return s.Records }},
	{Name: "records_enriched_total", Help: "Records with a known vendor and code, fully enriched.", Exit: true, Filter: true,
		fold: func(s *Stats) uint64 { return s.Enriched }},
	{Name: "records_unknown_code_total", Help: "Records of a known vendor with a code the catalog does not know.", Exit: true, Filter: true,
		fold: func(s *Stats) uint64 { return s.Unknown }},
	{Name: "records_no_code_total", Help: "Records with no recognisable vendor or code, passed untouched.", Exit: true, Filter: true,
		fold: func(s *Stats) uint64 { return s.NoCode }},
	{Name: "records_invalid_code_total", Help: "Records whose code has a type that cannot be a code, passed untouched.", Exit: true, Filter: true,
		fold: func(s *Stats) uint64 { return s.InvalidCode }},
	{Name: "records_malformed_total", Help: "Records or entries that are not valid maps or events, passed untouched.", Exit: true, Filter: true,
		fold: (*Stats).MalformedTotal},
	{Name: "records_already_enriched_total", Help: "Records that already carried auditx's marker, passed untouched.", Exit: true, Filter: true,
		fold: func(s *Stats) uint64 { return s.AlreadyEnriched }},
	{Name: "field_conflicts_total", Help: "Existing non-map event/observer or non-array tags kept (override off).", Exit: true,
		fold: func(s *Stats) uint64 { return s.Conflicts }},
	{Name: "group_markers_total", Help: "Group start/end events passed on.",
		fold: func(s *Stats) uint64 { return s.GroupMarkers }},
	{Name: "invalid_ip_total", Help: "Address fields of the actor map that held no valid IP (not taken as source.ip, left in place).", Exit: true, Filter: true,
		fold: func(s *Stats) uint64 { return s.InvalidIP }},
	{Name: "records_no_event_time_total", Help: "Records of a vendor with event-time fields that had no usable one (the read time kept, tagged).", Exit: true, Filter: true,
		fold: func(s *Stats) uint64 { return s.NoEventTime }},
	{Name: "trailing_bytes_total", Help: "Bytes after the last complete msgpack object of a chunk or append.", Exit: true,
		fold: func(s *Stats) uint64 { return s.TrailingBytes }},
	{Name: "catalog_reloads_total", Help: "Successful catalog reloads.", Filter: true,
		fold: func(s *Stats) uint64 { return s.CatalogReloads }},
	{Name: "catalog_reload_errors_total", Help: "Catalog reloads that failed (the old catalog stays).", Filter: true,
		fold: func(s *Stats) uint64 { return s.CatalogReloadErrors }},
}

// filterCounters are the counters of the table marked Filter, in order: the
// index of one is the index the filter door passes with its value
// (auditx_filter_metrics_add), and of its name in the generated C table.
var filterCounters = func() []Counter {
	var fc []Counter
	for _, c := range counterTable {
		if c.Filter {
			fc = append(fc, c)
		}
	}
	return fc
}()

// Counters returns the table of counters. Shared: not to be modified.
func Counters() []Counter { return counterTable[:] }

// FilterCounters returns the counters of the table that the filter door
// registers in Fluent Bit's own metrics, in the order it registers them.
// Shared: not to be modified.
func FilterCounters() []Counter { return filterCounters }

// The gauge beside the counters: the size of the catalog in use
// (auditx_catalog_entries, and the filter door's
// fluentbit_filter_auditx_catalog_entries).
const (
	CatalogEntriesName = "catalog_entries"
	CatalogEntriesHelp = "Entries in the catalog in use."
)
