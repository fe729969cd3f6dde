// Package eventtest builds Fluent Bit event bytes for tests: the one set of
// builders for the v2 event [[time, meta], body], the legacy v1 event
// [time, body] (EventTime or integer time), the EventTime ext and the group
// markers, written out byte by byte with each byte annotated (the model is
// fluent-bit-go's output/decoder_test.go fixtures).
//
// It owns: the layout of one event as Fluent Bit v5.1.1 writes it into a
// chunk (src/flb_log_event_encoder.c) and Forward clients send it (Forward
// protocol spec v1). Bodies and metadata are given already encoded.
//
// It must not touch: anything outside tests; it has no cgo and depends only
// on the standard library, msgp and internal/mp (for the wire constants), so
// every test package can use it: enrich, the cgo hosts (internal/flbhost),
// the Forward receiver (internal/forwardtest), the output door, the CLI and
// the end-to-end tests.
package eventtest
