// Package keyname owns the ECS-style name of a vendor's key (docs/layout.md,
// "Names under the namespace"): Append normalises one key, AppendValue
// re-encodes a msgpack value with every map key normalised at every depth
// and duplicate names suffixed. Both are pure, cgo-free and allocate nothing
// on the hot path.
//
// # The rule
//
// Every byte of a key is one of: a lower-case ASCII letter, an upper-case
// ASCII letter, an ASCII digit, a non-ASCII byte (any byte >= 0x80: taken as
// a letter that has no case, kept as it is, so UTF-8 passes through
// unchanged) or a separator (every other ASCII byte: space, '.', '-', '_',
// '@', control bytes, ...).
//
//   - Separators split the key into words and are dropped; a run of them is
//     one split, and leading and trailing ones leave nothing.
//   - A case change splits too, before an upper-case letter that follows a
//     lower-case letter or a digit (userId, v2Name), and before an upper-case
//     letter that follows an upper-case letter and is followed by a
//     lower-case letter (HTTPServer, the X of PrivX-). Nothing else splits:
//     not a digit after a letter (sha256, ipv4Addr → ipv4_addr), not a
//     lower-case letter after a digit (2fa), not a non-ASCII byte next to
//     anything (cafèBar → cafèbar: è has no case).
//   - The words are lower-cased (ASCII only) and joined with '_'.
//   - A key with no word (empty, or separators only: "", "-", "__") is
//     named Empty ("empty").
//
// Consequences worth knowing: "IPv4Address" → "i_pv4_address" and "IDs" →
// "i_ds" (the upper-upper-lower rule, as docs/layout.md states it); "2FA" →
// "2_fa"; "@timestamp" → "timestamp". The name of a name is itself
// (Append(Append(k)) == Append(k)), and a name holds only [a-z0-9_] and
// non-ASCII bytes, never "__", never a leading or trailing '_'.
//
// # Keys that are not strings
//
// A bin key is read as the bytes of a string key. Any other key is first
// rendered as text, the text mp.AppendJSON (the stdout emitter) writes for
// it: an integer as its decimal text (-3 → "-3" → "3"), a float as Go's
// shortest 'g' form (1.5 → "1_5"), true/false, nil as "null", an EventTime
// as its seconds with fraction, another ext as the base64 of its payload, a
// map or array as its JSON; then the rule above applies to that text.
//
// # Duplicates
//
// When keys of one map get the same name, the first keeps it and the later
// ones, in record order, get "_2", "_3", ...; a suffixed name skips every
// number that would give a name another key of the map has or gets, so a
// key whose own name is unique in its map always keeps it: {"a", "A",
// "a_2"} → {"a", "a_3", "a_2"}.
//
// It owns names only: it knows nothing of ECS fields (internal/ecsschema),
// of the record's layout or of which keys move (the enricher).
package keyname
