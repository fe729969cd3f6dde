// Package enrich transforms msgpack bytes: it walks a Fluent Bit chunk of
// events ([[EventTime, metadata], body]), finds the vendor and event code in
// each record body by scanning its keys in place, looks the code up in a
// catalog.Catalog and appends the ECS fields to the encoded map. Original
// pairs are copied byte for byte; nothing is decoded into Go maps.
//
// It owns the record format and the counters of what it saw. It does no I/O
// and holds no network state: the plugin hands it bytes and sends what it
// returns.
//
// The hot path, one concern a file, in the order a record meets them:
// chunk.go frames a chunk's events; record.go is the per-record API
// (Record, RecordVendor, RecordEvent) and flow, result.go what became of a
// record; scan.go walks the top-level pairs once (every later walk is over
// bytes it accepted) and resolves key paths; detect.go recognises the
// vendor and auditx's markers; code.go reads the code, single or joined;
// outcome.go the outcome and severity the record states; eventtime.go the
// vendor's event time and the event header's; actor.go the actor fields;
// write.go writes the ECS groups, namespace.go the vendor namespace
// layout, flat.go the flat schema. plan.go and table.go turn a catalog
// into what these read; keys.go normalises key names.
package enrich
