package forwardtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/eventtest"
)

// Hand-built fixtures, annotated byte by byte.
var (
	// evV2 is a v2 event [[EventTime, metadata], body].
	evV2 = []byte{
		0x92,       // event: fixarray(2)
		0x92,       //   header: fixarray(2)
		0xd7, 0x00, //     EventTime: fixext8, ext type 0
		0x65, 0x53, 0xf1, 0x00, //       seconds: uint32 BE 1700000000
		0x00, 0x00, 0x00, 0x7b, //       nanoseconds: uint32 BE 123
		0x81, 0xa1, 'k', 0xa1, 'v', //     metadata: {"k": "v"}
		0x81, 0xa3, 'm', 's', 'g', 0xa2, 'h', 'i', //   body: {"msg": "hi"}
	}
	// evV1 is a v1 event [time, body] with an integer time.
	evV1 = []byte{
		0x92,                         // event: fixarray(2)
		0xce, 0x65, 0x53, 0xf1, 0x00, //   time: uint32 1700000000
		0x81, 0xa1, 'a', 0x01, //   body: {"a": 1}
	}
	// optChunkABC is the option map {"chunk": "abc"}.
	optChunkABC = []byte{0x81, 0xa5, 'c', 'h', 'u', 'n', 'k', 0xa3, 'a', 'b', 'c'}
	// ackABC is in_forward's answer {"ack": "abc"} (fw_prot.c send_ack).
	ackABC = []byte{0x81, 0xa3, 'a', 'c', 'k', 0xa3, 'a', 'b', 'c'}
	// tagTest is the str "test".
	tagTest = []byte{0xa4, 't', 'e', 's', 't'}
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func gz(t *testing.T, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write(p)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

// exchange writes msg (in one write, or one byte per write) and returns the
// answer read until the server closes, wantLen bytes arrive, or 300ms pass.
func exchange(t *testing.T, s *Server, msg []byte, bytewise bool, wantLen int) []byte {
	t.Helper()
	c, err := net.Dial(s.Network(), s.Addr())
	require.NoError(t, err)
	defer c.Close()
	if bytewise {
		for i := range msg {
			_, err = c.Write(msg[i : i+1])
			require.NoError(t, err)
		}
	} else {
		_, err = c.Write(msg)
		require.NoError(t, err)
	}
	require.NoError(t, c.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	var got []byte
	buf := make([]byte, 256)
	for wantLen == 0 || len(got) < wantLen {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	return got
}

func TestServerModes(t *testing.T) {
	gzPayload := gz(t, cat(evV2, evV1))
	tests := []struct {
		name     string
		msg      []byte
		wantMode Mode
		wantAck  []byte
		wantRaw  [][]byte
	}{
		{
			name: "Message mode with ack",
			msg: cat(
				[]byte{0x94}, //            [tag, time, record, option]
				tagTest,
				evV2[2:12], //              time: EventTime (from evV2)
				evV2[17:],  //              record: {"msg": "hi"}
				optChunkABC,
			),
			wantMode: ModeMessage,
			wantAck:  ackABC,
			// Message mode Raw: fixarray(2) + time + record.
			wantRaw: [][]byte{cat([]byte{0x92}, evV2[2:12], evV2[17:])},
		},
		{
			name: "Message mode without options",
			msg: cat(
				[]byte{0x93}, //            [tag, time, record]
				tagTest,
				evV1[1:6], //               time: uint32
				evV1[6:],  //               record: {"a": 1}
			),
			wantMode: ModeMessage,
			wantRaw:  [][]byte{evV1},
		},
		{
			name: "Forward mode v1 and v2 entries",
			msg: cat(
				[]byte{0x93}, //            [tag, entries, option]
				tagTest,
				[]byte{0x92}, //            entries: fixarray(2)
				evV2, evV1,
				optChunkABC,
			),
			wantMode: ModeForward,
			wantAck:  ackABC,
			wantRaw:  [][]byte{evV2, evV1},
		},
		{
			name: "PackedForward bin with nil options",
			msg: cat(
				[]byte{0x93}, //            [tag, bin, nil]
				tagTest,
				[]byte{0xc4, byte(len(evV2) + len(evV1))}, // bin8 header
				evV2, evV1,
				[]byte{0xc0}, //            options: nil (old Docker, fw_prot.c)
			),
			wantMode: ModePackedForward,
			wantRaw:  [][]byte{evV2, evV1},
		},
		{
			name: "PackedForward str payload with chunk and size",
			msg: cat(
				[]byte{0x93}, //            [tag, str, option]
				tagTest,
				[]byte{0xd9, byte(len(evV2) + len(evV1))}, // str8 header
				evV2, evV1,
				[]byte{0x82}, //            options: fixmap(2)
				optChunkABC[1:],
				[]byte{0xa4, 's', 'i', 'z', 'e', 0x02}, // "size": 2
			),
			wantMode: ModePackedForward,
			wantAck:  ackABC,
			wantRaw:  [][]byte{evV2, evV1},
		},
		{
			name: "CompressedPackedForward gzip",
			msg: cat(
				[]byte{0x93}, //            [tag, bin, option]
				tagTest,
				[]byte{0xc4, byte(len(gzPayload))}, // bin8 header
				gzPayload,                          //               gzip(evV2 evV1)
				[]byte{0x82},                       //            options: fixmap(2)
				optChunkABC[1:],
				[]byte{0xaa, 'c', 'o', 'm', 'p', 'r', 'e', 's', 's', 'e', 'd', 0xa4, 'g', 'z', 'i', 'p'},
			),
			wantMode: ModeCompressedPackedForward,
			wantAck:  ackABC,
			wantRaw:  [][]byte{evV2, evV1},
		},
	}
	for _, tt := range tests {
		for _, bytewise := range []bool{false, true} {
			name := tt.name
			if bytewise {
				name += " bytewise"
			}
			t.Run(name, func(t *testing.T) {
				s := Start(t, Options{})
				got := exchange(t, s, tt.msg, bytewise, len(tt.wantAck))
				if tt.wantAck == nil {
					require.Empty(t, got)
				} else {
					require.Equal(t, tt.wantAck, got)
				}
				evs := s.WaitFor(t, len(tt.wantRaw), time.Second)
				require.Empty(t, s.Errors())
				require.Equal(t, 1, s.Messages())
				require.Len(t, evs, len(tt.wantRaw))
				for i, ev := range evs {
					require.Equal(t, "test", ev.Tag)
					require.Equal(t, tt.wantMode, ev.Mode)
					require.Equal(t, tt.wantRaw[i], ev.Raw, "event %d", i)
					require.NotNil(t, ev.Body)
				}
			})
		}
	}
}

func TestServerDecodesEvents(t *testing.T) {
	tests := []struct {
		name     string
		raw      []byte
		wantTime time.Time
		wantMeta map[string]any
		wantBody map[string]any
	}{
		{"v2 EventTime", evV2, time.Unix(1700000000, 123), map[string]any{"k": "v"}, map[string]any{"msg": "hi"}},
		{"v1 uint time", evV1, time.Unix(1700000000, 0), nil, map[string]any{"a": int64(1)}},
		{"v1 float time", []byte{
			0x92,                                                 // event: fixarray(2)
			0xcb, 0x41, 0xd9, 0x54, 0xfc, 0x40, 0x20, 0x00, 0x00, // time: float64 1700000000.5
			0x80, //                                                 body: {}
		}, time.Unix(1700000000, 5e8), nil, map[string]any{}},
		{"group start marker", []byte{
			0x92,       // event: fixarray(2)
			0x92,       //   header: fixarray(2)
			0xd7, 0x00, //     EventTime: fixext8, type 0
			0xff, 0xff, 0xff, 0xff, //       seconds 0xFFFFFFFF (FLB_LOG_EVENT_GROUP_START)
			0x00, 0x00, 0x00, 0x00, //       nanoseconds 0
			0x80, //                       metadata: {}
			0x80, //                     body: {}
		}, time.Unix(0xFFFFFFFF, 0), map[string]any{}, map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := DecodeEvent(tt.raw)
			require.NoError(t, err)
			require.True(t, tt.wantTime.Equal(ev.Time), "time %v, want %v", ev.Time, tt.wantTime)
			require.Equal(t, tt.wantMeta, ev.Meta)
			require.Equal(t, tt.wantBody, ev.Body)
			require.Equal(t, tt.raw, ev.Raw)
		})
	}
}

func TestServerRejects(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
	}{
		{"root is not an array", []byte{0x81, 0xa1, 'a', 0x01}},
		{"array too short", cat([]byte{0x91}, tagTest)},
		{"tag is not a str", []byte{0x93, 0x01, 0xc4, 0x00, 0xc0}},
		{"chunk is not a str", cat([]byte{0x93}, tagTest, []byte{0xc4, byte(len(evV1))}, evV1,
			[]byte{0x81, 0xa5, 'c', 'h', 'u', 'n', 'k', 0x01})},
		{"options not a map", cat([]byte{0x93}, tagTest, []byte{0xc4, byte(len(evV1))}, evV1, []byte{0x01})},
		{"message mode record not a map", cat([]byte{0x93}, tagTest, evV1[1:6], []byte{0x01})},
		{"packed event not an array", cat([]byte{0x93}, tagTest, []byte{0xc4, 0x01, 0x01}, optChunkABC)},
		{"packed event time is a str", cat([]byte{0x93}, tagTest,
			[]byte{0xc4, 0x04, 0x92, 0xa1, 'x', 0x80}, optChunkABC)},
		{"entry is a map", cat([]byte{0x92}, tagTest, []byte{0x80})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t, Options{})
			got := exchange(t, s, tt.msg, false, 0)
			require.Empty(t, got, "no ack for a rejected message")
			require.Eventually(t, func() bool { return len(s.Errors()) == 1 }, time.Second, 5*time.Millisecond)
			require.Empty(t, s.Events())
			require.Zero(t, s.Messages())
		})
	}
}

func TestServerLimits(t *testing.T) {
	t.Run("oversized message closes the connection", func(t *testing.T) {
		s := Start(t, Options{MaxMessageBytes: 1024})
		big := make([]byte, 2048)
		msg := cat([]byte{0x93}, tagTest, []byte{0xc5, 0x08, 0x00}, big, optChunkABC)
		got := exchange(t, s, msg, false, 0)
		require.Empty(t, got)
		require.Eventually(t, func() bool { return len(s.Errors()) == 1 }, time.Second, 5*time.Millisecond)
	})
	t.Run("inflating past the limit is rejected", func(t *testing.T) {
		s := Start(t, Options{MaxMessageBytes: 4096})
		z := gz(t, make([]byte, 8192))
		msg := cat([]byte{0x93}, tagTest, []byte{0xc4, byte(len(z))}, z, optChunkABC)
		require.Empty(t, exchange(t, s, msg, false, 0))
		require.Eventually(t, func() bool { return len(s.Errors()) == 1 }, time.Second, 5*time.Millisecond)
	})
}

func TestServerKnobs(t *testing.T) {
	packed := cat([]byte{0x93}, tagTest, []byte{0xc4, byte(len(evV2))}, evV2, optChunkABC)
	tests := []struct {
		name    string
		opts    Options
		setup   func(s *Server)
		wantAck []byte
	}{
		{"ack", Options{}, nil, ackABC},
		{"tcp", Options{Network: "tcp"}, nil, ackABC},
		{"split ack", Options{SplitAcks: true}, nil, ackABC},
		{"no ack", Options{NoAck: true}, nil, nil},
		{"dropped ack", Options{}, func(s *Server) { s.DropNextAcks(1) }, nil},
		{"corrupt ack", Options{CorruptAcks: true}, nil,
			[]byte{0x81, 0xa3, 'a', 'c', 'k', 0xab, 'c', 'o', 'r', 'r', 'u', 'p', 't', '-', 'a', 'b', 'c'}},
		{"delayed ack", Options{}, func(s *Server) { s.SetAckDelay(50 * time.Millisecond) }, ackABC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t, tt.opts)
			if tt.setup != nil {
				tt.setup(s)
			}
			got := exchange(t, s, packed, false, len(tt.wantAck))
			if tt.wantAck == nil {
				require.Empty(t, got)
			} else {
				require.Equal(t, tt.wantAck, got)
			}
			require.Len(t, s.WaitFor(t, 1, time.Second), 1, "the event is ingested either way")
		})
	}
}

func TestServerRefuseStopRestart(t *testing.T) {
	for _, network := range []string{"unix", "tcp"} {
		t.Run(network, func(t *testing.T) {
			s := Start(t, Options{Network: network})
			addr := s.Addr()

			s.SetRefuse(true)
			c, err := net.Dial(s.Network(), addr)
			require.NoError(t, err)
			require.NoError(t, c.SetReadDeadline(time.Now().Add(time.Second)))
			_, err = c.Read(make([]byte, 1))
			require.ErrorIs(t, err, io.EOF, "a refused connection is closed at once")
			c.Close()
			s.SetRefuse(false)

			s.Stop()
			_, err = net.Dial(s.Network(), addr)
			require.Error(t, err, "nothing listens after Stop")

			s.Restart()
			require.Equal(t, addr, s.Addr())
			packed := cat([]byte{0x93}, tagTest, []byte{0xc4, byte(len(evV1))}, evV1, optChunkABC)
			require.Equal(t, ackABC, exchange(t, s, packed, false, len(ackABC)))
			_, total := s.Conns()
			require.Equal(t, 2, total)
		})
	}
}

func TestServerPipelinedMessages(t *testing.T) {
	s := Start(t, Options{})
	one := cat([]byte{0x93}, tagTest, []byte{0xc4, byte(len(evV1))}, evV1, optChunkABC)
	got := exchange(t, s, cat(one, one, one), false, 3*len(ackABC))
	require.Equal(t, cat(ackABC, ackABC, ackABC), got)
	require.Len(t, s.WaitFor(t, 3, time.Second), 3)
	require.Equal(t, 3, s.Messages())
	require.Eventually(t, func() bool { return s.Acks() == 3 }, time.Second, time.Millisecond)
}

func TestSplitEvents(t *testing.T) {
	evs, err := SplitEvents("t", ModePackedForward, cat(evV2, evV1, evV2))
	require.NoError(t, err)
	require.Len(t, evs, 3)
	require.Equal(t, evV1, evs[1].Raw)

	_, err = SplitEvents("t", ModePackedForward, evV2[:10])
	require.Error(t, err, "truncated event")

	b := eventtest.V2(5, 6, nil, []byte{0x81, 0xa1, 'x', 0xa1, 'y'}) // body {"x": "y"}
	evs, err = SplitEvents("t", ModePackedForward, b)
	require.NoError(t, err)
	require.Equal(t, map[string]any{}, evs[0].Meta)
	require.True(t, time.Unix(5, 6).Equal(evs[0].Time))
}

func FuzzServerParse(f *testing.F) {
	f.Add(cat([]byte{0x93}, tagTest, []byte{0xc4, byte(len(evV2))}, evV2, optChunkABC))
	f.Add(cat([]byte{0x94}, tagTest, evV1[1:6], evV1[6:], optChunkABC))
	f.Add(cat([]byte{0x93}, tagTest, []byte{0x92}, evV2, evV1, optChunkABC))
	f.Add(cat([]byte{0x92}, tagTest, []byte{0xc4, 0x02, 0x1f, 0x8b}))
	f.Fuzz(func(t *testing.T, msg []byte) {
		if len(msg) > 1<<16 {
			return
		}
		for _, discard := range []bool{false, true} {
			s := &Server{opts: Options{MaxMessageBytes: 1 << 16, Discard: discard}}
			m, err := s.parse(msg)
			if err != nil {
				require.ErrorIs(t, err, errProtocol)
				continue
			}
			for _, ev := range m.events {
				_, err := DecodeEvent(ev.Raw)
				require.NoError(t, err, "an accepted event decodes again")
			}
		}
	})
}

// TestServerAnyBody: with AnyBody, events whose body is not a map of
// string keys are kept (Body nil, RawBody the exact bytes); without it the
// same message is refused (TestServerRejects).
func TestServerAnyBody(t *testing.T) {
	bodies := []struct {
		name  string
		body  []byte
		isMap bool
	}{
		{"array", []byte{0x92, 0x01, 0xa1, 'x'}, false}, //  [1, "x"]
		{"str", []byte{0xa2, 'h', 'i'}, false},          //  "hi"
		{"nil", []byte{0xc0}, false},                    //  nil
		{"int key", []byte{0x81, 0x01, 0x02}, false},    //  {1: 2}
		{"map", []byte{0x81, 0xa1, 'a', 0x01}, true},    //  {"a": 1}
	}
	var payload []byte
	for _, b := range bodies {
		payload = append(payload, 0x92)         //          event: fixarray(2) [time, body]
		payload = append(payload, evV1[1:6]...) //  time: uint32 1700000000
		payload = append(payload, b.body...)
	}
	msg := cat([]byte{0x93}, tagTest, []byte{0xc4, byte(len(payload))}, payload, optChunkABC)

	strict := Start(t, Options{})
	require.Empty(t, exchange(t, strict, msg, false, 0), "strict: no ack")
	require.Eventually(t, func() bool { return len(strict.Errors()) == 1 }, time.Second, 5*time.Millisecond)

	s := Start(t, Options{AnyBody: true})
	require.Equal(t, ackABC, exchange(t, s, msg, false, len(ackABC)))
	evs := s.WaitFor(t, len(bodies), time.Second)
	require.Empty(t, s.Errors())
	for i, b := range bodies {
		require.Equal(t, b.body, evs[i].RawBody, b.name)
		require.Equal(t, b.isMap, evs[i].Body != nil, b.name)
		require.Equal(t, int64(1700000000), evs[i].Time.Unix(), b.name)
	}
}
