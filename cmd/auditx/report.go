package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/enrich"
)

// reportMaxName bounds the event name column.
const reportMaxName = 44

// report prints, per vendor, a table of enriched records (JSON lines, as
// Fluent Bit's stdout json_lines output or `auditx enrich` write them): what
// a security engineer reads first. Then the totals.
func (c *cli) report(args []string) int {
	fs := c.flagSet("report", "[flags] FILE...", "Print per-vendor tables (code, event, category, outcome, severity, actor) of enriched JSON lines, then the totals. FILE - reads standard input.")
	limit := fs.Int("limit", 0, "show at most `N` rows per vendor (0: all)")
	var catalogs listFlag
	fs.Var(&catalogs, "catalog", "the user catalog `FILE` the records were enriched with: its vendors' products name their tables (repeatable)")
	pos, code, done := c.parse(fs, args)
	if done {
		return code
	}
	if len(pos) == 0 {
		return c.usageError(fs, "no FILE given")
	}
	cat, err := catalog.Load(catalogs...)
	if err != nil {
		return c.fail("report", "%v", err)
	}
	rep := newReport()
	for _, p := range pos {
		var r io.Reader = c.stdin
		if p != "-" {
			f, err := os.Open(p)
			if err != nil {
				return c.fail("report", "%v", err)
			}
			defer f.Close()
			r = f
		}
		if err := rep.read(r, p); err != nil {
			return c.fail("report", "%v", err)
		}
	}
	rep.write(c.stdout, *limit, cat.Vendors())
	return exitOK
}

// reportRow is one record of a vendor's table.
type reportRow struct {
	code, action, category, outcome, severity, actor string
	unknown                                          bool
}

type reportVendor struct {
	rows             []reportRow
	enriched, unknwn int
}

type report struct {
	vendors         map[string]*reportVendor
	records, noCode int
	malformed       int
	order           []string
	firstBadLine    string
}

func newReport() *report { return &report{vendors: map[string]*reportVendor{}} }

// read adds the JSON lines of r; lines that are not JSON objects are
// counted, not fatal (Fluent Bit's stdout may carry other lines).
func (rep *report) read(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			rep.malformed++
			if rep.firstBadLine == "" {
				rep.firstBadLine = fmt.Sprintf("%s:%d", name, line)
			}
			continue
		}
		rep.add(m)
	}
	return sc.Err()
}

func (rep *report) add(m map[string]any) {
	rep.records++
	module := str(lookup(m, "event.module"))
	if module == "" {
		module = str(lookup(m, enrich.DefaultFlatKey+".event.module"))
	}
	if module == "" {
		rep.noCode++
		return
	}
	v := rep.vendors[module]
	if v == nil {
		v = &reportVendor{}
		rep.vendors[module] = v
		rep.order = append(rep.order, module)
	}
	ev, _ := lookup(m, "event").(map[string]any)
	if ev == nil {
		ev, _ = lookup(m, enrich.DefaultFlatKey+".event").(map[string]any)
	}
	row := reportRow{
		code: str(ev["code"]), action: str(ev["action"]), category: list(ev["category"]),
		outcome: str(ev["outcome"]), severity: riskOrSeverity(ev), actor: actor(m),
	}
	if row.action == "" {
		row.unknown, row.action = true, "(unknown code)"
		v.unknwn++
	} else {
		v.enriched++
	}
	v.rows = append(v.rows, row)
}

// actor is who (user.name, else user.id) and from where (source.ip), as
// the record's ECS fields say.
func actor(m map[string]any) string {
	var parts []string
	who := str(lookup(m, "user.name"))
	if who == "" {
		who = str(lookup(m, "user.id"))
	}
	for _, s := range []string{who, str(lookup(m, "source.ip"))} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " @ ")
}

// write prints the tables: the vendors in the catalog's order, then any
// other module (a vendor of a catalog file not given to the report).
func (rep *report) write(w io.Writer, limit int, vendors []*catalog.Vendor) {
	names := map[string]string{}
	var order []string
	for _, v := range vendors {
		names[v.ID] = v.Product
		if rep.vendors[v.ID] != nil {
			order = append(order, v.ID)
		}
	}
	for _, m := range rep.order {
		if _, ok := names[m]; !ok {
			order = append(order, m)
		}
	}
	for _, m := range order {
		v := rep.vendors[m]
		product := names[m]
		if product == "" {
			product = "not in the catalog"
		}
		fmt.Fprintf(w, "== %s (%s): %d records, %d enriched, %d with an unknown code\n", m, product, len(v.rows), v.enriched, v.unknwn)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CODE\tEVENT\tCATEGORY\tOUTCOME\tSEV\tACTOR")
		for i, r := range v.rows {
			if limit > 0 && i == limit {
				fmt.Fprintf(tw, "  ...\t(%d more)\t\t\t\t\n", len(v.rows)-limit)
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", r.code, clip(r.action, reportMaxName), dash(r.category), dash(r.outcome), dash(r.severity), r.actor)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	enriched, unknown := 0, 0
	for _, v := range rep.vendors {
		enriched += v.enriched
		unknown += v.unknwn
	}
	fmt.Fprintf(w, "== total: %d records: %d enriched, %d with an unknown code (tag auditx_unknown_code), %d without a vendor or code (passed untouched)\n",
		rep.records, enriched, unknown, rep.noCode)
	if rep.malformed > 0 {
		fmt.Fprintf(w, "== %d lines were not JSON objects (first at %s)\n", rep.malformed, rep.firstBadLine)
	}
}

// lookup returns the value at a dotted path of nested maps.
func lookup(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return fmt.Sprintf("%g", x)
	}
	return fmt.Sprint(v)
}

func list(v any) string {
	arr, ok := v.([]any)
	if !ok {
		return str(v)
	}
	var out []string
	for _, e := range arr {
		out = append(out, str(e))
	}
	return strings.Join(out, ",")
}

func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// riskOrSeverity is auditx's 0-100 classification of an event: its
// event.risk_score_norm, or event.severity in the layout without the
// vendor namespace (vendor_namespace off), where it holds that score.
func riskOrSeverity(ev map[string]any) string {
	if r, ok := ev["risk_score_norm"]; ok {
		return str(r)
	}
	return str(ev["severity"])
}
