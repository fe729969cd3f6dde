package forward

import (
	"errors"
	"strings"
)

// Operations named in [Error.Op]: the step of a Send (or NewClient) that failed.
const (
	// OpConfig marks an invalid [Config] given to [NewClient]. Not retryable.
	OpConfig = "config"
	// OpEncode marks invalid Send arguments (empty tag, negative count) or a
	// failure to compress the payload. Not retryable.
	OpEncode = "encode"
	// OpSize marks a message that would exceed [Config.MaxMessageBytes]; the
	// caller must split the events at event boundaries. Not retryable.
	OpSize = "size"
	// OpPool marks a Send that waited [Config.Timeout] for a free connection
	// while all [Config.MaxConns] were busy. Retryable.
	OpPool = "pool"
	// OpDial marks a failure to connect to the peer. Retryable.
	OpDial = "dial"
	// OpWrite marks a failure to write the message. Retryable.
	OpWrite = "write"
	// OpAck marks a missing, late, malformed or mismatched acknowledgement, or
	// a connection closed while waiting for it. Retryable.
	OpAck = "ack"
	// OpClosed marks a Send on a closed [Client]. Not retryable.
	OpClosed = "closed"
)

// Sentinel errors wrapped by [Error.Err]; test them with errors.Is.
var (
	// ErrClosed is the cause of every Send on a closed Client.
	ErrClosed = errors.New("client is closed")
	// ErrPoolTimeout is the cause when no connection became free within the timeout.
	ErrPoolTimeout = errors.New("timed out waiting for a free connection")
	// ErrTooLarge is the cause when one message would exceed the size limit.
	ErrTooLarge = errors.New("message exceeds the size limit")
	// ErrAckMismatch is the cause when the peer acknowledged another chunk id.
	ErrAckMismatch = errors.New("ack does not match the chunk id sent")
	// ErrBadAck is the cause when the peer's answer is not an {"ack": id} map.
	ErrBadAck = errors.New("malformed ack")
	// ErrStaleData is the cause when an idle connection holds unexpected
	// bytes from the peer; the connection is discarded.
	ErrStaleData = errors.New("unexpected data from peer")
)

// Error is the error type returned by this package. It says which step
// failed (Op), against which peer (Addr) and why (Err), and whether retrying
// the same Send could succeed ([Error.Retryable]). It never contains record
// contents.
type Error struct {
	// Op is the failed step: one of the Op* constants.
	Op string
	// Addr is the peer as "network:address", e.g. "unix:/run/fb.sock".
	Addr string
	// Err is the cause: a sentinel of this package or a net/os error.
	Err error
}

// Error formats the error as "forward: <op> <addr>: <cause>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("forward: ")
	b.WriteString(e.Op)
	if e.Addr != "" {
		b.WriteByte(' ')
		b.WriteString(e.Addr)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same Send may succeed later: true for
// transport failures (pool, dial, write, ack), false for a closed client, an
// invalid configuration or arguments, and an oversized message.
func (e *Error) Retryable() bool {
	switch e.Op {
	case OpPool, OpDial, OpWrite, OpAck:
		return true
	default:
		return false
	}
}
