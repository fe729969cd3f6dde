package config

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/internal/evtime"
)

// Getter reads one property; "" means unset. Fluent Bit's
// FLBPluginConfigKey and a map both satisfy it.
type Getter interface {
	Get(key string) string
}

// Map is a Getter over a map, keys matched case-insensitively like Fluent Bit does.
type Map map[string]string

// Get returns the value of key.
func (m Map) Get(key string) string {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// Emit selects where enriched records go.
type Emit uint8

// Emit modes.
const (
	EmitForward Emit = iota // Forward protocol to an in_forward
	EmitStdout              // JSON lines on standard output (debugging, demos)
)

// String returns the config value.
func (e Emit) String() string {
	if e == EmitStdout {
		return "stdout"
	}
	return "forward"
}

// TagPlaceholder in emit_tag is replaced by the incoming tag. Fluent Bit
// expands ${NAME} in config files from the environment, except for keys that
// the plugin registers with FLB_CONFIG_MAP_DYNAMIC_ENV, as auditx does for
// emit_tag; the short form TagPlaceholderShort is accepted too.
const (
	TagPlaceholder      = "${TAG}"
	TagPlaceholderShort = "$TAG"
)

// Config is the validated configuration of one auditx output instance.
type Config struct {
	Enrich          enrich.Options
	CatalogFiles    []string // user catalog files, overlaid in order
	CatalogReload   time.Duration
	Emit            Emit
	ForwardNetwork  string // "unix" or "tcp"
	ForwardAddress  string // socket path or host:port
	AllowRemote     bool
	EmitTag         string // template, may contain TagPlaceholder
	RequireAck      bool
	Timeout         time.Duration
	Compress        bool
	MaxConnections  int
	MaxMessageBytes int
	MetricsListen   string
	ID              string // instance name in logs and metrics
	// Deprecated says, one line a key, which deprecated keys the section
	// sets and what to do instead; the door logs each as a warning at start.
	Deprecated []string
}

// Tag returns the tag to emit for records that arrived under tag.
func (c *Config) Tag(tag string) string {
	return strings.ReplaceAll(strings.ReplaceAll(c.EmitTag, TagPlaceholder, tag), TagPlaceholderShort, tag)
}

// TagPrefix returns the part of emit_tag before the placeholder: an incoming
// tag that starts with it was most likely emitted by auditx itself (a loop).
func (c *Config) TagPrefix() string {
	for _, ph := range []string{TagPlaceholder, TagPlaceholderShort} {
		if i := strings.Index(c.EmitTag, ph); i >= 0 {
			return c.EmitTag[:i]
		}
	}
	return ""
}

// Error is a bad configuration value; its message names the key, the value
// and what is accepted.
type Error struct {
	Key, Value, Accepted string
	Err                  error
}

// Error returns the message shown in Fluent Bit's log.
func (e *Error) Error() string {
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
func (e *Error) Unwrap() error { return e.Err }

// Limits of numeric keys.
const (
	MinTimeout         = 100 * time.Millisecond
	MaxTimeout         = 5 * time.Minute
	MaxConnectionsMax  = 64
	MinMessageBytes    = 64 * 1000
	MaxMessageBytesMax = 64 * 1000 * 1000
	MinCatalogReload   = time.Second
)

// DefaultTimezone is the zone of zoneless vendor times.
const DefaultTimezone = "UTC"

// VendorAuto is the vendor setting that recognises each record's vendor.
const VendorAuto = "auto"

// embeddedVendorIDs lists the embedded vendors, for messages.
func embeddedVendorIDs() []string {
	vs, err := catalog.EmbeddedVendors()
	if err != nil {
		return nil
	}
	return vs.IDs()
}

// Parse reads every key from g, applies defaults and validates.
func Parse(g Getter) (*Config, error) {
	c := &Config{}
	p := parser{g: g}
	// A vendor id is checked here for its form; whether the catalog has it
	// (the embedded vendors or a user's descriptor) when the catalog is
	// built, at start-up and on every reload.
	if vendor := strings.ToLower(p.str("vendor")); vendor != "" && vendor != VendorAuto {
		if err := catalog.CheckVendorID(vendor); err != nil {
			p.fail("vendor", vendor, VendorAuto+" or a vendor id of the catalog (embedded: "+strings.Join(embeddedVendorIDs(), ", ")+")", err)
		}
		c.Enrich.Vendor = vendor
	}
	c.Enrich.CodeKey = p.str("code_key")
	if re := p.str("code_regex"); re != "" && p.err == nil {
		rx, err := regexp.Compile(re)
		if err != nil {
			p.fail("code_regex", re, "a Go regular expression with at most one group", err)
		} else if rx.NumSubexp() > 1 {
			p.fail("code_regex", re, "a Go regular expression with at most one group", fmt.Errorf("%d groups", rx.NumSubexp()))
		} else {
			c.Enrich.CodeRegex = rx
		}
	}
	if c.Enrich.CodeKey != "" && c.Enrich.Vendor == "" && p.err == nil {
		p.fail("code_key", c.Enrich.CodeKey, "set vendor to a vendor id ("+strings.Join(embeddedVendorIDs(), ", ")+", or a user's)",
			fmt.Errorf("needs a fixed vendor, not auto"))
	}
	if c.Enrich.CodeRegex != nil && c.Enrich.Vendor == "" && p.err == nil {
		p.fail("code_regex", c.Enrich.CodeRegex.String(), "set vendor to a vendor id ("+strings.Join(embeddedVendorIDs(), ", ")+", or a user's)",
			fmt.Errorf("needs a fixed vendor, not auto"))
	}
	for _, f := range strings.Split(p.str("catalog_files"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			c.CatalogFiles = append(c.CatalogFiles, f)
		}
	}
	c.CatalogReload = p.duration("catalog_reload_interval", 60*time.Second, MinCatalogReload, 24*time.Hour, true)
	if p.choice("schema", []string{"ecs", "flat"}) == "flat" {
		c.Enrich.Schema = enrich.SchemaFlat
	}
	c.Enrich.FlatKey = p.str("flat_key")
	if c.Enrich.FlatKey == "" {
		c.Enrich.FlatKey = enrich.DefaultFlatKey
	} else if strings.ContainsAny(c.Enrich.FlatKey, ". ") {
		p.fail("flat_key", c.Enrich.FlatKey, "a key without dots or spaces", nil)
	}
	c.Enrich.Override = p.boolean("override", false)
	c.Enrich.Actor = p.boolean("actor", true)
	ds := p.boolean("data_stream", true)
	ns := p.str("data_stream_namespace")
	if ns == "" {
		ns = DefaultDataStreamNamespace
	}
	if err := enrich.CheckNamespace(ns); err != nil {
		p.fail("data_stream_namespace", ns, "lower case, at most 100 bytes, without - \\ / * ? \" < > | , # : or spaces", nil)
	}
	if ds {
		c.Enrich.DataStreamNamespace = ns
	}
	c.Enrich.Namespace = p.boolean("vendor_namespace", true)
	if rk := p.str("record_key"); rk != "" {
		if strings.ContainsAny(rk, ".") {
			p.fail("record_key", rk, "a top-level key, without dots", nil)
		}
		c.Enrich.RecordKey = rk
	}
	if c.Enrich.RecordKey != "" && (!c.Enrich.Namespace || c.Enrich.Schema != enrich.SchemaECS) && p.err == nil {
		p.fail("record_key", c.Enrich.RecordKey, "set schema ecs and vendor_namespace on, or leave record_key empty", fmt.Errorf("needs the vendor namespace layout"))
	}
	c.Enrich.EventOriginal = p.boolean("event_original", false)
	c.Enrich.EventTime = p.boolean("event_time", true)
	tz := p.str("timezone")
	if tz == "" {
		tz = DefaultTimezone
	}
	if loc, err := evtime.LoadZone(tz); err != nil {
		p.fail("timezone", tz, "an IANA zone name (Europe/Helsinki) or a fixed offset (+09:00)", err)
	} else {
		c.Enrich.Zone, c.Enrich.ZoneName = loc, tz
	}
	if v := p.str("enrich"); v != "" {
		p.boolean("enrich", true) // a bad value is still refused, as before
		c.Deprecated = append(c.Deprecated, fmt.Sprintf("config key 'enrich' (set to %q) is deprecated and has no effect: records are always enriched; remove the key (CHANGELOG.md)", v))
	}
	if p.choice("emit", []string{"forward", "stdout"}) == "stdout" {
		c.Emit = EmitStdout
	}
	path, addr := p.str("forward_path"), p.str("forward_address")
	c.AllowRemote = p.boolean("forward_allow_remote", false)
	switch {
	case path != "" && addr != "":
		p.fail("forward_address", addr, "either forward_path or forward_address, not both", nil)
	case path != "":
		c.ForwardNetwork, c.ForwardAddress = "unix", path
	default:
		if addr == "" {
			addr = DefaultForwardAddress
		}
		c.ForwardNetwork, c.ForwardAddress = "tcp", addr
		p.checkAddress("forward_address", addr, c.AllowRemote)
	}
	c.EmitTag = p.str("emit_tag")
	switch {
	case c.EmitTag == "":
		c.EmitTag = DefaultEmitTag
	case strings.ContainsAny(c.EmitTag, " \t"):
		p.fail("emit_tag", c.EmitTag, "a tag without spaces, optionally with "+TagPlaceholderShort, nil)
	case strings.HasSuffix(c.EmitTag, "."):
		p.fail("emit_tag", c.EmitTag, "a tag that does not end with '.'; write the placeholder as "+TagPlaceholderShort,
			fmt.Errorf("the tag placeholder is missing (was ${TAG} expanded from an unset environment variable?)"))
	}
	c.RequireAck = p.boolean("require_ack", true)
	c.Timeout = p.duration("timeout", 5*time.Second, MinTimeout, MaxTimeout, false)
	switch p.choice("compress", []string{"off", "gzip"}) {
	case "gzip":
		c.Compress = true
	}
	c.MaxConnections = p.integer("max_connections", 8, 1, MaxConnectionsMax)
	c.MaxMessageBytes = p.size("max_message_size", DefaultMaxMessageBytes, MinMessageBytes, MaxMessageBytesMax)
	c.MetricsListen = p.str("metrics_listen")
	metricsRemote := p.boolean("metrics_allow_remote", false)
	if c.MetricsListen != "" {
		p.checkAddress("metrics_listen", c.MetricsListen, metricsRemote)
	}
	c.ID = p.str("id")
	if p.err != nil {
		return nil, p.err
	}
	if err := enrichCheck(c); err != nil {
		return nil, err
	}
	return c, nil
}

// ParseFilter reads the keys of a [FILTER] auditx section: the enrichment,
// catalog and metrics keys, validated exactly as Parse does. The output's
// re-emission keys are not read (Fluent Bit rejects them in a filter
// section, whose config map does not list them); their fields keep their
// defaults and mean nothing to a filter.
func ParseFilter(g Getter) (*Config, error) {
	return Parse(filterGetter{g})
}

type filterGetter struct{ g Getter }

func (f filterGetter) Get(key string) string {
	if outputOnly[key] {
		return ""
	}
	return f.g.Get(key)
}

// Defaults of keys whose default is not the zero value.
const (
	DefaultForwardAddress = "127.0.0.1:24224"
	DefaultEmitTag        = "enriched." + TagPlaceholder
	// DefaultDataStreamNamespace is Elastic's default namespace (the data
	// stream naming scheme, logs-<dataset>-default).
	DefaultDataStreamNamespace = "default"
	// DefaultMaxMessageBytes is in_forward's default buffer_chunk_size
	// (1024000, plugins/in_forward/fw.c, v5.1.1) rounded down: a message that
	// fits one read is parsed once, while fw_prot_process re-parses a bigger
	// one from its start on every read (measured: C fell from 11.4 s to 7.5 s
	// for 1M records with 1,000,000 instead of 6,144,000, the buffer_max_size).
	DefaultMaxMessageBytes = 1000000
)

func enrichCheck(c *Config) error {
	// The enricher's own validation, so that the two cannot disagree; it
	// builds nothing (no catalog: instance.NewCore builds it, once per section).
	if err := c.Enrich.Validate(); err != nil {
		return &Error{Key: "code_key", Value: c.Enrich.CodeKey, Err: err}
	}
	return nil
}

// parser keeps the first error, so that the message names the first bad key.
type parser struct {
	g   Getter
	err error
}

func (p *parser) fail(key, value, accepted string, err error) {
	if p.err == nil {
		p.err = &Error{Key: key, Value: value, Accepted: accepted, Err: err}
	}
}

func (p *parser) str(key string) string { return strings.TrimSpace(p.g.Get(key)) }

func (p *parser) choice(key string, accepted []string) string {
	v := strings.ToLower(p.str(key))
	if v == "" {
		return accepted[0]
	}
	for _, a := range accepted {
		if v == a {
			return v
		}
	}
	p.fail(key, v, strings.Join(accepted, ", "), nil)
	return accepted[0]
}

func (p *parser) boolean(key string, def bool) bool {
	switch strings.ToLower(p.str(key)) {
	case "":
		return def
	case "on", "true", "yes", "1":
		return true
	case "off", "false", "no", "0":
		return false
	}
	p.fail(key, p.str(key), "on, off, true, false, yes, no", nil)
	return def
}

func (p *parser) integer(key string, def, lo, hi int) int {
	v := p.str(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(key, v, fmt.Sprintf("an integer from %d to %d", lo, hi), nil)
		return def
	}
	return n
}

// duration accepts Go durations (5s, 1m30s) and plain seconds (5).
func (p *parser) duration(key string, def, lo, hi time.Duration, zeroOK bool) time.Duration {
	v := p.str(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		n, err2 := strconv.ParseFloat(v, 64)
		if err2 != nil {
			p.fail(key, v, fmt.Sprintf("a duration such as 5s or 1m, from %s to %s", lo, hi), nil)
			return def
		}
		d = time.Duration(n * float64(time.Second))
	}
	if zeroOK && d == 0 {
		return 0
	}
	if d < lo || d > hi {
		accepted := fmt.Sprintf("a duration from %s to %s", lo, hi)
		if zeroOK {
			accepted += ", or 0 to switch it off"
		}
		p.fail(key, v, accepted, nil)
		return def
	}
	return d
}

// size accepts bytes with an optional K, M or G suffix, decimal like Fluent
// Bit's own sizes (flb_utils_size_to_bytes: 6M is 6,000,000 bytes).
func (p *parser) size(key string, def, lo, hi int) int {
	v := p.str(key)
	if v == "" {
		return def
	}
	mult := 1
	num := strings.ToUpper(v)
	num = strings.TrimSuffix(num, "B")
	switch {
	case strings.HasSuffix(num, "K"):
		mult, num = 1000, strings.TrimSuffix(num, "K")
	case strings.HasSuffix(num, "M"):
		mult, num = 1000*1000, strings.TrimSuffix(num, "M")
	case strings.HasSuffix(num, "G"):
		mult, num = 1000*1000*1000, strings.TrimSuffix(num, "G")
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > hi/mult || n*mult < lo {
		p.fail(key, v, fmt.Sprintf("a size from %d to %d bytes (suffixes K, M, G)", lo, hi), nil)
		return def
	}
	return n * mult
}

// checkAddress validates host:port; a non-loopback host needs allowRemote.
func (p *parser) checkAddress(key, addr string, allowRemote bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.fail(key, addr, "host:port, e.g. 127.0.0.1:24224", err)
		return
	}
	lowest := 1
	if key == "metrics_listen" {
		lowest = 0 // any free port; the log line says which
	}
	if n, err := strconv.Atoi(port); err != nil || n < lowest || n > 65535 {
		p.fail(key, addr, fmt.Sprintf("a port from %d to 65535", lowest), nil)
		return
	}
	if allowRemote {
		return
	}
	if host == "localhost" {
		return
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		remoteKey := "forward_allow_remote"
		if key == "metrics_listen" {
			remoteKey = "metrics_allow_remote"
		}
		p.fail(key, addr, "a loopback address (127.0.0.1, ::1, localhost), or set "+remoteKey+" on", nil)
	}
}
