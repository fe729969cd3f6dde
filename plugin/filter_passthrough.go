//go:build passthrough

package main

// The Go half of the pass-through benchmark build of the filter door
// (filter_passthrough.c has the registration and the callbacks): parsing
// the pad key, and padding the records of an append (internal/benchpad)
// into a malloc'ed out_buf. Each export recovers panics.

// #include <stdlib.h>
// #include "flb_mirror.h"
//
// void *auditx_malloc(size_t n);
import "C"

import (
	"unsafe"

	"github.com/auditx/auditx/internal/benchpad"
)

// auditxPassthroughPad parses the pad key's value: the bytes added to every
// record, or -1 with the reason in why (n bytes, NUL-terminated).
//
//export auditxPassthroughPad
func auditxPassthroughPad(v *C.char, why *C.char, n C.size_t) (pad C.long) {
	defer func() {
		if r := recover(); r != nil {
			pad = -1
		}
	}()
	p, err := benchpad.ParseBytes(C.GoString(v))
	if err != nil {
		w := unsafe.Slice((*byte)(unsafe.Pointer(why)), int(n))
		w[copy(w[:len(w)-1], err.Error())] = 0
		return -1
	}
	return C.long(p)
}

// auditxPassthroughCall returns the append at data with every record pad
// bytes longer: FLB_FILTER_MODIFIED (1) with *outBuf (malloc'ed: Fluent Bit
// frees it) and *outSize set, or FLB_FILTER_NOTOUCH (2) when it cannot.
//
//export auditxPassthroughCall
func auditxPassthroughCall(data unsafe.Pointer, size C.size_t, pad C.long, outBuf *unsafe.Pointer, outSize *C.size_t) (ret C.int) {
	defer func() {
		if r := recover(); r != nil {
			ret = C.AUDITX_FLB_FILTER_NOTOUCH
		}
	}()
	in := unsafe.Slice((*byte)(data), int(size))
	n := benchpad.Size(in, int(pad))
	p := C.auditx_malloc(C.size_t(n))
	if p == nil {
		return C.AUDITX_FLB_FILTER_NOTOUCH
	}
	buf := unsafe.Slice((*byte)(p), n)
	out, _ := benchpad.AppendChunk(buf[:0], in, int(pad))
	if len(out) != n || unsafe.SliceData(out) != unsafe.SliceData(buf) {
		C.free(p)
		return C.AUDITX_FLB_FILTER_NOTOUCH
	}
	*outBuf, *outSize = p, C.size_t(n)
	return C.AUDITX_FLB_FILTER_MODIFIED
}
