//go:build linux && cgo

package flbhost

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// testMap is a config map like a plugin registers one.
var testMap = []ConfigMapEntry{
	{Type: ConfigMapStr, Name: "vendor", Default: "auto", HasDefault: true},
	{Type: ConfigMapStr, Name: "id"},
	{Type: ConfigMapStr, Name: "header", Flags: ConfigMapMult},
	{Type: ConfigMapStrPrefix, Name: "label."},
}

func TestPropertiesCheck(t *testing.T) {
	tests := []struct {
		name    string
		props   []prop
		wantErr string
	}{
		{"known key", []prop{{key: "vendor", val: "privx"}}, ""},
		{"case-insensitive", []prop{{key: "VENDOR", val: "privx"}}, ""},
		{"unknown key", []prop{{key: "idd", val: "x"}},
			"[config] auditx: unknown configuration property 'idd'. The following properties are allowed: " +
				"vendor, id, header, and label.."},
		{"a prefix of a key is unknown", []prop{{key: "vend", val: "x"}}, "unknown configuration property 'vend'"},
		{"set twice", []prop{{key: "id", val: "a"}, {key: "ID", val: "b"}},
			"[config] auditx: configuration property 'id' is set 2 times"},
		{"multiple allowed", []prop{{key: "header", val: "a"}, {key: "Header", val: "b"}}, ""},
		{"prefixed key", []prop{{key: "label.team", val: "x"}}, ""},
		{"incomplete prefixed key", []prop{{key: "label.", val: "x"}}, "unknown configuration property 'label.'"},
		{"active and condition are core", []prop{{key: "active", val: "true"}, {key: "Condition", val: "x"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := propertiesCheck("auditx", tt.props, testMap)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			var ce *ConfigError
			require.True(t, errors.As(err, &ce))
			require.NotEmpty(t, ce.Key)
		})
	}
}

func TestAllowedHelper(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want string
	}{
		{"one", []string{"id"}, "The following properties are allowed: id."},
		{"two", []string{"id", "vendor"}, "The following properties are allowed: id, and vendor."},
		{"three", []string{"a", "b", "c"}, "The following properties are allowed: a, b, and c."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m []ConfigMapEntry
			for _, k := range tt.keys {
				m = append(m, ConfigMapEntry{Name: k})
			}
			require.Equal(t, tt.want, allowedHelper(m))
		})
	}
}

func TestCheckConfigMapDefaults(t *testing.T) {
	tests := []struct {
		name    string
		entry   ConfigMapEntry
		wantErr string
	}{
		{"string", ConfigMapEntry{Type: ConfigMapStr, Name: "a", Default: "x", HasDefault: true}, ""},
		{"good boolean", ConfigMapEntry{Type: ConfigMapBool, Name: "b", Default: "On", HasDefault: true}, ""},
		{"bad boolean", ConfigMapEntry{Type: ConfigMapBool, Name: "b", Default: "maybe", HasDefault: true},
			"[config map] invalid default value for boolean 'b=maybe'"},
		{"prefix with default", ConfigMapEntry{Type: ConfigMapStrPrefix, Name: "p.", Default: "", HasDefault: true},
			"[config map] invalid default value for prefixed string 'p.'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkConfigMapDefaults(Def{Name: "auditx", ConfigMap: []ConfigMapEntry{tt.entry}})
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tt.wantErr)
			}
		})
	}
}

func TestExpandEnv(t *testing.T) {
	t.Setenv("FLBHOST_SET", "value")
	t.Setenv("FLBHOST_EMPTY", "")
	tests := []struct {
		name, in, want string
	}{
		{"no variable", "enriched.$TAG", "enriched.$TAG"},
		{"set", "a.${FLBHOST_SET}.b", "a.value.b"},
		{"unset is empty: the ${TAG} trap", "enriched.${FLBHOST_UNSET_TAG}", "enriched."},
		{"empty is empty", "${FLBHOST_EMPTY}", ""},
		{"default when unset", "${FLBHOST_UNSET:-dflt}", "dflt"},
		{"default when empty", "${FLBHOST_EMPTY:-dflt}", "dflt"},
		{"default unused when set", "${FLBHOST_SET:-dflt}", "value"},
		{"two", "${FLBHOST_SET}-${FLBHOST_SET}", "value-value"},
		{"unterminated", "x${FLBHOST_SET", "x${FLBHOST_SET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, expandEnv(tt.in))
		})
	}
}

func TestSetCoreProperty(t *testing.T) {
	tests := []struct {
		name, key, value string
		consumed         bool
		wantErr          string
		wantLevel        int
		wantWorkers      int
	}{
		{name: "match", key: "Match", value: "*", consumed: true},
		{name: "host even when empty", key: "host", value: "", consumed: true},
		{name: "workers", key: "workers", value: "2", consumed: true, wantWorkers: 2},
		{name: "empty workers falls through", key: "workers", value: ""},
		{name: "log_level", key: "log_level", value: "debug", consumed: true, wantLevel: LogDebug},
		{name: "bad log_level", key: "log_level", value: "loud", consumed: true, wantErr: "invalid log_level"},
		{name: "tls.verify", key: "tls.verify", value: "off", consumed: true},
		{name: "net. prefix", key: "net.keepalive", value: "on", consumed: true},
		{name: "plugin key", key: "vendor", value: "privx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Instance{}
			level := LogInfo
			consumed, err := setCoreProperty(in, &level, tt.key, tt.value)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.consumed, consumed)
			if tt.wantLevel != 0 {
				require.Equal(t, tt.wantLevel, level)
			}
			require.Equal(t, tt.wantWorkers, in.Workers())
		})
	}
}

func TestFlbReturn(t *testing.T) {
	for raw, want := range map[int]int{0: FLBError, 1: FLBOK, 2: FLBRetry, -1: FLBError, 3: FLBError} {
		require.Equal(t, want, flbReturn(raw), "raw %d", raw)
	}
}
