package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/auditx/auditx/enrich"
)

// Door is a set of auditx's doors: where a key may be written.
type Door uint8

// The doors.
const (
	// Filter is a [FILTER] auditx section (or an auditx processor).
	Filter Door = 1 << iota
	// Output is an [OUTPUT] auditx section, the fallback door.
	Output
	// Both doors.
	Both = Filter | Output
)

// Kind is how a key's value parses. Every kind trims the value; an empty
// value is the key's Default.
type Kind uint8

// The kinds of values.
const (
	// Text is a string that the key's own rule in Parse checks (Accepted
	// says what it accepts).
	Text Kind = iota
	// List is comma-separated text; empty items are dropped.
	List
	// Switch is on or off (true/false, yes/no, 1/0), case-insensitive.
	Switch
	// Choice is one of Choices, case-insensitive.
	Choice
	// Duration is a Go duration (5s, 1m30s) or a number of seconds, from
	// Min to Max nanoseconds; 0 when ZeroOff (it switches the feature off).
	Duration
	// Integer is a whole number from Min to Max.
	Integer
	// Size is a number of bytes with an optional K, M or G suffix, decimal
	// like Fluent Bit's own sizes (flb_utils_size_to_bytes: 6M is
	// 6,000,000 bytes), from Min to Max.
	Size
	// Address is host:port with a port from Min to 65535, and a loopback
	// host unless the Switch named by Remote is on.
	Address
)

// Key is one configuration key. The table of them (Keys) is the one
// definition from which Parse reads and checks a section (defaults
// included), the plugin registers its config maps with Fluent Bit (so that
// Fluent Bit rejects unknown keys; internal/cgen generates the filter's),
// docs/configuration.md is written (Reference) and auditx enrich takes its
// flags.
type Key struct {
	Name string
	// Default is the value Parse applies when the key is unset, written
	// as users write it ("" for none).
	Default string
	// Doors are the sections that take the key.
	Doors Door
	// Kind is how the value parses; Choices, Min, Max, ZeroOff and Remote
	// qualify it.
	Kind    Kind
	Choices []string
	Min     int64
	Max     int64
	ZeroOff bool
	Remote  string
	// Accepted says what a Text or List key accepts, for error messages and
	// the documentation (the other kinds say it themselves, AcceptedText).
	Accepted string
	// Flag is the key's flag of auditx enrich, with the name of its value
	// when it takes one ("code-regex RE"); "" when the CLI has none (the
	// reload, metrics and output-only keys).
	Flag string
	// Description is the key's meaning: in the config maps Fluent Bit
	// shows, the CLI's usage and the reference.
	Description string
	// Notes add to Description in the reference only (examples, caveats,
	// pointers to other documents).
	Notes string
	// RawValue asks Fluent Bit to pass the value without expanding ${...}
	// from the environment (FLB_CONFIG_MAP_DYNAMIC_ENV).
	RawValue bool
}

// VendorAuto is the vendor setting that recognises each record's vendor.
const VendorAuto = "auto"

// Keys lists every key auditx reads, in the order of the documentation.
var Keys = []Key{
	{Name: "vendor", Default: VendorAuto, Doors: Both, Kind: Text, Flag: "vendor VENDOR",
		Accepted:    VendorAuto + " or a vendor id of the catalog",
		Description: "a vendor id of the catalog (filingbox, netop, plusauth, privx, or a user's descriptor), or auto (recognise the vendor from each record's keys)"},
	{Name: "code_key", Doors: Both, Kind: Text, Flag: "code-key PATH",
		Accepted:    "a key path, dots for nested maps, with a fixed vendor",
		Description: "key path of the event code, dots for nested maps (e.g. message.code); needs a fixed vendor; empty: the vendor's own code location"},
	{Name: "code_regex", Doors: Both, Kind: Text, Flag: "code-regex RE",
		Accepted:    "a Go regular expression with at most one group",
		Description: "Go regular expression that extracts the code from the string at the code key (first group, or the whole match); needs a fixed vendor",
		Notes:       "For example `^\\[(\\d+)\\]` takes `054` from `\"[054] Server Login\"`."},
	{Name: "catalog_files", Doors: Both, Kind: List, Flag: "catalog FILE",
		Accepted:    "file paths separated by commas",
		Description: "comma-separated user catalog files: event tables (CSV, the embedded format), actor maps and vendor descriptors (docs/vendor-format.md); an entry replaces the embedded one with the same vendor and code, a descriptor the embedded vendor with the same id",
		Notes:       "The formats: docs/catalog-format.md (tables, actor maps) and docs/vendor-format.md (descriptors)."},
	{Name: "catalog_reload_interval", Default: "60s", Doors: Both, Kind: Duration,
		Min: int64(time.Second), Max: int64(24 * time.Hour), ZeroOff: true,
		Description: "how often user catalog files are checked for changes and reloaded (0 switches it off)"},
	{Name: "schema", Default: "ecs", Doors: Both, Kind: Choice, Choices: []string{"ecs", "flat"}, Flag: "schema SCHEMA",
		Description: "ecs (event.*, observer.*, tags) or flat (all fields under flat_key)"},
	{Name: "flat_key", Default: enrich.DefaultFlatKey, Doors: Both, Kind: Text, Flag: "flat-key KEY",
		Accepted:    "a key without dots or spaces",
		Description: "the map key of the flat schema"},
	{Name: "override", Default: "off", Doors: Both, Kind: Switch, Flag: "override",
		Description: "let auditx's fields replace existing fields of the same name"},
	{Name: "actor", Default: "on", Doors: Both, Kind: Switch, Flag: "actor",
		Description: "add who acted and from where (user.name, user.id, source.ip, related.user, related.ip, event.provider, observer.hostname) from the vendor's own fields, as the catalog's actor map says; in the flat schema under flat_key",
		Notes:       "`host.name` too when a user actor map names a source; in the flat schema as `user_name`, `user_id`, `source_ip`, ... under `flat_key`."},
	{Name: "data_stream", Default: "on", Doors: Both, Kind: Switch, Flag: "data-stream",
		Description: "add data_stream.type (logs), data_stream.dataset (event.dataset; auditx.unrecognized for a record without a code) and data_stream.namespace, for Elasticsearch data streams logs-<dataset>-<namespace> (ECS schema only)",
		Notes:       "Fluent Bit's `es` output then writes each record to the data stream `logs-<dataset>-<namespace>`; a map record auditx does not recognise gets only `data_stream`, with the dataset `auditx.unrecognized`."},
	// Elastic's default namespace (the data stream naming scheme,
	// logs-<dataset>-default).
	{Name: "data_stream_namespace", Default: "default", Doors: Both, Kind: Text, Flag: "data-stream-namespace NAMESPACE",
		Accepted:    `lower case, at most 100 bytes, without - \ / * ? " < > | , # : or spaces`,
		Description: "data_stream.namespace: lower case, without '-'"},
	{Name: "vendor_namespace", Default: "on", Doors: Both, Kind: Switch, Flag: "vendor-namespace",
		Description: "move every key of the vendor's record that is not ECS already under <vendor>.audit, named ECS style (snake_case); off keeps the vendor's keys at the top (ECS schema)",
		Notes:       "The vendor's keys are named ECS style (`userId` becomes `user_id`: docs/layout.md); ECS keys (PlusAuth's string `message`, `tags`, `@timestamp`) stay at the top."},
	{Name: "record_key", Doors: Both, Kind: Text, Flag: "record-key KEY",
		Accepted:    "a top-level key, without dots",
		Description: "the key whose map is the vendor's record (the kubernetes filter's Merge_Log_Key); the record's other keys are the pipeline's and stay as they are; empty: the whole record",
		Notes:       "Needs `schema ecs` and `vendor_namespace on`."},
	{Name: "event_time", Default: "on", Doors: Both, Kind: Switch, Flag: "event-time",
		Description: "make the vendor's event time (its descriptor's time fields) the record's time, which the es output writes as @timestamp; event.created keeps the time Fluent Bit read it; off keeps the read time",
		Notes:       "A record without a usable time keeps the read time, is counted (`records_no_event_time_total`) and tagged `auditx_no_event_time`. `off` suits an output that refuses old or out-of-order entries (Loki, for one, by default)."},
	{Name: "timezone", Default: "UTC", Doors: Both, Kind: Text, Flag: "timezone ZONE",
		Accepted:    "an IANA zone name (Europe/Helsinki) or a fixed offset (+09:00)",
		Description: "the zone of vendor times written without one (an IANA name such as Europe/Helsinki, or a fixed offset such as +09:00)",
		Notes:       "FilingBox's `Date` is such a time; the tz database is built in; such records get `event.timezone`."},
	{Name: "event_original", Default: "off", Doors: Both, Kind: Switch, Flag: "event-original",
		Description: "keep the vendor's record, before auditx's changes, as JSON in event.original",
		Notes:       "One allocation a record."},
	{Name: "enrich", Default: "on", Doors: Output, Kind: Switch,
		Description: "deprecated: accepted and ignored (records are always enriched), with a warning at start; remove it (CHANGELOG.md)"},
	{Name: "emit", Default: "forward", Doors: Output, Kind: Choice, Choices: []string{"forward", "stdout"},
		Description: "forward (Forward protocol to an in_forward) or stdout (enriched JSON lines, for debugging)",
		Notes:       "`stdout` writes JSON lines `{\"tag\",\"time\",\"metadata\",\"record\"}`."},
	{Name: "forward_path", Doors: Output, Kind: Text,
		Accepted:    "a unix socket path",
		Description: "unix socket path of the in_forward to emit to (preferred)"},
	{Name: "forward_address", Default: "127.0.0.1:24224", Doors: Output, Kind: Address, Min: 1, Remote: "forward_allow_remote",
		Description: "host:port of the in_forward, when forward_path is not set; loopback only unless forward_allow_remote is on"},
	{Name: "forward_allow_remote", Default: "off", Doors: Output, Kind: Switch,
		Description: "allow a non-loopback forward_address (the hop is not encrypted)"},
	{Name: "emit_tag", Default: "enriched." + TagPlaceholder, Doors: Output, Kind: Text, RawValue: true,
		Accepted:    "a tag without spaces, optionally with " + TagPlaceholderShort,
		Description: "tag of the re-emitted records; ${TAG} (or $TAG) is the incoming tag; must not be matched by this output's own Match",
		Notes:       "auditx registers this key so that Fluent Bit passes `${TAG}` through unexpanded; Fluent Bit still prints a harmless `[env] variable ${TAG} is used but not set` warning, which `$TAG` avoids."},
	{Name: "require_ack", Default: "on", Doors: Output, Kind: Switch,
		Description: "wait for in_forward's ack of every message (at-least-once); off only confirms the write"},
	{Name: "timeout", Default: "5s", Doors: Output, Kind: Duration, Min: int64(100 * time.Millisecond), Max: int64(5 * time.Minute),
		Description: "bound of each connect, write and ack wait"},
	{Name: "compress", Default: "off", Doors: Output, Kind: Choice, Choices: []string{"off", "gzip"},
		Description: "off or gzip (CompressedPackedForward)"},
	{Name: "max_connections", Default: "8", Doors: Output, Kind: Integer, Min: 1, Max: 64,
		Description: "most connections to the in_forward (one is used per concurrent flush)"},
	// The default is in_forward's default buffer_chunk_size (1024000,
	// plugins/in_forward/fw.c, v5.1.1) rounded down: a message that fits one
	// read is parsed once, while fw_prot_process re-parses a bigger one from
	// its start on every read (measured: C fell from 11.4 s to 7.5 s for 1M
	// records with 1,000,000 instead of 6,144,000, the buffer_max_size).
	{Name: "max_message_size", Default: "1000000", Doors: Output, Kind: Size, Min: 64 * 1000, Max: 64 * 1000 * 1000,
		Description: "largest Forward message; bigger flushes are split at event boundaries (at most in_forward's buffer_max_size; one read of its buffer_chunk_size is fastest)",
		Notes:       "It must not exceed `in_forward`'s `buffer_max_size` (6,144,000 by default); at most its `buffer_chunk_size` (1,024,000) is fastest, since `in_forward` re-parses a message that spans several reads."},
	{Name: "metrics_listen", Doors: Both, Kind: Address, Min: 0, Remote: "metrics_allow_remote",
		Description: "host:port of a Prometheus /metrics listener (off when empty; port 0 picks a free one); loopback only unless metrics_allow_remote is on"},
	{Name: "metrics_allow_remote", Default: "off", Doors: Both, Kind: Switch,
		Description: "allow a non-loopback metrics_listen"},
	{Name: "id", Doors: Output, Kind: Text,
		Accepted:    "a name",
		Description: "instance name used in auditx's logs and metrics (default: auditx.N)"},
}

// keyIndex finds a key of Keys by name.
var keyIndex = func() map[string]*Key {
	m := make(map[string]*Key, len(Keys))
	for i := range Keys {
		m[Keys[i].Name] = &Keys[i]
	}
	return m
}()

// Lookup returns the key named name, or nil.
func Lookup(name string) *Key { return keyIndex[name] }

// OutputOnly reports whether key belongs to the output door only.
func OutputOnly(key string) bool {
	k := keyIndex[key]
	return k != nil && k.Doors == Output
}

// FilterKeys lists the keys of a [FILTER] auditx section (the enrichment,
// catalog and metrics keys), in the order of Keys. The instance name comes
// from Fluent Bit (Alias), so the output's id key is not among them.
func FilterKeys() []Key {
	var ks []Key
	for _, k := range Keys {
		if k.Doors&Filter != 0 {
			ks = append(ks, k)
		}
	}
	return ks
}

// FlagName returns the name of the key's CLI flag ("" for none).
func (k *Key) FlagName() string {
	name, _, _ := strings.Cut(k.Flag, " ")
	return name
}

// FlagArg returns the name of the flag's value ("" for a Switch).
func (k *Key) FlagArg() string {
	_, arg, _ := strings.Cut(k.Flag, " ")
	return arg
}

// AcceptedText says what the key accepts: the words of error messages and
// of the documentation.
func (k *Key) AcceptedText() string {
	switch k.Kind {
	case Switch:
		return "on, off, true, false, yes, no"
	case Choice:
		return strings.Join(k.Choices, ", ")
	case Duration:
		s := fmt.Sprintf("a duration from %s to %s, such as 5s or 1m", time.Duration(k.Min), time.Duration(k.Max))
		if k.ZeroOff {
			s += ", or 0 to switch it off"
		}
		return s
	case Integer:
		return fmt.Sprintf("an integer from %d to %d", k.Min, k.Max)
	case Size:
		return fmt.Sprintf("a size from %d to %d bytes (suffixes K, M, G)", k.Min, k.Max)
	case Address:
		return fmt.Sprintf("host:port with a port from %d to 65535 and a loopback host (127.0.0.1, ::1, localhost) unless %s is on", k.Min, k.Remote)
	}
	return k.Accepted
}
