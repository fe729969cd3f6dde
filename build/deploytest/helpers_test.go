package deploytest

import (
	"bufio"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/config"
)

// repoRoot returns the module root (two levels above this package).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "module root not found above build/deploytest")
	return root
}

// readRepoFile reads a file by its path from the module root.
func readRepoFile(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(rel)))
	require.NoError(t, err)
	return string(b)
}

// confSection is one [NAME] section of a classic Fluent Bit configuration.
type confSection struct {
	Name string      // upper case: SERVICE, INPUT, FILTER, OUTPUT, PARSER, PLUGINS
	Keys [][2]string // key, value in file order
	Line int
}

// Get returns the value of key (case-insensitive, as Fluent Bit reads it).
func (s confSection) Get(key string) (string, bool) {
	for _, kv := range s.Keys {
		if strings.EqualFold(kv[0], key) {
			return kv[1], true
		}
	}
	return "", false
}

// MustGet returns the value of key or fails the test.
func (s confSection) MustGet(t testing.TB, key string) string {
	t.Helper()
	v, ok := s.Get(key)
	require.True(t, ok, "[%s] at line %d has no %s", s.Name, s.Line, key)
	return v
}

// Plugin is the lower-cased Name of an INPUT, FILTER or OUTPUT section.
func (s confSection) Plugin() string {
	v, _ := s.Get("Name")
	return strings.ToLower(v)
}

// parseClassicConf parses Fluent Bit's classic format: "[SECTION]" lines,
// "key value" lines (the value is the rest of the line), "#" comments.
// @INCLUDE and @SET are refused: the shipped files are self-contained.
func parseClassicConf(t testing.TB, name, text string) []confSection {
	t.Helper()
	var out []confSection
	sc := bufio.NewScanner(strings.NewReader(text))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "@"):
			t.Fatalf("%s:%d: %q: directives are not expected in the shipped configs", name, n, line)
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			out = append(out, confSection{Name: strings.ToUpper(strings.Trim(line, "[]")), Line: n})
		default:
			require.NotEmpty(t, out, "%s:%d: key outside a section", name, n)
			k, v := line, ""
			if i := strings.IndexAny(line, " \t"); i > 0 {
				k, v = line[:i], strings.TrimSpace(line[i:])
			}
			require.NotEmpty(t, v, "%s:%d: key %s has no value", name, n, k)
			last := &out[len(out)-1]
			if _, dup := last.Get(k); dup {
				t.Fatalf("%s:%d: key %s set twice in [%s]", name, n, k, last.Name)
			}
			last.Keys = append(last.Keys, [2]string{k, v})
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// sections returns the sections of a kind (INPUT...) whose Name is plugin
// ("" for any).
func sections(conf []confSection, kind, plugin string) []confSection {
	var out []confSection
	for _, s := range conf {
		if s.Name == kind && (plugin == "" || s.Plugin() == plugin) {
			out = append(out, s)
		}
	}
	return out
}

// only returns the one section of a kind and plugin, or fails.
func only(t testing.TB, conf []confSection, kind, plugin string) confSection {
	t.Helper()
	s := sections(conf, kind, plugin)
	require.Len(t, s, 1, "[%s] Name %s", kind, plugin)
	return s[0]
}

// envRef matches Fluent Bit's environment references ${VAR} and ${VAR:-x}.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}`)

// envVars lists the environment variables a configuration reads, with
// whether each has a default. Keys auditx takes raw (config.Key.RawValue,
// such as emit_tag's ${TAG}) are not expanded by Fluent Bit and are skipped.
func envVars(conf []confSection) map[string]bool {
	raw := map[string]bool{}
	for _, k := range config.Keys {
		if k.RawValue {
			raw[k.Name] = true
		}
	}
	out := map[string]bool{}
	for _, s := range conf {
		for _, kv := range s.Keys {
			if s.Plugin() == "auditx" && raw[strings.ToLower(kv[0])] {
				continue
			}
			for _, m := range envRef.FindAllStringSubmatch(kv[1], -1) {
				out[m[1]] = out[m[1]] || m[2] != ""
			}
		}
	}
	return out
}

// coreOutputKeys are the keys Fluent Bit itself consumes on every output
// (src/flb_output.c flb_output_set_property in v5.1.1, see
// shared/FLUENT-BIT-GO.md): the plugin never sees them.
var coreOutputKeys = []string{"name", "match", "match_regex", "alias", "log_level", "log_suppress_interval",
	"retry_limit", "workers", "storage.total_limit_size"}

// coreFilterKeys are Fluent Bit's own keys of a [FILTER] section
// (src/flb_filter.c flb_filter_set_property).
var coreFilterKeys = []string{"name", "match", "match_regex", "alias", "log_level", "log_suppress_interval"}

// checkAuditxKeys fails on a key of an auditx [OUTPUT] or [FILTER] that is
// neither one of auditx's for that door (config.Keys, config.FilterKeys)
// nor one of Fluent Bit's core keys of the section: Fluent Bit would refuse
// to start on it.
func checkAuditxKeys(t testing.TB, s confSection) {
	t.Helper()
	known := map[string]bool{}
	keys, core := config.Keys, coreOutputKeys
	if s.Name == "FILTER" {
		keys, core = config.FilterKeys(), coreFilterKeys
	}
	for _, k := range keys {
		known[k.Name] = true
	}
	for _, k := range core {
		known[k] = true
	}
	for _, kv := range s.Keys {
		require.True(t, known[strings.ToLower(kv[0])], "auditx %s at line %d: unknown key %q", strings.ToLower(s.Name), s.Line, kv[0])
	}
}

// tagMatches reports whether a Fluent Bit Match pattern (with * wildcards)
// matches a tag.
func tagMatches(pattern, tag string) bool {
	ok, err := path.Match(strings.ReplaceAll(pattern, "/", "\x00"), strings.ReplaceAll(tag, "/", "\x00"))
	return err == nil && ok
}

// underDir reports whether p is dir or inside it (both absolute, slash
// separated).
func underDir(p, dir string) bool {
	p, dir = path.Clean(p), path.Clean(dir)
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// checkFilterPipeline checks the tag flow of an auditx filter pipeline:
// the auditx [FILTER] matches the input's records and the final output
// takes them with the same tag (the filter enriches in place); there is no
// re-emission hop (no auditx output, no in_forward) to deadlock or loop.
func checkFilterPipeline(t testing.TB, conf []confSection, inputTag, finalPlugin string) {
	t.Helper()
	ax := only(t, conf, "FILTER", "auditx")
	sample := strings.ReplaceAll(inputTag, "*", "var.log.x.log")
	match := ax.MustGet(t, "Match")
	require.True(t, tagMatches(match, sample), "auditx Match %q does not match the input tag %q", match, sample)
	final := only(t, conf, "OUTPUT", finalPlugin)
	require.True(t, tagMatches(final.MustGet(t, "Match"), sample), "%s Match %q does not take the enriched records (tag %q)", finalPlugin, final.MustGet(t, "Match"), sample)
	require.Empty(t, sections(conf, "OUTPUT", "auditx"), "the shipped pipeline uses the filter door, not the output door")
	require.Empty(t, sections(conf, "INPUT", "forward"), "no re-emission hop")
	checkAuditxKeys(t, ax)
}
