// Package fluentbit finds the real Fluent Bit the tests run (e2e, the
// forward package's interoperability tests) and checks what they need of
// it, so that every test looks it up the same way and says the same thing
// when it is missing. Test support: nothing in auditx itself imports it.
package fluentbit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

const (
	// Env names the Fluent Bit binary to use.
	Env = "FLUENT_BIT_BIN"
	// Default is where the official packages install it.
	Default = "/opt/fluent-bit/bin/fluent-bit"
	// RequireEnv, set to 1 (.ci/run does), turns a missing Fluent Bit
	// from a skip into a failure.
	RequireEnv = "AUDITX_REQUIRE_FLUENT_BIT"
	// Missing says why the end-to-end tests cannot run and how to get one.
	Missing = "no Fluent Bit found (FLUENT_BIT_BIN, PATH, /opt/fluent-bit/bin/fluent-bit): install the official package or use the fluent/fluent-bit:5.1.1 image; see README"
)

// ErrNotFound is returned by Find when no Fluent Bit is installed.
var ErrNotFound = errors.New(Missing)

// Find returns the Fluent Bit binary: $FLUENT_BIT_BIN, then fluent-bit on
// PATH, then Default (scripts/find-fluent-bit.sh looks the same way).
func Find() (string, error) {
	if b := os.Getenv(Env); b != "" {
		if !executable(b) {
			return "", fmt.Errorf("%s=%s is not an executable file", Env, b)
		}
		return b, nil
	}
	if b, err := exec.LookPath("fluent-bit"); err == nil {
		return b, nil
	}
	if executable(Default) {
		return Default, nil
	}
	return "", ErrNotFound
}

// Required reports whether a missing Fluent Bit must fail the tests.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

var (
	backlogOnce sync.Once
	backlogErr  error
)

// CheckStorageBacklog starts bin once with filesystem storage and reports
// whether Fluent Bit loaded its storage_backlog input, which filesystem
// storage needs (a minimal build leaves it out, and then every input with
// storage.type filesystem fails to start with "storage creation failed").
func CheckStorageBacklog(bin string) error {
	backlogOnce.Do(func() { backlogErr = checkStorageBacklog(bin) })
	return backlogErr
}

func checkStorageBacklog(bin string) error {
	dir, err := os.MkdirTemp("", "auditx-fb-check")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	conf := filepath.Join(dir, "fluent-bit.conf")
	text := fmt.Sprintf("[SERVICE]\n    Flush 1\n    Grace 1\n    storage.path %s\n[INPUT]\n    Name dummy\n    storage.type filesystem\n[OUTPUT]\n    Name null\n    Match *\n", filepath.Join(dir, "storage"))
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-c", conf)
	logPath := filepath.Join(dir, "log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	const loaded = "backlog input plugin: storage_backlog"
	deadline := time.Now().Add(15 * time.Second)
	var log []byte
	for time.Now().Before(deadline) {
		log, _ = os.ReadFile(logPath)
		if strings.Contains(string(log), loaded) || strings.Contains(string(log), "storage creation failed") ||
			strings.Contains(string(log), "stream processor started") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if strings.Contains(string(log), loaded) {
		return nil
	}
	return fmt.Errorf("%s has no storage_backlog input, which filesystem storage (and so the end-to-end tests) needs: "+
		"use the official package or image, or a build with FLB_IN_STORAGE_BACKLOG on", bin)
}
