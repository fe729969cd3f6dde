package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const run = `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"ok\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestB","Output":"    harness_test.go:90: no Fluent Bit found\n"}
{"Action":"output","Package":"p","Test":"TestB","Output":"--- SKIP: TestB (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestB"}
{"Action":"run","Package":"p","Test":"TestC"}
{"Action":"run","Package":"p","Test":"TestC/sub"}
{"Action":"pass","Package":"p","Test":"TestC/sub"}
{"Action":"output","Package":"p","Test":"TestC","Output":"    c_test.go:3: boom\n"}
{"Action":"fail","Package":"p","Test":"TestC"}
{"Action":"fail","Package":"p"}
`

func TestSummary(t *testing.T) {
	s, err := read(strings.NewReader(run))
	require.NoError(t, err)
	var out bytes.Buffer
	require.Equal(t, 1, s.write(&out, "e2e"), "a failed test fails the summary")
	text := out.String()
	require.Contains(t, text, "c_test.go:3: boom", "a failed test's output is shown")
	require.Contains(t, text, "e2e: 1 skipped: no Fluent Bit found (TestB)")
	require.True(t, strings.HasSuffix(text, "e2e: 1 passed, 1 failed, 1 skipped\n"), text)

	s, err = read(strings.NewReader(strings.SplitN(run, `{"Action":"run","Package":"p","Test":"TestC"}`, 2)[0]))
	require.NoError(t, err)
	out.Reset()
	require.Equal(t, 0, s.write(&out, "e2e"))
	require.True(t, strings.HasSuffix(out.String(), "e2e: 1 passed, 0 failed, 1 skipped\n"))

	s, err = read(strings.NewReader(""))
	require.NoError(t, err)
	require.Equal(t, 1, s.write(&out, "e2e"), "no test at all is a failure")
}
