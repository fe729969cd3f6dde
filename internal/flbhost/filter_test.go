//go:build linux && cgo

package flbhost

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/internal/eventtest"
)

var (
	filterOnce sync.Once
	filterLib  *FilterPlugin
	filterErr  error
)

// filterDoor loads flb-filter_auditx.so as Fluent Bit loads a DSO filter.
func filterDoor(t *testing.T) *FilterPlugin {
	t.Helper()
	dir := libraryDir(t)
	filterOnce.Do(func() { filterLib, filterErr = OpenFilter(filepath.Join(dir, "flb-filter_auditx.so")) })
	require.NoError(t, filterErr)
	return filterLib
}

// newFilter creates and initialises an instance that exits when the test
// ends.
func newFilter(t *testing.T, o InstanceOptions) *FilterInstance {
	t.Helper()
	in := filterDoor(t).NewInstance(o)
	t.Cleanup(func() { in.Exit() })
	require.Equal(t, 0, in.Init(), "cb_init; log:\n%s", FilterLog())
	require.True(t, in.HasContext(), "cb_init sets the instance context")
	return in
}

// coreChunk enriches chunk with the Go core and the configuration props
// give: what the filter must answer.
func coreChunk(t *testing.T, props map[string]string, chunk []byte) ([]byte, enrich.Stats) {
	t.Helper()
	cfg, err := config.ParseFilter(config.Map(props))
	require.NoError(t, err)
	cat, err := catalog.Load(cfg.CatalogFiles...)
	require.NoError(t, err)
	e, err := enrich.New(cat, cfg.Enrich)
	require.NoError(t, err)
	out, _, st := e.Chunk(nil, nil, chunk)
	return out, st
}

func TestFilterRegistration(t *testing.T) {
	r := filterDoor(t).Registration()
	require.Equal(t, "auditx", r.Name, "what users write in [FILTER] Name")
	require.Equal(t, 1, r.EventType, "FLB_FILTER_LOGS")
	require.NotEmpty(t, r.Description)
	require.True(t, r.HasInit && r.HasFilter && r.HasExit)
	require.False(t, r.HasPreRun || r.HasNotification, "unused callbacks stay NULL")
	keys := config.FilterKeys()
	require.Len(t, r.ConfigMap, len(keys), "config map vs config.FilterKeys (run go generate ./plugin)")
	for i, k := range keys {
		e := r.ConfigMap[i]
		require.Equal(t, k.Name, e.Name, "entry %d (run go generate ./plugin)", i)
		require.Equal(t, k.Description, e.Description, "key %s", k.Name)
		require.False(t, e.HasDefault, "key %s: defaults are applied by config.Parse", k.Name)
		require.Zero(t, e.Type, "key %s: FLB_CONFIG_MAP_STR", k.Name)
		require.False(t, config.OutputOnly(k.Name))
	}
	for _, k := range []string{"emit_tag", "forward_path", "require_ack", "max_message_size"} {
		for _, e := range r.ConfigMap {
			require.NotEqual(t, k, e.Name, "an output-only key is not a filter key")
		}
	}
	require.Equal(t, make([]byte, ReservedTailSize), r.ReservedTail,
		"a Fluent Bit with a larger struct flb_filter_plugin must copy zeros after auditx's")
}

// TestFilterGuard: an instance whose layout is not the one auditx was built
// for is refused at init, with a message naming the versions supported and
// the output door, and nothing in it is trusted; an instance whose tail
// differs (where the cmetrics context lies) starts without Fluent Bit
// metrics.
func TestFilterGuard(t *testing.T) {
	f := filterDoor(t)
	for _, tamper := range []string{"name", "data", "plugin", "badptr"} {
		t.Run(tamper, func(t *testing.T) {
			before := len(FilterLog())
			in := f.NewInstance(InstanceOptions{Tamper: tamper})
			defer in.Exit()
			require.Equal(t, -1, in.Init())
			require.False(t, in.HasContext())
			log := FilterLog()[before:]
			require.Contains(t, log, "[error] [filter:auditx:")
			require.Contains(t, log, "refusing to start")
			require.Contains(t, log, "v3.2 to v5.1")
			require.Contains(t, log, "out_auditx.so")
			require.Zero(t, in.MetricCount(), "no metric created in a context not verified")
		})
	}
	t.Run("tail", func(t *testing.T) {
		before := len(FilterLog())
		in := newFilter(t, InstanceOptions{Tamper: "tail"})
		require.Contains(t, FilterLog()[before:], "Fluent Bit's metrics for auditx are off")
		require.Zero(t, in.MetricCount(), "cmt not trusted when the tail of the structure differs")
		sample, err := ChunkFromJSONLines(samplePath(t, "privx"))
		require.NoError(t, err)
		code, _, _ := in.Filter(sample.Chunk, "audit.privx")
		require.Equal(t, FilterModified, code, "the filter itself still works")
	})
}

func TestFilterInitRejects(t *testing.T) {
	f := filterDoor(t)
	cases := []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{"vendor": "nosuch"}, `config key 'vendor': invalid value "nosuch" (accepted: auto, filingbox, netop, plusauth, privx)`},
		{map[string]string{"schema": "xml"}, `config key 'schema': invalid value "xml" (accepted: ecs, flat)`},
		{map[string]string{"code_key": "message.code"}, `config key 'code_key'`},
		{map[string]string{"catalog_files": "/nonexistent/site.csv"}, "/nonexistent/site.csv"},
		{map[string]string{"metrics_listen": "10.0.0.1:9100"}, "config key 'metrics_listen'"},
	}
	for _, c := range cases {
		before := len(FilterLog())
		in := f.NewInstance(InstanceOptions{Props: c.props})
		require.Equal(t, -1, in.Init(), "%v", c.props)
		require.False(t, in.HasContext())
		require.Contains(t, FilterLog()[before:], c.want)
		require.Contains(t, FilterLog()[before:], "[error] [filter:auditx:"+in.Name()+"]")
		in.Exit()
	}
}

// TestFilterSamples filters every sample log as one append: the answer is
// FLB_FILTER_MODIFIED with exactly the core's bytes (metadata, times and
// group markers unchanged), and the instance's counters in Fluent Bit's
// cmetrics context follow.
func TestFilterSamples(t *testing.T) {
	in := newFilter(t, InstanceOptions{Alias: "samples"})
	var want enrich.Stats
	for _, v := range []string{"filingbox", "plusauth", "privx", "netop"} {
		sample, err := ChunkFromJSONLines(samplePath(t, v))
		require.NoError(t, err)
		chunk := append(eventtest.GroupStart(MustMap(map[string]any{"resource": v}), MustMap(map[string]any{})), sample.Chunk...)
		chunk = append(chunk, eventtest.GroupEnd()...)
		exp, st := coreChunk(t, nil, chunk)
		want.Add(st)
		code, out, _ := in.Filter(chunk, "audit."+v)
		require.Equal(t, FilterModified, code, v)
		require.Equal(t, exp, out, "%s: the filter's bytes vs the core's", v)
		require.True(t, bytes.HasPrefix(out, eventtest.GroupStart(MustMap(map[string]any{"resource": v}), MustMap(map[string]any{}))), "group start first, unchanged")
		require.True(t, bytes.HasSuffix(out, eventtest.GroupEnd()), "group end last, unchanged")
	}
	for name, v := range map[string]uint64{
		"fluentbit_filter_auditx_records_enriched_total":     want.Enriched,
		"fluentbit_filter_auditx_records_unknown_code_total": want.Unknown,
		"fluentbit_filter_auditx_records_no_code_total":      want.NoCode,
	} {
		got, ok := in.Metric(name)
		require.True(t, ok, "%s registered", name)
		require.Equal(t, float64(v), got, name)
	}
	// Every counter of enrich's table marked Filter is registered under
	// its name (the generated C names) and holds its value (the order the
	// door passes them in matches the names).
	for _, c := range enrich.FilterCounters() {
		name := "fluentbit_filter_auditx_" + c.Name
		got, ok := in.Metric(name)
		require.True(t, ok, "%s registered (run go generate ./plugin)", name)
		require.Equal(t, float64(c.Value(&want)), got, name)
	}
	require.Equal(t, len(enrich.FilterCounters())+1, in.MetricCount(), "the counters and the catalog size gauge")
	entries, ok := in.Metric("fluentbit_filter_auditx_catalog_entries")
	require.True(t, ok)
	cat, err := catalog.Embedded()
	require.NoError(t, err)
	require.Equal(t, float64(cat.Len()), entries)
	require.Contains(t, FilterLog(), "[ info] [filter:auditx:samples] vendor=auto schema=ecs")
}

// TestFilterNoTouch: appends with nothing to enrich, and bad input, pass
// untouched (FLB_FILTER_NOTOUCH, out_buf left NULL) and are counted. (With
// data_stream off: with it on, a map record without a code gets its
// data_stream, TestFilterDataStreamOnly.)
func TestFilterNoTouch(t *testing.T) {
	in := newFilter(t, InstanceOptions{Props: map[string]string{"data_stream": "off"}})
	noCode := eventtest.V2(1, 2, MustMap(map[string]any{}), MustMap(map[string]any{"message": "no code here"}))
	enriched, _ := coreChunk(t, nil, eventtest.V2(1, 2, MustMap(map[string]any{}), MustMap(map[string]any{"event_id": "425", "event_name": "x", "service_name": "AUTH"})))
	sample, err := ChunkFromJSONLines(samplePath(t, "privx"))
	require.NoError(t, err)
	cases := map[string][]byte{
		"empty":              nil,
		"no code":            noCode,
		"group markers only": append(eventtest.GroupStart(MustMap(map[string]any{}), MustMap(map[string]any{})), eventtest.GroupEnd()...),
		"already enriched":   enriched,
		"not msgpack":        []byte{0xc1, 0xc1, 0xc1},
		"truncated":          sample.Chunk[:len(sample.Chunk)-3],
		"non-map body":       eventtest.V2(1, 2, MustMap(map[string]any{}), msgp.AppendString(nil, "a string")),
	}
	for name, data := range cases {
		code, out, outNil := in.Filter(data, "audit.x")
		require.Equal(t, FilterNoTouch, code, name)
		require.True(t, outNil, "%s: out_buf stays NULL", name)
		require.Nil(t, out, name)
	}
	already, _ := in.Metric("fluentbit_filter_auditx_records_already_enriched_total")
	require.Equal(t, 1.0, already)
	malformed, _ := in.Metric("fluentbit_filter_auditx_records_malformed_total")
	require.Positive(t, malformed, "the non-map body and the bad entries are counted")
	require.Contains(t, FilterLog(), "the whole append passes untouched", "trailing bytes are logged")
}

// TestFilterDataStreamOnly: with data_stream on (the default), an append
// whose only record has no code is MODIFIED, the record given data_stream
// alone (dataset auditx.unrecognized), as the core and the output door do.
func TestFilterDataStreamOnly(t *testing.T) {
	in := newFilter(t, InstanceOptions{})
	noCode := eventtest.V2(1, 2, MustMap(map[string]any{}), MustMap(map[string]any{"message": "no code here"}))
	want, st := coreChunk(t, nil, noCode)
	require.EqualValues(t, 1, st.NoCode)
	code, out, _ := in.Filter(noCode, "audit.x")
	require.Equal(t, FilterModified, code)
	require.Equal(t, want, out)
	require.Contains(t, string(out), enrich.UnrecognizedDataset)
}

// TestFilterThreads calls one instance from eight C threads at once (as
// threaded inputs do): every answer is the same, complete enrichment.
func TestFilterThreads(t *testing.T) {
	in := newFilter(t, InstanceOptions{Props: map[string]string{"vendor": "netop"}})
	sample, err := ChunkFromJSONLines(samplePath(t, "netop"))
	require.NoError(t, err)
	want, st := coreChunk(t, map[string]string{"vendor": "netop"}, sample.Chunk)
	const threads, calls = 8, 200
	require.Zero(t, in.FilterThreads(sample.Chunk, threads, calls, FilterModified, want), "answers that differ from the core's")
	got, _ := in.Metric("fluentbit_filter_auditx_records_enriched_total")
	require.Equal(t, float64(st.Enriched*threads*calls), got)
}

// TestFilterExitAndReinit: cb_exit tears the instance down and logs its
// counters; a new instance in the same process (a hot reload) works.
func TestFilterExitAndReinit(t *testing.T) {
	f := filterDoor(t)
	sample, err := ChunkFromJSONLines(samplePath(t, "plusauth"))
	require.NoError(t, err)
	for round := range 3 {
		in := f.NewInstance(InstanceOptions{Alias: "reload"})
		require.Equal(t, 0, in.Init(), "round %d", round)
		code, _, _ := in.Filter(sample.Chunk, "audit.plusauth")
		require.Equal(t, FilterModified, code)
		before := len(FilterLog())
		require.Equal(t, 0, in.Exit(), "cb_exit returns 0")
		require.Contains(t, FilterLog()[before:], fmt.Sprintf("[filter:auditx:reload] exit: records=%d ", len(sample.Events)))
	}
}

// TestFilterLogLevel: the instance's log_level is honoured (error only:
// no start line).
func TestFilterLogLevel(t *testing.T) {
	before := len(FilterLog())
	newFilter(t, InstanceOptions{Alias: "quiet", LogLevel: 1})
	require.NotContains(t, FilterLog()[before:], "[filter:auditx:quiet]")
}

// FuzzFilterDoor drives random bytes through the C door: the call never
// crashes, and a MODIFIED answer is a sequence of complete msgpack objects
// with as many entries as the input had.
func FuzzFilterDoor(f *testing.F) {
	for _, v := range []string{"filingbox", "plusauth", "privx", "netop"} {
		sample, err := ChunkFromJSONLines(filepath.Join("..", "..", "testdata", "samples", v+".log"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(sample.Chunk[:min(len(sample.Chunk), 4096)])
	}
	f.Add(append(eventtest.GroupStart(MustMap(map[string]any{}), MustMap(map[string]any{})), eventtest.GroupEnd()...))
	f.Add([]byte{0x92, 0x92, 0xd7, 0x00})
	var in *FilterInstance
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		if in == nil {
			in = filterDoor(t).NewInstance(InstanceOptions{Alias: "fuzz", LogLevel: 1})
			require.Equal(t, 0, in.Init())
		}
		code, out, _ := in.Filter(data, "audit.fuzz")
		require.Contains(t, []int{FilterModified, FilterNoTouch}, code)
		if code == FilterModified {
			require.Equal(t, objects(t, data), objects(t, out), "entries in and out")
		}
	})
}

// objects counts the complete msgpack objects at the start of b.
func objects(t *testing.T, b []byte) int {
	n := 0
	for len(b) > 0 {
		rest, err := msgp.Skip(b)
		if err != nil {
			break
		}
		b = rest
		n++
	}
	return n
}

// TestFilterInvalidIPCounted: an address field that holds no valid IP is
// not taken as source.ip, stays where it is, and is counted in Fluent Bit's
// metrics.
func TestFilterInvalidIPCounted(t *testing.T) {
	in := newFilter(t, InstanceOptions{})
	rec := eventtest.V2(1, 2, MustMap(map[string]any{}), MustMap(map[string]any{"event_type": "4002", "user_id": "u1", "client_address": "not-an-ip"}))
	code, out, _ := in.Filter(rec, "audit.plusauth")
	require.Equal(t, FilterModified, code)
	require.Contains(t, string(out), "not-an-ip", "the original field is kept")
	require.NotContains(t, string(out), "\xa6source", "no source.ip")
	got, ok := in.Metric("fluentbit_filter_auditx_invalid_ip_total")
	require.True(t, ok)
	require.Equal(t, 1.0, got)
}

// TestFilterFifthVendor: the fifth test vendor, from its descriptor and
// event table alone (testdata/vendor5), through the C door with vendor auto:
// the same bytes as the core's, every record enriched or with an unknown
// code, none passed untouched.
func TestFilterFifthVendor(t *testing.T) {
	dir := filepath.Join(moduleRootT(t), "testdata", "vendor5")
	props := map[string]string{"catalog_files": filepath.Join(dir, "acme.vendor") + "," + filepath.Join(dir, "acme.csv")}
	in := newFilter(t, InstanceOptions{Alias: "acme", Props: props})
	sample, err := ChunkFromJSONLines(filepath.Join(dir, "acme.log"))
	require.NoError(t, err)
	exp, st := coreChunk(t, props, sample.Chunk)
	require.Equal(t, uint64(len(sample.Events)), st.Enriched+st.Unknown, "every record of the fifth vendor recognised")
	require.Equal(t, uint64(1), st.Unknown, "the one code its table lacks")
	code, out, _ := in.Filter(sample.Chunk, "audit.acme")
	require.Equal(t, FilterModified, code)
	require.Equal(t, exp, out, "the filter's bytes vs the core's")
	require.Contains(t, string(out), "acme_idp.audit")
	enriched, _ := in.Metric("fluentbit_filter_auditx_records_enriched_total")
	require.Equal(t, float64(st.Enriched), enriched)
}

// The door writes the new append into the out_buf it allocated ahead, and
// copies it into a new one when the append outgrows that room: small
// records grow far past it (a record of a few bytes gains its ECS fields).
// Either way the answer is the core's bytes.
func TestFilterOutBufGrows(t *testing.T) {
	in := newFilter(t, InstanceOptions{Alias: "grows"})
	for _, n := range []int{1, 10, 2000} {
		var chunk []byte
		for i := range n {
			chunk = append(chunk, eventtest.V2(uint32(1763626443+i), 0, MustMap(map[string]any{}), MustMap(map[string]any{"Code": "510"}))...)
		}
		exp, _ := coreChunk(t, nil, chunk)
		require.Greater(t, len(exp), 3*len(chunk), "records that grow")
		code, out, _ := in.Filter(chunk, "audit.filingbox")
		require.Equal(t, FilterModified, code)
		require.Equal(t, exp, out, "%d records", n)
	}
}
