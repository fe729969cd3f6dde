package bulktest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func write(t *testing.T, c *Cluster, index, op, doc string) Result {
	t.Helper()
	raw := []byte(doc)
	return c.Write(Action{Op: op, Index: index, Source: obj(t, doc), Raw: raw, DuplicateKey: DuplicateKey(raw)})
}

func indexTemplate(t *testing.T, name, body string) *IndexTemplate {
	t.Helper()
	it, err := ParseIndexTemplate(name, []byte(body))
	require.NoError(t, err)
	return it
}

func componentTemplate(t *testing.T, name, body string) *ComponentTemplate {
	t.Helper()
	ct, err := ParseComponentTemplate(name, []byte(body))
	require.NoError(t, err)
	return ct
}

// TestTemplates pins how index templates are chosen and composed (docs,
// "Index templates", "Create or update an index template API", "Create or
// update a component template API").
func TestTemplates(t *testing.T) {
	t.Run("the matching template of highest priority applies", func(t *testing.T) {
		c := NewCluster(es819)
		require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "low", `{"index_patterns": ["app-*"], "priority": 10, "template": {"mappings": {"properties": {"x": {"type": "keyword"}}}}}`)))
		require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "high", `{"index_patterns": ["app-a*"], "priority": 20, "template": {"mappings": {"properties": {"x": {"type": "long"}}}}}`)))
		require.Equal(t, "high", c.Match("app-a1").Name)
		require.Equal(t, "low", c.Match("app-b1").Name)
		require.Nil(t, c.Match("other"))
		require.Equal(t, http.StatusBadRequest, write(t, c, "app-a1", "index", `{"x": "word"}`).Status)
		require.Equal(t, http.StatusCreated, write(t, c, "app-b1", "index", `{"x": "word"}`).Status)
	})
	t.Run("auditx's priority 200 overrides the built-in logs template (priority 100) for its streams", func(t *testing.T) {
		c := NewCluster(es819)
		require.Equal(t, LogsTemplate, c.Match("logs-privx.audit-default").Name)
		require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "auditx", `{"index_patterns": ["logs-privx.audit-*"], "priority": 200, "data_stream": {}, "template": {}}`)))
		require.Equal(t, "auditx", c.Match("logs-privx.audit-default").Name)
		require.Equal(t, LogsTemplate, c.Match("logs-other-default").Name)
	})
	t.Run("overlapping patterns at the same priority are refused", func(t *testing.T) {
		c := NewCluster(es819)
		err := c.PutIndexTemplate(indexTemplate(t, "same", `{"index_patterns": ["logs-privx.audit-*"], "priority": 100, "template": {}}`))
		require.ErrorContains(t, err, "that have the same priority [100]")
	})
	t.Run("a missing component template is refused unless listed as ignorable", func(t *testing.T) {
		c := NewCluster(es819)
		err := c.PutIndexTemplate(indexTemplate(t, "t", `{"index_patterns": ["x-*"], "composed_of": ["nope"]}`))
		require.ErrorContains(t, err, "specifies component templates [nope] that do not exist")
		require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "t", `{"index_patterns": ["x-*"], "composed_of": ["nope"], "ignore_missing_component_templates": ["nope"]}`)))
	})
	t.Run("components merge in order, the index template last: properties by field, dynamic templates by name in place, settings replaced", func(t *testing.T) {
		c := NewCluster(es819)
		require.NoError(t, c.PutComponentTemplate(componentTemplate(t, "a", `{"template": {"settings": {"index.mapping.ignore_malformed": true},
			"mappings": {"dynamic_templates": [{"s": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}}, {"l": {"match_mapping_type": "long", "mapping": {"type": "keyword"}}}],
			"properties": {"o": {"properties": {"a": {"type": "long"}, "b": {"type": "long"}}}}}}}`)))
		require.NoError(t, c.PutComponentTemplate(componentTemplate(t, "b", `{"template": {"settings": {"index": {"mapping": {"ignore_malformed": false}}},
			"mappings": {"dynamic_templates": [{"s": {"match_mapping_type": "string", "mapping": {"type": "text"}}}],
			"properties": {"o": {"properties": {"b": {"type": "keyword"}}}}}}}`)))
		it := indexTemplate(t, "t", `{"index_patterns": ["x-*"], "composed_of": ["a", "b"], "template": {"mappings": {"properties": {"o": {"properties": {"c": {"type": "ip"}}}}}}}`)
		require.NoError(t, c.PutIndexTemplate(it))
		m, err := c.MappingFromTemplate(it)
		require.NoError(t, err)
		require.Equal(t, "long", m.FieldType("o.a"))
		require.Equal(t, "keyword", m.FieldType("o.b"))
		require.Equal(t, "ip", m.FieldType("o.c"))
		res, err := m.Index("1", obj(t, `{"s": "x", "n": 1}`))
		require.NoError(t, err)
		require.Empty(t, res.Ignored)
		require.Equal(t, "text", m.FieldType("s"), "template s replaced by b's")
		require.Equal(t, "keyword", m.FieldType("n"), "template l kept")
		_, err = m.Index("2", obj(t, `{"o": {"a": "x"}}`))
		require.ErrorContains(t, err, "of type [long]", "b's ignore_malformed false replaced a's true")
	})
	t.Run("an index template's unknown top-level key is refused", func(t *testing.T) {
		_, err := ParseIndexTemplate("t", []byte(`{"index_patterns": ["x"], "mapping": {}}`))
		require.Error(t, err)
	})
}

// TestDataStreams pins writes to data streams (docs, "Data streams": create
// only, @timestamp required and mapped as a date; REST tests
// data_stream/10_basic.yml and 30_auto_create_data_stream.yml).
func TestDataStreams(t *testing.T) {
	ds := `{"index_patterns": ["logs-app-*"], "priority": 200, "data_stream": {}, "template": {"mappings": {"properties": {"n": {"type": "long"}}}}}`
	cases := []struct {
		name       string
		index, op  string
		doc        string
		status     int
		errType    string
		reason     string
		backingPfx string
	}{
		{"create into a data stream: 201 in its backing index .ds-<stream>-<date>-000001", "logs-app-default", "create",
			`{"@timestamp": "2026-11-20T08:14:00Z", "n": 1}`, 201, "", "", ".ds-logs-app-default-"},
		{"index op_type into a data stream: 400 illegal_argument_exception", "logs-app-default", "index",
			`{"@timestamp": "2026-11-20T08:14:00Z"}`, 400, "illegal_argument_exception", "only write ops with an op_type of create are allowed in data streams", ""},
		{"a document without @timestamp: 400", "logs-app-default", "create",
			`{"n": 1}`, 400, "document_parsing_exception", "data stream timestamp field [@timestamp] is missing", ""},
		{"@timestamp is mapped as a date when the template does not map it: a word is rejected", "logs-app-default", "create",
			`{"@timestamp": "today"}`, 400, "document_parsing_exception", "failed to parse field [@timestamp] of type [date]", ""},
		{"two @timestamp values: 400", "logs-app-default", "create",
			`{"@timestamp": ["2026-11-20T08:14:00Z", "2026-11-21T08:14:00Z"]}`, 400, "document_parsing_exception", "encountered multiple values", ""},
		{"a key twice in one object: 400 (strict duplicate detection)", "logs-app-default", "create",
			`{"@timestamp": "2026-11-20T08:14:00Z", "n": 1, "n": 2}`, 400, "document_parsing_exception", "Duplicate field 'n'", ""},
		{"a plain index takes index and needs no @timestamp", "app-1", "index", `{"n": 1}`, 201, "", "", "app-1"},
		{"an invalid index name: 400", "App", "create", `{"n": 1}`, 400, "invalid_index_name_exception", "must be lowercase", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCluster(es819)
			require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "app", ds)))
			r := write(t, c, tc.index, tc.op, tc.doc)
			require.Equal(t, tc.status, r.Status, "%+v", r.Error)
			if tc.errType != "" {
				require.Equal(t, tc.errType, r.Error.Type)
				require.Contains(t, r.Error.Reason, tc.reason)
			} else {
				require.Nil(t, r.Error)
				require.Contains(t, r.Index, tc.backingPfx)
			}
		})
	}
	t.Run("a rejected document leaves no field behind", func(t *testing.T) {
		c := NewCluster(es819)
		require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "app", ds)))
		require.Equal(t, 400, write(t, c, "logs-app-default", "create", `{"new_field": "x"}`).Status)
		require.Equal(t, "", c.Mapping("logs-app-default").FieldType("new_field"))
	})
	t.Run("the stored @timestamp instant is exposed", func(t *testing.T) {
		c := NewCluster(es819)
		require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "app", ds)))
		r := write(t, c, "logs-app-default", "create", `{"@timestamp": 1763626443}`)
		require.Equal(t, 201, r.Status)
		require.Equal(t, "1970-01-21T09:53:46.443Z", r.Indexed.Dates["@timestamp"][0].Format("2006-01-02T15:04:05.000Z07:00"),
			"a Unix-seconds @timestamp is read as milliseconds")
	})
}

// TestFailureStore pins the failure store (docs, "Failure store", GA in
// 8.19 and 9.1; REST test data_stream/190_failure_store_redirection.yml;
// elastic/elasticsearch PR #112816 for the failure_store item field).
func TestFailureStore(t *testing.T) {
	withFS := `{"index_patterns": ["logs-app-*"], "priority": 200, "data_stream": {}, "template": {"mappings": {"properties": {"count": {"type": "long"}}}, "data_stream_options": {"failure_store": {"enabled": true}}}}`
	withoutFS := `{"index_patterns": ["logs-app-*"], "priority": 200, "data_stream": {}, "template": {"mappings": {"properties": {"count": {"type": "long"}}}}}`
	preview := `{"index_patterns": ["logs-app-*"], "priority": 200, "data_stream": {"failure_store": true}, "template": {"mappings": {"properties": {"count": {"type": "long"}}}}}`
	bad := `{"@timestamp": "2020-12-12", "count": "invalid value"}`
	cases := []struct {
		name         string
		product      Product
		template     string
		status       int
		failureStore string
		indexPrefix  string
		errType      string
	}{
		{"enabled (8.19): a mapping failure is stored in .fs-<stream>-<date>-000002 and answered 201 with failure_store used",
			es819, withFS, 201, "used", ".fs-logs-app-default-", ""},
		{"enabled (9.1): the same", esAt("9.1"), withFS, 201, "used", ".fs-logs-app-default-", ""},
		{"the 8.15-8.18 preview syntax data_stream.failure_store: true, on 8.19", es819, preview, 201, "used", ".fs-logs-app-default-", ""},
		{"not enabled (8.19): 400 document_parsing_exception with failure_store not_enabled",
			es819, withoutFS, 400, "not_enabled", ".ds-logs-app-default-", "document_parsing_exception"},
		{"8.18, technical preview (not modelled): the template's flag is not honoured, 400", esAt("8.18"), withFS, 400, "not_enabled", ".ds-logs-app-default-", "document_parsing_exception"},
		{"9.0, technical preview (not modelled): 400", esAt("9.0"), withFS, 400, "not_enabled", ".ds-", "document_parsing_exception"},
		{"8.15 reports no failure_store field", esAt("8.15"), withoutFS, 400, "", ".ds-", "document_parsing_exception"},
		{"OpenSearch has none: 400 mapper_parsing_exception, no failure_store field", os219, withFS, 400, "", ".ds-", "mapper_parsing_exception"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCluster(tc.product)
			require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "app", tc.template)))
			require.Equal(t, 201, write(t, c, "logs-app-default", "create", `{"@timestamp": "2020-12-12", "count": 1}`).Status)
			r := write(t, c, "logs-app-default", "create", bad)
			require.Equal(t, tc.status, r.Status)
			require.Equal(t, tc.failureStore, r.FailureStore)
			require.Contains(t, r.Index, tc.indexPrefix)
			if tc.errType != "" {
				require.Equal(t, tc.errType, r.Error.Type)
				require.Contains(t, r.Error.Reason, "failed to parse field [count] of type [long] in document with id")
			} else {
				require.Nil(t, r.Error)
				require.Contains(t, r.Failure.Reason, "Preview of field's value: 'invalid value'", "the failure document's error.message")
				require.Contains(t, r.Index, "-000002", "the failure index is the stream's next generation")
			}
		})
	}
	t.Run("op_type index is refused before the failure store", func(t *testing.T) {
		c := NewCluster(es819)
		require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "app", withFS)))
		r := write(t, c, "logs-app-default", "index", `{"@timestamp": "2020-12-12"}`)
		require.Equal(t, 400, r.Status)
		require.Equal(t, "", r.FailureStore)
	})
	t.Run("a document without @timestamp goes to the failure store", func(t *testing.T) {
		c := NewCluster(es819)
		require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "app", withFS)))
		r := write(t, c, "logs-app-default", "create", `{"count": 1}`)
		require.Equal(t, "used", r.FailureStore)
		require.Contains(t, r.Failure.Reason, "data stream timestamp field [@timestamp] is missing")
		require.Equal(t, []Target{{Name: "logs-app-default", DataStream: true, FailureStore: true, Docs: 0, Failed: 1}}, c.Targets())
	})
}
