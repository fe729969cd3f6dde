// Package config turns the key/value properties of a Fluent Bit [FILTER] or
// [OUTPUT] auditx section into one validated Config with defaults. It has no cgo: tests feed
// a map, the plugin feeds Fluent Bit's property getter.
//
// It owns the key names (the contract of users' configs), their defaults and
// the error messages; it must not build catalogs, connections or anything
// with a lifetime.
package config
