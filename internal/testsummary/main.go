// Command testsummary reads `go test -json` on standard input and prints
// what a person needs from a long end-to-end run: the output of every test
// that failed, why tests were skipped, and one closing line
//
//	e2e: 41 passed, 0 failed, 2 skipped
//
// counting top-level tests. It exits 1 when a test or a package failed (or
// the input has no test at all), so `make test` fails with it.
//
//	go test -json ./e2e | go run ./internal/testsummary -name e2e
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type summary struct {
	passed, failed, skipped int
	skipWhy                 map[string][]string // reason -> tests
	failedOut               []string
	pkgFailed               []string
}

func main() {
	name := flag.String("name", "tests", "the word before the closing line's counts")
	flag.Parse()
	s, err := read(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	os.Exit(s.write(os.Stdout, *name))
}

func read(r io.Reader) (*summary, error) {
	s := &summary{skipWhy: map[string][]string{}}
	out := map[string][]string{} // test -> output lines
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var ev event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			// go test prints build errors as plain text.
			fmt.Println(sc.Text())
			continue
		}
		top := ev.Test != "" && !strings.Contains(ev.Test, "/")
		switch ev.Action {
		case "output":
			if ev.Test != "" {
				key := strings.SplitN(ev.Test, "/", 2)[0]
				out[key] = append(out[key], ev.Output)
			} else if strings.HasPrefix(ev.Output, "FAIL") || strings.Contains(ev.Output, "[build failed]") || strings.HasPrefix(ev.Output, "panic:") {
				fmt.Print(ev.Output)
			}
		case "pass":
			if top {
				s.passed++
			}
		case "fail":
			switch {
			case top:
				s.failed++
				s.failedOut = append(s.failedOut, strings.Join(out[ev.Test], ""))
			case ev.Test == "":
				s.pkgFailed = append(s.pkgFailed, ev.Package)
			}
		case "skip":
			if top {
				s.skipped++
				s.skipWhy[skipReason(out[ev.Test])] = append(s.skipWhy[skipReason(out[ev.Test])], ev.Test)
			}
		}
		if ev.Action == "pass" || ev.Action == "skip" {
			if top {
				delete(out, ev.Test)
			}
		}
	}
	return s, sc.Err()
}

// skipReason is the message of the t.Skip call: the output line before
// "--- SKIP", without the file:line prefix.
func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "--- SKIP") || strings.HasPrefix(l, "=== ") {
			continue
		}
		if _, msg, ok := strings.Cut(l, ": "); ok && strings.Contains(l[:strings.Index(l, ": ")], ".go:") {
			return msg
		}
		return l
	}
	return "(no reason given)"
}

func (s *summary) write(w io.Writer, name string) int {
	for _, o := range s.failedOut {
		fmt.Fprint(w, o)
	}
	reasons := make([]string, 0, len(s.skipWhy))
	for r := range s.skipWhy {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		tests := s.skipWhy[r]
		fmt.Fprintf(w, "%s: %d skipped: %s (%s)\n", name, len(tests), r, strings.Join(tests, ", "))
	}
	for _, p := range s.pkgFailed {
		if s.failed == 0 {
			fmt.Fprintf(w, "%s: package %s failed (see above)\n", name, p)
		}
	}
	fmt.Fprintf(w, "%s: %d passed, %d failed, %d skipped\n", name, s.passed, s.failed, s.skipped)
	if s.failed > 0 || len(s.pkgFailed) > 0 || s.passed+s.failed+s.skipped == 0 {
		return 1
	}
	return 0
}
