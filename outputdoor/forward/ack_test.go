package forward

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// ackFor builds in_forward's answer {"ack": id} (fw_prot.c send_ack).
func ackFor(id string) []byte {
	return append([]byte{
		0x81,                // fixmap(1)
		0xa3, 'a', 'c', 'k', // "ack"
		0xa0 | byte(len(id)), // fixstr(len(id))
	}, id...)
}

type timeoutReader struct{}

func (timeoutReader) Read([]byte) (int, error) { return 0, os.ErrDeadlineExceeded }

func TestReadAck(t *testing.T) {
	const id = "AAECAwQFBgcICQoLDA0ODw=="
	tests := []struct {
		name    string
		r       io.Reader
		wantErr error // nil: success
	}{
		{"ok", bytes.NewReader(ackFor(id)), nil},
		{"ok one byte per read", iotest.OneByteReader(bytes.NewReader(ackFor(id))), nil},
		{"ok as bin", bytes.NewReader(append([]byte{
			0x81, 0xa3, 'a', 'c', 'k', // {"ack":
			0xc4, byte(len(id)), //        bin8(24)
		}, id...)), nil},
		{"ok with another key first", bytes.NewReader(append([]byte{
			0x82,            // fixmap(2)
			0xa1, 'x', 0xc0, // "x": nil
		}, ackFor(id)[1:]...)), nil},
		{"wrong id", bytes.NewReader(ackFor("BBECAwQFBgcICQoLDA0ODw==")), ErrAckMismatch},
		{"ack is an int", bytes.NewReader([]byte{0x81, 0xa3, 'a', 'c', 'k', 0x01}), ErrBadAck},
		{"no ack key", bytes.NewReader([]byte{0x81, 0xa1, 'x', 0x01}), ErrBadAck},
		{"not a map", bytes.NewReader([]byte{0x91, 0x01}), ErrBadAck},
		{"invalid prefix", bytes.NewReader([]byte{0xc1}), ErrBadAck},
		{"trailing bytes", bytes.NewReader(append(ackFor(id), 0x01)), ErrBadAck},
		{"too long", bytes.NewReader(append([]byte{0xdb, 0, 1, 0, 0}, make([]byte, 300)...)), ErrBadAck},
		{"closed before the ack", bytes.NewReader(ackFor(id)[:5]), io.EOF},
		{"closed at once", bytes.NewReader(nil), io.EOF},
		{"timeout", timeoutReader{}, os.ErrDeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf [maxAckBytes]byte
			err := readAck(tt.r, buf[:], []byte(id))
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}

func TestReadAckDoesNotAllocate(t *testing.T) {
	const id = "AAECAwQFBgcICQoLDA0ODw=="
	msg := ackFor(id)
	r := bytes.NewReader(msg)
	want := []byte(id)
	var buf [maxAckBytes]byte
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(msg)
		if err := readAck(r, buf[:], want); err != nil {
			panic(err)
		}
	})
	require.Zero(t, allocs)
}

func FuzzReadAck(f *testing.F) {
	const id = "AAECAwQFBgcICQoLDA0ODw=="
	f.Add(ackFor(id))
	f.Add(ackFor("x"))
	f.Add([]byte{0x82, 0xa1, 'x', 0xc0, 0xa3, 'a', 'c', 'k', 0xc4, 0x01, 'a'})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4*maxAckBytes {
			return
		}
		var buf [maxAckBytes]byte
		err := readAck(iotest.HalfReader(bytes.NewReader(data)), buf[:], []byte(id))
		if err == nil {
			require.True(t, bytes.Contains(data, []byte(id)), "accepted an ack without the id")
			return
		}
		require.False(t, errors.Is(err, ErrAckMismatch) && errors.Is(err, ErrBadAck))
	})
}
