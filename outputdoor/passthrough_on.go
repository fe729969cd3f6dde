//go:build passthrough

// The pass-through benchmark build (go build -tags passthrough): the output
// door re-emits the complete events of every chunk unchanged, so that
// scripts/bench-pipeline.sh's pipeline P measures the re-emission hop alone
// (chunk in, Forward out, in_forward's ack), the ceiling of the output-door
// design. It is built by make bench-pipeline into bench/out/passthrough/,
// never into bin/ or the image: never ship it, and never load it into a
// Fluent Bit beside auditx (a Fluent Bit process holds one Go runtime). It
// registers under its own name, so that a configuration written for auditx
// cannot start with it unnoticed.

package outputdoor

// Name is the output's name in Fluent Bit: [OUTPUT] Name auditx_passthrough.
const Name = "auditx_passthrough"

// passThrough makes Flush re-emit records unchanged.
const passThrough = true
