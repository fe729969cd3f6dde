package instance

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Level is a Fluent Bit log level.
type Level int

// Fluent Bit's log levels (include/fluent-bit/flb_log.h).
const (
	LevelError Level = iota + 1
	LevelWarn
	LevelInfo
	LevelDebug
)

var levelNames = map[Level]string{LevelError: "error", LevelWarn: "warn", LevelInfo: "info", LevelDebug: "debug"}

// Logger writes lines in Fluent Bit's format, with the instance name, so
// they read like the rest of Fluent Bit's log. Lines never carry record
// contents at the default level.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	sink  func(Level, string) // when set, lines go here instead of w
	name  string
	level Level
	now   func() time.Time
	last  map[string]time.Time // rate limiting, by message key
	muted map[string]int
}

// NewLogger writes to w lines of the given instance name up to level.
func NewLogger(w io.Writer, name string, level Level) *Logger {
	return &Logger{w: w, name: name, level: level, now: time.Now, last: map[string]time.Time{}, muted: map[string]int{}}
}

// Enabled reports whether lines of level l are written.
func (l *Logger) Enabled(lv Level) bool { return l != nil && lv <= l.level }

// Logf writes one line at level lv.
func (l *Logger) Logf(lv Level, format string, args ...any) {
	if !l.Enabled(lv) {
		return
	}
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.write(lv, msg)
}

// NewSinkLogger hands each line's level and message to sink (the filter
// door passes them to Fluent Bit's own logger, which adds the time, the
// level and the instance prefix).
func NewSinkLogger(sink func(Level, string), level Level) *Logger {
	return &Logger{sink: sink, level: level, now: time.Now, last: map[string]time.Time{}, muted: map[string]int{}}
}

func (l *Logger) write(lv Level, msg string) {
	if l.sink != nil {
		l.sink(lv, msg)
		return
	}
	fmt.Fprintf(l.w, "[%s] [%5s] [output:auditx:%s] %s\n", l.now().Format("2006/01/02 15:04:05"), levelNames[lv], l.name, msg)
}

// LimitInterval is the shortest time between two lines of one kind.
const LimitInterval = 10 * time.Second

// Limitf writes at most one line per key every LimitInterval and says how
// many were suppressed in between.
func (l *Logger) Limitf(lv Level, key, format string, args ...any) {
	if !l.Enabled(lv) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if t, ok := l.last[key]; ok && now.Sub(t) < LimitInterval {
		l.muted[key]++
		return
	}
	msg := fmt.Sprintf(format, args...)
	if n := l.muted[key]; n > 0 {
		msg += fmt.Sprintf(" (%d similar messages suppressed)", n)
	}
	l.last[key], l.muted[key] = now, 0
	l.write(lv, msg)
}

// Errorf logs at error level.
func (l *Logger) Errorf(format string, args ...any) { l.Logf(LevelError, format, args...) }

// Warnf logs at warn level.
func (l *Logger) Warnf(format string, args ...any) { l.Logf(LevelWarn, format, args...) }

// Infof logs at info level.
func (l *Logger) Infof(format string, args ...any) { l.Logf(LevelInfo, format, args...) }

// Debugf logs at debug level.
func (l *Logger) Debugf(format string, args ...any) { l.Logf(LevelDebug, format, args...) }

// Truncate shortens s for a log line that quotes input.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("...(%d bytes)", len(s))
}
