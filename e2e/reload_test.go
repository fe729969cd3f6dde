//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Hot reload (SIGHUP with Hot_Reload On) in Fluent Bit v5.1.1, as found by
// running it (src/flb_reload.c): the old context is stopped like a shutdown
// (every input paused, auditx's in_forward included), the external plugin is
// registered again, and a new context starts in the same process, so auditx's
// Register/Init run again in the same Go runtime and ExitCtx runs for every
// old instance. Three findings shape the configuration that works:
//
//  1. With Hot_Reload.Ensure_Thread_Safety on (the default) the old context
//     gets grace -1: it waits for every pending task, without limit. A chunk
//     that auditx is flushing can never be delivered, because the in_forward
//     it emits to is paused and never acknowledges: the reload hangs forever
//     (TestHotReloadHangsWithPendingChunk). `threaded on` on the in_forward
//     does not help: it is stopped as well.
//  2. With `workers 1` (or more) Fluent Bit starts TWO worker threads for a
//     Go output (flb_proxy_output_cb_init and flb_output_init_all both call
//     flb_output_enable_multi_threading); the reload stops only one of them,
//     and the other, left behind with the old context's freed state, crashes
//     the process (SIGSEGV in output_thread / flb_sched_event_handler) at the
//     second reload: during it with Ensure_Thread_Safety Off
//     (TestHotReloadWorkersCrash), right after it with the default. A minimal
//     fluent-bit-go plugin that only returns FLB_OK does the same: the bug is
//     Fluent Bit's, not auditx's.
//  3. What works: Hot_Reload.Ensure_Thread_Safety Off (the Grace period
//     applies), `workers 0` on auditx with `threaded on` on its in_forward
//     (so the ack does not need the engine thread), and filesystem storage
//     on the inputs (a chunk still pending when the grace period ends stays
//     on disk and the new context flushes it from the storage backlog)
//     (TestHotReloadWithStorage).

const (
	// reloadTimeout bounds one successful hot reload (Grace 2 s plus the
	// new context's start).
	reloadTimeout = 20 * time.Second
	// reloadGrowth is the most threads or open files a process may gain
	// from reload to reload.
	reloadGrowth = 2
	// reloadDone is Fluent Bit's log line after a hot reload.
	reloadDone = "[reload] successful reload done."
)

// hotReloadService is [SERVICE] with hot reload on; ensureThreadSafety ""
// leaves Fluent Bit's default (on).
func hotReloadService(t testing.TB, dir, ensureThreadSafety string) section {
	s := service(t, dir)
	s.kv = append(s.kv, "Hot_Reload", "On")
	if ensureThreadSafety != "" {
		s.kv = append(s.kv, "Hot_Reload.Ensure_Thread_Safety", ensureThreadSafety)
	}
	return s
}

// sighup sends SIGHUP to Fluent Bit.
func sighup(t testing.TB, fb *fluentBit) {
	t.Helper()
	require.NoError(t, fb.cmd.Process.Signal(syscall.SIGHUP))
}

// waitReloads waits until Fluent Bit has logged n successful reloads; it
// fails the test after timeout or when the process exits.
func waitReloads(t testing.TB, fb *fluentBit, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for strings.Count(fb.Log(), reloadDone) < n {
		if !fb.Running() {
			t.Fatalf("fluent-bit exited (%v) during hot reload #%d; %s", fb.waitErr, n, crashSummary(fb.Log()))
		}
		if time.Now().After(deadline) {
			t.Fatalf("hot reload #%d did not complete within %s", n, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// crashSummary returns Fluent Bit's "caught signal" line for a crash and the
// first frames of its backtrace, or "no crash in the log".
func crashSummary(log string) string {
	i := -1
	for _, sig := range []string{"SIGSEGV", "SIGABRT", "SIGBUS", "SIGFPE"} {
		if j := strings.Index(log, "caught signal ("+sig+")"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
	}
	if i < 0 {
		return "no crash in the log"
	}
	out := []string{logLine(log[i:], "caught signal")}
	for _, line := range strings.Split(log[i:], "\n") {
		if strings.HasPrefix(line, "#") {
			out = append(out, strings.Join(strings.Fields(line), " "))
			if len(out) > 4 {
				break
			}
		}
	}
	return strings.Join(out, " | ")
}

// TestHotReloadWithStorage runs the configuration that survives hot reloads
// (finding 3 above) with records flowing from a growing file, sends three
// SIGHUPs, and checks that every reload completes, that no record is lost,
// that every old auditx instance ran ExitCtx (its "exit:" line) and released
// its metrics listener (the new one binds the same port), and that threads
// and open files do not grow from reload to reload.
func TestHotReloadWithStorage(t *testing.T) {
	needFluentBit(t)
	const (
		name    = "hr"
		n       = 10000
		rate    = 1000
		reloads = 3
	)
	dir := runDir(t)
	rcv := receiver(t)
	sock := filepath.Join(dir, "forward.sock")
	input := filepath.Join(dir, "input.log")
	require.NoError(t, os.WriteFile(input, nil, 0o600))
	metrics := "127.0.0.1:" + strconv.Itoa(freePort(t))
	tail := tailInput("audit.privx", input)
	tail.kv = append(tail.kv, "DB", filepath.Join(dir, "tail.db"), "storage.type", "filesystem")
	conf := renderConfig(
		hotReloadService(t, dir, "Off"),
		tail,
		auditxOutput("audit.*", "vendor", "privx", "forward_path", sock, "workers", "0", "metrics_listen", metrics, "timeout", "5s"),
		forwardUnixInput(sock, "threaded", "on", "storage.type", "filesystem"),
		forwardOutputTo("enriched.*", rcv),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	pid := fbPID(fb)
	w := startLineWriter(t, input, name, n, rate)
	waitEvents(t, rcv, fb, n/10, 30*time.Second)
	_, err := scrapeAuditx(metrics)
	require.NoError(t, err, "metrics before the first reload")
	before, err := readProcStats(pid)
	require.NoError(t, err)
	faultAt := len(rcv.Events())

	var stats []procStats
	for i := 1; i <= reloads; i++ {
		sighup(t, fb)
		sent := time.Now()
		waitReloads(t, fb, i, reloadTimeout)
		took := time.Since(sent)
		m := waitMetric(t, fb, metrics, "auditx_catalog_entries", 1, 10*time.Second)
		time.Sleep(time.Second) // let the new context settle before sampling
		s, err := readProcStats(pid)
		require.NoError(t, err)
		stats = append(stats, s)
		t.Logf("reload #%d done in %s with %d of %d lines written; %s; metrics served again (records_total=%v)",
			i, took.Round(time.Millisecond), w.Written(), n, s, m["auditx_records_total"])
		time.Sleep(time.Second)
	}
	require.Equal(t, n, w.Wait(t, 60*time.Second))
	waitDistinct(t, rcv, fb, name, n, faultDeliver)
	fb.RequireHealthy(t)
	end, err := readProcStats(pid)
	require.NoError(t, err)
	log := fb.Log()
	exits := strings.Count(log, "] exit: records=")
	fb.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	d := requireAtLeastOnce(t, rcv.Events(), name, n, faultAt)

	require.Equal(t, reloads, exits, "auditx exit lines (one per old instance) before the final stop")
	require.Equal(t, reloads+1, strings.Count(log, "[output:auditx:auditx.0] vendor=privx"),
		"instance names start again at auditx.0 after each reload (FLBPluginPreRegister)")
	// Growth is what a leak looks like; fewer open files at the end (the
	// writer stopped, idle connections closed) is fine.
	first := stats[0]
	for i, s := range stats {
		require.LessOrEqual(t, s.Threads, first.Threads+reloadGrowth, "threads after reload #%d vs #1", i+1)
		require.LessOrEqual(t, s.FDs, first.FDs+reloadGrowth, "open fds after reload #%d vs #1", i+1)
	}
	require.LessOrEqual(t, end.Threads, before.Threads+reloadGrowth, "threads at the end vs before the first reload")
	require.LessOrEqual(t, end.FDs, before.FDs+reloadGrowth, "open fds at the end vs before the first reload")
	t.Logf("before the reloads: %s; after %d reloads: %s", before, reloads, end)
	t.Logf("%d reloads: %s", reloads, d)
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "] exit: records=") {
			t.Log(line)
		}
	}
}
