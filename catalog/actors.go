package catalog

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
)

// The actor map says, per vendor, which of the vendor's own record fields
// carry who acted and from where, and which ECS field each becomes
// (user.name, user.id, source.ip, event.provider, observer.hostname,
// host.name). Each vendor's descriptor holds its part ([actor]); user files
// with ActorHeader overlay it, loaded through the same catalog_files as the
// event tables (Load tells them apart by the header).

// ActorHeader lists the columns of an actor map file, in order.
var ActorHeader = []string{"vendor", "field", "source", "ignore", "note"}

// ActorField is an ECS field auditx fills from a record's own fields.
type ActorField uint8

// The actor fields, in the order auditx writes them.
const (
	UserName ActorField = iota
	UserID
	SourceIP
	EventProvider
	ObserverHostname
	HostName
	LogLevel
	NumActorFields
)

var actorFieldNames = [NumActorFields]string{"user.name", "user.id", "source.ip", "event.provider", "observer.hostname", "host.name", "log.level"}

// String returns the ECS name of the field.
func (f ActorField) String() string {
	if f < NumActorFields {
		return actorFieldNames[f]
	}
	return "?"
}

// ActorFieldNames lists the ECS fields an actor map can fill.
func ActorFieldNames() []string { return slices.Clone(actorFieldNames[:]) }

// Limits of an actor map, so that the record scan stays bounded.
const (
	// MaxActorSources bounds the alternatives of one vendor's field.
	MaxActorSources = 4
	// MaxActorPathSegments bounds a source path (as code_key's).
	MaxActorPathSegments = 8
	// MaxActorKeyLen bounds one normalised segment of a source path.
	MaxActorKeyLen = MaxKeyLen
)

// ActorSource is one place of a vendor's record that holds an actor field.
type ActorSource struct {
	// Path is the key path as written in the file, dots for nested maps
	// ("message.username"); keys match like code keys (case-insensitive,
	// spaces, '_' and '-' ignored).
	Path string
	// Ignore lists values (case-insensitive) that are not taken: a Portal
	// "User Id" is SYSTEM when the Portal acts.
	Ignore []string
	// Source and Line say where the row came from.
	Source string
	Line   int
}

// ActorMap holds, per vendor and field, the sources in order: the first
// one present in a record (with a usable value) wins. It is immutable once
// built.
type ActorMap struct {
	fields [][NumActorFields][]ActorSource // by Vendor.Index
}

// Sources returns the sources of one vendor's field, in order. The slice
// is shared and must not be modified.
func (m *ActorMap) Sources(v *Vendor, f ActorField) []ActorSource {
	if m == nil || v == nil || v.Index >= len(m.fields) || f >= NumActorFields {
		return nil
	}
	return m.fields[v.Index][f]
}

// actorRow is one parsed row.
type actorRow struct {
	vendor *Vendor
	field  ActorField
	src    ActorSource // Path "" switches the field off for the vendor
}

// parseActors reads an actor map file (CSV with ActorHeader) and returns
// its rows, validated: known vendor, known field, a key path of at most
// MaxActorPathSegments segments (or empty: the vendor's field is switched
// off), at most MaxActorSources sources per vendor and field. name is used
// in errors.
func parseActors(name string, data []byte, vs *VendorSet) ([]actorRow, error) {
	fail := func(line int, col string, err error) ([]actorRow, error) {
		return nil, &FileError{File: name, Line: line, Column: col, Err: err}
	}
	if len(data) > MaxFileBytes {
		return fail(0, "", fmt.Errorf("file is %d bytes, over the limit of %d", len(data), MaxFileBytes))
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return fail(1, "", csvProblem(err))
	}
	if strings.Join(header, ",") != strings.Join(ActorHeader, ",") {
		return fail(1, "", fmt.Errorf("header is %q, expected %q", strings.Join(header, ","), strings.Join(ActorHeader, ",")))
	}
	var rows []actorRow
	count := map[[2]int]int{}
	for {
		rec, line, done, err := nextRecord(r, ActorHeader)
		if done {
			break
		}
		if err != nil {
			return fail(line, "", err)
		}
		get := func(i int) string { return strings.TrimSpace(rec[i]) }
		var row actorRow
		if row.vendor, err = vs.Lookup(get(0)); err != nil {
			return fail(line, "vendor", err)
		}
		i := slices.Index(actorFieldNames[:], get(1))
		if i < 0 {
			return fail(line, "field", fmt.Errorf("%q is not a field auditx fills (accepted: %s)", get(1), strings.Join(actorFieldNames[:], ", ")))
		}
		row.field = ActorField(i)
		row.src = ActorSource{Path: get(2), Source: name, Line: line}
		if row.src.Path != "" {
			if err := CheckPath(row.src.Path); err != nil {
				return fail(line, "source", err)
			}
		}
		if ig := get(3); ig != "" {
			row.src.Ignore = splitList(ig)
		}
		k := [2]int{row.vendor.Index, int(row.field)}
		if count[k]++; count[k] > MaxActorSources {
			return fail(line, "source", fmt.Errorf("more than %d sources for %s %s", MaxActorSources, row.vendor, row.field))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// NormalizeKey is the key matching of auditx (enrich's normKey): ASCII
// letters lower-cased, ' ', '_' and '-' dropped, so "User Id", "user_id"
// and "userId" read alike.
func NormalizeKey(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '_' || c == '-':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// descriptorActors returns the actor sources of the vendors' descriptors
// as rows: the base the user's actor files overlay.
func descriptorActors(vs *VendorSet) []actorRow {
	var rows []actorRow
	for _, v := range vs.Vendors() {
		for f := range v.Actor {
			for _, src := range v.Actor[f] {
				rows = append(rows, actorRow{vendor: v, field: ActorField(f), src: src})
			}
		}
	}
	return rows
}

// buildActors overlays row sets in order: the rows of a later set for one
// vendor and field replace all earlier rows of that vendor and field (a
// row with an empty source switches the field off).
func buildActors(vs *VendorSet, sets [][]actorRow) *ActorMap {
	m := &ActorMap{fields: make([][NumActorFields][]ActorSource, vs.Len()+1)}
	for _, rows := range sets {
		replaced := make([][NumActorFields]bool, vs.Len()+1)
		for _, r := range rows {
			v := r.vendor.Index
			if !replaced[v][r.field] {
				replaced[v][r.field] = true
				m.fields[v][r.field] = nil
			}
			if r.src.Path != "" {
				m.fields[v][r.field] = append(m.fields[v][r.field], r.src)
			}
		}
	}
	return m
}

// WatchedKeys lists the distinct top-level keys (normalised) that the
// vendors' descriptors and the actor map read, in first-use order.
func WatchedKeys(vs *VendorSet, actors *ActorMap) []string {
	var keys []string
	add := func(path string) {
		k := NormalizeKey(strings.Split(path, ".")[0])
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, v := range vs.Vendors() {
		for _, r := range v.Detect {
			for _, k := range r.Keys {
				add(k)
			}
		}
		for _, list := range [][]string{v.Code.Fields, v.Code.Join, v.Outcome.Fields, v.Severity.Fields} {
			for _, p := range list {
				add(p)
			}
		}
		for _, t := range v.Time {
			add(t.Field)
		}
		for f := ActorField(0); f < NumActorFields; f++ {
			for _, s := range actors.Sources(v, f) {
				add(s.Path)
			}
		}
	}
	return keys
}

// checkWatchedKeys refuses more than MaxWatchedKeys watched keys.
func checkWatchedKeys(vs *VendorSet, actors *ActorMap) error {
	if n := len(WatchedKeys(vs, actors)); n > MaxWatchedKeys {
		return fmt.Errorf("the vendors' descriptors and actor maps read %d distinct top-level keys, over the limit of %d watched keys: remove vendors or alternatives", n, MaxWatchedKeys)
	}
	return nil
}

// Actors returns the catalog's actor map: the embedded one overlaid with
// the user actor files among the catalog files.
func (c *Catalog) Actors() *ActorMap { return c.actors }

// isActorFile reports whether data starts with the actor map header.
func isActorFile(data []byte) bool {
	data = bytes.TrimPrefix(data, utf8BOM)
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return strings.TrimRight(string(line), "\r") == strings.Join(ActorHeader, ",")
}

// ReadActorFile reads and validates one user actor map file against the
// vendors of vs; ok is false (and err nil) when the file is not an actor map
// (its header is not ActorHeader): then it is a descriptor or an event
// table.
func ReadActorFile(path string, vs *VendorSet) (rows int, ok bool, err error) {
	data, err := readUserFile(path)
	if err != nil || !isActorFile(data) {
		return 0, false, nil // ReadFile reports it
	}
	r, err := parseActors(path, data, vs)
	return len(r), true, err
}
