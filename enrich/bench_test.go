package enrich

import (
	"testing"
)

// The enrichment core's benchmarks. Targets (docs/performance.md): at
// least 2,000,000 PrivX-shaped records/s on one core and at most 1
// allocation per record. Besides ns/op, each reports ns/record and
// records/s, so the numbers read the same whatever one operation is.

// reportRecords adds ns/record and records/s for records processed in the
// benchmark's timed loop.
func reportRecords(b *testing.B, records int) {
	b.Helper()
	if records == 0 || b.Elapsed() <= 0 {
		return
	}
	ns := float64(b.Elapsed().Nanoseconds())
	b.ReportMetric(ns/float64(records), "ns/record")
	b.ReportMetric(float64(records)/(ns/1e9), "records/s")
}

// BenchmarkRecord enriches one record body per operation, cycling through
// the sample log of each vendor (testdata/samples/<vendor>.log), with the
// vendor recognised from the keys (vendor auto, the default).
func BenchmarkRecord(b *testing.B) {
	for _, v := range []string{"filingbox", "plusauth", "privx", "netop"} {
		b.Run(v, func(b *testing.B) {
			e := newEnricher(b, Options{})
			bodies := sampleBodies(b, v)
			size := 0
			for _, body := range bodies {
				size += len(body)
			}
			dst := make([]byte, 0, 4096)
			b.ReportAllocs()
			b.SetBytes(int64(size / len(bodies)))
			n := 0
			for b.Loop() {
				dst, _ = e.Record(dst[:0], bodies[n%len(bodies)])
				n++
			}
			reportRecords(b, n)
		})
	}
}

// mibChunk repeats the sample events of the four vendors until the
// chunk holds at least 1 MiB, about what Fluent Bit hands a flush of a busy
// tail input. It returns the chunk and its number of events.
func mibChunk(b *testing.B, only string) ([]byte, int) {
	b.Helper()
	var one []byte
	if only == "" {
		one = sampleChunk(b)
	} else {
		sec := uint32(1763626443)
		for _, body := range sampleBodies(b, only) {
			one = append(one, eventV2(sec, 0, emptyMap, body)...)
			sec++
		}
	}
	per := countRecords(b, one)
	var chunk []byte
	n := 0
	for len(chunk) < 1<<20 {
		chunk = append(chunk, one...)
		n += per
	}
	return chunk, n
}

// BenchmarkChunk enriches a 1 MiB chunk per operation: "mixed" holds the
// four vendors' sample events, "privx" PrivX events only. The output
// buffers are reused, as instance.Flush reuses them through a pool.
func BenchmarkChunk(b *testing.B) {
	for _, only := range []string{"", "privx"} {
		name := "mixed"
		if only != "" {
			name = only
		}
		b.Run(name, func(b *testing.B) { benchChunk(b, Options{}, only) })
	}
}

// BenchmarkPassthrough frames the same 1 MiB mixed chunk without enriching
// it (enrich off): the floor of what a flush costs auditx before the
// Forward hop.
func BenchmarkPassthrough(b *testing.B) {
	chunk, per := mibChunk(b, "")
	out := make([]byte, 0, len(chunk))
	ends := make([]int, 0, per)
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	n := 0
	for b.Loop() {
		out, ends, _ = passthrough(out[:0], ends[:0], chunk)
		n += per
	}
	reportRecords(b, n)
}

// BenchmarkDefaults enriches the 1 MiB mixed chunk with the plugin's
// default options (config.Parse with no key: actor, data_stream with its
// namespace, the vendor namespace layout and the vendor's event time): the
// whole core as users run it.
func BenchmarkDefaults(b *testing.B) {
	benchChunk(b, defaults(), "")
}

// BenchmarkGroups adds the field groups of the defaults one at a time, on
// the 1 MiB mixed chunk and on PrivX's: each step's cost over the one
// before is what that group costs a record. "event" is event.*, observer.*
// and tags with the vendor's keys left at the top; "+namespace" is the
// defaults.
func BenchmarkGroups(b *testing.B) {
	var o Options
	steps := []struct {
		name string
		add  func(*Options)
	}{
		{"event", func(*Options) {}},
		{"+actor", func(o *Options) { o.Actor = true }},
		{"+data_stream", func(o *Options) { o.DataStreamNamespace = "default" }},
		{"+event_time", func(o *Options) { o.EventTime = true }},
		{"+namespace", func(o *Options) { o.Namespace = true }},
	}
	for _, st := range steps {
		st.add(&o)
		for _, only := range []string{"", "privx"} {
			name := st.name + "/mixed"
			if only != "" {
				name = st.name + "/" + only
			}
			opts := o
			b.Run(name, func(b *testing.B) { benchChunk(b, opts, only) })
		}
	}
}

// benchChunk enriches the 1 MiB chunk of mibChunk(only) with o, reporting
// bytes, allocations and records/s.
func benchChunk(b *testing.B, o Options, only string) {
	e := newEnricher(b, o)
	chunk, per := mibChunk(b, only)
	out := make([]byte, 0, 3*len(chunk))
	ends := make([]int, 0, per)
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	n := 0
	for b.Loop() {
		out, ends, _ = e.Chunk(out[:0], ends[:0], chunk)
		n += per
	}
	reportRecords(b, n)
}

// BenchmarkScan walks the top-level pairs of every sample record once, as
// each record's enrichment starts (scan: the watched keys noted, the map's
// end found), with the plugin's defaults.
func BenchmarkScan(b *testing.B) {
	e := newEnricher(b, defaults())
	t := e.tab.Load()
	var bodies [][]byte
	size := 0
	for _, v := range []string{"filingbox", "plusauth", "privx", "netop"} {
		for _, body := range sampleBodies(b, v) {
			bodies = append(bodies, body)
			size += len(body)
		}
	}
	var sc scanned
	b.ReportAllocs()
	b.SetBytes(int64(size))
	n := 0
	for b.Loop() {
		for _, body := range bodies {
			if _, ok := e.scan(body, &sc, t); !ok {
				b.Fatal("a sample record did not scan")
			}
		}
		n += len(bodies)
	}
	reportRecords(b, n)
}
