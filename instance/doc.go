// Package instance is one auditx output instance as a plain Go value: the
// validated config, the enricher, the emitter and the counters, with a Flush
// method that maps every outcome to a Fluent Bit return code. The cgo door
// (plugin/) keeps one *Instance per [OUTPUT] section and only translates.
//
// It owns the flush contract and the instance's lifetime (background
// reloads, the metrics listener); it must not parse msgpack itself (enrich
// does) nor speak the Forward protocol (forward does), and it has no cgo.
package instance
