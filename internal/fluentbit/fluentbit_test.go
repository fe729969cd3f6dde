package fluentbit

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFindEnv(t *testing.T) {
	notExec := filepath.Join(t.TempDir(), "fluent-bit")
	require.NoError(t, os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644))
	t.Setenv(Env, notExec)
	_, err := Find()
	require.ErrorContains(t, err, "is not an executable file")
	require.NoError(t, os.Chmod(notExec, 0o755))
	bin, err := Find()
	require.NoError(t, err)
	require.Equal(t, notExec, bin, "FLUENT_BIT_BIN comes first")
}

// CheckStorageBacklog tells a Fluent Bit without the storage_backlog input
// (here a stand-in that logs what such a build logs) from a complete one.
func TestCheckStorageBacklog(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "fluent-bit")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\necho '[error] [storage] storage creation failed'\nsleep 5\n"), 0o755))
	err := checkStorageBacklog(fake)
	require.ErrorContains(t, err, "has no storage_backlog input")

	bin, err := Find()
	if errors.Is(err, ErrNotFound) && !Required() {
		t.Skip(Missing)
	}
	require.NoError(t, err)
	require.NoError(t, checkStorageBacklog(bin), "the installed Fluent Bit")
}
