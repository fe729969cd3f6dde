package deploytest

import (
	"bytes"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/internal/ecsschema"
)

// k8sDir is the directory of the manifests, from the module root.
const k8sDir = "build/kubernetes"

// manifests holds every object of build/kubernetes, decoded strictly.
type manifests struct {
	files         []string // the YAML files (not kustomization.yaml, not *.example)
	kustomization kustomization
	namespaces    []corev1.Namespace
	accounts      []corev1.ServiceAccount
	roles         []rbacv1.ClusterRole
	bindings      []rbacv1.ClusterRoleBinding
	configMaps    map[string]corev1.ConfigMap
	daemonSets    []appsv1.DaemonSet
	secretExample corev1.Secret
}

// kustomization is the part of kustomize's Kustomization the directory
// uses; decoding is strict, so any other field fails the test.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
	} `json:"images,omitempty"`
}

// typeMeta reads apiVersion and kind only.
type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// splitYAML splits a multi-document YAML file.
func splitYAML(b []byte) [][]byte {
	var out [][]byte
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(doc, "")) != "" {
			out = append(out, []byte(doc))
		}
	}
	return out
}

// strict decodes one YAML document into v, failing on unknown or duplicate
// fields (sigs.k8s.io/yaml: YAML to JSON, then DisallowUnknownFields).
func strict(t testing.TB, name string, doc []byte, v any) {
	t.Helper()
	require.NoError(t, yaml.UnmarshalStrict(doc, v), "%s: strict decoding", name)
}

// loadManifests decodes every manifest of build/kubernetes into the
// k8s.io/api types of its kind.
func loadManifests(t testing.TB) *manifests {
	t.Helper()
	dir := filepath.Join(repoRoot(t), filepath.FromSlash(k8sDir))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	m := &manifests{configMaps: map[string]corev1.ConfigMap{}}
	for _, e := range entries {
		name := e.Name()
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		switch {
		case name == "kustomization.yaml":
			strict(t, name, b, &m.kustomization)
			continue
		case name == "secret.yaml.example":
			strict(t, name, b, &m.secretExample)
			continue
		case name == "helm-values.yaml":
			continue
		case strings.HasSuffix(name, ".yaml"):
			m.files = append(m.files, name)
		default:
			t.Fatalf("%s/%s: unexpected file (manifests end in .yaml; examples in .example)", k8sDir, name)
		}
		for i, doc := range splitYAML(b) {
			var tm typeMeta
			require.NoError(t, yaml.Unmarshal(doc, &tm), "%s document %d", name, i+1)
			where := name
			switch tm.APIVersion + " " + tm.Kind {
			case "v1 Namespace":
				var o corev1.Namespace
				strict(t, where, doc, &o)
				m.namespaces = append(m.namespaces, o)
			case "v1 ServiceAccount":
				var o corev1.ServiceAccount
				strict(t, where, doc, &o)
				m.accounts = append(m.accounts, o)
			case "rbac.authorization.k8s.io/v1 ClusterRole":
				var o rbacv1.ClusterRole
				strict(t, where, doc, &o)
				m.roles = append(m.roles, o)
			case "rbac.authorization.k8s.io/v1 ClusterRoleBinding":
				var o rbacv1.ClusterRoleBinding
				strict(t, where, doc, &o)
				m.bindings = append(m.bindings, o)
			case "v1 ConfigMap":
				var o corev1.ConfigMap
				strict(t, where, doc, &o)
				m.configMaps[o.Name] = o
			case "apps/v1 DaemonSet":
				var o appsv1.DaemonSet
				strict(t, where, doc, &o)
				m.daemonSets = append(m.daemonSets, o)
			default:
				t.Fatalf("%s document %d: kind %q %q is not checked by this test: add it", name, i+1, tm.APIVersion, tm.Kind)
			}
		}
	}
	require.Len(t, m.daemonSets, 1, "one DaemonSet")
	return m
}

// collector returns the DaemonSet and its fluent-bit container.
func (m *manifests) collector(t testing.TB) (appsv1.DaemonSet, corev1.Container) {
	t.Helper()
	ds := m.daemonSets[0]
	require.Len(t, ds.Spec.Template.Spec.Containers, 1, "one container")
	return ds, ds.Spec.Template.Spec.Containers[0]
}

// fluentBitConf returns the parsed fluent-bit.conf of the ConfigMap that the
// container's -c argument names through its volume.
func (m *manifests) fluentBitConf(t testing.TB) (corev1.ConfigMap, []confSection) {
	t.Helper()
	ds, c := m.collector(t)
	confPath := argAfter(t, c.Args, "-c")
	cm, key := m.configMapFile(t, ds, c, confPath)
	return cm, parseClassicConf(t, cm.Name+"/"+key, cm.Data[key])
}

// argAfter returns the argument after flag.
func argAfter(t testing.TB, args []string, flag string) string {
	t.Helper()
	i := slices.Index(args, flag)
	require.True(t, i >= 0 && i+1 < len(args), "args %v have no %s", args, flag)
	return args[i+1]
}

// mountFor returns the volumeMount whose mountPath holds p (the longest
// one) and its volume.
func mountFor(t testing.TB, ds appsv1.DaemonSet, c corev1.Container, p string) (corev1.VolumeMount, corev1.Volume) {
	t.Helper()
	var best *corev1.VolumeMount
	for i := range c.VolumeMounts {
		vm := &c.VolumeMounts[i]
		if underDir(p, vm.MountPath) && (best == nil || len(vm.MountPath) > len(best.MountPath)) {
			best = vm
		}
	}
	require.NotNil(t, best, "%s is on no volume (the root filesystem is read-only)", p)
	for _, v := range ds.Spec.Template.Spec.Volumes {
		if v.Name == best.Name {
			return *best, v
		}
	}
	t.Fatalf("volumeMount %s has no volume", best.Name)
	return corev1.VolumeMount{}, corev1.Volume{}
}

// configMapFile returns the ConfigMap and key that provide the file p
// inside the container.
func (m *manifests) configMapFile(t testing.TB, ds appsv1.DaemonSet, c corev1.Container, p string) (corev1.ConfigMap, string) {
	t.Helper()
	vm, vol := mountFor(t, ds, c, p)
	require.NotNil(t, vol.ConfigMap, "%s is on volume %s, which is not a ConfigMap", p, vol.Name)
	cm, ok := m.configMaps[vol.ConfigMap.Name]
	require.True(t, ok, "volume %s names ConfigMap %s, which is not in %s", vol.Name, vol.ConfigMap.Name, k8sDir)
	key := strings.TrimPrefix(strings.TrimPrefix(p, vm.MountPath), "/")
	if vm.SubPath != "" {
		key = vm.SubPath
	}
	_, ok = cm.Data[key]
	require.True(t, ok, "%s: ConfigMap %s has no key %q", p, cm.Name, key)
	return cm, key
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	m := loadManifests(t)
	k := m.kustomization
	require.Equal(t, "kustomize.config.k8s.io/v1beta1", k.APIVersion)
	require.Equal(t, "Kustomization", k.Kind)
	res := slices.Clone(k.Resources)
	sort.Strings(res)
	files := slices.Clone(m.files)
	sort.Strings(files)
	require.Equal(t, files, res, "kustomization.yaml resources and the *.yaml files of %s", k8sDir)
	require.NotContains(t, k.Resources, "secret.yaml.example", "the example Secret must not be applied")
	_, c := m.collector(t)
	var names []string
	for _, im := range k.Images {
		names = append(names, im.Name)
	}
	image, _, _ := strings.Cut(c.Image, ":")
	require.Contains(t, names, image, "kustomization images: the DaemonSet's image can be set with kustomize edit set image")
}

func TestNamespaceAndRBAC(t *testing.T) {
	m := loadManifests(t)
	require.Len(t, m.namespaces, 1)
	ns := m.namespaces[0].Name
	ds, _ := m.collector(t)
	require.Equal(t, ns, ds.Namespace)
	for _, a := range m.accounts {
		require.Equal(t, ns, a.Namespace, "ServiceAccount %s", a.Name)
	}
	for _, cm := range m.configMaps {
		require.Equal(t, ns, cm.Namespace, "ConfigMap %s", cm.Name)
	}
	require.Equal(t, ns, m.secretExample.Namespace, "secret.yaml.example")

	sa := ds.Spec.Template.Spec.ServiceAccountName
	require.NotEmpty(t, sa, "the DaemonSet's serviceAccountName")
	require.True(t, slices.ContainsFunc(m.accounts, func(a corev1.ServiceAccount) bool { return a.Name == sa }), "ServiceAccount %s is not defined", sa)

	require.Len(t, m.bindings, 1)
	b := m.bindings[0]
	require.Equal(t, "ClusterRole", b.RoleRef.Kind)
	require.Contains(t, b.Subjects, rbacv1.Subject{Kind: "ServiceAccount", Name: sa, Namespace: ns})
	var role *rbacv1.ClusterRole
	for i := range m.roles {
		if m.roles[i].Name == b.RoleRef.Name {
			role = &m.roles[i]
		}
	}
	require.NotNil(t, role, "ClusterRole %s is not defined", b.RoleRef.Name)
	// The kubernetes filter reads Pods (and Namespaces for namespace
	// metadata); nothing more.
	for _, res := range []string{"pods", "namespaces"} {
		for _, verb := range []string{"get", "list", "watch"} {
			ok := slices.ContainsFunc(role.Rules, func(r rbacv1.PolicyRule) bool {
				return slices.Contains(r.APIGroups, "") && slices.Contains(r.Resources, res) && slices.Contains(r.Verbs, verb)
			})
			require.True(t, ok, "ClusterRole %s does not allow %s %s", role.Name, verb, res)
		}
	}
	for _, r := range role.Rules {
		for _, v := range r.Verbs {
			require.Contains(t, []string{"get", "list", "watch"}, v, "the collector only reads")
		}
	}
}

func TestDaemonSetSpec(t *testing.T) {
	m := loadManifests(t)
	ds, c := m.collector(t)
	spec := ds.Spec.Template.Spec

	t.Run("selector", func(t *testing.T) {
		require.NotNil(t, ds.Spec.Selector)
		for k, v := range ds.Spec.Selector.MatchLabels {
			require.Equal(t, v, ds.Spec.Template.Labels[k], "template label %s", k)
		}
	})
	t.Run("rolling update", func(t *testing.T) {
		require.Equal(t, appsv1.RollingUpdateDaemonSetStrategyType, ds.Spec.UpdateStrategy.Type)
		require.NotNil(t, ds.Spec.UpdateStrategy.RollingUpdate)
		require.NotNil(t, ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable)
	})
	t.Run("runs on every node", func(t *testing.T) {
		require.True(t, slices.ContainsFunc(spec.Tolerations, func(tl corev1.Toleration) bool {
			return tl.Operator == corev1.TolerationOpExists && tl.Key == "" && tl.Effect == ""
		}), "a toleration {operator: Exists} without key and effect tolerates every taint")
		require.Empty(t, spec.NodeSelector)
		require.Nil(t, spec.Affinity)
	})
	t.Run("resources", func(t *testing.T) {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, ok := c.Resources.Requests[r]
			require.True(t, ok, "requests.%s", r)
			lim, ok := c.Resources.Limits[r]
			require.True(t, ok, "limits.%s", r)
			require.LessOrEqual(t, req.Cmp(lim), 0, "%s request above limit", r)
		}
	})
	t.Run("security context", func(t *testing.T) {
		sc := c.SecurityContext
		require.NotNil(t, sc)
		require.True(t, sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem, "readOnlyRootFilesystem")
		require.True(t, sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation, "allowPrivilegeEscalation false")
		require.True(t, sc.Privileged == nil || !*sc.Privileged, "not privileged")
		require.NotNil(t, sc.Capabilities)
		require.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)
		require.Empty(t, sc.Capabilities.Add, "no capability: uid 0 reads the root-owned 0640 logs as their owner")
		// The node's container logs are root-owned 0640: uid 0 (see the
		// comment in daemonset.yaml). The image's own USER is 65532.
		require.NotNil(t, sc.RunAsUser)
		require.EqualValues(t, 0, *sc.RunAsUser)
	})
	t.Run("every mount has a volume and every volume a mount", func(t *testing.T) {
		vols := map[string]corev1.Volume{}
		for _, v := range spec.Volumes {
			vols[v.Name] = v
		}
		mounted := map[string]bool{}
		for _, vm := range c.VolumeMounts {
			_, ok := vols[vm.Name]
			require.True(t, ok, "volumeMount %s has no volume", vm.Name)
			mounted[vm.Name] = true
		}
		for name := range vols {
			require.True(t, mounted[name], "volume %s is not mounted", name)
		}
		for _, v := range spec.Volumes {
			if v.ConfigMap != nil {
				_, ok := m.configMaps[v.ConfigMap.Name]
				require.True(t, ok, "volume %s: ConfigMap %s is not in %s", v.Name, v.ConfigMap.Name, k8sDir)
			}
		}
	})
	t.Run("probes on the HTTP server", func(t *testing.T) {
		_, conf := m.fluentBitConf(t)
		svc := only(t, conf, "SERVICE", "")
		require.Equal(t, "On", svc.MustGet(t, "HTTP_Server"))
		require.Equal(t, "On", svc.MustGet(t, "Health_Check"), "/api/v1/health only reports output errors with Health_Check On")
		require.Equal(t, "0.0.0.0", svc.MustGet(t, "HTTP_Listen"), "kubelet probes the Pod IP, not loopback")
		port := svc.MustGet(t, "HTTP_Port")
		for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
			require.NotNil(t, p, "%sProbe", name)
			require.NotNil(t, p.HTTPGet, "%sProbe httpGet", name)
			require.Equal(t, port, containerPort(t, c, p.HTTPGet.Port), "%sProbe port is the HTTP_Port", name)
			require.Contains(t, []string{"/", "/api/v1/health"}, p.HTTPGet.Path, "%sProbe path", name)
		}
		require.Equal(t, "/api/v1/health", c.ReadinessProbe.HTTPGet.Path)
	})
}

// containerPort resolves a probe port (number or name) to a number string.
func containerPort(t testing.TB, c corev1.Container, p intstr.IntOrString) string {
	t.Helper()
	if p.Type == intstr.Int {
		return strconv.Itoa(int(p.IntVal))
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return strconv.Itoa(int(cp.ContainerPort))
		}
	}
	t.Fatalf("port %q is not a named containerPort", p.StrVal)
	return ""
}

// TestConfigMapMatchesDaemonSet checks the Fluent Bit configuration
// against the Pod that runs it: every path it reads or writes is on the
// right volume, every file it names is in a ConfigMap, every variable is in
// the environment, and the plugin path is where the Dockerfile puts it.
func TestConfigMapMatchesDaemonSet(t *testing.T) {
	m := loadManifests(t)
	ds, c := m.collector(t)
	cm, conf := m.fluentBitConf(t)
	svc := only(t, conf, "SERVICE", "")

	hostPath := func(what, p string, writable bool) {
		t.Helper()
		vm, vol := mountFor(t, ds, c, p)
		require.NotNil(t, vol.HostPath, "%s %s is on volume %s, not a hostPath: it must outlive the Pod / come from the node", what, p, vol.Name)
		require.Equal(t, path.Clean(vm.MountPath), path.Clean(vol.HostPath.Path), "%s: volume %s mounts hostPath %s at %s; the config's paths assume the same path", what, vol.Name, vol.HostPath.Path, vm.MountPath)
		require.Equal(t, !writable, vm.ReadOnly, "%s %s: readOnly of mount %s", what, p, vm.Name)
	}

	t.Run("tail reads the node's logs read-only", func(t *testing.T) {
		tail := only(t, conf, "INPUT", "tail")
		p := tail.MustGet(t, "Path")
		require.True(t, underDir(p, "/var/log"), "tail Path %s is not under /var/log", p)
		hostPath("tail Path", path.Dir(p), false)
		// /var/log/containers/*.log are symlinks to /var/log/pods/...: the
		// mount must hold both.
		_, vol := mountFor(t, ds, c, p)
		require.True(t, underDir("/var/log/pods", vol.HostPath.Path), "the log volume does not hold /var/log/pods, where /var/log/containers links to")
	})
	t.Run("state on the node", func(t *testing.T) {
		storage := svc.MustGet(t, "storage.path")
		hostPath("storage.path", storage, true)
		tail := only(t, conf, "INPUT", "tail")
		db := tail.MustGet(t, "DB")
		hostPath("tail DB", db, true)
		_, v1 := mountFor(t, ds, c, storage)
		_, v2 := mountFor(t, ds, c, db)
		require.Equal(t, v1.Name, v2.Name)
		require.NotNil(t, v1.HostPath.Type)
		require.Equal(t, corev1.HostPathDirectoryOrCreate, *v1.HostPath.Type)
		for _, s := range conf {
			if st, ok := s.Get("storage.type"); ok {
				require.Equal(t, "filesystem", st, "[%s %s] storage.type", s.Name, s.Plugin())
			}
		}
	})
	t.Run("files from ConfigMaps", func(t *testing.T) {
		for _, k := range []string{"Parsers_File", "Plugins_File"} {
			got, _ := m.configMapFile(t, ds, c, svc.MustGet(t, k))
			require.Equal(t, cm.Name, got.Name, k)
		}
		_, key := m.configMapFile(t, ds, c, svc.MustGet(t, "Plugins_File"))
		so := pluginsPath(t, cm.Data[key])
		stages := parseDockerfile(t)
		stages[len(stages)-1].copyTo(t, so)
		require.Equal(t, pluginsPath(t, readRepoFile(t, "build/plugins.conf")), so, "the ConfigMap's plugins.conf and build/plugins.conf")
	})
	t.Run("user catalog", func(t *testing.T) {
		ax := only(t, conf, "FILTER", "auditx")
		files := strings.Split(ax.MustGet(t, "catalog_files"), ",")
		require.NotEmpty(t, ax.MustGet(t, "catalog_reload_interval"))
		dir := t.TempDir()
		var paths []string
		for _, f := range files {
			f = strings.TrimSpace(f)
			cat, key := m.configMapFile(t, ds, c, f)
			require.Equal(t, "auditx-catalog", cat.Name)
			vm, _ := mountFor(t, ds, c, f)
			require.Empty(t, vm.SubPath, "a subPath mount never sees ConfigMap updates: the catalog could not be reloaded")
			require.True(t, vm.ReadOnly)
			p := filepath.Join(dir, key)
			require.NoError(t, os.WriteFile(p, []byte(cat.Data[key]), 0o600))
			paths = append(paths, p)
		}
		// auditx refuses to start on a file it cannot load.
		_, err := catalog.Load(paths...)
		require.NoError(t, err, "the auditx-catalog ConfigMap does not load")
		// The shipped file promises no change in behaviour: each of its
		// entries is the embedded one, field for field.
		embedded, err := catalog.Embedded()
		require.NoError(t, err)
		for _, p := range paths {
			entries, err := catalog.ReadFile(p, embedded.VendorSet())
			require.NoError(t, err)
			for _, e := range entries {
				base := embedded.LookupString(e.Vendor, e.Code)
				require.NotNil(t, base, "%s %s is not an embedded entry", e.Vendor, e.Code)
				require.Equal(t, base.Record(), e.Record(), "the shipped catalog entry %s %s differs from the embedded one: update catalog-configmap.yaml", e.Vendor, e.Code)
			}
		}
	})
	t.Run("environment", func(t *testing.T) {
		env := map[string]corev1.EnvVar{}
		for _, e := range c.Env {
			env[e.Name] = e
		}
		for v := range envVars(conf) {
			_, ok := env[v]
			require.True(t, ok, "the config reads ${%s}, which the container's env does not set", v)
		}
		secretKeys := map[string]bool{}
		for k := range m.secretExample.StringData {
			secretKeys[k] = true
		}
		for k := range m.secretExample.Data {
			secretKeys[k] = true
		}
		var refs int
		for _, e := range c.Env {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				continue
			}
			refs++
			ref := e.ValueFrom.SecretKeyRef
			require.Equal(t, m.secretExample.Name, ref.Name, "env %s: the Secret named by secret.yaml.example", e.Name)
			require.True(t, secretKeys[ref.Key], "env %s: key %q is not in secret.yaml.example", e.Name, ref.Key)
			require.True(t, ref.Optional == nil || !*ref.Optional, "env %s: the Secret is required", e.Name)
		}
		require.Equal(t, "auditx-elasticsearch", m.secretExample.Name)
		require.GreaterOrEqual(t, refs, 3, "ES_HOST, ES_USER, ES_PASSWORD come from the Secret")
		for _, v := range []string{"ES_HOST", "ES_USER", "ES_PASSWORD"} {
			require.NotNil(t, env[v].ValueFrom, "%s from the Secret", v)
		}
	})
	t.Run("pipeline", func(t *testing.T) {
		tail := only(t, conf, "INPUT", "tail")
		checkFilterPipeline(t, conf, tail.MustGet(t, "Tag"), "es")
		k := only(t, conf, "FILTER", "kubernetes")
		require.True(t, tagMatches(k.MustGet(t, "Match"), strings.ReplaceAll(tail.MustGet(t, "Tag"), "*", "var.log.containers.x.log")))
		// The tag is the tail Tag with * replaced by the file's path (slashes
		// as dots): the filter's prefix must be the tag up to the file name.
		prefix := strings.TrimSuffix(tail.MustGet(t, "Tag"), "*") + strings.ReplaceAll(strings.TrimPrefix(path.Dir(tail.MustGet(t, "Path")), "/"), "/", ".") + "."
		require.Equal(t, prefix, k.MustGet(t, "Kube_Tag_Prefix"))
		es := only(t, conf, "OUTPUT", "es")
		require.True(t, strings.EqualFold(es.MustGet(t, "Retry_Limit"), "no_limits"), "es Retry_Limit")
		require.Equal(t, "On", es.MustGet(t, "Suppress_Type_Name"), "Elasticsearch 8 has no mapping types")
		require.Equal(t, "On", es.MustGet(t, "tls.verify"))
	})
	t.Run("data stream names match the template", func(t *testing.T) {
		es := only(t, conf, "OUTPUT", "es")
		require.Equal(t, "On", es.MustGet(t, "Logstash_Format"))
		require.Equal(t, "create", es.MustGet(t, "Write_Operation"), "data streams take create operations only")
		key := es.MustGet(t, "Logstash_Prefix_Key")
		ax := only(t, conf, "FILTER", "auditx")
		tail := only(t, conf, "INPUT", "tail")
		require.Equal(t, "on", ax.MustGet(t, "data_stream"))
		ns := ax.MustGet(t, "data_stream_namespace")
		require.NotContains(t, es.MustGet(t, "Logstash_DateFormat"), "%", "the date format is the namespace, not a date")
		require.Equal(t, ns, es.MustGet(t, "Logstash_DateFormat"), "the es output's namespace is auditx's data_stream_namespace")
		patterns := func(file string) []string {
			var tmpl struct {
				IndexPatterns []string `json:"index_patterns"`
			}
			require.NoError(t, json.Unmarshal([]byte(readRepoFile(t, file)), &tmpl))
			return tmpl.IndexPatterns
		}
		templates := map[string][]string{
			"build/elasticsearch/data-stream-template.json":  patterns("build/elasticsearch/data-stream-template.json"),
			"build/elasticsearch/unrecognized-template.json": patterns("build/elasticsearch/unrecognized-template.json"),
		}
		for ds, want := range map[string]string{"privx.audit": "build/elasticsearch/data-stream-template.json",
			"netop.audit": "build/elasticsearch/data-stream-template.json", "auditx.unrecognized": "build/elasticsearch/unrecognized-template.json"} {
			tag := strings.Split(tail.MustGet(t, "Tag"), ".")
			require.Greater(t, len(tag), 2, "tail Tag auditx.logs.*: its second part is the stream type")
			prefix := strings.NewReplacer("$TAG[1]", tag[1], "$data_stream['dataset']", ds).Replace(key)
			name := prefix + es.MustGet(t, "Logstash_Prefix_Separator") + es.MustGet(t, "Logstash_DateFormat")
			require.Equal(t, "logs-"+ds+"-"+ns, name)
			for file, pats := range templates {
				matched := false
				for _, p := range pats {
					matched = matched || tagMatches(p, name)
				}
				require.Equal(t, file == want, matched, "data stream %s and the patterns %v of %s", name, pats, file)
			}
		}
	})
	t.Run("the vendor's record under the kubernetes filter's Merge_Log_Key", func(t *testing.T) {
		k := only(t, conf, "FILTER", "kubernetes")
		ax := only(t, conf, "FILTER", "auditx")
		require.Equal(t, "On", k.MustGet(t, "Merge_Log"), "the container's JSON line parsed")
		require.Equal(t, "Off", k.MustGet(t, "Keep_Log"), "the raw line is not kept beside its parsed map")
		key := k.MustGet(t, "Merge_Log_Key")
		require.Equal(t, key, ax.MustGet(t, "record_key"), "auditx's record_key is the kubernetes filter's Merge_Log_Key")
		// The key must not be one of the pipeline's own keys nor an ECS
		// name: the vendor's record never mixes with them.
		require.NotContains(t, []string{"log", "kubernetes", "stream", "_p", "time", "@timestamp"}, key)
		require.False(t, ecsschema.IsTopLevel([]byte(key)), "Merge_Log_Key %s is an ECS name", key)
		require.NotContains(t, key, ".")
	})
}

// TestSecretExampleNotApplied keeps credentials out of the applied set.
func TestSecretExampleNotApplied(t *testing.T) {
	m := loadManifests(t)
	require.Equal(t, corev1.SecretTypeOpaque, m.secretExample.Type)
	for _, f := range m.files {
		b := readRepoFile(t, k8sDir+"/"+f)
		require.False(t, bytes.Contains([]byte(b), []byte("kind: Secret")), "%s defines a Secret: credentials belong in the user's own Secret", f)
	}
}
