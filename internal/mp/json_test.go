package mp

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"
)

// AppendJSON renders what the stdout emitter writes: every msgpack type, as
// a JSON reader (encoding/json) reads it back.
func TestAppendJSON(t *testing.T) {
	b := msgp.AppendMapHeader(nil, 9)
	b = msgp.AppendString(b, "s")
	b = msgp.AppendString(b, "a \"q\"\n\x01 é \xff")
	b = msgp.AppendString(b, "n")
	b = msgp.AppendInt64(b, -42)
	b = msgp.AppendString(b, "u")
	b = msgp.AppendUint64(b, math.MaxUint64)
	b = msgp.AppendString(b, "f")
	b = msgp.AppendFloat64(b, 1.5)
	b = msgp.AppendString(b, "nan")
	b = msgp.AppendFloat64(b, math.NaN())
	b = msgp.AppendString(b, "a")
	b = msgp.AppendArrayHeader(b, 3)
	b = msgp.AppendBool(b, true)
	b = msgp.AppendNil(b)
	b = msgp.AppendBytes(b, []byte{1, 2, 3})
	b = msgp.AppendString(b, "t") // a Fluent Bit EventTime
	b = append(b, 0xd7, 0x00, 0x69, 0x1e, 0x8d, 0x80, 0x1d, 0xcd, 0x65, 0x00)
	b = msgp.AppendInt64(b, 7) // a key that is not a string
	b = msgp.AppendMapHeader(b, 0)
	b = msgp.AppendString(b, "last")
	b = msgp.AppendBool(b, false)
	out, end, err := AppendJSON(nil, b, 0)
	require.NoError(t, err)
	require.Equal(t, len(b), end)
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	require.Equal(t, "a \"q\"\n\x01 é \ufffd", got["s"])
	require.Equal(t, -42.0, got["n"])
	require.Equal(t, float64(math.MaxUint64), got["u"])
	require.Equal(t, 1.5, got["f"])
	require.Nil(t, got["nan"])
	require.Equal(t, []any{true, nil, "AQID"}, got["a"])
	require.InDelta(t, float64(0x691e8d80)+0.5, got["t"], 1e-6)
	require.Equal(t, map[string]any{}, got["7"])
	require.Equal(t, false, got["last"])
	require.True(t, strings.HasPrefix(string(out), `{"s":`), "map order kept: %s", out)

	deep := []byte{}
	for range maxJSONDepth + 2 {
		deep = append(deep, 0x91)
	}
	deep = append(deep, 0xc0)
	_, _, err = AppendJSON(nil, deep, 0)
	require.ErrorIs(t, err, ErrJSON)
	_, _, err = AppendJSON(nil, b[:len(b)-3], 0)
	require.ErrorIs(t, err, ErrMalformed)
}

// Skip tells a truncated object (ErrShort: a stream reader waits for more)
// from bytes that start no object.
func TestSkipShort(t *testing.T) {
	b := msgp.AppendMapHeader(nil, 1)
	b = msgp.AppendString(b, "ack")
	b = msgp.AppendString(b, "abcdef")
	for n := 1; n < len(b); n++ {
		_, err := Skip(b[:n], 0)
		require.ErrorIs(t, err, ErrShort, "%d of %d bytes", n, len(b))
	}
	_, err := Skip([]byte{0xc1}, 0)
	require.ErrorIs(t, err, ErrMalformed)
	require.NotErrorIs(t, err, ErrShort)
}
