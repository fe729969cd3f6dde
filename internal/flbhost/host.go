//go:build linux && cgo

package flbhost

/*
#cgo LDFLAGS: -ldl -lpthread

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

// ---------------------------------------------------------------------------
// Fluent Bit v5.1.1 ABI, copied field by field. Pointers to Fluent Bit types
// the host never builds (flb_output_instance, flb_config, ...) are void *.
// ---------------------------------------------------------------------------

// lib/monkey/include/monkey/mk_core/mk_list.h
struct mk_list {
    struct mk_list *prev, *next;
};

// include/fluent-bit/flb_config_map.h: struct flb_config_map_val.
struct flb_config_map_val {
    union {
        int i_num;
        int boolean;
        double d_num;
        size_t s_num;
        char *str;            // flb_sds_t
        struct mk_list *list;
        void *variant;        // struct cfl_variant *
    } val;
    char *raw;                // flb_sds_t
    struct mk_list *mult;
    struct mk_list _head;
};

// include/fluent-bit/flb_config_map.h: struct flb_config_map. A plugin
// hands Fluent Bit an array of these ending with an entry whose name is
// NULL (src/flb_config_map.c flb_config_map_create walks `while (m &&
// m->name)`), so the entry size (the array stride) must match exactly.
struct flb_config_map {
    int type;
    char *name;
    char *def_value;
    int flags;
    int set_property;
    uintptr_t offset;
    char *desc;
    struct flb_config_map_val value;
    struct mk_list _head;
};

// include/fluent-bit/flb_plugin_proxy.h: struct flb_plugin_proxy_def, the
// registration structure, INCLUDING config_map (fluent-bit-go's
// output/flb_plugin.h copy stops at event_type).
struct flb_plugin_proxy_def {
    int type;
    int proxy;
    int flags;
    char *name;
    char *description;
    int event_type;
    struct flb_config_map *config_map;
};

// include/fluent-bit/flb_api.h: struct flb_api (filled by src/flb_api.c
// flb_api_create). fluent-bit-go's output/flb_output.h sees only the first
// pointer (output_get_property).
struct flb_api {
    const char *(*output_get_property)(const char *, void *);
    const char *(*input_get_property)(const char *, void *);
    void *(*output_get_cmt_instance)(void *);
    void *(*input_get_cmt_instance)(void *);
    void (*log_print)(int, const char *, int, const char *, ...);
    int (*input_log_check)(void *, int);
    int (*output_log_check)(void *, int);
    const char *(*custom_get_property)(const char *, void *);
    int (*custom_log_check)(void *, int);
};

// include/fluent-bit/flb_plugin_proxy.h: struct flb_plugin_proxy, one per
// loaded .so.
struct flb_plugin_proxy {
    struct flb_plugin_proxy_def *def;
    struct flb_api *api;
    void *instance;
    void *dso_handler;
    void *data;
    struct mk_list _head;
};

// include/fluent-bit/flb_plugin_proxy.h: struct flb_plugin_proxy_context,
// calloc'ed per output instance by src/flb_output.c flb_output_new.
struct flb_plugin_proxy_context {
    void *remote_context;
    struct flb_plugin_proxy *proxy;
};

// src/proxy/go/go.h: struct flbgo_output_plugin, the argument of
// FLBPluginInit (fluent-bit-go's output/flb_output.h reads the first four
// fields as {_, api, o_ins, context}).
struct flbgo_output_plugin {
    char *name;
    void *api;
    void *o_ins;
    struct flb_plugin_proxy_context *context;

    int (*cb_init)(struct flbgo_output_plugin *);
    int (*cb_flush)(const void *, size_t, const char *);
    int (*cb_flush_ctx)(void *, const void *, size_t, char *);
    int (*cb_exit)();
    int (*cb_exit_ctx)(void *);
};

// include/fluent-bit/flb_log.h levels.
#define FLBHOST_LOG_OFF   0
#define FLBHOST_LOG_ERROR 1
#define FLBHOST_LOG_WARN  2
#define FLBHOST_LOG_INFO  3
#define FLBHOST_LOG_DEBUG 4
#define FLBHOST_LOG_TRACE 5

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
static struct flb_api *flbhost_api_create(void) {
    struct flb_api *api = calloc(1, sizeof(struct flb_api));
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

static struct flb_config_map *flbhost_config_map_at(struct flb_config_map *m, int i) {
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

static int flbhost_call_register(void *fn, struct flb_plugin_proxy_def *def) {
    return ((int (*)(struct flb_plugin_proxy_def *)) fn)(def);
}

static void flbhost_call_unregister(void *fn, struct flb_plugin_proxy_def *def) {
    ((void (*)(struct flb_plugin_proxy_def *)) fn)(def);
}

// flbhost_output_init mirrors src/proxy/go/go.c proxy_go_output_init: the
// one plugin structure is re-pointed at this instance, then FLBPluginInit.
static int flbhost_output_init(struct flbgo_output_plugin *plugin, struct flb_plugin_proxy *proxy,
                               struct flbhost_output_instance *ins,
                               struct flb_plugin_proxy_context *ctx) {
    proxy->instance = ins;
    plugin->api = proxy->api;
    plugin->o_ins = ins;
    plugin->context = ctx;
    return plugin->cb_init(plugin);
}

// flbhost_output_flush mirrors src/proxy/go/go.c proxy_go_output_flush: the
// tag is copied into a fresh NUL-terminated buffer freed after the call;
// FlushCtx is preferred over Flush.
static int flbhost_output_flush(struct flbgo_output_plugin *plugin, struct flb_plugin_proxy_context *ctx,
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
    struct flbgo_output_plugin *plugin;
    struct flb_plugin_proxy_context *ctx;
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
static int flbhost_output_destroy(struct flbgo_output_plugin *plugin, void *pre_exit,
                                  struct flb_plugin_proxy_context *ctx, int hot_reloading) {
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

_Static_assert(sizeof(struct flb_config_map) == 104, "struct flb_config_map is 104 bytes on LP64");
_Static_assert(sizeof(struct flb_plugin_proxy_def) == 48, "struct flb_plugin_proxy_def is 48 bytes on LP64");
_Static_assert(sizeof(struct flb_api) == 9 * sizeof(void *), "struct flb_api has 9 pointers");
*/
import "C"
