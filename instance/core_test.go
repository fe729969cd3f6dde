package instance

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/enrich"
)

const userCatalogHeader = "vendor,code,name,name_in_doc,description,derived,group,category,type,outcome,severity,note\n"

// A reload replaces, never merges; a broken file keeps the old catalog.
func TestCatalogReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "site.csv")
	write := func(body string) {
		tmp := file + ".tmp"
		require.NoError(t, os.WriteFile(tmp, []byte(body), 0o644))
		require.NoError(t, os.Rename(tmp, file)) // an atomic swap, as ConfigMaps do
	}
	write(userCatalogHeader + "privx,9001,Site-event-one,,First site event.,,site,configuration,change,success,low,\n")
	var log bytes.Buffer
	f := newFilterWith(t, "test", config.Map{"catalog_files": file, "catalog_reload_interval": "1h"}, &log)
	filter := func(code string) string {
		var out []byte
		var st enrich.Stats
		require.True(t, f.Filter(privxEventCode(code), func(b []byte) { out = bytes.Clone(b) }, &st))
		return string(out)
	}
	assert.Contains(t, filter("9001"), "Site-event-one")
	assert.False(t, f.reload.check(), "unchanged file: no reload")

	write(userCatalogHeader + "privx,9002,Site-event-two,,Second site event.,,site,configuration,change,success,low,\n")
	require.True(t, f.reload.check())
	assert.Contains(t, filter("9002"), "Site-event-two")
	assert.Contains(t, filter("9001"), enrich.UnknownCodeTag, "an entry deleted from the file is gone")

	write(userCatalogHeader + "privx,9003,Broken,,,,,,,,,\n")
	assert.False(t, f.reload.check())
	assert.Contains(t, log.String(), "site.csv:2")
	assert.Contains(t, filter("9002"), "Site-event-two", "old catalog kept")
	reloads, failures, _ := f.CatalogCounters()
	assert.EqualValues(t, 1, reloads)
	assert.EqualValues(t, 1, failures)
}

// The metrics listener serves the core's counters, then the door's.
func TestMetricsEndpoint(t *testing.T) {
	var log bytes.Buffer
	f := newFilterWith(t, "test", config.Map{"metrics_listen": "127.0.0.1:0"}, &log)
	var st enrich.Stats
	f.Filter(privxEventCode("422"), func([]byte) {}, &st)
	resp, err := http.Get("http://" + f.metrics.Addr() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	text := string(body)
	assert.Contains(t, text, `auditx_records_total{instance="test"} 1`)
	embedded, err := catalog.Embedded()
	require.NoError(t, err)
	assert.Contains(t, text, fmt.Sprintf(`auditx_catalog_entries{instance="test"} %d`, embedded.Len()))
	assert.Contains(t, text, `auditx_unknown_code_records_total{instance="test",vendor="privx",code="422"} 1`)
	assert.Contains(t, text, `auditx_filter_calls_total{instance="test"} 1`)
}

func TestBadCatalogFileFailsNew(t *testing.T) {
	cfg, err := config.ParseFilter(config.Map{"catalog_files": "/nonexistent/site.csv"})
	require.NoError(t, err)
	_, err = NewFilter("x", cfg, NewLogger(io.Discard, "x", LevelError), nil)
	require.ErrorContains(t, err, "/nonexistent/site.csv")
}

func TestLoggerRateLimit(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(&buf, "x", LevelInfo)
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	for i := 0; i < 5; i++ {
		l.Limitf(LevelWarn, "k", "bad thing")
	}
	now = now.Add(LimitInterval)
	l.Limitf(LevelWarn, "k", "bad thing")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[1], "(4 similar messages suppressed)")
	l.Debugf("invisible")
	assert.NotContains(t, buf.String(), "invisible")
	assert.Equal(t, "abc...(6 bytes)", Truncate("abcdef", 3))
}
