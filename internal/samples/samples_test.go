package samples

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Total counts what the files hold: every vendor has a sample log, and the
// total is the sum of their non-blank lines.
func TestTotalIsTheSumOfTheFiles(t *testing.T) {
	dir, err := Dir()
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	require.NoError(t, err)
	require.Len(t, files, len(Vendors), "one sample log per vendor")
	sum := 0
	for _, v := range Vendors {
		n, err := Count(v)
		require.NoError(t, err)
		require.Positive(t, n, v)
		sum += n
	}
	require.Equal(t, sum, MustTotal(t))
}

func TestLinesSkipBlankLines(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "testdata", "samples"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "testdata", "samples", "privx.log"), []byte("{\"a\":1}\n\n  \n{\"b\":2}\n"), 0o644))
	sub := filepath.Join(root, "pkg")
	require.NoError(t, os.Mkdir(sub, 0o755))
	t.Chdir(sub)
	n, err := Count("privx")
	require.NoError(t, err)
	require.Equal(t, 2, n)
	_, err = Count("netop")
	require.Error(t, err, "a missing sample log is an error")
}
