package forward

import (
	"fmt"
	"math"
	"time"
)

// Wire limits and constants, with their source in Fluent Bit v5.1.1.
const (
	// DefaultMaxMessageBytes is in_forward's default buffer_max_size
	// (plugins/in_forward/fw_conn.h FLB_IN_FW_CHUNK_MAX_SIZE "6144000", used as
	// the config_map default in fw.c). A connection whose unparsed message
	// outgrows it is closed ("incoming data exceed limit", fw_conn.c), a
	// PackedForward payload larger than it is rejected ("packedforward payload
	// too large", fw_prot.c), and so is a compressed payload that inflates
	// past it ("decompressed payload exceeds limit", fw_prot.c).
	DefaultMaxMessageBytes = 6144000

	// HeaderAllowance is the room [Client.MaxPayload] keeps for the message
	// envelope: the array header, the tag, the bin header and the options map
	// {"chunk": <24-byte base64>, "size": n, "compressed": "gzip"} take about
	// 70 bytes plus the tag, so any tag up to MaxTagBytes fits.
	HeaderAllowance = 1024

	// MaxTagBytes is the longest tag for which [Client.MaxPayload] is exact
	// enough; longer tags are accepted, but Send checks the real total size.
	MaxTagBytes = 900

	// MinMaxMessageBytes is the smallest accepted [Config.MaxMessageBytes].
	MinMaxMessageBytes = 4 * HeaderAllowance

	// MaxConnsLimit caps [Config.MaxConns]; Fluent Bit outputs rarely run more
	// than a handful of workers, one connection each.
	MaxConnsLimit = 256
)

// Network names accepted in [Config.Network].
const (
	// NetworkUnix is a unix stream socket: in_forward's unix_path
	// (FLB_TRANSPORT_UNIX_STREAM, plugins/in_forward/fw.c).
	NetworkUnix = "unix"
	// NetworkTCP is a TCP connection to in_forward's listen:port.
	NetworkTCP = "tcp"
)

// Config of a [Client]. The zero value is not valid: Network, Address,
// Timeout and MaxConns must be set.
type Config struct {
	// Network is "unix" or "tcp".
	Network string
	// Address is the socket path (unix) or host:port (tcp).
	Address string
	// RequireAck sends a unique "chunk" id with every message and waits for
	// the matching {"ack": id}; without it only the write is confirmed.
	RequireAck bool
	// Timeout bounds each of: the wait for a free connection, the dial, the
	// write and the ack wait of one Send. Must be > 0.
	Timeout time.Duration
	// MaxConns is the connection pool size, 1..MaxConnsLimit (one per Fluent
	// Bit worker is enough).
	MaxConns int
	// Compress sends CompressedPackedForward: the events gzip-compressed and
	// the option "compressed":"gzip".
	Compress bool
	// MaxMessageBytes caps one encoded message; 0 means
	// DefaultMaxMessageBytes. Set it to the peer's buffer_max_size if that was
	// changed. Must be 0 or >= MinMaxMessageBytes.
	MaxMessageBytes int
}

// validate checks c and returns it with defaults applied. Errors name the
// field, the bad value and what is accepted.
func (c Config) validate() (Config, error) {
	fail := func(format string, args ...any) (Config, error) {
		return c, &Error{Op: OpConfig, Addr: c.Network + ":" + c.Address, Err: fmt.Errorf(format, args...)}
	}
	switch c.Network {
	case NetworkUnix, NetworkTCP:
	default:
		return fail("Network %q is not supported: accepted values are %q and %q", c.Network, NetworkUnix, NetworkTCP)
	}
	if c.Address == "" {
		return fail("Address is empty: give a socket path (unix) or host:port (tcp)")
	}
	if c.Timeout <= 0 {
		return fail("Timeout %s must be > 0", c.Timeout)
	}
	if c.MaxConns < 1 || c.MaxConns > MaxConnsLimit {
		return fail("MaxConns %d is out of range: accepted 1..%d", c.MaxConns, MaxConnsLimit)
	}
	switch {
	case c.MaxMessageBytes == 0:
		c.MaxMessageBytes = DefaultMaxMessageBytes
	case c.MaxMessageBytes < MinMaxMessageBytes || c.MaxMessageBytes > math.MaxInt32:
		return fail("MaxMessageBytes %d is out of range: accepted 0 (default %d) or %d..%d",
			c.MaxMessageBytes, DefaultMaxMessageBytes, MinMaxMessageBytes, math.MaxInt32)
	}
	return c, nil
}
