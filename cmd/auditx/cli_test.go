package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/config"
)

// runCLI runs the command line over in-memory streams.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// writeTemp writes a file under the test's temporary directory.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// csvHeader is the older header row of a catalog file (LegacyHeader), which
// the rows of these tests follow: user files written before the
// vendor_severity, origin and provenance columns keep loading.
var csvHeader = strings.Join(catalog.LegacyHeader, ",") + "\n"

func TestUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // substring expected on stdout
		stderr     string // substring expected on stderr
		noStdout   bool
		stdinInput string
	}{
		{name: "no arguments", args: nil, code: exitUsage, stderr: "Usage:", noStdout: true},
		{name: "unknown command", args: []string{"frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"`, noStdout: true},
		{name: "help", args: []string{"help"}, code: exitOK, stdout: "auditx catalog diff"},
		{name: "--help", args: []string{"--help"}, code: exitOK, stdout: "Exit codes"},
		{name: "help enrich", args: []string{"help", "enrich"}, code: exitOK, stdout: "--code-regex RE"},
		{name: "help catalog", args: []string{"help", "catalog"}, code: exitOK, stdout: "export --format"},
		{name: "help catalog export", args: []string{"help", "catalog", "export"}, code: exitOK, stdout: "--format FORMAT"},
		{name: "help unknown", args: []string{"help", "nope"}, code: exitUsage, stderr: `unknown command "nope"`},
		{name: "enrich -h", args: []string{"enrich", "-h"}, code: exitOK, stdout: "Usage: auditx enrich"},
		{name: "enrich unknown flag", args: []string{"enrich", "--bogus"}, code: exitUsage, stderr: "flag provided but not defined: -bogus", noStdout: true},
		{name: "enrich positional argument", args: []string{"enrich", "in.log"}, code: exitUsage, stderr: `unexpected argument "in.log"`},
		{name: "enrich bad vendor", args: []string{"enrich", "--vendor", "acme"}, code: exitUsage, stderr: "accepted: auto, filingbox, netop, plusauth, privx"},
		{name: "enrich bad schema", args: []string{"enrich", "--schema", "xml"}, code: exitUsage, stderr: "accepted: ecs, flat"},
		{name: "enrich bad regex", args: []string{"enrich", "--vendor", "filingbox", "--code-regex", "("}, code: exitUsage, stderr: "--code-regex"},
		{name: "enrich code-key without vendor", args: []string{"enrich", "--code-key", "msg"}, code: exitUsage, stderr: "needs a fixed vendor"},
		{name: "enrich missing catalog", args: []string{"enrich", "--catalog", "/nonexistent/x.csv"}, code: exitFail, stderr: "/nonexistent/x.csv"},
		{name: "catalog without command", args: []string{"catalog"}, code: exitUsage, stderr: "missing command"},
		{name: "catalog unknown command", args: []string{"catalog", "frob"}, code: exitUsage, stderr: `unknown command "frob"`},
		{name: "catalog help", args: []string{"catalog", "help"}, code: exitOK, stdout: "Commands:"},
		{name: "catalog show one argument", args: []string{"catalog", "show", "filingbox"}, code: exitUsage, stderr: "want VENDOR and CODE"},
		{name: "catalog list positional", args: []string{"catalog", "list", "x"}, code: exitUsage, stderr: `unexpected argument "x"`},
		{name: "catalog list bad vendor", args: []string{"catalog", "list", "--vendor", "acme"}, code: exitUsage, stderr: `unknown vendor "acme"`},
		{name: "catalog lint no file", args: []string{"catalog", "lint"}, code: exitUsage, stderr: "no file to lint"},
		{name: "catalog diff no file", args: []string{"catalog", "diff"}, code: exitUsage, stderr: "no file to compare"},
		{name: "catalog export no format", args: []string{"catalog", "export"}, code: exitUsage, stderr: "--format is required"},
		{name: "catalog export bad format", args: []string{"catalog", "export", "--format", "yaml"}, code: exitUsage, stderr: "accepted: csv, json, markdown"},
		{name: "version", args: []string{"version"}, code: exitOK, stdout: "catalog: "},
		{name: "version extra argument", args: []string{"version", "x"}, code: exitUsage, stderr: `unexpected argument "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tt.stdinInput, tt.args...)
			require.Equal(t, tt.code, code, "stderr: %s", stderr)
			require.Contains(t, stdout, tt.stdout)
			require.Contains(t, stderr, tt.stderr)
			if tt.noStdout {
				require.Empty(t, stdout)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	stdout, _, code := runCLI(t, "", "version")
	require.Equal(t, exitOK, code)
	cat, err := catalog.Embedded()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(stdout, "auditx "), stdout)
	require.Contains(t, stdout, "catalog: "+strconv.Itoa(cat.Len())+" entries (filingbox "+strconv.Itoa(cat.Count(cat.Vendor("filingbox"))))
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantPos []string
		wantCat []string
	}{
		{name: "flags first", args: []string{"--catalog", "a", "x", "y"}, wantPos: []string{"x", "y"}, wantCat: []string{"a"}},
		{name: "flags after positionals", args: []string{"x", "--catalog", "a", "y", "--catalog=b"}, wantPos: []string{"x", "y"}, wantCat: []string{"a", "b"}},
		{name: "double dash ends flags", args: []string{"x", "--", "--catalog", "a"}, wantPos: []string{"x", "--catalog", "a"}},
		{name: "single dash is positional", args: []string{"-"}, wantPos: []string{"-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &cli{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
			fs := c.flagSet("test", "", "")
			var cats listFlag
			fs.Var(&cats, "catalog", "")
			pos, _, done := c.parse(fs, tt.args)
			require.False(t, done)
			require.Equal(t, tt.wantPos, pos)
			require.Equal(t, tt.wantCat, []string(cats))
		})
	}
}

// TestEnrichAcceptsWhatThePluginAccepts: auditx enrich reads its flags
// through config, as the plugin reads a [FILTER] section, so each setting
// is refused by both (a usage error naming the flag) or by neither.
func TestEnrichAcceptsWhatThePluginAccepts(t *testing.T) {
	for _, props := range []map[string]string{
		{"code_regex": `(\d+)`}, // vendor auto: refused by the plugin, once enriched by the CLI
		{"code_regex": `(\d+)`, "vendor": "privx"},
		{"code_regex": `(a)(b)`, "vendor": "privx"},
		{"code_regex": `(`, "vendor": "privx"},
		{"code_key": "message.code"},
		{"code_key": "message.code", "vendor": "PrivX"},
		{"timezone": "Mars/Olympus"},
		{"timezone": "+09:00"},
		{"schema": "xml"},
		{"schema": "FLAT"},
		{"flat_key": "a.b"},
		{"data_stream_namespace": "Prod-1"},
		{"data_stream_namespace": "team_a", "data_stream": "off"},
		{"record_key": "log", "schema": "flat"},
		{"record_key": "log", "vendor_namespace": "no"},
		{"record_key": "log"},
		{"vendor": "cisco asa"},
		{"override": "maybe"},
		{"actor": "off", "event_time": "0", "event_original": "yes"},
	} {
		t.Run(fmt.Sprint(props), func(t *testing.T) {
			_, perr := config.ParseFilter(config.Map(props))
			var args []string
			for k, v := range props {
				args = append(args, "--"+config.Lookup(k).FlagName()+"="+v)
			}
			_, stderr, code := runCLI(t, "", append([]string{"enrich"}, args...)...)
			if perr == nil {
				require.Equal(t, exitOK, code, "the plugin accepts it; stderr: %s", stderr)
				return
			}
			var ce *config.Error
			require.ErrorAs(t, perr, &ce)
			require.Equal(t, exitUsage, code, "the plugin refuses it (%v); stderr: %s", perr, stderr)
			require.Contains(t, stderr, "for flag --"+config.Lookup(ce.Key).FlagName(), "names the flag of %s", ce.Key)
			if ce.Err != nil {
				require.Contains(t, stderr, ce.Err.Error(), "says why, as the plugin does")
			}
			require.Contains(t, stderr, "(accepted: "+ce.Accepted+")")
		})
	}
}

// --catalog is repeatable, and each one joins catalog_files, which is
// comma-separated: two flags are the plugin's "a,b".
func TestCatalogFlagIsCatalogFiles(t *testing.T) {
	c := &cli{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	fs := c.flagSet("test", "", "")
	keys := addKeyFlags(fs, "catalog_files")
	_, _, done := c.parse(fs, []string{"--catalog", "a.csv", "x", "--catalog=b.vendor,c.csv"})
	require.False(t, done)
	require.Equal(t, "a.csv,b.vendor,c.csv", keys.Get("catalog_files"))
	cfg, err := keys.config()
	require.NoError(t, err)
	require.Equal(t, []string{"a.csv", "b.vendor", "c.csv"}, cfg.CatalogFiles)
	_, _, done = c.parse(fs, []string{"--catalog", ""})
	require.True(t, done, "an empty --catalog is refused")
}
