// Package kubetest stands in for the Kubernetes API server where Fluent
// Bit's kubernetes filter asks it for a Pod's metadata: the e2e test of the
// DaemonSet's configuration and make bench-memory (bench/dsmem) run that
// configuration against it.
package kubetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// podPath is the API path of one Pod: namespace, name.
var podPath = regexp.MustCompile(`^/api/v1/namespaces/([^/]+)/pods/([^/]+)$`)

// PodServer answers GET /api/v1/namespaces/NS/pods/NAME, with the service
// account token Token, with a running Pod on node Node whose label
// app.kubernetes.io/name is its name up to the last dash (a vendor's Pod,
// privx-7d9f, is app privx); anything else is a Kubernetes Status error.
// It counts the Pods it served and the requests it refused for their token.
type PodServer struct {
	Token, Node string

	mu                 sync.Mutex
	pods, unauthorized int
}

func (p *PodServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+p.Token {
		p.mu.Lock()
		p.unauthorized++
		p.mu.Unlock()
		http.Error(w, `{"kind":"Status","status":"Failure","code":401}`, http.StatusUnauthorized)
		return
	}
	m := podPath.FindStringSubmatch(r.URL.Path)
	if r.Method != http.MethodGet || m == nil {
		http.Error(w, `{"kind":"Status","status":"Failure","code":404}`, http.StatusNotFound)
		return
	}
	p.mu.Lock()
	p.pods++
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(Pod(m[1], m[2], p.Node))
}

// Counts returns the Pods served and the requests refused for their token.
func (p *PodServer) Counts() (pods, unauthorized int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pods, p.unauthorized
}

// Pod is the running Pod PodServer serves for namespace ns and name.
func Pod(ns, name, node string) map[string]any {
	app := name
	if i := strings.LastIndex(name, "-"); i > 0 {
		app = name[:i]
	}
	id := sha256.Sum256([]byte(name))
	image := "registry.example.com/" + app + ":1.0"
	return map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": ns, "uid": hex.EncodeToString(id[:16]),
			"labels": map[string]any{"app.kubernetes.io/name": app, "pod-template-hash": "5d8f9"}},
		"spec": map[string]any{"nodeName": node, "containers": []any{map[string]any{"name": "app", "image": image}}},
		"status": map[string]any{"phase": "Running", "hostIP": "10.0.0.10", "podIP": "10.1.0.7",
			"containerStatuses": []any{map[string]any{"name": "app", "image": image,
				"imageID":     "registry.example.com/" + app + "@sha256:" + hex.EncodeToString(id[:]),
				"containerID": "containerd://" + hex.EncodeToString(id[:])}}},
	}
}
