package bulktest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// The _bulk wire format (docs, "Bulk API"): newline-delimited JSON, an
// action line ({"create": {"_index": ..., "_id": ...}}) and, for create
// and index, a source line; the response has "took", "errors" (true when
// any item failed) and one item per action, under the action's name, with
// its status and either the result or an error object.

// ParseBulk reads a _bulk body. defaultIndex is the index of the URL
// (/<index>/_bulk), used by actions that name none. Only create and index
// are supported; another action is an error, as a body without a source
// line or with a line that is not JSON.
func ParseBulk(body io.Reader, defaultIndex string) ([]Action, error) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var out []Action
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var action map[string]map[string]any
		if err := json.Unmarshal(line, &action); err != nil || len(action) != 1 {
			return nil, fmt.Errorf("malformed action/metadata line [%d], expected a simple value for field [%s] but found [START_OBJECT]: %q", len(out)*2+1, line, line)
		}
		var a Action
		for op, meta := range action {
			a.Op = op
			a.Index, _ = meta["_index"].(string)
			a.ID, _ = meta["_id"].(string)
		}
		if a.Index == "" {
			a.Index = defaultIndex
		}
		if a.Op != "create" && a.Op != "index" {
			return nil, fmt.Errorf("bulktest: unsupported bulk action %q (the model takes create and index)", a.Op)
		}
		if !sc.Scan() {
			return nil, fmt.Errorf("the bulk request must be terminated by a newline [\\n]: action without a source line")
		}
		a.Raw = append([]byte(nil), sc.Bytes()...)
		dec := json.NewDecoder(bytes.NewReader(a.Raw))
		dec.UseNumber()
		if err := dec.Decode(&a.Source); err != nil {
			return nil, fmt.Errorf("bulktest: bad source line: %v", err)
		}
		a.DuplicateKey = DuplicateKey(a.Raw)
		out = append(out, a)
	}
	return out, sc.Err()
}

// DuplicateKey returns the first key that occurs twice in one JSON object
// of src, or "".
func DuplicateKey(src []byte) string {
	dec := json.NewDecoder(bytes.NewReader(src))
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool // the next string token of an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.key {
			if k, ok := tok.(string); ok {
				if top.keys[k] {
					return k
				}
				top.keys[k] = true
				top.key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{obj: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the next token of an enclosing object is a key.
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].key = true
		}
	}
}

// ItemResponse renders one bulk item as Elasticsearch does, under its
// action's name:
//
//	{"create": {"_index": ".ds-logs-x-2026.12.01-000001", "_id": "...",
//	  "_version": 1, "result": "created", "_shards": {...},
//	  "_seq_no": 0, "_primary_term": 1, "status": 201}}
//	{"create": {"_index": "...", "_id": "...", "status": 400,
//	  "error": {"type": "document_parsing_exception", "reason": "..."},
//	  "failure_store": "not_enabled"}}
//
// A document stored in the failure store is a success with
// "failure_store": "used" (REST test 190_failure_store_redirection.yml).
func ItemResponse(op string, r Result, seqNo int) map[string]any {
	item := map[string]any{"_index": r.Index, "_id": r.ID, "status": r.Status}
	if r.Error == nil {
		item["_version"] = 1
		item["result"] = "created"
		item["_shards"] = map[string]any{"total": 2, "successful": 1, "failed": 0}
		item["_seq_no"] = seqNo
		item["_primary_term"] = 1
	} else {
		item["error"] = r.Error.wire()
	}
	if r.FailureStore != "" {
		item["failure_store"] = r.FailureStore
	}
	return map[string]any{op: item}
}

// BulkResponse renders a whole bulk response.
func BulkResponse(took int, items []map[string]any, errors bool) []byte {
	if items == nil {
		items = []map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"took": took, "errors": errors, "items": items})
	return append(b, '\n')
}
