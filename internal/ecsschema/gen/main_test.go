package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The committed fields.tsv and version_gen.go are what Generate writes from
// the shared field list (../shared/ecs/ecs-fields.json from the repository
// root). The test skips only when that file is absent (a checkout without
// the shared directory).
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := repoRoot(t)
	shared := filepath.Join(root, SharedPath)
	js, err := os.ReadFile(shared)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("the shared ECS field list %s is absent: fields.tsv not compared", shared)
	}
	require.NoError(t, err)
	tsv, goSrc, err := Generate(js)
	require.NoError(t, err)
	dir := filepath.Join(root, "internal", "ecsschema")
	got, err := os.ReadFile(filepath.Join(dir, TSVFile))
	require.NoError(t, err)
	require.True(t, string(tsv) == string(got), "%s is stale: run go generate in internal/ecsschema", TSVFile)
	got, err = os.ReadFile(filepath.Join(dir, VersionFile))
	require.NoError(t, err)
	require.Equal(t, string(goSrc), string(got), "%s is stale: run go generate in internal/ecsschema", VersionFile)
}

func TestGenerateRefuses(t *testing.T) {
	for _, tc := range []struct{ js, msg string }{
		{`{"source": "no version here", "fields": {"a": {"type": "keyword"}}}`, "names no ECS version"},
		{`{"source": "x (version 9.5.0)", "fields": {}}`, "no fields"},
		{`{"source": "x (version 9.5.0)", "fields": {"a": {}}}`, `field "a": type ""`},
		{`{"source": "x (version 9.5.0)", "fields": {"a": {"type": "keyword"}, "a.b": {"type": "keyword"}}}`, `field "a" of type keyword has subfields`},
	} {
		_, _, err := Generate([]byte(tc.js))
		require.ErrorContains(t, err, tc.msg)
	}
	tsv, goSrc, err := Generate([]byte(`{"source": "x (version 9.5.0, commit 1)", "fields": {"b": {"type": "long"}, "a": {"type": "object"}, "a.c": {"type": "ip"}}}`))
	require.NoError(t, err)
	require.Contains(t, string(tsv), "a\tobject\na.c\tip\nb\tlong\n")
	require.Contains(t, string(goSrc), `const Version = "9.5.0"`)
}

// repoRoot is the first directory above the working directory with a go.mod.
func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above %s", dir)
		dir = parent
	}
}
