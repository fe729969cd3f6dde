package bulktest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Cluster is the model of one cluster: its templates, and the indices and
// data streams that bulk writes create. It is safe for concurrent use.
type Cluster struct {
	prod       product
	mu         sync.Mutex
	components map[string]*ComponentTemplate
	templates  map[string]*IndexTemplate
	targets    map[string]*target
	now        func() time.Time
	seq        int
}

// target is an index or a data stream.
type target struct {
	name         string
	dataStream   bool
	failureStore bool
	mapping      *Mapping
	backing      string // the write index: .ds-<name>-<date>-000001, or the index itself
	failureIndex string // .fs-<name>-<date>-<gen>, once used
	generation   int
	docs         int
	failed       int
}

// NewCluster returns an empty cluster of the given product. An
// Elasticsearch cluster from 8.9 on has its built-in logs templates
// installed, as a real one does at start.
func NewCluster(p Product) *Cluster {
	c := &Cluster{prod: p.internal(), components: map[string]*ComponentTemplate{}, templates: map[string]*IndexTemplate{},
		targets: map[string]*target{}, now: time.Now}
	if p.Flavor == Elasticsearch {
		for name, ct := range BuiltinComponentTemplates(p.Version) {
			c.components[name] = ct
		}
		for _, it := range BuiltinIndexTemplates(p.Version) {
			c.templates[it.Name] = it
		}
	}
	return c
}

// Product returns the cluster's flavor and version.
func (c *Cluster) Product() Product { return Product{Flavor: c.prod.flavor, Version: c.prod.version} }

// PutComponentTemplate adds or replaces a component template.
func (c *Cluster) PutComponentTemplate(ct *ComponentTemplate) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.buildMapping([]Template{ct.Template}, false); err != nil {
		return err
	}
	c.components[ct.Name] = ct
	return nil
}

// PutIndexTemplate adds or replaces an index template, refusing what
// Elasticsearch refuses: a component template that does not exist (and is
// not listed in ignore_missing_component_templates), a mapping that does
// not parse, and overlapping patterns at the same priority as another
// template (docs, "Create or update an index template API": "index
// templates with the same priority cannot have overlapping index
// patterns").
func (c *Cluster) PutIndexTemplate(it *IndexTemplate) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.resolve(it); err != nil {
		return err
	}
	for _, other := range c.templates {
		if other.Name == it.Name || other.Priority != it.Priority {
			continue
		}
		for _, p := range it.IndexPatterns {
			for _, q := range other.IndexPatterns {
				if simpleMatch(p, q) || simpleMatch(q, p) || patternsOverlap(p, q) {
					return errorf("illegal_argument_exception", "",
						"index template [%s] has index patterns %v matching patterns from existing templates [%s] with patterns (%s => %v) that have the same priority [%d], multiple index templates may not match during index creation, please use a different priority",
						it.Name, it.IndexPatterns, other.Name, other.Name, other.IndexPatterns, it.Priority)
				}
			}
		}
	}
	c.templates[it.Name] = it
	return nil
}

// patternsOverlap: two wildcard patterns that can match one name (checked
// on the shapes auditx's templates use: a fixed prefix before a "*").
func patternsOverlap(p, q string) bool {
	pp, _, _ := strings.Cut(p, "*")
	qp, _, _ := strings.Cut(q, "*")
	return strings.HasPrefix(pp, qp) && strings.Contains(q, "*") || strings.HasPrefix(qp, pp) && strings.Contains(p, "*")
}

// resolved is an index template with its components merged.
type resolved struct {
	template *IndexTemplate
	composed Template
}

func (c *Cluster) resolve(it *IndexTemplate) (*resolved, error) {
	var parts []Template
	var missing []string
	for _, name := range it.ComposedOf {
		ct, ok := c.components[name]
		if !ok {
			ignored := false
			for _, ig := range it.IgnoreMissingComponentTemplates {
				ignored = ignored || ig == name
			}
			if !ignored {
				missing = append(missing, name)
			}
			continue
		}
		parts = append(parts, ct.Template)
	}
	if len(missing) > 0 {
		return nil, errorf("invalid_index_template_exception", "", "index_template [%s] invalid, cause [index template [%s] specifies component templates %v that do not exist]", it.Name, it.Name, missing)
	}
	parts = append(parts, it.Template)
	composed := compose(parts)
	if _, err := c.buildMapping([]Template{composed}, it.DataStream); err != nil {
		return nil, err
	}
	return &resolved{template: it, composed: composed}, nil
}

// buildMapping makes the mapping of composed templates. A data stream's
// @timestamp is a date when no template maps it (docs, "Data streams":
// "If the index template doesn't specify a mapping for the @timestamp
// field, Elasticsearch maps @timestamp as a date field with default
// options").
func (c *Cluster) buildMapping(parts []Template, dataStream bool) (*Mapping, error) {
	t := compose(parts)
	if dataStream {
		props, _ := t.Mappings["properties"].(map[string]any)
		if _, ok := props["@timestamp"]; !ok {
			t.Mappings = cloneMap(t.Mappings)
			np := map[string]any{"@timestamp": map[string]any{"type": "date"}}
			for k, v := range props {
				np[k] = v
			}
			t.Mappings["properties"] = np
		}
	}
	settings, err := settingsFrom(t.Settings)
	if err != nil {
		return nil, err
	}
	return NewMapping(t.Mappings, settings, Product{Flavor: c.prod.flavor, Version: c.prod.version})
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Match returns the index template a new index or data stream of that name
// gets: the matching template of highest priority, or nil.
func (c *Cluster) Match(name string) *IndexTemplate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.match(name)
}

func (c *Cluster) match(name string) *IndexTemplate {
	var ts []*IndexTemplate
	for _, t := range c.templates {
		if t.Matches(name) {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return nil
	}
	sortTemplates(ts)
	return ts[0]
}

// Mapping returns the mapping of an index or data stream, or nil.
func (c *Cluster) Mapping(name string) *Mapping {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.targets[name]; t != nil {
		return t.mapping
	}
	return nil
}

// targetFor finds or auto-creates the index or data stream a write goes to.
func (c *Cluster) targetFor(name string) (*target, *Error) {
	if t := c.targets[name]; t != nil {
		return t, nil
	}
	if name == "" || strings.HasPrefix(name, "_") || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "+") ||
		strings.ContainsAny(name, `\/*?"<>| ,#:`) || strings.ToLower(name) != name {
		return nil, errorf("invalid_index_name_exception", "", "Invalid index name [%s], must be lowercase and must not contain the characters \\, /, *, ?, \", <, >, |, space, comma, #, :", name)
	}
	t := &target{name: name, backing: name}
	var parts []Template
	if it := c.match(name); it != nil {
		r, err := c.resolve(it)
		if err != nil {
			return nil, asError(err)
		}
		parts = []Template{r.composed}
		t.dataStream = it.DataStream
		t.failureStore = t.dataStream && r.composed.FailureStore != nil && *r.composed.FailureStore && c.prod.hasFailureStore()
	}
	m, err := c.buildMapping(parts, t.dataStream)
	if err != nil {
		e, ok := err.(*Error)
		if !ok {
			e = errorf("illegal_argument_exception", "", "%v", err)
		}
		return nil, e
	}
	t.mapping = m
	if t.dataStream {
		t.generation = 1
		t.backing = fmt.Sprintf(".ds-%s-%s-%06d", name, c.now().UTC().Format("2006.01.02"), t.generation)
	}
	c.targets[name] = t
	return t, nil
}

// Action is one bulk operation.
type Action struct {
	// Op is create or index.
	Op string
	// Index is the action's _index (or the URL's index).
	Index string
	// ID is the action's _id, "" to have one generated.
	ID string
	// Source is the document, decoded with UseNumber.
	Source map[string]any
	// Raw is the source line as sent.
	Raw []byte
	// DuplicateKey is a key that occurs twice in one object of Raw, or "".
	DuplicateKey string
}

// Result is how the cluster answered one action.
type Result struct {
	// Status is the item's HTTP status: 201 created, 400 rejected...
	Status int
	// Index is the concrete index the document went to (a data stream's
	// backing index, or its failure store's), or the target of a failure.
	Index string
	// ID is the document's _id.
	ID string
	// Error is the rejection, or nil.
	Error *Error
	// FailureStore is the item's failure_store field: "used" when the
	// document went to the failure store, "not_enabled" when a data stream
	// without one rejected it, "" otherwise.
	FailureStore string
	// Failure is, for a document stored in the failure store, the error
	// that sent it there.
	Failure *Error
	// Indexed is what indexing did, for a document indexed normally.
	Indexed *Indexed
}

// Write performs one create or index action.
func (c *Cluster) Write(a Action) Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	id := a.ID
	if id == "" {
		id = fmt.Sprintf("bulktest-%d", c.seq)
	}
	t, terr := c.targetFor(a.Index)
	if terr != nil {
		return Result{Status: statusOf(terr), Index: a.Index, ID: id, Error: terr}
	}
	res := Result{Index: t.backing, ID: id}
	if t.dataStream && a.Op != "create" {
		// docs, "Data streams", "Add documents to a data stream": "You
		// cannot add new documents to a data stream using the index API's
		// PUT /<target>/_doc/<_id> request format... use op_type create".
		res.Status = http.StatusBadRequest
		res.Error = errorf("illegal_argument_exception", "", "only write ops with an op_type of create are allowed in data streams")
		return res
	}
	if a.ID != "" && a.Op == "create" && t.dataStream {
		// A data stream takes documents by create with or without an _id;
		// the id is kept. (Conflicts on a reused _id are not modelled.)
		res.ID = a.ID
	}
	indexed, err := c.index(t, id, a)
	if err == nil {
		t.docs++
		res.Status = http.StatusCreated
		res.Indexed = indexed
		return res
	}
	if t.dataStream && t.failureStore {
		// docs, "Failure store": "A failed document is any document that,
		// without the failure store enabled, would cause an ingest pipeline
		// exception or that has a structure that conflicts with a data
		// stream's mappings... Clients receive a successful response with a
		// flag indicating the failure was redirected"; REST test
		// data_stream/190_failure_store_redirection.yml: the item is
		// created in .fs-<stream>-<date>-<generation> with failure_store:
		// used.
		if t.failureIndex == "" {
			t.generation++
			t.failureIndex = fmt.Sprintf(".fs-%s-%s-%06d", t.name, c.now().UTC().Format("2006.01.02"), t.generation)
		}
		t.failed++
		res.Status = http.StatusCreated
		res.Index = t.failureIndex
		res.FailureStore = "used"
		res.Failure = err
		return res
	}
	res.Status = statusOf(err)
	res.Error = err
	if t.dataStream && c.prod.reportsFailureStoreStatus() {
		res.FailureStore = "not_enabled"
	}
	return res
}

func statusOf(e *Error) int {
	switch e.Type {
	case "index_not_found_exception":
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// index parses the document into the target's mapping, with the checks
// around the mapping: duplicate keys, a data stream's @timestamp.
func (c *Cluster) index(t *target, id string, a Action) (*Indexed, *Error) {
	perr := c.prod.parsingExceptionType()
	if a.DuplicateKey != "" {
		// Elasticsearch's JSON parser rejects a key twice in one object
		// (strict duplicate detection, on by default since 6.0).
		return nil, &Error{Type: perr, Reason: fmt.Sprintf("failed to parse: Duplicate field '%s'", a.DuplicateKey),
			CausedBy: errorf("json_parse_exception", a.DuplicateKey, "Duplicate field '%s'", a.DuplicateKey)}
	}
	var res *Indexed
	var err error
	if t.dataStream {
		// Dry-run first: a data stream document must carry one @timestamp
		// (docs, "Data streams": "Every document indexed to a data stream
		// must contain a @timestamp field, mapped as a date or date_nanos
		// field type"), checked after parsing, so nothing is added to the
		// mapping for a document without it.
		probe := &Mapping{prod: t.mapping.prod, settings: t.mapping.settings, root: t.mapping.root.clone(), templates: t.mapping.templates,
			dateDetection: t.mapping.dateDetection, numericDetection: t.mapping.numericDetection, dateFormats: t.mapping.dateFormats,
			runtimeFields: cloneMappers(t.mapping.runtimeFields)}
		res, err = probe.Index(id, a.Source)
		if err != nil {
			return nil, asError(err)
		}
		switch n := len(res.Dates["@timestamp"]); {
		case n == 0:
			return nil, &Error{Type: perr, Field: "@timestamp", Reason: "data stream timestamp field [@timestamp] is missing"}
		case n > 1:
			return nil, &Error{Type: perr, Field: "@timestamp", Reason: "data stream timestamp field [@timestamp] encountered multiple values"}
		}
		*t.mapping = *probe
		return res, nil
	}
	res, err = t.mapping.Index(id, a.Source)
	if err != nil {
		return nil, asError(err)
	}
	return res, nil
}

func cloneMappers(m map[string]*mapper) map[string]*mapper {
	out := make(map[string]*mapper, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func asError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return errorf("illegal_argument_exception", "", "%v", err)
}

// Target describes one index or data stream of the cluster.
type Target struct {
	Name         string
	DataStream   bool
	FailureStore bool
	// Docs and Failed count the documents stored and those redirected to
	// the failure store.
	Docs, Failed int
}

// Targets lists the indices and data streams, by name.
func (c *Cluster) Targets() []Target {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Target, 0, len(c.targets))
	for _, t := range c.targets {
		out = append(out, Target{Name: t.name, DataStream: t.dataStream, FailureStore: t.failureStore, Docs: t.docs, Failed: t.failed})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// MappingFromTemplate returns the mapping a new index or data stream of
// the template would start with, its component templates resolved from
// the cluster; the cluster is not changed.
func (c *Cluster) MappingFromTemplate(it *IndexTemplate) (*Mapping, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.resolve(it)
	if err != nil {
		return nil, err
	}
	return c.buildMapping([]Template{r.composed}, it.DataStream)
}
