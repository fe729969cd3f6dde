package bulktest

import (
	"fmt"
	"strconv"
	"strings"
)

// Flavor is the server product the model imitates.
type Flavor int

const (
	// Elasticsearch is Elastic's server: built-in logs templates, the
	// flattened type, the failure store (8.19, 9.1).
	Elasticsearch Flavor = iota
	// OpenSearch is the OpenSearch server: flat_object (2.7), no built-in
	// logs templates, no failure store, mapper_parsing_exception.
	OpenSearch
)

// String returns the flavor's name.
func (f Flavor) String() string {
	if f == OpenSearch {
		return "opensearch"
	}
	return "elasticsearch"
}

// Version is a server release, major.minor (the patch level changes none
// of the modelled rules).
type Version struct {
	Major, Minor int
}

// ParseVersion reads "8.19", "8.19.0" or "9.1.2".
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("bulktest: version %q: want major.minor[.patch]", s)
	}
	var v Version
	var err error
	if v.Major, err = strconv.Atoi(parts[0]); err != nil {
		return Version{}, fmt.Errorf("bulktest: version %q: %w", s, err)
	}
	if v.Minor, err = strconv.Atoi(parts[1]); err != nil {
		return Version{}, fmt.Errorf("bulktest: version %q: %w", s, err)
	}
	return v, nil
}

// MustVersion is ParseVersion for constants; it panics on a bad string.
func MustVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// AtLeast reports whether v is major.minor or later.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

// String returns "major.minor.0".
func (v Version) String() string { return fmt.Sprintf("%d.%d.0", v.Major, v.Minor) }

// Defaults of the server when none is given: the release the failure store
// became generally available in on the 8.x line, and an OpenSearch 2.x
// that has flat_object.
var (
	DefaultElasticsearchVersion = Version{8, 19}
	DefaultOpenSearchVersion    = Version{2, 19}
)

// product is what the model needs to know of a server: which flavor, which
// release.
type product struct {
	flavor  Flavor
	version Version
}

// parsingExceptionType is the error type of a document that does not fit
// the mapping. Elasticsearch throws DocumentParsingException for
// document-level failures from 8.8 (elastic/elasticsearch PR #92646; the
// REST test data_stream/190_failure_store_redirection.yml expects
// document_parsing_exception), MapperParsingException before; OpenSearch
// keeps mapper_parsing_exception. (Elasticsearch prefixes the reason with
// the parser's "[line:column]"; the model does not.)
func (p product) parsingExceptionType() string {
	if p.flavor == Elasticsearch && p.version.AtLeast(8, 8) {
		return "document_parsing_exception"
	}
	return "mapper_parsing_exception"
}

// hasFailureStore reports whether data_stream_options.failure_store can be
// enabled: generally available in Elasticsearch 8.19 and 9.1 (docs: "Failure
// store"); OpenSearch has none.
func (p product) hasFailureStore() bool {
	if p.flavor != Elasticsearch {
		return false
	}
	if p.version.Major == 8 {
		return p.version.AtLeast(8, 19)
	}
	return p.version.AtLeast(9, 1)
}

// reportsFailureStoreStatus reports whether a bulk item of a data stream
// carries the failure_store field ("used", "not_enabled"): elastic/elasticsearch
// PR #112816, backported to 8.x as #113245 (8.16).
func (p product) reportsFailureStoreStatus() bool {
	return p.flavor == Elasticsearch && p.version.AtLeast(8, 16)
}
