package instance

import (
	"go/parser"
	"go/token"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const outputDoor = "github.com/auditx/auditx/outputdoor"

// The filter door never links the output door: neither the core (this
// package and everything it imports) nor the filter door's Go file
// (plugin/filter.go; plugin/ is one package main, so its files are checked
// one by one) imports outputdoor or anything under it.
func TestFilterDoorNeverImportsOutputDoor(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	require.NoError(t, err, "go list -deps")
	for _, pkg := range strings.Fields(string(out)) {
		require.False(t, strings.HasPrefix(pkg, outputDoor), "the core depends on %s", pkg)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "../plugin/filter.go", nil, parser.ImportsOnly)
	require.NoError(t, err)
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		require.NoError(t, err)
		require.False(t, strings.HasPrefix(path, outputDoor), "plugin/filter.go imports %s", path)
	}
}
