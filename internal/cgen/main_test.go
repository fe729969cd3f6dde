package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/enrich"
)

// The committed C files are what cgen writes from the tables today: a
// changed key or counter without `go generate ./plugin` fails here.
func TestGeneratedFilesCurrent(t *testing.T) {
	for name, render := range map[string]func() []byte{KeysFile: RenderKeys, CountersFile: RenderCounters} {
		got, err := os.ReadFile(filepath.Join("..", "..", "plugin", name))
		require.NoError(t, err)
		require.Equal(t, string(render()), string(got), "plugin/%s is out of date: run go generate ./plugin", name)
	}
}

// Every counter of enrich's table marked Filter has its name and help in
// the C table, in the table's order.
func TestCounterNames(t *testing.T) {
	c := string(RenderCounters())
	at := 0
	for _, k := range enrich.FilterCounters() {
		entry := "{" + cQuote("auditx_"+k.Name) + ", " + cQuote(k.Help) + "}"
		i := strings.Index(c[at:], entry)
		require.GreaterOrEqual(t, i, 0, "%s missing or out of order", k.Name)
		at += i + len(entry)
	}
}

func TestCQuote(t *testing.T) {
	require.Equal(t, `"a \"b\" \\ c\303\251\012"`, cQuote("a \"b\" \\ cé\n"))
}
