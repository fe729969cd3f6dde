package forwardtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// Mode is the Forward protocol mode a message arrived in.
type Mode string

// The Forward protocol v1 message modes.
const (
	// ModeMessage is [tag, time, record, option?].
	ModeMessage Mode = "Message"
	// ModeForward is [tag, [[time, record], ...], option?].
	ModeForward Mode = "Forward"
	// ModePackedForward is [tag, bin|str(concatenated events), option?].
	ModePackedForward Mode = "PackedForward"
	// ModeCompressedPackedForward is PackedForward with a gzip payload.
	ModeCompressedPackedForward Mode = "CompressedPackedForward"
)

// EventTime wire format (Forward protocol spec v1 "EventTime Ext Format"):
// fixext 8 (0xd7), type 0, uint32 BE seconds, uint32 BE nanoseconds.
const (
	eventTimeExtType = 0
	eventTimeLen     = 8
	mfixext8         = 0xd7
	mext8            = 0xc7
)

// Event is one event as the server received it.
type Event struct {
	// Tag is the message's tag.
	Tag string
	// Mode is the message mode the event came in.
	Mode Mode
	// Chunk is the message's "chunk" option, "" if none.
	Chunk string
	// Raw is the event's bytes exactly as received ([time, body] or
	// [[time, meta], body]); in Message mode, where the event is not one
	// msgpack object, a fixarray(2) header followed by the received time and
	// record bytes.
	Raw []byte
	// Time is the event time (EventTime keeps nanoseconds; seconds are read
	// unsigned, so group markers show as 0xFFFFFFFF / 0xFFFFFFFE).
	Time time.Time
	// Meta is the v2 metadata map; nil for v1 events. In Message mode it is
	// the "metadata" option, if any.
	Meta map[string]any
	// Body is the record; nil when it is not a map of string keys (only
	// with Options.AnyBody).
	Body map[string]any
	// RawBody is the body's bytes exactly as received (a sub-slice of Raw).
	RawBody []byte
}

// SplitEvents splits a PackedForward payload (concatenated msgpack events)
// into events, each keeping its exact bytes, with Tag and Mode set as given.
// Useful to check what a plugin would send without a server.
func SplitEvents(tag string, mode Mode, payload []byte) ([]Event, error) {
	return splitEvents(tag, mode, payload, false)
}

// splitEvents is SplitEvents; anyBody keeps events whose body is not a
// map of string keys (see decodeEvent).
func splitEvents(tag string, mode Mode, payload []byte, anyBody bool) ([]Event, error) {
	var out []Event
	for i := 0; len(payload) > 0; i++ {
		rest, err := msgp.Skip(payload)
		if err != nil {
			return out, fmt.Errorf("event %d: %w", i, err)
		}
		raw := payload[:len(payload)-len(rest)]
		ev, err := decodeEvent(raw, anyBody)
		if err != nil {
			return out, fmt.Errorf("event %d: %w", i, err)
		}
		ev.Tag, ev.Mode = tag, mode
		out = append(out, ev)
		payload = rest
	}
	return out, nil
}

// DecodeEvent decodes one event, v1 [time, body] or v2 [[time, meta], body],
// that must span all of raw. Raw in the result is a copy of raw.
func DecodeEvent(raw []byte) (Event, error) { return decodeEvent(raw, false) }

// decodeEvent is DecodeEvent; with anyBody a body of any msgpack type (an
// array, a str, nil, a map with keys that are not strings: what Fluent Bit's
// in_forward accepts and passes on) is kept in RawBody with a nil Body
// instead of being an error. The time and the metadata must still be valid.
func decodeEvent(raw []byte, anyBody bool) (Event, error) {
	ev := Event{Raw: append([]byte(nil), raw...)}
	n, b, err := msgp.ReadArrayHeaderBytes(ev.Raw)
	if err != nil {
		return ev, fmt.Errorf("event: %w", err)
	}
	if n != 2 {
		return ev, fmt.Errorf("event: array of %d elements, want 2", n)
	}
	if msgp.NextType(b) == msgp.ArrayType {
		var hn uint32
		hn, b, err = msgp.ReadArrayHeaderBytes(b)
		if err != nil {
			return ev, fmt.Errorf("event header: %w", err)
		}
		if hn != 2 {
			return ev, fmt.Errorf("event header: array of %d elements, want 2 [time, metadata]", hn)
		}
		if ev.Time, b, err = ReadTime(b); err != nil {
			return ev, err
		}
		if msgp.NextType(b) != msgp.MapType {
			return ev, fmt.Errorf("event metadata: %s, want map", msgp.NextType(b))
		}
		if ev.Meta, b, err = msgp.ReadMapStrIntfBytes(b, nil); err != nil {
			return ev, fmt.Errorf("event metadata: %w", err)
		}
	} else if ev.Time, b, err = ReadTime(b); err != nil {
		return ev, err
	}
	rest, err := msgp.Skip(b)
	if err != nil {
		return ev, fmt.Errorf("event body: %w", err)
	}
	if len(rest) != 0 {
		return ev, fmt.Errorf("event: %d trailing bytes", len(rest))
	}
	ev.RawBody = b
	if msgp.NextType(b) != msgp.MapType {
		if anyBody {
			return ev, nil
		}
		return ev, fmt.Errorf("event body: %s, want map", msgp.NextType(b))
	}
	if ev.Body, _, err = msgp.ReadMapStrIntfBytes(b, nil); err != nil {
		if anyBody {
			ev.Body = nil
			return ev, nil
		}
		return ev, fmt.Errorf("event body: %w", err)
	}
	return ev, nil
}

// ReadTime reads an event time the way Fluent Bit's
// flb_log_event_decoder_decode_timestamp accepts it: an integer (seconds), a
// float (seconds) or an EventTime ext 0 (seconds and nanoseconds).
func ReadTime(b []byte) (time.Time, []byte, error) {
	if len(b) == 0 {
		return time.Time{}, b, fmt.Errorf("event time: %w", msgp.ErrShortBytes)
	}
	switch msgp.NextType(b) {
	case msgp.UintType:
		u, o, err := msgp.ReadUint64Bytes(b)
		if err != nil {
			return time.Time{}, b, fmt.Errorf("event time: %w", err)
		}
		if u > math.MaxInt64 {
			return time.Time{}, b, fmt.Errorf("event time: %d out of range", u)
		}
		return time.Unix(int64(u), 0), o, nil
	case msgp.IntType:
		i, o, err := msgp.ReadInt64Bytes(b)
		if err != nil {
			return time.Time{}, b, fmt.Errorf("event time: %w", err)
		}
		return time.Unix(i, 0), o, nil
	case msgp.Float64Type, msgp.Float32Type:
		f, o, err := msgp.ReadFloat64Bytes(b)
		if err != nil {
			return time.Time{}, b, fmt.Errorf("event time: %w", err)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)), o, nil
	}
	// EventTime: fixext 8 or ext 8 with length 8, type 0.
	var data []byte
	switch {
	case b[0] == mfixext8 && len(b) >= 2+eventTimeLen:
		if int8(b[1]) != eventTimeExtType {
			return time.Time{}, b, fmt.Errorf("event time: ext type %d, want %d", int8(b[1]), eventTimeExtType)
		}
		data, b = b[2:2+eventTimeLen], b[2+eventTimeLen:]
	case b[0] == mext8 && len(b) >= 3+eventTimeLen && b[1] == eventTimeLen:
		if int8(b[2]) != eventTimeExtType {
			return time.Time{}, b, fmt.Errorf("event time: ext type %d, want %d", int8(b[2]), eventTimeExtType)
		}
		data, b = b[3:3+eventTimeLen], b[3+eventTimeLen:]
	default:
		return time.Time{}, b, fmt.Errorf("event time: %s (0x%02x), want int, float or EventTime", msgp.NextType(b), b[0])
	}
	sec := binary.BigEndian.Uint32(data[:4])
	nsec := binary.BigEndian.Uint32(data[4:])
	return time.Unix(int64(sec), int64(nsec)), b, nil
}

// errProtocol marks errors that make the server close the connection.
var errProtocol = errors.New("forwardtest: protocol error")
