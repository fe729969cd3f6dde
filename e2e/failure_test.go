//go:build linux

package e2e

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/forwardtest"
)

// TestTargetDownAtStart points auditx at a loopback TCP port where nothing
// listens yet. auditx returns FLB_RETRY (and says so in the log), Fluent Bit
// keeps the chunks (Retry_Limit no_limits), and once a Forward receiver
// starts on that port every record arrives, exactly once.
func TestTargetDownAtStart(t *testing.T) {
	needFluentBit(t)
	const n = 500
	dir := runDir(t)
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	metrics := "127.0.0.1:" + strconv.Itoa(freePort(t))
	input := writePrivXLines(t, dir, "privx.log", "down", n)
	conf := renderConfig(
		service(t, dir),
		tailInput("audit.privx", input),
		auditxOutput("audit.*", "vendor", "privx", "forward_address", addr, "timeout", "1s", "id", "down", "metrics_listen", metrics),
	)
	start := time.Now()
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	// auditx's FLB_RETRY warning, then Fluent Bit's retry schedule.
	const warning = "[output:auditx:down] emit failed, Fluent Bit will retry the chunk"
	fb.WaitLog(t, warning, 15*time.Second)
	require.Contains(t, logLine(fb.Log(), warning), "[ warn]")
	fb.WaitLog(t, "retry in", 15*time.Second)
	if d := 3*time.Second - time.Since(start); d > 0 {
		time.Sleep(d) // the target stays down for at least 3 s
	}
	fb.RequireHealthy(t)
	rcv := forwardtest.Start(t, forwardtest.Options{Network: "tcp", Address: addr})
	up := time.Now()
	rcv.WaitFor(t, n, 30*time.Second)
	delivered := time.Since(up)
	fb.RequireHealthy(t)
	m := waitMetric(t, fb, metrics, "auditx_emitted_records_total", n, 10*time.Second)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	events := rcv.Events()
	requireEachOnce(t, events, "service_id", "down", n)
	for _, ev := range events {
		require.Equal(t, "enriched.audit.privx", ev.Tag)
	}
	require.Equal(t, float64(n), m["auditx_emitted_records_total"], "auditx_emitted_records_total")
	require.Positive(t, m["auditx_flush_retries_total"], "auditx must have answered FLB_RETRY while the target was down")
	t.Logf("target down %s; all %d records %s after it came up; %s",
		up.Sub(start).Round(time.Millisecond), n, delivered.Round(time.Millisecond), logLine(fb.Log(), "[output:auditx:down] exit:"))
}

// TestBrokenConfig checks that a bad configuration stops Fluent Bit at start
// with a non-zero status and a log line naming the key: an unknown key is
// refused by Fluent Bit itself (auditx registers its config map), a bad
// value by auditx's Init.
func TestBrokenConfig(t *testing.T) {
	needFluentBit(t)
	tests := []struct {
		name string
		kv   []string
		want []string
	}{
		{"unknown key", []string{"idd", "1"}, []string{"unknown configuration property 'idd'"}},
		{"bad vendor", []string{"vendor", "nosuch"}, []string{"config key 'vendor'", `"nosuch"`}},
		{"negative timeout", []string{"timeout", "-1"}, []string{"config key 'timeout'", `"-1"`}},
		{"remote forward address", []string{"forward_address", "10.0.0.1:24224"},
			[]string{"config key 'forward_address'", `"10.0.0.1:24224"`, "forward_allow_remote"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := runDir(t)
			conf := renderConfig(
				service(t, dir),
				sec("INPUT", "Name", "dummy", "Tag", "audit.x"),
				auditxOutput("audit.*", tt.kv...),
			)
			fb := startFluentBit(t, dir, fbOptions{Config: conf})
			code, exited := fb.WaitExit(20 * time.Second)
			require.True(t, exited, "fluent-bit still runs with a broken config")
			require.NotZero(t, code, "exit status")
			log := fb.Log()
			for _, w := range tt.want {
				require.Contains(t, log, w)
			}
		})
	}
}

// TestWorkers0Trap runs the trap the shipped config warns about: workers 0
// while emitting to this same Fluent Bit's in_forward, where waiting for the
// ack on the engine thread would deadlock. auditx must say so (naming the
// fix) and still deliver, sending without ack.
func TestWorkers0Trap(t *testing.T) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := receiver(t)
	sock := filepath.Join(dir, "forward.sock")
	conf := renderConfig(
		service(t, dir),
		tailInput("audit.privx", samplePath(t, "privx")),
		auditxOutput("audit.*", "workers", "0", "forward_path", sock, "id", "w0"),
		forwardUnixInput(sock),
		forwardOutputTo("enriched.*", rcv),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	want := len(readJSONLines(t, samplePath(t, "privx")))
	rcv.WaitFor(t, want, 30*time.Second)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	require.Len(t, rcv.Events(), want, "records out")
	line := logLine(fb.Log(), "[output:auditx:w0] the flush runs on Fluent Bit's engine thread")
	require.NotEmpty(t, line, "auditx's workers 0 error line")
	require.Contains(t, line, "[error]")
	require.Contains(t, line, "engine thread (workers 0)")
	require.Contains(t, line, "set 'workers 1'")
	t.Log(line)
}
