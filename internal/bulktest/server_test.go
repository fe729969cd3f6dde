package bulktest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// bulkResponse is the part of a bulk response Fluent Bit's es and
// opensearch outputs read (plugins/out_es/es.c elasticsearch_error_check,
// plugins/out_opensearch/opensearch.c): "errors", then each item's status.
type bulkResponse struct {
	Took   *int                                    `json:"took"`
	Errors *bool                                   `json:"errors"`
	Items  []map[string]map[string]json.RawMessage `json:"items"`
}

func do(t *testing.T, s *Server, method, path, body string, auth bool) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-ndjson")
	if auth {
		req.SetBasicAuth("writer", "secret")
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b, resp.Header
}

func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.User, cfg.Password = "writer", "secret"
	s, err := NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func ndjson(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// TestServerBulk sends _bulk requests over HTTP and checks the responses
// as Fluent Bit reads them (docs, "Bulk API", response body).
func TestServerBulk(t *testing.T) {
	template := `{"index_patterns": ["logs-app-*"], "priority": 200, "data_stream": {}, "template": {"mappings": {"properties": {"count": {"type": "long"}}}}}`
	withFS := `{"index_patterns": ["logs-app-*"], "priority": 200, "data_stream": {}, "template": {"mappings": {"properties": {"count": {"type": "long"}}}, "data_stream_options": {"failure_store": {"enabled": true}}}}`
	good := `{"@timestamp": "2026-11-20T08:14:00Z", "count": 1}`
	bad := `{"@timestamp": "2026-11-20T08:14:01Z", "count": "many"}`
	type wantItem struct {
		op, errType, failureStore, indexPrefix string
		status                                 int
	}
	cases := []struct {
		name     string
		cfg      Config
		template string
		path     string
		body     string
		status   int
		errors   bool
		items    []wantItem
	}{
		{"all created: errors false, items[].create.status 201 in the backing index", Config{}, template, "/_bulk",
			ndjson(`{"create": {"_index": "logs-app-default"}}`, good, `{"create": {"_index": "logs-app-default"}}`, good),
			200, false, []wantItem{{op: "create", status: 201, indexPrefix: ".ds-logs-app-default-"}, {op: "create", status: 201, indexPrefix: ".ds-logs-app-default-"}}},
		{"one rejected among successes: errors true, the item 400 with error.type and failure_store not_enabled", Config{}, template, "/_bulk",
			ndjson(`{"create": {"_index": "logs-app-default"}}`, good, `{"create": {"_index": "logs-app-default"}}`, bad),
			200, true, []wantItem{{op: "create", status: 201}, {op: "create", status: 400, errType: "document_parsing_exception", failureStore: "not_enabled"}}},
		{"failure store: the rejected document is 201 with failure_store used, errors false", Config{}, withFS, "/_bulk",
			ndjson(`{"create": {"_index": "logs-app-default"}}`, good, `{"create": {"_index": "logs-app-default"}}`, bad),
			200, false, []wantItem{{op: "create", status: 201}, {op: "create", status: 201, failureStore: "used", indexPrefix: ".fs-logs-app-default-"}}},
		{"index op_type into a data stream: the item 400 illegal_argument_exception", Config{}, template, "/_bulk",
			ndjson(`{"index": {"_index": "logs-app-default"}}`, good),
			200, true, []wantItem{{op: "index", status: 400, errType: "illegal_argument_exception"}}},
		{"the URL's index is the default _index", Config{}, template, "/logs-app-default/_bulk",
			ndjson(`{"create": {}}`, good),
			200, false, []wantItem{{op: "create", status: 201, indexPrefix: ".ds-logs-app-default-"}}},
		{"OpenSearch: mapper_parsing_exception, no failure_store field", Config{Flavor: OpenSearch}, template, "/_bulk",
			ndjson(`{"create": {"_index": "logs-app-default"}}`, bad),
			200, true, []wantItem{{op: "create", status: 400, errType: "mapper_parsing_exception"}}},
		{"a fault answers the whole request 429", Config{Fault: func(int, []Action) Fault { return Fault{Status: 429} }}, template, "/_bulk",
			ndjson(`{"create": {"_index": "logs-app-default"}}`, good), 429, false, nil},
		{"a fault answers one item 429", Config{Fault: func(int, []Action) Fault { return Fault{Items: []int{429}} }}, template, "/_bulk",
			ndjson(`{"create": {"_index": "logs-app-default"}}`, good, `{"create": {"_index": "logs-app-default"}}`, good),
			200, true, []wantItem{{op: "create", status: 429, errType: "es_rejected_execution_exception"}, {op: "create", status: 201}}},
		{"a source line that is not JSON: 400 for the whole request", Config{}, template, "/_bulk",
			ndjson(`{"create": {"_index": "logs-app-default"}}`, `{not json`), 400, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, tc.cfg)
			st, body, _ := do(t, s, http.MethodPut, "/_index_template/app", tc.template, true)
			require.Equal(t, 200, st, "%s", body)
			st, body, hdr := do(t, s, http.MethodPost, tc.path, tc.body, true)
			require.Equal(t, tc.status, st, "%s", body)
			require.Equal(t, "application/json", hdr.Get("Content-Type"))
			if tc.status != 200 {
				var e struct {
					Error  map[string]any `json:"error"`
					Status int            `json:"status"`
				}
				require.NoError(t, json.Unmarshal(body, &e), "%s", body)
				require.Equal(t, tc.status, e.Status)
				require.NotEmpty(t, e.Error["type"])
				return
			}
			var resp bulkResponse
			require.NoError(t, json.Unmarshal(body, &resp), "%s", body)
			require.NotNil(t, resp.Took)
			require.NotNil(t, resp.Errors)
			require.Equal(t, tc.errors, *resp.Errors)
			require.Len(t, resp.Items, len(tc.items))
			for i, w := range tc.items {
				item, ok := resp.Items[i][w.op]
				require.True(t, ok, "item %d is not under %q: %s", i, w.op, body)
				var status int
				require.NoError(t, json.Unmarshal(item["status"], &status))
				require.Equal(t, w.status, status, "item %d", i)
				require.Contains(t, item, "_index")
				require.Contains(t, item, "_id")
				if w.errType != "" {
					var e map[string]any
					require.NoError(t, json.Unmarshal(item["error"], &e))
					require.Equal(t, w.errType, e["type"])
					require.NotEmpty(t, e["reason"])
				} else {
					require.NotContains(t, item, "error")
					if status == 201 {
						require.JSONEq(t, `"created"`, string(item["result"]))
					}
				}
				if w.failureStore != "" {
					require.JSONEq(t, `"`+w.failureStore+`"`, string(item["failure_store"]))
				} else {
					require.NotContains(t, item, "failure_store")
				}
				if w.indexPrefix != "" {
					var idx string
					require.NoError(t, json.Unmarshal(item["_index"], &idx))
					require.True(t, strings.HasPrefix(idx, w.indexPrefix), "item %d _index %s", i, idx)
				}
			}
		})
	}
}

// TestServerBasics checks authentication, the root endpoint and the
// server's record of what it received.
func TestServerBasics(t *testing.T) {
	var dump bytes.Buffer
	s := startServer(t, Config{TLS: true, Dump: &dump})
	require.NotNil(t, s.Certificate())
	require.Positive(t, s.Port())

	st, body, _ := do(t, s, http.MethodPost, "/_bulk", ndjson(`{"create": {"_index": "x"}}`, `{}`), false)
	require.Equal(t, http.StatusUnauthorized, st, "%s", body)
	require.Contains(t, string(body), "security_exception")

	st, body, hdr := do(t, s, http.MethodGet, "/", "", true)
	require.Equal(t, 200, st)
	require.Equal(t, "Elasticsearch", hdr.Get("X-Elastic-Product"))
	require.Contains(t, string(body), `"number":"8.19.0"`)

	st, body, _ = do(t, s, http.MethodPost, "/_bulk", ndjson(`{"index": {"_index": "plain"}}`, `{"a": 1, "b": {"c": "x"}}`, `{"index": {"_index": "plain"}}`, `{"a": "x"}`), true)
	require.Equal(t, 200, st, "%s", body)
	st, body, _ = do(t, s, http.MethodGet, "/plain/_mapping", "", true)
	require.Equal(t, 200, st)
	require.Contains(t, string(body), `"b.c.keyword":"keyword"`)

	snap := s.Snapshot()
	require.Equal(t, 1, snap.AuthFailures)
	require.Equal(t, 1, snap.InfoCalls)
	require.Len(t, snap.Requests, 1)
	items := snap.Items()
	require.Len(t, items, 2)
	require.Equal(t, 201, items[0].Result.Status)
	require.Equal(t, 400, items[1].Result.Status)
	require.Equal(t, "document_parsing_exception", items[1].Result.Error.Type)
	require.Equal(t, json.Number("1"), items[0].Action.Source["a"])
	require.Contains(t, dump.String(), `{"a": "x"}`)

	st, _, _ = do(t, s, http.MethodGet, "/nowhere/_search", "", true)
	require.Equal(t, http.StatusNotFound, st)

	st, body, _ = do(t, s, http.MethodPut, "/_index_template/bad", `{"index_patterns": ["b-*"], "composed_of": ["missing"]}`, true)
	require.Equal(t, http.StatusBadRequest, st)
	require.Contains(t, string(body), "do not exist")
}
