package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
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
