package outputdoor

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/instance"
	"github.com/auditx/auditx/outputdoor/forward"
)

// FlushCode is what a flush answers Fluent Bit. The values are those of
// fluent-bit-go's output package (output/flb_plugin.h: FLB_ERROR 0, FLB_OK 1,
// FLB_RETRY 2; output/output.go exports them as output.FLB_ERROR,
// output.FLB_OK, output.FLB_RETRY), which the Go proxy reads back from
// FLBPluginFlushCtx (src/proxy/go/go.c proxy_go_output_flush: any other
// value becomes FLB_ERROR). plugin/out_auditx.go checks the three at compile
// time against fluent-bit-go's.
type FlushCode int

// The flush codes.
const (
	FlushError FlushCode = 0 // FLB_ERROR: Fluent Bit drops the chunk
	FlushOK    FlushCode = 1 // FLB_OK: the chunk is delivered
	FlushRetry FlushCode = 2 // FLB_RETRY: Fluent Bit keeps the chunk and flushes it again later
)

// Emitter delivers a batch of events (concatenated msgpack) under a tag.
// forward.Client is the production one; tests use fakes.
type Emitter interface {
	Send(tag string, events []byte, count int) error
	Close() error
}

// Deps are an output's collaborators; zero fields get production defaults.
type Deps struct {
	// Emitter overrides the emitter built from the config.
	Emitter Emitter
	// NoAckEmitter is used when a flush must not wait for an ack (see
	// Flush); built from the config when nil.
	NoAckEmitter Emitter
	// Stdout receives emit=stdout lines (default os.Stdout).
	Stdout io.Writer
	// Log receives log lines (default: standard error at info level).
	Log *instance.Logger
	// ThreadID returns the calling OS thread's id (default: gettid on
	// Linux; elsewhere 0, and the workers-0 trap is not detected).
	ThreadID func() int
	// SelfListening reports whether this process listens on the address
	// (default: from /proc).
	SelfListening func(network, address string) bool
}

// Output is one [OUTPUT] auditx section: the shared core and the
// re-emission. Flush is safe for concurrent use.
type Output struct {
	*instance.Core
	cfg  *config.Config
	enr  *enrich.Enricher
	log  *instance.Logger
	emit Emitter
	deps Deps

	noAckOnce sync.Once
	selfOnce  sync.Once
	self      bool
	noAck     Emitter
	initTID   int
	maxBatch  int

	bufs sync.Pool // *buffers, one in use per concurrent flush

	stats  counters
	closed atomic.Bool
}

type buffers struct {
	out  []byte
	ends []int
}

type counters struct {
	flushes, flushRetry, flushError   atomic.Uint64
	emitted, emitErrors, engineThread atomic.Uint64
	loops, panics, oversize           atomic.Uint64
	latency                           histogram
}

// New builds an output from cfg: the catalog with the user files, the
// enricher and the emitter. Anything that cannot be built is an error here,
// never a nil met in Flush.
func New(name string, cfg *config.Config, deps Deps) (*Output, error) {
	if deps.Log == nil {
		deps.Log = instance.NewLogger(os.Stderr, name, instance.LevelInfo)
	}
	if deps.ThreadID == nil {
		deps.ThreadID = threadID
	}
	if deps.SelfListening == nil {
		deps.SelfListening = selfListening
	}
	core, err := instance.NewCore(name, cfg, deps.Log)
	if err != nil {
		return nil, err
	}
	in := &Output{Core: core, cfg: cfg, enr: core.Enricher(), log: deps.Log, deps: deps, initTID: deps.ThreadID()}
	in.bufs.New = func() any { return &buffers{} }
	in.emit = deps.Emitter
	in.maxBatch = cfg.MaxMessageBytes - forward.HeaderAllowance
	if in.emit == nil {
		switch cfg.Emit {
		case config.EmitStdout:
			in.emit = newStdoutEmitter(deps.Stdout)
		default:
			c, err := forward.NewClient(forwardConfig(cfg, cfg.RequireAck))
			if err != nil {
				return nil, err
			}
			in.emit = c
			in.maxBatch = c.MaxPayload()
		}
	}
	if err := core.Start(in.WriteMetrics); err != nil {
		in.emit.Close()
		return nil, err
	}
	target := fmt.Sprintf(" target=%s:%s require_ack=%v", cfg.ForwardNetwork, cfg.ForwardAddress, cfg.RequireAck)
	if cfg.Emit == config.EmitStdout {
		target = ""
	}
	core.LogStart(fmt.Sprintf(" emit=%s%s tag=%s", cfg.Emit, target, cfg.EmitTag))
	if passThrough {
		in.log.Warnf("pass-through benchmark build: records are re-emitted UNCHANGED, never enriched; not for use outside scripts/bench-pipeline.sh")
	}
	return in, nil
}

func forwardConfig(cfg *config.Config, ack bool) forward.Config {
	return forward.Config{
		Network: cfg.ForwardNetwork, Address: cfg.ForwardAddress, RequireAck: ack,
		Timeout: cfg.Timeout, MaxConns: cfg.MaxConnections, Compress: cfg.Compress,
		MaxMessageBytes: cfg.MaxMessageBytes,
	}
}

// Flush enriches one chunk and emits it under the emit tag.
//
// Contract (the return codes Fluent Bit acts on):
//   - FlushOK once the emit target has every record of the chunk
//     (acknowledged with require_ack on; written with it off).
//   - FlushRetry when the target is unreachable, times out or refuses: Fluent
//     Bit keeps the chunk and flushes it again, so nothing is lost
//     (at-least-once; a chunk split over several messages may be re-sent in
//     part). Also after a recovered panic, and after Close.
//   - FlushError only where a retry can never help: an emitter closed for
//     good.
//
// Malformed records, records without a code and entries that are not events
// are counted and passed on untouched: they never fail a flush.
func (in *Output) Flush(chunk []byte, tag string) (code FlushCode) {
	start := time.Now()
	in.stats.flushes.Add(1)
	defer func() {
		if r := recover(); r != nil {
			in.stats.panics.Add(1)
			in.log.Limitf(instance.LevelError, "panic", "flush panicked, chunk kept for retry: %v", r)
			code = FlushRetry
		}
		switch code {
		case FlushRetry:
			in.stats.flushRetry.Add(1)
		case FlushError:
			in.stats.flushError.Add(1)
		}
		in.stats.latency.observe(time.Since(start))
	}()
	if in.closed.Load() {
		return FlushRetry
	}
	if len(chunk) == 0 {
		return FlushOK
	}
	if p := in.cfg.TagPrefix(); p != "" && len(tag) >= len(p) && tag[:len(p)] == p {
		in.stats.loops.Add(1)
		in.log.Limitf(instance.LevelError, "loop", "records tagged %q came back to auditx: its Match also matches its own emit_tag %q (a loop); exclude the emitted tag from Match (e.g. Match_Regex ^(?!%s).*)",
			instance.Truncate(tag, 128), in.cfg.EmitTag, regexp.QuoteMeta(p))
	}
	b := in.bufs.Get().(*buffers)
	defer in.bufs.Put(b)
	var trailing int
	if passThrough {
		b.out, b.ends, trailing = in.enr.Passthrough(b.out[:0], b.ends[:0], chunk)
	} else {
		var st enrich.Stats
		b.out, b.ends, st = in.enr.Chunk(b.out[:0], b.ends[:0], chunk)
		trailing = int(st.TrailingBytes)
		if st.Malformed+st.BadEvents > 0 {
			in.log.Limitf(instance.LevelWarn, "malformed", "%d malformed record(s) and %d non-event entries passed on untouched", st.Malformed, st.BadEvents)
		}
	}
	if trailing > 0 {
		in.log.Limitf(instance.LevelError, "trailing", "chunk ends with %d bytes that are not a complete msgpack object; they were dropped", trailing)
	}
	emitter := in.emit
	if in.cfg.Emit == config.EmitForward && in.cfg.RequireAck && in.deps.ThreadID() == in.initTID && in.selfTarget() {
		// workers 0: this flush runs on Fluent Bit's engine thread, the one
		// that must also read the socket and send the ack: waiting would
		// deadlock. Write without waiting, and say how to fix it.
		in.stats.engineThread.Add(1)
		in.log.Limitf(instance.LevelError, "engine-thread", "the flush runs on Fluent Bit's engine thread (workers 0) and the forward target %s is this Fluent Bit's own in_forward: waiting for its ack would deadlock, so records are sent WITHOUT ack (at-most-once). Fix: set 'workers 1' on this [OUTPUT] (or 'threaded on' on the [INPUT] forward)", in.cfg.ForwardAddress)
		if emitter = in.noAckEmitter(); emitter == nil {
			return FlushRetry
		}
	}
	return in.send(emitter, in.cfg.Tag(tag), b.out, b.ends)
}

// send emits out in batches of whole events no larger than maxBatch.
func (in *Output) send(em Emitter, tag string, out []byte, ends []int) FlushCode {
	start, count := 0, 0
	for i, end := range ends {
		count++
		if i+1 < len(ends) && ends[i+1]-start <= in.maxBatch {
			continue
		}
		if count == 1 && end-start > in.maxBatch {
			// One event bigger than the target accepts in a message
			// (in_forward closes the connection): it can never be delivered.
			in.stats.oversize.Add(1)
			in.log.Limitf(instance.LevelError, "oversize", "an event of %d bytes exceeds max_message_size (%d) and was dropped; raise max_message_size together with in_forward's buffer_max_size", end-start, in.cfg.MaxMessageBytes)
			start, count = end, 0
			continue
		}
		if err := em.Send(tag, out[start:end], count); err != nil {
			in.stats.emitErrors.Add(1)
			var cls interface{ Retryable() bool }
			if errors.As(err, &cls) && !cls.Retryable() {
				in.log.Limitf(instance.LevelError, "emit-fatal", "emit failed and cannot succeed on retry, the chunk is dropped: %v", err)
				return FlushError
			}
			in.log.Limitf(instance.LevelWarn, "emit", "emit failed, Fluent Bit will retry the chunk: %v", err)
			return FlushRetry
		}
		in.stats.emitted.Add(uint64(count))
		start, count = end, 0
	}
	return FlushOK
}

// selfTarget reports, once per instance, whether the forward target is an
// in_forward of this very process that runs on the engine thread: its
// listening socket belongs to this process and no threaded forward input
// ("threaded on": a thread named flb-in-forward...) exists.
func (in *Output) selfTarget() bool {
	in.selfOnce.Do(func() {
		in.self = in.deps.SelfListening(in.cfg.ForwardNetwork, in.cfg.ForwardAddress)
	})
	return in.self
}

func (in *Output) noAckEmitter() Emitter {
	in.noAckOnce.Do(func() {
		in.noAck = in.deps.NoAckEmitter
		if in.noAck == nil {
			c, err := forward.NewClient(forwardConfig(in.cfg, false))
			if err != nil {
				in.log.Errorf("cannot build the no-ack emitter: %v", err)
				return
			}
			in.noAck = c
		}
	})
	return in.noAck
}

// Close stops background work and closes the emitters; idempotent. It logs
// a summary of the counters.
func (in *Output) Close() {
	if in.closed.Swap(true) {
		return
	}
	in.Stop()
	if in.emit != nil {
		in.emit.Close()
	}
	if in.noAck != nil {
		in.noAck.Close()
	}
	in.LogExit(fmt.Sprintf(" emitted=%d flushes=%d retries=%d errors=%d",
		in.stats.emitted.Load(), in.stats.flushes.Load(), in.stats.flushRetry.Load(), in.stats.flushError.Load()))
}
