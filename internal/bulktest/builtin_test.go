package bulktest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// logsDoc writes to a logs-*-* data stream that only the built-in logs
// template matches.
const logsStream = "logs-generic-default"

// TestBuiltinLogsTemplate pins what Elastic's logs template does with a
// document, from the REST test
// modules/data-streams/.../data_stream/240_logs_ecs_mappings.yml ("Test
// general mockup ECS mappings") and the docs page "Default logs index
// template".
func TestBuiltinLogsTemplate(t *testing.T) {
	c := NewCluster(es819)
	require.Equal(t, LogsTemplate, c.Match(logsStream).Name)
	r := write(t, c, logsStream, "create", `{
		"@timestamp": "2023-05-16T13:49:40.377Z",
		"start_timestamp": "not a date", "start-timestamp": "not a date",
		"message": "a log line",
		"registry": {"data": {"strings": ["C:\\rta\\red_ttp\\bin\\myapp.exe"]}},
		"process": {"title": "ssh", "executable": "/usr/bin/ssh", "name": "ssh", "command_line": "/usr/bin/ssh -l user 10.0.0.16", "io": {"text": "test"}},
		"url": {"path": "/page", "full": "https://mydomain.com/app/page", "original": "https://mydomain.com/app/original"},
		"error": {"stack_trace": "trace", "message": "Error occurred"},
		"file": {"path": "/path/to/my/file"},
		"vulnerability": {"score": {"base": 5.5, "version": "2.0"}, "textual_score": "bad"},
		"host": {"cpu": {"usage": 0.68}},
		"source": {"geo": {"location": {"lon": -73.614830, "lat": 45.505918}}},
		"data_stream": {"dataset": "nginx.access", "namespace": "production", "type": "logs"},
		"structured_data": {"key1": "value1", "key2": ["value2", "value3"]},
		"exports": {"key": "value"}, "top_level_imports": {"key": "value"}, "nested": {"imports": {"key": "value"}},
		"numeric_as_string": "42",
		"socket": {"ip": "127.0.0.1", "remote_ip": "187.8.8.8"},
		"event": {"ingested": "2023-05-16T13:49:47Z", "original": "{\"raw\": 1}"}
	}`)
	require.Equal(t, 201, r.Status, "%v", r.Error)
	// "the ECS date dynamic template enforces mapping of *_timestamp fields
	// to a date type": the malformed value is ignored (logs@settings'
	// ignore_malformed), as is vulnerability.textual_score's.
	require.Equal(t, []string{"start_timestamp", "vulnerability.textual_score"}, r.Indexed.Ignored)
	m := c.Mapping(logsStream)
	for path, typ := range map[string]string{
		"@timestamp": "date", "message": "match_only_text", "start_timestamp": "date", "start-timestamp": "keyword",
		"error.message": "match_only_text", "registry.data.strings": "wildcard", "process.io.text": "wildcard", "url.path": "wildcard",
		"url.full": "wildcard", "url.full.text": "match_only_text", "url.original": "wildcard", "process.command_line": "wildcard",
		"error.stack_trace": "wildcard", "file.path": "keyword", "file.path.text": "match_only_text", "process.title": "keyword",
		"process.name": "keyword", "process.executable": "keyword", "vulnerability.score.base": "float", "vulnerability.score.version": "keyword",
		"vulnerability.textual_score": "float", "host.cpu.usage": "scaled_float", "source.geo.location": "geo_point",
		"data_stream.dataset": "constant_keyword", "data_stream.namespace": "constant_keyword", "data_stream.type": "constant_keyword",
		"structured_data": "flattened", "exports": "flattened", "top_level_imports": "flattened", "nested.imports": "flattened",
		"numeric_as_string": "keyword", "socket.ip": "ip", "socket.remote_ip": "ip", "event.ingested": "date", "event.original": "keyword",
	} {
		require.Equal(t, typ, m.FieldType(path), path)
	}
	t.Run("data_stream.type is the constant logs (logs@mappings)", func(t *testing.T) {
		r := write(t, c, logsStream, "create", `{"@timestamp": "2023-05-16T13:49:40Z", "data_stream": {"type": "metrics"}}`)
		require.Equal(t, 400, r.Status)
		require.Contains(t, r.Error.Reason, "of type [constant_keyword]")
	})
	t.Run("data_stream.dataset is fixed by the stream's first document", func(t *testing.T) {
		r := write(t, c, logsStream, "create", `{"@timestamp": "2023-05-16T13:49:40Z", "data_stream": {"dataset": "other"}}`)
		require.Equal(t, 400, r.Status)
		require.Contains(t, r.Error.CausedBy.Reason, "[nginx.access], but got [other]")
	})
	t.Run("a malformed @timestamp rejects the document even under logs@settings' ignore_malformed", func(t *testing.T) {
		// The model ignores the value (logs@mappings maps @timestamp itself,
		// so ecs_timestamp's ignore_malformed false does not apply) and then
		// finds the data stream's timestamp missing; Elasticsearch's own
		// message for this case is not pinned here.
		r := write(t, c, logsStream, "create", `{"@timestamp": "not a date"}`)
		require.Equal(t, 400, r.Status)
		require.Contains(t, r.Error.Reason, "[@timestamp]")
	})
	t.Run("date_detection false: an ISO string under another name is a keyword", func(t *testing.T) {
		r := write(t, c, logsStream, "create", `{"@timestamp": "2023-05-16T13:49:40Z", "seen": "2023-05-16T13:49:40Z"}`)
		require.Equal(t, 201, r.Status)
		require.Equal(t, "keyword", c.Mapping(logsStream).FieldType("seen"))
	})
}

// TestBuiltinsByRelease pins which release has which built-in behaviour
// (see builtin.go).
func TestBuiltinsByRelease(t *testing.T) {
	cases := []struct {
		name    string
		product Product
		docs    []string
		status  []int
		reason  string // of the last document, when rejected
		fs      string // failure_store of the last document
	}{
		{"8.12: ecs@mappings gives an object message match_only_text: rejected (issue #102794's class of bug)",
			esAt("8.12"), []string{`{"@timestamp": "2023-01-01T12:01:00Z", "message": {"struct": {"value": 42}}}`},
			[]int{400}, "failed to parse field [message] of type [match_only_text]", ""},
		{"8.13+: unmatch_mapping_type object: an object message is mapped as an object, then a string message is rejected",
			esAt("8.19"), []string{`{"@timestamp": "2023-01-01T12:01:00Z", "message": {"struct": {"value": 42}}}`, `{"@timestamp": "2023-01-01T12:00:00Z", "message": "Application started"}`},
			[]int{201, 400}, "object mapping for [message] tried to parse field [message] as object, but found a concrete value", "not_enabled"},
		{"8.19: a string message then an object message: rejected (no failure store by default)",
			esAt("8.19"), []string{`{"@timestamp": "2023-01-01T12:00:00Z", "message": "Application started successfully"}`, `{"@timestamp": "2023-01-01T12:01:00Z", "message": {"struct": {"value": 42}}}`},
			[]int{201, 400}, "failed to parse field [message] of type [match_only_text]", "not_enabled"},
		{"9.2: logs@settings enables the failure store: the object message is stored there (REST test 260_logs_failure_store.yml)",
			esAt("9.2"), []string{`{"@timestamp": "2023-01-01T12:00:00Z", "message": "Application started successfully"}`, `{"@timestamp": "2023-01-01T12:01:00Z", "message": {"struct": {"value": 42}}}`},
			[]int{201, 201}, "", "used"},
		{"8.12: no ignore_dynamic_beyond_limit: beyond 1000 fields is rejected",
			esAt("8.12"), []string{`{"@timestamp": "2023-01-01T12:00:00Z", "o": ` + manyFields(1000) + `}`},
			[]int{400}, "Limit of total fields [1000]", ""},
		{"8.13+: logs@settings' ignore_dynamic_beyond_limit: beyond 1000 fields is kept unmapped",
			esAt("8.13"), []string{`{"@timestamp": "2023-01-01T12:00:00Z", "o": ` + manyFields(1000) + `}`},
			[]int{201}, "", ""},
		{"8.8: no built-ins: logs-*-* is a plain index with default dynamic mapping",
			esAt("8.8"), []string{`{"@timestamp": "2023-01-01T12:00:00Z", "message": {"a": 1}}`, `{"message": "s"}`},
			[]int{201, 400}, "object mapping for [message]", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCluster(tc.product)
			var last Result
			for i, d := range tc.docs {
				last = write(t, c, logsStream, "create", d)
				require.Equal(t, tc.status[i], last.Status, "document %d: %+v", i+1, last.Error)
			}
			if tc.reason != "" {
				require.Contains(t, last.Error.Reason, tc.reason)
			}
			require.Equal(t, tc.fs, last.FailureStore)
		})
	}
	t.Run("OpenSearch installs no built-ins", func(t *testing.T) {
		require.Nil(t, NewCluster(os219).Match(logsStream))
	})
}
