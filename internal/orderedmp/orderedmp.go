// Package orderedmp converts one JSON value to msgpack keeping the order of
// every map's keys as written, for the tests of the packages whose result
// depends on that order (keyname's duplicate suffixes follow record order).
// internal/mpjson sorts keys (canonical output); this package does not.
// It is test support: nothing in the library imports it.
package orderedmp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/auditx/auditx/internal/mp"
)

// FromJSON converts one JSON value to msgpack: objects become maps in their
// key order, strings str, integers (no '.', 'e' or 'E') msgpack integers,
// other numbers float64, and true, false and null as they are.
func FromJSON(js []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	out, err := value(nil, dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("orderedmp: text after the JSON value")
	}
	return out, nil
}

// MustFromJSON is FromJSON for test tables; it panics on bad JSON.
func MustFromJSON(js string) []byte {
	b, err := FromJSON([]byte(js))
	if err != nil {
		panic(fmt.Sprintf("orderedmp: %v: %s", err, js))
	}
	return b
}

func value(dst []byte, dec *json.Decoder) ([]byte, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		var items [][]byte
		for dec.More() {
			var item []byte
			if v == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				item = mp.AppendStr(item, k.(string))
			}
			if item, err = value(item, dec); err != nil {
				return nil, err
			}
			items = append(items, item)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if v == '{' {
			dst = mp.AppendMapHeader(dst, len(items))
		} else {
			dst = mp.AppendArrayHeader(dst, len(items))
		}
		for _, item := range items {
			dst = append(dst, item...)
		}
		return dst, nil
	case string:
		return mp.AppendStr(dst, v), nil
	case json.Number:
		if !strings.ContainsAny(string(v), ".eE") {
			if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
				return mp.AppendInt(dst, n), nil
			}
			if n, err := strconv.ParseUint(string(v), 10, 64); err == nil {
				return mp.AppendUint(dst, n), nil
			}
		}
		f, err := v.Float64()
		if err != nil {
			return nil, err
		}
		return appendFloat(dst, f), nil
	case bool:
		if v {
			return append(dst, 0xc3), nil
		}
		return append(dst, 0xc2), nil
	case nil:
		return append(dst, 0xc0), nil
	}
	return nil, fmt.Errorf("orderedmp: unexpected token %v", tok)
}

func appendFloat(dst []byte, f float64) []byte {
	b := math.Float64bits(f)
	return append(dst, 0xcb, byte(b>>56), byte(b>>48), byte(b>>40), byte(b>>32), byte(b>>24), byte(b>>16), byte(b>>8), byte(b))
}
