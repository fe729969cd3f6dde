package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/tinylib/msgp/msgp"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/internal/mpjson"
)

// Fluent Bit's filesystem chunks (lib/chunkio, cio_file_st.h): two id bytes
// 0xC1 0x00, a 24-byte header whose bytes 10..13 hold the content length and
// 22..23 the metadata length, the metadata, then the msgpack events.
const (
	chunkIO0, chunkIO1       = 0xc1, 0x00
	chunkIOHeader            = 24
	chunkIOContentLenOffset  = 10
	chunkIOMetaLenOffset     = 22
	coverageTopUnknown       = 10
	coverageMaxFileBytes     = 1 << 30
	coverageMaxJSONLineBytes = maxLineBytes
)

// coverageReport is what `auditx coverage` prints.
type coverageReport struct {
	Files       []string                  `json:"files"`
	Records     uint64                    `json:"records"`
	Vendors     map[string]*vendorCounter `json:"vendors"`
	NoCode      uint64                    `json:"no_code"`
	InvalidCode uint64                    `json:"invalid_code"`
	Malformed   uint64                    `json:"malformed"`
	Already     uint64                    `json:"already_enriched"`
	TopUnknown  []unknownCode             `json:"top_unknown_codes"`
	// order lists the vendor ids in the catalog's order, for the text.
	order []string
}

type vendorCounter struct {
	Recognised uint64 `json:"recognised"`
	Unknown    uint64 `json:"unknown_code"`
}

type unknownCode struct {
	Vendor string `json:"vendor"`
	Code   string `json:"code"`
	Count  uint64 `json:"count"`
}

// coverage runs "auditx coverage".
func (c *cli) coverage(args []string) int {
	fs := c.flagSet("coverage", "[flags] FILE...",
		`Read real logs and report, per vendor, how many records the catalog recognises, how
many carry a code it does not know (the most frequent listed) and how many carry no
code. A FILE is JSON lines, a Fluent Bit filesystem chunk (storage.path, *.flb), or a
stream of msgpack events ([[time, metadata], record]).`)
	keys := addKeyFlags(fs, "vendor", "code_key", "code_regex", "record_key", "catalog_files")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	files, code, done := c.parse(fs, args)
	if done {
		return code
	}
	if len(files) == 0 {
		return c.usageError(fs, "no FILE given")
	}
	cfg, err := keys.config()
	if err != nil {
		return c.keyError(fs, err)
	}
	en, code, ok := c.enricher(fs, "coverage", cfg.CatalogFiles, cfg.Enrich)
	if !ok {
		return code
	}
	cat := en.Catalog()
	rep := &coverageReport{Files: files, Vendors: map[string]*vendorCounter{}}
	for _, v := range cat.Vendors() {
		rep.Vendors[v.ID] = &vendorCounter{}
		rep.order = append(rep.order, v.ID)
	}
	conv := mpjson.New()
	var scratch []byte
	count := func(body []byte) {
		var r enrich.Result
		var v *catalog.Vendor
		scratch, r, v = en.RecordVendor(scratch[:0], body)
		rep.Records++
		switch r {
		case enrich.ResultEnriched:
			rep.Vendors[v.String()].Recognised++
		case enrich.ResultUnknown:
			rep.Vendors[v.String()].Unknown++
		case enrich.ResultNoCode:
			rep.NoCode++
		case enrich.ResultInvalidCode:
			rep.InvalidCode++
		case enrich.ResultMalformed:
			rep.Malformed++
		case enrich.ResultAlreadyEnriched:
			rep.Already++
		}
	}
	for _, f := range files {
		if err := readRecords(f, conv, count, func() { rep.Records++; rep.Malformed++ }); err != nil {
			return c.fail("coverage", "%s: %v", f, err)
		}
	}
	top, _ := en.UnknownCodes(coverageTopUnknown)
	for _, u := range top {
		rep.TopUnknown = append(rep.TopUnknown, unknownCode{Vendor: u.Vendor, Code: u.Code, Count: u.Count})
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return c.fail("coverage", "%v", err)
		}
		return exitOK
	}
	printCoverage(c.stdout, rep)
	return exitOK
}

func printCoverage(w io.Writer, rep *coverageReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "vendor\trecognised\tunknown code\n")
	for _, id := range rep.order {
		vc := rep.Vendors[id]
		fmt.Fprintf(tw, "%s\t%d\t%d\n", id, vc.Recognised, vc.Unknown)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nrecords: %d; no vendor or code: %d; invalid code: %d; malformed: %d; already enriched: %d\n",
		rep.Records, rep.NoCode, rep.InvalidCode, rep.Malformed, rep.Already)
	if len(rep.TopUnknown) > 0 {
		fmt.Fprintf(w, "\nmost frequent unknown codes (add them to a catalog file):\n")
		for _, u := range rep.TopUnknown {
			fmt.Fprintf(w, "  %s %s: %d\n", u.Vendor, u.Code, u.Count)
		}
	}
}

// readRecords calls body for every record of the file, and bad for every
// line or entry that is not a record.
func readRecords(path string, conv *mpjson.Converter, body func([]byte), bad func()) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, readBufBytes)
	head, _ := br.Peek(chunkIOHeader)
	switch {
	case len(head) >= 2 && head[0] == chunkIO0 && head[1] == chunkIO1:
		data, err := io.ReadAll(io.LimitReader(br, coverageMaxFileBytes))
		if err != nil {
			return err
		}
		events, err := chunkContent(data)
		if err != nil {
			return err
		}
		return eachEvent(events, body, bad)
	case len(bytes.TrimLeft(head, " \t\r\n")) > 0 && bytes.TrimLeft(head, " \t\r\n")[0] == '{':
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, readBufBytes), coverageMaxJSONLineBytes)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			mp, err := conv.ToMsgpack(line)
			if err != nil || !json.Valid(line) {
				bad()
				continue
			}
			body(mp)
		}
		return sc.Err()
	default:
		data, err := io.ReadAll(io.LimitReader(br, coverageMaxFileBytes))
		if err != nil {
			return err
		}
		return eachEvent(data, body, bad)
	}
}

// chunkContent returns the events of a chunkio file.
func chunkContent(data []byte) ([]byte, error) {
	if len(data) < chunkIOHeader {
		return nil, fmt.Errorf("truncated Fluent Bit chunk header")
	}
	metaLen := int(binary.BigEndian.Uint16(data[chunkIOMetaLenOffset:]))
	start := chunkIOHeader + metaLen
	if start > len(data) {
		return nil, fmt.Errorf("chunk metadata length %d past the end", metaLen)
	}
	end := len(data)
	if n := int(binary.BigEndian.Uint32(data[chunkIOContentLenOffset:])); n > 0 && start+n <= len(data) {
		end = start + n
	}
	return bytes.TrimRight(data[start:end], "\x00"), nil
}

// eachEvent walks concatenated msgpack events and hands over their bodies.
func eachEvent(data []byte, body func([]byte), bad func()) error {
	for len(data) > 0 {
		rest, err := msgp.Skip(data)
		if err != nil {
			bad()
			return nil
		}
		ev := data[:len(data)-len(rest)]
		data = rest
		n, r, err := msgp.ReadArrayHeaderBytes(ev)
		if err != nil || n != 2 {
			bad()
			continue
		}
		hdr := r
		if r, err = msgp.Skip(r); err != nil {
			bad()
			continue
		}
		if isGroupMarker(hdr) {
			continue
		}
		body(r)
	}
	return nil
}

// isGroupMarker: a v2 header [EventTime(0xFFFFFFFF or 0xFFFFFFFE), meta].
func isGroupMarker(hdr []byte) bool {
	n, r, err := msgp.ReadArrayHeaderBytes(hdr)
	if err != nil || n != 2 || len(r) < 10 || r[0] != 0xd7 || r[1] != 0 {
		return false
	}
	sec := binary.BigEndian.Uint32(r[2:])
	return sec == 0xFFFFFFFF || sec == 0xFFFFFFFE
}
