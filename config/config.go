package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
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
// and what is accepted. It is the type of enrich's own refusals
// (enrich.KeyError), so that a rule of the options, checked there once,
// reads the same whoever trips it.
type Error = enrich.KeyError

// embeddedVendorIDs lists the embedded vendors, for messages.
func embeddedVendorIDs() []string {
	vs, err := catalog.EmbeddedVendors()
	if err != nil {
		return nil
	}
	return vs.IDs()
}

// Parse reads every key of Keys from g, the key's Default when it is unset,
// and validates: each value as its Kind says, the rules between keys, and
// the enricher's options as enrich.New will (enrich.Options.Validate). The
// error is an *Error naming the first bad key.
func Parse(g Getter) (*Config, error) {
	c := &Config{}
	e := &c.Enrich
	p := parser{g: g}
	// A vendor id is checked here for its form; whether the catalog has it
	// (the embedded vendors or a user's descriptor) when the catalog is
	// built, at start-up and on every reload.
	if vendor := strings.ToLower(p.text("vendor")); vendor != VendorAuto {
		if err := catalog.CheckVendorID(vendor); err != nil {
			p.failWith("vendor", vendor, Lookup("vendor").AcceptedText()+" (embedded: "+strings.Join(embeddedVendorIDs(), ", ")+")", err)
		}
		e.Vendor = vendor
	}
	e.CodeKey = p.text("code_key")
	if re := p.text("code_regex"); re != "" {
		rx, err := regexp.Compile(re)
		if err != nil {
			p.fail("code_regex", re, err)
		}
		e.CodeRegex = rx
	}
	c.CatalogFiles = p.list("catalog_files")
	c.CatalogReload = p.duration("catalog_reload_interval")
	if p.choice("schema") == "flat" {
		e.Schema = enrich.SchemaFlat
	}
	if e.FlatKey = p.text("flat_key"); strings.ContainsAny(e.FlatKey, ". ") {
		p.fail("flat_key", e.FlatKey, nil)
	}
	e.Override = p.on("override")
	e.Actor = p.on("actor")
	ds := p.on("data_stream")
	ns := p.text("data_stream_namespace")
	if err := enrich.CheckNamespace(ns); err != nil {
		p.fail("data_stream_namespace", ns, nil)
	}
	if ds {
		e.DataStreamNamespace = ns
	}
	e.Namespace = p.on("vendor_namespace")
	if e.RecordKey = p.text("record_key"); strings.Contains(e.RecordKey, ".") {
		p.fail("record_key", e.RecordKey, nil)
	}
	e.EventTime = p.on("event_time")
	tz := p.text("timezone")
	if loc, err := evtime.LoadZone(tz); err != nil {
		p.fail("timezone", tz, err)
	} else {
		e.Zone, e.ZoneName = loc, tz
	}
	e.EventOriginal = p.on("event_original")
	if v := strings.TrimSpace(p.g.Get("enrich")); v != "" {
		p.on("enrich") // a bad value is still refused, as before
		c.Deprecated = append(c.Deprecated, fmt.Sprintf("config key 'enrich' (set to %q) is deprecated and has no effect: records are always enriched; remove the key (CHANGELOG.md)", v))
	}
	if p.choice("emit") == "stdout" {
		c.Emit = EmitStdout
	}
	c.AllowRemote = p.on("forward_allow_remote")
	switch path := p.text("forward_path"); {
	case path != "" && p.isSet("forward_address"):
		p.failWith("forward_address", strings.TrimSpace(p.g.Get("forward_address")), "either forward_path or forward_address, not both", nil)
	case path != "":
		c.ForwardNetwork, c.ForwardAddress = "unix", path
	default:
		c.ForwardNetwork, c.ForwardAddress = "tcp", p.address("forward_address")
	}
	c.EmitTag = p.text("emit_tag")
	switch {
	case strings.ContainsAny(c.EmitTag, " \t"):
		p.fail("emit_tag", c.EmitTag, nil)
	case strings.HasSuffix(c.EmitTag, "."):
		p.failWith("emit_tag", c.EmitTag, "a tag that does not end with '.'; write the placeholder as "+TagPlaceholderShort,
			fmt.Errorf("the tag placeholder is missing (was ${TAG} expanded from an unset environment variable?)"))
	}
	c.RequireAck = p.on("require_ack")
	c.Timeout = p.duration("timeout")
	c.Compress = p.choice("compress") == "gzip"
	c.MaxConnections = p.integer("max_connections")
	c.MaxMessageBytes = p.size("max_message_size")
	c.MetricsListen = p.address("metrics_listen")
	c.ID = p.text("id")
	if p.err != nil {
		return nil, p.err
	}
	if err := c.Enrich.Validate(); err != nil {
		return nil, withAccepted(err)
	}
	return c, nil
}

// withAccepted fills in what the key of an enrich.KeyError accepts, from
// the table, when the rule did not say.
func withAccepted(err error) error {
	var ke *Error
	if errors.As(err, &ke) && ke.Accepted == "" {
		if k := Lookup(ke.Key); k != nil {
			ke.Accepted = k.AcceptedText()
		}
	}
	return err
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
	if OutputOnly(key) {
		return ""
	}
	return f.g.Get(key)
}

// parser reads keys of the table, keeps the first error, so that the
// message names the first bad key.
type parser struct {
	g   Getter
	err error
}

// fail records a bad value of key, accepted as the table says.
func (p *parser) fail(key, value string, err error) {
	p.failWith(key, value, Lookup(key).AcceptedText(), err)
}

func (p *parser) failWith(key, value, accepted string, err error) {
	if p.err == nil {
		p.err = &Error{Key: key, Value: value, Accepted: accepted, Err: err}
	}
}

// get returns the key of the table named name, which must be of kind,
// and its value: the one set, trimmed, else the key's Default.
func (p *parser) get(name string, kind Kind) (*Key, string) {
	k := Lookup(name)
	if k == nil || k.Kind != kind {
		panic("config: " + name + " is not a key of that kind in the table")
	}
	if v := strings.TrimSpace(p.g.Get(name)); v != "" {
		return k, v
	}
	return k, k.Default
}

// isSet reports whether the key has a value of its own.
func (p *parser) isSet(name string) bool { return strings.TrimSpace(p.g.Get(name)) != "" }

func (p *parser) text(name string) string {
	_, v := p.get(name, Text)
	return v
}

func (p *parser) list(name string) []string {
	_, v := p.get(name, List)
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (p *parser) choice(name string) string {
	k, v := p.get(name, Choice)
	v = strings.ToLower(v)
	if slices.Contains(k.Choices, v) {
		return v
	}
	p.fail(name, v, nil)
	return strings.ToLower(k.Default)
}

func (p *parser) on(name string) bool {
	k, v := p.get(name, Switch)
	switch strings.ToLower(v) {
	case "on", "true", "yes", "1":
		return true
	case "off", "false", "no", "0":
		return false
	}
	p.fail(name, v, nil)
	return strings.EqualFold(k.Default, "on")
}

func (p *parser) integer(name string) int {
	k, v := p.get(name, Integer)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < k.Min || n > k.Max {
		p.fail(name, v, nil)
		return 0
	}
	return int(n)
}

// duration accepts Go durations (5s, 1m30s) and plain seconds (5).
func (p *parser) duration(name string) time.Duration {
	k, v := p.get(name, Duration)
	d, err := time.ParseDuration(v)
	if err != nil {
		n, err2 := strconv.ParseFloat(v, 64)
		if err2 != nil {
			p.fail(name, v, nil)
			return 0
		}
		d = time.Duration(n * float64(time.Second))
	}
	if k.ZeroOff && d == 0 {
		return 0
	}
	if d < time.Duration(k.Min) || d > time.Duration(k.Max) {
		p.fail(name, v, nil)
		return 0
	}
	return d
}

// size accepts bytes with an optional K, M or G suffix, decimal like Fluent
// Bit's own sizes.
func (p *parser) size(name string) int {
	k, v := p.get(name, Size)
	mult := int64(1)
	num := strings.TrimSuffix(strings.ToUpper(v), "B")
	switch {
	case strings.HasSuffix(num, "K"):
		mult, num = 1000, strings.TrimSuffix(num, "K")
	case strings.HasSuffix(num, "M"):
		mult, num = 1000*1000, strings.TrimSuffix(num, "M")
	case strings.HasSuffix(num, "G"):
		mult, num = 1000*1000*1000, strings.TrimSuffix(num, "G")
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > k.Max/mult || n*mult < k.Min {
		p.fail(name, v, nil)
		return 0
	}
	return int(n * mult)
}

// address returns host:port (or "" when unset without a default), with the
// port in range and, unless the key's Remote switch is on, a loopback host.
func (p *parser) address(name string) string {
	k, addr := p.get(name, Address)
	remote := p.on(k.Remote)
	if addr == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.fail(name, addr, err)
		return addr
	}
	if n, err := strconv.Atoi(port); err != nil || int64(n) < k.Min || n > 65535 {
		p.fail(name, addr, errors.New("the port is out of range"))
		return addr
	}
	if remote || host == "localhost" {
		return addr
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		p.fail(name, addr, errors.New("not a loopback host"))
	}
	return addr
}
