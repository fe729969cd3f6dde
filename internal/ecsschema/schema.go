package ecsschema

import (
	"bytes"
	_ "embed"
	"strings"
)

//go:embed fields.tsv
var fieldsTSV string

// Fields calls yield with every ECS field and its Elasticsearch type, in
// the order of the field list, until yield returns false.
func Fields(yield func(name, typ string) bool) {
	for line := range strings.Lines(fieldsTSV) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" || line[0] == '#' {
			continue
		}
		if name, typ, ok := strings.Cut(line, "\t"); ok && !yield(name, typ) {
			return
		}
	}
}

// MaxPath bounds a dotted path: longer paths name no ECS field (the
// longest ECS 9.5 field has 66 bytes); it sizes the stack buffers of the
// byte-slice lookups.
const MaxPath = 256

// typeID is a field's type as the value checks know it.
type typeID uint8

const (
	typeOther typeID = iota // a type these checks do not know: nothing fits
	typeString
	typeLong
	typeInteger
	typeShort
	typeByte
	typeUnsignedLong
	typeFloat // float32 range
	typeHalfFloat
	typeDouble // double and scaled_float: any finite float
	typeBoolean
	typeDate
	typeIP
	typeGeoPoint
	typeObject // object or nested with no subfields listed: keyword values
	typeFlattened
	typeParent // a field set, or an object or nested field with subfields
)

var typeIDs = map[string]typeID{
	"keyword": typeString, "constant_keyword": typeString, "wildcard": typeString,
	"text": typeString, "match_only_text": typeString,
	"long": typeLong, "integer": typeInteger, "short": typeShort, "byte": typeByte,
	"unsigned_long": typeUnsignedLong,
	"float":         typeFloat, "half_float": typeHalfFloat, "double": typeDouble, "scaled_float": typeDouble,
	"boolean": typeBoolean, "date": typeDate, "ip": typeIP, "geo_point": typeGeoPoint,
	"object": typeObject, "nested": typeObject, "flattened": typeFlattened,
}

// node is one path of the index: an ECS field (typ set) or a field set or
// intermediate object that only has subfields (typ "").
type node struct {
	typ string // the field's type as fields.tsv writes it; "" for a field set
	id  typeID
}

// index maps every ECS field and every prefix of one to its node. It is
// built once from fields.tsv and never changed.
var index = buildIndex(fieldsTSV)

func buildIndex(tsv string) map[string]node {
	idx := make(map[string]node, 4096)
	for line := range strings.Lines(tsv) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" || line[0] == '#' {
			continue
		}
		name, typ, ok := strings.Cut(line, "\t")
		if !ok || len(name) > MaxPath {
			panic("ecsschema: bad line in fields.tsv: " + line) // generated data, checked by the tests
		}
		id, known := typeIDs[typ]
		if !known {
			id = typeOther
		}
		if old, seen := idx[name]; seen && old.id == typeParent {
			id = typeParent // an object with subfields already listed
		}
		idx[name] = node{typ: typ, id: id}
		for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
			parent := name[:i]
			old, seen := idx[parent]
			if seen && old.id == typeParent {
				break // its parents are in already
			}
			old.id = typeParent
			idx[parent] = old
		}
	}
	return idx
}

// Lookup returns the Elasticsearch type of the ECS field with this dotted
// name ("event.dataset" → "keyword", "labels" → "object"). A field set or
// intermediate object that ECS does not list as a field ("event", "user",
// "user.group") is not found; IsTopLevel knows the top-level ones.
func Lookup(dotted string) (typ string, ok bool) {
	n, found := index[dotted]
	return n.typ, found && n.typ != ""
}

// LookupBytes is Lookup for a name in bytes; it allocates nothing.
func LookupBytes(dotted []byte) (typ string, ok bool) {
	n, found := index[string(dotted)]
	return n.typ, found && n.typ != ""
}

// LookupPath is Lookup for a path given as segments ("event", "dataset"),
// joined with '.'; it allocates nothing (a segment may itself be dotted).
func LookupPath(segments ...[]byte) (typ string, ok bool) {
	var buf [MaxPath]byte
	path := buf[:0]
	for i, s := range segments {
		if len(path)+len(s)+1 > MaxPath {
			return "", false
		}
		if i > 0 {
			path = append(path, '.')
		}
		path = append(path, s...)
	}
	return LookupBytes(path)
}

// IsTopLevel reports whether name is an ECS name at the top of a document:
// a top-level field (@timestamp, message, tags, labels) or field set
// (event, source, user, ecs, data_stream, ...). Exact, case-sensitive.
func IsTopLevel(name []byte) bool {
	if len(name) == 0 || len(name) > MaxPath {
		return false
	}
	for _, c := range name {
		if c == '.' {
			return false
		}
	}
	_, found := index[string(name)]
	return found
}

// tops are the top-level names of the index (IsTopLevel's), by length: the
// first test of ValueIsECS, which most of a vendor's keys fail (a compare
// or two against a map lookup of the whole key).
var tops = func() (t [maxTop + 1][]string) {
	for name := range index {
		if !strings.Contains(name, ".") {
			if len(name) > maxTop {
				panic("ecsschema: a top-level name longer than maxTop: " + name)
			}
			t[len(name)] = append(t[len(name)], name)
		}
	}
	return t
}()

// topFirst and topLast say, by a name's first and last byte, the lengths
// (bit len-1) of the top-level names that start or end with it: a name
// whose bytes and length fit no top-level name is told at once.
var topFirst, topLast = func() (first, last [256]uint32) {
	for l, names := range tops {
		for _, name := range names {
			first[name[0]] |= 1 << (l - 1)
			last[name[l-1]] |= 1 << (l - 1)
		}
	}
	return first, last
}()

// maxTop bounds the length of a top-level ECS name (the longest,
// vulnerability and orchestrator, have 13 and 12 bytes).
const maxTop = 32

// topNamed reports whether the first name of a dotted path (all of it
// without a dot) is a top-level ECS name.
func topNamed(path []byte) bool {
	if i := bytes.IndexByte(path, '.'); i >= 0 {
		path = path[:i]
	}
	if len(path) == 0 || len(path) > maxTop {
		return false
	}
	bit := uint32(1) << (len(path) - 1)
	if topFirst[path[0]]&topLast[path[len(path)-1]]&bit == 0 {
		return false
	}
	for _, name := range tops[len(path)] {
		if string(path) == name {
			return true
		}
	}
	return false
}
