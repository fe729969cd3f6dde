//go:build linux

package e2e

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestShippedConfig runs the repository's own fluent-bit.conf and
// fluent-bit.yaml (the filter door) and examples/output-door.conf and .yaml
// (the output door), unchanged, from the repository root (as `make run`
// does), so that the configs users copy are the ones tested: the sample
// records come out on stdout as JSON lines, all but the one without a code
// carrying auditx's "auditx" tag.
func TestShippedConfig(t *testing.T) {
	needFluentBit(t)
	root := moduleRoot(t)
	for file, door := range map[string]doors{
		"fluent-bit.conf": filterDoor, "fluent-bit.yaml": filterDoor,
		"examples/output-door.conf": outputDoor, "examples/output-door.yaml": outputDoor,
	} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			dir := runDir(t)
			fb := startFluentBit(t, dir, fbOptions{
				ConfigFile: file,
				WorkDir:    root,
				Env: []string{
					"AUDITX_RUN_DIR=" + dir,
					"AUDITX_SAMPLES=" + filepath.Join(root, "testdata", "samples"),
					"AUDITX_HTTP_PORT=" + strconv.Itoa(freePort(t)),
				},
				LineBuffered: true,
				Doors:        door,
			})
			total := sampleTotal(t)
			deadline := time.Now().Add(30 * time.Second)
			for len(jsonLines(fb.Stdout())) < total {
				require.True(t, fb.Running(), "fluent-bit exited: %v", fb.waitErr)
				require.False(t, time.Now().After(deadline), "%d of %d JSON lines on stdout after 30s",
					len(jsonLines(fb.Stdout())), total)
				time.Sleep(100 * time.Millisecond)
			}
			fb.RequireHealthy(t)
			fb.StopClean(t)

			lines := jsonLines(fb.Stdout())
			require.Len(t, lines, total, "JSON lines on stdout")
			marked, unknown := 0, 0
			for i, line := range lines {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &rec), "stdout line %d", i+1)
				if hasTag(rec, "auditx") {
					marked++
				}
				if hasTag(rec, "auditx_unknown_code") {
					unknown++
				}
			}
			require.Equal(t, total-1, marked, "records with the auditx tag")
			require.Equal(t, len(vendors), unknown, "records with an unknown code")
			log := fb.Log()
			require.NotContains(t, log, "[error]", "the shipped config must run without errors")
			if door == filterDoor {
				require.Contains(t, log, "[filter:auditx:auditx.0] vendor=auto")
			} else {
				require.Contains(t, log, "[output:auditx:auditx.0] vendor=auto")
			}
		})
	}
}

// jsonLines returns the lines of out that hold a JSON object.
func jsonLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "{") {
			lines = append(lines, l)
		}
	}
	return lines
}
