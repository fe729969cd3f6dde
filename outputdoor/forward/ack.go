package forward

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/auditx/auditx/internal/mp"
)

// maxAckBytes bounds the peer's answer. in_forward's send_ack (fw_prot.c)
// writes {"ack": <chunk>}: a fixmap, the 3-byte key and the echoed 24-byte
// id, 30 bytes in all; anything much longer is not an ack.
const maxAckBytes = 256

// maxShownID bounds how much of a wrong ack id an error quotes.
const maxShownID = 64

// readAck reads exactly one msgpack object from r into buf, however the
// peer splits it across reads, and checks that it is {"ack": want}. The
// caller sets the read deadline. Bytes after the object are a protocol error:
// with one message in flight per connection nothing else may arrive.
func readAck(r io.Reader, buf []byte, want []byte) error {
	n := 0
	for {
		m, err := r.Read(buf[n:])
		n += m
		if n > 0 {
			end, serr := mp.Skip(buf[:n], 0)
			switch {
			case serr == nil && end != n:
				return fmt.Errorf("%w: %d unexpected bytes after the ack", ErrBadAck, n-end)
			case serr == nil:
				return checkAck(buf[:n], want)
			case !errors.Is(serr, mp.ErrShort):
				return fmt.Errorf("%w: %v", ErrBadAck, serr)
			case n == len(buf):
				return fmt.Errorf("%w: answer longer than %d bytes", ErrBadAck, len(buf))
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("connection closed by peer before the ack (%d of it read): %w", n, err)
			}
			return err
		}
	}
}

// checkAck checks that obj, one complete msgpack object, is a map whose
// "ack" value (str or bin) equals want.
func checkAck(obj []byte, want []byte) error {
	sz, i, ok := mp.MapHeader(obj, 0)
	if !ok {
		return fmt.Errorf("%w: the answer is not a map", ErrBadAck)
	}
	for p := 0; p < sz; p++ {
		ks, ke, ok := mp.Str(obj, i)
		if !ok {
			return fmt.Errorf("%w: a key that is not a str", ErrBadAck)
		}
		vi := ke
		if string(obj[ks:ke]) != AckKey {
			next, err := mp.Skip(obj, vi)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrBadAck, err)
			}
			i = next
			continue
		}
		vs, ve, ok := mp.Str(obj, vi)
		if !ok {
			return fmt.Errorf("%w: the ack value is not a str", ErrBadAck)
		}
		got := obj[vs:ve]
		if !bytes.Equal(got, want) {
			if len(got) > maxShownID {
				got = got[:maxShownID]
			}
			return fmt.Errorf("%w: sent %q, got %q", ErrAckMismatch, want, got)
		}
		return nil
	}
	return fmt.Errorf("%w: no %q key", ErrBadAck, AckKey)
}
