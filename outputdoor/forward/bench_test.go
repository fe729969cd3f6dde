package forward

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/forwardtest"
)

// BenchmarkSend measures one Send over a unix socket to a forwardtest server
// that checks the envelope and acknowledges but does not split events
// (Discard). allocs/op counts the whole process, the server's goroutine
// included; the client's own share is 0 (see TestSendDoesNotAllocate).
func BenchmarkSend(b *testing.B) {
	cases := []struct {
		name     string
		size     int
		ack      bool
		compress bool
	}{
		{"ack/64KiB", 64 << 10, true, false},
		{"ack/1MiB", 1 << 20, true, false},
		{"noack/64KiB", 64 << 10, false, false},
		{"noack/1MiB", 1 << 20, false, false},
		{"ack/gzip/64KiB", 64 << 10, true, true},
		{"ack/gzip/1MiB", 1 << 20, true, true},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			s := forwardtest.Start(b, forwardtest.Options{Discard: true})
			c := newTestClient(b, s, func(cfg *Config) {
				cfg.RequireAck = bc.ack
				cfg.Compress = bc.compress
				cfg.Timeout = 10 * time.Second
			})
			events, n := eventsOfSize(bc.size)
			require.NoError(b, c.Send(testTag, events, n)) // dial outside the loop
			b.ReportAllocs()
			b.SetBytes(int64(len(events)))
			for b.Loop() {
				if err := c.Send(testTag, events, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSendParallel measures 4 goroutines sharing a pool of 2
// connections.
func BenchmarkSendParallel(b *testing.B) {
	s := forwardtest.Start(b, forwardtest.Options{Discard: true})
	c := newTestClient(b, s, func(cfg *Config) {
		cfg.MaxConns = 2
		cfg.Timeout = 10 * time.Second
	})
	events, n := eventsOfSize(64 << 10)
	b.ReportAllocs()
	b.SetBytes(int64(len(events)))
	b.SetParallelism(2) // 2 x GOMAXPROCS goroutines
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.Send(testTag, events, n); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func TestSendDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("measures allocations")
	}
	for _, compress := range []bool{false, true} {
		s := forwardtest.Start(t, forwardtest.Options{Discard: true})
		c := newTestClient(t, s, func(cfg *Config) { cfg.Compress = compress })
		events, n := eventsOfSize(64 << 10)
		require.NoError(t, c.Send(testTag, events, n))
		// Process-wide: the Discard server does not allocate either.
		allocs := testing.AllocsPerRun(50, func() {
			if err := c.Send(testTag, events, n); err != nil {
				t.Fatal(err)
			}
		})
		require.Zero(t, allocs, "compress=%v", compress)
	}
}
