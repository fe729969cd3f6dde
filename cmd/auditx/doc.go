// Command auditx is the command line of auditx: it enriches JSON lines
// through the same core as the Fluent Bit plugin (enrich); lists, shows,
// lints, exports (CSV, JSON, Markdown, a Fluent Bit Lua filter) and diffs the
// event catalog (catalog); reports what the catalog recognises in real logs
// (coverage); prints per-vendor tables of enriched records (report); and
// prints the Elasticsearch and OpenSearch templates (template). Every
// command that reads the catalog takes the user's catalog files (--catalog):
// vendor descriptors, event tables and actor maps, so a user's vendor is a
// vendor like the embedded ones (a --vendor flag is checked against the
// catalog so loaded).
//
// The flags that set config keys (auditx enrich's --vendor, --code-regex,
// --catalog, --schema, ...; coverage's) are made from config's table of
// keys and read back through config.ParseFilter (keyFlags, cli.go), so the
// CLI accepts exactly what the plugin accepts, with the same defaults and
// messages; --catalog, repeatable, joins catalog_files.
//
// It owns argument parsing, the JSON-line edges (JSON → msgpack → enrich →
// JSON) and the text formats of the catalog commands (tables, CSV, JSON,
// Markdown). It must not hold enrichment or lookup logic of its own: codes
// are normalised, records enriched and files validated by the packages it
// calls, and the Lua export writes the vendors' descriptors as tables that
// one generic script (auditx.lua) interprets: no vendor is named in its code.
// No cgo.
//
// Every command is a function taking its arguments and streams and returning
// an exit code (0 ok, 1 failed, 2 bad arguments), so tests call them
// directly; only main calls os.Exit.
//
// Usage:
//
//	auditx enrich [flags] < in.jsonl > out.jsonl
//	auditx catalog list|show|lint|export|diff ...
//	auditx coverage [flags] FILE...
//	auditx report [flags] FILE...
//	auditx template [flags]
//	auditx version
//	auditx help [COMMAND]
//
// The commands are one table (commands, cli.go) that the dispatcher, the
// usage and help read.
package main
