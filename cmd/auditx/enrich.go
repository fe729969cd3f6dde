package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/internal/evtime"
	"github.com/auditx/auditx/internal/mpjson"
)

// Limits and buffers of auditx enrich.
const (
	// maxLineBytes bounds one input line (without its '\n'). A longer line
	// is passed through unchanged, in pieces, and reported as bad: it is
	// never held in memory whole.
	maxLineBytes = 16 << 20
	// readBufBytes and writeBufBytes size the stdin and stdout buffers.
	readBufBytes  = 64 << 10
	writeBufBytes = 64 << 10
)

// enrich runs "auditx enrich".
func (c *cli) enrich(args []string) int {
	fs := c.flagSet("enrich", "[flags] < in.jsonl > out.jsonl",
		`Read JSON lines on stdin, write them enriched on stdout, through the same core as the
Fluent Bit plugin. Lines that are not a JSON object (invalid JSON, arrays, empty lines)
are reported on stderr with their line number and passed through unchanged; records
that carry no known vendor or code are passed through unchanged too. A summary of the
counters is printed on stderr at the end.`)
	keys := addKeyFlags(fs)
	readTime := fs.String("read-time", "", "the `TIME` (RFC 3339) to report as read in event.created (default: now)")
	timeKey := fs.String("time-key", "", "write each record's time, as Fluent Bit's es output would write it, under this `KEY` (such as @timestamp) at the start of the line: the vendor's event time, else the read time")
	strict := fs.Bool("strict", false, "exit 1 when a line was not a JSON object")
	pos, code, done := c.parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 0 {
		return c.usageError(fs, "unexpected argument %q: input is read from stdin", pos[0])
	}
	cfg, err := keys.config()
	if err != nil {
		return c.keyError(fs, err)
	}
	opts := cfg.Enrich
	var read time.Time
	if *readTime != "" {
		if read, err = time.Parse(time.RFC3339Nano, *readTime); err != nil {
			return c.usageError(fs, "invalid value %q for flag --read-time: %v", *readTime, err)
		}
		opts.Now = func() time.Time { return read }
	}
	en, code, ok := c.enricher(fs, "enrich", cfg.CatalogFiles, opts)
	if !ok {
		return code
	}
	s := &enrichStream{en: en, conv: mpjson.New(), maxLine: maxLineBytes, timeKey: *timeKey, now: time.Now}
	if !read.IsZero() {
		s.now = opts.Now
	}
	sum, err := s.run(c.stdin, c.stdout, c.stderr)
	fmt.Fprintf(c.stderr, "auditx enrich: %s\n", sum)
	switch {
	case err != nil:
		return c.fail("enrich", "%v", err)
	case *strict && sum.BadLines > 0:
		return c.fail("enrich", "%d of %d lines were not JSON objects (--strict)", sum.BadLines, sum.Lines)
	}
	return exitOK
}

// enricher builds the enricher of a command from the options config
// parsed: the catalog with the user's files (a file that does not load is
// a failure of the command, exitFail), the vendor checked against it (a
// usage error naming --vendor). ok is false when the command must return
// code.
func (c *cli) enricher(fs *flag.FlagSet, name string, files []string, opts enrich.Options) (en *enrich.Enricher, code int, ok bool) {
	cat, err := catalog.Load(files...)
	if err != nil {
		return nil, c.fail(name, "%v", err), false
	}
	if opts.Vendor != "" {
		if _, err := lookupVendor(cat, opts.Vendor, true); err != nil {
			return nil, c.usageError(fs, "invalid value %q for flag --vendor: %v", opts.Vendor, err), false
		}
	}
	if en, err = enrich.New(cat, opts); err != nil {
		return nil, c.keyError(fs, err), false
	}
	return en, exitOK, true
}

// enrichStream enriches a stream of JSON lines. Its Enricher serves this
// stream alone, so the Enricher's counters are the stream's.
type enrichStream struct {
	en      *enrich.Enricher
	conv    *mpjson.Converter
	maxLine int
	rec     []byte // reused output buffer of enrich.Record
	timeKey string // write each record's time under it, when set
	now     func() time.Time
}

// summary counts what a stream saw. Every line is one record: the
// enricher's counters plus the lines that never reached it (BadLines, also
// counted as Malformed). Its String is the counters line of both doors'
// exit (enrich.Stats.String).
type summary struct {
	enrich.Stats
	Lines    uint64
	BadLines uint64
}

// run reads JSON lines from in and writes one line to out for each:
// enriched (known code, or known vendor with an unknown code) or the input
// line byte for byte (no code, invalid code, already enriched, not a JSON
// object). Lines that are not a JSON object are reported on errw with
// their line number. Output is flushed whenever the input has nothing
// buffered, so a pipe sees each line as soon as it is done. The error is a
// read or write failure; the summary counts the lines handled until then.
func (s *enrichStream) run(in io.Reader, out, errw io.Writer) (sum summary, err error) {
	br := bufio.NewReaderSize(in, readBufBytes)
	bw := bufio.NewWriterSize(out, writeBufBytes)
	defer func() {
		sum.Stats = s.en.Stats()
		sum.Records += sum.BadLines
		sum.Malformed += sum.BadLines
	}()
	var line []byte
	for {
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return sum, fmt.Errorf("writing the output: %w", err)
			}
		}
		var long, eof bool
		line, long, eof, err = readLine(br, line[:0], s.maxLine, bw)
		if err != nil {
			bw.Flush()
			return sum, fmt.Errorf("line %d: %w", sum.Lines+1, err)
		}
		if eof && len(line) == 0 && !long {
			break
		}
		sum.Lines++
		if long {
			sum.BadLines++
			fmt.Fprintf(errw, "line %d: longer than %d bytes: passed through unchanged\n", sum.Lines, s.maxLine)
		} else {
			content := bytes.TrimSuffix(line, []byte{'\n'})
			enriched, problem := s.line(content)
			if problem != "" {
				sum.BadLines++
				fmt.Fprintf(errw, "line %d: %s: passed through unchanged\n", sum.Lines, problem)
			}
			if enriched == nil {
				enriched = content
			}
			bw.Write(enriched)
			bw.WriteByte('\n') // a write error sticks in bw and is returned by Flush
		}
		if eof {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		return sum, fmt.Errorf("writing the output: %w", err)
	}
	return sum, nil
}

// line enriches one line (without its '\n'). It returns the enriched JSON,
// or nil when the line is to be passed through unchanged, and, for a line
// that is not a JSON object, the problem.
func (s *enrichStream) line(content []byte) (enriched []byte, problem string) {
	trimmed := bytes.TrimSpace(content)
	if len(trimmed) == 0 {
		return nil, "empty line"
	}
	// encoding/json checks the whole line: the msgpack converter would
	// stop after the first value and drop what follows it.
	if !json.Valid(trimmed) {
		var v json.RawMessage
		err := json.Unmarshal(trimmed, &v)
		if err == nil {
			err = errors.New("not valid JSON")
		}
		return nil, "invalid JSON: " + err.Error()
	}
	if trimmed[0] != '{' {
		return nil, "a JSON " + jsonKind(trimmed[0]) + ", not an object"
	}
	body, err := s.conv.ToMsgpack(trimmed)
	if err != nil {
		return nil, err.Error()
	}
	now := s.now
	if now == nil {
		now = time.Now
	}
	read := now()
	var when time.Time
	var ok bool
	s.rec, _, _, when, ok = s.en.RecordEvent(s.rec[:0], body, read)
	if !ok {
		when = read
	}
	if bytes.Equal(s.rec, body) && s.timeKey == "" {
		return nil, "" // untouched by the enricher: keep the line byte for byte
	}
	js, err := s.conv.ToJSON(s.rec)
	if err != nil {
		return nil, "cannot write the enriched record as JSON: " + err.Error()
	}
	if s.timeKey != "" {
		js = withTime(js, s.timeKey, when)
	}
	return js, ""
}

// withTime puts "key": time (RFC 3339, milliseconds, UTC: the es output's
// @timestamp) first in the JSON object js.
func withTime(js []byte, key string, t time.Time) []byte {
	k, _ := json.Marshal(key)
	out := append([]byte{'{'}, k...)
	out = append(out, ':', '"')
	out = evtime.AppendRFC3339Millis(out, t)
	out = append(out, '"')
	if len(js) > 2 {
		out = append(out, ',')
	}
	return append(out, js[1:]...)
}

// jsonKind names the JSON value starting with c.
func jsonKind(c byte) string {
	switch c {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// readLine appends one line of br, with its '\n' if it has one, to buf.
// A line longer than max (without the '\n') is not kept: what was read and
// the rest of the line are written to pass as they come, followed by a '\n'
// when the line has none, and long is true. eof is true when the input
// ended (a final line without '\n' may still have been read).
func readLine(br *bufio.Reader, buf []byte, max int, pass io.Writer) (line []byte, long, eof bool, err error) {
	for {
		frag, rerr := br.ReadSlice('\n')
		if !long {
			n := len(buf) + len(frag)
			if bytes.HasSuffix(frag, []byte{'\n'}) {
				n--
			}
			if n > max {
				long = true
				if _, err := pass.Write(buf); err != nil {
					return buf[:0], long, false, err
				}
				buf = buf[:0]
			}
		}
		if long {
			if _, err := pass.Write(frag); err != nil {
				return buf, long, false, err
			}
		} else {
			buf = append(buf, frag...)
		}
		switch {
		case rerr == nil:
			return buf, long, false, nil
		case errors.Is(rerr, bufio.ErrBufferFull):
			continue
		case errors.Is(rerr, io.EOF):
			if long { // a fragment ending in '\n' would have returned above
				_, err = pass.Write([]byte{'\n'})
			}
			return buf, long, true, err
		default:
			return buf, long, false, rerr
		}
	}
}
