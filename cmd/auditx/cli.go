package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/config"
)

// Exit codes of every command.
const (
	exitOK    = 0 // done
	exitFail  = 1 // the command ran and failed: a bad line with --strict, an entry not found, a lint error, I/O
	exitUsage = 2 // bad arguments; the usage is printed on stderr
)

// version is the release, set at link time with
// -ldflags "-X main.version=v1.2.3"; empty means "read it from the build info".
var version string

// cli holds the streams of one invocation; tests build one over buffers.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one top-level command: its name, its lines in the main usage,
// and what runs it. commands is the one list the dispatcher, the usage and
// help read.
type command struct {
	name  string
	usage []string // "synopsis    what it does" lines of the main usage
	run   func(c *cli, args []string) int
}

// commands is filled by init: the commands' own functions reach the list
// (through run and help), which a variable initialiser cannot allow.
var commands []command

func init() {
	commands = []command{
		{"enrich", []string{"enrich [flags] < in.jsonl > out.jsonl    enrich JSON lines"}, (*cli).enrich},
		{"catalog", []string{
			"catalog list [flags]                     list the catalog's entries",
			"catalog show VENDOR CODE                 show one entry (code normalised: filingbox 54 is 054)",
			"catalog lint FILE...                     validate user catalog files: descriptors, tables, actor maps",
			"catalog export --format F [flags]        export as csv, json, markdown or a Fluent Bit Lua filter",
			"catalog diff [--base FILE]... FILE...    what user files change in the catalog",
		}, (*cli).catalog},
		{"coverage", []string{"coverage [flags] FILE...                 what the catalog recognises in real logs"}, (*cli).coverage},
		{"report", []string{"report [flags] FILE...                   per-vendor tables of enriched JSON lines"}, (*cli).report},
		{"template", []string{"template [flags]                         print the Elasticsearch index template"}, (*cli).template},
		{"version", []string{"version                                  print the version and the catalog size"}, (*cli).version},
	}
}

// commandNames lists the commands for error messages.
func commandNames() string {
	var names []string
	for _, cmd := range commands {
		names = append(names, cmd.name)
	}
	return strings.Join(append(names, "help"), ", ")
}

func findCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// run executes the command line args (without the program name) and
// returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage())
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return c.help(args[1:])
	}
	if cmd := findCommand(args[0]); cmd != nil {
		return cmd.run(c, args[1:])
	}
	fmt.Fprintf(stderr, "auditx: unknown command %q (accepted: %s)\n\n%s", args[0], commandNames(), mainUsage())
	return exitUsage
}

// mainUsage is the usage of the whole command line.
func mainUsage() string {
	var b strings.Builder
	b.WriteString("auditx enriches vendor audit logs with ECS fields and manages its event catalog.\n\nUsage:\n")
	for _, cmd := range commands {
		for _, u := range cmd.usage {
			b.WriteString("  auditx " + u + "\n")
		}
	}
	b.WriteString("  auditx help [COMMAND]                           print the usage of a command\n")
	b.WriteString("\nExit codes: 0 done, 1 failed, 2 bad arguments.\n")
	return b.String()
}

// help prints the usage of the command named by args (all of it when none).
func (c *cli) help(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stdout, mainUsage())
		return exitOK
	}
	if cmd := findCommand(args[0]); cmd != nil {
		return cmd.run(c, append(append([]string{}, args[1:]...), "-h"))
	}
	fmt.Fprintf(c.stderr, "auditx help: unknown command %q (accepted: %s)\n", args[0], commandNames())
	return exitUsage
}

// version prints the release, the Go version and the embedded catalog's size.
func (c *cli) version(args []string) int {
	fs := c.flagSet("version", "", "Print the version of auditx and the size of the embedded catalog.")
	pos, code, done := c.parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 0 {
		return c.usageError(fs, "unexpected argument %q", pos[0])
	}
	fmt.Fprintf(c.stdout, "auditx %s (%s %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	cat, err := catalog.Embedded()
	if err != nil {
		fmt.Fprintf(c.stderr, "auditx version: embedded catalog: %v\n", err)
		return exitFail
	}
	var counts []string
	for _, v := range cat.Vendors() {
		counts = append(counts, fmt.Sprintf("%s %d", v, cat.Count(v)))
	}
	fmt.Fprintf(c.stdout, "catalog: %d entries (%s)\n", cat.Len(), strings.Join(counts, ", "))
	if ecs, err := catalog.ECSRules(); err == nil && ecs.Source != "" {
		fmt.Fprintf(c.stdout, "ecs: %s\n", ecs.Source)
	}
	return exitOK
}

// buildVersion returns the link-time version, else the module version and
// VCS revision recorded by the Go toolchain.
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		v += " " + rev[:min(12, len(rev))] + modified
	}
	return v
}

// flagSet returns a FlagSet for a command whose usage is "auditx name
// synopsis", about and the flags. Errors are reported by parse.
func (c *cli) flagSet(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("auditx "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: auditx %s %s\n\n%s\n", name, synopsis, about)
		if hasFlags(fs) {
			fmt.Fprintln(w, "\nFlags:")
			printFlags(w, fs)
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// printFlags lists the flags GNU-style (--name VALUE), VALUE taken from a
// back-quoted word of the flag's usage as flag.PrintDefaults does.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		if kf, ok := f.Value.(*keyFlag); ok {
			arg = kf.k.FlagArg() // the name of its value, from config's table
		}
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		spec := dash + f.Name
		if arg != "" {
			spec += " " + arg
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", spec, usage)
	})
	tw.Flush()
}

// parse parses flags and positional arguments in any order ("--" ends the
// flags). When done is true the command must return code at once: the
// usage was asked for (-h, code 0, on stdout) or the flags are bad (code 2,
// on stderr).
func (c *cli) parse(fs *flag.FlagSet, args []string) (pos []string, code int, done bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(c.stdout)
			fs.Usage()
			return nil, exitOK, true
		}
		if err != nil {
			// The flag package names flags with one dash; the usage uses two.
			msg := strings.Replace(err.Error(), "flag -", "flag --", 1)
			return nil, c.usageError(fs, "%s", msg), true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, exitOK, false
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), exitOK, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError prints the problem and the command's usage on stderr and
// returns exitUsage.
func (c *cli) usageError(fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(c.stderr, "%s: %s\n\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.SetOutput(c.stderr)
	fs.Usage()
	return exitUsage
}

// fail prints "auditx name: problem" on stderr and returns exitFail.
func (c *cli) fail(name string, format string, a ...any) int {
	fmt.Fprintf(c.stderr, "auditx %s: %s\n", name, fmt.Sprintf(format, a...))
	return exitFail
}

// listFlag collects a repeatable string flag (--catalog a --catalog b).
type listFlag []string

// String joins the values with commas.
func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set appends one value.
func (l *listFlag) Set(s string) error {
	if s == "" {
		return errors.New("empty file name")
	}
	*l = append(*l, s)
	return nil
}

// vendorFlag holds a vendor id whose entries a command shows. The id is
// checked once the catalog is loaded (resolve): a vendor of the user's
// --catalog descriptors is a vendor like the embedded ones.
type vendorFlag struct {
	id string
}

// String returns the vendor id, or "".
func (f *vendorFlag) String() string {
	if f == nil {
		return ""
	}
	return f.id
}

// Set keeps the id; resolve checks it against the catalog.
func (f *vendorFlag) Set(s string) error {
	if s == "" {
		return errors.New("empty vendor id")
	}
	f.id = s
	return nil
}

// resolve returns the catalog's vendor of the flag, nil when not given;
// the error names the flag's value and lists the accepted ids.
func (f *vendorFlag) resolve(cat *catalog.Catalog) (*catalog.Vendor, error) {
	if f.id == "" {
		return nil, nil
	}
	return lookupVendor(cat, f.id, false)
}

// lookupVendor returns the catalog's vendor with the given id; the error
// lists the accepted ids, auto first when withAuto.
func lookupVendor(cat *catalog.Catalog, id string, withAuto bool) (*catalog.Vendor, error) {
	v, err := cat.VendorSet().Lookup(id)
	if err != nil {
		ids := cat.VendorSet().IDs()
		if withAuto {
			ids = append([]string{config.VendorAuto}, ids...)
		}
		return nil, fmt.Errorf("unknown vendor %q (accepted: %s)", id, strings.Join(ids, ", "))
	}
	return v, nil
}

// embeddedIDs lists the embedded vendors' ids for the usage of a --vendor
// flag ("filingbox, netop, ..."), with a note that --catalog adds vendors.
func embeddedIDs() string {
	vs, err := catalog.EmbeddedVendors()
	if err != nil {
		return "a vendor id"
	}
	return strings.Join(vs.IDs(), ", ") + ", or a vendor of a --catalog descriptor"
}

// choiceFlag accepts one of a fixed list of words.
type choiceFlag struct {
	value    string
	accepted []string
}

// String returns the chosen word.
func (f *choiceFlag) String() string {
	if f == nil {
		return ""
	}
	return f.value
}

// Set checks the word against the accepted ones.
func (f *choiceFlag) Set(s string) error {
	for _, a := range f.accepted {
		if s == a {
			f.value = s
			return nil
		}
	}
	return fmt.Errorf("%q is not accepted (accepted: %s)", s, strings.Join(f.accepted, ", "))
}

// keyFlags are the flags of the config keys a command takes (config.Key.Flag):
// the values given, by key name, read back through config as the plugin's
// section is (Get), so the CLI accepts exactly what the plugin accepts.
type keyFlags map[string]string

// addKeyFlags registers on fs the flag of each named key, or of every key
// of config's table that has one when none is named.
func addKeyFlags(fs *flag.FlagSet, names ...string) keyFlags {
	set := keyFlags{}
	add := func(k *config.Key) {
		usage := k.Description + " (the plugin's " + k.Name + ")"
		if k.Kind == config.List {
			usage += fmt.Sprintf("; repeatable: --%s a --%s b is %s a,b", k.FlagName(), k.FlagName(), k.Name)
		}
		fs.Var(&keyFlag{k: k, set: set}, k.FlagName(), usage)
	}
	if len(names) == 0 {
		for i := range config.Keys {
			if config.Keys[i].Flag != "" {
				add(&config.Keys[i])
			}
		}
		return set
	}
	for _, n := range names {
		k := config.Lookup(n)
		if k == nil || k.Flag == "" {
			panic("auditx: no flag for config key " + n)
		}
		add(k)
	}
	return set
}

// Get returns the value given for key ("" when its flag was not given).
func (kf keyFlags) Get(key string) string { return kf[key] }

// config parses the flags given as a [FILTER] auditx section with those
// keys, with config.ParseFilter.
func (kf keyFlags) config() (*config.Config, error) { return config.ParseFilter(kf) }

// keyFlag is the flag of one config key. A List key's flag is repeatable:
// each value joins the key's comma-separated list.
type keyFlag struct {
	k   *config.Key
	set keyFlags
}

// String returns the value given, else the key's default.
func (f *keyFlag) String() string {
	if f == nil || f.k == nil {
		return ""
	}
	if v, ok := f.set[f.k.Name]; ok {
		return v
	}
	return f.k.Default
}

// Set keeps the value for config to parse.
func (f *keyFlag) Set(s string) error {
	if f.k.Kind == config.List {
		if strings.TrimSpace(s) == "" {
			return errors.New("empty value")
		}
		if prev := f.set[f.k.Name]; prev != "" {
			s = prev + "," + s
		}
	}
	f.set[f.k.Name] = s
	return nil
}

// IsBoolFlag makes a Switch key's flag take no value (--override), or one
// after '=' (--actor=off).
func (f *keyFlag) IsBoolFlag() bool { return f.k.Kind == config.Switch }

// keyError reports a value config refused, named by its flag, and returns
// exitUsage.
func (c *cli) keyError(fs *flag.FlagSet, err error) int {
	var ke *config.Error
	if errors.As(err, &ke) {
		if k := config.Lookup(ke.Key); k != nil && k.Flag != "" {
			msg := fmt.Sprintf("invalid value %q for flag --%s", ke.Value, k.FlagName())
			if ke.Err != nil {
				msg += ": " + ke.Err.Error()
			}
			if ke.Accepted != "" {
				msg += " (accepted: " + ke.Accepted + ")"
			}
			return c.usageError(fs, "%s", msg)
		}
	}
	return c.usageError(fs, "%v", err)
}
