//go:build linux

package outputdoor

import (
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSelfListening(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "in.sock")
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	defer ln.Close()
	assert.True(t, selfListening("unix", sock))
	assert.False(t, selfListening("unix", sock+".other"))
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer tl.Close()
	assert.True(t, selfListening("tcp", tl.Addr().String()))
	port := tl.Addr().(*net.TCPAddr).Port
	tl.Close()
	time.Sleep(10 * time.Millisecond)
	assert.False(t, selfListening("tcp", fmt.Sprintf("127.0.0.1:%d", port)))
}
