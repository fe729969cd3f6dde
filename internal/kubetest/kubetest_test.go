package kubetest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// The kubernetes filter's lookup gets the Pod, labelled by its vendor; a
// wrong token and any other path are refused, and counted apart.
func TestPodServer(t *testing.T) {
	p := &PodServer{Token: "tok", Node: "n1"}
	srv := httptest.NewServer(p)
	defer srv.Close()
	get := func(path, token string) *http.Response {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return resp
	}
	resp := get("/api/v1/namespaces/audit/pods/privx-7d9f", "tok")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var pod struct {
		Metadata struct {
			Name, Namespace string
			Labels          map[string]string
		}
		Spec struct{ NodeName string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&pod))
	resp.Body.Close()
	require.Equal(t, "privx-7d9f", pod.Metadata.Name)
	require.Equal(t, "audit", pod.Metadata.Namespace)
	require.Equal(t, "privx", pod.Metadata.Labels["app.kubernetes.io/name"])
	require.Equal(t, "n1", pod.Spec.NodeName)
	resp = get("/api/v1/namespaces/audit/pods/privx-7d9f", "wrong")
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = get("/api/v1/pods", "tok")
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	pods, unauthorized := p.Counts()
	require.Equal(t, 1, pods)
	require.Equal(t, 1, unauthorized)
}
