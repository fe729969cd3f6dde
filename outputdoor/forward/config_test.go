package forward

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func validConfig() Config {
	return Config{Network: "unix", Address: "/run/fb.sock", Timeout: time.Second, MaxConns: 1}
}

func TestNewClientValidation(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string // substring; "" = valid
	}{
		{"valid unix", func(*Config) {}, ""},
		{"valid tcp", func(c *Config) { c.Network, c.Address = "tcp", "127.0.0.1:24224" }, ""},
		{"network empty", func(c *Config) { c.Network = "" }, `Network "" is not supported: accepted values are "unix" and "tcp"`},
		{"network udp", func(c *Config) { c.Network = "udp" }, `Network "udp"`},
		{"address empty", func(c *Config) { c.Address = "" }, "Address is empty"},
		{"timeout zero", func(c *Config) { c.Timeout = 0 }, "Timeout 0s must be > 0"},
		{"timeout negative", func(c *Config) { c.Timeout = -time.Second }, "Timeout -1s"},
		{"max conns zero", func(c *Config) { c.MaxConns = 0 }, "MaxConns 0 is out of range: accepted 1..256"},
		{"max conns too many", func(c *Config) { c.MaxConns = 1000 }, "MaxConns 1000"},
		{"max message bytes default", func(c *Config) { c.MaxMessageBytes = 0 }, ""},
		{"max message bytes too small", func(c *Config) { c.MaxMessageBytes = 100 }, "MaxMessageBytes 100 is out of range"},
		{"max message bytes negative", func(c *Config) { c.MaxMessageBytes = -1 }, "MaxMessageBytes -1"},
		{"max message bytes minimum", func(c *Config) { c.MaxMessageBytes = MinMaxMessageBytes }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.edit(&cfg)
			c, err := NewClient(cfg)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.NoError(t, c.Close())
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			var fe *Error
			require.ErrorAs(t, err, &fe)
			require.Equal(t, OpConfig, fe.Op)
			require.False(t, fe.Retryable())
		})
	}
}

func TestMaxPayload(t *testing.T) {
	c, err := NewClient(validConfig())
	require.NoError(t, err)
	require.Equal(t, DefaultMaxMessageBytes-HeaderAllowance, c.MaxPayload())

	cfg := validConfig()
	cfg.MaxMessageBytes = 1 << 20
	c, err = NewClient(cfg)
	require.NoError(t, err)
	require.Equal(t, 1<<20-HeaderAllowance, c.MaxPayload())
}

func TestErrorClassifies(t *testing.T) {
	cause := errors.New("boom")
	tests := []struct {
		op        string
		retryable bool
	}{
		{OpPool, true}, {OpDial, true}, {OpWrite, true}, {OpAck, true},
		{OpClosed, false}, {OpSize, false}, {OpEncode, false}, {OpConfig, false},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			err := &Error{Op: tt.op, Addr: "unix:/s", Err: cause}
			require.Equal(t, tt.retryable, err.Retryable())
			var wrapped *Error
			require.ErrorAs(t, fmt.Errorf("flush: %w", err), &wrapped, "the class survives wrapping")
			require.Equal(t, tt.retryable, wrapped.Retryable())
			require.Equal(t, "forward: "+tt.op+" unix:/s: boom", err.Error())
			require.ErrorIs(t, err, cause)
		})
	}
	require.ErrorIs(t, &Error{Op: OpAck, Err: fmt.Errorf("x: %w", os.ErrDeadlineExceeded)}, os.ErrDeadlineExceeded)
}
