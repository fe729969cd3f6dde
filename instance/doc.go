// Package instance is the shared core of auditx's two doors: one Fluent
// Bit section as a plain Go value, without cgo. It is the one room both
// doors stand on.
//
// It owns: Core (the enricher over the embedded catalog and the user
// files, the catalog reloader, the metrics listener and the core's
// counters in the Prometheus text format, the logger at Fluent Bit's
// levels), and the filter door's contract, Filter: one append of records in,
// FLB_FILTER_MODIFIED with the new append or FLB_FILTER_NOTOUCH out, safe
// for Fluent Bit's concurrent input threads. plugin/filter.go and
// plugin/filter.c translate Fluent Bit's calls to it.
//
// It must not touch: the output door (package outputdoor, which wraps a
// Core in its own Output; nothing here imports it, so the filter door
// never links the Forward client or the emitters), msgpack itself (enrich
// reads and writes records), configuration keys (config parses them), or
// cgo (plugin/ is the only cgo package).
package instance
