package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReportSamples: the report of the enriched samples (the golden files)
// has one table per vendor with a row for each of its records, the
// enriched and unknown counts the records carry, and the totals.
func TestReportSamples(t *testing.T) {
	var files []string
	total, noCode := 0, 0
	want := map[string][3]int{} // rows, enriched, unknown
	vendors := mustEmbedded(t).Vendors()
	for _, v := range vendors {
		f := filepath.Join(goldenDir, v.String()+".golden")
		files = append(files, f)
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var c [3]int
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			total++
			rec := decodeObject(t, line)
			var tags []string
			if arr, ok := rec["tags"].([]any); ok {
				for _, x := range arr {
					tags = append(tags, fmt.Sprint(x))
				}
			}
			switch {
			case len(tags) == 0:
				noCode++
				continue
			case strings.Contains(strings.Join(tags, ","), "auditx_unknown_code"):
				c[2]++
			default:
				c[1]++
			}
			c[0]++
		}
		want[v.String()] = c
	}
	var out, errb bytes.Buffer
	require.Equal(t, exitOK, run(append([]string{"report"}, files...), nil, &out, &errb), errb.String())
	text := out.String()
	for _, v := range vendors {
		c := want[v.String()]
		require.Contains(t, text, fmt.Sprintf("== %s (%s): %d records, %d enriched, %d with an unknown code\n", v, v.Product, c[0], c[1], c[2]))
	}
	require.Contains(t, text, fmt.Sprintf("== total: %d records: ", total))
	require.Contains(t, text, fmt.Sprintf("%d without a vendor or code (passed untouched)", noCode))
	require.Contains(t, text, "  CODE  EVENT")
	require.Contains(t, text, "(unknown code)", "an unknown code's row says so")
	require.Contains(t, text, "Blocked IP Address", "a PlusAuth event name")

	out.Reset()
	require.Equal(t, exitOK, run([]string{"report", "--limit", "2", files[0]}, nil, &out, &errb))
	require.Contains(t, out.String(), fmt.Sprintf("(%d more)", want["filingbox"][0]-2))
	require.Equal(t, exitUsage, run([]string{"report"}, nil, &out, &errb), "no FILE")
}

// The actor column: who (user.name, else user.id) and from where.
func TestReportActor(t *testing.T) {
	for _, c := range []struct{ rec, want string }{
		{`{"event":{"module":"privx","code":"1","action":"a"},"user":{"name":"alice","id":"u1"},"source":{"ip":"10.0.0.1"}}`, "alice @ 10.0.0.1"},
		{`{"event":{"module":"plusauth","code":"1","action":"a"},"user":{"id":"usr_1"},"source":{"ip":"10.0.0.2"}}`, "usr_1 @ 10.0.0.2"},
		{`{"event":{"module":"netop","code":"1","action":"a"},"user":{"name":"bob"}}`, "bob"},
		{`{"event":{"module":"netop","code":"1","action":"a"}}`, "-"},
	} {
		var out, errb bytes.Buffer
		require.Equal(t, exitOK, run([]string{"report", "-"}, strings.NewReader(c.rec+"\n"), &out, &errb), errb.String())
		require.Regexp(t, `\s`+regexp.QuoteMeta(c.want)+`\n`, out.String(), c.rec)
	}
}
