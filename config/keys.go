package config

// Key documents one configuration key: the plugin registers these with
// Fluent Bit (so that it rejects unknown keys) and the README lists them.
type Key struct {
	Name        string
	Default     string // as documented; defaults are applied by Parse
	Description string
	// RawValue asks Fluent Bit to pass the value without expanding ${...}
	// from the environment (FLB_CONFIG_MAP_DYNAMIC_ENV).
	RawValue bool
}

// Keys lists every key auditx reads, in README order.
var Keys = []Key{
	{"vendor", "auto", "a vendor id of the catalog (filingbox, netop, plusauth, privx, or a user's descriptor), or auto (recognise the vendor from each record's keys)", false},
	{"code_key", "", "key path of the event code, dots for nested maps (e.g. message.code); needs a fixed vendor", false},
	{"code_regex", "", "Go regular expression that extracts the code from the string at the code key (first group, or the whole match); needs a fixed vendor", false},
	{"catalog_files", "", "comma-separated user catalog files: event tables (CSV, the embedded format), actor maps and vendor descriptors (docs/vendor-format.md); an entry replaces the embedded one with the same vendor and code, a descriptor the embedded vendor with the same id", false},
	{"catalog_reload_interval", "60s", "how often user catalog files are checked for changes and reloaded (0 switches it off)", false},
	{"schema", "ecs", "ecs (event.*, observer.*, tags) or flat (all fields under flat_key)", false},
	{"flat_key", "auditx", "the map key of the flat schema", false},
	{"override", "off", "let auditx's fields replace existing fields of the same name", false},
	{"actor", "on", "add who acted and from where (user.name, user.id, source.ip, related.user, related.ip, event.provider, observer.hostname) from the vendor's own fields, as the catalog's actor map says; in the flat schema under flat_key", false},
	{"data_stream", "on", "add data_stream.type (logs), data_stream.dataset (event.dataset; auditx.unrecognized for a record without a code) and data_stream.namespace, for Elasticsearch data streams logs-<dataset>-<namespace> (ECS schema only)", false},
	{"data_stream_namespace", "default", "data_stream.namespace: lower case, without '-'", false},
	{"vendor_namespace", "on", "move every key of the vendor's record that is not ECS already under <vendor>.audit, named ECS style (snake_case); off keeps the vendor's keys at the top (ECS schema)", false},
	{"record_key", "", "the key whose map is the vendor's record (the kubernetes filter's Merge_Log_Key); the record's other keys are the pipeline's and stay as they are; empty: the whole record", false},
	{"event_time", "on", "make the vendor's event time (its descriptor's time fields) the record's time, which the es output writes as @timestamp; event.created keeps the time Fluent Bit read it; off keeps the read time", false},
	{"timezone", "UTC", "the zone of vendor times written without one (an IANA name such as Europe/Helsinki, or a fixed offset such as +09:00)", false},
	{"event_original", "off", "keep the vendor's record, before auditx's changes, as JSON in event.original", false},
	{"enrich", "on", "off re-emits records unchanged (measures the re-emission hop alone)", false},
	{"emit", "forward", "forward (Forward protocol to an in_forward) or stdout (enriched JSON lines, for debugging)", false},
	{"forward_path", "", "unix socket path of the in_forward to emit to (preferred)", false},
	{"forward_address", "127.0.0.1:24224", "host:port of the in_forward, when forward_path is not set; loopback only unless forward_allow_remote is on", false},
	{"forward_allow_remote", "off", "allow a non-loopback forward_address (the hop is not encrypted)", false},
	{"emit_tag", "enriched.${TAG}", "tag of the re-emitted records; ${TAG} (or $TAG) is the incoming tag; must not be matched by this output's own Match", true},
	{"require_ack", "on", "wait for in_forward's ack of every message (at-least-once); off only confirms the write", false},
	{"timeout", "5s", "bound of each connect, write and ack wait", false},
	{"compress", "off", "off or gzip (CompressedPackedForward)", false},
	{"max_connections", "8", "most connections to the in_forward (one is used per concurrent flush)", false},
	{"max_message_size", "1000000", "largest Forward message; bigger flushes are split at event boundaries (at most in_forward's buffer_max_size; one read of its buffer_chunk_size is fastest)", false},
	{"metrics_listen", "", "host:port of a Prometheus /metrics listener (off when empty); loopback only unless metrics_allow_remote is on", false},
	{"metrics_allow_remote", "off", "allow a non-loopback metrics_listen", false},
	{"id", "", "instance name used in auditx's logs and metrics (default: auditx.N)", false},
}

// outputOnly are the keys of the output door's re-emission: a [FILTER]
// auditx section does not register them, so Fluent Bit rejects them there.
var outputOnly = map[string]bool{
	"enrich": true, "emit": true, "forward_path": true, "forward_address": true,
	"forward_allow_remote": true, "emit_tag": true, "require_ack": true, "timeout": true,
	"compress": true, "max_connections": true, "max_message_size": true, "id": true,
}

// OutputOnly reports whether key belongs to the output door only.
func OutputOnly(key string) bool { return outputOnly[key] }

// FilterKeys lists the keys of a [FILTER] auditx section (the enrichment,
// catalog and metrics keys), in README order. The instance name comes from
// Fluent Bit (Alias), so the output's id key is not among them.
func FilterKeys() []Key {
	var ks []Key
	for _, k := range Keys {
		if !outputOnly[k.Name] {
			ks = append(ks, k)
		}
	}
	return ks
}
