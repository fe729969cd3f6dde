//go:build linux

package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/forwardtest"
)

const (
	// longEnv enables the long tests (TestMemoryBurst).
	longEnv = "AUDITX_LONG"
	// burstRecords is the size of the burst.
	burstRecords = 1_000_000
	// burstMemBufLimit is tail's Mem_Buf_Limit: once this much is buffered
	// in chunks waiting for auditx, Fluent Bit pauses the input.
	burstMemBufLimit = 32 << 20
	// burstRefuse is how long the target refuses connections at first
	// (every flush fails: auditx answers FLB_RETRY and buffers nothing).
	burstRefuse = 5 * time.Second
	// burstAckDelay slows every ack afterwards.
	burstAckDelay = 200 * time.Millisecond
	// burstRSSBound is the largest Fluent Bit RSS allowed during the burst.
	// The budget: Fluent Bit with auditx loaded runs at about 30 MiB
	// (TestSoak: 28 MiB at 500 records/s); tail buffers at most Mem_Buf_Limit (32 MiB) plus the
	// chunk being filled; auditx holds, per concurrent flush (workers 1:
	// one), the enriched copy of a chunk (a tail chunk is at most about
	// 2 MiB, the copy a little more) and the Forward message built from it,
	// pooled, and the Go heap may grow to twice its live size before a
	// collection (GOGC 100). That is about 100 MiB; the bound leaves room
	// for allocator slack and the Go runtime's own arenas.
	burstRSSBound = 256 << 20
	// burstPaused is Fluent Bit's log line when Mem_Buf_Limit pauses tail.
	burstPaused = "[input] tail.0 paused (mem buf overlimit"
	// burstTimeout bounds the whole delivery.
	burstTimeout = 10 * time.Minute
)

// writeBurstFile writes n PrivX lines with ids "<prefix>-<i>".
func writeBurstFile(t testing.TB, path, prefix string, n int) int64 {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	bw := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	for i := range n {
		line = appendPrivXLine(line[:0], prefix, i)
		_, err := bw.Write(line)
		require.NoError(t, err)
	}
	require.NoError(t, bw.Flush())
	fi, err := f.Stat()
	require.NoError(t, err)
	require.NoError(t, f.Close())
	return fi.Size()
}

// TestMemoryBurst sends a burst of 1,000,000 records (a generated file read
// by tail) through auditx to a slow target: it refuses connections for
// burstRefuse, then acknowledges every message burstAckDelay late. Fluent
// Bit's Mem_Buf_Limit on tail applies back-pressure, and auditx returns
// FLB_RETRY instead of buffering, so the process's RSS (sampled from
// /proc/<pid>/status; the plugin's Go heap is inside it) must stay under
// burstRSSBound, and auditx's metrics must show every record delivered.
//
//	AUDITX_LONG=1 go test ./e2e -run TestMemoryBurst -v
func TestMemoryBurst(t *testing.T) {
	if testing.Short() || os.Getenv(longEnv) == "" {
		t.Skipf("a long test: set %s=1 to run it (and not -short)", longEnv)
	}
	needFluentBit(t)
	const name = "burst"
	dir := runDir(t)
	input := filepath.Join(dir, "burst.log")
	began := time.Now()
	size := writeBurstFile(t, input, name, burstRecords)
	t.Logf("generated %d records, %s, in %s", burstRecords, mib(size), time.Since(began).Round(time.Millisecond))

	rcv := forwardtest.Start(t, forwardtest.Options{Network: "tcp", Address: "127.0.0.1:0", Discard: true})
	rcv.SetRefuse(true)
	rcv.SetAckDelay(burstAckDelay)
	metrics := "127.0.0.1:" + strconv.Itoa(freePort(t))
	tail := tailInput("audit.privx", input)
	tail.kv = append(tail.kv, "Mem_Buf_Limit", strconv.Itoa(burstMemBufLimit>>20)+"M")
	conf := renderConfig(
		service(t, dir),
		tail,
		auditxOutput("audit.*", "vendor", "privx", "forward_address", rcv.Addr(), "id", name,
			"timeout", "5s", "metrics_listen", metrics),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	pid := fbPID(fb)
	sampler := startSoakSampler(pid, 100*time.Millisecond)
	start := time.Now()

	// Refuse for burstRefuse, and at least until tail was paused.
	waitMetric(t, fb, metrics, "auditx_flush_retries_total", 1, 30*time.Second)
	// Fluent Bit's own line: no counter of auditx says that tail paused.
	fb.WaitLog(t, burstPaused, time.Minute)
	if d := burstRefuse - time.Since(start); d > 0 {
		time.Sleep(d)
	}
	refused, err := scrapeAuditx(metrics)
	require.NoError(t, err)
	atRefuse, err := readProcStats(pid)
	require.NoError(t, err)
	paused := logLine(fb.Log(), burstPaused)
	rcv.SetRefuse(false)
	t.Logf("after %s of refusals: %s; auditx records=%.0f emitted=%.0f retries=%.0f; tail: %q",
		burstRefuse, atRefuse, refused["auditx_records_total"], refused["auditx_emitted_records_total"],
		refused["auditx_flush_retries_total"], paused)

	final := waitMetric(t, fb, metrics, "auditx_emitted_records_total", burstRecords, burstTimeout)
	took := time.Since(start)
	samples := sampler.Stop()
	end, err := readProcStats(pid)
	require.NoError(t, err)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	pauses := strings.Count(fb.Log(), burstPaused)

	var peak int64
	for _, s := range samples {
		peak = max(peak, s.RSS)
	}
	peak = max(peak, end.HWM)
	t.Logf("%d records delivered in %s (%.0f/s) to a target acking %s late; %d messages, %d acks",
		burstRecords, took.Round(time.Millisecond), burstRecords/took.Seconds(), burstAckDelay, rcv.Messages(), rcv.Acks())
	t.Logf("fluent-bit: peak rss %s (VmHWM %s, bound %s), at the end %s; %d samples",
		mib(peak), mib(end.HWM), mib(burstRSSBound), end, len(samples))
	t.Logf("tail paused by Mem_Buf_Limit %d times", pauses)
	t.Logf("auditx: records=%.0f emitted=%.0f flushes=%.0f retries=%.0f emit_errors=%.0f",
		final["auditx_records_total"], final["auditx_emitted_records_total"], final["auditx_flushes_total"],
		final["auditx_flush_retries_total"], final["auditx_emit_errors_total"])

	require.Positive(t, refused["auditx_flush_retries_total"], "auditx must answer FLB_RETRY while the target refuses")
	require.Equal(t, float64(burstRecords), final["auditx_emitted_records_total"], "records emitted (acknowledged)")
	require.GreaterOrEqual(t, final["auditx_records_total"], float64(burstRecords), "records seen by auditx")
	require.Less(t, peak, int64(burstRSSBound), "peak RSS of fluent-bit")
}
