package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/enrich"
)

func TestDefaults(t *testing.T) {
	c, err := Parse(Map{})
	require.NoError(t, err)
	assert.Equal(t, "", c.Enrich.Vendor, "vendor auto")
	assert.Equal(t, enrich.SchemaECS, c.Enrich.Schema)
	assert.Equal(t, "auditx", c.Enrich.FlatKey)
	assert.False(t, c.Enrich.Override)
	assert.True(t, c.Enrich.Actor, "actor on")
	assert.Equal(t, "default", c.Enrich.DataStreamNamespace, "data_stream on, namespace default")
	assert.Empty(t, c.Deprecated)
	assert.Equal(t, EmitForward, c.Emit)
	assert.Equal(t, "tcp", c.ForwardNetwork)
	assert.Equal(t, "127.0.0.1:24224", c.ForwardAddress)
	assert.Equal(t, "enriched.${TAG}", c.EmitTag)
	assert.True(t, c.RequireAck)
	assert.Equal(t, 5*time.Second, c.Timeout)
	assert.Equal(t, 60*time.Second, c.CatalogReload)
	assert.Equal(t, 8, c.MaxConnections)
	assert.Equal(t, 1000000, c.MaxMessageBytes)
	assert.Equal(t, "enriched.audit.privx", c.Tag("audit.privx"))
}

func TestValues(t *testing.T) {
	c, err := Parse(Map{
		"Vendor": "PrivX", "code_key": "message.code", "code_regex": `^(\d+)`, "catalog_files": " a.csv, b.csv ,",
		"schema": "flat", "flat_key": "ax", "override": "on", "enrich": "off", "emit": "stdout",
		"forward_path": "/run/fb.sock", "emit_tag": "x.$TAG", "require_ack": "false", "timeout": "250ms",
		"compress": "gzip", "max_connections": "2", "max_message_size": "1M", "catalog_reload_interval": "0",
		"metrics_listen": "127.0.0.1:0", "id": "privx-audit", "actor": "off", "data_stream_namespace": "team_a",
	})
	require.NoError(t, err)
	assert.Equal(t, "privx", c.Enrich.Vendor)
	assert.Equal(t, "message.code", c.Enrich.CodeKey)
	assert.Equal(t, `^(\d+)`, c.Enrich.CodeRegex.String())
	assert.Equal(t, []string{"a.csv", "b.csv"}, c.CatalogFiles)
	assert.Equal(t, enrich.SchemaFlat, c.Enrich.Schema)
	assert.Equal(t, "ax", c.Enrich.FlatKey)
	assert.True(t, c.Enrich.Override)
	require.Len(t, c.Deprecated, 1, "enrich is deprecated: accepted, ignored, reported")
	assert.Contains(t, c.Deprecated[0], "'enrich'")
	assert.Equal(t, EmitStdout, c.Emit)
	assert.Equal(t, "unix", c.ForwardNetwork)
	assert.Equal(t, "/run/fb.sock", c.ForwardAddress)
	assert.Equal(t, "x.t", c.Tag("t"))
	assert.Equal(t, "x.", c.TagPrefix())
	assert.False(t, c.RequireAck)
	assert.Equal(t, 250*time.Millisecond, c.Timeout)
	assert.True(t, c.Compress)
	assert.Equal(t, 2, c.MaxConnections)
	assert.Equal(t, 1000000, c.MaxMessageBytes, "decimal like Fluent Bit")
	assert.Zero(t, c.CatalogReload, "0 switches reloading off")
	assert.Equal(t, "privx-audit", c.ID)
	assert.False(t, c.Enrich.Actor)
	assert.Equal(t, "team_a", c.Enrich.DataStreamNamespace)

	c, err = Parse(Map{"data_stream": "off", "data_stream_namespace": "x"})
	require.NoError(t, err)
	assert.Empty(t, c.Enrich.DataStreamNamespace, "data_stream off")
}

// Every key: empty (default), wrong type, out of range. The message names
// the key, the value and what is accepted.
func TestBadValues(t *testing.T) {
	tests := []struct {
		key, value, want string
	}{
		{"vendor", "cisco asa", "accepted: auto or a vendor id of the catalog (embedded: filingbox, netop, plusauth, privx)"},
		{"code_key", "a.b", "needs a fixed vendor"},
		{"code_regex", "([", "a Go regular expression"},
		{"schema", "xml", "accepted: ecs, flat"},
		{"flat_key", "a.b", "without dots"},
		{"override", "maybe", "accepted: on, off"},
		{"actor", "sometimes", "accepted: on, off"},
		{"data_stream", "2", "accepted: on, off"},
		{"data_stream_namespace", "Prod-1", "lower case"},
		{"enrich", "2", "accepted: on, off"},
		{"emit", "kafka", "accepted: forward, stdout"},
		{"forward_address", "nohost", "host:port"},
		{"forward_address", "127.0.0.1:99999", "a port from 1 to 65535"},
		{"forward_address", "10.0.0.1:24224", "loopback"},
		{"emit_tag", "has space", "without spaces"},
		{"emit_tag", "enriched.", "does not end with '.'"},
		{"require_ack", "yesplease", "accepted: on, off"},
		{"timeout", "-1", "a duration"},
		{"timeout", "1h", "a duration from 100ms to 5m0s"},
		{"timeout", "soon", "a duration"},
		{"compress", "zstd", "accepted: off, gzip"},
		{"max_connections", "0", "an integer from 1 to 64"},
		{"max_connections", "many", "an integer from 1 to 64"},
		{"max_message_size", "1K", "a size from 64000"},
		{"max_message_size", "1T", "a size"},
		{"catalog_reload_interval", "10ms", "or 0 to switch it off"},
		{"metrics_listen", "0.0.0.0:9100", "metrics_allow_remote"},
		{"code_regex", `(\d+)`, "needs a fixed vendor"},
		{"record_key", "a.b", "without dots"},
		{"timezone", "Mars/Olympus", "an IANA zone name"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			_, err := Parse(Map{tt.key: tt.value})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "'"+tt.key+"'", "names the key")
			assert.Contains(t, err.Error(), tt.want)
			var ce *Error
			require.True(t, errors.As(err, &ce))
		})
	}
}

// The rules between keys, each checked once (enrich.Options.Validate for
// the enricher's): the error names the key the rule is about.
func TestRules(t *testing.T) {
	tests := []struct {
		name  string
		props Map
		key   string
		want  string
	}{
		{"code_regex with vendor auto", Map{"code_regex": `(\d+)`}, "code_regex", "needs a fixed vendor"},
		{"code_regex with two groups", Map{"vendor": "privx", "code_regex": `(a)(b)`}, "code_regex", "2 groups, at most 1"},
		{"code_key with vendor auto", Map{"code_key": "message.code"}, "code_key", "needs a fixed vendor"},
		{"code_key too deep", Map{"vendor": "privx", "code_key": "a.b.c.d.e.f.g.h.i"}, "code_key", "9 segments, at most 8"},
		{"record_key with the flat schema", Map{"record_key": "log", "schema": "flat"}, "record_key", "needs the vendor namespace layout"},
		{"record_key without the namespace", Map{"record_key": "log", "vendor_namespace": "off"}, "record_key", "needs the vendor namespace layout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.props)
			var ce *Error
			require.True(t, errors.As(err, &ce), "%v", err)
			require.Equal(t, tt.key, ce.Key)
			require.ErrorContains(t, err, tt.want)
			require.NotEmpty(t, ce.Accepted, "what would do")
		})
	}
	for _, ok := range []Map{
		{"vendor": "privx", "code_regex": `(\d+)`},
		{"vendor": "privx", "code_regex": `\d+`},
		{"record_key": "log"},
	} {
		_, err := Parse(ok)
		require.NoError(t, err, "%v", ok)
	}
}

func TestForwardPathAndAddressExclusive(t *testing.T) {
	_, err := Parse(Map{"forward_path": "/s", "forward_address": "127.0.0.1:1"})
	require.ErrorContains(t, err, "either forward_path or forward_address")
}

func TestRemoteAllowed(t *testing.T) {
	c, err := Parse(Map{"forward_address": "10.0.0.1:24224", "forward_allow_remote": "on"})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.1:24224", c.ForwardAddress)
	_, err = Parse(Map{"forward_address": "localhost:24224"})
	require.NoError(t, err)
	_, err = Parse(Map{"forward_address": "[::1]:24224"})
	require.NoError(t, err)
}

// Every key Parse reads is registered (Fluent Bit rejects the others), and
// every registered key is documented with a description.
func TestKeysRegistered(t *testing.T) {
	names := map[string]bool{}
	for _, k := range Keys {
		assert.NotEmpty(t, k.Description, k.Name)
		assert.False(t, names[k.Name], "duplicate key %s", k.Name)
		names[k.Name] = true
	}
	rec := recorder{}
	_, _ = Parse(rec)
	for k := range rec {
		assert.True(t, names[k], "Parse reads %q but it is not in Keys", k)
	}
	for k := range names {
		assert.True(t, rec[k], "Keys has %q but Parse never reads it", k)
	}
	// Fluent Bit's reserved keys never reach a Go plugin (FLUENT-BIT-GO.md §4).
	for _, reserved := range []string{"host", "port", "workers", "match", "alias", "log_level", "retry_limit", "tls", "name"} {
		assert.False(t, names[reserved], "%s is reserved by Fluent Bit", reserved)
	}
}

type recorder map[string]bool

func (r recorder) Get(key string) string { r[key] = true; return "" }

// docs/configuration.md is the reference written from the table: a key
// added, changed or removed without go generate ./config fails here. Every
// key has one row, with its default.
func TestReferenceCurrent(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", ReferencePath))
	require.NoError(t, err)
	require.Equal(t, string(Reference()), string(doc), "%s is out of date: run go generate ./config", ReferencePath)
	for _, k := range Keys {
		row := "| `" + k.Name + "` | "
		require.Equal(t, 1, strings.Count(string(doc), row), "one row for %s", k.Name)
		if k.Default != "" {
			line := string(doc)[strings.Index(string(doc), row):]
			line = line[:strings.Index(line, "\n")]
			assert.Contains(t, line, "`"+k.Default+"`", "default of %s", k.Name)
		}
	}
}

// The README points to the reference instead of copying it.
func TestREADMEPointsToReference(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	require.Contains(t, string(readme), "("+ReferencePath+")")
	for _, k := range Keys {
		require.NotContains(t, string(readme), "| `"+k.Name+"` | ", "README copies the reference's row of %s", k.Name)
	}
}

// The table says of each key what Parse, the config maps, the reference
// and the CLI need, consistently: the CLI's flags are the enrichment and
// catalog keys of both doors (never the reload, metrics or output-only
// keys), each kind has what it parses with.
func TestKeysTable(t *testing.T) {
	flags := map[string]bool{}
	for _, k := range Keys {
		t.Run(k.Name, func(t *testing.T) {
			require.NotEmpty(t, k.Description)
			require.NotZero(t, k.Doors)
			require.NotEmpty(t, k.AcceptedText(), "what the key accepts")
			if k.Flag != "" {
				require.Equal(t, Both, k.Doors, "a flag of auditx enrich is a key of both doors")
				require.NotContains(t, []string{"catalog_reload_interval", "metrics_listen", "metrics_allow_remote"}, k.Name)
				require.False(t, flags[k.FlagName()], "duplicate flag --%s", k.FlagName())
				flags[k.FlagName()] = true
				require.Equal(t, k.Kind == Switch, k.FlagArg() == "", "a switch's flag takes no value, the others name theirs")
			}
			switch k.Kind {
			case Choice:
				require.Contains(t, k.Choices, k.Default)
			case Duration, Integer, Size:
				require.Less(t, k.Min, k.Max)
			case Address:
				require.NotNil(t, Lookup(k.Remote), "the switch that allows a remote host")
				require.Equal(t, Switch, Lookup(k.Remote).Kind)
			case Text, List:
				require.NotEmpty(t, k.Accepted)
			}
		})
	}
	require.Equal(t, "catalog", Lookup("catalog_files").FlagName(), "--catalog, repeatable")
	require.Nil(t, Lookup("nosuch"))
}

// Parse validates without building anything with a lifetime: no catalog,
// no enricher (instance.NewCore builds those once). Building the embedded
// catalog costs thousands of allocations; parsing the keys, a few dozen.
func TestParseBuildsNoCatalog(t *testing.T) {
	props := Map{"vendor": "privx", "code_key": "message.event_id", "schema": "flat", "catalog_files": "/etc/auditx/a.csv"}
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := Parse(props); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("config.Parse: %.0f allocations", allocs)
	require.Less(t, allocs, 300.0, "Parse allocates like something that builds a catalog")
}

func BenchmarkParse(b *testing.B) {
	props := Map{"vendor": "privx", "schema": "flat"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(props); err != nil {
			b.Fatal(err)
		}
	}
}

// The documented default of every key (config.Keys, which the README's
// table and the config maps show) is what Parse applies when the key is
// unset: setting a key to its documented default changes nothing.
func TestDocumentedDefaultsAreApplied(t *testing.T) {
	unset, err := Parse(Map{})
	require.NoError(t, err)
	for _, k := range Keys {
		if k.Default == "" {
			continue
		}
		t.Run(k.Name, func(t *testing.T) {
			set, err := Parse(Map{k.Name: k.Default})
			require.NoError(t, err, "the documented default %q", k.Default)
			// A deprecated key is reported whatever it is set to (enrich).
			set.Deprecated = nil
			require.Equal(t, unset, set, "Parse's default of %s differs from the documented %q", k.Name, k.Default)
		})
	}
}
