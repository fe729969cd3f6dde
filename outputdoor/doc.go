// Package outputdoor is auditx's output door: the fallback for a Fluent Bit
// that does not load the filter door. An [OUTPUT] auditx section takes a
// flushed chunk, enriches it with the shared core (package instance) and
// re-emits the records into the pipeline over the Forward protocol, to an
// in_forward of the same Fluent Bit, under the emit tag. The room is named
// for what it is: everything in it exists for that door only, and the
// filter door never imports it (plugin/out_auditx.go is its one importer).
//
// It owns: Output (one [OUTPUT] section: a *instance.Core plus the
// re-emission) and its flush contract, the flush codes (FlushOK,
// FlushRetry, FlushError, Fluent Bit's FLB_OK, FLB_RETRY, FLB_ERROR), the
// emitters (the Forward client of outputdoor/forward, and JSON lines on
// standard output for emit stdout), the split of a chunk into messages of
// at most max_message_size, the loop check (records carrying the emit
// tag's prefix came back), the workers-0 probe (a flush on Fluent Bit's
// engine thread waiting for the ack of its own in_forward would deadlock:
// selfsock_linux.go reads /proc to tell), the door's own counters and
// flush latency histogram, and the pass-through benchmark build (go build
// -tags passthrough: records re-emitted unchanged; passthrough_on.go says
// where it may be used).
//
// It must not touch: the enrichment or the catalog (the core's), msgpack
// beyond splitting events (enrich and internal/mp), configuration parsing
// (config), the Forward wire protocol (outputdoor/forward), or cgo (the
// FLBPlugin* exports are plugin/out_auditx.go's, which only translate).
package outputdoor
