//go:build !passthrough

// The filter door: auditx as a native Fluent Bit FILTER ("DSO" plugin).
//
// Fluent Bit loads a shared object whose basename starts with "flb-" as a C
// plugin (src/flb_plugin.c, flb_plugin_load_router): for
// flb-filter_auditx.so it dlsym()s the data symbol filter_auditx_plugin and
// memcpy()s sizeof(struct flb_filter_plugin) bytes of it into its own list.
// `[FILTER] Name auditx` then creates instances whose callbacks are the C
// functions below; they only translate, and call into Go (plugin/filter.go)
// for everything else.
//
// Fluent Bit does not promise to keep the structures this file relies on.
// They are mirrored field by field in flb_mirror.h, their sizes and offsets
// asserted at compile time, and at init (auditx_filter_guard, filter_door.c)
// the instance Fluent Bit hands over is checked against what auditx itself registered before
// anything in it is trusted. auditx never writes into a Fluent Bit
// structure: it reads three fields (the numbered name, the log level and,
// when the metrics layout is verified, the cmetrics context) and uses
// Fluent Bit's exported functions for the rest.

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "_cgo_export.h"
#include "flb_mirror.h"

// The filter's config map, in both layouts of struct flb_config_map, is
// generated into filter_keys.c from config.FilterKeys (go generate ./plugin).
extern struct auditx_flb_config_map auditx_filter_config_map[];
extern struct auditx_flb_config_map96 auditx_filter_config_map96[];

static int auditx_cb_init(void *ins, void *config, void *data);
static int auditx_cb_filter(const void *data, size_t bytes, const char *tag, int tag_len,
                            void **out_buf, size_t *out_size, void *f_ins, void *i_ins,
                            void *filter_context, void *config);
static int auditx_cb_exit(void *filter_context, void *config);

// filter_auditx_plugin is what Fluent Bit copies. The reserved tail is
// zeros: a Fluent Bit whose struct flb_filter_plugin has grown copies them
// as "not set" instead of whatever would follow in auditx's memory.
struct auditx_filter_registration {
    struct auditx_flb_filter_plugin plugin;
    unsigned char reserved[512];
};

struct auditx_filter_registration filter_auditx_plugin = {
    .plugin = {
        .event_type = AUDITX_FLB_FILTER_LOGS,
        .flags = 0,
        .name = "auditx",
        .description = "auditx: enrich vendor audit codes with ECS fields",
        .config_map = auditx_filter_config_map,
        .cb_pre_run = NULL,
        .cb_init = auditx_cb_init,
        .cb_filter = auditx_cb_filter,
        .cb_exit = auditx_cb_exit,
        .cb_notification = NULL,
    },
};

// auditx_pick_config_map runs when the library is loaded, before Fluent
// Bit copies filter_auditx_plugin: it points the registration at the config
// map in the layout this Fluent Bit reads (auditx_config_map_stride,
// flb_mirror.h).
__attribute__((constructor)) static void auditx_pick_config_map(void) {
    if (auditx_config_map_stride() != sizeof(struct auditx_flb_config_map)) {
        filter_auditx_plugin.plugin.config_map = (struct auditx_flb_config_map *) auditx_filter_config_map96;
    }
}


// The counters auditx adds to the instance's cmetrics context and the
// catalog size gauge: their names and help are generated from enrich's
// table of counters into filter_counters.c (go generate ./plugin); the
// filter passes a counter's value by its index there (plugin/filter.go).
extern const int auditx_n_counters;
extern const char *const auditx_counter_names[][2];
extern const char *const auditx_gauge_catalog_entries[2];

// auditx_filter_ctx is one instance's C side: what Fluent Bit hands back
// as filter_context in every cb_filter and cb_exit.
struct auditx_filter_ctx {
    uintptr_t handle; // the Go *instance.Filter (cgo.Handle)
    char name[128];   // flb_filter_name: the alias or auditx.N
    struct auditx_flb_functions api;
    int metrics;      // 1 when the cmetrics context was verified and the counters made
    void **counters;  // auditx_n_counters of them, when metrics
    void *catalog_entries;
};

void auditx_filter_log(void *cctx, int level, char *msg) {
    struct auditx_filter_ctx *c = cctx;
    static const char *names[] = {"", "error", "warn", "info", "debug", "trace"};

    if (c != NULL && c->api.log_print != NULL) {
        c->api.log_print(level, NULL, 0, "[filter:auditx:%s] %s", c->name, msg);
        return;
    }
    fprintf(stderr, "[%5s] [filter:auditx:%s] %s\n", (level >= 1 && level <= 5) ? names[level] : "log",
            c != NULL ? c->name : "?", msg);
}

const char *auditx_filter_ctx_name(void *cctx) { return ((struct auditx_filter_ctx *) cctx)->name; }

const char *auditx_filter_property(void *cctx, void *ins, char *key) {
    struct auditx_filter_ctx *c = cctx;
    return c->api.get_property(key, ins);
}

static void auditx_metrics_init(struct auditx_filter_ctx *c, void *cmt) {
    char *keys[] = {"name"};
    char *vals[] = {c->name};
    uint64_t ts;
    int i;

    if (!c->api.counter_create || !c->api.counter_add || !c->api.gauge_create || !c->api.gauge_set || !c->api.time_now) {
        c->metrics = 0;
        return;
    }
    c->counters = calloc((size_t) auditx_n_counters, sizeof(void *));
    if (c->counters == NULL) {
        c->metrics = 0;
        return;
    }
    ts = c->api.time_now();
    for (i = 0; i < auditx_n_counters; i++) {
        c->counters[i] = c->api.counter_create(cmt, "fluentbit", "filter", (char *) auditx_counter_names[i][0],
                                               (char *) auditx_counter_names[i][1], 1, keys);
        if (c->counters[i] == NULL) {
            c->metrics = 0;
            return;
        }
        // Create the series now, on the init thread: counter_add later
        // only updates it (atomically), from whichever thread filters.
        c->api.counter_add(c->counters[i], ts, 0, 1, vals);
    }
    c->catalog_entries = c->api.gauge_create(cmt, "fluentbit", "filter", (char *) auditx_gauge_catalog_entries[0],
                                             (char *) auditx_gauge_catalog_entries[1], 1, keys);
    c->metrics = c->catalog_entries != NULL;
}

void auditx_filter_metrics_add(void *cctx, int i, double v) {
    struct auditx_filter_ctx *c = cctx;
    char *vals[] = {c->name};

    if (c->metrics && i >= 0 && i < auditx_n_counters && v != 0) {
        c->api.counter_add(c->counters[i], c->api.time_now(), v, 1, vals);
    }
}

void auditx_filter_metrics_entries(void *cctx, double v) {
    struct auditx_filter_ctx *c = cctx;
    char *vals[] = {c->name};

    if (c->metrics) {
        c->api.gauge_set(c->catalog_entries, c->api.time_now(), v, 1, vals);
    }
}

static int auditx_cb_init(void *ins, void *config, void *data) {
    char why[512];
    struct auditx_filter_ctx *c;
    int metrics = 0;
    const char *name;

    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return -1;
    }
    // Until the instance is verified its name is not read from it.
    snprintf(c->name, sizeof(c->name), "auditx");
    if (auditx_resolve(&c->api, why, sizeof(why)) != 0 ||
        auditx_filter_guard(ins, config, data, &filter_auditx_plugin.plugin, &metrics, why, sizeof(why)) != 0) {
        char msg[1024];
        snprintf(msg, sizeof(msg),
                 "refusing to start: %s. This auditx filter was built for the internals of Fluent Bit v3.2 to v5.1 "
                 "(run on v4.2.8 and v5.1.1); with another Fluent Bit, use auditx's output door (out_auditx.so), "
                 "which works with any Fluent Bit that loads Go plugins",
                 why);
        auditx_filter_log(c->api.log_print ? c : NULL, AUDITX_FLB_LOG_ERROR, msg);
        free(c);
        return -1;
    }
    name = c->api.filter_name(ins);
    snprintf(c->name, sizeof(c->name), "%s", name != NULL ? name : "auditx");
    if (metrics) {
        auditx_metrics_init(c, ((struct auditx_flb_filter_instance *) ins)->cmt);
    }
    c->handle = auditxFilterInit(c, ins, ((struct auditx_flb_filter_instance *) ins)->log_level, c->metrics);
    if (c->handle == 0) {
        free(c->counters);
        free(c);
        return -1;
    }
    c->api.set_context(ins, c);
    return 0;
}

static int auditx_cb_filter(const void *data, size_t bytes, const char *tag, int tag_len,
                            void **out_buf, size_t *out_size, void *f_ins, void *i_ins,
                            void *filter_context, void *config) {
    struct auditx_filter_ctx *c = filter_context;
    (void) tag;
    (void) tag_len;
    (void) f_ins;
    (void) i_ins;
    (void) config;

    if (c == NULL || data == NULL || bytes == 0) {
        return AUDITX_FLB_FILTER_NOTOUCH;
    }
    if (auditxFilterCall(c, c->handle, (void *) data, bytes, out_buf, out_size) == 1) {
        return AUDITX_FLB_FILTER_MODIFIED;
    }
    return AUDITX_FLB_FILTER_NOTOUCH;
}

static int auditx_cb_exit(void *filter_context, void *config) {
    struct auditx_filter_ctx *c = filter_context;
    (void) config;

    if (c == NULL) {
        return 0;
    }
    auditxFilterExit(c, c->handle);
    free(c->counters);
    free(c);
    return 0;
}

// auditx_realloc and auditx_free grow and drop an out_buf auditx_malloc
// (filter_door.c) allocated, with the same allocator Fluent Bit frees it with.
void *auditx_realloc(void *p, size_t n) { return realloc(p, n); }
void auditx_free(void *p) { free(p); }
