// Package enrich transforms msgpack bytes: it walks a Fluent Bit chunk of
// events ([[EventTime, metadata], body]), finds the vendor and event code in
// each record body by scanning its keys in place, looks the code up in a
// catalog.Catalog and appends the ECS fields to the encoded map. Original
// pairs are copied byte for byte; nothing is decoded into Go maps.
//
// It owns the record format and the counters of what it saw. It does no I/O
// and holds no network state: the plugin hands it bytes and sends what it
// returns.
package enrich
