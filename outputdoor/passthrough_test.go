//go:build passthrough

package outputdoor

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/config"
)

// The pass-through build re-emits a chunk's complete events unchanged,
// without enriching them (go test -tags passthrough ./outputdoor).
func TestPassthrough(t *testing.T) {
	h := newHarness(t, config.Map{})
	chunk := chunkOf(t, 5)
	require.Equal(t, FlushOK, h.in.Flush(chunk, "a"))
	assert.Equal(t, chunk, h.em.sends[0].events, "unchanged")
	assert.Equal(t, 5, h.em.events())
	assert.Zero(t, h.in.Enricher().Stats().Records)
	// Bytes after the last complete event are dropped and counted, as in
	// the enriching mode.
	require.Equal(t, FlushOK, h.in.Flush(append(chunk, 0x92, 0x01), "a"))
	assert.EqualValues(t, 2, h.in.Enricher().Stats().TrailingBytes)
	var w bytes.Buffer
	h.in.WriteMetrics(&w)
	assert.Contains(t, w.String(), `auditx_trailing_bytes_total{instance="test"} 2`)
}
