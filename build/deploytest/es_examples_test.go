package deploytest

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// The commented es outputs of the shipped example configurations, as a
// user uncomments them: each writes every vendor's records to its data
// stream logs-<vendor>.audit-default and the records auditx does not
// recognise to logs-auditx.unrecognized-default, the names the committed
// templates match.

// esExample is one shipped configuration with a commented es output.
type esExample struct {
	file string
	// door is how the records reach the es output: "filter" (the input's
	// tag) or "output" (re-emitted as enriched.<tag>).
	door string
}

var esExamples = []esExample{
	{"fluent-bit.conf", "filter"},
	{"fluent-bit.yaml", "filter"},
	{"examples/output-door.conf", "output"},
	{"examples/output-door.yaml", "output"},
	{"build/docker/fluent-bit.conf", "filter"},
}

// commentedClassicES returns the commented "# [OUTPUT]" section whose Name
// is es, uncommented and parsed.
func commentedClassicES(t *testing.T, file, text string) confSection {
	t.Helper()
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "# [OUTPUT]" {
			continue
		}
		var block []string
		for _, b := range lines[i:] {
			b = strings.TrimSpace(b)
			if !strings.HasPrefix(b, "#") {
				break
			}
			block = append(block, strings.TrimPrefix(strings.TrimPrefix(b, "#"), " "))
		}
		conf := parseClassicConf(t, file+" (commented es output)", strings.Join(block, "\n"))
		if len(conf) == 1 && conf[0].Plugin() == "es" {
			return conf[0]
		}
	}
	t.Fatalf("%s has no commented [OUTPUT] es", file)
	return confSection{}
}

// commentedYAMLES returns the commented "- name: es" output of a YAML
// configuration, uncommented, as a classic section (keys as written).
func commentedYAMLES(t *testing.T, file, text string) confSection {
	t.Helper()
	lines := strings.Split(text, "\n")
	re := regexp.MustCompile(`^(\s*)#\s?(- name: es)\s*$`)
	for i, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		var block []string
		for _, b := range lines[i:] {
			if !strings.HasPrefix(strings.TrimSpace(b), "#") {
				break
			}
			block = append(block, strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(b), "#"), " "))
		}
		var outs []map[string]any
		require.NoError(t, yaml.Unmarshal([]byte(strings.Join(block, "\n")), &outs), "%s: the commented es output", file)
		require.Len(t, outs, 1)
		s := confSection{Name: "OUTPUT"}
		for k, v := range outs[0] {
			b, err := json.Marshal(v)
			require.NoError(t, err)
			val := strings.Trim(string(b), `"`)
			if bv, ok := v.(bool); ok {
				val = map[bool]string{true: "On", false: "Off"}[bv]
			}
			s.Keys = append(s.Keys, [2]string{k, val})
		}
		return s
	}
	t.Fatalf("%s has no commented es output", file)
	return confSection{}
}

// exampleTags returns the tags of a configuration's tail inputs.
func exampleTags(t *testing.T, file, text string) []string {
	t.Helper()
	var tags []string
	if strings.HasSuffix(file, ".yaml") {
		for _, m := range regexp.MustCompile(`(?m)^\s*tag:\s*(\S+)\s*$`).FindAllStringSubmatch(text, -1) {
			tags = append(tags, m[1])
		}
	} else {
		for _, in := range sections(parseClassicConf(t, file, text), "INPUT", "tail") {
			tags = append(tags, in.MustGet(t, "Tag"))
		}
	}
	require.NotEmpty(t, tags, "%s: tail inputs", file)
	return tags
}

// templatePatterns reads the index_patterns of a committed template.
func templatePatterns(t *testing.T, file string) []string {
	t.Helper()
	var tmpl struct {
		IndexPatterns []string `json:"index_patterns"`
	}
	require.NoError(t, json.Unmarshal([]byte(readRepoFile(t, file)), &tmpl))
	return tmpl.IndexPatterns
}

func TestCommentedESOutputsUseTheDataStreams(t *testing.T) {
	vendors := templatePatterns(t, "build/elasticsearch/data-stream-template.json")
	unrecognized := templatePatterns(t, "build/elasticsearch/unrecognized-template.json")
	matches := func(pats []string, name string) bool {
		for _, p := range pats {
			if tagMatches(p, name) {
				return true
			}
		}
		return false
	}
	tagPart := regexp.MustCompile(`\$TAG\[(\d+)\]`)
	for _, ex := range esExamples {
		t.Run(ex.file, func(t *testing.T) {
			text := readRepoFile(t, ex.file)
			var es confSection
			if strings.HasSuffix(ex.file, ".yaml") {
				es = commentedYAMLES(t, ex.file, text)
			} else {
				es = commentedClassicES(t, ex.file, text)
			}
			require.Equal(t, "create", es.MustGet(t, "Write_Operation"), "data streams take create operations only")
			require.True(t, strings.EqualFold(es.MustGet(t, "Logstash_Format"), "On"))
			require.True(t, strings.EqualFold(es.MustGet(t, "Suppress_Type_Name"), "On"))
			require.Equal(t, "@timestamp", es.MustGet(t, "Time_Key"))
			require.Equal(t, "default", es.MustGet(t, "Logstash_DateFormat"), "auditx's default data_stream_namespace")
			key := es.MustGet(t, "Logstash_Prefix_Key")
			require.True(t, strings.HasPrefix(key, "$"), "Fluent Bit prepends $ to a key that does not start with one")
			for _, tag := range exampleTags(t, ex.file, text) {
				// A tail tag with * gets the file's path (slashes as dots).
				tag = strings.ReplaceAll(tag, "*", "var.log.privx.log")
				if ex.door == "output" {
					tag = "enriched." + tag
				}
				require.True(t, tagMatches(es.MustGet(t, "Match"), tag), "es Match %s and the tag %s", es.MustGet(t, "Match"), tag)
				parts := strings.Split(tag, ".")
				prefix := tagPart.ReplaceAllStringFunc(key, func(s string) string {
					n := int(s[5] - '0')
					require.Less(t, n, len(parts), "%s has no part %d", tag, n)
					return parts[n]
				})
				for ds, pats := range map[string][]string{"privx.audit": vendors, "netop.audit": vendors, "auditx.unrecognized": unrecognized} {
					name := strings.ReplaceAll(prefix, "$data_stream['dataset']", ds) + es.MustGet(t, "Logstash_Prefix_Separator") + es.MustGet(t, "Logstash_DateFormat")
					require.Equal(t, "logs-"+ds+"-default", name, "tag %s", tag)
					require.True(t, matches(pats, name), "%s: %s matches no committed template's patterns", ex.file, name)
				}
			}
		})
	}
}
