//go:build !passthrough

package outputdoor

// Name is the output's name in Fluent Bit ([OUTPUT] Name auditx).
const Name = "auditx"

// passThrough is off in every build but the benchmark's (passthrough_on.go).
const passThrough = false
