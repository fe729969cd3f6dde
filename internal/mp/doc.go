// Package mp is auditx's one msgpack implementation in the Fluent Bit
// library: a scanner that works on offsets into one buffer (Skip,
// MapHeader, ArrayHeader, Str, Scalar, EventTimeSeconds), the one walk over
// a map's pairs and an array's elements (Pairs, Items), and appenders
// (AppendMapHeader, AppendStr, AppendInt, ...), allocating nothing, and a
// converter to JSON for the output door's stdout emitter (AppendJSON). The
// enricher, the Forward client and the emitter all use it; the CLI and the
// tests may use other libraries (ugorji's codec, tinylib/msgp) to check it.
//
// It owns msgpack framing only: nothing of Fluent Bit's record layout
// beyond the EventTime extension.
package mp
