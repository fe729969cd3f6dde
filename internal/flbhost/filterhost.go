//go:build linux && cgo

package flbhost

/*
#cgo CFLAGS: -I${SRCDIR}/../../plugin
#cgo LDFLAGS: -rdynamic -ldl -lpthread

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

// ---------------------------------------------------------------------------
// The filter door's side of Fluent Bit v5.1.1, as src/flb_plugin.c,
// src/flb_filter.c and src/flb_processor.c use it. The structures (struct
// flb_filter_plugin, flb_filter_instance, flb_config_map) come from the
// plugin's one mirror of them, as the official builds lay them out.
// ---------------------------------------------------------------------------

#include "flb_mirror.h"

// fhost_kv is one configured property.
struct fhost_kv {
    char *key;
    char *val;
};

// fhost_instance is the host's filter instance: Fluent Bit's structure
// first (what the plugin sees), then the host's own properties table, which
// flb_filter_get_property below reads.
struct fhost_instance {
    struct auditx_flb_filter_instance ins;
    struct auditx_flb_filter_plugin *plugin; // what the host calls (ins.p may be tampered with)
    void *data;                          // what the host passes as cb_init's data (ins.data, unless tampered with)
    int n;
    struct fhost_kv *props;
};

// ---------------------------------------------------------------------------
// Fluent Bit's exported functions the filter resolves with
// dlsym(RTLD_DEFAULT): the test binary is linked with -rdynamic so that
// these definitions are in its dynamic symbol table, as fluent-bit's are
// (ENABLE_EXPORTS).
// ---------------------------------------------------------------------------

// src/flb_filter.c flb_filter_get_property -> flb_config_prop_get ->
// src/flb_kv.c flb_kv_get_key_value: same length, strncasecmp, first match.
const char *flb_filter_get_property(const char *key, void *ins) {
    struct fhost_instance *h = ins;
    size_t len;
    int i;

    if (key == NULL || h == NULL) {
        return NULL;
    }
    len = strlen(key);
    for (i = 0; i < h->n; i++) {
        if (strlen(h->props[i].key) == len && strncasecmp(h->props[i].key, key, len) == 0) {
            return h->props[i].val;
        }
    }
    return NULL;
}

// Present from v5.0.3 on, with the `raw` field that makes a config map
// entry 104 bytes: the plugin picks its config map layout by it, so the
// host (a v5.1.1) exports it.
const char *flb_config_map_get_raw(void *map) {
    (void) map;
    return NULL;
}

void flb_filter_set_context(void *ins, void *ctx) {
    ((struct auditx_flb_filter_instance *) ins)->context = ctx;
}

const char *flb_filter_name(void *ins) {
    struct auditx_flb_filter_instance *fi = ins;
    return fi->alias != NULL ? fi->alias : fi->name;
}

// The log: lines are kept in one buffer the tests read.
static pthread_mutex_t fhost_log_mu = PTHREAD_MUTEX_INITIALIZER;
static char *fhost_log_buf;
static size_t fhost_log_len;

void flb_log_print(int type, const char *file, int line, const char *fmt, ...) {
    static const char *names[] = {"off", "error", "warn", "info", "debug", "trace"};
    char msg[4096];
    int n;
    va_list ap;

    (void) file;
    (void) line;
    n = snprintf(msg, sizeof(msg), "[%5s] ", (type >= 0 && type <= 5) ? names[type] : "log");
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof(msg) - n - 1, fmt, ap);
    va_end(ap);
    strcat(msg, "\n");
    pthread_mutex_lock(&fhost_log_mu);
    n = strlen(msg);
    fhost_log_buf = realloc(fhost_log_buf, fhost_log_len + n + 1);
    memcpy(fhost_log_buf + fhost_log_len, msg, n + 1);
    fhost_log_len += n;
    pthread_mutex_unlock(&fhost_log_mu);
}

static char *fhost_log_take(void) {
    char *out;
    pthread_mutex_lock(&fhost_log_mu);
    out = fhost_log_buf != NULL ? strdup(fhost_log_buf) : strdup("");
    pthread_mutex_unlock(&fhost_log_mu);
    return out;
}

// cmetrics stand-ins: a metric is a name and one value per context (the
// plugin uses one label value, its instance name).
struct fhost_metric {
    void *cmt;
    char name[128];
    double value;
    int adds;
};

#define FHOST_MAX_METRICS 256
static struct fhost_metric fhost_metrics[FHOST_MAX_METRICS];
static int fhost_n_metrics;
static pthread_mutex_t fhost_metric_mu = PTHREAD_MUTEX_INITIALIZER;

static void *fhost_metric_create(void *cmt, char *ns, char *subsystem, char *name) {
    struct fhost_metric *m = NULL;
    pthread_mutex_lock(&fhost_metric_mu);
    if (fhost_n_metrics < FHOST_MAX_METRICS) {
        m = &fhost_metrics[fhost_n_metrics++];
        m->cmt = cmt;
        snprintf(m->name, sizeof(m->name), "%s_%s_%s", ns, subsystem, name);
    }
    pthread_mutex_unlock(&fhost_metric_mu);
    return m;
}

void *cmt_counter_create(void *cmt, char *ns, char *subsystem, char *name, char *help, int label_count, char **label_keys) {
    (void) help; (void) label_count; (void) label_keys;
    return fhost_metric_create(cmt, ns, subsystem, name);
}

int cmt_counter_add(void *counter, uint64_t ts, double val, int labels_count, char **label_vals) {
    struct fhost_metric *m = counter;
    (void) ts; (void) labels_count; (void) label_vals;
    pthread_mutex_lock(&fhost_metric_mu);
    m->value += val;
    m->adds++;
    pthread_mutex_unlock(&fhost_metric_mu);
    return 0;
}

void *cmt_gauge_create(void *cmt, char *ns, char *subsystem, char *name, char *help, int label_count, char **label_keys) {
    (void) help; (void) label_count; (void) label_keys;
    return fhost_metric_create(cmt, ns, subsystem, name);
}

int cmt_gauge_set(void *gauge, uint64_t ts, double val, int labels_count, char **label_vals) {
    struct fhost_metric *m = gauge;
    (void) ts; (void) labels_count; (void) label_vals;
    pthread_mutex_lock(&fhost_metric_mu);
    m->value = val;
    pthread_mutex_unlock(&fhost_metric_mu);
    return 0;
}

uint64_t cfl_time_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static double fhost_metric_value(void *cmt, const char *name, int *found) {
    double v = 0;
    int i;
    *found = 0;
    pthread_mutex_lock(&fhost_metric_mu);
    for (i = 0; i < fhost_n_metrics; i++) {
        if (fhost_metrics[i].cmt == cmt && strcmp(fhost_metrics[i].name, name) == 0) {
            v = fhost_metrics[i].value;
            *found = 1;
        }
    }
    pthread_mutex_unlock(&fhost_metric_mu);
    return v;
}

// fhost_metrics_forget drops a context's metrics (its address may be
// reused by the next instance).
static void fhost_metrics_forget(void *cmt) {
    int i;
    pthread_mutex_lock(&fhost_metric_mu);
    for (i = 0; i < fhost_n_metrics; i++) {
        if (fhost_metrics[i].cmt == cmt) {
            fhost_metrics[i].cmt = NULL;
        }
    }
    pthread_mutex_unlock(&fhost_metric_mu);
}

static int fhost_metric_count(void *cmt) {
    int i, n = 0;
    pthread_mutex_lock(&fhost_metric_mu);
    for (i = 0; i < fhost_n_metrics; i++) {
        if (fhost_metrics[i].cmt == cmt) {
            n++;
        }
    }
    pthread_mutex_unlock(&fhost_metric_mu);
    return n;
}

// ---------------------------------------------------------------------------
// Loading (src/flb_plugin.c flb_plugin_load): dlopen, dlsym the data symbol
// <name>_plugin, memcpy sizeof(struct flb_filter_plugin) bytes of it.
// ---------------------------------------------------------------------------

static void *fhost_dlopen(const char *path) { return dlopen(path, RTLD_LAZY); }
static char *fhost_dlerror(void) { return dlerror(); }
static void *fhost_dlsym(void *h, const char *s) { return dlsym(h, s); }

static struct auditx_flb_filter_plugin *fhost_copy_plugin(void *symbol) {
    struct auditx_flb_filter_plugin *p = malloc(sizeof(*p));
    memcpy(p, symbol, sizeof(*p));
    return p;
}

static struct auditx_flb_config_map *fhost_config_map_at(struct auditx_flb_filter_plugin *p, int i) {
    return &p->config_map[i];
}

// fhost_new_instance builds an instance as src/flb_filter.c flb_filter_new
// does: a numbered name <plugin>.<id>, the plugin copy, data, config.
static struct fhost_instance *fhost_new_instance(struct auditx_flb_filter_plugin *p, int id, int log_level, void *config, void *cmt) {
    struct fhost_instance *h = calloc(1, sizeof(*h));
    h->ins.event_type = AUDITX_FLB_FILTER_LOGS;
    h->ins.id = id;
    h->ins.log_level = log_level;
    snprintf(h->ins.name, sizeof(h->ins.name), "%s.%d", p->name, id);
    h->ins.p = p;
    h->plugin = p;
    h->ins.config = config;
    h->ins.cmt = cmt;
    return h;
}

static void fhost_set_props(struct fhost_instance *h, int n) {
    h->n = n;
    h->props = calloc(n + 1, sizeof(struct fhost_kv));
}

static void fhost_set_prop(struct fhost_instance *h, int i, char *k, char *v) {
    h->props[i].key = k;
    h->props[i].val = v;
}

// An address no mapping covers: the guard must find it unreadable rather
// than dereference it.
static void fhost_set_bad_plugin(struct fhost_instance *h) {
    h->ins.p = (struct auditx_flb_filter_plugin *) (uintptr_t) 16;
}

static void fhost_rename(struct fhost_instance *h) {
    snprintf(h->ins.name, sizeof(h->ins.name), "other.%d", h->ins.id);
}

static void fhost_free_instance(struct fhost_instance *h) {
    int i;
    for (i = 0; i < h->n; i++) {
        free(h->props[i].key);
        free(h->props[i].val);
    }
    free(h->props);
    free(h->ins.alias);
    free(h);
}

static int fhost_init(struct fhost_instance *h, void *config) {
    return h->plugin->cb_init(&h->ins, config, h->data);
}

// fhost_filter calls cb_filter as src/flb_filter.c flb_filter_do does: a
// NUL-terminated tag, out_buf NULL and out_size 0 before the call.
static int fhost_filter(struct fhost_instance *h, const void *data, size_t bytes, const char *tag, void **out, size_t *out_size) {
    *out = NULL;
    *out_size = 0;
    return h->plugin->cb_filter(data, bytes, tag, (int) strlen(tag), out, out_size, &h->ins, NULL, h->ins.context, h->ins.config);
}

static int fhost_exit(struct fhost_instance *h) {
    return h->plugin->cb_exit(h->ins.context, h->ins.config);
}

// fhost_threads runs cb_filter `calls` times on each of `threads` C
// threads (no Go thread among them, like an input's thread) and counts the
// calls whose answer or output differ from want (want_code, want/want_len).
struct fhost_job {
    struct fhost_instance *h;
    const void *data;
    size_t bytes;
    int calls;
    int want_code;
    const void *want;
    size_t want_len;
    int bad;
};

static void *fhost_thread(void *arg) {
    struct fhost_job *j = arg;
    int i, code;
    void *out;
    size_t n;

    for (i = 0; i < j->calls; i++) {
        code = fhost_filter(j->h, j->data, j->bytes, "audit.threads", &out, &n);
        if (code != j->want_code || (code == 1 && (n != j->want_len || memcmp(out, j->want, n) != 0))) {
            j->bad++;
        }
        free(out);
    }
    return NULL;
}

static int fhost_threads(struct fhost_instance *h, const void *data, size_t bytes, int threads, int calls,
                         int want_code, const void *want, size_t want_len) {
    pthread_t tid[64];
    struct fhost_job jobs[64];
    int i, bad = 0;

    if (threads > 64) {
        threads = 64;
    }
    for (i = 0; i < threads; i++) {
        jobs[i] = (struct fhost_job){h, data, bytes, calls, want_code, want, want_len, 0};
        pthread_create(&tid[i], NULL, fhost_thread, &jobs[i]);
    }
    for (i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        bad += jobs[i].bad;
    }
    return bad;
}
*/
import "C"

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"
)

// Fluent Bit's filter return codes.
const (
	FilterModified = C.AUDITX_FLB_FILTER_MODIFIED // FLB_FILTER_MODIFIED
	FilterNoTouch  = C.AUDITX_FLB_FILTER_NOTOUCH  // FLB_FILTER_NOTOUCH
)

// FilterPlugin is Fluent Bit's copy of a DSO filter's registration
// structure, taken as src/flb_plugin.c takes it.
type FilterPlugin struct {
	path   string
	handle unsafe.Pointer
	symbol unsafe.Pointer
	p      *C.struct_auditx_flb_filter_plugin
	mu     sync.Mutex
	ids    int
}

// OpenFilter loads a DSO filter: dlopen, dlsym of <name>_plugin (the
// basename without "flb-" and ".so", plus "_plugin") and a copy of
// sizeof(struct flb_filter_plugin) bytes of it.
func OpenFilter(soPath string) (*FilterPlugin, error) {
	abs, err := filepath.Abs(soPath)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(abs)
	if !strings.HasPrefix(base, "flb-") || !strings.HasSuffix(base, ".so") {
		return nil, fmt.Errorf("%s: Fluent Bit loads a DSO plugin only from a file named flb-<type>_<name>.so", base)
	}
	sym := strings.TrimSuffix(strings.TrimPrefix(base, "flb-"), ".so") + "_plugin"
	cpath := C.CString(abs)
	defer C.free(unsafe.Pointer(cpath))
	h := C.fhost_dlopen(cpath)
	if h == nil {
		return nil, fmt.Errorf("dlopen %s: %s", abs, C.GoString(C.fhost_dlerror()))
	}
	csym := C.CString(sym)
	defer C.free(unsafe.Pointer(csym))
	s := C.fhost_dlsym(h, csym)
	if s == nil {
		return nil, fmt.Errorf("%s: no symbol %s", abs, sym)
	}
	return &FilterPlugin{path: abs, handle: h, symbol: s, p: C.fhost_copy_plugin(s)}, nil
}

// Registration is what a filter registers.
type Registration struct {
	EventType                   int
	Name, Description           string
	HasPreRun, HasInit, HasExit bool
	HasFilter, HasNotification  bool
	ConfigMap                   []ConfigMapEntry
	ReservedTail                []byte // the bytes of the exported object after struct flb_filter_plugin
}

// ReservedTailSize is how many bytes after the structure Registration reads.
const ReservedTailSize = 512

// Registration reads Fluent Bit's copy of the structure.
func (f *FilterPlugin) Registration() Registration {
	p := f.p
	r := Registration{
		EventType: int(p.event_type), Name: C.GoString(p.name), Description: C.GoString(p.description),
		HasPreRun: p.cb_pre_run != nil, HasInit: p.cb_init != nil, HasExit: p.cb_exit != nil,
		HasFilter: p.cb_filter != nil, HasNotification: p.cb_notification != nil,
	}
	for i := 0; p.config_map != nil; i++ {
		e := C.fhost_config_map_at(p, C.int(i))
		if e.name == nil {
			break
		}
		r.ConfigMap = append(r.ConfigMap, ConfigMapEntry{
			Type: int(e._type), Name: C.GoString(e.name), HasDefault: e.def_value != nil, Default: C.GoString(e.def_value),
			Flags: int(e.flags), SetProperty: int(e.set_property), Offset: uintptr(e.offset), Description: C.GoString(e.desc),
		})
	}
	r.ReservedTail = C.GoBytes(unsafe.Add(f.symbol, C.sizeof_struct_auditx_flb_filter_plugin), ReservedTailSize)
	return r
}

// FilterInstance is one filter instance of the host.
type FilterInstance struct {
	f      *FilterPlugin
	h      *C.struct_fhost_instance
	config unsafe.Pointer
	cmt    unsafe.Pointer
}

// InstanceOptions shape an instance; the zero value is what Fluent Bit
// v5.1.1 builds.
type InstanceOptions struct {
	Props    map[string]string
	Alias    string
	LogLevel int // 0: info (3)
	// Tamper changes the instance after it is built, to show the guard:
	// "name" (a numbered name of another plugin), "data" (a data pointer
	// that is not the one passed to cb_init), "plugin" (a plugin pointer to
	// a structure with other callbacks), "badptr" (a plugin pointer to
	// unmapped memory), "tail" (a config pointer that is not the one passed
	// to cb_init: the layout after `p` differs).
	Tamper string
}

var fakeConfig, fakeCmt byte

// NewInstance creates an instance (not initialised).
func (f *FilterPlugin) NewInstance(o InstanceOptions) *FilterInstance {
	f.mu.Lock()
	id := f.ids
	f.ids++
	f.mu.Unlock()
	level := o.LogLevel
	if level == 0 {
		level = 3
	}
	// The config and cmt pointers are opaque to the plugin: any distinct
	// addresses do (C memory, so that no Go pointer is stored in C).
	cfg := C.malloc(8)
	cmt := C.malloc(8)
	h := C.fhost_new_instance(f.p, C.int(id), C.int(level), cfg, cmt)
	C.fhost_set_props(h, C.int(len(o.Props)))
	i := 0
	for k, v := range o.Props {
		C.fhost_set_prop(h, C.int(i), C.CString(k), C.CString(v))
		i++
	}
	if o.Alias != "" {
		h.ins.alias = C.CString(o.Alias)
	}
	in := &FilterInstance{f: f, h: h, config: cfg, cmt: cmt}
	switch o.Tamper {
	case "name":
		C.fhost_rename(h)
	case "data":
		// cb_init gets a data pointer that is not the one at the offset
		// auditx reads.
		h.data = cmt
	case "plugin":
		other := C.fhost_copy_plugin(unsafe.Pointer(f.p))
		other.cb_filter = nil
		h.ins.p = other
	case "badptr":
		C.fhost_set_bad_plugin(h)
	case "tail":
		h.ins.config = cmt
	}
	return in
}

// Name is the instance's numbered name.
func (in *FilterInstance) Name() string { return C.GoString(&in.h.ins.name[0]) }

// Init runs cb_init(ins, config, data); 0 is success, -1 failure.
func (in *FilterInstance) Init() int { return int(C.fhost_init(in.h, in.config)) }

// HasContext reports whether init set a context (flb_filter_set_context).
func (in *FilterInstance) HasContext() bool { return in.h.ins.context != nil }

// Filter runs cb_filter on data; out is a copy of the plugin's out_buf,
// which is then freed with free() as Fluent Bit frees it; outNil reports
// whether out_buf was left NULL.
func (in *FilterInstance) Filter(data []byte, tag string) (code int, out []byte, outNil bool) {
	var cdata unsafe.Pointer
	if len(data) > 0 {
		cdata = C.CBytes(data)
		defer C.free(cdata)
	}
	ctag := C.CString(tag)
	defer C.free(unsafe.Pointer(ctag))
	var ob unsafe.Pointer
	var n C.size_t
	code = int(C.fhost_filter(in.h, cdata, C.size_t(len(data)), ctag, &ob, &n))
	if ob != nil {
		out = C.GoBytes(ob, C.int(n))
		C.free(ob)
	}
	return code, out, ob == nil
}

// FilterThreads calls cb_filter calls times on each of threads C threads
// and returns how many answers differed from wantCode/want.
func (in *FilterInstance) FilterThreads(data []byte, threads, calls, wantCode int, want []byte) int {
	cdata := C.CBytes(data)
	defer C.free(cdata)
	var cwant unsafe.Pointer
	if len(want) > 0 {
		cwant = C.CBytes(want)
		defer C.free(cwant)
	}
	return int(C.fhost_threads(in.h, cdata, C.size_t(len(data)), C.int(threads), C.int(calls), C.int(wantCode), cwant, C.size_t(len(want))))
}

// Metric returns the value of a metric the plugin created in the
// instance's cmetrics context ("fluentbit_filter_auditx_...").
func (in *FilterInstance) Metric(name string) (float64, bool) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var found C.int
	v := C.fhost_metric_value(in.cmt, cname, &found)
	return float64(v), found != 0
}

// MetricCount returns how many metrics the plugin created for the instance.
func (in *FilterInstance) MetricCount() int { return int(C.fhost_metric_count(in.cmt)) }

// Exit runs cb_exit(context, config) (when init set a context) and frees
// the instance; idempotent.
func (in *FilterInstance) Exit() int {
	if in.h == nil {
		return 0
	}
	ret := 0
	if in.h.ins.context != nil {
		ret = int(C.fhost_exit(in.h))
	}
	C.fhost_free_instance(in.h)
	C.fhost_metrics_forget(in.cmt)
	C.free(in.config)
	C.free(in.cmt)
	in.h = nil
	return ret
}

// FilterLog returns every line the plugin logged through flb_log_print.
func FilterLog() string {
	s := C.fhost_log_take()
	defer C.free(unsafe.Pointer(s))
	return C.GoString(s)
}
