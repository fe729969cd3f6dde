// Package deploytest holds only tests: they check the deployment files
// (the top-level Dockerfile and .dockerignore, build/docker,
// build/kubernetes, build/plugins.conf) against each other and against the
// Go module, without Docker or a Kubernetes cluster. The Kubernetes
// ConfigMap's Fluent Bit configuration is run for real by e2e/es_test.go.
//
// It owns no code that ships; it must not be imported.
package deploytest
