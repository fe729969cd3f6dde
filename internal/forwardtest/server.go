package forwardtest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// Limits and wire values mirrored from Fluent Bit v5.1.1 in_forward.
const (
	// DefaultMaxMessageBytes is in_forward's default buffer_max_size
	// (plugins/in_forward/fw_conn.h FLB_IN_FW_CHUNK_MAX_SIZE "6144000").
	DefaultMaxMessageBytes = 6144000
	// readChunk is the size of one read; in_forward grows its buffer by
	// buffer_chunk_size (1024000, fw_conn.h FLB_IN_FW_CHUNK_SIZE).
	readChunk = 64 << 10
	// ackWriteTimeout bounds writing one ack.
	ackWriteTimeout = 5 * time.Second
	// splitAckGap is the pause between the bytes of a split ack.
	splitAckGap = time.Millisecond
)

// Option keys read by in_forward (fw_prot.c get_options_chunk,
// get_options_metadata, get_compression_type, get_chunk_event_type).
const (
	optChunk      = "chunk"
	optMetadata   = "metadata"
	optCompressed = "compressed"
	optSignal     = "fluent_signal"
	signalLogs    = 1 // FLB_EVENT_TYPE_LOGS
	ackKey        = "ack"
)

// Options configure a Server. The zero value is a unix socket server that
// acknowledges at once.
type Options struct {
	// Network is "unix" (default) or "tcp".
	Network string
	// Address is the socket path (default: a new short temporary directory
	// holding "in_forward.sock") or the tcp host:port (default
	// "127.0.0.1:0", a free port).
	Address string
	// AckDelay delays every ack (see also SetAckDelay).
	AckDelay time.Duration
	// NoAck never answers acks; events are still ingested.
	NoAck bool
	// CorruptAcks answers with a different id than the chunk received.
	CorruptAcks bool
	// SplitAcks writes each ack one byte per write, to exercise partial
	// reads on the client.
	SplitAcks bool
	// MaxMessageBytes is buffer_max_size: a message (or a decompressed
	// payload) larger than this closes the connection. 0 means
	// DefaultMaxMessageBytes.
	MaxMessageBytes int
	// Discard keeps no events: message envelopes are checked and
	// acknowledged, but payloads are neither inflated nor split, and the
	// server does not allocate per message. For benchmarks.
	Discard bool
	// AnyBody keeps events whose body is not a map of string keys (arrays,
	// strings, nil, integers, maps with other keys: in_forward passes them
	// on) with a nil Body and the bytes in RawBody, instead of refusing the
	// message. The event's framing, time and metadata must still be valid.
	AnyBody bool
}

// Server is an in_forward look-alike. All methods are safe for concurrent
// use.
type Server struct {
	tb      testing.TB
	opts    Options
	network string
	addr    string
	dir     string // temporary directory of the default unix socket

	ackDelay atomic.Int64
	refuse   atomic.Bool
	dropAcks atomic.Int64

	mu       sync.Mutex
	gen      *generation // nil while stopped
	events   []Event
	messages int
	acks     int
	errs     []error
	open     int
	total    int
	peak     int
	changed  chan struct{} // closed and replaced when events arrive

	wg sync.WaitGroup
}

// generation is one listening period between Start/Restart and Stop.
type generation struct {
	ln    net.Listener
	stop  chan struct{}
	conns map[net.Conn]struct{}
}

// Start listens and serves until the test ends (t.Cleanup stops it and
// removes the temporary socket directory). It fails the test if it cannot
// listen.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{tb: t, opts: opts, changed: make(chan struct{})}
	s.ackDelay.Store(int64(opts.AckDelay))
	if s.opts.MaxMessageBytes <= 0 {
		s.opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	switch opts.Network {
	case "", "unix":
		s.network = "unix"
		s.addr = opts.Address
		if s.addr == "" {
			// t.TempDir paths can outgrow sun_path (108 bytes): use a short one.
			dir, err := os.MkdirTemp("", "fwt")
			if err != nil {
				t.Fatalf("forwardtest: %v", err)
			}
			s.dir = dir
			s.addr = filepath.Join(dir, "in_forward.sock")
		}
	case "tcp":
		s.network = "tcp"
		s.addr = opts.Address
		if s.addr == "" {
			s.addr = "127.0.0.1:0"
		}
	default:
		t.Fatalf("forwardtest: Network %q: want \"unix\" or \"tcp\"", opts.Network)
	}
	t.Cleanup(func() {
		s.Stop()
		if s.dir != "" {
			_ = os.RemoveAll(s.dir)
		}
	})
	if err := s.listen(); err != nil {
		t.Fatalf("forwardtest: listen: %v", err)
	}
	return s
}

// Network returns "unix" or "tcp".
func (s *Server) Network() string { return s.network }

// Addr returns the socket path or the tcp host:port actually bound; it
// stays the same across Stop and Restart.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// listen starts a new generation on s.addr.
func (s *Server) listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != nil {
		return nil
	}
	if s.network == "unix" {
		// in_forward removes an existing socket file first (fw.c).
		_ = os.Remove(s.addr)
	}
	ln, err := net.Listen(s.network, s.addr)
	if err != nil {
		return err
	}
	s.addr = ln.Addr().String()
	g := &generation{ln: ln, stop: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	s.gen = g
	s.wg.Add(1)
	go s.accept(g)
	return nil
}

// Stop closes the listener and every connection, and waits until all
// server goroutines have returned. Events received so far are kept.
func (s *Server) Stop() {
	s.mu.Lock()
	g := s.gen
	s.gen = nil
	if g != nil {
		close(g.stop)
		_ = g.ln.Close()
		for c := range g.conns {
			_ = c.Close()
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Restart stops the server if it runs and listens again on the same
// address. It fails the test if it cannot listen.
func (s *Server) Restart() {
	s.Stop()
	if err := s.listen(); err != nil {
		s.tb.Fatalf("forwardtest: restart: %v", err)
	}
}

// SetAckDelay changes the delay before each ack.
func (s *Server) SetAckDelay(d time.Duration) { s.ackDelay.Store(int64(d)) }

// SetRefuse makes the server close new connections at once (true) or
// serve them again (false).
func (s *Server) SetRefuse(refuse bool) { s.refuse.Store(refuse) }

// DropNextAcks makes the server ingest the next n acknowledged messages
// without answering them, as if the ack were lost.
func (s *Server) DropNextAcks(n int) { s.dropAcks.Store(int64(n)) }

// Events returns a copy of the events received so far, in arrival order.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// WaitFor waits until at least n events have arrived and returns them; it
// fails the test (t.Fatalf: call it from the test goroutine) after timeout.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Event {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.events), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Events()
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("forwardtest: got %d events after %s, want %d (protocol errors: %v)", got, timeout, n, s.Errors())
			return nil
		}
	}
}

// Messages returns the number of messages ingested.
func (s *Server) Messages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messages
}

// Acks returns the number of acks written.
func (s *Server) Acks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acks
}

// Conns returns the connections open now and all accepted so far
// (refused ones included).
func (s *Server) Conns() (open, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open, s.total
}

// PeakConns returns the largest number of connections open at once.
func (s *Server) PeakConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// Errors returns the protocol errors that made the server close a
// connection (malformed or oversized messages).
func (s *Server) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

func (s *Server) accept(g *generation) {
	defer s.wg.Done()
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.total++
		if s.gen != g || s.refuse.Load() {
			s.mu.Unlock()
			_ = c.Close()
			continue
		}
		g.conns[c] = struct{}{}
		s.open++
		s.peak = max(s.peak, s.open)
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(g, c)
	}
}

// serve reads messages from one connection until it closes, the server
// stops, or a protocol error (after which, like in_forward, it closes the
// connection).
func (s *Server) serve(g *generation, c net.Conn) {
	defer s.wg.Done()
	defer func() {
		_ = c.Close()
		s.mu.Lock()
		delete(g.conns, c)
		s.open--
		s.mu.Unlock()
	}()
	buf := make([]byte, 0, readChunk)
	var scratch []byte // reused ack buffer
	for {
		if cap(buf)-len(buf) < readChunk/4 {
			nb := make([]byte, len(buf), 2*cap(buf))
			copy(nb, buf)
			buf = nb
		}
		n, rerr := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		for len(buf) > 0 {
			rest, err := msgp.Skip(buf)
			if errors.Is(err, msgp.ErrShortBytes) {
				break
			}
			if err != nil {
				s.fail(fmt.Errorf("%w: unpack: %v", errProtocol, err))
				return
			}
			if err := s.handle(g, c, buf[:len(buf)-len(rest)], &scratch); err != nil {
				s.fail(err)
				return
			}
			buf = buf[:copy(buf, rest)]
		}
		if len(buf) >= s.opts.MaxMessageBytes {
			// fw_conn.c: "incoming data exceed limit" closes the connection.
			s.fail(fmt.Errorf("%w: incoming data exceed limit (%d bytes)", errProtocol, s.opts.MaxMessageBytes))
			return
		}
		if rerr != nil {
			return
		}
	}
}

func (s *Server) fail(err error) {
	s.mu.Lock()
	s.errs = append(s.errs, err)
	s.mu.Unlock()
}

// message is one parsed Forward message. Its byte slices point into the
// connection's read buffer and are valid until handle returns.
type message struct {
	tag      []byte
	mode     Mode
	chunk    []byte
	hasChunk bool
	events   []Event
}

// handle ingests one complete message and acknowledges it. In Discard mode
// it does not allocate, so that benchmarks measure the client.
func (s *Server) handle(g *generation, c net.Conn, msg []byte, scratch *[]byte) error {
	m, err := s.parse(msg)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.messages++
	if len(m.events) > 0 {
		s.events = append(s.events, m.events...)
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.mu.Unlock()

	if !m.hasChunk || s.opts.NoAck {
		return nil
	}
	for {
		n := s.dropAcks.Load()
		if n <= 0 {
			break
		}
		if s.dropAcks.CompareAndSwap(n, n-1) {
			return nil
		}
	}
	if d := time.Duration(s.ackDelay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-g.stop:
			t.Stop()
			return nil
		}
	}
	id := m.chunk
	if s.opts.CorruptAcks {
		id = append([]byte("corrupt-"), id...)
	}
	// send_ack (fw_prot.c): {"ack": <chunk as received>}.
	ack := msgp.AppendMapHeader((*scratch)[:0], 1)
	ack = msgp.AppendString(ack, ackKey)
	ack = msgp.AppendStringFromBytes(ack, id)
	*scratch = ack
	_ = c.SetWriteDeadline(time.Now().Add(ackWriteTimeout))
	if s.opts.SplitAcks {
		for i := range ack {
			if _, err := c.Write(ack[i : i+1]); err != nil {
				return nil // the client went away; not a protocol error
			}
			time.Sleep(splitAckGap)
		}
	} else if _, err := c.Write(ack); err != nil {
		return nil
	}
	s.mu.Lock()
	s.acks++
	s.mu.Unlock()
	return nil
}

// parse checks one message the way fw_prot_process does and splits it into
// events. Errors wrap errProtocol.
func (s *Server) parse(msg []byte) (message, error) {
	var m message
	n, b, err := msgp.ReadArrayHeaderBytes(msg)
	if err != nil {
		return m, protocolErr("parser: expecting an array: %v", err)
	}
	if n < 2 {
		return m, protocolErr("parser: array of invalid size %d", n)
	}
	tag, b, err := msgp.ReadStringZC(b)
	if err != nil {
		return m, protocolErr("parser: invalid tag format: %v", err)
	}
	m.tag = tag

	// elems holds the root elements after the tag, each as its raw bytes;
	// in_forward reads at most three of them (entry, record, options).
	var elemsArr [3][]byte
	elems := elemsArr[:0]
	for i := uint32(1); i < n; i++ {
		rest, err := msgp.Skip(b)
		if err != nil {
			return m, protocolErr("element %d: %v", i, err)
		}
		if len(elems) < len(elemsArr) {
			elems = append(elems, b[:len(b)-len(rest)])
		}
		b = rest
	}
	option := func(idx int) []byte { // nil if absent
		if idx < len(elems) {
			return elems[idx]
		}
		return nil
	}
	entry := elems[0]
	switch msgp.NextType(entry) {
	case msgp.ArrayType: // Forward mode: [tag, [[time, record], ...], option?]
		err = s.parseForward(&m, entry, option(1))
	case msgp.IntType, msgp.UintType, msgp.ExtensionType: // Message mode
		if n < 3 {
			return m, protocolErr("message mode requires at least 3 elements")
		}
		err = s.parseMessage(&m, entry, elems[1], option(2))
	case msgp.StrType, msgp.BinType: // PackedForward: [tag, bin|str(events), option?]
		err = s.parsePacked(&m, entry, option(1), n == 3)
	default:
		err = protocolErr("invalid data format, type=%s", msgp.NextType(entry))
	}
	return m, err
}

// protocolErr is a message in_forward would refuse (errProtocol).
func protocolErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errProtocol}, args...)...)
}

// parseForward reads Forward mode: an array of [time, record] (or v2
// [[time, metadata], record]) entries.
func (s *Server) parseForward(m *message, entry, option []byte) error {
	m.mode = ModeForward
	opts, err := readOptions(option)
	if err != nil {
		return protocolErr("invalid options field: %v", err)
	}
	m.chunk, m.hasChunk = opts.chunk, opts.hasChunk
	cnt, eb, err := msgp.ReadArrayHeaderBytes(entry)
	if err != nil {
		return protocolErr("forward entries: %v", err)
	}
	for i := uint32(0); i < cnt; i++ {
		rest, err := msgp.Skip(eb)
		if err != nil {
			return protocolErr("forward entry %d: %v", i, err)
		}
		if !s.opts.Discard {
			ev, err := decodeEvent(eb[:len(eb)-len(rest)], s.opts.AnyBody)
			if err != nil {
				return protocolErr("forward entry %d: %v", i, err)
			}
			ev.Tag, ev.Mode, ev.Chunk = string(m.tag), m.mode, string(m.chunk)
			m.events = append(m.events, ev)
		}
		eb = rest
	}
	return nil
}

// parseMessage reads Message mode: one time and one record map; metadata
// only through the options.
func (s *Server) parseMessage(m *message, entry, record, option []byte) error {
	m.mode = ModeMessage
	ts, rest, err := ReadTime(entry)
	if err != nil || len(rest) != 0 {
		return protocolErr("message mode time: %v", err)
	}
	if msgp.NextType(record) != msgp.MapType && !s.opts.AnyBody {
		return protocolErr("invalid data format, map expected")
	}
	opts, err := readOptions(option)
	if err != nil {
		return protocolErr("invalid options field: %v", err)
	}
	m.chunk, m.hasChunk = opts.chunk, opts.hasChunk
	if s.opts.Discard {
		return nil
	}
	ev := Event{Tag: string(m.tag), Mode: m.mode, Chunk: string(m.chunk), Time: ts}
	ev.Raw = append(msgp.AppendArrayHeader(nil, 2), entry...)
	ev.Raw = append(ev.Raw, record...)
	ev.RawBody = ev.Raw[len(ev.Raw)-len(record):]
	if ev.Body, _, err = msgp.ReadMapStrIntfBytes(record, nil); err != nil {
		if !s.opts.AnyBody {
			return protocolErr("message mode record: %v", err)
		}
		ev.Body = nil
	}
	if opts.metadata != nil {
		if ev.Meta, _, err = msgp.ReadMapStrIntfBytes(opts.metadata, nil); err != nil {
			return protocolErr("message mode metadata: %v", err)
		}
	}
	m.events = append(m.events, ev)
	return nil
}

// parsePacked reads (Compressed)PackedForward: concatenated events in a
// bin or str payload, gzip sniffed as fw_prot.c does.
func (s *Server) parsePacked(m *message, entry, option []byte, hasOptions bool) error {
	m.mode = ModePackedForward
	var payload []byte
	var err error
	if msgp.NextType(entry) == msgp.StrType {
		payload, _, err = msgp.ReadStringZC(entry)
	} else {
		payload, _, err = msgp.ReadBytesZC(entry)
	}
	if err != nil {
		return protocolErr("packed payload: %v", err)
	}
	opts, err := readOptions(option)
	if err != nil {
		return protocolErr("invalid options field: %v", err)
	}
	m.chunk, m.hasChunk = opts.chunk, opts.hasChunk
	if hasOptions && !opts.keysAllStr {
		return protocolErr("invalid chunk event type: option keys must be str")
	}
	if opts.signal != signalLogs {
		return protocolErr("fluent_signal %d: only logs (%d) are supported", opts.signal, signalLogs)
	}
	if len(payload) > s.opts.MaxMessageBytes {
		return protocolErr("packedforward payload too large (%d bytes), limit=%d", len(payload), s.opts.MaxMessageBytes)
	}
	// The magic bytes win over the option (fw_prot.c sniff_magic).
	gz := len(payload) >= 2 && payload[0] == 0x1f && payload[1] == 0x8b
	zstd := len(payload) >= 4 && bytes.Equal(payload[:4], []byte{0x28, 0xb5, 0x2f, 0xfd})
	switch {
	case zstd || (string(opts.compressed) == "zstd" && !gz):
		return protocolErr("zstd payloads are not supported by forwardtest")
	case gz || string(opts.compressed) == "gzip":
		m.mode = ModeCompressedPackedForward
		if s.opts.Discard {
			return nil // not inflated: Discard keeps the server allocation-free
		}
		if payload, err = gunzip(payload, s.opts.MaxMessageBytes); err != nil {
			return protocolErr("%v", err)
		}
	}
	if s.opts.Discard {
		return nil
	}
	evs, err := splitEvents(string(m.tag), m.mode, payload, s.opts.AnyBody)
	if err != nil {
		return protocolErr("packed events: %v", err)
	}
	for i := range evs {
		evs[i].Chunk = string(m.chunk)
	}
	m.events = evs
	return nil
}

// options are the parts of a message's option map the server reads.
type options struct {
	chunk      []byte
	hasChunk   bool
	metadata   []byte // raw map, Message mode
	compressed []byte
	signal     int
	keysAllStr bool
}

// readOptions reads an option element (nil: absent). Like in_forward it
// accepts nil, requires a map otherwise, and a str "chunk".
func readOptions(raw []byte) (options, error) {
	o := options{signal: signalLogs, keysAllStr: true}
	if raw == nil || msgp.IsNil(raw) {
		return o, nil
	}
	n, b, err := msgp.ReadMapHeaderBytes(raw)
	if err != nil {
		return o, fmt.Errorf("options: %v", err)
	}
	for i := uint32(0); i < n; i++ {
		var key []byte
		if msgp.NextType(b) != msgp.StrType {
			o.keysAllStr = false
		}
		if key, b, err = msgp.ReadMapKeyZC(b); err != nil {
			return o, fmt.Errorf("options key: %v", err)
		}
		rest, err := msgp.Skip(b)
		if err != nil {
			return o, fmt.Errorf("options value: %v", err)
		}
		val := b[:len(b)-len(rest)]
		b = rest
		switch string(key) {
		case optChunk:
			if o.chunk, _, err = msgp.ReadStringZC(val); err != nil {
				return o, fmt.Errorf("chunk must be a str: %v", err)
			}
			o.hasChunk = true
		case optMetadata:
			if msgp.NextType(val) != msgp.MapType {
				return o, fmt.Errorf("metadata must be a map")
			}
			o.metadata = val
		case optCompressed:
			if v, _, err := msgp.ReadStringZC(val); err == nil {
				o.compressed = v
			}
		case optSignal:
			sig, _, err := msgp.ReadIntBytes(val)
			if err != nil {
				return o, fmt.Errorf("fluent_signal: %v", err)
			}
			o.signal = sig
		}
	}
	return o, nil
}

// gunzip inflates p, refusing more than limit bytes ("decompressed payload
// exceeds limit", fw_prot.c).
func gunzip(p []byte, limit int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(p))
	if err != nil {
		return nil, fmt.Errorf("gzip: %v", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %v", err)
	}
	if len(out) > limit {
		return nil, fmt.Errorf("decompressed payload exceeds limit (%d bytes)", limit)
	}
	return out, nil
}
