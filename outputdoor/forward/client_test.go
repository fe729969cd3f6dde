package forward

import (
	"bytes"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/internal/eventtest"
	"github.com/auditx/auditx/internal/forwardtest"
)

const testTag = "auditx.enriched"

var networks = []string{NetworkUnix, NetworkTCP}

// appendTestEvent appends one v2 event
// [[EventTime(1700000000, seq), {}], {"seq": seq, "msg": <pad x's>}].
func appendTestEvent(b []byte, seq, pad int) []byte {
	body := msgp.AppendMapHeader(nil, 2)
	body = msgp.AppendString(body, "seq")
	body = msgp.AppendInt(body, seq)
	body = msgp.AppendString(body, "msg")
	body = msgp.AppendString(body, strings.Repeat("x", pad))
	return append(b, eventtest.V2(1700000000, uint32(seq), eventtest.EmptyMap, body)...)
}

// testEvents returns n events numbered from first, and n.
func testEvents(first, n, pad int) ([]byte, int) {
	var b []byte
	for i := range n {
		b = appendTestEvent(b, first+i, pad)
	}
	return b, n
}

// eventsOfSize returns events whose total length is at most size bytes and
// at least size-200.
func eventsOfSize(size int) ([]byte, int) {
	var b []byte
	n := 0
	for {
		next := appendTestEvent(nil, n, 100)
		if len(b)+len(next) > size {
			break
		}
		b = append(b, next...)
		n++
	}
	return b, n
}

// eventOfSize returns one event numbered seq of exactly size bytes
// (size >= 64).
func eventOfSize(t testing.TB, seq, size int) []byte {
	t.Helper()
	base := len(appendTestEvent(nil, seq, 0)) - 1 // without the fixstr header of "msg"
	for _, hdr := range []int{1, 2, 3, 5} {       // fixstr, str8, str16, str32
		ev := appendTestEvent(nil, seq, size-base-hdr)
		if len(ev) == size {
			return ev
		}
	}
	t.Fatalf("no event of %d bytes", size)
	return nil
}

func seqOf(t testing.TB, ev forwardtest.Event) int {
	t.Helper()
	v, ok := ev.Body["seq"].(int64)
	require.True(t, ok, "seq missing in %v", ev.Body)
	return int(v)
}

func newTestClient(t testing.TB, s *forwardtest.Server, edit func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		Network:    s.Network(),
		Address:    s.Addr(),
		RequireAck: true,
		Timeout:    2 * time.Second,
		MaxConns:   1,
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// requireOp checks that err is an *Error with the given Op and class.
func requireOp(t testing.TB, err error, op string, retryable bool) *Error {
	t.Helper()
	var fe *Error
	require.ErrorAs(t, err, &fe)
	require.Equal(t, op, fe.Op, "error: %v", err)
	require.Equal(t, retryable, fe.Retryable())
	return fe
}

// requireRetryable checks that err classifies itself as retryable.
func requireRetryable(t testing.TB, err error) {
	t.Helper()
	var fe *Error
	require.ErrorAs(t, err, &fe)
	require.True(t, fe.Retryable(), "error: %v", err)
}

// poolConns returns the connections of c's idle pool (a slot in c.live
// always holds one). Call it while no Send runs: each slot is taken out and
// put back.
func poolConns(c *Client) []net.Conn {
	n := len(c.live)
	conns := make([]net.Conn, 0, n)
	for range n {
		s := <-c.live
		conns = append(conns, s.conn)
		c.live <- s
	}
	return conns
}

func TestSendDelivers(t *testing.T) {
	tests := []struct {
		name       string
		network    string
		requireAck bool
		compress   bool
		splitAcks  bool
		wantMode   forwardtest.Mode
	}{
		{"unix ack", NetworkUnix, true, false, false, forwardtest.ModePackedForward},
		{"tcp ack", NetworkTCP, true, false, false, forwardtest.ModePackedForward},
		{"unix ack split across reads", NetworkUnix, true, false, true, forwardtest.ModePackedForward},
		{"tcp ack split across reads", NetworkTCP, true, false, true, forwardtest.ModePackedForward},
		{"unix gzip ack", NetworkUnix, true, true, false, forwardtest.ModeCompressedPackedForward},
		{"tcp gzip ack", NetworkTCP, true, true, false, forwardtest.ModeCompressedPackedForward},
		{"unix no ack", NetworkUnix, false, false, false, forwardtest.ModePackedForward},
		{"tcp gzip no ack", NetworkTCP, false, true, false, forwardtest.ModeCompressedPackedForward},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := forwardtest.Start(t, forwardtest.Options{Network: tt.network, SplitAcks: tt.splitAcks})
			c := newTestClient(t, s, func(cfg *Config) {
				cfg.RequireAck = tt.requireAck
				cfg.Compress = tt.compress
			})
			const messages, perMessage = 3, 10
			var sent []byte
			for m := range messages {
				events, n := testEvents(m*perMessage, perMessage, 40)
				require.NoError(t, c.Send(testTag, events, n))
				sent = append(sent, events...)
			}

			got := s.WaitFor(t, messages*perMessage, 5*time.Second)
			require.Empty(t, s.Errors())
			require.Len(t, got, messages*perMessage)
			var received []byte
			chunks := map[string]bool{}
			for i, ev := range got {
				require.Equal(t, testTag, ev.Tag)
				require.Equal(t, tt.wantMode, ev.Mode)
				require.Equal(t, i, seqOf(t, ev))
				require.Equal(t, map[string]any{}, ev.Meta)
				require.True(t, time.Unix(1700000000, int64(i)).Equal(ev.Time))
				received = append(received, ev.Raw...)
				chunks[ev.Chunk] = true
			}
			require.Equal(t, sent, received, "events arrive byte-identical")
			if tt.requireAck {
				require.Len(t, chunks, messages, "one unique chunk id per message")
				require.NotContains(t, chunks, "")
			} else {
				require.Equal(t, map[string]bool{"": true}, chunks, "no chunk id without acks")
			}

			open, total := s.Conns()
			require.Equal(t, 1, total, "the connection is reused")
			require.Equal(t, 1, open)
			require.Len(t, poolConns(c), 1)
			require.Equal(t, messages, s.Messages())
		})
	}
}

// scenario is one failure-and-recovery story, run over unix and tcp.
type scenario struct {
	name string
	opts forwardtest.Options
	cfg  func(*Config)
	run  func(t *testing.T, s *forwardtest.Server, c *Client)
}

var scenarios = []scenario{
	{
		name: "ack timeout discards the conn, next send succeeds",
		opts: forwardtest.Options{AckDelay: time.Second},
		cfg:  func(c *Config) { c.Timeout = 250 * time.Millisecond },
		run: func(t *testing.T, s *forwardtest.Server, c *Client) {
			ev, n := testEvents(0, 2, 10)
			err := c.Send(testTag, ev, n)
			requireOp(t, err, OpAck, true)
			require.ErrorIs(t, err, os.ErrDeadlineExceeded)
			require.Empty(t, poolConns(c), "the conn is discarded")

			s.SetAckDelay(0)
			ev, n = testEvents(2, 2, 10)
			require.NoError(t, c.Send(testTag, ev, n))
			_, total := s.Conns()
			require.Equal(t, 2, total, "a new connection")
			// The first message was ingested before its ack was late:
			// at-least-once, so both arrive.
			require.Len(t, s.WaitFor(t, 4, 2*time.Second), 4)
		},
	},
	{
		name: "lost ack gives a retryable error and a duplicate on retry",
		cfg:  func(c *Config) { c.Timeout = 250 * time.Millisecond },
		run: func(t *testing.T, s *forwardtest.Server, c *Client) {
			s.DropNextAcks(1)
			ev, n := testEvents(0, 1, 10)
			requireOp(t, c.Send(testTag, ev, n), OpAck, true)
			require.NoError(t, c.Send(testTag, ev, n))
			got := s.WaitFor(t, 2, 2*time.Second)
			require.Equal(t, got[0].Raw, got[1].Raw)
			require.NotEqual(t, got[0].Chunk, got[1].Chunk, "a retry is a new message")
		},
	},
	{
		name: "server down at start, then up: no client restart needed",
		run: func(t *testing.T, s *forwardtest.Server, c *Client) {
			s.Stop()
			ev, n := testEvents(0, 1, 10)
			requireOp(t, c.Send(testTag, ev, n), OpDial, true)
			s.Restart()
			require.NoError(t, c.Send(testTag, ev, n))
			require.Len(t, s.WaitFor(t, 1, 2*time.Second), 1)
		},
	},
	{
		name: "server restarted between sends: nothing silently lost",
		run: func(t *testing.T, s *forwardtest.Server, c *Client) {
			var delivered []int
			send := func(seq int) error {
				ev, n := testEvents(seq, 1, 10)
				err := c.Send(testTag, ev, n)
				if err == nil {
					delivered = append(delivered, seq)
				} else {
					requireRetryable(t, err)
				}
				return err
			}
			require.NoError(t, send(0))
			s.Restart()
			// The first Send after the restart may fail (retryably); the
			// idle check usually notices the dead conn and redials.
			seq := 1
			for ; seq < 4 && send(seq) != nil; seq++ {
			}
			require.Less(t, seq, 4, "a send succeeded after the restart")
			require.NoError(t, send(10))
			got := s.WaitFor(t, len(delivered), 2*time.Second)
			have := map[int]bool{}
			for _, ev := range got {
				have[seqOf(t, ev)] = true
			}
			for _, seq := range delivered {
				require.True(t, have[seq], "acknowledged event %d is missing", seq)
			}
			_, total := s.Conns()
			require.GreaterOrEqual(t, total, 2)
		},
	},
	{
		name: "wrong ack id is a retryable mismatch",
		opts: forwardtest.Options{CorruptAcks: true},
		run: func(t *testing.T, s *forwardtest.Server, c *Client) {
			ev, n := testEvents(0, 1, 10)
			err := c.Send(testTag, ev, n)
			requireOp(t, err, OpAck, true)
			require.ErrorIs(t, err, ErrAckMismatch)
			require.Empty(t, poolConns(c), "the conn is discarded")
		},
	},
	{
		name: "refused connection, then accepted",
		run: func(t *testing.T, s *forwardtest.Server, c *Client) {
			s.SetRefuse(true)
			ev, n := testEvents(0, 1, 10)
			err := c.Send(testTag, ev, n)
			requireRetryable(t, err)
			s.SetRefuse(false)
			require.NoError(t, c.Send(testTag, ev, n))
		},
	},
	{
		name: "peer closes on a message over its buffer_max_size",
		opts: forwardtest.Options{MaxMessageBytes: 8 << 10},
		run: func(t *testing.T, s *forwardtest.Server, c *Client) {
			ev, n := eventsOfSize(32 << 10)
			requireOp(t, c.Send(testTag, ev, n), OpAck, true)
			require.Len(t, s.Errors(), 1)
			ev, n = eventsOfSize(4 << 10)
			require.NoError(t, c.Send(testTag, ev, n))
		},
	},
	{
		name: "without acks a restarted peer is noticed before writing",
		cfg:  func(c *Config) { c.RequireAck = false },
		run: func(t *testing.T, s *forwardtest.Server, c *Client) {
			ev, n := testEvents(0, 1, 10)
			require.NoError(t, c.Send(testTag, ev, n))
			s.WaitFor(t, 1, 2*time.Second)
			s.Restart()
			require.Eventually(t, func() bool {
				ev, n := testEvents(1, 1, 10)
				return c.Send(testTag, ev, n) == nil
			}, 2*time.Second, 10*time.Millisecond)
			require.Len(t, s.WaitFor(t, 2, 2*time.Second), 2)
		},
	},
}

func TestSendRecovers(t *testing.T) {
	for _, sc := range scenarios {
		for _, network := range networks {
			t.Run(sc.name+"/"+network, func(t *testing.T) {
				opts := sc.opts
				opts.Network = network
				s := forwardtest.Start(t, opts)
				c := newTestClient(t, s, sc.cfg)
				sc.run(t, s, c)
			})
		}
	}
}

func TestRestartedPeerIsNoticedOnUnix(t *testing.T) {
	// On a unix socket the peer's close is visible at once, so the idle check
	// redials before writing and the first Send after a restart succeeds.
	s := forwardtest.Start(t, forwardtest.Options{})
	c := newTestClient(t, s, nil)
	ev, n := testEvents(0, 1, 10)
	require.NoError(t, c.Send(testTag, ev, n))
	s.Restart()
	require.NoError(t, c.Send(testTag, ev, n))
	_, total := s.Conns()
	require.Equal(t, 2, total, "one redial, no failed attempt on the dead conn")
}

func TestSendSizeLimits(t *testing.T) {
	const limit = 16 << 10
	tests := []struct {
		name     string
		compress bool
		tag      string
		size     int // events bytes; -1: exactly MaxPayload
		wantOK   bool
	}{
		{"max payload fits", false, testTag, -1, true},
		{"max payload fits gzip", true, testTag, -1, true},
		{"over the limit", false, testTag, limit + 1, false},
		{"over the limit gzip: in_forward limits the inflated size", true, testTag, limit + 1, false},
		{"payload fits only without a huge tag", false, strings.Repeat("t", 2000), limit - 1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := forwardtest.Start(t, forwardtest.Options{MaxMessageBytes: limit})
			c := newTestClient(t, s, func(cfg *Config) {
				cfg.MaxMessageBytes = limit
				cfg.Compress = tt.compress
			})
			size := tt.size
			if size < 0 {
				size = c.MaxPayload()
			}
			ev := eventOfSize(t, 0, size)

			err := c.Send(tt.tag, ev, 1)
			if tt.wantOK {
				require.NoError(t, err)
				require.Len(t, s.WaitFor(t, 1, 2*time.Second), 1)
				require.Empty(t, s.Errors())
				return
			}
			requireOp(t, err, OpSize, false)
			require.ErrorIs(t, err, ErrTooLarge)
			_, total := s.Conns()
			require.Zero(t, total, "rejected without I/O")
		})
	}
}

func TestSendArguments(t *testing.T) {
	s := forwardtest.Start(t, forwardtest.Options{})
	c := newTestClient(t, s, nil)
	ev, n := testEvents(0, 1, 1)
	tests := []struct {
		name   string
		tag    string
		events []byte
		count  int
		wantOp string // "" = nil error
	}{
		{"empty tag", "", ev, n, OpEncode},
		{"negative count", testTag, ev, -1, OpEncode},
		{"no events is a no-op", testTag, nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Send(tt.tag, tt.events, tt.count)
			if tt.wantOp == "" {
				require.NoError(t, err)
				return
			}
			requireOp(t, err, tt.wantOp, false)
		})
	}
	_, total := s.Conns()
	require.Zero(t, total)
	require.Zero(t, s.Messages())
}

func TestConcurrentSends(t *testing.T) {
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			s := forwardtest.Start(t, forwardtest.Options{Network: network, AckDelay: time.Millisecond})
			c := newTestClient(t, s, func(cfg *Config) {
				cfg.MaxConns = 2
				cfg.Timeout = 10 * time.Second
			})
			const goroutines, sends, perMessage = 8, 20, 5
			var wg sync.WaitGroup
			errs := make(chan error, goroutines*sends)
			for g := range goroutines {
				wg.Go(func() {
					for i := range sends {
						ev, n := testEvents((g*sends+i)*perMessage, perMessage, 20)
						if err := c.Send(testTag, ev, n); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			const total = goroutines * sends * perMessage
			got := s.WaitFor(t, total, 5*time.Second)
			require.Len(t, got, total)
			seen := make([]bool, total)
			for _, ev := range got {
				seq := seqOf(t, ev)
				require.False(t, seen[seq], "event %d twice", seq)
				seen[seq] = true
			}
			require.LessOrEqual(t, s.PeakConns(), 2, "never more than MaxConns connections")
			_, dials := s.Conns()
			require.LessOrEqual(t, dials, 2)
			require.Equal(t, goroutines*sends, s.Messages())
			require.LessOrEqual(t, len(poolConns(c)), 2)
		})
	}
}

func TestPoolTimeout(t *testing.T) {
	s := forwardtest.Start(t, forwardtest.Options{})
	c := newTestClient(t, s, func(cfg *Config) { cfg.Timeout = 200 * time.Millisecond })
	held, err := c.take() // the only slot is busy
	require.NoError(t, err)
	ev, n := testEvents(0, 1, 1)
	err = c.Send(testTag, ev, n)
	requireOp(t, err, OpPool, true)
	require.ErrorIs(t, err, ErrPoolTimeout)
	c.put(held)
	require.NoError(t, c.Send(testTag, ev, n))
}

func TestClose(t *testing.T) {
	t.Run("idempotent, later sends are not retryable", func(t *testing.T) {
		s := forwardtest.Start(t, forwardtest.Options{})
		c := newTestClient(t, s, nil)
		ev, n := testEvents(0, 1, 1)
		require.NoError(t, c.Send(testTag, ev, n))
		require.Len(t, poolConns(c), 1)
		require.NoError(t, c.Close())
		require.NoError(t, c.Close())
		require.Empty(t, poolConns(c))
		err := c.Send(testTag, ev, n)
		requireOp(t, err, OpClosed, false)
		require.ErrorIs(t, err, ErrClosed)
		require.Eventually(t, func() bool { open, _ := s.Conns(); return open == 0 }, time.Second, 5*time.Millisecond)
	})
	t.Run("wakes a send waiting for a connection", func(t *testing.T) {
		s := forwardtest.Start(t, forwardtest.Options{})
		c := newTestClient(t, s, func(cfg *Config) { cfg.Timeout = 10 * time.Second })
		held, err := c.take()
		require.NoError(t, err)
		done := make(chan error)
		go func() {
			ev, n := testEvents(0, 1, 1)
			done <- c.Send(testTag, ev, n)
		}()
		time.Sleep(20 * time.Millisecond)
		require.NoError(t, c.Close())
		select {
		case err := <-done:
			requireOp(t, err, OpClosed, false)
		case <-time.After(2 * time.Second):
			t.Fatal("Send still waiting after Close")
		}
		c.put(held)
	})
	t.Run("in-flight send finishes, then its conn closes", func(t *testing.T) {
		s := forwardtest.Start(t, forwardtest.Options{AckDelay: 100 * time.Millisecond})
		c := newTestClient(t, s, nil)
		done := make(chan error)
		go func() {
			ev, n := testEvents(0, 1, 1)
			done <- c.Send(testTag, ev, n)
		}()
		require.Eventually(t, func() bool { open, _ := s.Conns(); return open == 1 }, time.Second, time.Millisecond)
		require.NoError(t, c.Close())
		require.NoError(t, <-done)
		require.Empty(t, poolConns(c))
		require.Eventually(t, func() bool { open, _ := s.Conns(); return open == 0 }, time.Second, 5*time.Millisecond)
	})
}

func TestErrorsCarryNoRecordContents(t *testing.T) {
	s := forwardtest.Start(t, forwardtest.Options{CorruptAcks: true})
	c := newTestClient(t, s, func(cfg *Config) { cfg.MaxMessageBytes = MinMaxMessageBytes })
	secret := appendTestEvent(nil, 0, 0)
	secret = append(secret[:len(secret)-1], []byte("\xa6SECRET")...)
	for _, ev := range [][]byte{secret, bytes.Repeat(secret, 1000)} {
		err := c.Send(testTag, ev, 1)
		require.Error(t, err)
		require.NotContains(t, err.Error(), "SECRET")
	}
}
