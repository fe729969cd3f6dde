package enrich

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Schema selects where the added fields go.
type Schema uint8

// Schemas.
const (
	// SchemaECS adds ECS fields: event.*, observer.* and tags.
	SchemaECS Schema = iota
	// SchemaFlat adds every field under one map (Options.FlatKey).
	SchemaFlat
)

// String returns the schema's config value.
func (s Schema) String() string {
	if s == SchemaFlat {
		return "flat"
	}
	return "ecs"
}

// DefaultFlatKey is the key of the map that holds the fields in the flat schema.
const DefaultFlatKey = "auditx"

// MarkerTag is the tag auditx adds to every record it enriches (ECS schema);
// a record that already carries it is passed on untouched, so a record that
// loops back through auditx is never enriched twice.
const MarkerTag = "auditx"

// UnknownCodeTag is added to tags when the vendor is known but the code is not.
const UnknownCodeTag = "auditx_unknown_code"

// NoCodeTag, InvalidCodeTag and NoEventTimeTag mark, in the vendor
// namespace layout, a record of a known vendor without a code, with a code
// that cannot be one, and without a usable event time (its read time kept).
const (
	NoCodeTag      = "auditx_no_code"
	InvalidCodeTag = "auditx_invalid_code"
	NoEventTimeTag = "auditx_no_event_time"
)

// maxPathSegments bounds a code_key path (and so the nesting auditx descends).
const maxPathSegments = 8

// Options configure an Enricher.
type Options struct {
	// Vendor fixes the vendor of every record by its id; "" means auto:
	// each record's vendor is recognised by the descriptors' rules.
	Vendor string
	// CodeKey overrides the vendor's default code location: a key path into
	// nested maps separated by dots ("message.code"). Needs a fixed Vendor.
	CodeKey string
	// CodeRegex, when set, extracts the code from the string at the code
	// location: the first submatch, or the whole match without one.
	CodeRegex *regexp.Regexp
	// Schema selects ECS or flat output.
	Schema Schema
	// FlatKey is the map key of the flat schema (default DefaultFlatKey).
	FlatKey string
	// Override lets auditx's fields replace existing ones of the same name.
	Override bool
	// Actor adds who acted and from where (user.name, user.id, source.ip,
	// related.user, related.ip, event.provider, observer.hostname,
	// host.name), read from the vendor's own fields as the catalog's actor
	// map says. The zero value leaves them out; config and the CLI switch
	// them on by default.
	Actor bool
	// DataStreamNamespace, when set, adds data_stream.type ("logs"),
	// data_stream.dataset (event.dataset) and data_stream.namespace to
	// every record of the ECS schema, so that an Elasticsearch output can
	// route it to the data stream logs-<dataset>-<namespace>. A map record
	// auditx does not recognise gets the dataset UnrecognizedDataset.
	// Ignored in the flat schema.
	DataStreamNamespace string

	// Namespace (ECS schema) moves every top-level key of the vendor's
	// record whose value is not ECS already (ecsschema.ValueIsECS) under
	// <vendor id>.audit, its keys renamed ECS style at every depth
	// (keyname); ECS keys stay at the top. The zero value keeps the vendor's
	// keys at the top as they are; config switches it on by default.
	Namespace bool
	// RecordKey, when set, names the top-level key whose map is the
	// vendor's record (the kubernetes filter's Merge_Log_Key); the other
	// top-level keys belong to the pipeline and stay as they are.
	RecordKey string
	// EventOriginal (ECS schema, Namespace) keeps the vendor's record as
	// JSON in event.original.
	EventOriginal bool
	// EventTime replaces the time of each event's header (Fluent Bit's
	// record time, the es output's @timestamp) with the vendor's event time
	// from its descriptor; event.created (ECS schema, Namespace) keeps the
	// time the header had.
	EventTime bool
	// Zone reads zoneless vendor times (nil: UTC); ZoneName is what
	// event.timezone says of it.
	Zone     *time.Location
	ZoneName string
	// Now is the clock of event.created for records given without a
	// header (Record); nil is time.Now.
	Now func() time.Time
}

// ECSVersion is the ecs.version auditx writes: the released ECS version
// whose definitions of the fields auditx writes were checked (the shared
// ECS field list is 9.5.0-dev; its release notes change none of them after
// 9.4.0).
const ECSVersion = "9.4.0"

// DataStreamType is data_stream.type of every record: audit logs are logs.
const DataStreamType = "logs"

// UnrecognizedDataset is data_stream.dataset of a map record whose vendor
// or code auditx did not find: it still needs a data stream to land in.
const UnrecognizedDataset = "auditx.unrecognized"

// maxNamespaceLen is Elasticsearch's bound of data_stream.namespace
// (the data stream naming scheme: at most 100 bytes).
const maxNamespaceLen = 100

// CheckNamespace validates a data_stream.namespace as Elasticsearch's
// data stream naming scheme does: lower case, at most 100 bytes, none of
// \ / * ? " < > | , # space, and no '-' (it separates the name's parts).
func CheckNamespace(ns string) error {
	if ns == "" || len(ns) > maxNamespaceLen {
		return fmt.Errorf("namespace must have 1 to %d bytes", maxNamespaceLen)
	}
	for i := 0; i < len(ns); i++ {
		c := ns[i]
		if c >= 'A' && c <= 'Z' || strings.IndexByte("\\/*?\"<>|,# -:", c) >= 0 || c < 0x20 {
			return fmt.Errorf("namespace %q: lower case, without - and without \\ / * ? \" < > | , # : or spaces", ns)
		}
	}
	return nil
}

// KeyError is an option New refuses, named by the config key that sets
// it: config.Error is this type, so that the plugin's config, the CLI and
// New report a bad value alike. Accepted is set where the rule says what
// would do (a fixed vendor for code_key); config fills it in from its
// table of keys otherwise.
type KeyError struct {
	Key, Value, Accepted string
	Err                  error
}

// Error names the key, the bad value, why, and what is accepted: the line
// Fluent Bit's log shows.
func (e *KeyError) Error() string {
	msg := fmt.Sprintf("config key '%s': invalid value %q", e.Key, e.Value)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Accepted != "" {
		msg += " (accepted: " + e.Accepted + ")"
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *KeyError) Unwrap() error { return e.Err }

// needsVendor is what a key that needs a fixed vendor accepts.
const needsVendor = "set vendor to a vendor id of the catalog, not auto"

// Validate checks o exactly as New does, without a catalog: what config
// runs at start-up to name a bad key before anything is built. A refused
// option is a *KeyError. Whether the catalog has the vendor is New's
// (and SetCatalog's) to say.
func (o Options) Validate() error { return o.validate() }

// validate checks o and fills in its defaults (FlatKey): each rule on the
// options is here, once.
func (o *Options) validate() error {
	if o.FlatKey == "" {
		o.FlatKey = DefaultFlatKey
	}
	if o.CodeKey != "" {
		if o.Vendor == "" {
			return &KeyError{Key: "code_key", Value: o.CodeKey, Accepted: needsVendor, Err: errors.New("needs a fixed vendor")}
		}
		segs := strings.Split(o.CodeKey, ".")
		if len(segs) > maxPathSegments {
			return &KeyError{Key: "code_key", Value: o.CodeKey, Err: fmt.Errorf("%d segments, at most %d", len(segs), maxPathSegments)}
		}
		for _, s := range segs {
			if k := normKeyString(s); k == "" {
				return &KeyError{Key: "code_key", Value: o.CodeKey, Err: fmt.Errorf("an empty segment or one longer than %d characters", maxKeyLen)}
			}
		}
	}
	if o.CodeRegex != nil {
		if n := o.CodeRegex.NumSubexp(); n > 1 {
			return &KeyError{Key: "code_regex", Value: o.CodeRegex.String(), Err: fmt.Errorf("%d groups, at most 1 (the code)", n)}
		}
		if o.Vendor == "" {
			return &KeyError{Key: "code_regex", Value: o.CodeRegex.String(), Accepted: needsVendor, Err: errors.New("needs a fixed vendor")}
		}
	}
	if o.RecordKey != "" && (!o.Namespace || o.Schema != SchemaECS) {
		return &KeyError{Key: "record_key", Value: o.RecordKey, Accepted: "set schema ecs and vendor_namespace on, or leave record_key empty",
			Err: errors.New("needs the vendor namespace layout")}
	}
	if o.DataStreamNamespace != "" {
		if err := CheckNamespace(o.DataStreamNamespace); err != nil {
			return &KeyError{Key: "data_stream_namespace", Value: o.DataStreamNamespace, Err: err}
		}
	}
	return nil
}
