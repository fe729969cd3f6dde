package config

import (
	"bytes"
	"fmt"
	"strings"
)

// ReferencePath is where Reference is kept, from the module's root.
const ReferencePath = "docs/configuration.md"

// Reference returns docs/configuration.md, the configuration reference,
// written from the table of keys (Keys): every key by door, with its
// default, what it accepts, its flag of auditx enrich and its meaning.
// internal/cgen writes it (go generate ./config); a test fails when the
// committed file differs.
func Reference() []byte {
	var b bytes.Buffer
	b.WriteString(`# Configuration reference

<!-- Generated from config.Keys by internal/cgen (go generate ./config); DO NOT EDIT. -->

Keys of a ` + "`[FILTER] Name auditx`" + ` section (or an auditx processor) and of an
` + "`[OUTPUT] Name auditx`" + ` section, the output door. Fluent Bit itself rejects an
unknown key at start (auditx registers its keys; for the output door, from
Fluent Bit v5.1.1 on), and auditx rejects a bad value at start with a message
naming the key, the value and what is accepted; Fluent Bit then exits
non-zero. Fluent Bit's own keys of a section (` + "`Match`, `Alias`, `Log_Level`" + `, and for
the output ` + "`workers`, `Retry_Limit`" + `) apply as usual; auditx uses none of the names
Fluent Bit reserves (` + "`host`, `port`, `tls*`, `net.*`" + `, ...).

An unset or empty key takes its default. A switch is ` + "`on` or `off`" + ` (also ` + "`true`/`false`,\n`yes`/`no`, `1`/`0`" + `); a duration is a Go duration (` + "`5s`, `1m30s`" + `) or a number of
seconds; a size is a number of bytes with an optional ` + "`K`, `M` or `G`" + `, decimal like
Fluent Bit's own sizes.

`)
	b.WriteString(`## Enrichment and catalog: both doors and the CLI

These keys are also the flags of ` + "`auditx enrich`" + ` (and ` + "`auditx coverage`" + ` takes those
that decide what is recognised). The CLI reads its flags through the same
parser as the plugin reads a section, so it accepts exactly what the plugin
accepts, with the same defaults. A switch's flag alone is ` + "`on` (`--override`);\n`--actor=off`" + ` switches one off. ` + "`--catalog FILE`" + ` is repeatable and adds to
` + "`catalog_files`: `--catalog a.csv --catalog b.vendor` is `catalog_files a.csv,b.vendor`" + `.

| key | flag | default | accepted | meaning |
|---|---|---|---|---|
`)
	for _, k := range Keys {
		if k.Flag != "" {
			fmt.Fprintf(&b, "| `%s` | `--%s` | %s | %s | %s |\n", k.Name, k.Flag, cellDefault(k.Default), cell(k.AcceptedText()), cell(meaning(&k)))
		}
	}
	b.WriteString(`
## Catalog reload and metrics: both doors

| key | default | accepted | meaning |
|---|---|---|---|
`)
	for _, k := range Keys {
		if k.Flag == "" && k.Doors == Both {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Name, cellDefault(k.Default), cell(k.AcceptedText()), cell(meaning(&k)))
		}
	}
	b.WriteString(`
## The output door only

Fluent Bit rejects these keys in a ` + "`[FILTER]`" + ` section (its instance is named by
Fluent Bit: ` + "`auditx.N`, or its `Alias`" + `).

| key | default | accepted | meaning |
|---|---|---|---|
`)
	for _, k := range Keys {
		if k.Doors == Output {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Name, cellDefault(k.Default), cell(k.AcceptedText()), cell(meaning(&k)))
		}
	}
	return b.Bytes()
}

// cellDefault writes a default in a table cell: code, or nothing.
func cellDefault(def string) string {
	if def == "" {
		return ""
	}
	return "`" + def + "`"
}

// meaning is a key's Description with its Notes.
func meaning(k *Key) string {
	if k.Notes == "" {
		return k.Description
	}
	return k.Description + ". " + k.Notes
}

// cell escapes text for a Markdown table cell: '|' everywhere, '<' and '>'
// outside code spans (where they would open HTML tags).
func cell(s string) string {
	var b strings.Builder
	code := false
	for _, r := range s {
		switch {
		case r == '`':
			code = !code
			b.WriteRune(r)
		case r == '|':
			b.WriteString(`\|`)
		case r == '<' && !code:
			b.WriteString("&lt;")
		case r == '>' && !code:
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
