package catalog

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strings"
)

// The actor map says, per vendor, which of the vendor's own record fields
// carry who acted and from where, and which ECS field each becomes
// (user.name, user.id, source.ip, event.provider, observer.hostname,
// host.name). It is kept beside the event tables (data/actors.csv) and
// overlaid by user files with ActorHeader, loaded through the same
// catalog_files as the event tables (Load tells them apart by the header).

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
	NumActorFields
)

var actorFieldNames = [NumActorFields]string{"user.name", "user.id", "source.ip", "event.provider", "observer.hostname", "host.name"}

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
	MaxActorKeyLen = 32
	// MaxActorTopKeys bounds the distinct top-level keys (normalised) that
	// the whole map reads: each is one more key the record scan watches.
	MaxActorTopKeys = 10
)

// ActorSource is one place of a vendor's record that holds an actor field.
type ActorSource struct {
	// Path is the key path as written in the file, dots for nested maps
	// ("message.username"); keys match like code keys (case-insensitive,
	// spaces, '_' and '-' ignored).
	Path string
	// Ignore lists values (case-insensitive) that are not taken: Netop's
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
	fields [NumVendors][NumActorFields][]ActorSource
}

// Sources returns the sources of one vendor's field, in order. The slice
// is shared and must not be modified.
func (m *ActorMap) Sources(v Vendor, f ActorField) []ActorSource {
	if m == nil || int(v) >= NumVendors || f >= NumActorFields {
		return nil
	}
	return m.fields[v][f]
}

// actorRow is one parsed row.
type actorRow struct {
	vendor Vendor
	field  ActorField
	src    ActorSource // Path "" switches the field off for the vendor
}

// parseActors reads an actor map file (CSV with ActorHeader) and returns
// its rows, validated: known vendor, known field, a key path of at most
// MaxActorPathSegments segments (or empty: the vendor's field is switched
// off), at most MaxActorSources sources per vendor and field. name is used
// in errors.
func parseActors(name string, data []byte) ([]actorRow, error) {
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
		if row.vendor, err = ParseVendor(get(0)); err != nil {
			return fail(line, "vendor", err)
		}
		i := slices.Index(actorFieldNames[:], get(1))
		if i < 0 {
			return fail(line, "field", fmt.Errorf("%q is not a field auditx fills (accepted: %s)", get(1), strings.Join(actorFieldNames[:], ", ")))
		}
		row.field = ActorField(i)
		row.src = ActorSource{Path: get(2), Source: name, Line: line}
		if row.src.Path != "" {
			segs := strings.Split(row.src.Path, ".")
			if len(segs) > MaxActorPathSegments {
				return fail(line, "source", fmt.Errorf("%q has %d segments, at most %d", row.src.Path, len(segs), MaxActorPathSegments))
			}
			for _, s := range segs {
				if k := NormalizeKey(s); k == "" || len(k) > MaxActorKeyLen {
					return fail(line, "source", fmt.Errorf("%q has an empty segment or one longer than %d characters", row.src.Path, MaxActorKeyLen))
				}
			}
		}
		if ig := get(3); ig != "" {
			row.src.Ignore = splitList(ig)
		}
		k := [2]int{int(row.vendor), int(row.field)}
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

// buildActors overlays row sets in order: the rows of a later set for one
// vendor and field replace all earlier rows of that vendor and field (a
// row with an empty source switches the field off).
func buildActors(sets [][]actorRow) (*ActorMap, error) {
	m := &ActorMap{}
	for _, rows := range sets {
		var replaced [NumVendors][NumActorFields]bool
		for _, r := range rows {
			if !replaced[r.vendor][r.field] {
				replaced[r.vendor][r.field] = true
				m.fields[r.vendor][r.field] = nil
			}
			if r.src.Path != "" {
				m.fields[r.vendor][r.field] = append(m.fields[r.vendor][r.field], r.src)
			}
		}
	}
	top := map[string]bool{}
	for v := range m.fields {
		for f := range m.fields[v] {
			for _, s := range m.fields[v][f] {
				top[NormalizeKey(strings.Split(s.Path, ".")[0])] = true
				if len(top) > MaxActorTopKeys {
					return nil, &FileError{File: s.Source, Line: s.Line, Column: "source",
						Err: fmt.Errorf("the actor map reads more than %d distinct top-level keys", MaxActorTopKeys)}
				}
			}
		}
	}
	return m, nil
}

// actorFile is the embedded actor map.
const actorFile = "data/actors.csv"

// isActorFile reports whether data starts with the actor map header.
func isActorFile(data []byte) bool {
	data = bytes.TrimPrefix(data, utf8BOM)
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return strings.TrimRight(string(line), "\r") == strings.Join(ActorHeader, ",")
}

// embeddedActors parses the embedded actor map.
func embeddedActors() ([]actorRow, error) {
	data, err := dataFS.ReadFile(actorFile)
	if err != nil {
		return nil, fmt.Errorf("embedded actor map %s: %w", actorFile, err)
	}
	return parseActors(SourceEmbedded+":"+actorFile, data)
}

// Actors returns the catalog's actor map: the embedded one overlaid with
// the user actor files among the catalog files.
func (c *Catalog) Actors() *ActorMap { return c.actors }

// readActorFile reads a user file when it is an actor map (ok is false,
// with no error, for any other file: Load reads it as an event table).
func readActorFile(path string) (rows []actorRow, ok bool, err error) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > MaxFileBytes {
		return nil, false, nil // ReadFile reports it
	}
	data, err := os.ReadFile(path)
	if err != nil || !isActorFile(data) {
		return nil, false, nil
	}
	rows, err = parseActors(path, data)
	return rows, true, err
}

// ReadActorFile reads and validates one user actor map file; ok is false
// (and err nil) when the file is not an actor map (its header is not
// ActorHeader): then it is an event table for ReadFile.
func ReadActorFile(path string) (rows int, ok bool, err error) {
	r, ok, err := readActorFile(path)
	if err == nil && ok {
		if _, err = buildActors([][]actorRow{r}); err != nil {
			return 0, true, err
		}
	}
	return len(r), ok, err
}
