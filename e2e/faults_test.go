//go:build linux

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/forwardtest"
)

// The fault tests send N generated records, each with a unique id
// (service_id "<prefix>-<i>"), through a real Fluent Bit running auditx, and
// break the emit target while they flow. auditx promises at-least-once: every
// id must arrive, and a record may arrive twice only because of a fault
// (a message the target ingested but whose ack never came back is sent
// again). So the tests count distinct ids, count and log the duplicates, and
// require that every second copy arrived after the fault was injected.

const (
	// faultRecords is N for the fault tests.
	faultRecords = 20000
	// faultRate is the rate (lines/s) at which the tailed file grows, so
	// that the fault hits the middle of the stream (about 5 s of input).
	faultRate = 4000
	// faultDown is how long a killed or stopped target stays down.
	faultDown = 3 * time.Second
	// faultDeliver bounds the wait for every record after the last fault.
	faultDeliver = 90 * time.Second
)

// Process figures from /proc.

// procStats is a snapshot of a process from /proc/<pid>.
type procStats struct {
	RSS     int64 // VmRSS, bytes
	HWM     int64 // VmHWM (peak RSS), bytes
	Threads int   // entries of /proc/<pid>/task
	FDs     int   // entries of /proc/<pid>/fd
}

func (s procStats) String() string {
	return fmt.Sprintf("rss=%s hwm=%s threads=%d fds=%d", mib(s.RSS), mib(s.HWM), s.Threads, s.FDs)
}

func mib(b int64) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }

// readProcStats reads a process's memory, threads and open files.
func readProcStats(pid int) (procStats, error) {
	var s procStats
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v) // "12345 kB"
		if len(f) != 2 || f[1] != "kB" {
			return s, fmt.Errorf("/proc/%d/status: %s", pid, line)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return s, err
		}
		if k == "VmRSS" {
			s.RSS = n << 10
		} else {
			s.HWM = n << 10
		}
	}
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return s, err
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.Threads, s.FDs = len(tasks), len(fds)
	return s, nil
}

// fdKinds counts a process's open files by kind: socket, pipe, anon_inode
// (eventfd, epoll, timerfd...), or file.
func fdKinds(pid int) map[string]int {
	out := map[string]int{}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, _ := os.ReadDir(dir)
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err != nil {
			continue
		}
		kind := "file"
		switch {
		case strings.HasPrefix(target, "socket:"):
			kind = "socket"
		case strings.HasPrefix(target, "pipe:"):
			kind = "pipe"
		case strings.HasPrefix(target, "anon_inode:"):
			kind = strings.Trim(strings.TrimPrefix(target, "anon_inode:"), "[]")
		}
		out[kind]++
	}
	return out
}

// threadNames counts a process's threads by name (/proc/<pid>/task/*/comm).
func threadNames(pid int) map[string]int {
	out := map[string]int{}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/comm", pid, task.Name()))
		if err == nil {
			out[strings.TrimSpace(string(b))]++
		}
	}
	return out
}

// fbPID returns a running Fluent Bit's process id.
func fbPID(fb *fluentBit) int { return fb.cmd.Process.Pid }

// killFluentBit sends SIGKILL and waits for the exit.
func killFluentBit(t testing.TB, fb *fluentBit) {
	t.Helper()
	_ = fb.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-fb.done:
	case <-time.After(killTimeout):
		t.Fatalf("fluent-bit did not exit within %s of SIGKILL", killTimeout)
	}
}

// auditx's Prometheus metrics.

// scrapeAuditx reads auditx's metrics endpoint into name → value (labels
// dropped, values of the same name summed: the tests run one instance).
func scrapeAuditx(addr string) (map[string]float64, error) {
	return scrapeProm("http://" + addr + "/metrics")
}

// scrapeProm reads a Prometheus text endpoint into sums by metric name.
func scrapeProm(url string) (map[string]float64, error) {
	// No keep-alive: an idle connection would be an open fd in the very
	// process whose fds the soak test counts.
	c := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name := line[:i]
		if j := strings.IndexByte(name, '{'); j >= 0 {
			name = name[:j]
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %q: %v", line, err)
		}
		out[name] += v
	}
	return out, sc.Err()
}

// waitMetric polls auditx's metrics until name reaches want; it fails the
// test after timeout or when Fluent Bit exits, and returns the last scrape.
func waitMetric(t testing.TB, fb *fluentBit, addr, name string, want float64, timeout time.Duration) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last map[string]float64
	for {
		m, err := scrapeAuditx(addr)
		if err == nil {
			last = m
			if m[name] >= want {
				return m
			}
		}
		require.True(t, fb.Running(), "fluent-bit exited: %v", fb.waitErr)
		if time.Now().After(deadline) {
			t.Fatalf("%s=%v after %s, want %v (last scrape error: %v)", name, last[name], timeout, want, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// Generated input.

// appendPrivXLine appends one PrivX-shaped JSON line whose service_id is
// "<prefix>-<i>", the same shape writePrivXLines writes.
func appendPrivXLine(b []byte, prefix string, i int) []byte {
	code := privxKnownCodes[i%len(privxKnownCodes)]
	return fmt.Appendf(b, `{"service_id": "%s-%d", "service_name": "ROLE-STORE", "event_id": %q, "event_name": "e2e", "created": "2026-11-20T08:14:00.773205Z", "message": {"severity": "Info(6)", "username": "alice.moreau", "seq": %d}}`+"\n",
		prefix, i, code, i)
}

// lineWriter appends generated lines to a file at a fixed rate, in whole
// lines, from its own goroutine.
type lineWriter struct {
	path   string
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	written int
	err     error
}

// writerTick is the period of lineWriter's writes.
const writerTick = 10 * time.Millisecond

// startLineWriter creates (or truncates) path and appends lines
// "<prefix>-0" .. "<prefix>-<n-1>" at rate lines per second; n <= 0 writes
// until stopped. It stops at cleanup.
func startLineWriter(t testing.TB, path, prefix string, n, rate int) *lineWriter {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o600)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	w := &lineWriter{path: path, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer f.Close()
		start := time.Now()
		tick := time.NewTicker(writerTick)
		defer tick.Stop()
		var buf []byte
		i := 0
		for n <= 0 || i < n {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			// Catch up with the schedule, so that the rate holds even when
			// a tick is late.
			due := int(time.Since(start).Seconds() * float64(rate))
			if n > 0 && due > n {
				due = n
			}
			buf = buf[:0]
			for ; i < due; i++ {
				buf = appendPrivXLine(buf, prefix, i)
			}
			if len(buf) == 0 {
				continue
			}
			_, err := f.Write(buf)
			w.mu.Lock()
			w.written, w.err = i, err
			w.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(w.Stop)
	return w
}

// Stop stops writing; Written tells how far it got.
func (w *lineWriter) Stop() {
	w.cancel()
	<-w.done
}

// Wait waits until the writer has written all its lines (n > 0) and
// returns how many it wrote.
func (w *lineWriter) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(timeout):
		t.Fatalf("line writer did not finish within %s (%d lines written)", timeout, w.Written())
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	require.NoError(t, w.err, "line writer")
	return w.written
}

// Written returns the number of lines written so far.
func (w *lineWriter) Written() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.written
}

// Delivery accounting.

// delivery is what came out of a run for ids "<prefix>-0" .. "<prefix>-<n-1>".
type delivery struct {
	In       int      // records written
	Out      int      // events received
	Distinct int      // distinct expected ids received
	Missing  []string // expected ids never received
	Unknown  int      // events whose id is not an expected one
	DupIDs   int      // ids received more than once
	DupExtra int      // copies beyond the first
	FirstDup int      // arrival index of the first second copy (-1: none)
	// DupSpan is the range of arrival indexes of the FIRST copies of the
	// duplicated ids: where in the stream the records that came twice were.
	DupSpan   [2]int
	dupSample []string
}

func (d delivery) String() string {
	return fmt.Sprintf("in=%d out=%d distinct=%d lost=%d duplicated=%d ids (%d extra copies)",
		d.In, d.Out, d.Distinct, len(d.Missing), d.DupIDs, d.DupExtra)
}

// tallyDelivery counts the events (in arrival order) by their service_id.
func tallyDelivery(events []forwardtest.Event, prefix string, n int) delivery {
	d := delivery{In: n, Out: len(events), FirstDup: -1}
	seen := make([]int, n)
	first := make([]int, n)
	d.DupSpan = [2]int{-1, -1}
	for i, ev := range events {
		v, _ := recordField(ev.Body, "service_id")
		s, _ := v.(string)
		rest, ok := strings.CutPrefix(s, prefix+"-")
		id, err := strconv.Atoi(rest)
		if !ok || err != nil || id < 0 || id >= n {
			d.Unknown++
			continue
		}
		seen[id]++
		switch seen[id] {
		case 1:
			d.Distinct++
			first[id] = i
		case 2:
			d.DupIDs++
			if d.DupSpan[0] < 0 || first[id] < d.DupSpan[0] {
				d.DupSpan[0] = first[id]
			}
			d.DupSpan[1] = max(d.DupSpan[1], first[id])
			if d.FirstDup < 0 {
				d.FirstDup = i
			}
			if len(d.dupSample) < 10 {
				d.dupSample = append(d.dupSample, s)
			}
			d.DupExtra++
		default:
			d.DupExtra++
		}
	}
	for id, c := range seen {
		if c == 0 {
			d.Missing = append(d.Missing, prefix+"-"+strconv.Itoa(id))
		}
	}
	return d
}

// requireAtLeastOnce checks a fault run's delivery: every id arrived, nothing
// unexpected did, and no second copy arrived before faultAt (the number of
// events received when the first fault was injected). Duplicates are logged,
// not refused.
func requireAtLeastOnce(t testing.TB, events []forwardtest.Event, prefix string, n, faultAt int) delivery {
	t.Helper()
	d := tallyDelivery(events, prefix, n)
	t.Logf("delivery: %s; first fault after %d events", d, faultAt)
	if d.DupIDs > 0 {
		t.Logf("duplicates: %d ids whose first copies arrived as #%d..#%d; the first second copy arrived as #%d; e.g. %s",
			d.DupIDs, d.DupSpan[0], d.DupSpan[1], d.FirstDup, strings.Join(d.dupSample, ", "))
	}
	require.Empty(t, firstN(d.Missing, 20), "%d of %d records lost (first 20 shown)", len(d.Missing), n)
	require.Zero(t, d.Unknown, "events with an unexpected id")
	require.Equal(t, n, d.Distinct, "distinct ids")
	if d.DupIDs > 0 {
		require.GreaterOrEqual(t, d.FirstDup, faultAt,
			"a record arrived twice before any fault was injected (arrival #%d < %d)", d.FirstDup, faultAt)
	}
	return d
}

// waitEvents waits until the receiver has at least n events; unlike
// forwardtest's WaitFor it also fails as soon as fb exits.
func waitEvents(t testing.TB, rcv *forwardtest.Server, fb *fluentBit, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := len(rcv.Events())
		if got >= n {
			return
		}
		if !fb.Running() {
			t.Fatalf("fluent-bit exited (%v) with %d of %d events received", fb.waitErr, got, n)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events received after %s (receiver errors: %v)", got, n, timeout, rcv.Errors())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitDistinct waits until every id "<prefix>-0".."<prefix>-<n-1>" has
// arrived, failing after timeout or when fb exits.
func waitDistinct(t testing.TB, rcv *forwardtest.Server, fb *fluentBit, prefix string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		evs := rcv.Events()
		if len(evs) >= n {
			if d := tallyDelivery(evs, prefix, n); d.Distinct == n {
				return
			}
		}
		if !fb.Running() {
			d := tallyDelivery(evs, prefix, n)
			t.Fatalf("fluent-bit exited (%v): %s", fb.waitErr, d)
		}
		if time.Now().After(deadline) {
			d := tallyDelivery(evs, prefix, n)
			t.Fatalf("after %s: %s, e.g. missing %v (receiver errors: %v)", timeout, d, firstN(d.Missing, 5), rcv.Errors())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The emit target: a second Fluent Bit.

// targetFluentBit is a second Fluent Bit standing in for the emit target:
// in_forward on a loopback TCP port (filesystem storage, so that what it
// acknowledged survives a SIGKILL) → out_forward (acknowledged) → a Go
// receiver. It can be killed, stopped and started again on the same port.
type targetFluentBit struct {
	t       testing.TB
	dir     string
	port    int
	rcv     *forwardtest.Server
	gen     int
	current *fluentBit
}

func newTargetFluentBit(t testing.TB, dir string, rcv *forwardtest.Server) *targetFluentBit {
	return &targetFluentBit{t: t, dir: dir, port: freePort(t), rcv: rcv}
}

// Addr is the in_forward's host:port.
func (tg *targetFluentBit) Addr() string { return "127.0.0.1:" + strconv.Itoa(tg.port) }

// Start starts a new target process (a new log directory, the same storage)
// and waits until its in_forward listens.
func (tg *targetFluentBit) Start() *fluentBit {
	t := tg.t
	t.Helper()
	tg.gen++
	dir := filepath.Join(tg.dir, fmt.Sprintf("target-%d", tg.gen))
	require.NoError(t, os.MkdirAll(dir, 0o700))
	_, rport, _ := net.SplitHostPort(tg.rcv.Addr())
	conf := renderConfig(
		sec("SERVICE",
			"Flush", "0.2",
			"Grace", "2",
			"Log_Level", "info",
			"storage.path", filepath.Join(tg.dir, "target-storage"),
			"scheduler.base", "1",
			"scheduler.cap", "2",
		),
		sec("INPUT",
			"Name", "forward",
			"Listen", "127.0.0.1",
			"Port", strconv.Itoa(tg.port),
			"storage.type", "filesystem",
		),
		sec("OUTPUT",
			"Name", "forward",
			"Match", "*",
			"Host", "127.0.0.1",
			"Port", rport,
			"Require_ack_response", "true",
			"Retry_Limit", "no_limits",
		),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	fb.WaitLog(t, fmt.Sprintf("listening on 127.0.0.1:%d", tg.port), 15*time.Second)
	tg.current = fb
	return fb
}

// TestFaultTargetKilled SIGKILLs the emit target (a second Fluent Bit) while
// records flow and starts it again on the same port a few seconds later.
// auditx (workers 1) answers FLB_RETRY while it is gone; every record
// arrives, duplicates only after the kill.
func TestFaultTargetKilled(t *testing.T) {
	runTargetFault(t, "kill", "1", func(t *testing.T, tg *targetFluentBit) {
		killFluentBit(t, tg.current)
	})
}

// TestFaultTargetRestarted stops the emit target (a second Fluent Bit) with
// SIGTERM while records flow and starts it again on the same port, with
// auditx running workers 2.
func TestFaultTargetRestarted(t *testing.T) {
	runTargetFault(t, "term", "2", func(t *testing.T, tg *targetFluentBit) {
		err := tg.current.Stop()
		require.False(t, tg.current.killed, "the target had to be killed after SIGTERM")
		t.Logf("target stopped: %v", err)
	})
}

// runTargetFault runs N records through tail → auditx → target Fluent Bit
// → receiver, breaks the target with fault after a quarter of them arrived,
// keeps it down for faultDown, starts it again and checks the delivery.
func runTargetFault(t *testing.T, name, workers string, fault func(*testing.T, *targetFluentBit)) {
	needFluentBit(t)
	dir := runDir(t)
	rcv := receiver(t)
	tg := newTargetFluentBit(t, dir, rcv)
	tg.Start()
	input := filepath.Join(dir, "input.log")
	require.NoError(t, os.WriteFile(input, nil, 0o600))
	metrics := "127.0.0.1:" + strconv.Itoa(freePort(t))
	conf := renderConfig(
		service(t, dir),
		tailInput("audit.privx", input),
		// The plugin's default timeout: a busy machine must not be taken for
		// a fault (a late ack before the fault would be a duplicate there).
		auditxOutput("audit.*", "vendor", "privx", "forward_address", tg.Addr(), "workers", workers, "id", name, "timeout", "5s",
			"metrics_listen", metrics),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	fb.WaitLog(t, "[output:auditx:"+name+"] vendor=privx", 15*time.Second)
	start := time.Now()
	w := startLineWriter(t, input, name, faultRecords, faultRate)

	waitEvents(t, rcv, fb, faultRecords/4, 60*time.Second)
	faultAt := len(rcv.Events())
	fault(t, tg)
	down := time.Now()
	t.Logf("%s: target down after %d events (%s into the run)", name, faultAt, down.Sub(start).Round(time.Millisecond))
	waitMetric(t, fb, metrics, "auditx_flush_retries_total", 1, 15*time.Second) // auditx answered FLB_RETRY
	if d := faultDown - time.Since(down); d > 0 {
		time.Sleep(d)
	}
	fb.RequireHealthy(t)
	duringOutage := len(rcv.Events())
	tg.Start()
	up := time.Now()
	written := w.Wait(t, 60*time.Second)
	require.Equal(t, faultRecords, written)
	waitDistinct(t, rcv, fb, name, faultRecords, faultDeliver)
	recovered := time.Since(up)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	require.NoError(t, tg.current.Stop(), "target exit status")
	require.Empty(t, rcv.Errors(), "receiver protocol errors")

	d := requireAtLeastOnce(t, rcv.Events(), name, faultRecords, faultAt)
	exit := logLine(fb.Log(), "[output:auditx:"+name+"] exit:")
	t.Logf("%s (workers %s): %d events during the %s outage; all %d ids %s after the target came back; %s; %s",
		name, workers, duringOutage-faultAt, faultDown, faultRecords, recovered.Round(time.Millisecond), d, exit)
}

// TestFaultTargetSlow delays the target's acks past auditx's timeout for a
// few seconds while records flow (the forwardtest in_forward stands in for
// the target: it ingests every message, then answers late). auditx times out
// and answers FLB_RETRY, so Fluent Bit sends those chunks again: records
// arrive twice, but only during the slow period; once acks are fast again,
// everything arrives.
func TestFaultTargetSlow(t *testing.T) {
	needFluentBit(t)
	const (
		name    = "slow"
		timeout = time.Second
		delay   = 2 * timeout
		slowFor = 4 * time.Second
	)
	dir := runDir(t)
	rcv := receiver(t)
	input := filepath.Join(dir, "input.log")
	require.NoError(t, os.WriteFile(input, nil, 0o600))
	metrics := "127.0.0.1:" + strconv.Itoa(freePort(t))
	conf := renderConfig(
		service(t, dir),
		tailInput("audit.privx", input),
		auditxOutput("audit.*", "vendor", "privx", "forward_address", rcv.Addr(), "timeout", timeout.String(), "id", name,
			"metrics_listen", metrics),
	)
	fb := startFluentBit(t, dir, fbOptions{Config: conf})
	fb.WaitLog(t, "[output:auditx:"+name+"] vendor=privx", 15*time.Second)
	w := startLineWriter(t, input, name, faultRecords, faultRate)

	waitEvents(t, rcv, fb, faultRecords/4, 60*time.Second)
	faultAt := len(rcv.Events())
	rcv.SetAckDelay(delay)
	slow := time.Now()
	waitMetric(t, fb, metrics, "auditx_flush_retries_total", 1, 15*time.Second) // auditx answered FLB_RETRY on the late acks
	// The warning names the cause, which no counter says.
	fb.WaitLog(t, "[output:auditx:"+name+"] emit failed", 5*time.Second)
	require.Contains(t, logLine(fb.Log(), "[output:auditx:"+name+"] emit failed"), "timeout")
	if d := slowFor - time.Since(slow); d > 0 {
		time.Sleep(d)
	}
	rcv.SetAckDelay(0)
	fast := time.Now()
	duringSlow := len(rcv.Events()) - faultAt
	require.Equal(t, faultRecords, w.Wait(t, 60*time.Second))
	waitDistinct(t, rcv, fb, name, faultRecords, faultDeliver)
	recovered := time.Since(fast)
	fb.RequireHealthy(t)
	fb.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver protocol errors")

	d := requireAtLeastOnce(t, rcv.Events(), name, faultRecords, faultAt)
	exit := logLine(fb.Log(), "[output:auditx:"+name+"] exit:")
	t.Logf("acks delayed %s (timeout %s) for %s: %d events ingested meanwhile; all %d ids %s after acks were fast again; %s; %s",
		delay, timeout, slowFor, duringSlow, faultRecords, recovered.Round(time.Millisecond), d, exit)
}

// TestRestartWithStorage stops Fluent Bit itself with SIGTERM in the middle
// of a stream and starts it again with the same filesystem storage and tail
// DB. Just before the SIGTERM the target goes away, so that the chunks read
// by then cannot be delivered and stay on disk: the new process must flush
// them from storage, and tail must resume where the old one stopped, while
// the file keeps growing. No record may be lost.
func TestRestartWithStorage(t *testing.T) {
	needFluentBit(t)
	const (
		name = "restart"
		n    = faultRecords
	)
	dir := runDir(t)
	rcv := receiver(t)
	input := filepath.Join(dir, "input.log")
	require.NoError(t, os.WriteFile(input, nil, 0o600))
	storage := filepath.Join(dir, "storage")
	conf := renderConfig(
		sec("SERVICE",
			"Flush", "0.2",
			"Grace", "2",
			"Log_Level", "info",
			"Parsers_File", filepath.Join(moduleRoot(t), "build", "parsers.conf"),
			"storage.path", storage,
			"scheduler.base", "1",
			"scheduler.cap", "2",
		),
		sec("INPUT",
			"Name", "tail",
			"Tag", "audit.privx",
			"Path", input,
			"Parser", "json",
			"Read_from_Head", "On",
			"Buffer_Max_Size", "1M",
			"DB", filepath.Join(dir, "tail.db"),
			"storage.type", "filesystem",
		),
		auditxOutput("audit.*", "vendor", "privx", "forward_address", rcv.Addr(), "id", name, "timeout", "5s"),
	)
	run := func(i int) *fluentBit {
		d := filepath.Join(dir, fmt.Sprintf("run-%d", i))
		require.NoError(t, os.MkdirAll(d, 0o700))
		fb := startFluentBit(t, d, fbOptions{Config: conf})
		fb.WaitLog(t, "[output:auditx:"+name+"] vendor=privx", 15*time.Second)
		return fb
	}

	first := run(1)
	w := startLineWriter(t, input, name, n, faultRate)
	waitEvents(t, rcv, first, n/4, 60*time.Second)
	faultAt := len(rcv.Events())
	rcv.Stop() // the target goes away: flushes fail from now on
	first.WaitLog(t, "[output:auditx:"+name+"] emit failed, Fluent Bit will retry the chunk", 15*time.Second)
	stopping := time.Now()
	err := first.Stop()
	require.False(t, first.killed, "fluent-bit had to be killed after SIGTERM")
	t.Logf("target gone after %d events; fluent-bit stopped by SIGTERM in %s (exit: %v) with %d lines written",
		faultAt, time.Since(stopping).Round(time.Millisecond), err, w.Written())
	firstExit := logLine(first.Log(), "[output:auditx:"+name+"] exit:")
	chunks, _ := filepath.Glob(filepath.Join(storage, "*", "*.flb"))
	require.NotEmpty(t, chunks, "chunks left in filesystem storage after SIGTERM")

	rcv.Restart()
	second := run(2)
	start := time.Now()
	require.Equal(t, n, w.Wait(t, 60*time.Second))
	waitDistinct(t, rcv, second, name, n, faultDeliver)
	took := time.Since(start)
	second.RequireHealthy(t)
	second.StopClean(t)
	require.Empty(t, rcv.Errors(), "receiver protocol errors")
	require.NotEmpty(t, logLine(second.Log(), "] register tail."), "the second run must load the chunks left on disk")
	d := requireAtLeastOnce(t, rcv.Events(), name, n, faultAt)
	t.Logf("%d chunk files left on disk at the SIGTERM; the second run delivered the rest in %s; %s",
		len(chunks), took.Round(time.Millisecond), d)
	t.Logf("first run %s", firstExit)
	t.Logf("second run %s", logLine(second.Log(), "[output:auditx:"+name+"] exit:"))
}
