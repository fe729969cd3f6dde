// Package mpjson converts between JSON lines and msgpack maps at the edges of
// auditx (the CLI, tests, sample logs), with github.com/ugorji/go/codec. It
// is not used on the hot path. Map keys come out sorted (canonical), so the
// output is deterministic.
package mpjson

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tinylib/msgp/msgp"
	"github.com/ugorji/go/codec"
)

// Converter holds the codec handles; it is safe for concurrent use.
type Converter struct {
	json codec.JsonHandle
	mp   codec.MsgpackHandle
}

// New returns a Converter.
func New() *Converter {
	c := &Converter{}
	c.json.Canonical = true
	c.json.MapKeyAsString = true
	c.json.HTMLCharsAsIs = true
	c.mp.Canonical = true
	c.mp.WriteExt = true
	c.mp.RawToString = true
	c.mp.MapType = nil
	return c
}

// ToMsgpack converts one JSON value (a line) to msgpack. Strings are
// written as msgpack str, integers as integers.
func (c *Converter) ToMsgpack(jsonLine []byte) ([]byte, error) {
	var v any
	jsonLine = bytes.TrimSpace(jsonLine)
	if len(jsonLine) == 0 {
		return nil, errors.New("empty line")
	}
	if err := codec.NewDecoderBytes(jsonLine, &c.json).Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	var out []byte
	if err := codec.NewEncoderBytes(&out, &c.mp).Encode(v); err != nil {
		return nil, err
	}
	return out, nil
}

// ToJSON converts one msgpack value to a JSON line (no newline).
func (c *Converter) ToJSON(mp []byte) ([]byte, error) {
	v, err := c.Decode(mp)
	if err != nil {
		return nil, err
	}
	var out []byte
	if err := codec.NewEncoderBytes(&out, &c.json).Encode(v); err != nil {
		return nil, err
	}
	return out, nil
}

// Decode decodes one msgpack value into Go values (maps, slices, strings,
// numbers), for tests and the CLI.
func (c *Converter) Decode(mp []byte) (any, error) {
	var v any
	if err := codec.NewDecoderBytes(mp, &c.mp).Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid msgpack: %w", err)
	}
	return stringKeys(v), nil
}

// stringKeys turns the map[any]any that msgpack decoding yields into
// map[string]any, recursively (non-string keys are printed).
func stringKeys(v any) any {
	switch t := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			ks, ok := k.(string)
			if !ok {
				ks = fmt.Sprint(k)
			}
			m[ks] = stringKeys(x)
		}
		return m
	case map[string]any:
		for k, x := range t {
			t[k] = stringKeys(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = stringKeys(x)
		}
		return t
	}
	return v
}

// Encode encodes a Go value to msgpack.
func (c *Converter) Encode(v any) ([]byte, error) {
	var out []byte
	err := codec.NewEncoderBytes(&out, &c.mp).Encode(v)
	return out, err
}

// EventsToJSONLines turns concatenated Fluent Bit events into JSON lines
// {"tag": tag, "time": seconds.fraction, "metadata": {...}, "record": {...}}.
// An entry that cannot be decoded becomes a {"tag": tag, "error": "..."}
// line, never a silent gap.
func EventsToJSONLines(c *Converter, tag string, events []byte) ([][]byte, error) {
	var lines [][]byte
	var firstErr error
	for len(events) > 0 {
		rest, err := msgp.Skip(events)
		if err != nil {
			line, _ := c.jsonLine(map[string]any{"tag": tag, "error": fmt.Sprintf("%d undecodable bytes: %v", len(events), err)})
			return append(lines, line), err
		}
		obj, err := c.event(events[:len(events)-len(rest)])
		if err != nil {
			obj = map[string]any{"tag": tag, "error": "undecodable event: " + err.Error()}
			if firstErr == nil {
				firstErr = err
			}
		}
		obj["tag"] = tag
		line, err := c.jsonLine(obj)
		if err != nil {
			line, _ = c.jsonLine(map[string]any{"tag": tag, "error": "unencodable event: " + err.Error()})
		}
		lines = append(lines, line)
		events = rest
	}
	return lines, firstErr
}

// event decodes one [[time, metadata], body] or [time, body] event.
func (c *Converter) event(ev []byte) (map[string]any, error) {
	n, rest, err := msgp.ReadArrayHeaderBytes(ev)
	if err != nil || n != 2 {
		return nil, fmt.Errorf("not an [header, body] event")
	}
	obj := map[string]any{}
	hdr := rest
	if hn, h, err := msgp.ReadArrayHeaderBytes(rest); err == nil && hn == 2 {
		timeEnd, err := msgp.Skip(h)
		if err != nil {
			return nil, err
		}
		obj["time"] = timeValue(h[:len(h)-len(timeEnd)])
		metaEnd, err := msgp.Skip(timeEnd)
		if err != nil {
			return nil, err
		}
		if obj["metadata"], err = c.Decode(timeEnd[:len(timeEnd)-len(metaEnd)]); err != nil {
			return nil, err
		}
		rest = metaEnd
	} else {
		timeEnd, err := msgp.Skip(rest)
		if err != nil {
			return nil, err
		}
		obj["time"] = timeValue(hdr[:len(hdr)-len(timeEnd)])
		rest = timeEnd
	}
	if obj["record"], err = c.Decode(rest); err != nil {
		return nil, err
	}
	return obj, nil
}

func (c *Converter) jsonLine(v any) ([]byte, error) {
	var out []byte
	err := codec.NewEncoderBytes(&out, &c.json).Encode(v)
	return out, err
}

// timeValue renders an encoded event time (EventTime ext 0: fixext8 with
// big-endian seconds and nanoseconds; or an integer or float) as float
// seconds.
func timeValue(raw []byte) any {
	if len(raw) == 10 && raw[0] == 0xd7 && raw[1] == 0x00 {
		sec := binary.BigEndian.Uint32(raw[2:])
		nsec := binary.BigEndian.Uint32(raw[6:])
		return float64(sec) + float64(nsec)/1e9
	}
	if f, _, err := msgp.ReadFloat64Bytes(raw); err == nil {
		return f
	}
	if i, _, err := msgp.ReadInt64Bytes(raw); err == nil {
		return i
	}
	if u, _, err := msgp.ReadUint64Bytes(raw); err == nil {
		return u
	}
	return nil
}
