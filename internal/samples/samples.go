// Package samples reads the bundled sample logs, testdata/samples/<vendor>.log
// (one JSON record a line), for the tests that run them: the number of
// records comes from the files, so adding a sample record never means
// editing a count in every test. It is test support: nothing in auditx
// itself imports it.
package samples

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Vendors are the vendor ids of the sample logs, in the catalog's order.
var Vendors = []string{"filingbox", "plusauth", "privx", "netop"}

// maxLine bounds one sample record.
const maxLine = 1 << 20

// Dir returns testdata/samples of the module: the first directory holding a
// go.mod, from the working directory (a package directory under go test)
// upwards.
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "samples"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("samples: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Path returns the sample log of a vendor.
func Path(vendor string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, vendor+".log"), nil
}

// Lines returns the records (non-blank lines) of a vendor's sample log.
func Lines(vendor string) ([][]byte, error) {
	p, err := Path(vendor)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			out = append(out, bytes.Clone(sc.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return out, nil
}

// Count returns the number of records of a vendor's sample log.
func Count(vendor string) (int, error) {
	lines, err := Lines(vendor)
	return len(lines), err
}

// Total returns the number of records of all the sample logs.
func Total() (int, error) {
	total := 0
	for _, v := range Vendors {
		n, err := Count(v)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// MustTotal is Total for tests: a failure to read the samples fails tb.
func MustTotal(tb interface {
	Helper()
	Fatalf(string, ...any)
}) int {
	tb.Helper()
	n, err := Total()
	if err != nil {
		tb.Fatalf("reading the sample logs: %v", err)
	}
	return n
}
