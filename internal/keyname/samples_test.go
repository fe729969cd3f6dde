package keyname

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/internal/orderedmp"
	"github.com/auditx/auditx/internal/samples"
)

// sampleKey is one key of the bundled samples: where it occurs (vendor, and
// the dotted path of the map holding it, "" for the record itself) and its
// name. Generated once from testdata/samples/*.log, each row reviewed by
// hand; TestSampleKeys fails when a sample gains or loses a key, so the
// table (and the docs made from it) stays complete.
type sampleKey struct {
	vendor, parent, key, name string
}

var sampleKeys = []sampleKey{
	{"filingbox", "", "Client IP", "client_ip"},
	{"filingbox", "", "Code", "code"},
	{"filingbox", "", "Date", "date"},
	{"filingbox", "", "Event description", "event_description"},
	{"filingbox", "", "Event name", "event_name"},
	{"filingbox", "", "Type", "type"},
	{"filingbox", "", "User", "user"},
	{"filingbox", "", "client_ip", "client_ip"},
	{"filingbox", "", "code", "code"},
	{"filingbox", "", "date", "date"},
	{"filingbox", "", "event_description", "event_description"},
	{"filingbox", "", "event_name", "event_name"},
	{"filingbox", "", "type", "type"},
	{"filingbox", "", "user", "user"},
	{"netop", "", "accountId", "account_id"},
	{"netop", "", "account_id", "account_id"},
	{"netop", "", "action", "action"},
	{"netop", "", "actionDate", "action_date"},
	{"netop", "", "actionTimestamp", "action_timestamp"},
	{"netop", "", "action_date", "action_date"},
	{"netop", "", "action_timestamp", "action_timestamp"},
	{"netop", "", "data", "data"},
	{"netop", "", "entityId", "entity_id"},
	{"netop", "", "entityName", "entity_name"},
	{"netop", "", "entityType", "entity_type"},
	{"netop", "", "entity_id", "entity_id"},
	{"netop", "", "entity_name", "entity_name"},
	{"netop", "", "entity_type", "entity_type"},
	{"netop", "", "environment", "environment"},
	{"netop", "", "resultCode", "result_code"},
	{"netop", "", "result_code", "result_code"},
	{"netop", "", "session", "session"},
	{"netop", "", "source", "source"},
	{"netop", "", "userId", "user_id"},
	{"netop", "", "userName", "user_name"},
	{"netop", "", "user_id", "user_id"},
	{"netop", "", "user_name", "user_name"},
	{"netop", "data", "logged_on_windows_user", "logged_on_windows_user"},
	{"plusauth", "", "client_address", "client_address"},
	{"plusauth", "", "details", "details"},
	{"plusauth", "", "event_type", "event_type"},
	{"plusauth", "", "level", "level"},
	{"plusauth", "", "message", "message"},
	{"plusauth", "", "request_id", "request_id"},
	{"plusauth", "", "time", "time"},
	{"plusauth", "", "user_id", "user_id"},
	{"plusauth", "details", "client_id", "client_id"},
	{"plusauth", "details", "connection", "connection"},
	{"privx", "", "created", "created"},
	{"privx", "", "event_id", "event_id"},
	{"privx", "", "event_name", "event_name"},
	{"privx", "", "message", "message"},
	{"privx", "", "service_id", "service_id"},
	{"privx", "", "service_name", "service_name"},
	{"privx", "message", "SSH-PrivX-service", "ssh_priv_x_service"},
	{"privx", "message", "audit-exposure", "audit_exposure"},
	{"privx", "message", "backend", "backend"},
	{"privx", "message", "domain", "domain"},
	{"privx", "message", "instanceName", "instance_name"},
	{"privx", "message", "remoteAddress", "remote_address"},
	{"privx", "message", "sessionID", "session_id"},
	{"privx", "message", "severity", "severity"},
	{"privx", "message", "timestamp", "timestamp"},
	{"privx", "message", "userID", "user_id"},
	{"privx", "message", "username", "username"},
	{"privx", "message", "version", "version"},
}

func TestSampleKeys(t *testing.T) {
	type where struct{ vendor, parent, key string }
	found := map[where]bool{}
	var walk func(v any, vendor, path string)
	walk = func(v any, vendor, path string) {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				found[where{vendor, path, k}] = true
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(vv, vendor, p)
			}
		case []any:
			for _, vv := range x {
				walk(vv, vendor, path)
			}
		}
	}
	for _, v := range samples.Vendors {
		lines, err := samples.Lines(v)
		require.NoError(t, err)
		for _, l := range lines {
			var x any
			require.NoError(t, json.Unmarshal(l, &x))
			walk(x, v, "")
		}
	}
	listed := map[where]bool{}
	for _, r := range sampleKeys {
		w := where{r.vendor, r.parent, r.key}
		require.False(t, listed[w], "listed twice: %+v", r)
		listed[w] = true
		require.True(t, found[w], "not in the samples any more: %+v", r)
		require.Equal(t, r.name, string(Append(nil, []byte(r.key))), "%+v", r)
	}
	var missing []string
	for w := range found {
		if !listed[w] {
			missing = append(missing, w.vendor+": "+w.parent+" "+w.key)
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "sample keys missing from the table")
}

// Every sample record re-encodes; no two keys of one sample map share a
// name, so no sample key is suffixed.
func TestSampleRecords(t *testing.T) {
	for _, v := range samples.Vendors {
		lines, err := samples.Lines(v)
		require.NoError(t, err)
		for i, l := range lines {
			src, err := orderedmp.FromJSON(l)
			require.NoError(t, err)
			out, end, err := AppendValue(nil, src, 0)
			require.NoError(t, err, "%s:%d", v, i+1)
			require.Equal(t, len(src), end)
			require.NoError(t, checkSame(src, 0, out, 0, true), "%s:%d", v, i+1)
		}
	}
}

// sampleRecord is the first record of a vendor's sample log as msgpack.
func sampleRecord(tb testing.TB, vendor string) []byte {
	tb.Helper()
	lines, err := samples.Lines(vendor)
	require.NoError(tb, err)
	src, err := orderedmp.FromJSON(lines[0])
	require.NoError(tb, err)
	return src
}
