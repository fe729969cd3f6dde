//go:build linux && cgo

package flbhost

/*
#cgo CFLAGS: -I${SRCDIR}/../../plugin
#cgo LDFLAGS: -ldl -lpthread

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

// Fluent Bit v5.1.1's structures (the Go proxy's side: struct
// flb_plugin_proxy_def, flb_config_map, flb_api, flb_plugin_proxy,
// flb_plugin_proxy_context, flbgo_output_plugin) and log levels, from the
// plugin's one mirror of them.
#include "flb_mirror.h"

// ---------------------------------------------------------------------------
// The host's stand-in for struct flb_output_instance: what o_ins points to.
// Only the host's own callbacks below ever read it; the plugin treats o_ins
// as opaque and passes it back to api->output_get_property.
// ---------------------------------------------------------------------------

// flbhost_kv is one entry of ins->properties (struct flb_kv, src/flb_kv.c):
// val is NULL when the configured value was empty (flb_output_set_property
// stores a NULL value then).
struct flbhost_kv {
    char *key;
    char *val;
};

struct flbhost_output_instance {
    int n;
    struct flbhost_kv *props;
    int log_level;
};

// flbhost_output_get_property mirrors src/flb_output.c
// flb_output_get_property -> flb_config_prop_get -> src/flb_kv.c
// flb_kv_get_key_value: same length, strncasecmp, first match, NULL if absent.
static const char *flbhost_output_get_property(const char *key, void *o_ins) {
    struct flbhost_output_instance *ins = o_ins;
    size_t len;
    int i;

    if (key == NULL || ins == NULL) {
        return NULL;
    }
    len = strlen(key);
    if (len == 0) {
        return NULL;
    }
    for (i = 0; i < ins->n; i++) {
        if (strlen(ins->props[i].key) != len) {
            continue;
        }
        if (strncasecmp(ins->props[i].key, key, len) == 0) {
            return ins->props[i].val;
        }
    }
    return NULL;
}

static const char *flbhost_no_property(const char *key, void *ins) {
    (void) key;
    (void) ins;
    return NULL;
}

static void *flbhost_no_cmt(void *ins) {
    (void) ins;
    return NULL;
}

// flbhost_log_print stands in for src/flb_log.c flb_log_print: one line on
// standard error.
static void flbhost_log_print(int level, const char *file, int line, const char *fmt, ...) {
    static const char *names[] = {"off", "error", "warn", "info", "debug", "trace"};
    const char *name = (level >= 0 && level <= 5) ? names[level] : "log";
    va_list ap;

    (void) file;
    (void) line;
    fprintf(stderr, "[flbhost] [%5s] ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

// flbhost_output_log_check mirrors src/flb_output.c flb_output_log_check.
static int flbhost_output_log_check(void *o_ins, int level) {
    struct flbhost_output_instance *ins = o_ins;
    return (ins != NULL && ins->log_level >= level) ? 1 : 0;
}

static int flbhost_no_log_check(void *ins, int level) {
    (void) ins;
    (void) level;
    return 0;
}

// flbhost_api_create mirrors src/flb_api.c flb_api_create.
static struct auditx_flb_api *flbhost_api_create(void) {
    struct auditx_flb_api *api = calloc(1, sizeof(struct auditx_flb_api));
    if (api == NULL) {
        return NULL;
    }
    api->output_get_property = flbhost_output_get_property;
    api->input_get_property = flbhost_no_property;
    api->output_get_cmt_instance = flbhost_no_cmt;
    api->input_get_cmt_instance = flbhost_no_cmt;
    api->log_print = flbhost_log_print;
    api->input_log_check = flbhost_no_log_check;
    api->output_log_check = flbhost_output_log_check;
    api->custom_get_property = flbhost_no_property;
    api->custom_log_check = flbhost_no_log_check;
    return api;
}

static struct flbhost_output_instance *flbhost_instance_new(int n, int log_level) {
    struct flbhost_output_instance *ins = calloc(1, sizeof(*ins));
    if (ins == NULL) {
        return NULL;
    }
    ins->props = calloc((size_t) n + 1, sizeof(struct flbhost_kv));
    if (ins->props == NULL) {
        free(ins);
        return NULL;
    }
    ins->n = n;
    ins->log_level = log_level;
    return ins;
}

// flbhost_instance_set takes ownership of key and val (malloc'ed; val may
// be NULL).
static void flbhost_instance_set(struct flbhost_output_instance *ins, int i, char *key, char *val) {
    ins->props[i].key = key;
    ins->props[i].val = val;
}

static void flbhost_instance_free(struct flbhost_output_instance *ins) {
    int i;
    if (ins == NULL) {
        return;
    }
    for (i = 0; i < ins->n; i++) {
        free(ins->props[i].key);
        free(ins->props[i].val);
    }
    free(ins->props);
    free(ins);
}

static struct auditx_flb_config_map *flbhost_config_map_at(struct auditx_flb_config_map *m, int i) {
    return &m[i];
}

// ---------------------------------------------------------------------------
// Calls through dlsym'ed pointers (signatures from src/flb_plugin_proxy.c and
// src/proxy/go/go.c).
// ---------------------------------------------------------------------------

static int flbhost_call_int_int(void *fn, int arg) {
    return ((int (*)(int)) fn)(arg);
}

static void flbhost_call_void_int(void *fn, int arg) {
    ((void (*)(int)) fn)(arg);
}

static int flbhost_call_register(void *fn, struct auditx_flb_plugin_proxy_def *def) {
    return ((int (*)(struct auditx_flb_plugin_proxy_def *)) fn)(def);
}

// flbhost_register_old registers on the def of a Fluent Bit before v5.1.1:
// 40 bytes, and right after them (as glibc lays out the next chunk's size
// field) a nonzero word, sentinel. It returns that word after Register and
// Unregister, and the registered type.
static uint64_t flbhost_register_old(void *reg, void *unreg, uint64_t sentinel, int *type) {
    unsigned char *mem = calloc(1, 48);
    struct auditx_flb_plugin_proxy_def *def = (struct auditx_flb_plugin_proxy_def *) mem;
    uint64_t after;

    memcpy(mem + 40, &sentinel, sizeof(sentinel));
    ((int (*)(struct auditx_flb_plugin_proxy_def *)) reg)(def);
    *type = def->type;
    if (unreg != NULL) {
        ((void (*)(struct auditx_flb_plugin_proxy_def *)) unreg)(def);
    }
    memcpy(&after, mem + 40, sizeof(after));
    free(mem);
    return after;
}

static void flbhost_call_unregister(void *fn, struct auditx_flb_plugin_proxy_def *def) {
    ((void (*)(struct auditx_flb_plugin_proxy_def *)) fn)(def);
}

// flbhost_output_init mirrors src/proxy/go/go.c proxy_go_output_init: the
// one plugin structure is re-pointed at this instance, then FLBPluginInit.
static int flbhost_output_init(struct auditx_flbgo_output_plugin *plugin, struct auditx_flb_plugin_proxy *proxy,
                               struct flbhost_output_instance *ins,
                               struct auditx_flb_plugin_proxy_context *ctx) {
    proxy->instance = ins;
    plugin->api = proxy->api;
    plugin->o_ins = ins;
    plugin->context = ctx;
    return plugin->cb_init(plugin);
}

// flbhost_output_flush mirrors src/proxy/go/go.c proxy_go_output_flush: the
// tag is copied into a fresh NUL-terminated buffer freed after the call;
// FlushCtx is preferred over Flush.
static int flbhost_output_flush(struct auditx_flbgo_output_plugin *plugin, struct auditx_flb_plugin_proxy_context *ctx,
                                const void *data, size_t size, const char *tag, int tag_len) {
    int ret;
    char *buf;

    buf = malloc((size_t) tag_len + 1);
    if (buf == NULL) {
        return -1;
    }
    memcpy(buf, tag, (size_t) tag_len);
    buf[tag_len] = '\0';
    if (plugin->cb_flush_ctx) {
        ret = plugin->cb_flush_ctx(ctx->remote_context, data, size, buf);
    }
    else {
        ret = plugin->cb_flush(data, size, buf);
    }
    free(buf);
    return ret;
}

struct flbhost_flush_args {
    struct auditx_flbgo_output_plugin *plugin;
    struct auditx_flb_plugin_proxy_context *ctx;
    const void *data;
    size_t size;
    const char *tag;
    int tag_len;
    int ret;
};

static void *flbhost_flush_thread(void *arg) {
    struct flbhost_flush_args *a = arg;
    a->ret = flbhost_output_flush(a->plugin, a->ctx, a->data, a->size, a->tag, a->tag_len);
    return NULL;
}

// flbhost_flush_on_new_thread runs one flush on a brand-new pthread, the way
// an output worker thread (src/flb_output_thread.c) calls a plugin: a thread
// the plugin's Go runtime has never seen. It returns 0 or pthread_create's
// error number; the flush result is in a->ret.
static int flbhost_flush_on_new_thread(struct flbhost_flush_args *a) {
    pthread_t th;
    int err;

    err = pthread_create(&th, NULL, flbhost_flush_thread, a);
    if (err != 0) {
        return err;
    }
    return pthread_join(th, NULL);
}

// flbhost_output_destroy mirrors src/flb_plugin_proxy.c
// flb_proxy_output_cb_exit and src/proxy/go/go.c proxy_go_output_destroy.
static int flbhost_output_destroy(struct auditx_flbgo_output_plugin *plugin, void *pre_exit,
                                  struct auditx_flb_plugin_proxy_context *ctx, int hot_reloading) {
    int ret = 0;

    if (pre_exit != NULL) {
        ((void (*)(int)) pre_exit)(hot_reloading);
    }
    if (plugin->cb_exit_ctx) {
        ret = plugin->cb_exit_ctx(ctx->remote_context);
    }
    else if (plugin->cb_exit) {
        ret = plugin->cb_exit();
    }
    return ret;
}

// flbhost_dlsym mirrors src/flb_plugin_proxy.c flb_plugin_proxy_symbol.
static void *flbhost_dlsym(void *handle, const char *symbol) {
    void *s;

    dlerror();
    s = dlsym(handle, symbol);
    if (dlerror() != NULL) {
        return NULL;
    }
    return s;
}

static void *flbhost_dlopen(const char *path) {
    return dlopen(path, RTLD_LAZY | RTLD_LOCAL | RTLD_NODELETE);
}

static const char *flbhost_dlerror(void) {
    return dlerror();
}

*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

// Flush return codes (include/fluent-bit/flb_macros.h; fluent-bit-go
// output/flb_plugin.h). src/flb_plugin_proxy.c proxy_cb_flush turns any
// other value into FLBError.
const (
	FLBError = 0
	FLBOK    = 1
	FLBRetry = 2
)

// Registration values (include/fluent-bit/flb_plugin_proxy.h).
const (
	ProxyOutputPlugin = 2  // FLB_PROXY_OUTPUT_PLUGIN
	ProxyGolang       = 11 // FLB_PROXY_GOLANG
)

// Output event types (include/fluent-bit/flb_output.h). An event_type of 0
// is registered as EventLogs (src/flb_plugin_proxy.c flb_proxy_register_output).
const (
	EventLogs     = 1 // FLB_OUTPUT_LOGS
	EventMetrics  = 2 // FLB_OUTPUT_METRICS
	EventTraces   = 4 // FLB_OUTPUT_TRACES
	EventBlobs    = 8 // FLB_OUTPUT_BLOBS
	EventProfiles = 16
)

// Config map entry types and flags (include/fluent-bit/flb_config_map.h).
const (
	ConfigMapStr        = 0 // FLB_CONFIG_MAP_STR
	ConfigMapStrPrefix  = 1 // FLB_CONFIG_MAP_STR_PREFIX
	ConfigMapInt        = 2
	ConfigMapBool       = 3
	ConfigMapDouble     = 4
	ConfigMapSize       = 5
	ConfigMapTime       = 6
	ConfigMapDeprecated = 7
	ConfigMapCList      = 30
	ConfigMapSList      = 40
	ConfigMapVariant    = 50

	ConfigMapMult       = 1 // FLB_CONFIG_MAP_MULT: the key may be set several times
	ConfigMapDynamicEnv = 2 // FLB_CONFIG_MAP_DYNAMIC_ENV: ${VAR} is not expanded at load
)

// Log levels of an instance (include/fluent-bit/flb_log.h); LogInfo is
// Fluent Bit's default.
const (
	LogOff   = 0
	LogError = 1
	LogWarn  = 2
	LogInfo  = 3
	LogDebug = 4
	LogTrace = 5
)

// The symbols Fluent Bit looks up in an output .so (src/flb_plugin_proxy.c,
// src/proxy/go/go.c).
const (
	SymPreRegister   = "FLBPluginPreRegister"
	SymRegister      = "FLBPluginRegister"
	SymInit          = "FLBPluginInit"
	SymFlush         = "FLBPluginFlush"
	SymFlushCtx      = "FLBPluginFlushCtx"
	SymOutputPreRun  = "FLBPluginOutputPreRun"
	SymOutputPreExit = "FLBPluginOutputPreExit"
	SymExit          = "FLBPluginExit"
	SymExitCtx       = "FLBPluginExitCtx"
	SymUnregister    = "FLBPluginUnregister"
)

// Symbols lists every symbol Open resolves.
var Symbols = []string{SymPreRegister, SymRegister, SymInit, SymFlush, SymFlushCtx,
	SymOutputPreRun, SymOutputPreExit, SymExit, SymExitCtx, SymUnregister}

// maxConfigMapEntries bounds the walk of a config map: an array without its
// NULL-named terminator would otherwise be read past its end.
const maxConfigMapEntries = 4096

// poisonByte overwrites a chunk after its flush returns, before it is
// freed: a plugin that keeps the chunk past the call (Fluent Bit frees it)
// then sends garbage that tests notice.
const poisonByte = 0xA5

// Host is one loaded output .so, driven like src/flb_plugin_proxy.c drives
// it: one registration (one flb_plugin_proxy_def, one flb_api, one
// flbgo_output_plugin) shared by all its instances. Its methods are safe
// for concurrent use.
//
// Threads follow Fluent Bit's: the host has one engine thread (an OS thread
// locked to a goroutine that runs nothing else), and Register, Init,
// PreRun, Exit and Unregister run on it, one at a time (Init and PreRun run
// on Fluent Bit's flb-pipeline thread, src/flb_engine.c
// flb_engine_start). An instance's flushes run
// on the engine thread too when its "workers" property is 0 or unset
// (Fluent Bit's default for proxy outputs), and otherwise on the caller's
// thread, which is never the engine thread, like an output worker
// (src/flb_output_thread.c). A plugin that tells the two apart by thread id
// sees what it would see in Fluent Bit.
type Host struct {
	path   string
	handle unsafe.Pointer
	syms   map[string]unsafe.Pointer
	engine *engine

	mu     sync.Mutex
	proxy  *C.struct_auditx_flb_plugin_proxy // nil until Register and after Unregister
	plugin *C.struct_auditx_flbgo_output_plugin
	def    Def
	nextID int
	live   int // instances initialised and not exited
}

// Def is what the plugin wrote into struct flb_plugin_proxy_def during
// FLBPluginRegister.
type Def struct {
	// Type is FLB_PROXY_*_PLUGIN; an output must set ProxyOutputPlugin.
	Type int
	// Proxy must be ProxyGolang.
	Proxy int
	// Flags are the plugin flags (unused by Go plugins).
	Flags int
	// Name is the output's name, the [OUTPUT] Name users write.
	Name string
	// Description is the plugin's one-line description.
	Description string
	// EventType is the raw event_type; 0 means EventLogs.
	EventType int
	// ConfigMap is the registered config map, nil if config_map is NULL (then
	// Fluent Bit checks no keys).
	ConfigMap []ConfigMapEntry
}

// Key returns the config map entry named name (case-insensitive).
func (d Def) Key(name string) (ConfigMapEntry, bool) {
	for _, e := range d.ConfigMap {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return ConfigMapEntry{}, false
}

// Keys returns the config map's key names in registration order.
func (d Def) Keys() []string {
	keys := make([]string, len(d.ConfigMap))
	for i, e := range d.ConfigMap {
		keys[i] = e.Name
	}
	return keys
}

// ConfigMapEntry is one struct flb_config_map entry as registered.
type ConfigMapEntry struct {
	Type        int
	Name        string
	Default     string
	HasDefault  bool // def_value is not NULL
	Flags       int
	SetProperty int
	Offset      uintptr
	Description string
}

// Open loads the .so at soPath and resolves every symbol of Symbols. A Go
// c-shared library holds a Go runtime that can never be unloaded, so open
// each .so once per process and share the Host (the image is loaded with
// RTLD_NODELETE; opening the same path again returns the same image and the
// same package globals).
func Open(soPath string) (*Host, error) {
	abs, err := filepath.Abs(soPath)
	if err != nil {
		return nil, err
	}
	cpath := C.CString(abs)
	defer C.free(unsafe.Pointer(cpath))
	handle := C.flbhost_dlopen(cpath)
	if handle == nil {
		return nil, fmt.Errorf("flbhost: dlopen %s: %s", abs, C.GoString(C.flbhost_dlerror()))
	}
	h := &Host{path: abs, handle: handle, syms: map[string]unsafe.Pointer{}, engine: newEngine()}
	for _, s := range Symbols {
		cs := C.CString(s)
		if p := C.flbhost_dlsym(handle, cs); p != nil {
			h.syms[s] = p
		}
		C.free(unsafe.Pointer(cs))
	}
	return h, nil
}

// RegisterOldDef runs FLBPluginRegister and FLBPluginUnregister on the
// registration structure of a Fluent Bit before v5.1.1 (no config_map
// field: 40 bytes, followed by heap metadata, here sentinel). It returns
// the word after the structure afterwards (it must still be sentinel) and
// the registered plugin type.
func (h *Host) RegisterOldDef(sentinel uint64) (after uint64, typ int) {
	var t C.int
	h.engine.run(func() {
		after = uint64(C.flbhost_register_old(h.syms[SymRegister], h.syms[SymUnregister], C.uint64_t(sentinel), &t))
	})
	return after, int(t)
}

// Path returns the absolute path of the loaded .so.
func (h *Host) Path() string { return h.path }

// Has reports whether the .so exports symbol.
func (h *Host) Has(symbol string) bool { return h.syms[symbol] != nil }

// Register runs what src/flb_plugin_proxy.c flb_plugin_proxy_create and
// flb_plugin_proxy_register run: FLBPluginPreRegister(hotReload) if
// exported (-1 fails), then FLBPluginRegister on a calloc'ed
// flb_plugin_proxy_def whose type is preset to 0 (src/flb_plugin.c
// flb_plugin_load_router). A return of -1 fails. It also fails where
// Fluent Bit would register no output (type or proxy not 2 and 11, no
// FLBPluginInit) or would crash at the first flush (neither FlushCtx nor
// Flush). The returned Def is filled as far as it could be read.
func (h *Host) Register(hotReload bool) (Def, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.proxy != nil {
		return h.def, errors.New("flbhost: already registered: Unregister first")
	}
	if pre := h.syms[SymPreRegister]; pre != nil {
		var ret C.int
		h.engine.run(func() { ret = C.flbhost_call_int_int(pre, C.int(b2i(hotReload))) })
		if ret == -1 {
			return Def{}, fmt.Errorf("flbhost: %s(%d) returned -1", SymPreRegister, b2i(hotReload))
		}
	}
	reg := h.syms[SymRegister]
	if reg == nil {
		return Def{}, fmt.Errorf("flbhost: %s not exported: Fluent Bit cannot register the plugin", SymRegister)
	}
	proxy := (*C.struct_auditx_flb_plugin_proxy)(C.calloc(1, C.sizeof_struct_auditx_flb_plugin_proxy))
	proxy.api = C.flbhost_api_create()
	proxy.def = (*C.struct_auditx_flb_plugin_proxy_def)(C.calloc(1, C.sizeof_struct_auditx_flb_plugin_proxy_def))
	proxy.dso_handler = h.handle
	proxy.def._type = 0
	fail := func() {
		C.free(unsafe.Pointer(proxy.def))
		C.free(unsafe.Pointer(proxy.api))
		C.free(unsafe.Pointer(proxy))
	}

	var ret C.int
	h.engine.run(func() { ret = C.flbhost_call_register(reg, proxy.def) })
	if ret == -1 {
		fail()
		return Def{}, fmt.Errorf("flbhost: %s returned -1", SymRegister)
	}
	def, err := readDef(proxy.def)
	if err != nil {
		fail()
		return def, err
	}
	switch {
	case def.Proxy != ProxyGolang || def.Type != ProxyOutputPlugin:
		err = fmt.Errorf("flbhost: registered type %d proxy %d, want type %d proxy %d: Fluent Bit registers no output",
			def.Type, def.Proxy, ProxyOutputPlugin, ProxyGolang)
	case h.syms[SymInit] == nil:
		err = fmt.Errorf("flbhost: [go proxy]: could not load %s symbol", SymInit)
	case h.syms[SymFlushCtx] == nil && h.syms[SymFlush] == nil:
		err = fmt.Errorf("flbhost: neither %s nor %s exported: Fluent Bit would call a NULL flush", SymFlushCtx, SymFlush)
	}
	if err != nil {
		fail()
		return def, err
	}

	// src/proxy/go/go.c proxy_go_output_register.
	plugin := (*C.struct_auditx_flbgo_output_plugin)(C.calloc(1, C.sizeof_struct_auditx_flbgo_output_plugin))
	plugin.name = C.strdup(proxy.def.name)
	plugin.cb_init = (*[0]byte)(h.syms[SymInit])
	plugin.cb_flush = (*[0]byte)(h.syms[SymFlush])
	plugin.cb_flush_ctx = (*[0]byte)(h.syms[SymFlushCtx])
	plugin.cb_exit = (*[0]byte)(h.syms[SymExit])
	plugin.cb_exit_ctx = (*[0]byte)(h.syms[SymExitCtx])
	proxy.data = unsafe.Pointer(plugin)

	h.proxy, h.plugin, h.def = proxy, plugin, def
	return def, nil
}

// readDef copies the registration structure and its config map into Go.
func readDef(d *C.struct_auditx_flb_plugin_proxy_def) (Def, error) {
	def := Def{
		Type:        int(d._type),
		Proxy:       int(d.proxy),
		Flags:       int(d.flags),
		Name:        goStringOrEmpty(d.name),
		Description: goStringOrEmpty(d.description),
		EventType:   int(d.event_type),
	}
	if d.name == nil {
		return def, errors.New("flbhost: the plugin registered no name")
	}
	if d.config_map == nil {
		return def, nil
	}
	def.ConfigMap = []ConfigMapEntry{}
	for i := 0; ; i++ {
		if i == maxConfigMapEntries {
			return def, fmt.Errorf("flbhost: config map has no NULL-named terminator in its first %d entries", i)
		}
		e := C.flbhost_config_map_at(d.config_map, C.int(i))
		if e.name == nil { // src/flb_config_map.c: while (m && m->name)
			break
		}
		name := C.GoString(e.name)
		if !printable(name) {
			return def, fmt.Errorf("flbhost: config map entry %d has the name %q: is the plugin's struct flb_config_map %d bytes like v5.1.1's?",
				i, name, C.sizeof_struct_auditx_flb_config_map)
		}
		def.ConfigMap = append(def.ConfigMap, ConfigMapEntry{
			Type:        int(e._type),
			Name:        name,
			Default:     goStringOrEmpty(e.def_value),
			HasDefault:  e.def_value != nil,
			Flags:       int(e.flags),
			SetProperty: int(e.set_property),
			Offset:      uintptr(e.offset),
			Description: goStringOrEmpty(e.desc),
		})
	}
	return def, nil
}

// Def returns the registration read by Register.
func (h *Host) Def() Def {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.def
}

// Unregister runs src/flb_plugin_proxy.c flb_proxy_output_cb_destroy once:
// FLBPluginUnregister(def) if exported, then frees what the host allocated.
// It does not free def->name and def->description: fluent-bit-go's
// FLBPluginUnregister frees them. Later calls do nothing; it panics if
// instances have not exited (Fluent Bit exits them all first). Register may
// be called again afterwards, as a hot reload does.
func (h *Host) Unregister() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.proxy == nil {
		return
	}
	if h.live > 0 {
		panic(fmt.Sprintf("flbhost: Unregister with %d instance(s) not exited", h.live))
	}
	if un := h.syms[SymUnregister]; un != nil {
		h.engine.run(func() { C.flbhost_call_unregister(un, h.proxy.def) })
	}
	C.free(unsafe.Pointer(h.plugin.name))
	C.free(unsafe.Pointer(h.plugin))
	C.free(unsafe.Pointer(h.proxy.def))
	C.free(unsafe.Pointer(h.proxy.api))
	C.free(unsafe.Pointer(h.proxy))
	h.proxy, h.plugin = nil, nil
}

// Instance is one [OUTPUT] section of the plugin: its property table (what
// o_ins points to) and its struct flb_plugin_proxy_context.
type Instance struct {
	h       *Host
	name    string
	workers int

	mu  sync.RWMutex // Flush holds it shared, Exit exclusively
	ins *C.struct_flbhost_output_instance
	ctx *C.struct_auditx_flb_plugin_proxy_context

	preRun    int
	hasPreRun bool
}

// prop is one property as src/flb_output.c flb_output_set_property stores
// it in ins->properties.
type prop struct {
	key, val string
	null     bool // stored as NULL: FLBPluginConfigKey returns ""
}

// ConfigError is a configuration Fluent Bit itself rejects before the
// plugin's FLBPluginInit runs.
type ConfigError struct {
	// Key is the offending property, "" for a bad config map.
	Key string
	// Msg is Fluent Bit's error message.
	Msg string
}

// Error returns Fluent Bit's message.
func (e *ConfigError) Error() string { return e.Msg }

// InitError is an FLBPluginInit that did not return FLB_OK (1). Fluent
// Bit fails the instance for a value <= 0 (src/proxy/go/go.c
// proxy_go_output_init); the host also refuses a value > 1, which Fluent
// Bit would accept, since a Go plugin is expected to return output.FLB_OK.
type InitError struct {
	Plugin string
	Code   int
}

// Error names the return code.
func (e *InitError) Error() string {
	if e.Code > 0 {
		return fmt.Sprintf("flbhost: %s returned %d, not FLB_OK (1) (Fluent Bit would accept any value > 0); the instance was exited",
			SymInit, e.Code)
	}
	return fmt.Sprintf("flbhost: %s returned %d: [go proxy]: plugin '%s' failed to initialize", SymInit, e.Code, e.Plugin)
}

// NewInstance creates and initialises one output instance with the given
// [OUTPUT] properties ("name" excluded), as src/flb_output.c does:
// flb_output_set_property for each key (${VAR} expanded from the process
// environment unless the key is FLB_CONFIG_MAP_DYNAMIC_ENV; core keys such
// as match, host, port, workers, retry_limit, tls.* consumed and never
// passed on; empty values stored as NULL), then flb_config_map_create and
// flb_config_map_properties_check against the registered config map (an
// unknown key fails with "unknown configuration property '<key>'" before
// the plugin runs), then FLBPluginInit (must return FLB_OK, 1) and
// FLBPluginOutputPreRun(0) if exported.
func (h *Host) NewInstance(props map[string]string) (*Instance, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.proxy == nil {
		return nil, errors.New("flbhost: NewInstance before Register")
	}
	in := &Instance{h: h, name: fmt.Sprintf("%s.%d", h.def.Name, h.nextID)}
	h.nextID++

	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := strings.ToLower(keys[i]), strings.ToLower(keys[j])
		return a < b || a == b && keys[i] < keys[j]
	})
	logLevel := LogInfo
	var kept []prop
	for _, k := range keys {
		if strings.EqualFold(k, "name") {
			continue // src/flb_config.c: the section's name picks the plugin
		}
		raw := props[k]
		tmp := expandEnv(raw)
		consumed, err := setCoreProperty(in, &logLevel, k, tmp)
		if err != nil {
			return nil, err
		}
		if consumed {
			continue
		}
		if e, ok := h.def.Key(k); ok && e.Flags&ConfigMapDynamicEnv != 0 {
			kept = append(kept, prop{key: k, val: raw}) // flb_sds_create(v): never NULL
			continue
		}
		kept = append(kept, prop{key: k, val: tmp, null: tmp == ""})
	}
	if h.def.ConfigMap != nil {
		if err := checkConfigMapDefaults(h.def); err != nil {
			return nil, err
		}
		if err := propertiesCheck(h.def.Name, kept, h.def.ConfigMap); err != nil {
			return nil, err
		}
	}

	ins := C.flbhost_instance_new(C.int(len(kept)), C.int(logLevel))
	for i, p := range kept {
		var v *C.char
		if !p.null {
			v = C.CString(p.val)
		}
		C.flbhost_instance_set(ins, C.int(i), C.CString(p.key), v)
	}
	ctx := (*C.struct_auditx_flb_plugin_proxy_context)(C.calloc(1, C.sizeof_struct_auditx_flb_plugin_proxy_context))
	ctx.proxy = h.proxy
	var ret C.int
	h.engine.run(func() { ret = C.flbhost_output_init(h.plugin, h.proxy, ins, ctx) })
	if ret <= 0 {
		C.free(unsafe.Pointer(ctx))
		C.flbhost_instance_free(ins)
		return nil, &InitError{Plugin: h.def.Name, Code: int(ret)}
	}
	in.ins, in.ctx = ins, ctx
	h.live++
	if ret != FLBOK {
		in.exitLocked(false) // Fluent Bit would run it; the host refuses it
		return nil, &InitError{Plugin: h.def.Name, Code: int(ret)}
	}
	// src/flb_output.c flb_output_pre_run -> flb_proxy_output_cb_pre_run;
	// its return value is ignored.
	if pre := h.syms[SymOutputPreRun]; pre != nil {
		h.engine.run(func() { in.preRun = int(C.flbhost_call_int_int(pre, 0)) })
		in.hasPreRun = true
	}
	return in, nil
}

// setCoreProperty consumes the keys src/flb_output.c flb_output_set_property
// keeps for the core; value is the expanded value ("" is NULL there). Some
// keys are consumed only when their value is not empty; otherwise they fall
// through to the plugin's properties (and so to the config map check).
func setCoreProperty(in *Instance, logLevel *int, key, value string) (bool, error) {
	lk := strings.ToLower(key)
	has := value != ""
	switch lk {
	case "match", "host", "port", "retry_limit", "tls.vhost", "tls.ca_path", "tls.ca_file", "tls.crt_file",
		"tls.key_file", "tls.key_passwd", "tls.min_version", "tls.max_version", "tls.ciphers",
		"tls.proxy.ca_path", "tls.proxy.ca_file":
		return true, nil
	case "match_regex", "alias", "log_suppress_interval", "ipv6", "tls", "tls.verify", "tls.verify_hostname",
		"tls.debug", "tls.proxy.verify", "tls.proxy.verify_hostname", "storage.total_limit_size":
		return has, nil
	case "log_level":
		if !has {
			return false, nil
		}
		lv, ok := logLevels[strings.ToLower(value)]
		if !ok {
			return true, &ConfigError{Key: key, Msg: fmt.Sprintf("[config] invalid log_level '%s'", value)}
		}
		*logLevel = lv
		return true, nil
	case "workers":
		if !has {
			return false, nil
		}
		in.workers, _ = strconv.Atoi(value) // atoi
		return true, nil
	}
	if has && (strings.HasPrefix(lk, "net.") || strings.HasPrefix(lk, "oauth2")) {
		return true, nil // kept in net_properties / oauth2_properties
	}
	return false, nil
}

// logLevels are the names src/flb_log.c flb_log_get_level_str accepts.
var logLevels = map[string]int{"off": LogOff, "error": LogError, "warn": LogWarn, "warning": LogWarn,
	"info": LogInfo, "debug": LogDebug, "trace": LogTrace}

// checkConfigMapDefaults mirrors the checks of src/flb_config_map.c
// translate_default_value that fail flb_config_map_create (and so every
// instance).
func checkConfigMapDefaults(def Def) error {
	for _, e := range def.ConfigMap {
		switch {
		case e.Type == ConfigMapBool && e.HasDefault && utilsBool(e.Default) < 0:
			return &ConfigError{Msg: fmt.Sprintf("[config map] invalid default value for boolean '%s=%s'; "+
				"[output] error loading config map for '%s' plugin", e.Name, e.Default, def.Name)}
		case e.Type == ConfigMapStrPrefix && e.HasDefault:
			return &ConfigError{Msg: fmt.Sprintf("[config map] invalid default value for prefixed string '%s'; "+
				"[output] error loading config map for '%s' plugin", e.Name, def.Name)}
		}
	}
	return nil
}

// utilsBool mirrors src/flb_utils.c flb_utils_bool: 1, 0 or -1.
func utilsBool(v string) int {
	switch strings.ToLower(v) {
	case "true", "on", "yes":
		return 1
	case "false", "off", "no":
		return 0
	}
	return -1
}

// propertiesCheck mirrors src/flb_config_map.c
// flb_config_map_properties_check, with its messages.
func propertiesCheck(ctxName string, props []prop, cmap []ConfigMapEntry) error {
	for _, p := range props {
		if strings.EqualFold(p.key, "active") || strings.EqualFold(p.key, "condition") {
			continue // accepted special core properties
		}
		var found *ConfigMapEntry
		for i := range cmap {
			m := &cmap[i]
			n := len(m.Name)
			if m.Type != ConfigMapStrPrefix && n != len(p.key) {
				continue
			}
			if len(p.key) >= n && strings.EqualFold(p.key[:n], m.Name) {
				if m.Type == ConfigMapStrPrefix && len(p.key) <= n {
					break // "[config] incomplete prefixed key", then unknown
				}
				found = m
				break
			}
		}
		if found == nil {
			return &ConfigError{Key: p.key, Msg: fmt.Sprintf("[config] %s: unknown configuration property '%s'. %s",
				ctxName, p.key, allowedHelper(cmap))}
		}
		count := 0
		for _, q := range props {
			if strings.EqualFold(q.key, p.key) {
				count++
			}
		}
		if found.Flags&ConfigMapMult == 0 && count > 1 {
			return &ConfigError{Key: p.key, Msg: fmt.Sprintf("[config] %s: configuration property '%s' is set %d times",
				ctxName, p.key, count)}
		}
	}
	return nil
}

// allowedHelper mirrors src/flb_config_map.c helper_map_options.
func allowedHelper(cmap []ConfigMapEntry) string {
	var b strings.Builder
	b.WriteString("The following properties are allowed: ")
	for i, m := range cmap {
		switch {
		case i < len(cmap)-1:
			b.WriteString(m.Name + ", ")
		case len(cmap) == 1:
			b.WriteString(m.Name + ".")
		default:
			b.WriteString("and " + m.Name + ".")
		}
	}
	return b.String()
}

// expandEnv mirrors src/flb_env.c flb_env_var_translate for the process
// environment: ${NAME} becomes the variable's value ("" when unset or
// empty), ${NAME:-default} the default when unset or empty.
func expandEnv(v string) string {
	var b strings.Builder
	rest := v
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}")
		if j <= 2 {
			break
		}
		name := rest[i+2 : i+j]
		def, hasDef := "", false
		if k := strings.Index(name, ":-"); k >= 0 {
			name, def, hasDef = name[:k], name[k+2:], true
		}
		b.WriteString(rest[:i])
		if val := os.Getenv(name); val != "" {
			b.WriteString(val)
		} else if hasDef {
			b.WriteString(def)
		}
		rest = rest[i+j+1:]
	}
	b.WriteString(rest)
	return b.String()
}

// Name returns the instance's name, <plugin>.<n> like Fluent Bit's
// flb_output_new.
func (in *Instance) Name() string { return in.name }

// Workers returns the consumed "workers" property (0 when unset). With 0,
// Flush runs on the host's engine thread; otherwise on the caller's thread.
// The host starts no worker threads: call Flush from several goroutines, or
// FlushFromCThread, to mimic N workers.
func (in *Instance) Workers() int { return in.workers }

// PreRun returns what FLBPluginOutputPreRun(0) returned, and whether it is
// exported.
func (in *Instance) PreRun() (ret int, called bool) { return in.preRun, in.hasPreRun }

// HasContext reports whether FLBPluginInit set context->remote_context
// (fluent-bit-go's FLBPluginSetContext). Without it FlushCtx receives NULL.
func (in *Instance) HasContext() bool {
	in.mu.RLock()
	defer in.mu.RUnlock()
	return in.ctx != nil && in.ctx.remote_context != nil
}

// Flush hands chunk to the plugin as src/flb_plugin_proxy.c proxy_cb_flush
// does and returns FLBOK, FLBError or FLBRetry (any other plugin return
// becomes FLBError). It runs on the engine thread when the instance has
// workers 0 (flushes then run one at a time), else on the calling
// goroutine's thread, like an output worker. The chunk and a NUL-terminated
// tag are C copies, freed after the call (the chunk is overwritten with
// 0xA5 first). Safe to call from several goroutines at once; it panics
// after Exit.
func (in *Instance) Flush(chunk []byte, tag string) int {
	return flbReturn(in.flush(chunk, tag, false))
}

// FlushRaw is Flush without the return mapping: what the plugin returned.
func (in *Instance) FlushRaw(chunk []byte, tag string) int {
	return in.flush(chunk, tag, false)
}

// FlushFromCThread is Flush performed on a brand-new pthread, like a Fluent
// Bit output worker (a thread no Go runtime has seen before).
func (in *Instance) FlushFromCThread(chunk []byte, tag string) int {
	return flbReturn(in.flush(chunk, tag, true))
}

func (in *Instance) flush(chunk []byte, tag string, newThread bool) int {
	in.mu.RLock()
	defer in.mu.RUnlock()
	if in.ctx == nil {
		panic("flbhost: Flush after Exit")
	}
	size := len(chunk)
	data := C.malloc(C.size_t(max(size, 1)))
	defer C.free(data)
	copy(unsafe.Slice((*byte)(data), size), chunk)
	ctag := C.CString(tag) // event_chunk->tag, an sds (NUL-terminated)
	defer C.free(unsafe.Pointer(ctag))

	var ret C.int
	if newThread {
		args := (*C.struct_flbhost_flush_args)(C.calloc(1, C.sizeof_struct_flbhost_flush_args))
		defer C.free(unsafe.Pointer(args))
		args.plugin, args.ctx = in.h.plugin, in.ctx
		args.data, args.size = data, C.size_t(size)
		args.tag, args.tag_len = ctag, C.int(len(tag))
		if err := C.flbhost_flush_on_new_thread(args); err != 0 {
			panic(fmt.Sprintf("flbhost: pthread_create/join: error %d", int(err)))
		}
		ret = args.ret
	} else {
		call := func() { ret = C.flbhost_output_flush(in.h.plugin, in.ctx, data, C.size_t(size), ctag, C.int(len(tag))) }
		if in.workers > 0 {
			call() // an output worker: the caller's thread, never the engine's
		} else {
			in.h.engine.run(call) // workers 0: the engine thread, one flush at a time
		}
	}
	C.memset(data, poisonByte, C.size_t(size))
	return int(ret)
}

// flbReturn mirrors proxy_cb_flush: anything but OK, RETRY or ERROR is ERROR.
func flbReturn(ret int) int {
	if ret != FLBOK && ret != FLBRetry && ret != FLBError {
		return FLBError
	}
	return ret
}

// Exit shuts the instance down like src/flb_plugin_proxy.c
// flb_proxy_output_cb_exit: FLBPluginOutputPreExit(0) if exported, then
// FLBPluginExitCtx(remote_context) (or FLBPluginExit()), and returns that
// call's result (Fluent Bit ignores it). It waits for running flushes;
// later calls do nothing and return 0.
func (in *Instance) Exit() int { return in.exit(false) }

// ExitHotReload is Exit with shutdown_by_hot_reloading set, as during a
// hot reload.
func (in *Instance) ExitHotReload() int { return in.exit(true) }

func (in *Instance) exit(hotReload bool) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ctx == nil {
		return 0
	}
	in.h.mu.Lock()
	defer in.h.mu.Unlock()
	return in.exitLocked(hotReload)
}

// exitLocked runs the exit callbacks and frees the instance; the caller
// holds in.h.mu and either in.mu or the only reference to in.
func (in *Instance) exitLocked(hotReload bool) int {
	h := in.h
	var ret C.int
	h.engine.run(func() {
		ret = C.flbhost_output_destroy(h.plugin, h.syms[SymOutputPreExit], in.ctx, C.int(b2i(hotReload)))
	})
	C.free(unsafe.Pointer(in.ctx))
	C.flbhost_instance_free(in.ins)
	in.ctx, in.ins = nil, nil
	h.live--
	return int(ret)
}

// engine is the host's engine thread: a goroutine locked to its OS thread
// (so no other goroutine ever runs there) that runs the calls it is given,
// one at a time. It lives as long as the process: a Host is never unloaded.
type engine struct {
	tasks chan func()
	tid   int
}

func newEngine() *engine {
	e := &engine{tasks: make(chan func())}
	started := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread is the engine's
		e.tid = syscall.Gettid()
		close(started)
		for f := range e.tasks {
			f()
		}
	}()
	<-started
	return e
}

// run runs f on the engine thread and waits for it.
func (e *engine) run(f func()) {
	done := make(chan struct{})
	e.tasks <- func() {
		defer close(done)
		f()
	}
	<-done
}

// EngineThreadID returns the OS thread id of the host's engine thread.
func (h *Host) EngineThreadID() int { return h.engine.tid }

// printable reports whether s is a plausible key name: non-empty printable
// ASCII.
func printable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func goStringOrEmpty(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
