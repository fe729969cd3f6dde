package forward

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// slot is one unit of the connection pool: at most one connection plus the
// buffers a Send needs. A Send owns its slot exclusively from take to put.
type slot struct {
	conn         net.Conn
	raw          syscall.RawConn // for checkIdle; nil if the conn has no fd
	readDeadline bool            // a read deadline is set on conn

	probeFn  func(uintptr) bool
	probeBuf [1]byte
	probeN   int
	probeErr error

	enc  encoder
	vec  [3][]byte   // head, payload, tail
	bufs net.Buffers // view of vec consumed by WriteTo (writev)
	ack  [maxAckBytes]byte
}

// Client is a Forward protocol client with a small connection pool. It is
// safe for concurrent use by many goroutines (one per Fluent Bit worker).
// It starts no goroutines: every Send does its own dial, write and ack wait
// on a connection it holds exclusively, bounded by [Config.Timeout] at each
// step. Build it with [NewClient]; the zero value is not usable.
type Client struct {
	cfg  Config
	addr string
	ids  *idGen

	live  chan *slot // idle slots holding a connection, preferred by take
	empty chan *slot // idle slots without a connection
	done  chan struct{}

	mu     sync.Mutex // orders put against Close
	closed atomic.Bool
}

// NewClient validates cfg and returns a Client. It does not dial: the first
// Send does, so a peer that is not up yet is not an error here. Invalid
// settings give a non-retryable [*Error] with Op "config" naming the field.
func NewClient(cfg Config) (*Client, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	ids, err := newIDGen()
	if err != nil {
		return nil, &Error{Op: OpConfig, Addr: cfg.Network + ":" + cfg.Address, Err: err}
	}
	c := &Client{
		cfg:   cfg,
		addr:  cfg.Network + ":" + cfg.Address,
		ids:   ids,
		live:  make(chan *slot, cfg.MaxConns),
		empty: make(chan *slot, cfg.MaxConns),
		done:  make(chan struct{}),
	}
	for range cfg.MaxConns {
		c.empty <- &slot{}
	}
	return c, nil
}

// MaxPayload is the largest events argument that Send accepts for any tag of
// up to MaxTagBytes: [Config.MaxMessageBytes] minus HeaderAllowance. The
// caller splits larger batches at event boundaries. With Compress the same
// bound applies to the uncompressed events, since in_forward also limits
// the inflated size.
func (c *Client) MaxPayload() int { return c.cfg.MaxMessageBytes - HeaderAllowance }

// Send delivers events (concatenated msgpack Fluent Bit events, passed
// through byte for byte) under tag as one PackedForward message
// [tag, bin(events), {"chunk": id, "size": count}] — gzip-compressed with
// "compressed":"gzip" when [Config.Compress] is set.
//
// With [Config.RequireAck] it returns nil only once the peer acknowledged
// this message's unique chunk id; without it, once the write completed
// (at-most-once: a peer that drops the connection can lose the message).
// Empty events are a no-op returning nil.
//
// Errors are [*Error] values: Op "pool", "dial", "write" and "ack" are
// retryable (the connection involved is closed and discarded, so a late ack
// can never match a later message; the next Send dials again); Op "size",
// "encode" and "closed" are not. Send keeps no reference to events after it
// returns.
func (c *Client) Send(tag string, events []byte, count int) error {
	if c.closed.Load() {
		return &Error{Op: OpClosed, Addr: c.addr, Err: ErrClosed}
	}
	if tag == "" || count < 0 {
		return &Error{Op: OpEncode, Addr: c.addr, Err: errBadArgs}
	}
	if len(events) == 0 {
		return nil
	}
	if len(events) > c.cfg.MaxMessageBytes {
		return c.tooLarge()
	}
	s, err := c.take()
	if err != nil {
		return err
	}
	err = c.send(s, tag, events, count)
	c.put(s)
	return err
}

// errBadArgs is the cause of an OpEncode error for invalid Send arguments.
var errBadArgs = errors.New("invalid arguments: tag must not be empty and count must be >= 0")

func (c *Client) tooLarge() error {
	return &Error{Op: OpSize, Addr: c.addr, Err: ErrTooLarge}
}

// send does one Send on the slot it owns.
func (c *Client) send(s *slot, tag string, events []byte, count int) error {
	if c.closed.Load() {
		return &Error{Op: OpClosed, Addr: c.addr, Err: ErrClosed}
	}
	payload, id, err := c.encode(s, tag, events, count)
	if err != nil {
		return err
	}
	if err := c.connect(s); err != nil {
		return err
	}
	if err := c.write(s, payload); err != nil || !c.cfg.RequireAck {
		return err
	}
	return c.awaitAck(s, id)
}

// encode builds the message in the slot's buffers: the envelope head, the
// payload (compressed when asked), the options with a fresh chunk id when
// acks are required. It returns the payload and the id.
func (c *Client) encode(s *slot, tag string, events []byte, count int) (payload, id []byte, err error) {
	payload = events
	if c.cfg.Compress {
		z, err := s.enc.compress(events)
		if err != nil {
			return nil, nil, &Error{Op: OpEncode, Addr: c.addr, Err: err}
		}
		payload = z
	}
	if c.cfg.RequireAck {
		c.ids.next(&s.enc.id)
		id = s.enc.id[:]
	}
	s.enc.head = appendHead(s.enc.head[:0], tag, len(payload))
	s.enc.tail = appendOptions(s.enc.tail[:0], id, count, c.cfg.Compress)
	if len(s.enc.head)+len(payload)+len(s.enc.tail) > c.cfg.MaxMessageBytes {
		return nil, nil, c.tooLarge()
	}
	return payload, id, nil
}

// connect gives the slot a usable connection: its idle one when healthy
// (the read deadline of the last ack cleared, no data or EOF waiting), else
// a new one.
func (c *Client) connect(s *slot) error {
	if s.conn != nil && s.readDeadline {
		if err := s.conn.SetReadDeadline(time.Time{}); err != nil {
			c.discard(s)
		}
		s.readDeadline = false
	}
	if s.conn != nil {
		if err := s.checkIdle(); err != nil {
			c.discard(s)
		}
	}
	if s.conn == nil {
		return c.dial(s)
	}
	return nil
}

// write sends head, payload and tail with one writev, bounded by the
// timeout; a failed write discards the connection.
func (c *Client) write(s *slot, payload []byte) error {
	s.vec = [3][]byte{s.enc.head, payload, s.enc.tail}
	s.bufs = s.vec[:]
	err := s.conn.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	if err == nil {
		_, err = s.bufs.WriteTo(s.conn)
	}
	s.vec = [3][]byte{}
	s.bufs = nil
	if err != nil {
		c.discard(s)
		return &Error{Op: OpWrite, Addr: c.addr, Err: err}
	}
	return nil
}

// awaitAck reads the ack of chunk id, bounded by the timeout; a timeout, a
// wrong id or a broken answer discards the connection.
func (c *Client) awaitAck(s *slot, id []byte) error {
	err := s.conn.SetReadDeadline(time.Now().Add(c.cfg.Timeout))
	s.readDeadline = true
	if err == nil {
		err = readAck(s.conn, s.ack[:], id)
	}
	if err == nil {
		return nil
	}
	c.discard(s)
	return &Error{Op: OpAck, Addr: c.addr, Err: err}
}

// dial connects the slot, bounded by the timeout.
func (c *Client) dial(s *slot) error {
	d := net.Dialer{Timeout: c.cfg.Timeout}
	conn, err := d.Dial(c.cfg.Network, c.cfg.Address)
	if err != nil {
		return &Error{Op: OpDial, Addr: c.addr, Err: err}
	}
	s.conn = conn
	s.readDeadline = false
	s.raw = nil
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			s.raw = raw
		}
	}
	if s.probeFn == nil {
		s.probeFn = s.probe
	}
	return nil
}

// discard closes the slot's connection, if any, and forgets it.
func (c *Client) discard(s *slot) error {
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	s.raw = nil
	s.readDeadline = false
	return err
}

// take returns an idle slot, preferring one with a live connection, or
// waits up to the timeout for one to be put back.
func (c *Client) take() (*slot, error) {
	select {
	case s := <-c.live:
		return s, nil
	default:
	}
	select {
	case s := <-c.live:
		return s, nil
	case s := <-c.empty:
		return s, nil
	default:
	}
	t := time.NewTimer(c.cfg.Timeout)
	defer t.Stop()
	select {
	case s := <-c.live:
		return s, nil
	case s := <-c.empty:
		return s, nil
	case <-c.done:
		return nil, &Error{Op: OpClosed, Addr: c.addr, Err: ErrClosed}
	case <-t.C:
		return nil, &Error{Op: OpPool, Addr: c.addr, Err: ErrPoolTimeout}
	}
}

// put returns a slot to the pool; after Close its connection is closed.
// The channels hold MaxConns slots each and exactly MaxConns exist, so the
// sends never block.
func (c *Client) put(s *slot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		_ = c.discard(s)
	}
	if s.conn != nil {
		c.live <- s
	} else {
		c.empty <- s
	}
}

// Close closes the idle connections at once and makes those in use by a
// Send close when it returns; Sends waiting for a connection and later Sends
// fail with a non-retryable Op "closed" error. Close is idempotent and
// returns the first error met while closing idle connections.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return nil
	}
	c.closed.Store(true)
	close(c.done)
	var first error
	for {
		select {
		case s := <-c.live:
			if err := c.discard(s); err != nil && first == nil {
				first = &Error{Op: OpClosed, Addr: c.addr, Err: err}
			}
			c.empty <- s
		default:
			return first
		}
	}
}
