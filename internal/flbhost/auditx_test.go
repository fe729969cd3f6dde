//go:build linux && cgo

package flbhost

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/internal/eventtest"
	"github.com/auditx/auditx/internal/forwardtest"
	"github.com/auditx/auditx/internal/keyname"
)

// pluginSOEnv names a prebuilt .so to load instead of building ./plugin.
const pluginSOEnv = "FLBHOST_PLUGIN_SO"

// The plugin is built and registered once per test process: a Go c-shared
// library cannot be unloaded, so every test shares one Host. The library is
// built as `make build` lays it out: flb-filter_auditx.so (the filter door)
// with out_auditx.so (the output door) a symlink to it, so both hosts load
// one image, one Go runtime.
var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error

	auditxOnce sync.Once
	auditxHost *Host
	auditxErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// libraryDir builds ./plugin once and returns the directory holding
// flb-filter_auditx.so and out_auditx.so (FLBHOST_PLUGIN_SO names a prebuilt
// library instead). A library that does not build fails the test: the doors
// are what these tests are for.
func libraryDir(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if so := os.Getenv(pluginSOEnv); so != "" {
			buildDir, buildErr = os.MkdirTemp("", "flbhost-so-")
			if buildErr == nil {
				buildErr = os.Symlink(so, filepath.Join(buildDir, "flb-filter_auditx.so"))
			}
		} else {
			buildErr = buildPlugin()
		}
		if buildErr == nil {
			buildErr = os.Symlink("flb-filter_auditx.so", filepath.Join(buildDir, "out_auditx.so"))
		}
	})
	if buildErr != nil {
		t.Fatalf("building the plugin library: %v", buildErr)
	}
	return buildDir
}

// auditx returns the Host of out_auditx.so, registered on first use.
func auditx(t *testing.T) (*Host, Def) {
	t.Helper()
	dir := libraryDir(t)
	auditxOnce.Do(func() {
		h, err := Open(filepath.Join(dir, "out_auditx.so"))
		if err != nil {
			auditxErr = err
			return
		}
		if _, err := h.Register(false); err != nil {
			auditxErr = err
			return
		}
		auditxHost = h
	})
	if auditxErr != nil {
		t.Fatalf("loading out_auditx.so: %v", auditxErr)
	}
	return auditxHost, auditxHost.Def()
}

// buildPlugin builds ./plugin into a temporary directory as
// flb-filter_auditx.so.
func buildPlugin() error {
	root, err := moduleRoot()
	if err != nil {
		return fmt.Errorf("module root not found: %w", err)
	}
	if buildDir, err = os.MkdirTemp("", "flbhost-so-"); err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", filepath.Join(buildDir, "flb-filter_auditx.so"), "./plugin")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build -buildmode=c-shared ./plugin: %v\n%s", err, out)
	}
	return nil
}

// newInstance creates an instance that exits when the test ends.
func newInstance(t *testing.T, h *Host, props map[string]string) *Instance {
	t.Helper()
	in, err := h.NewInstance(props)
	require.NoError(t, err)
	t.Cleanup(func() { in.Exit() })
	return in
}

// forwardProps is an [OUTPUT] section emitting to a Forward receiver on a
// unix socket, with one worker as the shipped configs have (with workers 0
// the flush runs on the host's engine thread, and the plugin, seeing its
// target socket held by its own process, must send without ack: see
// TestAuditxEngineThreadFlush).
func forwardProps(vendor, sock string) map[string]string {
	return map[string]string{
		"match":        "*", // a core key: consumed, never seen by the plugin
		"workers":      "1", // a core key too
		"vendor":       vendor,
		"emit":         "forward",
		"forward_path": sock,
		"require_ack":  "on",
		"emit_tag":     "enriched.$TAG",
		"timeout":      "2s",
	}
}

// samplePath returns testdata/samples/<vendor>.log.
func samplePath(t *testing.T, vendor string) string {
	return filepath.Join(moduleRootT(t), "testdata", "samples", vendor+".log")
}

// expectEnriched enriches chunk in-process with the configuration props
// would give, as the plugin should: the events the receiver should get.
func expectEnriched(t *testing.T, props map[string]string, tag string, chunk []byte) []forwardtest.Event {
	t.Helper()
	cfg, err := config.Parse(config.Map(props))
	require.NoError(t, err)
	cat, err := catalog.Load(cfg.CatalogFiles...)
	require.NoError(t, err)
	e, err := enrich.New(cat, cfg.Enrich)
	require.NoError(t, err)
	out, _, _ := e.Chunk(nil, nil, chunk)
	evs, err := forwardtest.SplitEvents(cfg.Tag(tag), forwardtest.ModePackedForward, out)
	require.NoError(t, err)
	return evs
}

// decodeMap decodes an encoded map the way forwardtest decodes bodies.
func decodeMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m, rest, err := msgp.ReadMapStrIntfBytes(b, nil)
	require.NoError(t, err)
	require.Empty(t, rest)
	return m
}

// knownCode reports whether an enriched body is a record whose vendor and
// code the catalog knows: enriched (tagged enrich.MarkerTag) and not tagged
// enrich.UnknownCodeTag.
func knownCode(body map[string]any) bool { // marked, with a code the catalog knows
	tags, _ := body["tags"].([]any)
	marked := false
	for _, tg := range tags {
		switch tg {
		case enrich.UnknownCodeTag, enrich.NoCodeTag, enrich.InvalidCodeTag:
			return false
		case enrich.MarkerTag:
			marked = true
		}
	}
	return marked
}

// settle returns every event the receiver has, once nothing more can
// arrive: a flush answers FLB_OK (require_ack on) only after every message
// it sent was acknowledged, the receiver ingests a message before it
// acknowledges it, and the plugin sends nothing outside a flush. So after
// the flush returned, the events are final: a duplicate would already be
// among them.
func settle(s *forwardtest.Server) []forwardtest.Event {
	return s.Events()
}

// drained closes the instance (its connections with it) and returns the
// receiver's events once it has read every connection to its end: for
// flushes that wait for no ack.
func drained(t *testing.T, in *Instance, s *forwardtest.Server) []forwardtest.Event {
	t.Helper()
	require.Equal(t, FLBOK, in.Exit())
	require.Eventually(t, func() bool { open, _ := s.Conns(); return open == 0 }, 10*time.Second, 10*time.Millisecond,
		"the receiver still has open connections after the instance exited")
	return s.Events()
}

func TestAuditxRegister(t *testing.T) {
	h, def := auditx(t)
	require.Equal(t, "auditx", def.Name)
	require.Equal(t, ProxyOutputPlugin, def.Type)
	require.Equal(t, ProxyGolang, def.Proxy)
	require.Contains(t, []int{0, EventLogs}, def.EventType, "logs only")
	require.NotEmpty(t, def.Description)
	require.NotNil(t, def.ConfigMap, "config_map must be set so Fluent Bit rejects unknown keys")
	for _, k := range []string{"vendor", "emit", "forward_path", "forward_address", "emit_tag",
		"require_ack", "timeout", "catalog_files", "schema"} {
		_, ok := def.Key(k)
		require.True(t, ok, "config map lacks %q; it has %v", k, def.Keys())
	}
	seen := map[string]bool{}
	for _, e := range def.ConfigMap {
		require.False(t, seen[strings.ToLower(e.Name)], "key %q registered twice", e.Name)
		seen[strings.ToLower(e.Name)] = true
		require.NotEmpty(t, e.Description, "key %q has no description", e.Name)
		require.NotContains(t, []string{"host", "port", "match", "workers", "retry_limit", "alias", "tls"},
			strings.ToLower(e.Name), "a core key never reaches the plugin")
	}
	for _, s := range []string{SymRegister, SymInit, SymFlushCtx, SymExitCtx, SymUnregister} {
		require.True(t, h.Has(s), "%s not exported", s)
	}
}

// TestAuditxOlderFluentBitDef: a Fluent Bit before v5.1.1 has no
// config_map in its registration structure; auditx must not write past the
// structure (there lies the allocator's metadata), and still registers.
func TestAuditxOlderFluentBitDef(t *testing.T) {
	h, _ := auditx(t)
	const sentinel = 0x31 // a glibc chunk size with PREV_INUSE set
	after, typ := h.RegisterOldDef(sentinel)
	require.Equal(t, uint64(sentinel), after, "the word after the 40-byte structure was overwritten")
	require.Equal(t, ProxyOutputPlugin, typ)
}

func TestAuditxInitRejects(t *testing.T) {
	h, _ := auditx(t)
	sock := filepath.Join(t.TempDir(), "none.sock")
	tests := []struct {
		name      string
		set       map[string]string
		wantInit  bool   // FLBPluginInit ran and failed (else the host's config map check)
		wantInLog string // expected in the error or the plugin's log
	}{
		{"unknown vendor", map[string]string{"vendor": "nosuch"}, true, "vendor"},
		{"unknown emit", map[string]string{"emit": "kafka"}, true, "emit"},
		{"bad timeout", map[string]string{"timeout": "soon"}, true, "timeout"},
		{"bad require_ack", map[string]string{"require_ack": "perhaps"}, true, "require_ack"},
		{"unknown key", map[string]string{"idd": "1"}, false, "unknown configuration property 'idd'"},
		{"unknown key, other case", map[string]string{"Vendorr": "privx"}, false, "unknown configuration property 'Vendorr'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := forwardProps("privx", sock)
			for k, v := range tt.set {
				props[k] = v
			}
			var in *Instance
			var err error
			log, cerr := CaptureStderr(func() { in, err = h.NewInstance(props) })
			require.NoError(t, cerr)
			if in != nil {
				in.Exit()
			}
			require.Error(t, err, "accepted; plugin log: %s", log)
			t.Logf("error: %v; plugin log: %q", err, log)
			var ie *InitError
			var ce *ConfigError
			if tt.wantInit {
				require.True(t, errors.As(err, &ie), "want FLBPluginInit to fail, got %v", err)
				require.NotEqual(t, FLBOK, ie.Code)
				require.Contains(t, log, tt.wantInLog, "the plugin's log should name the key")
			} else {
				require.True(t, errors.As(err, &ce), "want the config map check to fail, got %v", err)
				require.Contains(t, err.Error(), tt.wantInLog)
				require.Empty(t, log, "FLBPluginInit must not run")
			}
		})
	}
}

// TestAuditxCoreKeysNeverArrive: Fluent Bit consumes host, port, workers
// and the like; a section using them must still initialise.
func TestAuditxCoreKeysNeverArrive(t *testing.T) {
	h, _ := auditx(t)
	s := forwardtest.Start(t, forwardtest.Options{Network: "unix"})
	props := forwardProps("privx", s.Addr())
	props["workers"] = "2"
	props["retry_limit"] = "no_limits"
	props["alias"] = "audit_out"
	props["log_level"] = "info"
	in := newInstance(t, h, props)
	require.Equal(t, 2, in.Workers())
	require.True(t, in.HasContext(), "FLBPluginInit must call FLBPluginSetContext")
}

// TestAuditxEnrichKeyDeprecated: a section that still sets the deprecated
// enrich key starts (Fluent Bit's key check passes it), says at start that
// the key has no effect, and its records are enriched as without it.
func TestAuditxEnrichKeyDeprecated(t *testing.T) {
	h, _ := auditx(t)
	sample, err := ChunkFromJSONLines(samplePath(t, "privx"))
	require.NoError(t, err)
	s := forwardtest.Start(t, forwardtest.Options{Network: "unix"})
	props := forwardProps("privx", s.Addr())
	props["enrich"] = "off"
	var in *Instance
	log, err := CaptureStderr(func() { in = newInstance(t, h, props) })
	require.NoError(t, err)
	require.Contains(t, log, `[ warn] [output:auditx:auditx.`, "a warning of the instance")
	require.Contains(t, log, `config key 'enrich' (set to "off") is deprecated and has no effect`)

	delete(props, "enrich")
	want := expectEnriched(t, props, "audit.privx", sample.Chunk)
	require.Equal(t, FLBOK, in.Flush(sample.Chunk, "audit.privx"))
	got := s.WaitFor(t, len(want), 10*time.Second)
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i].Raw, got[i].Raw, "event %d: enriched as without the key", i)
	}
}

func TestAuditxFlushSamples(t *testing.T) {
	h, _ := auditx(t)
	for _, vendor := range embeddedVendorIDs(t) {
		t.Run(vendor, func(t *testing.T) {
			sample, err := ChunkFromJSONLines(samplePath(t, vendor))
			require.NoError(t, err)
			s := forwardtest.Start(t, forwardtest.Options{Network: "unix"})
			props := forwardProps(vendor, s.Addr())
			in := newInstance(t, h, props)

			tag := "audit." + vendor
			groupMeta := MustMap(map[string]any{"resource": map[string]any{"service.name": vendor}})
			groupAttrs := MustMap(map[string]any{"scope": "flbhost"})
			start, end := eventtest.GroupStart(groupMeta, groupAttrs), eventtest.GroupEnd()
			chunk := append(append(append([]byte(nil), start...), sample.Chunk...), end...)
			want := expectEnriched(t, props, tag, chunk)
			require.Len(t, want, len(sample.Events)+2)

			require.Equal(t, FLBOK, in.Flush(chunk, tag))
			s.WaitFor(t, len(want), 10*time.Second)
			got := settle(s)
			require.Len(t, got, len(want), "every record arrives exactly once")

			require.Equal(t, start, got[0].Raw, "group start passed on byte for byte")
			require.Equal(t, end, got[len(got)-1].Raw, "group end passed on byte for byte")
			known := 0
			for i, ev := range got {
				require.Equal(t, "enriched."+tag, ev.Tag, "event %d", i)
				if i == 0 || i == len(got)-1 {
					continue
				}
				src := sample.Events[i-1]
				// The record time is the vendor's event time (event_time on),
				// as the core makes it.
				require.True(t, want[i].Time.Equal(ev.Time), "line %d: time %v, want %v", src.Line, ev.Time, want[i].Time)
				require.Equal(t, map[string]any{"source": vendor + ".log"}, ev.Meta, "line %d: metadata", src.Line)
				// Every original field is at the top (an ECS one) or under
				// <vendor>.audit, named ECS style; none is lost.
				audit, _ := ev.Body[vendor].(map[string]any)["audit"].(map[string]any)
				for k, v := range decodeMap(t, src.Body) {
					if top, ok := ev.Body[k]; ok && reflect.DeepEqual(v, top) {
						continue
					}
					require.Contains(t, audit, string(keyname.Append(nil, []byte(k))), "line %d: original field %q lost", src.Line, k)
				}
				require.Equal(t, want[i].Body, ev.Body, "line %d: differs from enrich run in-process", src.Line)
				if !knownCode(want[i].Body) {
					continue
				}
				event, ok := ev.Body["event"].(map[string]any)
				require.True(t, ok, "line %d: no event map", src.Line)
				require.NotEmpty(t, event["code"], "line %d: event.code", src.Line)
				require.NotEmpty(t, event["action"], "line %d: event.action", src.Line)
				known++
			}
			require.Positive(t, known, "no record of the %s sample got an event.code", vendor)
			t.Logf("%s: %d records, %d with event.code and event.action", vendor, len(sample.Events), known)
		})
	}
}

func TestAuditxLegacyEventForms(t *testing.T) {
	h, _ := auditx(t)
	s := forwardtest.Start(t, forwardtest.Options{Network: "unix"})
	props := forwardProps("auto", s.Addr())
	in := newInstance(t, h, props)
	body := MustMap(map[string]any{"service_id": "x", "event_id": "425", "event_name": "API-client-modified",
		"message": map[string]any{"severity": "6"}})
	events := [][]byte{
		eventtest.V1(SampleEpoch, 5, body),
		eventtest.V1Uint(uint64(SampleEpoch), body),
		eventtest.V2(SampleEpoch, 7, nil, body),
	}
	var chunk []byte
	for _, ev := range events {
		chunk = append(chunk, ev...)
	}
	want := expectEnriched(t, props, "legacy", chunk)
	require.Equal(t, FLBOK, in.Flush(chunk, "legacy"))
	s.WaitFor(t, len(events), 10*time.Second)
	got := settle(s)
	require.Len(t, got, len(events))
	for i := range got {
		require.Equal(t, "enriched.legacy", got[i].Tag)
		require.True(t, want[i].Time.Equal(got[i].Time), "event %d time", i)
		require.Equal(t, want[i].Meta, got[i].Meta, "event %d metadata", i)
		require.Equal(t, want[i].Body, got[i].Body, "event %d body", i)
		require.Equal(t, map[string]any{"audit": map[string]any{"service_id": "x", "event_id": "425", "event_name": "API-client-modified",
			"message": map[string]any{"severity": "6"}}}, got[i].Body["privx"], "the vendor's fields under privx.audit")
	}
}

func TestAuditxTwoInstances(t *testing.T) {
	h, _ := auditx(t)
	vendors := []string{"privx", "netop"}
	servers := make([]*forwardtest.Server, len(vendors))
	instances := make([]*Instance, len(vendors))
	samples := make([]*Sample, len(vendors))
	for i, v := range vendors {
		servers[i] = forwardtest.Start(t, forwardtest.Options{Network: "unix"})
		instances[i] = newInstance(t, h, forwardProps(v, servers[i].Addr()))
		var err error
		samples[i], err = ChunkFromJSONLines(samplePath(t, v))
		require.NoError(t, err)
	}
	require.NotEqual(t, instances[0].Name(), instances[1].Name())

	rets := make([]int, len(vendors))
	var wg sync.WaitGroup
	for i := range vendors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if r := instances[i].Flush(samples[i].Chunk, "in."+vendors[i]); r != FLBOK {
					rets[i] = r
					return
				}
				rets[i] = FLBOK
			}
		}()
	}
	wg.Wait()
	for i, v := range vendors {
		require.Equal(t, FLBOK, rets[i], v)
		n := 3 * len(samples[i].Events)
		servers[i].WaitFor(t, n, 10*time.Second)
		got := settle(servers[i])
		require.Len(t, got, n, "%s: its own records, once each", v)
		for _, ev := range got {
			require.Equal(t, "enriched.in."+v, ev.Tag)
			require.Equal(t, v+".log", ev.Meta["source"], "%s's receiver got another instance's record", v)
		}
	}
}

func TestAuditxConcurrentFlush(t *testing.T) {
	h, _ := auditx(t)
	sample, err := ChunkFromJSONLines(samplePath(t, "plusauth"))
	require.NoError(t, err)
	s := forwardtest.Start(t, forwardtest.Options{Network: "unix"})
	props := forwardProps("plusauth", s.Addr())
	props["workers"] = "4"
	in := newInstance(t, h, props)

	const goroutines, cThreads, rounds = 4, 4, 5
	type result struct {
		tag string
		ret int
	}
	results := make(chan result, (goroutines+cThreads)*rounds)
	var wg sync.WaitGroup
	for g := range goroutines + cThreads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fromC := g >= goroutines
			for r := range rounds {
				tag := fmt.Sprintf("w%d.r%d", g, r)
				if fromC {
					results <- result{tag, in.FlushFromCThread(sample.Chunk, tag)}
				} else {
					results <- result{tag, in.Flush(sample.Chunk, tag)}
				}
			}
		}()
	}
	wg.Wait()
	close(results)
	for r := range results {
		require.Equal(t, FLBOK, r.ret, "flush %s", r.tag)
	}

	n := (goroutines + cThreads) * rounds * len(sample.Events)
	s.WaitFor(t, n, 20*time.Second)
	got := settle(s)
	require.Len(t, got, n)
	perTag := map[string][]forwardtest.Event{}
	for _, ev := range got {
		perTag[ev.Tag] = append(perTag[ev.Tag], ev)
	}
	require.Len(t, perTag, (goroutines+cThreads)*rounds)
	order := expectEnriched(t, props, "order", sample.Chunk) // the record times the core writes
	for tag, evs := range perTag {
		require.Len(t, evs, len(sample.Events), tag)
		for i, ev := range evs {
			src := sample.Events[i]
			require.True(t, order[i].Time.Equal(ev.Time), "%s: event %d out of order (line %d)", tag, i, src.Line)
		}
	}
}

func TestAuditxRetry(t *testing.T) {
	h, _ := auditx(t)
	sample, err := ChunkFromJSONLines(samplePath(t, "filingbox"))
	require.NoError(t, err)
	n := len(sample.Events)

	t.Run("receiver down, then up", func(t *testing.T) {
		s := forwardtest.Start(t, forwardtest.Options{Network: "unix"})
		in := newInstance(t, h, forwardProps("filingbox", s.Addr()))
		require.Equal(t, FLBOK, in.Flush(sample.Chunk, "t"))
		s.WaitFor(t, n, 10*time.Second)

		s.Stop()
		require.Equal(t, FLBRetry, in.Flush(sample.Chunk, "t"), "receiver down: FLB_RETRY")
		s.Restart()
		require.Equal(t, FLBOK, in.Flush(sample.Chunk, "t"), "receiver up again: the next flush succeeds")
		s.WaitFor(t, 2*n, 10*time.Second)
		require.Len(t, settle(s), 2*n)
	})

	t.Run("connections refused, then served", func(t *testing.T) {
		s := forwardtest.Start(t, forwardtest.Options{Network: "unix"})
		in := newInstance(t, h, forwardProps("filingbox", s.Addr()))
		s.SetRefuse(true)
		require.Equal(t, FLBRetry, in.Flush(sample.Chunk, "t"), "connection closed at once: FLB_RETRY")
		s.SetRefuse(false)
		require.Equal(t, FLBOK, in.Flush(sample.Chunk, "t"))
		s.WaitFor(t, n, 10*time.Second)
		require.Len(t, settle(s), n)
	})

	t.Run("ack lost", func(t *testing.T) {
		s := forwardtest.Start(t, forwardtest.Options{Network: "unix"})
		props := forwardProps("filingbox", s.Addr())
		props["timeout"] = "500ms"
		in := newInstance(t, h, props)
		s.DropNextAcks(1)
		require.Equal(t, FLBRetry, in.Flush(sample.Chunk, "t"), "no ack within timeout: FLB_RETRY")
		require.Equal(t, FLBOK, in.Flush(sample.Chunk, "t"))
		// At-least-once: the unacknowledged message was ingested too.
		s.WaitFor(t, 2*n, 10*time.Second)
		require.Len(t, settle(s), 2*n)
	})
}

// TestAuditxLifecycle exits an instance, unregisters the plugin and
// registers it again the way a hot reload does (PreRegister(1), Register,
// Init in the same process).
func TestAuditxLifecycle(t *testing.T) {
	h, def := auditx(t)
	s := forwardtest.Start(t, forwardtest.Options{Network: "unix"})
	sample, err := ChunkFromJSONLines(samplePath(t, "privx"))
	require.NoError(t, err)

	in, err := h.NewInstance(forwardProps("privx", s.Addr()))
	require.NoError(t, err)
	require.Equal(t, FLBOK, in.Flush(sample.Chunk, "t"))
	done := make(chan int, 1)
	go func() { done <- in.Exit() }()
	select {
	case ret := <-done:
		require.Equal(t, FLBOK, ret, "FLBPluginExitCtx returns FLB_OK")
	case <-time.After(10 * time.Second):
		t.Fatal("Exit did not return within 10s")
	}
	require.Equal(t, 0, in.Exit(), "a second Exit does nothing")
	require.Panics(t, func() { in.Flush(sample.Chunk, "t") }, "Flush after Exit is a host misuse")

	h.Unregister()
	h.Unregister() // once only
	again, err := h.Register(true)
	require.NoError(t, err, "registration after a hot reload")
	require.Equal(t, def.Name, again.Name)
	require.Equal(t, def.Keys(), again.Keys())

	in2 := newInstance(t, h, forwardProps("privx", s.Addr()))
	require.Equal(t, FLBOK, in2.Flush(sample.Chunk, "t"))
	s.WaitFor(t, 2*len(sample.Events), 10*time.Second)
}

// TestAuditxEngineThreadFlush: with workers 0 the flush runs on the engine
// thread, which in Fluent Bit also serves the in_forward the plugin sends
// to; the receiver here lives in the same process, so the plugin must see
// the trap, send without waiting for the ack (which would deadlock in
// Fluent Bit), say how to fix it, and still deliver.
func TestAuditxEngineThreadFlush(t *testing.T) {
	h, _ := auditx(t)
	sample, err := ChunkFromJSONLines(samplePath(t, "netop"))
	require.NoError(t, err)
	s := forwardtest.Start(t, forwardtest.Options{Network: "unix"})
	props := forwardProps("netop", s.Addr())
	delete(props, "workers")
	in := newInstance(t, h, props)
	require.Zero(t, in.Workers())

	s.DropNextAcks(1)
	var ret int
	log, err := CaptureStderr(func() { ret = in.Flush(sample.Chunk, "t") })
	require.NoError(t, err)
	require.Equal(t, FLBOK, ret, "no ack is awaited on the engine thread; plugin log: %s", log)
	require.Contains(t, log, "workers", "the plugin should say to set workers; log: %s", log)
	s.WaitFor(t, len(sample.Events), 10*time.Second)
	require.Len(t, drained(t, in, s), len(sample.Events))
}

// embeddedVendorIDs lists the vendors built into auditx.
func embeddedVendorIDs(t *testing.T) []string {
	vs, err := catalog.EmbeddedVendors()
	require.NoError(t, err)
	return vs.IDs()
}
