// Package forwardtest runs a Fluent Forward server for tests that behaves
// like Fluent Bit v5.1.1's in_forward input (plugins/in_forward/fw_prot.c,
// fw_conn.c), in the way net/http/httptest runs an HTTP server.
//
// It owns: a listener on a unix socket or 127.0.0.1 tcp port, the parsing of
// all four Forward message modes (Message, Forward, PackedForward,
// CompressedPackedForward with gzip), the splitting of payloads into events
// that keep their exact received bytes, v1 [time, body] and v2
// [[time, meta], body] events with integer, float or EventTime (ext 0)
// times, {"ack": chunk} answers, and knobs to misbehave: ack delays, dropped
// or wrong acks, acks split across writes, refused connections, stop and
// restart on the same address.
//
// Like in_forward it closes a connection on a malformed message or one
// larger than its buffer_max_size, and answers an ack only after the whole
// message was ingested. It is stricter in one way: a malformed event inside
// a PackedForward payload rejects the whole message (no ack, connection
// closed) and is reported by [Server.Errors], so tests catch encoding bugs.
//
// It is test support for both doors: the sink of the filter door's
// end-to-end tests (Fluent Bit's out_forward sends to it), the peer of the
// output door's Forward client (outputdoor/forward) and of its cgo host
// tests (internal/flbhost), and the one Forward receiver of the tests:
// with Options.AnyBody it also keeps events whose body is not a map, as
// in_forward passes them on (e2e's malformed-input tests). Being test
// support for both doors, it lives under internal/ with the other test
// hosts, not inside the output door's room (outputdoor/).
//
// It must not touch: anything outside tests. It is imported only from
// _test.go files; it depends on the standard library and msgp only (not on
// package outputdoor/forward, so that package's own tests can use it).
package forwardtest
