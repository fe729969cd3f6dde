// Command gen writes the input of the pipeline benchmark
// (scripts/bench-pipeline.sh): N JSON lines of the four vendors' record
// shapes, mixed in a random order, deterministic for a given seed.
//
//	go run ./bench/gen -n 1000000 -o bench/data/audit.log
//
// Every line is one of the sample records of testdata/samples/*.log (the
// templates: their key names, key order, value types and nesting are kept)
// with its values varied:
//
//   - the event code ranges over the whole embedded catalog of the vendor
//     (FilingBox Code/code, PlusAuth event_type, PrivX event_id, Netop
//     entity type + action), written as the template writes it (string or
//     integer); about 1% of the codes are not in the catalog and some
//     FilingBox codes lose their zero padding, to exercise the unknown-code
//     and normalisation paths;
//   - the fields that go with the code follow it (FilingBox Event name,
//     Event description and Type, PlusAuth message and level, PrivX
//     event_name and severity, Netop result code);
//   - users, IP addresses, ids, sessions and timestamps vary (timestamps
//     advance from 2026-11-20T08:14:00Z, about 1 ms per line, in each
//     template's own format);
//   - a last top-level key "bench_seq" carries the line's number (0 .. N-1),
//     unique, so that a benchmark can check that every record arrived once.
//
// PrivX lines keep only severity, username and remoteAddress under message
// (about 270 bytes a line with bench_seq, like the short PrivX samples);
// -full keeps every key of the templates (about 500 bytes).
//
// The records without a code among the samples (a FilingBox heartbeat) are
// templates too: they pass through auditx untouched.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/auditx/auditx/catalog"
)

func main() {
	n := flag.Int("n", 1_000_000, "number of lines")
	out := flag.String("o", "bench/data/audit.log", "output file (- for stdout)")
	seed := flag.Uint64("seed", 1, "random seed: the same seed gives the same file")
	samples := flag.String("samples", "testdata/samples", "directory of the sample logs <vendor>.log used as templates")
	full := flag.Bool("full", false, "keep every key of the PrivX templates (about 500-byte lines instead of 270)")
	flag.Parse()
	if *n < 0 {
		fatalf("-n must be >= 0")
	}
	g, err := newGenerator(*samples, *seed, *full)
	if err != nil {
		fatalf("%v", err)
	}
	var w io.Writer = os.Stdout
	var f *os.File
	if *out != "-" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			fatalf("%v", err)
		}
		tmp := *out + ".tmp"
		if f, err = os.Create(tmp); err != nil {
			fatalf("%v", err)
		}
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	start := time.Now()
	st, err := g.write(bw, *n)
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(*out+".tmp", *out)
		}
	}
	if err != nil {
		fatalf("%v", err)
	}
	fmt.Fprintf(os.Stderr, "gen: %d lines, %d bytes (%.0f bytes/line) in %s to %s (seed %d)\n",
		*n, st.bytes, float64(st.bytes)/float64(max(*n, 1)), time.Since(start).Round(time.Millisecond), *out, *seed)
	for _, v := range genVendors {
		vs := st.perVendor[v]
		if vs == nil || vs.lines == 0 {
			continue
		}
		fmt.Fprintf(os.Stderr, "gen:   %-9s %7d lines, %4.0f bytes/line, %d without a code, %d with an unknown code\n",
			v, vs.lines, float64(vs.bytes)/float64(vs.lines), vs.noCode, vs.unknown)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gen: "+format+"\n", args...)
	os.Exit(1)
}

// Ordered JSON: an object keeps its keys in order; any other value is kept
// as its raw JSON text.

type kv struct {
	key string
	val value
}

type value struct {
	obj []kv            // set for an object
	raw json.RawMessage // set for anything else
}

func parseObject(b []byte) ([]kv, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var out []kv
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		v := value{raw: raw}
		if len(raw) > 0 && raw[0] == '{' {
			if v.obj, err = parseObject(raw); err != nil {
				return nil, err
			}
			if v.obj == nil {
				v.obj = []kv{} // {} stays an object
			}
			v.raw = nil
		}
		out = append(out, kv{key, v})
	}
	return out, nil
}

func appendObject(b []byte, obj []kv) []byte {
	b = append(b, '{')
	for i, p := range obj {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendString(b, p.key)
		b = append(b, ": "...)
		if p.val.obj != nil {
			b = appendObject(b, p.val.obj)
		} else {
			b = append(b, p.val.raw...)
		}
	}
	return append(b, '}')
}

// appendString appends s as a JSON string (no HTML escaping, like the
// sample logs).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, fmt.Sprintf(`\u%04x`, c)...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// normKey is enrich's key normalisation: lower case without ' ', '_', '-'.
func normKey(k string) string {
	var sb strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == ' ' || c == '_' || c == '-':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// The generator.

// genVendors are the embedded vendors gen writes records of, by id, in the
// order the random draws pick them (kept from before the vendors were
// descriptors, so that a seed still gives the same file). Each has its own
// way of varying values (vary): this is a benchmark's data generator, not
// auditx's core.
var genVendors = []string{"filingbox", "plusauth", "privx", "netop"}

type template struct {
	vendor  string
	obj     []kv
	hasCode bool
}

type vendorStats struct {
	lines, bytes, noCode, unknown int
}

type stats struct {
	bytes     int
	perVendor map[string]*vendorStats
}

type generator struct {
	rng       *rand.Rand
	templates map[string][]template
	entries   map[string][]*catalog.Entry
	base      time.Time
}

var users = []string{"alice.moreau", "m.rossi", "s.tanaka", "kim.jisoo", "j.becker", "o.nilsen", "park.minho",
	"l.garcia", "a.kowalski", "n.haddad", "e.dubois", "r.silva", "t.nguyen", "h.schmidt", "p.ivanova", "d.okafor"}

// codeKeys are the normalised keys of the code per vendor (a template with
// none of them carries no code).
var codeKeys = map[string]bool{"code": true, "eventcode": true, "eventtype": true, "eventid": true, "entitytype": true}

func newGenerator(dir string, seed uint64, full bool) (*generator, error) {
	cat, err := catalog.Embedded()
	if err != nil {
		return nil, err
	}
	g := &generator{
		rng:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		base:      time.Date(2026, 11, 20, 8, 14, 0, 0, time.UTC),
		templates: map[string][]template{},
		entries:   map[string][]*catalog.Entry{},
	}
	for _, e := range cat.Entries() {
		g.entries[e.Vendor.ID] = append(g.entries[e.Vendor.ID], e)
	}
	for _, v := range genVendors {
		if len(g.entries[v]) == 0 {
			return nil, fmt.Errorf("the embedded catalog has no entries of vendor %q", v)
		}
		path := filepath.Join(dir, v+".log")
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("templates: %w (run from the repository root or set -samples)", err)
		}
		for i, line := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			obj, err := parseObject(line)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
			}
			t := template{vendor: v, obj: obj}
			for _, p := range obj {
				if codeKeys[normKey(p.key)] {
					t.hasCode = true
				}
			}
			if v == "privx" && !full {
				t.obj = compactPrivX(t.obj)
			}
			g.templates[v] = append(g.templates[v], t)
		}
		if len(g.templates[v]) == 0 {
			return nil, fmt.Errorf("%s: no template lines", path)
		}
	}
	return g, nil
}

// compactPrivX keeps severity, username and remoteAddress under message.
func compactPrivX(obj []kv) []kv {
	out := make([]kv, 0, len(obj))
	for _, p := range obj {
		if p.key == "message" && p.val.obj != nil {
			var m []kv
			for _, q := range p.val.obj {
				switch normKey(q.key) {
				case "severity", "username", "remoteaddress":
					m = append(m, q)
				}
			}
			p.val.obj = m
		}
		out = append(out, p)
	}
	return out
}

func (g *generator) write(w io.Writer, n int) (stats, error) {
	st := stats{perVendor: map[string]*vendorStats{}}
	for _, v := range genVendors {
		st.perVendor[v] = &vendorStats{}
	}
	var buf []byte
	for seq := 0; seq < n; seq++ {
		v := genVendors[g.rng.IntN(len(genVendors))]
		ts := g.templates[v]
		t := ts[g.rng.IntN(len(ts))]
		buf = g.line(buf[:0], t, seq, st.perVendor[v])
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return st, err
		}
		st.bytes += len(buf)
		st.perVendor[v].lines++
		st.perVendor[v].bytes += len(buf)
	}
	return st, nil
}

// line appends one varied copy of t.
func (g *generator) line(b []byte, t template, seq int, vs *vendorStats) []byte {
	r := g.rng
	// The event: a catalog entry, or (1%) an unknown code.
	var e *catalog.Entry
	unknown := false
	if t.hasCode {
		ents := g.entries[t.vendor]
		e = ents[r.IntN(len(ents))]
		unknown = r.IntN(100) == 0
	} else {
		vs.noCode++
	}
	if unknown {
		vs.unknown++
	}
	code := ""
	name, desc := "", ""
	failure := false
	if e != nil {
		code, name, desc = e.Code, e.Name, e.Description
		failure = e.Outcome == catalog.OutcomeFailure
		if unknown {
			name, desc = "Unknown event", "An event auditx does not know."
			switch t.vendor {
			case "filingbox":
				code = strconv.Itoa(900 + r.IntN(100))
			case "plusauth":
				code = strconv.Itoa(9000 + r.IntN(1000))
			case "privx":
				code = strconv.Itoa(90000 + r.IntN(10000))
			case "netop":
				code = "DEVICE.BENCH_UNKNOWN_" + strconv.Itoa(r.IntN(100))
			}
		}
	}
	when := g.base.Add(time.Duration(seq)*time.Millisecond + time.Duration(r.IntN(1000))*time.Microsecond)
	user := users[r.IntN(len(users))]
	ip := g.ip()

	obj := make([]kv, 0, len(t.obj)+1)
	for _, p := range t.obj {
		nk := normKey(p.key)
		switch {
		case p.val.obj != nil && nk == "message": // PrivX
			m := make([]kv, 0, len(p.val.obj))
			for _, q := range p.val.obj {
				switch normKey(q.key) {
				case "severity":
					q.val = str(g.privxSeverity(failure))
				case "username":
					q.val = str(user)
				case "remoteaddress":
					q.val = str(ip)
				case "userid":
					q.val = str(g.hex(8) + "-5d1c-4c5e-8a6e-" + g.hex(12))
				case "sessionid":
					q.val = str(g.hex(32))
				case "timestamp":
					q.val = str(when.Format("2006-01-02T15:04:05.000000Z"))
				}
				m = append(m, q)
			}
			p.val = value{obj: m}
		case p.val.obj != nil:
			// data, details: kept as they are
		default:
			p.val = g.vary(t.vendor, nk, p.val, code, name, desc, failure, when, user, ip)
		}
		obj = append(obj, p)
	}
	obj = append(obj, kv{"bench_seq", value{raw: json.RawMessage(strconv.Itoa(seq))}})
	return appendObject(b, obj)
}

// vary returns the new value of a top-level scalar.
func (g *generator) vary(v string, nk string, old value, code, name, desc string, failure bool,
	when time.Time, user, ip string) value {
	r := g.rng
	isInt := len(old.raw) > 0 && old.raw[0] != '"'
	codeValue := func(c string) value {
		if isInt {
			return value{raw: json.RawMessage(strings.TrimLeft(c, "0") + zeroIfEmpty(c))}
		}
		return str(c)
	}
	switch v {
	case "filingbox":
		switch nk {
		case "code", "eventcode":
			if !isInt && r.IntN(10) == 0 { // unpadded: "54" for 054
				return str(strings.TrimLeft(code, "0") + zeroIfEmpty(code))
			}
			return codeValue(code)
		case "eventname":
			if code != "" {
				return str(name)
			}
		case "eventdescription":
			return str(desc)
		case "type":
			if failure {
				return str("fault")
			}
			return str("info")
		case "date":
			return str(when.Format("2006-01-02 15:04:05"))
		case "user":
			return str(user)
		case "clientip":
			return str(ip)
		}
	case "plusauth":
		switch nk {
		case "eventtype":
			return codeValue(code)
		case "message":
			return str(name)
		case "level":
			if failure {
				return str("error")
			}
			return str("info")
		case "time":
			return str(when.Format("2006-01-02T15:04:05.000Z"))
		case "userid":
			return str("usr_" + g.hex(6))
		case "requestid":
			return str("req_" + g.hex(8))
		case "clientaddress":
			return str(ip)
		}
	case "privx":
		switch nk {
		case "eventid":
			return codeValue(code)
		case "eventname":
			return str(strings.ReplaceAll(name, " ", "-"))
		case "serviceid":
			return str(g.hex(8))
		case "created":
			return str(when.Format("2006-01-02T15:04:05.000000Z"))
		}
	case "netop":
		entity, action, _ := strings.Cut(code, ".")
		switch nk {
		case "entitytype":
			return str(entity)
		case "action":
			return str(action)
		case "resultcode":
			rc := 0
			if failure || r.IntN(20) == 0 {
				rc = 1 + r.IntN(5)
			}
			if isInt {
				return value{raw: json.RawMessage(strconv.Itoa(rc))}
			}
			return str(strconv.Itoa(rc))
		case "session":
			return str(g.hex(16))
		case "userid":
			return str("u-" + strconv.Itoa(10000+r.IntN(90000)))
		case "username":
			return str(user)
		case "entityid":
			return str(g.hex(8))
		case "entityname":
			return str(fmt.Sprintf("WS-%04d", r.IntN(10000)))
		case "actiontimestamp":
			return value{raw: json.RawMessage(strconv.FormatInt(when.Unix(), 10))}
		case "actiondate":
			return str(when.Format("2006-01-02T15:04:05Z"))
		}
	}
	return old
}

func zeroIfEmpty(code string) string {
	if strings.TrimLeft(code, "0") == "" {
		return "0"
	}
	return ""
}

// privxSeverity writes a syslog severity the ways PrivX does.
func (g *generator) privxSeverity(failure bool) string {
	if failure {
		return [...]string{"3", "Error(3)", "4", "Warning(4)", "err"}[g.rng.IntN(5)]
	}
	return [...]string{"6", "Info(6)", "6", "Info(6)", "5", "Notice(5)", "INFO"}[g.rng.IntN(7)]
}

func str(s string) value { return value{raw: appendString(nil, s)} }

const hexDigits = "0123456789abcdef"

func (g *generator) hex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[g.rng.IntN(16)]
	}
	return string(b)
}

// ip returns an address of the private and documentation ranges.
func (g *generator) ip() string {
	r := g.rng
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
	case 1:
		return fmt.Sprintf("172.%d.%d.%d", 16+r.IntN(16), r.IntN(256), 1+r.IntN(254))
	case 2:
		return fmt.Sprintf("192.168.%d.%d", r.IntN(256), 1+r.IntN(254))
	default:
		return fmt.Sprintf("%s.%d", [...]string{"192.0.2", "198.51.100", "203.0.113"}[r.IntN(3)], 1+r.IntN(254))
	}
}
