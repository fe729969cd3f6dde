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
	"io"
	"time"

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
// Events that cannot be decoded become {"tag": tag, "error": "..."} lines.
func EventsToJSONLines(c *Converter, tag string, events []byte) ([][]byte, error) {
	var lines [][]byte
	dec := codec.NewDecoderBytes(events, &c.mp)
	for {
		var ev []any
		if err := dec.Decode(&ev); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			line, _ := c.jsonLine(map[string]any{"tag": tag, "error": "undecodable event: " + err.Error()})
			return append(lines, line), err
		}
		obj := map[string]any{"tag": tag}
		if len(ev) == 2 {
			hdr := ev[0]
			if h, ok := hdr.([]any); ok && len(h) == 2 {
				hdr = h[0]
				obj["metadata"] = h[1]
			}
			obj["time"] = timeValue(hdr)
			obj["record"] = ev[1]
		} else {
			obj["entry"] = ev
		}
		line, err := c.jsonLine(obj)
		if err != nil {
			line, _ = c.jsonLine(map[string]any{"tag": tag, "error": "unencodable event: " + err.Error()})
		}
		lines = append(lines, line)
	}
	return lines, nil
}

func (c *Converter) jsonLine(v any) ([]byte, error) {
	var out []byte
	err := codec.NewEncoderBytes(&out, &c.json).Encode(v)
	return out, err
}

// timeValue renders an event time (EventTime ext, integer or float) as
// float seconds.
func timeValue(v any) any {
	switch t := v.(type) {
	case time.Time:
		return float64(t.UnixNano()) / 1e9
	case []byte:
		if len(t) == 8 {
			sec := binary.BigEndian.Uint32(t)
			nsec := binary.BigEndian.Uint32(t[4:])
			return float64(sec) + float64(nsec)/1e9
		}
	}
	return v
}
