// Package forward is the Fluent Forward protocol client of the output door
// (package outputdoor): it re-emits enriched events into Fluent Bit's own
// in_forward input.
//
// It owns: the connection pool (unix or tcp, lazily dialled, at most
// [Config.MaxConns] connections, reused across sends, discarded on any error),
// the wire encoding of one PackedForward (or gzip CompressedPackedForward)
// message per [Client.Send], the "chunk" id and the wait for the matching
// {"ack": id}, the per-message size limit that mirrors in_forward's
// buffer_max_size, and self-classifying errors ([Error.Retryable]).
//
// It must not touch: the records themselves. Events arrive as opaque,
// already-encoded msgpack bytes and leave byte-identical (or gzip-compressed);
// the package never decodes, edits or logs them, and no error it returns
// carries record contents. Retry policy and back-off belong to the caller
// (Fluent Bit's FLB_RETRY): Send makes one attempt and says whether another
// could help. Configuration parsing belongs to config/, the flush and its
// return codes to outputdoor, the plugin exports to plugin/.
//
// Delivery guarantees. With [Config.RequireAck] a nil error from Send means
// in_forward has ingested the whole message (it acknowledges only after a
// successful ingest, fw_prot.c send_ack); a failed Send may still have been
// ingested, so retries give at-least-once delivery and duplicates are
// possible. Without RequireAck a nil error only means the bytes were written
// to the socket: a peer that closes or restarts can drop them silently, so
// delivery is at-most-once.
//
// The package internal/forwardtest holds an in_forward look-alike server for
// tests (of both doors, so it stays outside the output door's room).
package forward
