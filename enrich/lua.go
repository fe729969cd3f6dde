package enrich

import (
	"sort"

	"github.com/auditx/auditx/catalog"
)

// What the CLI's Lua export (cmd/auditx, `catalog export --format lua`)
// generates its tables from, so that the script cannot drift from the core.

// WatchedKeys returns the normalised top-level keys the default plan of
// cat looks at (no code_key, no actor map), sorted.
func WatchedKeys(cat *catalog.Catalog) []string {
	p, err := newPlan(&Options{}, cat)
	if err != nil { // only a fixed vendor can fail
		panic(err)
	}
	keys := make([]string, 0, len(p.slots))
	for k := range p.slots {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SyslogSeverityNames returns, by syslog number (0 emergency .. 7 debug),
// the names a record's severity may be written as.
func SyslogSeverityNames() [8][2]string { return syslogNames }

// SyslogScores returns event.severity by syslog number
// (catalog.SyslogSeverity).
func SyslogScores() [8]int64 {
	var out [8]int64
	for n := range out {
		s, _ := catalog.SyslogSeverity(int64(n))
		out[n] = s.Score()
	}
	return out
}
