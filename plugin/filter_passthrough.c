//go:build passthrough

// The pass-through benchmark build of the filter door (go build -tags
// passthrough), in place of filter.c: `[FILTER] Name auditx_passthrough`,
// from a library named flb-filter_auditx_passthrough.so (Fluent Bit
// dlsym()s the data symbol named after the file: basename minus "flb-" and
// ".so", plus "_plugin"; src/flb_plugin.c flb_plugin_load_router and
// flb_plugin_load).
//
// Its callback answers every append FLB_FILTER_MODIFIED with a malloc'ed
// copy of it, so that make bench-pipeline's pipeline FP measures what Fluent
// Bit itself spends on a filter's MODIFIED answer (taking the new buffer,
// counting its records again, freeing it). With `pad N` every record comes
// back exactly N bytes longer (internal/benchpad, through
// plugin/filter_passthrough.go): FP<N> measures what Fluent Bit spends per
// byte a filter adds. Its instances are checked with the same internals
// guard as auditx's filter (filter_door.c).
//
// A benchmark tool: make bench-pipeline builds it into bench/out/passthrough/,
// never into bin/ or the image. Never ship it, and never load it into a
// Fluent Bit beside auditx's library (a process holds one Go runtime).

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "_cgo_export.h"
#include "flb_mirror.h"

#define AUDITX_PASSTHROUGH_PAD_DESC                                                                          \
    "bytes added to every record (one more pair, _pad: a string), exactly, for the benchmark of Fluent Bit's " \
    "cost per added byte; 0 (the default) returns every record unchanged"

// The config map, in both layouts of struct flb_config_map (flb_mirror.h).
static struct auditx_flb_config_map auditx_passthrough_config_map[] = {
    {AUDITX_FLB_CONFIG_MAP_STR, "pad", NULL, 0, 0, 0, AUDITX_PASSTHROUGH_PAD_DESC},
    {0},
};
static struct auditx_flb_config_map96 auditx_passthrough_config_map96[] = {
    {AUDITX_FLB_CONFIG_MAP_STR, "pad", NULL, 0, 0, 0, AUDITX_PASSTHROUGH_PAD_DESC},
    {0},
};

static int auditx_passthrough_init(void *ins, void *config, void *data);
static int auditx_passthrough_filter(const void *data, size_t bytes, const char *tag, int tag_len,
                                     void **out_buf, size_t *out_size, void *f_ins, void *i_ins,
                                     void *filter_context, void *config);
static int auditx_passthrough_exit(void *filter_context, void *config);

// filter_auditx_passthrough_plugin is what Fluent Bit copies; the reserved
// tail is zeros, as in filter.c.
struct auditx_passthrough_registration {
    struct auditx_flb_filter_plugin plugin;
    unsigned char reserved[512];
};

struct auditx_passthrough_registration filter_auditx_passthrough_plugin = {
    .plugin = {
        .event_type = AUDITX_FLB_FILTER_LOGS,
        .flags = 0,
        .name = "auditx_passthrough",
        .description = "auditx benchmark build: every record returned unchanged (or padded) as MODIFIED",
        .config_map = auditx_passthrough_config_map,
        .cb_pre_run = NULL,
        .cb_init = auditx_passthrough_init,
        .cb_filter = auditx_passthrough_filter,
        .cb_exit = auditx_passthrough_exit,
        .cb_notification = NULL,
    },
};

// The config map in the layout this Fluent Bit reads, before Fluent Bit
// copies the registration (as filter.c does).
__attribute__((constructor)) static void auditx_passthrough_pick_config_map(void) {
    if (auditx_config_map_stride() != sizeof(struct auditx_flb_config_map)) {
        filter_auditx_passthrough_plugin.plugin.config_map =
            (struct auditx_flb_config_map *) auditx_passthrough_config_map96;
    }
}

// auditx_passthrough_ctx is one instance: what Fluent Bit hands back as
// filter_context.
struct auditx_passthrough_ctx {
    char name[128]; // flb_filter_name: the alias or auditx_passthrough.N
    long pad;       // bytes added to every record
    struct auditx_flb_functions api;
};

static void auditx_passthrough_log(struct auditx_passthrough_ctx *c, int level, const char *msg) {
    if (c->api.log_print != NULL) {
        c->api.log_print(level, NULL, 0, "[filter:auditx_passthrough:%s] %s", c->name, msg);
        return;
    }
    fprintf(stderr, "[filter:auditx_passthrough:%s] %s\n", c->name, msg);
}

static int auditx_passthrough_init(void *ins, void *config, void *data) {
    char why[512];
    char msg[1024];
    struct auditx_passthrough_ctx *c;
    int metrics = 0;
    const char *name;
    const char *pad;

    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return -1;
    }
    snprintf(c->name, sizeof(c->name), "auditx_passthrough");
    if (auditx_resolve(&c->api, why, sizeof(why)) != 0 ||
        auditx_filter_guard(ins, config, data, &filter_auditx_passthrough_plugin.plugin, &metrics, why,
                            sizeof(why)) != 0) {
        snprintf(msg, sizeof(msg), "refusing to start: %s", why);
        auditx_passthrough_log(c, AUDITX_FLB_LOG_ERROR, msg);
        free(c);
        return -1;
    }
    name = c->api.filter_name(ins);
    snprintf(c->name, sizeof(c->name), "%s", name != NULL ? name : "auditx_passthrough");
    pad = c->api.get_property("pad", ins);
    c->pad = auditxPassthroughPad((char *) (pad != NULL ? pad : ""), why, sizeof(why));
    if (c->pad < 0) {
        auditx_passthrough_log(c, AUDITX_FLB_LOG_ERROR, why);
        free(c);
        return -1;
    }
    if (c->pad == 0) {
        snprintf(msg, sizeof(msg), "the pass-through benchmark build: every append answered MODIFIED, its records unchanged");
    } else {
        snprintf(msg, sizeof(msg), "the pass-through benchmark build: every append answered MODIFIED, each record %ld bytes longer", c->pad);
    }
    auditx_passthrough_log(c, AUDITX_FLB_LOG_INFO, msg);
    c->api.set_context(ins, c);
    return 0;
}

static int auditx_passthrough_filter(const void *data, size_t bytes, const char *tag, int tag_len,
                                     void **out_buf, size_t *out_size, void *f_ins, void *i_ins,
                                     void *filter_context, void *config) {
    struct auditx_passthrough_ctx *c = filter_context;
    void *p;
    (void) tag;
    (void) tag_len;
    (void) f_ins;
    (void) i_ins;
    (void) config;

    if (c == NULL || data == NULL || bytes == 0) {
        return AUDITX_FLB_FILTER_NOTOUCH;
    }
    if (c->pad > 0) {
        return auditxPassthroughCall((void *) data, bytes, c->pad, out_buf, out_size) == 1 ? AUDITX_FLB_FILTER_MODIFIED
                                                                                          : AUDITX_FLB_FILTER_NOTOUCH;
    }
    p = auditx_malloc(bytes);
    if (p == NULL) {
        return AUDITX_FLB_FILTER_NOTOUCH;
    }
    memcpy(p, data, bytes);
    *out_buf = p;
    *out_size = bytes;
    return AUDITX_FLB_FILTER_MODIFIED;
}

static int auditx_passthrough_exit(void *filter_context, void *config) {
    (void) config;
    free(filter_context);
    return 0;
}
