//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	// soakEnv sets TestSoak's duration (a Go duration; `make soak` sets
	// 10m). Unset, the test runs soakDefault, so that `make test` runs a
	// short version.
	soakEnv     = "AUDITX_SOAK"
	soakDefault = 20 * time.Second
	// soakRateEnv sets the input rate in lines per second.
	soakRateEnv  = "AUDITX_SOAK_RATE"
	soakRateDflt = 500
	// soakSample is the period of the /proc samples.
	soakSample = time.Second
	// soakRSSGrowth is the largest RSS growth allowed from the start of the
	// measured period to its end (RSS medians of the first and last fifth).
	soakRSSGrowth = 0.20
	// soakCountDelta is the largest change allowed in threads and open fds.
	soakCountDelta = 2
)

// soakSampler samples a process's /proc figures at a fixed period.
type soakSampler struct {
	mu      sync.Mutex
	samples []procStats
	errs    int
	stop    chan struct{}
	done    chan struct{}
}

func startSoakSampler(pid int, every time.Duration) *soakSampler {
	s := &soakSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			st, err := readProcStats(pid)
			s.mu.Lock()
			if err != nil {
				s.errs++
			} else {
				s.samples = append(s.samples, st)
			}
			s.mu.Unlock()
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// Stop stops sampling and returns the samples.
func (s *soakSampler) Stop() []procStats {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

// rssTrajectory returns the RSS at k+1 evenly spaced samples, for the log.
func rssTrajectory(samples []procStats, k int) string {
	var parts []string
	for i := 0; i <= k; i++ {
		j := min(i*(len(samples)-1)/k, len(samples)-1)
		parts = append(parts, mib(samples[j].RSS))
	}
	return strings.Join(parts, " ")
}

// medianRSS returns the median RSS of samples.
func medianRSS(samples []procStats) int64 {
	rss := make([]int64, len(samples))
	for i, s := range samples {
		rss[i] = s.RSS
	}
	slices.Sort(rss)
	return rss[len(rss)/2]
}

// TestSoak runs a steady stream (a Go writer appends lines with unique ids
// to a tailed file at AUDITX_SOAK_RATE lines/s) through tail → auditx
// (workers 2, metrics on) → in_forward → out_forward → Go receiver for
// AUDITX_SOAK (default 20 s), after a warm-up. It compares the start and the
// end of that period: Fluent Bit's RSS (the plugin's Go heap lives in that
// process and is not visible from outside; RSS is the measure), its
// threads and open fds, and auditx's own counters; and at the end, that
// every record written arrived (distinct ids) and auditx emitted as many.
//
//	AUDITX_SOAK=10m go test ./e2e -run TestSoak -count=1 -v -timeout 0
func TestSoak(t *testing.T) {
	needFluentBit(t)
	dur := soakDefault
	if v := os.Getenv(soakEnv); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "%s=%q", soakEnv, v)
		require.Positive(t, d, "%s", soakEnv)
		dur = d
	}
	rate := soakRateDflt
	if v := os.Getenv(soakRateEnv); v != "" {
		r, err := strconv.Atoi(v)
		require.NoError(t, err, "%s=%q", soakRateEnv, v)
		require.Positive(t, r, "%s", soakRateEnv)
		rate = r
	}
	warmup := min(max(dur/4, 5*time.Second), time.Minute)
	if os.Getenv(soakEnv) == "" {
		// The short default runs alongside the other parallel tests.
		t.Parallel()
	}

	const name = "soak"
	dir := runDir(t)
	rcv := receiver(t)
	sock := filepath.Join(dir, "forward.sock")
	input := filepath.Join(dir, "input.log")
	require.NoError(t, os.WriteFile(input, nil, 0o600))
	metrics := "127.0.0.1:" + strconv.Itoa(freePort(t))
	conf := renderConfig(
		service(t, dir),
		tailInput("audit.privx", input),
		auditxOutput("audit.*", "vendor", "privx", "forward_path", sock, "workers", "2", "id", name,
			"metrics_listen", metrics, "timeout", "5s"),
		forwardUnixInput(sock),
		forwardOutputTo("enriched.*", rcv),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	pid := fbPID(fb)
	w := startLineWriter(t, input, name, 0, rate)
	t.Logf("soak: %s at %d lines/s after a %s warm-up", dur, rate, warmup)

	time.Sleep(warmup)
	fb.RequireHealthy(t)
	startStats, err := readProcStats(pid)
	require.NoError(t, err)
	startFDs := fdKinds(pid)
	startMetrics, err := scrapeAuditx(metrics)
	require.NoError(t, err)
	startIn, startOut := w.Written(), len(rcv.Events())
	sampler := startSoakSampler(pid, soakSample)
	began := time.Now()
	for time.Since(began) < dur {
		require.True(t, fb.Running(), "fluent-bit exited: %v", fb.waitErr)
		time.Sleep(min(time.Second, dur-time.Since(began)+time.Millisecond))
	}
	samples := sampler.Stop()
	endStats, err := readProcStats(pid)
	require.NoError(t, err)
	endFDs := fdKinds(pid)
	endMetrics, err := scrapeAuditx(metrics)
	require.NoError(t, err)
	endIn, endOut := w.Written(), len(rcv.Events())
	measured := time.Since(began)

	w.Stop()
	n := w.Written()
	waitDistinct(t, rcv, fb, name, n, 2*time.Minute)
	final := waitMetric(t, fb, metrics, "auditx_emitted_records_total", float64(n), 30*time.Second)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	d := tallyDelivery(rcv.Events(), name, n)

	require.GreaterOrEqual(t, len(samples), 5, "samples over %s", measured)
	fifth := max(len(samples)/5, 1)
	rssStart, rssEnd := medianRSS(samples[:fifth]), medianRSS(samples[len(samples)-fifth:])
	var peak procStats
	for _, s := range samples {
		if s.RSS > peak.RSS {
			peak = s
		}
	}
	growth := float64(rssEnd-rssStart) / float64(rssStart)
	inRate := float64(endIn-startIn) / measured.Seconds()
	outRate := float64(endOut-startOut) / measured.Seconds()
	delta := func(k string) float64 { return endMetrics[k] - startMetrics[k] }

	t.Logf("start: %s; end: %s; peak rss %s", startStats, endStats, mib(peak.RSS))
	t.Logf("rss over the soak (tenths): %s", rssTrajectory(samples, 10))
	t.Logf("open fds by kind: start %v, end %v", startFDs, endFDs)
	t.Logf("rss median of the first fifth %s, of the last fifth %s: growth %+.1f%% (bound %.0f%%)",
		mib(rssStart), mib(rssEnd), 100*growth, 100*soakRSSGrowth)
	t.Logf("over %s: %.0f lines/s written, %.0f events/s received; auditx: records +%.0f, emitted +%.0f, flushes +%.0f, retries +%.0f, emit errors +%.0f",
		measured.Round(time.Second), inRate, outRate, delta("auditx_records_total"), delta("auditx_emitted_records_total"),
		delta("auditx_flushes_total"), delta("auditx_flush_retries_total"), delta("auditx_emit_errors_total"))
	t.Logf("at the end: %s; auditx records_total=%.0f emitted_records_total=%.0f flush_retries_total=%.0f",
		d, final["auditx_records_total"], final["auditx_emitted_records_total"], final["auditx_flush_retries_total"])

	require.Empty(t, firstN(d.Missing, 20), "%d of %d records lost (first 20 shown)", len(d.Missing), n)
	require.Equal(t, n, d.Distinct, "distinct ids")
	require.Zero(t, d.Unknown, "events with an unexpected id")
	// auditx counts a record as emitted once acknowledged; a copy sent again
	// after a lost ack shows up at the receiver but not twice in the counter.
	emitted := final["auditx_emitted_records_total"]
	require.GreaterOrEqual(t, emitted, float64(n), "auditx's emitted counter vs records written")
	require.LessOrEqual(t, emitted, float64(n+d.DupExtra), "auditx's emitted counter vs events received")
	require.InDelta(t, startStats.Threads, endStats.Threads, soakCountDelta, "threads at start and end")
	require.InDelta(t, startStats.FDs, endStats.FDs, soakCountDelta, "open fds at start and end")
	require.LessOrEqual(t, growth, soakRSSGrowth, "RSS growth over the soak")
}
