//go:build linux

// Package e2e runs auditx inside a real Fluent Bit (v5.1.1): the plugin is
// built once per test binary run with `go build -buildmode=c-shared`, every
// test writes its own classic config into a temporary directory (sockets,
// storage, logs), starts fluent-bit with `-e <so> -c <conf>`, and reads the
// records that come out with a Go Forward receiver (forwardtest) fed by
// Fluent Bit's own out_forward, or from Fluent Bit's stdout.
//
// Fluent Bit is found through FLUENT_BIT_BIN, PATH, then
// /opt/fluent-bit/bin/fluent-bit (internal/fluentbit); without one every
// test is skipped, or fails with AUDITX_REQUIRE_FLUENT_BIT=1 (.ci/run). A
// Fluent Bit without the storage_backlog input stops the run at once with
// one message. `make test` prints one closing line of how many ran.
//
// The package is Linux-only: auditx's workers-0 trap detection reads /proc,
// and the pipelines use unix sockets.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/fluentbit"
	"github.com/auditx/auditx/internal/forwardtest"
)

const (
	// fluentBitEnv names the Fluent Bit binary to use.
	fluentBitEnv = fluentbit.Env

	// buildTimeout bounds the c-shared build of the plugin.
	buildTimeout = 5 * time.Minute
	// stopTimeout bounds a SIGTERM shutdown; the generated configs set
	// Grace 2, so Fluent Bit needs about 2-3 s at most.
	stopTimeout = 15 * time.Second
	// killTimeout bounds the wait after SIGKILL.
	killTimeout = 5 * time.Second
	// maxSunPath keeps unix socket paths under sun_path (108 bytes).
	maxSunPath = 100
	// logDumpLimit caps the Fluent Bit log copied into a failed test's output.
	logDumpLimit = 64 << 10
)

var (
	soOnce sync.Once
	soDir  string
	soPath string
	soErr  error

	// buildDirs are other libraries' build directories, removed at the end.
	buildDirs []string

	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

func TestMain(m *testing.M) {
	switch bin, err := fluentbit.Find(); {
	case errors.Is(err, fluentbit.ErrNotFound):
		if fluentbit.Required() {
			fmt.Fprintf(os.Stderr, "e2e: %s=1 and %s\n", fluentbit.RequireEnv, fluentbit.Missing)
			os.Exit(1)
		}
	case err != nil:
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	default:
		if err := fluentbit.CheckStorageBacklog(bin); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if soDir != "" {
		_ = os.RemoveAll(soDir)
	}
	for _, d := range buildDirs {
		_ = os.RemoveAll(d)
	}
	os.Exit(code)
}

// fluentBitBin returns the Fluent Bit binary, or skips the test (TestMain
// already failed the run when one is required).
func fluentBitBin(t testing.TB) string {
	t.Helper()
	b, err := fluentbit.Find()
	switch {
	case errors.Is(err, fluentbit.ErrNotFound):
		t.Skip(fluentbit.Missing)
	case err != nil:
		t.Fatal(err)
	}
	return b
}

// needFluentBit skips the test without a Fluent Bit and builds the plugin,
// so that the build does not count in the test's own timings.
func needFluentBit(t testing.TB) {
	t.Helper()
	fluentBitBin(t)
	pluginSO(t)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// moduleRoot returns the module's root directory (from `go env GOMOD`).
func moduleRoot(t testing.TB) string {
	t.Helper()
	rootOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			rootErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		gomod := strings.TrimSpace(string(out))
		if gomod == "" || gomod == os.DevNull {
			rootErr = errors.New("go env GOMOD: not inside a module")
			return
		}
		rootDir = filepath.Dir(gomod)
	})
	require.NoError(t, rootErr)
	return rootDir
}

// pluginSO builds the library once per test binary run, as
// flb-filter_auditx.so (the filter door) with out_auditx.so (the output
// door) a symlink to it, as `make build` lays them out, and returns the
// output door's path.
func pluginSO(t testing.TB) string {
	t.Helper()
	root := moduleRoot(t)
	soOnce.Do(func() {
		soDir, soErr = os.MkdirTemp("", "auditx-e2e-so")
		if soErr != nil {
			return
		}
		out := filepath.Join(soDir, "flb-filter_auditx.so")
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-buildmode=c-shared", "-o", out, "./plugin")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		start := time.Now()
		if b, err := cmd.CombinedOutput(); err != nil {
			soErr = fmt.Errorf("go build -buildmode=c-shared ./plugin: %w\n%s", err, b)
			return
		}
		soPath = filepath.Join(soDir, "out_auditx.so")
		if soErr = os.Symlink("flb-filter_auditx.so", soPath); soErr != nil {
			return
		}
		fmt.Fprintf(os.Stderr, "e2e: built %s in %s\n", out, time.Since(start).Round(time.Millisecond))
	})
	require.NoError(t, soErr)
	return soPath
}

// filterSO returns the filter door's path (built by pluginSO).
func filterSO(t testing.TB) string {
	t.Helper()
	return filepath.Join(filepath.Dir(pluginSO(t)), "flb-filter_auditx.so")
}

// runDir returns the test's directory for configs, sockets, storage and
// logs: t.TempDir, or a shorter one when socket paths would outgrow
// sun_path.
func runDir(t testing.TB) string {
	t.Helper()
	d := t.TempDir()
	if len(d)+len("/forward-b.sock") < maxSunPath {
		return d
	}
	d, err := os.MkdirTemp("", "e2e")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(d) })
	return d
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Config generation (classic format).

// section is one [NAME] block of a classic config; kv holds key, value
// pairs in order.
type section struct {
	name string
	kv   []string
}

// sec builds a section from alternating keys and values.
func sec(name string, kv ...string) section {
	if len(kv)%2 != 0 {
		panic("sec: odd number of key/value strings")
	}
	return section{name: name, kv: kv}
}

func renderConfig(sections ...section) string {
	var b strings.Builder
	for _, s := range sections {
		fmt.Fprintf(&b, "[%s]\n", s.name)
		for i := 0; i < len(s.kv); i += 2 {
			fmt.Fprintf(&b, "    %-24s %s\n", s.kv[i], s.kv[i+1])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// service is the [SERVICE] section of the generated configs: fast flushes,
// short retries and a short shutdown grace, storage in dir.
func service(t testing.TB, dir string) section {
	return sec("SERVICE",
		"Flush", "0.2",
		"Grace", "2",
		"Log_Level", "info",
		"Parsers_File", filepath.Join(moduleRoot(t), "build", "parsers.conf"),
		"storage.path", filepath.Join(dir, "storage"),
		"scheduler.base", "1",
		"scheduler.cap", "2",
	)
}

// tailInput reads a JSON lines file from its start.
func tailInput(tag, path string) section {
	return sec("INPUT",
		"Name", "tail",
		"Tag", tag,
		"Path", path,
		"Parser", "json",
		"Read_from_Head", "On",
		"Buffer_Max_Size", "1M",
	)
}

// auditxOutput is an auditx [OUTPUT] with the settings docs/output-door.md asks for
// (workers 1, Retry_Limit no_limits); kv adds or overrides keys.
func auditxOutput(match string, kv ...string) section {
	base := []string{"Name", "auditx", "Match", match, "workers", "1", "Retry_Limit", "no_limits", "timeout", "2s"}
	for i := 0; i < len(kv); i += 2 {
		replaced := false
		for j := 0; j < len(base); j += 2 {
			if strings.EqualFold(base[j], kv[i]) {
				base[j+1], replaced = kv[i+1], true
			}
		}
		if !replaced {
			base = append(base, kv[i], kv[i+1])
		}
	}
	return sec("OUTPUT", base...)
}

// forwardUnixInput is Fluent Bit's in_forward on a unix socket.
func forwardUnixInput(path string, kv ...string) section {
	return sec("INPUT", append([]string{"Name", "forward", "unix_path", path}, kv...)...)
}

// forwardOutputTo is Fluent Bit's out_forward to a Go receiver.
func forwardOutputTo(match string, rcv *forwardtest.Server) section {
	_, port, _ := net.SplitHostPort(rcv.Addr())
	return sec("OUTPUT",
		"Name", "forward",
		"Match", match,
		"Host", "127.0.0.1",
		"Port", port,
		"Retry_Limit", "no_limits",
	)
}

// receiver starts the Go Forward receiver on a free loopback port.
func receiver(t testing.TB) *forwardtest.Server {
	t.Helper()
	return forwardtest.Start(t, forwardtest.Options{Network: "tcp", Address: "127.0.0.1:0"})
}

// Running Fluent Bit.

// fbOptions configure one Fluent Bit run.
type fbOptions struct {
	// Config is written to <dir>/fluent-bit.conf; ignored when ConfigFile
	// is set.
	Config string
	// ConfigFile is an existing config (relative to WorkDir).
	ConfigFile string
	// WorkDir is the working directory (default: the run dir).
	WorkDir string
	// Env adds environment variables (KEY=value).
	Env []string
	// LineBuffered runs Fluent Bit under `stdbuf -oL`, for tests that read
	// its stdout while it runs.
	LineBuffered bool
	// PluginsFile leaves out "-e <plugin>": the configuration loads the
	// plugin itself through a [PLUGINS] file.
	PluginsFile bool
	// Doors selects the libraries given with -e: the output door
	// (default), the filter door, or both.
	Doors doors
	// Library, when set, is the one library given with -e instead of the
	// doors (a benchmark build: passthroughFilterSO).
	Library string
}

// doors selects which auditx doors a Fluent Bit run loads.
type doors int

const (
	outputDoor doors = iota
	filterDoor
	bothDoors
)

// fluentBit is one running Fluent Bit process.
type fluentBit struct {
	t       testing.TB
	dir     string
	logPath string
	outPath string
	cmd     *exec.Cmd
	started time.Time

	done    chan struct{}
	waitErr error // valid once done is closed

	stopOnce sync.Once
	stopErr  error
	killed   bool
}

// startFluentBit starts Fluent Bit with the plugin; its stdout and stderr
// (the log) go to files in dir. The process is stopped at cleanup, and its
// log is copied into the test output when the test failed.
func startFluentBit(t testing.TB, dir string, o fbOptions) *fluentBit {
	t.Helper()
	bin := fluentBitBin(t)
	conf := o.ConfigFile
	if conf == "" {
		conf = filepath.Join(dir, "fluent-bit.conf")
		require.NoError(t, os.WriteFile(conf, []byte(o.Config), 0o600))
	}
	var args []string
	switch {
	case o.Library != "":
		args = []string{bin, "-e", o.Library, "-c", conf}
	case o.Doors == filterDoor:
		args = []string{bin, "-e", filterSO(t), "-c", conf}
	case o.Doors == bothDoors:
		args = []string{bin, "-e", filterSO(t), "-e", pluginSO(t), "-c", conf}
	default:
		args = []string{bin, "-e", pluginSO(t), "-c", conf}
	}
	if o.PluginsFile {
		args = []string{bin, "-c", conf}
	}
	if o.LineBuffered {
		stdbuf, err := exec.LookPath("stdbuf")
		if err != nil {
			t.Skip("stdbuf (coreutils) not found: needed to read Fluent Bit's stdout line by line")
		}
		args = append([]string{stdbuf, "-oL"}, args...)
	}
	fb := &fluentBit{
		t: t, dir: dir, done: make(chan struct{}),
		logPath: filepath.Join(dir, "fluent-bit.log"),
		outPath: filepath.Join(dir, "stdout.log"),
	}
	logf, err := os.Create(fb.logPath)
	require.NoError(t, err)
	outf, err := os.Create(fb.outPath)
	require.NoError(t, err)
	fb.cmd = exec.Command(args[0], args[1:]...)
	fb.cmd.Dir = dir
	if o.WorkDir != "" {
		fb.cmd.Dir = o.WorkDir
	}
	fb.cmd.Env = append(os.Environ(), o.Env...)
	fb.cmd.Stdout, fb.cmd.Stderr = outf, logf
	// Fluent Bit dies with the test binary, even when that one is killed by
	// a test timeout.
	fb.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	fb.started = time.Now()
	if err := fb.cmd.Start(); err != nil {
		_ = logf.Close()
		_ = outf.Close()
		t.Fatalf("start %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		fb.waitErr = fb.cmd.Wait()
		_ = logf.Close()
		_ = outf.Close()
		close(fb.done)
	}()
	t.Cleanup(func() {
		fb.Stop()
		if t.Failed() {
			fb.dumpLog()
		}
	})
	return fb
}

// Running reports whether the process has not exited.
func (fb *fluentBit) Running() bool {
	select {
	case <-fb.done:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM and waits for the exit (SIGKILL after stopTimeout).
// It returns the exit error (nil for status 0); idempotent.
func (fb *fluentBit) Stop() error {
	fb.stopOnce.Do(func() {
		if fb.Running() {
			_ = fb.cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-fb.done:
		case <-time.After(stopTimeout):
			fb.killed = true
			fb.t.Logf("fluent-bit did not stop within %s of SIGTERM: killing it", stopTimeout)
			_ = fb.cmd.Process.Kill()
			select {
			case <-fb.done:
			case <-time.After(killTimeout):
				fb.t.Logf("fluent-bit did not exit within %s of SIGKILL", killTimeout)
				fb.stopErr = errors.New("fluent-bit did not exit after SIGKILL")
				return
			}
		}
		fb.stopErr = fb.waitErr
	})
	return fb.stopErr
}

// StopClean stops Fluent Bit and requires a clean exit (status 0 after
// SIGTERM, no kill).
func (fb *fluentBit) StopClean(t testing.TB) {
	t.Helper()
	require.True(t, fb.Running(), "fluent-bit exited before the test stopped it: %v", fb.waitErr)
	err := fb.Stop()
	require.False(t, fb.killed, "fluent-bit had to be killed")
	require.NoError(t, err, "fluent-bit exit status after SIGTERM")
}

// WaitExit waits up to timeout for the process to exit by itself and
// returns its exit code; ok is false if it still runs.
func (fb *fluentBit) WaitExit(timeout time.Duration) (code int, ok bool) {
	select {
	case <-fb.done:
	case <-time.After(timeout):
		return 0, false
	}
	if fb.waitErr == nil {
		return 0, true
	}
	var ee *exec.ExitError
	if errors.As(fb.waitErr, &ee) {
		return ee.ExitCode(), true
	}
	return -1, true
}

// Log returns Fluent Bit's log (its standard error) so far.
func (fb *fluentBit) Log() string {
	b, _ := os.ReadFile(fb.logPath)
	return string(b)
}

// Stdout returns Fluent Bit's standard output so far.
func (fb *fluentBit) Stdout() string {
	b, _ := os.ReadFile(fb.outPath)
	return string(b)
}

// WaitLog waits until the log contains s; it fails the test after timeout
// or when the process exits first.
func (fb *fluentBit) WaitLog(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(fb.Log(), s) {
		if !fb.Running() {
			t.Fatalf("fluent-bit exited (%v) before logging %q", fb.waitErr, s)
		}
		if time.Now().After(deadline) {
			t.Fatalf("fluent-bit did not log %q within %s", s, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// crashMarks are log texts of a crash or a recovered panic: Fluent Bit's
// signal handler, the Go runtime, and auditx's own recover messages.
var crashMarks = []string{
	"caught signal (SIGSEGV)", "caught signal (SIGABRT)", "caught signal (SIGBUS)", "caught signal (SIGFPE)",
	"panic:", "fatal error:", "panic in ", "panicked",
}

// RequireHealthy checks that Fluent Bit still runs and that neither it nor
// auditx reported a crash or a recovered panic.
func (fb *fluentBit) RequireHealthy(t testing.TB) {
	t.Helper()
	require.True(t, fb.Running(), "fluent-bit exited: %v", fb.waitErr)
	log := fb.Log()
	for _, bad := range crashMarks {
		require.NotContains(t, log, bad, "fluent-bit log")
	}
}

func (fb *fluentBit) dumpLog() {
	log := fb.Log()
	if len(log) > logDumpLimit {
		log = "...\n" + log[len(log)-logDumpLimit:]
	}
	fb.t.Logf("fluent-bit %s, log %s:\n%s", strings.Join(fb.cmd.Args, " "), fb.logPath, log)
}

// Records.

// jsonValue converts a decoded msgpack value to what encoding/json gives
// for the same JSON (float64 numbers, []any, map[string]any), so records
// that came out of Fluent Bit compare with the JSON lines that went in.
func jsonValue(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// canonical is a record's canonical JSON (sorted keys).
func canonical(t testing.TB, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

// readJSONLines reads a JSON lines file into maps.
func readJSONLines(t testing.TB, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []map[string]any
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal(line, &m), "%s:%d", path, i+1)
		out = append(out, m)
	}
	return out
}

// field returns the value at a dotted path of nested maps.
func field(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// tagsOf returns a record's tags array as strings.
func tagsOf(m map[string]any) []string {
	arr, _ := m["tags"].([]any)
	var out []string
	for _, v := range arr {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func hasTag(m map[string]any, tag string) bool {
	for _, s := range tagsOf(m) {
		if s == tag {
			return true
		}
	}
	return false
}

// privxKnownCodes are PrivX event ids of the embedded catalog (taken from
// testdata/samples/privx.log).
var privxKnownCodes = []string{"425", "1207", "407"}

// writePrivXLines writes n PrivX-shaped JSON lines whose service_id is
// "<prefix>-<i>" (the unique id the tests count) and returns the path.
func writePrivXLines(t testing.TB, dir, name, prefix string, n int) string {
	t.Helper()
	var b bytes.Buffer
	for i := range n {
		code := privxKnownCodes[i%len(privxKnownCodes)]
		fmt.Fprintf(&b, `{"service_id": %q, "service_name": "ROLE-STORE", "event_id": %q, "event_name": "e2e", "created": "2026-11-20T08:14:00.773205Z", "message": {"severity": "Info(6)", "username": "alice.moreau", "seq": %d}}`+"\n",
			prefix+"-"+strconv.Itoa(i), code, i)
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o600))
	return path
}

// recordField returns a field the test wrote into a record: at the top,
// or under a vendor namespace (<vendor>.audit), where auditx moves the
// vendor's keys that are not ECS (the keys the tests write are named as
// auditx names them: lower case, '_').
func recordField(body map[string]any, key string) (any, bool) {
	if v, ok := body[key]; ok {
		return v, true
	}
	for _, ns := range body {
		if m, ok := ns.(map[string]any); ok {
			if audit, ok := m["audit"].(map[string]any); ok {
				if v, ok := audit[key]; ok {
					return v, true
				}
			}
		}
	}
	return nil, false
}

// countByString counts events by the string at a body key (recordField);
// events without it count under "".
func countByString(events []forwardtest.Event, key string) map[string]int {
	out := map[string]int{}
	for _, ev := range events {
		v, _ := recordField(ev.Body, key)
		s, _ := v.(string)
		out[s]++
	}
	return out
}

// requireEachOnce checks that the ids "<prefix>-0" .. "<prefix>-<n-1>"
// each occur exactly once under key, and nothing else does.
func requireEachOnce(t testing.TB, events []forwardtest.Event, key, prefix string, n int) {
	t.Helper()
	counts := countByString(events, key)
	var missing, dup []string
	for i := range n {
		id := prefix + "-" + strconv.Itoa(i)
		switch c := counts[id]; {
		case c == 0:
			missing = append(missing, id)
		case c > 1:
			dup = append(dup, fmt.Sprintf("%s x%d", id, c))
		}
		delete(counts, id)
	}
	require.Empty(t, firstN(missing, 20), "%d of %d records missing (first 20 shown)", len(missing), n)
	require.Empty(t, firstN(dup, 20), "%d records arrived more than once (first 20 shown)", len(dup))
	require.Empty(t, counts, "unexpected records (by %s)", key)
	require.Len(t, events, n)
}

// firstN truncates a list for messages.
func firstN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}
