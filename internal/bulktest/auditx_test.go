package bulktest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The records auditx ships today, against the rules above: the failures
// the layout without a namespace meets, and the layout that avoids them (the vendor's record
// under a flattened <vendor>.audit namespace).

var sampleVendors = []string{"filingbox", "plusauth", "privx", "netop"}

// samples reads testdata/samples/<vendor>.log (numbers as json.Number).
func samples(t *testing.T, vendor string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "samples", vendor+".log"))
	require.NoError(t, err)
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var m map[string]any
		require.NoError(t, dec.Decode(&m), "%s: %s", vendor, line)
		out = append(out, m)
	}
	return out
}

// sample returns the first record of a vendor for which keep is true.
func sample(t *testing.T, vendor string, keep func(map[string]any) bool) map[string]any {
	t.Helper()
	for _, r := range samples(t, vendor) {
		if keep(r) {
			return r
		}
	}
	t.Fatalf("no %s sample of that shape", vendor)
	return nil
}

func withTimestamp(rec map[string]any) map[string]any {
	out := map[string]any{"@timestamp": "2026-11-20T08:14:00.000Z"}
	for k, v := range rec {
		out[k] = v
	}
	return out
}

func put(c *Cluster, index string, doc map[string]any) Result {
	raw, _ := json.Marshal(doc)
	return c.Write(Action{Op: "create", Index: index, Source: doc, Raw: raw})
}

// TestAuditxRecordsToday pins the rejections auditx's records meet today
// when their vendor fields share the top level with ECS.
func TestAuditxRecordsToday(t *testing.T) {
	privx := sample(t, "privx", func(r map[string]any) bool { _, ok := r["message"].(map[string]any); return ok })
	plusauth := sample(t, "plusauth", func(r map[string]any) bool { _, ok := r["message"].(string); return ok })
	netop := sample(t, "netop", func(r map[string]any) bool { _, ok := r["action_timestamp"]; return ok })
	netopSource := sample(t, "netop", func(r map[string]any) bool { _, ok := r["source"].(string); return ok })
	filingboxUser := sample(t, "filingbox", func(r map[string]any) bool { _, ok := r["user"].(string); return ok })
	filingboxIP := sample(t, "filingbox", func(r map[string]any) bool { _, ok := r["client_ip"].(string); return ok })
	ecsUser := map[string]any{"@timestamp": "2026-11-20T08:14:00Z", "user": map[string]any{"name": "m.rossi"}}
	ecsSource := map[string]any{"@timestamp": "2026-11-20T08:14:00Z", "source": map[string]any{"ip": "198.51.100.23"}}

	cases := []struct {
		name    string
		product Product
		docs    []map[string]any
		status  []int
		reason  string
	}{
		{"PrivX's object message where logs@mappings/ecs@mappings make message match_only_text (8.12): rejected",
			esAt("8.12"), []map[string]any{withTimestamp(privx)}, []int{400}, "failed to parse field [message] of type [match_only_text]"},
		{"PrivX's object message after a string message (PlusAuth's) in one stream (8.19): rejected",
			es819, []map[string]any{withTimestamp(plusauth), withTimestamp(privx)}, []int{201, 400}, "failed to parse field [message] of type [match_only_text]"},
		{"PrivX's object message first (8.19, unmatch_mapping_type object): ECS's string message is rejected after it",
			es819, []map[string]any{withTimestamp(privx), withTimestamp(plusauth)}, []int{201, 400}, "object mapping for [message] tried to parse field [message] as object"},
		{"Netop's string source, then an ECS source.ip object: rejected",
			es819, []map[string]any{withTimestamp(netopSource), ecsSource}, []int{201, 400}, "failed to parse field [source] of type [keyword]"},
		{"an ECS source.ip object, then Netop's string source: rejected",
			es819, []map[string]any{ecsSource, withTimestamp(netopSource)}, []int{201, 400}, "object mapping for [source] tried to parse field [source] as object, but found a concrete value"},
		{"FilingBox's string user, then the ECS user object: rejected",
			es819, []map[string]any{withTimestamp(filingboxUser), ecsUser}, []int{201, 400}, "failed to parse field [user] of type [keyword]"},
		{"the ECS user object, then FilingBox's string user: rejected (the 8 FilingBox documents the DaemonSet e2e lost before the vendor namespace)",
			es819, []map[string]any{ecsUser, withTimestamp(filingboxUser)}, []int{201, 400}, "object mapping for [user] tried to parse field [user] as object, but found a concrete value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCluster(tc.product)
			var last Result
			for i, d := range tc.docs {
				last = put(c, "logs-auditx.test-default", d)
				require.Equal(t, tc.status[i], last.Status, "document %d: %+v", i+1, last.Error)
			}
			require.Contains(t, last.Error.Reason, tc.reason)
		})
	}

	t.Run("Netop's epoch-seconds action_timestamp is made a date by *_timestamp and read as milliseconds: 1970", func(t *testing.T) {
		c := NewCluster(es819)
		r := put(c, "logs-netop.audit-default", withTimestamp(netop))
		require.Equal(t, 201, r.Status, "%+v", r.Error)
		require.Equal(t, "date", c.Mapping("logs-netop.audit-default").FieldType("action_timestamp"))
		secs, err := netop["action_timestamp"].(json.Number).Int64()
		require.NoError(t, err)
		got := r.Indexed.Dates["action_timestamp"][0]
		require.Equal(t, time.UnixMilli(secs).UTC(), got)
		require.Equal(t, 1970, got.Year(), "the vendor's %d seconds are %s", secs, got)
	})
	t.Run("FilingBox's client_ip is made an ip by *_ip: a value that is no address is malformed", func(t *testing.T) {
		c := NewCluster(es819)
		r := put(c, "logs-filingbox.audit-default", withTimestamp(filingboxIP))
		require.Equal(t, 201, r.Status, "%+v", r.Error)
		require.Equal(t, "ip", c.Mapping("logs-filingbox.audit-default").FieldType("client_ip"))
		bad := withTimestamp(filingboxIP)
		bad["client_ip"] = "unknown"
		r = put(c, "logs-filingbox.audit-default", bad)
		require.Equal(t, 201, r.Status, "logs@settings' ignore_malformed keeps the document")
		require.Contains(t, r.Indexed.Ignored, "client_ip")
	})
}

// auditxNextTemplate is the vendor namespace layout, as a test template:
// Elastic's built-ins composed by name, the failure store on, and each
// vendor's record under <vendor>.audit mapped flattened (OpenSearch:
// flat_object), so no shape of it can conflict and no built-in dynamic
// template reaches inside it.
func auditxNextTemplate(flat string) string {
	ns := map[string]any{}
	for _, v := range sampleVendors {
		ns[v] = map[string]any{"properties": map[string]any{"audit": map[string]any{"type": flat}}}
	}
	body := map[string]any{
		"index_patterns": []string{"logs-filingbox.audit-*", "logs-plusauth.audit-*", "logs-privx.audit-*", "logs-netop.audit-*", "logs-auditx.all-*"},
		"priority":       200,
		"data_stream":    map[string]any{},
		"template": map[string]any{
			"mappings":            map[string]any{"properties": ns},
			"data_stream_options": map[string]any{"failure_store": map[string]any{"enabled": true}},
		},
	}
	if flat == "flattened" {
		body["composed_of"] = []string{LogsMappings, LogsSettings, ECSMappings}
	} else {
		delete(body["template"].(map[string]any), "data_stream_options")
	}
	b, _ := json.Marshal(body)
	return string(b)
}

// moved is a sample record in the new layout: the vendor's record whole
// under <vendor>.audit, ECS at the top.
func moved(vendor, stream string, rec map[string]any, i int) map[string]any {
	// A stream's data_stream.dataset is a constant_keyword (logs@mappings):
	// the dataset of the stream the document goes to.
	dataset := strings.TrimSuffix(strings.TrimPrefix(stream, "logs-"), "-default")
	return map[string]any{
		"@timestamp":  time.Date(2026, 11, 20, 8, 14, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano),
		"message":     "an ECS message string",
		"event":       map[string]any{"module": vendor, "dataset": vendor + ".audit", "created": "2026-11-20T08:15:00Z"},
		"user":        map[string]any{"name": "m.rossi"},
		"source":      map[string]any{"ip": "198.51.100.23"},
		"data_stream": map[string]any{"type": "logs", "dataset": dataset, "namespace": "default"},
		vendor:        map[string]any{"audit": rec},
	}
}

// TestAuditxNamespaceWayOut pins the way out: every bundled sample record,
// in every export shape, is accepted once its vendor fields sit under a
// flattened (flat_object) namespace, in its vendor's stream and even in one
// stream for all vendors, and no vendor field is typed by a built-in
// dynamic template (no 1970 action_timestamp, no ip client_ip).
func TestAuditxNamespaceWayOut(t *testing.T) {
	cases := []struct {
		name    string
		product Product
		flat    string
		stream  func(vendor string) string
	}{
		{"Elasticsearch 8.19, flattened, one stream per vendor", es819, "flattened", func(v string) string { return "logs-" + v + ".audit-default" }},
		{"Elasticsearch 8.19, flattened, all vendors in one stream", es819, "flattened", func(string) string { return "logs-auditx.all-default" }},
		{"Elasticsearch 9.1, flattened, all vendors in one stream", esAt("9.1"), "flattened", func(string) string { return "logs-auditx.all-default" }},
		{"OpenSearch 2.19, flat_object, one stream per vendor", os219, "flat_object", func(v string) string { return "logs-" + v + ".audit-default" }},
		{"OpenSearch 2.19, flat_object, all vendors in one stream", os219, "flat_object", func(string) string { return "logs-auditx.all-default" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCluster(tc.product)
			require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "auditx", auditxNextTemplate(tc.flat))))
			total := 0
			for _, v := range sampleVendors {
				recs := samples(t, v)
				for i, rec := range recs {
					r := put(c, tc.stream(v), moved(v, tc.stream(v), rec, i))
					require.Equal(t, 201, r.Status, "%s:%d: %+v", v, i+1, r.Error)
					require.Empty(t, r.FailureStore, "%s:%d went to the failure store: %+v", v, i+1, r.Failure)
					for path := range r.Indexed.Dates {
						require.False(t, strings.HasPrefix(path, v+"."), "%s:%d: %s typed as a date", v, i+1, path)
					}
					require.Equal(t, time.Date(2026, 11, 20, 8, 14, i, 0, time.UTC), r.Indexed.Dates["@timestamp"][0])
					total++
				}
				m := c.Mapping(tc.stream(v))
				require.Equal(t, tc.flat, m.FieldType(v+".audit"))
				require.Equal(t, "", m.FieldType(v+".audit.action_timestamp"))
				require.Equal(t, "", m.FieldType(v+".audit.client_ip"))
			}
			require.Equal(t, 127, total, "the bundled samples")
		})
	}
	t.Run("both FilingBox shapes and Netop's two spellings land in one stream", func(t *testing.T) {
		c := NewCluster(es819)
		require.NoError(t, c.PutIndexTemplate(indexTemplate(t, "auditx", auditxNextTemplate("flattened"))))
		shapes := map[string]bool{}
		for i, rec := range samples(t, "filingbox") {
			_, snake := rec["user"].(string)
			shapes[map[bool]string{true: "snake", false: "title"}[snake]] = true
			require.Equal(t, 201, put(c, "logs-filingbox.audit-default", moved("filingbox", "logs-filingbox.audit-default", rec, i)).Status)
		}
		require.Len(t, shapes, 2, "the samples hold both FilingBox export shapes")
	})
}
