package deploytest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stretchr/testify/require"
)

// glibcOf maps the base images the Dockerfile may use to their glibc
// version. A c-shared Go library links the build host's glibc dynamically
// and needs the same or an older one at run time (shared/FLUENT-BIT-GO.md),
// so the builder's glibc must equal the runtime's. When you change a tag,
// add it here with its glibc, read from the image itself, e.g.
//
//	docker run --rm --entrypoint /lib/x86_64-linux-gnu/libc.so.6 fluent/fluent-bit:5.1.1
//
// (glibc's libc.so.6 prints its version when run; the distroless image has
// no shell, but that works there too).
var glibcOf = map[string]struct {
	os    string
	glibc string
}{
	// Debian 13 (trixie): libc6 2.41.
	"golang:1.26-trixie": {"Debian 13 (trixie)", "2.41"},
	// fluent/fluent-bit 5.1.1: FROM gcr.io/distroless/cc-debian13 (Fluent Bit's
	// dockerfiles/Dockerfile at v5.1.1, the "production" stage), whose libc6
	// comes from Debian 13: 2.41.
	"fluent/fluent-bit:5.1.1": {"distroless cc-debian13 (Debian 13)", "2.41"},
	// Not used; listed so that a downgrade shows why it fails.
	"golang:1.26-bookworm":    {"Debian 12 (bookworm)", "2.36"},
	"fluent/fluent-bit:4.0.3": {"distroless cc-debian12 (Debian 12)", "2.36"},
}

// instruction is one Dockerfile instruction.
type instruction struct {
	cmd   string   // lower case: from, copy, run, ...
	args  []string // the words after the command
	flags []string // --from=..., --chown=...
	json  bool     // exec (JSON array) form
	line  int
}

// stage is one FROM ... AS name section.
type stage struct {
	image string
	name  string
	ins   []instruction
}

// flag returns the value of --name=value, or "".
func (in instruction) flag(name string) string {
	for _, f := range in.flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// parseDockerfile parses the top-level Dockerfile with BuildKit's own
// parser and groups its instructions by stage.
func parseDockerfile(t testing.TB) []stage {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "Dockerfile"))
	require.NoError(t, err)
	defer f.Close()
	res, err := parser.Parse(f)
	require.NoError(t, err)
	require.Empty(t, res.Warnings, "BuildKit parser warnings")
	var stages []stage
	for _, n := range res.AST.Children {
		in := instruction{cmd: strings.ToLower(n.Value), flags: n.Flags, json: n.Attributes["json"], line: n.StartLine}
		for a := n.Next; a != nil; a = a.Next {
			in.args = append(in.args, a.Value)
		}
		if in.cmd == "from" {
			st := stage{image: in.args[0]}
			if len(in.args) == 3 && strings.EqualFold(in.args[1], "as") {
				st.name = in.args[2]
			}
			stages = append(stages, st)
			continue
		}
		require.NotEmpty(t, stages, "line %d: %s before the first FROM", in.line, in.cmd)
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	return stages
}

// find returns the instructions of a kind in a stage.
func (s stage) find(cmd string) []instruction {
	var out []instruction
	for _, in := range s.ins {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// copyDest returns the COPY instruction of the stage whose destination is
// dst.
func (s stage) copyTo(t testing.TB, dst string) instruction {
	t.Helper()
	for _, in := range s.find("copy") {
		to := in.args[len(in.args)-1]
		if to == dst || (strings.HasSuffix(to, "/") && path.Dir(dst) == path.Clean(to)) {
			return in
		}
	}
	t.Fatalf("stage %s copies nothing to %s", s.name, dst)
	return instruction{}
}

// labels returns the stage's LABEL keys and values (quotes removed).
func (s stage) labels() map[string]string {
	out := map[string]string{}
	for _, in := range s.find("label") {
		for i := 0; i+1 < len(in.args); i += 3 {
			out[in.args[i]] = strings.Trim(in.args[i+1], `"`)
		}
	}
	return out
}

func TestDockerfileStages(t *testing.T) {
	stages := parseDockerfile(t)
	require.GreaterOrEqual(t, len(stages), 2, "a multi-stage build: builder and runtime")
	builder, runtime := stages[0], stages[len(stages)-1]

	t.Run("builder image", func(t *testing.T) {
		require.Equal(t, "golang:1.26-trixie", builder.image, "Debian 13 Go image")
		require.Equal(t, "builder", builder.name)
	})
	t.Run("runtime image pinned", func(t *testing.T) {
		require.Equal(t, "fluent/fluent-bit:5.1.1", runtime.image)
		require.Regexp(t, `:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$`, runtime.image, "a full version tag, never latest or a moving minor tag")
	})
	t.Run("same glibc", func(t *testing.T) {
		b, ok := glibcOf[builder.image]
		require.True(t, ok, "builder image %s is not in glibcOf: add it with its glibc version", builder.image)
		r, ok := glibcOf[runtime.image]
		require.True(t, ok, "runtime image %s is not in glibcOf: add it with its glibc version", runtime.image)
		require.Equal(t, r.glibc, b.glibc, "builder %s (%s, glibc %s) and runtime %s (%s, glibc %s) must have the same glibc: out_auditx.so links the builder's",
			builder.image, b.os, b.glibc, runtime.image, r.os, r.glibc)
	})
	t.Run("plugin built with cgo as c-shared", func(t *testing.T) {
		var found bool
		for _, in := range builder.find("run") {
			cmd := strings.Join(in.args, " ")
			if strings.Contains(cmd, "-buildmode=c-shared") {
				found = true
				require.Contains(t, cmd, "CGO_ENABLED=1")
				require.Regexp(t, `-o /out/plugins/flb-filter_auditx\.so \./plugin\b`, cmd)
				// The output door is a symlink to the same library (one Go
				// runtime when both doors are loaded), and the runtime
				// stage copies the directory, which keeps it a symlink.
				require.Contains(t, cmd, "ln -s flb-filter_auditx.so /out/plugins/out_auditx.so")
			}
		}
		require.True(t, found, "no RUN builds the plugin with -buildmode=c-shared")
	})
	t.Run("COPY --from names a stage", func(t *testing.T) {
		names := map[string]bool{}
		for _, s := range stages {
			for _, in := range s.find("copy") {
				if from := in.flag("from"); from != "" {
					require.True(t, names[from], "line %d: COPY --from=%s names no earlier stage", in.line, from)
				}
			}
			names[s.name] = true
		}
	})
	t.Run("user", func(t *testing.T) {
		users := runtime.find("user")
		require.NotEmpty(t, users, "the runtime stage sets no USER")
		u := users[len(users)-1].args[0]
		uid, _, _ := strings.Cut(u, ":")
		require.Regexp(t, `^[0-9]+$`, uid, "a numeric uid (Kubernetes runAsNonRoot can only verify numbers)")
		require.NotEqual(t, "0", uid, "the image runs as root")
		require.Equal(t, "65532", uid, "distroless's nonroot user")
	})
	t.Run("labels", func(t *testing.T) {
		l := runtime.labels()
		for _, k := range []string{"title", "description", "version", "revision", "source", "base.name"} {
			require.NotEmpty(t, l["org.opencontainers.image."+k], "LABEL org.opencontainers.image.%s", k)
		}
		require.Contains(t, l["org.opencontainers.image.base.name"], runtime.image)
	})
	t.Run("entrypoint and config", func(t *testing.T) {
		ep := runtime.find("entrypoint")
		require.Len(t, ep, 1)
		require.True(t, ep[0].json, "ENTRYPOINT in exec form")
		require.Equal(t, []string{"/fluent-bit/bin/fluent-bit"}, ep[0].args)
		cmd := runtime.find("cmd")
		require.Len(t, cmd, 1)
		require.True(t, cmd[0].json, "CMD in exec form")
		require.Equal(t, []string{"-c", "/fluent-bit/etc/fluent-bit.conf"}, cmd[0].args)
		runtime.copyTo(t, "/fluent-bit/etc/fluent-bit.conf")
		require.Empty(t, runtime.find("healthcheck"), "no HEALTHCHECK: the distroless image has no shell or curl to run one")
	})
}

// TestDockerfileCopySources checks every COPY from the build context: the
// source exists in the repository and .dockerignore does not exclude it.
func TestDockerfileCopySources(t *testing.T) {
	root := repoRoot(t)
	ignore := dockerignore(t)
	for _, s := range parseDockerfile(t) {
		for _, in := range append(s.find("copy"), s.find("add")...) {
			if in.flag("from") != "" {
				continue
			}
			for _, src := range in.args[:len(in.args)-1] {
				t.Run(src, func(t *testing.T) {
					matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(src)))
					require.NoError(t, err)
					require.NotEmpty(t, matches, "line %d: COPY source %s does not exist", in.line, src)
					if src != "." {
						require.False(t, ignore.excludes(path.Clean(src)), "line %d: COPY source %s is excluded by .dockerignore", in.line, src)
					}
				})
			}
		}
	}
}

// dockerignoreRules are the patterns of .dockerignore.
type dockerignoreRules []string

// dockerignore reads .dockerignore. Only plain patterns are used (no "!"
// exceptions, no "**"), so filepath.Match on the path and each of its parent
// directories is Docker's own rule for them.
func dockerignore(t testing.TB) dockerignoreRules {
	t.Helper()
	var out dockerignoreRules
	for _, line := range strings.Split(readRepoFile(t, ".dockerignore"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		require.False(t, strings.HasPrefix(line, "!") || strings.Contains(line, "**"),
			".dockerignore pattern %q: exceptions and ** are not supported by this test's matcher", line)
		out = append(out, path.Clean(strings.TrimPrefix(line, "/")))
	}
	return out
}

// excludes reports whether the slash-separated relative path is left out of
// the build context.
func (r dockerignoreRules) excludes(rel string) bool {
	for p := rel; p != "." && p != "/"; p = path.Dir(p) {
		for _, pat := range r {
			if ok, _ := path.Match(pat, p); ok {
				return true
			}
		}
	}
	return false
}

// TestDockerignoreKeepsBuildInputs lists, with go list, every file the two
// builds of the Dockerfile read (Go, cgo, header and embedded files of
// every package of this module they import) and checks that .dockerignore
// keeps them in the build context.
func TestDockerignoreKeepsBuildInputs(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	root := repoRoot(t)
	ignore := dockerignore(t)
	cmd := exec.Command("go", "list", "-deps", "-json", "./plugin", "./cmd/auditx")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.Output()
	require.NoError(t, err, "go list")
	dec := json.NewDecoder(strings.NewReader(string(out)))
	files := []string{"go.mod", "go.sum"}
	for dec.More() {
		var p struct {
			Dir                                           string
			Standard                                      bool
			GoFiles, CgoFiles, HFiles, CFiles, EmbedFiles []string
		}
		require.NoError(t, dec.Decode(&p))
		rel, err := filepath.Rel(root, p.Dir)
		if p.Standard || err != nil || strings.HasPrefix(rel, "..") {
			continue // the standard library and the module cache
		}
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.HFiles, p.CFiles, p.EmbedFiles} {
			for _, f := range list {
				files = append(files, filepath.ToSlash(filepath.Join(rel, f)))
			}
		}
	}
	require.Greater(t, len(files), 10, "go list found the module's packages")
	var excluded []string
	for _, f := range files {
		if ignore.excludes(f) {
			excluded = append(excluded, f)
		}
	}
	require.Empty(t, excluded, ".dockerignore excludes files the builds need")
}

// TestDockerDefaultConfig checks the image's default configuration against
// the Dockerfile: every file it names is copied into the image, the
// writable paths are the directories the image gives to the nonroot user,
// the HTTP port is exposed, and the auditx pipeline cannot loop.
func TestDockerDefaultConfig(t *testing.T) {
	stages := parseDockerfile(t)
	runtime := stages[len(stages)-1]
	conf := parseClassicConf(t, "build/docker/fluent-bit.conf", readRepoFile(t, "build/docker/fluent-bit.conf"))
	svc := only(t, conf, "SERVICE", "")

	runtime.copyTo(t, svc.MustGet(t, "Plugins_File"))
	runtime.copyTo(t, svc.MustGet(t, "Parsers_File"))
	so := pluginsPath(t, readRepoFile(t, "build/plugins.conf"))
	runtime.copyTo(t, so)

	writable := map[string]bool{}
	for _, in := range runtime.find("copy") {
		if in.flag("chown") == "65532:65532" {
			writable[in.args[len(in.args)-1]] = true
		}
	}
	inWritable := func(what, p string) {
		for d := range writable {
			if underDir(p, d) {
				return
			}
		}
		t.Errorf("%s %s is not under a directory the image gives to uid 65532 (%v)", what, p, writable)
	}
	inWritable("storage.path", svc.MustGet(t, "storage.path"))
	tail := only(t, conf, "INPUT", "tail")
	inWritable("tail DB", tail.MustGet(t, "DB"))

	require.Equal(t, "On", svc.MustGet(t, "HTTP_Server"))
	require.Equal(t, "On", svc.MustGet(t, "Health_Check"))
	port := svc.MustGet(t, "HTTP_Port")
	var exposed []string
	for _, in := range runtime.find("expose") {
		exposed = append(exposed, in.args...)
	}
	require.Contains(t, exposed, port, "EXPOSE the HTTP_Port")

	checkFilterPipeline(t, conf, tail.MustGet(t, "Tag"), "stdout")
	// The library's directory is copied whole, so out_auditx.so stays the
	// symlink the builder made.
	in := runtime.copyTo(t, so)
	require.Equal(t, "builder", in.flag("from"))
	require.Equal(t, "/out/plugins/", in.args[0], "COPY the plugins directory, not the files one by one")
	for v, hasDefault := range envVars(conf) {
		require.True(t, hasDefault, "${%s} has no default (${%s:-...}): the image must start without it", v, v)
	}
	// The parsers file the image copies defines the parser the tail uses.
	parsers := parseClassicConf(t, "build/parsers.conf", readRepoFile(t, "build/parsers.conf"))
	var names []string
	for _, p := range sections(parsers, "PARSER", "") {
		names = append(names, p.MustGet(t, "Name"))
	}
	require.Contains(t, names, tail.MustGet(t, "Parser"))
}

// pluginsPath returns the one Path of a [PLUGINS] file.
func pluginsPath(t testing.TB, text string) string {
	t.Helper()
	conf := parseClassicConf(t, "plugins.conf", text)
	require.Len(t, conf, 1)
	require.Equal(t, "PLUGINS", conf[0].Name)
	p := conf[0].MustGet(t, "Path")
	require.Regexp(t, regexp.MustCompile(`^/.+\.so$`), p)
	return p
}
