package forward

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/fluentbit"
)

// fluentBitEnv names the Fluent Bit binary for TestRealFluentBit, e.g.
// go test ./outputdoor/forward/ -run Real   (Fluent Bit from FLUENT_BIT_BIN, PATH or /opt/fluent-bit)

// realFluentBit runs fluent-bit with in_forward on a unix socket and a
// stdout json_lines output, and collects the printed records.
type realFluentBit struct {
	sock  string
	stop  func()
	mu    sync.Mutex
	lines []map[string]any
	log   bytes.Buffer
}

func startFluentBit(t *testing.T, bin, dir, bufferMax string) *realFluentBit {
	t.Helper()
	fb := &realFluentBit{sock: filepath.Join(dir, "in.sock")}
	conf := fmt.Sprintf(`[SERVICE]
    flush     0.2
    log_level info
[INPUT]
    name            forward
    unix_path       %s
    buffer_max_size %s
    threaded        on
[OUTPUT]
    name   stdout
    match  *
    format json_lines
`, fb.sock, bufferMax)
	confPath := filepath.Join(dir, "fb.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o600))
	_ = os.Remove(fb.sock)

	cmd := exec.Command(bin, "-c", confPath)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = &lockedWriter{mu: &fb.mu, w: &fb.log}
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var rec map[string]any
			fb.mu.Lock()
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				fb.log.Write(sc.Bytes())
				fb.log.WriteByte('\n')
			} else {
				fb.lines = append(fb.lines, rec)
			}
			fb.mu.Unlock()
		}
	}()
	var once sync.Once
	fb.stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			<-done
			_ = cmd.Wait()
			if t.Failed() {
				fb.mu.Lock()
				t.Logf("fluent-bit output:\n%s", fb.log.String())
				fb.mu.Unlock()
			}
		})
	}
	t.Cleanup(fb.stop)
	require.Eventually(t, func() bool { _, err := os.Stat(fb.sock); return err == nil },
		10*time.Second, 20*time.Millisecond, "in_forward socket never appeared")
	return fb
}

func fluentBitDir(t *testing.T) (bin, dir string) {
	t.Helper()
	bin, err := fluentbit.Find()
	switch {
	case errors.Is(err, fluentbit.ErrNotFound) && !fluentbit.Required():
		t.Skip(fluentbit.Missing)
	case err != nil:
		t.Fatal(err)
	}
	dir, err = os.MkdirTemp("", "fb") // short: sun_path is 108 bytes
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return bin, dir
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (fb *realFluentBit) records() []map[string]any {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return append([]map[string]any(nil), fb.lines...)
}

// TestRealFluentBit checks the client against Fluent Bit's own in_forward
// (found as the e2e tests find it: internal/fluentbit).
func TestRealFluentBit(t *testing.T) {
	bin, dir := fluentBitDir(t)
	fb := startFluentBit(t, bin, dir, "64k")

	tests := []struct {
		name       string
		requireAck bool
		compress   bool
	}{
		{"ack", true, false},
		{"ack gzip", true, true},
		{"no ack", false, false},
	}
	seq := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(Config{
				Network: NetworkUnix, Address: fb.sock, RequireAck: tt.requireAck,
				Compress: tt.compress, Timeout: 5 * time.Second, MaxConns: 2,
			})
			require.NoError(t, err)
			defer c.Close()
			var first []net.Conn
			for range 3 {
				ev, n := testEvents(seq, 10, 20)
				require.NoError(t, c.Send(testTag, ev, n))
				seq += n
				if first == nil {
					first = poolConns(c)
				}
			}
			require.Len(t, first, 1)
			require.Equal(t, first, poolConns(c), "one connection reused")
		})
	}
	t.Run("message of MaxPayload fits buffer_max_size", func(t *testing.T) {
		c, err := NewClient(Config{Network: NetworkUnix, Address: fb.sock, RequireAck: true,
			Timeout: 5 * time.Second, MaxConns: 1, MaxMessageBytes: 64000})
		// Fluent Bit sizes are decimal: "64k" is 64000 bytes (src/flb_utils.c flb_utils_size_to_bytes).
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.Send(testTag, eventOfSize(t, seq, c.MaxPayload()), 1))
		seq++
	})
	t.Run("message over buffer_max_size closes the connection", func(t *testing.T) {
		c, err := NewClient(Config{Network: NetworkUnix, Address: fb.sock, RequireAck: true,
			Timeout: 5 * time.Second, MaxConns: 1})
		require.NoError(t, err)
		defer c.Close()
		ev, n := eventsOfSize(200 << 10)
		err = c.Send(testTag, ev, n)
		requireRetryable(t, err)
		small, n := testEvents(seq, 1, 20)
		require.NoError(t, c.Send(testTag, small, n), "the next Send dials again")
		seq++
	})

	require.Eventually(t, func() bool { return len(fb.records()) >= seq }, 10*time.Second, 50*time.Millisecond)
	recs := fb.records()
	require.Len(t, recs, seq)
	have := map[int]bool{}
	for _, r := range recs {
		// json_lines: {"date": ..., "seq": n, "msg": ...}
		v, ok := r["seq"].(float64)
		require.True(t, ok, "record %v", r)
		have[int(v)] = true
		ts, ok := r["date"].(float64)
		require.True(t, ok, "record %v", r)
		require.InDelta(t, 1700000000, ts, 1)
	}
	require.Len(t, have, seq)
}

// TestRealFluentBitRestart checks that a client outlives a Fluent Bit
// restart on the same socket: the idle check notices the closed connection
// and the first Send after the restart redials.
func TestRealFluentBitRestart(t *testing.T) {
	bin, dir := fluentBitDir(t)
	fb := startFluentBit(t, bin, dir, "6144000")
	c, err := NewClient(Config{Network: NetworkUnix, Address: fb.sock, RequireAck: true,
		Timeout: 5 * time.Second, MaxConns: 1})
	require.NoError(t, err)
	defer c.Close()
	ev, n := testEvents(0, 5, 20)
	require.NoError(t, c.Send(testTag, ev, n))
	require.Eventually(t, func() bool { return len(fb.records()) == 5 }, 10*time.Second, 50*time.Millisecond)
	fb.stop()

	ev, n = testEvents(5, 5, 20)
	requireOp(t, c.Send(testTag, ev, n), OpDial, true)

	fb = startFluentBit(t, bin, dir, "6144000")
	require.NoError(t, c.Send(testTag, ev, n))
	require.Eventually(t, func() bool { return len(fb.records()) == 5 }, 10*time.Second, 50*time.Millisecond)
}
