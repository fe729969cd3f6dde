//go:build !passthrough

package main

// The Go half of the filter door (the C half, with the registration
// structure Fluent Bit copies and the internals guard, is filter.c). These
// exports only translate: Fluent Bit's properties to a config.Getter, an
// append of records to instance.Filter, the result to FLB_FILTER_* and to
// a malloc'ed out_buf. Each recovers panics: one escaping into Fluent Bit
// would abort the process.

// #cgo LDFLAGS: -ldl
// #include <stdint.h>
// #include <stdlib.h>
// #include "flb_mirror.h"
//
// void auditx_filter_log(void *cctx, int level, char *msg);
// const char *auditx_filter_property(void *cctx, void *ins, char *key);
// void auditx_filter_metrics_add(void *cctx, int i, double v);
// void auditx_filter_metrics_entries(void *cctx, double v);
// void *auditx_malloc(size_t n);
// void *auditx_realloc(void *p, size_t n);
// void auditx_free(void *p);
// const char *auditx_filter_ctx_name(void *cctx);
import "C"

import (
	"fmt"
	"runtime/cgo"
	"strings"
	"unsafe"

	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/enrich"
	"github.com/auditx/auditx/instance"
)

//go:generate go run ../internal/cgen -plugin .

// Fluent Bit's filter return codes (flb_mirror.h).
const (
	filterModified = C.AUDITX_FLB_FILTER_MODIFIED
	filterNoTouch  = C.AUDITX_FLB_FILTER_NOTOUCH
)

// filterDoor is one filter instance as the door sees it: the C context
// (for logging and metrics) and the Filter.
type filterDoor struct {
	cctx    unsafe.Pointer
	f       *instance.Filter
	metrics bool
}

// fbLevel maps Fluent Bit's log level (ins->log_level: 1 error .. 5 trace)
// onto the logger's.
func fbLevel(l int) instance.Level {
	switch {
	case l <= 1:
		return instance.LevelError
	case l == 2:
		return instance.LevelWarn
	case l == 3:
		return instance.LevelInfo
	}
	return instance.LevelDebug
}

// auditxFilterInit builds one filter instance from its section's keys. It
// returns the instance's handle, or 0 (Fluent Bit then stops) after logging
// the bad key, its value and the accepted values.
//
//export auditxFilterInit
func auditxFilterInit(cctx, ins unsafe.Pointer, logLevel C.int, metrics C.int) (h C.uintptr_t) {
	door := &filterDoor{cctx: cctx, metrics: metrics != 0}
	log := instance.NewSinkLogger(door.logLine, fbLevel(int(logLevel)))
	defer func() {
		if r := recover(); r != nil {
			log.Errorf("panic in init recovered: %v", r)
			h = 0
		}
	}()
	props := config.Map{}
	for _, k := range config.FilterKeys() {
		key := C.CString(k.Name)
		v := C.auditx_filter_property(cctx, ins, key)
		C.free(unsafe.Pointer(key))
		if v != nil {
			if s := C.GoString(v); s != "" {
				props[k.Name] = s
			}
		}
	}
	cfg, err := config.ParseFilter(props)
	if err != nil {
		log.Errorf("%s", err)
		return 0
	}
	var hook func(int, bool)
	if door.metrics {
		hook = door.catalogChanged
	}
	f, err := instance.NewFilter(C.GoString(C.auditx_filter_ctx_name(cctx)), cfg, log, hook)
	if err != nil {
		log.Errorf("%s", err)
		return 0
	}
	door.f = f
	if door.metrics {
		C.auditx_filter_metrics_entries(cctx, C.double(f.Enricher().Catalog().Len()))
	} else {
		log.Infof("Fluent Bit's metrics for auditx are off: the instance's cmetrics context could not be verified for this Fluent Bit (metrics_listen still works)")
	}
	return C.uintptr_t(cgo.NewHandle(door))
}

// logLine hands one line to Fluent Bit's logger.
func (d *filterDoor) logLine(l instance.Level, msg string) {
	cs := C.CString(strings.TrimSpace(msg))
	C.auditx_filter_log(d.cctx, C.int(l), cs)
	C.free(unsafe.Pointer(cs))
}

// catalogChanged mirrors a reload into Fluent Bit's metrics.
func (d *filterDoor) catalogChanged(entries int, failed bool) {
	if failed {
		d.count(&enrich.Stats{CatalogReloadErrors: 1})
		return
	}
	d.count(&enrich.Stats{CatalogReloads: 1})
	C.auditx_filter_metrics_entries(d.cctx, C.double(entries))
}

// auditxFilterCall enriches one append. It returns FLB_FILTER_MODIFIED with
// *outBuf (malloc'ed: Fluent Bit frees it) and *outSize set, or
// FLB_FILTER_NOTOUCH and leaves them alone (see instance.Filter.Filter).
//
//export auditxFilterCall
func auditxFilterCall(cctx unsafe.Pointer, h C.uintptr_t, data unsafe.Pointer, size C.size_t, outBuf *unsafe.Pointer, outSize *C.size_t) (ret C.int) {
	defer func() {
		if r := recover(); r != nil {
			// instance.Filter recovers its own; this is the door's.
			d := &filterDoor{cctx: cctx}
			d.logLine(instance.LevelError, fmt.Sprintf("panic in the filter door recovered, the records pass untouched: %v", r))
			ret = filterNoTouch
		}
	}()
	d, ok := cgo.Handle(h).Value().(*filterDoor)
	if !ok {
		return filterNoTouch
	}
	in := unsafe.Slice((*byte)(data), int(size))
	var st enrich.Stats
	// The append is written straight into the out_buf while it has room
	// (outBufSize), and the out_buf shrunk to it; one that outgrows it is
	// copied into a new out_buf.
	size0 := outBufSize(len(in))
	buf := C.auditx_malloc(C.size_t(size0))
	var dst []byte
	if buf != nil {
		dst = unsafe.Slice((*byte)(buf), size0)[:0]
	}
	handed := false
	_, modified := d.f.FilterTo(in, dst, func(out []byte) {
		if buf != nil && len(out) > 0 && unsafe.Pointer(unsafe.SliceData(out)) == buf {
			if p := C.auditx_realloc(buf, C.size_t(len(out))); p != nil {
				buf = p
			}
			*outBuf, *outSize, handed = buf, C.size_t(len(out)), true
			return
		}
		p := C.auditx_malloc(C.size_t(len(out)))
		if p == nil {
			return
		}
		copy(unsafe.Slice((*byte)(p), len(out)), out)
		*outBuf, *outSize = p, C.size_t(len(out))
		C.auditx_free(buf)
		buf, handed = nil, true
	}, &st)
	if d.metrics {
		d.count(&st)
	}
	if !modified || !handed {
		C.auditx_free(buf)
		return filterNoTouch
	}
	return filterModified
}

// outBufSize is the out_buf first allocated for an append of n bytes:
// room for what the defaults make of the vendors' records (the samples
// grow 2.8 times, 317 to 880 bytes on average), and 4 KiB more for the few
// records of a small append. Pages never written take no memory, and the
// buffer is shrunk to the append.
func outBufSize(n int) int { return 4*n + 4096 }

// count adds st to the filter's counters in Fluent Bit's metrics: the
// counters of enrich's table marked Filter, by their index there, which is
// the index of their names in filter_counters.c.
func (d *filterDoor) count(st *enrich.Stats) {
	fcs := enrich.FilterCounters()
	for i := range fcs {
		if v := fcs[i].Value(st); v != 0 {
			C.auditx_filter_metrics_add(d.cctx, C.int(i), C.double(v))
		}
	}
}

// auditxFilterExit tears one instance down (reloader, metrics listener) and
// logs its counters.
//
//export auditxFilterExit
func auditxFilterExit(cctx unsafe.Pointer, h C.uintptr_t) {
	defer func() {
		if r := recover(); r != nil {
			d := &filterDoor{cctx: cctx}
			d.logLine(instance.LevelError, fmt.Sprintf("panic in exit recovered: %v", r))
		}
	}()
	handle := cgo.Handle(h)
	if d, ok := handle.Value().(*filterDoor); ok {
		d.f.Close()
	}
	handle.Delete()
}
