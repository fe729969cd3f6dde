// Command plugin is auditx's one shared library for Fluent Bit, built with
// `go build -buildmode=c-shared -o flb-filter_auditx.so ./plugin` (make
// build; bin/out_auditx.so is a symlink to it, so one process maps one Go
// runtime). It holds the two doors and nothing else:
//
//   - the filter door, the product: filter.c (the registration structure
//     Fluent Bit copies, the internals guard, the C callbacks), the generated
//     filter_keys.c and filter_counters.c, and filter.go (the Go side of the
//     callbacks, over instance.Filter);
//   - the output door, the fallback: out_auditx.go (the FLB* exports of
//     fluent-bit-go's Ctx API, over outputdoor.Output);
//   - flb_mirror.h, the one mirror of the Fluent Bit structures both doors
//     and the cgo test hosts rely on, with _Static_asserts;
//   - filter_door.c (declared in flb_mirror.h), what the filter door's two
//     builds share: resolving Fluent Bit's exported functions, the internals guard
//     and the out_buf allocator;
//   - under the build tag passthrough only (make bench-pipeline's benchmark
//     build, never shipped), filter_passthrough.c and filter_passthrough.go
//     in place of filter.c and filter.go: [FILTER] Name auditx_passthrough,
//     which answers every append MODIFIED with its records unchanged, or
//     each `pad` bytes longer (internal/benchpad); the output door then
//     re-emits records unchanged (outputdoor/passthrough_on.go).
//
// Every door only translates: parsing, lookups and I/O live in config,
// instance, enrich and outputdoor. It must not hold state of its own beyond
// the handles Fluent Bit passes back, and every export recovers panics.
package main
