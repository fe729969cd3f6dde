// Package catalog knows the audit events of the vendors auditx supports: the
// embedded per-vendor CSV tables, user overlay files in the same format, their
// validation against ECS, and an immutable lookup index with vendor-specific
// code normalisation.
//
// It owns the data and nothing else: it knows nothing of msgpack, Fluent Bit
// or the network. A *Catalog is immutable once built, so it can be shared by
// concurrent flushes and swapped atomically on reload by its users.
package catalog
