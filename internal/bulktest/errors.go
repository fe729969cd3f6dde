package bulktest

import (
	"fmt"
	"sort"
	"strings"
)

// Error is an Elasticsearch error object as a bulk item or a whole
// response carries it: {"type": ..., "reason": ..., "caused_by": {...}}.
type Error struct {
	// Type is the exception's snake_case name, e.g.
	// document_parsing_exception, strict_dynamic_mapping_exception,
	// illegal_argument_exception, mapper_parsing_exception.
	Type string
	// Reason is the message.
	Reason string
	// Field is the dotted path the error is about, "" when none (not sent
	// on the wire: for tests).
	Field string
	// CausedBy is the underlying error, or nil.
	CausedBy *Error
}

// Error returns "type: reason".
func (e *Error) Error() string {
	s := e.Type + ": " + e.Reason
	if e.CausedBy != nil {
		s += " (caused by " + e.CausedBy.Error() + ")"
	}
	return s
}

// wire is the JSON form.
func (e *Error) wire() map[string]any {
	out := map[string]any{"type": e.Type, "reason": e.Reason}
	if e.CausedBy != nil {
		out["caused_by"] = e.CausedBy.wire()
	}
	return out
}

// preview renders a value as Elasticsearch's "Preview of field's value"
// does: Java's toString of the parsed value ({k=v, ...} for a map, [a, b]
// for a list).
func preview(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := sortedKeys(x)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + preview(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = preview(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case nil:
		return "null"
	}
	s, _ := scalarText(v)
	return s
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func errorf(typ, field, format string, args ...any) *Error {
	return &Error{Type: typ, Field: field, Reason: fmt.Sprintf(format, args...)}
}
