package bulktest

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config configures a Server.
type Config struct {
	// Flavor and Version are the product the server imitates (default:
	// Elasticsearch DefaultElasticsearchVersion, or OpenSearch
	// DefaultOpenSearchVersion).
	Flavor  Flavor
	Version string
	// User and Password, when set, are the only basic-auth credentials
	// accepted; anything else is answered 401.
	User, Password string
	// TLS serves HTTPS with httptest's certificate.
	TLS bool
	// Dump, when set, receives every _bulk body as sent.
	Dump io.Writer
	// Fault, when set, is asked before each _bulk request is indexed (n is
	// the request's number from 1) and may answer the whole request or some
	// of its items with a status instead (e.g. 429) to inject failures.
	Fault func(n int, actions []Action) Fault
}

// Fault is an injected answer to a bulk request.
type Fault struct {
	// Status, when not 0, answers the whole request with this status (429:
	// es_rejected_execution_exception) and indexes nothing.
	Status int
	// Items, when not nil, gives the status of item i (0: index it as
	// usual); an injected item status is not indexed.
	Items []int
}

// Item is one bulk item as the server received and answered it.
type Item struct {
	// Request is the number of the bulk request (from 1), Pos the item's
	// position in it.
	Request, Pos int
	Action       Action
	Result       Result
	// Injected is true when Fault answered the item.
	Injected bool
	Time     time.Time
}

// Request is one _bulk request.
type Request struct {
	N     int
	Time  time.Time
	Items []Item
	// Status is the status of an answer to the whole request (a fault or
	// a malformed body), 0 when items were answered.
	Status int
}

// Stats is a copy of what the server saw.
type Stats struct {
	Requests     []Request
	InfoCalls    int
	AuthFailures int
	LastRequest  time.Time
}

// Items returns every item of every request, in order.
func (s Stats) Items() []Item {
	var out []Item
	for _, r := range s.Requests {
		out = append(out, r.Items...)
	}
	return out
}

// Server is the _bulk test server over a Cluster.
type Server struct {
	cfg     Config
	cluster *Cluster
	srv     *httptest.Server
	mu      sync.Mutex
	st      Stats
	seqNo   int
}

// NewServer starts a server on a loopback port; Close stops it.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Version == "" {
		cfg.Version = DefaultElasticsearchVersion.String()
		if cfg.Flavor == OpenSearch {
			cfg.Version = DefaultOpenSearchVersion.String()
		}
	}
	v, err := ParseVersion(cfg.Version)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, cluster: NewCluster(Product{Flavor: cfg.Flavor, Version: v})}
	if cfg.TLS {
		s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	} else {
		s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	}
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// Port is the server's TCP port.
func (s *Server) Port() int {
	u, _ := url.Parse(s.srv.URL)
	p, _ := strconv.Atoi(u.Port())
	return p
}

// Certificate is the TLS certificate (nil without TLS).
func (s *Server) Certificate() *x509.Certificate {
	if !s.cfg.TLS {
		return nil
	}
	return s.srv.Certificate()
}

// Client is an http.Client that trusts the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Cluster is the model behind the server: put templates there before
// shipping, read mappings there after.
func (s *Server) Cluster() *Cluster { return s.cluster }

// Snapshot returns a copy of what the server saw.
func (s *Server) Snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st
	c.Requests = make([]Request, len(s.st.Requests))
	for i, r := range s.st.Requests {
		r.Items = append([]Item(nil), r.Items...)
		c.Requests[i] = r
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.WriteHeader(status)
	switch x := v.(type) {
	case []byte:
		_, _ = w.Write(x)
	default:
		_ = json.NewEncoder(w).Encode(v)
	}
}

func errorBody(status int, e *Error) map[string]any {
	return map[string]any{"error": map[string]any{"root_cause": []any{e.wire()}, "type": e.Type, "reason": e.Reason}, "status": status}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if s.cfg.Flavor == Elasticsearch {
		// Elasticsearch's clients check this header (8.0 and later).
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
	}
	if s.cfg.User != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != s.cfg.User || p != s.cfg.Password {
			s.mu.Lock()
			s.st.AuthFailures++
			s.mu.Unlock()
			w.Header().Set("WWW-Authenticate", `Basic realm="security" charset="UTF-8"`)
			writeJSON(w, http.StatusUnauthorized, errorBody(http.StatusUnauthorized, errorf("security_exception", "", "missing authentication credentials for REST request [%s]", r.URL.Path)))
			return
		}
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case r.Method == http.MethodGet && path == "":
		s.info(w)
	case (r.Method == http.MethodPost || r.Method == http.MethodPut) && (path == "/_bulk" || strings.HasSuffix(path, "/_bulk")):
		index := strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/_bulk")
		if index == "_bulk" {
			index = ""
		}
		s.bulk(w, r, index)
	case r.Method == http.MethodPut && strings.HasPrefix(path, "/_index_template/"):
		s.putTemplate(w, r, strings.TrimPrefix(path, "/_index_template/"), false)
	case r.Method == http.MethodPut && strings.HasPrefix(path, "/_component_template/"):
		s.putTemplate(w, r, strings.TrimPrefix(path, "/_component_template/"), true)
	case r.Method == http.MethodGet && strings.HasSuffix(path, "/_mapping"):
		s.getMapping(w, strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/_mapping"))
	default:
		writeJSON(w, http.StatusNotFound, errorBody(http.StatusNotFound, errorf("illegal_argument_exception", "", "no handler found for uri [%s] and method [%s]", r.URL.Path, r.Method)))
	}
}

func (s *Server) info(w http.ResponseWriter) {
	s.mu.Lock()
	s.st.InfoCalls++
	s.mu.Unlock()
	v := s.cluster.Product().Version
	version := map[string]any{"number": v.String(), "build_flavor": "default", "lucene_version": "9.12.0",
		"minimum_wire_compatibility_version": "7.17.0", "minimum_index_compatibility_version": "7.0.0"}
	tagline := "You Know, for Search"
	if s.cfg.Flavor == OpenSearch {
		version = map[string]any{"distribution": "opensearch", "number": v.String(), "lucene_version": "9.12.0",
			"minimum_wire_compatibility_version": "7.10.0", "minimum_index_compatibility_version": "7.0.0"}
		tagline = "The OpenSearch Project: https://opensearch.org/"
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": "bulktest", "cluster_name": "bulktest", "version": version, "tagline": tagline})
}

func (s *Server) putTemplate(w http.ResponseWriter, r *http.Request, name string, component bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(http.StatusBadRequest, errorf("parse_exception", "", "%v", err)))
		return
	}
	if component {
		ct, perr := ParseComponentTemplate(name, body)
		if perr == nil {
			err = s.cluster.PutComponentTemplate(ct)
		} else {
			err = errorf("x_content_parse_exception", "", "%v", perr)
		}
	} else {
		it, perr := ParseIndexTemplate(name, body)
		if perr == nil {
			err = s.cluster.PutIndexTemplate(it)
		} else {
			err = errorf("x_content_parse_exception", "", "%v", perr)
		}
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(http.StatusBadRequest, asError(err)))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
}

func (s *Server) getMapping(w http.ResponseWriter, name string) {
	m := s.cluster.Mapping(name)
	if m == nil {
		writeJSON(w, http.StatusNotFound, errorBody(http.StatusNotFound, errorf("index_not_found_exception", "", "no such index [%s]", name)))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{name: map[string]any{"fields": m.Fields()}})
}

func (s *Server) bulk(w http.ResponseWriter, r *http.Request, index string) {
	start := time.Now()
	body, err := io.ReadAll(r.Body)
	if err == nil && s.cfg.Dump != nil {
		s.mu.Lock()
		_, _ = s.cfg.Dump.Write(body)
		s.mu.Unlock()
	}
	actions, perr := ParseBulk(bytes.NewReader(body), index)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.LastRequest = time.Now()
	req := Request{N: len(s.st.Requests) + 1, Time: s.st.LastRequest}
	if err != nil || perr != nil {
		if perr == nil {
			perr = err
		}
		req.Status = http.StatusBadRequest
		s.st.Requests = append(s.st.Requests, req)
		writeJSON(w, http.StatusBadRequest, errorBody(http.StatusBadRequest, errorf("illegal_argument_exception", "", "%v", perr)))
		return
	}
	var fault Fault
	if s.cfg.Fault != nil {
		fault = s.cfg.Fault(req.N, actions)
	}
	if fault.Status != 0 {
		// docs, "Bulk API": a node that cannot take the request answers it
		// whole with 429 es_rejected_execution_exception.
		req.Status = fault.Status
		for i, a := range actions {
			req.Items = append(req.Items, Item{Request: req.N, Pos: i, Action: a, Injected: true, Time: req.Time,
				Result: Result{Status: fault.Status, Index: a.Index}})
		}
		s.st.Requests = append(s.st.Requests, req)
		writeJSON(w, fault.Status, errorBody(fault.Status, errorf("es_rejected_execution_exception", "", "rejected execution of coordinating operation")))
		return
	}
	items := make([]map[string]any, len(actions))
	failed := false
	for i, a := range actions {
		it := Item{Request: req.N, Pos: i, Action: a, Time: req.Time}
		if i < len(fault.Items) && fault.Items[i] != 0 {
			it.Injected = true
			it.Result = Result{Status: fault.Items[i], Index: a.Index, ID: fmt.Sprintf("bulktest-injected-%d-%d", req.N, i),
				Error: errorf("es_rejected_execution_exception", "", "rejected execution of primary operation")}
		} else {
			it.Result = s.cluster.Write(a)
		}
		if it.Result.Error != nil {
			failed = true
		}
		items[i] = ItemResponse(a.Op, it.Result, s.seqNo)
		if it.Result.Error == nil {
			s.seqNo++
		}
		req.Items = append(req.Items, it)
	}
	s.st.Requests = append(s.st.Requests, req)
	writeJSON(w, http.StatusOK, BulkResponse(int(time.Since(start).Milliseconds()), items, failed))
}
