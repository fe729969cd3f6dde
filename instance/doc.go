// Package instance is one auditx section of Fluent Bit as a plain Go
// value, for either door. Core is what both share: the enricher over the
// catalog, the catalog reloader, the metrics listener and the logger.
// Filter (a [FILTER] or processor) enriches one append of records and says
// whether it changed it (FLB_FILTER_MODIFIED or NOTOUCH); Instance (an
// [OUTPUT]) enriches a flushed chunk, emits it and maps every outcome to a
// Fluent Bit return code. The cgo doors (plugin/) keep one value per
// section and only translate.
//
// It owns the filter and flush contracts and the lifetime of a section's
// background work; it must not parse msgpack itself (enrich does) nor speak
// the Forward protocol (forward does), and it has no cgo.
package instance
