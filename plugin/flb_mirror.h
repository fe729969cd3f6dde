// flb_mirror.h: the structures and constants of Fluent Bit that auditx
// relies on, mirrored field by field from Fluent Bit's own headers, with
// their sizes and offsets asserted at compile time. This is the one copy:
// the filter door (filter.c, and filter_keys.c that internal/cgen
// generates), the output door's config map writer (out_auditx.go) and the
// cgo test hosts (internal/flbhost, through -I${SRCDIR}/../../plugin)
// include it. At its end it declares the filter door's shared functions
// (filter_door.c), which the two builds of the filter door call.
//
// Each mirror is named auditx_ + Fluent Bit's name, so that it cannot clash
// with fluent-bit-go's partial copies (output/flb_plugin.h) nor with
// Fluent Bit's own symbols. Fluent Bit does not promise to keep these
// layouts: the filter checks the instance it is handed against them before
// trusting it (filter_door.c, auditx_filter_guard), and the sources cited below
// are the v5.1.1 tag unless a range of tags is given.
//
// A source file, not a build output: .gitignore ignores *.h (cgo's
// _cgo_export.h, the c-shared build's flb-filter_auditx.h) except this one.
#ifndef AUDITX_FLB_MIRROR_H
#define AUDITX_FLB_MIRROR_H

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

// include/fluent-bit/flb_filter.h: a filter's answers and event type.
#define AUDITX_FLB_FILTER_MODIFIED 1
#define AUDITX_FLB_FILTER_NOTOUCH 2
#define AUDITX_FLB_FILTER_LOGS 1

// include/fluent-bit/flb_log.h: log levels (ins->log_level, flb_log_print).
#define AUDITX_FLB_LOG_OFF 0
#define AUDITX_FLB_LOG_ERROR 1
#define AUDITX_FLB_LOG_WARN 2
#define AUDITX_FLB_LOG_INFO 3
#define AUDITX_FLB_LOG_DEBUG 4
#define AUDITX_FLB_LOG_TRACE 5

// include/fluent-bit/flb_config_map.h: an entry's type and flags.
#define AUDITX_FLB_CONFIG_MAP_STR 0
#define AUDITX_FLB_CONFIG_MAP_DYNAMIC_ENV 2

// lib/monkey/include/monkey/mk_core/mk_list.h: struct mk_list.
struct auditx_mk_list {
    struct auditx_mk_list *prev, *next;
};

// ---------------------------------------------------------------------------
// struct flb_config_map (include/fluent-bit/flb_config_map.h): a plugin
// hands Fluent Bit an array of these ending with an entry whose name is
// NULL (src/flb_config_map.c flb_config_map_create walks `while (m &&
// m->name)`), so the entry size, the array's stride, must match exactly.
// Two layouts: struct flb_config_map_val gained a `raw` field in v5.0.3,
// making an entry 104 bytes instead of 96 (v3.2 to v5.0.2).
// ---------------------------------------------------------------------------

struct auditx_flb_config_map_val {
    union {
        int i_num;
        int boolean;
        double d_num;
        size_t s_num;
        char *str;                   // flb_sds_t
        struct auditx_mk_list *list;
        void *variant;               // struct cfl_variant *
    } val;
    char *raw;                       // flb_sds_t; v5.0.3 on
    struct auditx_mk_list *mult;
    struct auditx_mk_list _head;
};

struct auditx_flb_config_map {
    int type;
    char *name;
    char *def_value;
    int flags;
    int set_property;
    uintptr_t offset;
    char *desc;
    struct auditx_flb_config_map_val value;
    struct auditx_mk_list _head;
};

_Static_assert(sizeof(struct auditx_flb_config_map) == 104, "struct flb_config_map is 104 bytes on LP64 (v5.0.3 to v5.1)");

// The 96-byte layout, v3.2 to v5.0.2.
struct auditx_flb_config_map96 {
    int type;
    char *name;
    char *def_value;
    int flags;
    int set_property;
    uintptr_t offset;
    char *desc;
    struct {
        union { int i_num; int boolean; double d_num; size_t s_num; char *str; void *list; void *variant; } val;
        void *mult;
        struct auditx_mk_list _head;
    } value;
    struct auditx_mk_list _head;
};

_Static_assert(sizeof(struct auditx_flb_config_map96) == 96, "struct flb_config_map is 96 bytes on LP64 (v3.2 to v5.0.2)");
_Static_assert(offsetof(struct auditx_flb_config_map, desc) == offsetof(struct auditx_flb_config_map96, desc) &&
                   offsetof(struct auditx_flb_config_map, desc) + sizeof(char *) <= 96,
               "the fields auditx sets (type to desc) lead both layouts");

// auditx_config_map_stride is the entry size this Fluent Bit walks a config
// map with: flb_config_map_get_raw, the accessor of the `raw` field, came
// with it in v5.0.3 (checked in every tag from v3.2.0 to v5.1.1).
static inline size_t auditx_config_map_stride(void) {
    return dlsym(RTLD_DEFAULT, "flb_config_map_get_raw") != NULL ? sizeof(struct auditx_flb_config_map)
                                                                  : sizeof(struct auditx_flb_config_map96);
}

// ---------------------------------------------------------------------------
// The Go proxy (the output door): include/fluent-bit/flb_plugin_proxy.h,
// include/fluent-bit/flb_api.h and src/proxy/go/go.h. The output door sees
// all but the registration's config_map through fluent-bit-go's copies;
// the output host (internal/flbhost) plays Fluent Bit's side with these.
// ---------------------------------------------------------------------------

// struct flb_plugin_proxy_def, the registration structure, INCLUDING
// config_map, which joined it in v5.1.1 (fluent-bit-go's
// output/flb_plugin.h stops at event_type, as the 40-byte def of every
// Fluent Bit before v5.1.1 does).
struct auditx_flb_plugin_proxy_def {
    int type;
    int proxy;
    int flags;
    char *name;
    char *description;
    int event_type;
    struct auditx_flb_config_map *config_map;
};

_Static_assert(sizeof(struct auditx_flb_plugin_proxy_def) == 48, "struct flb_plugin_proxy_def is 48 bytes on LP64 (v5.1.1)");
_Static_assert(offsetof(struct auditx_flb_plugin_proxy_def, config_map) == 40, "config_map right after the 40 bytes of the older def");

// struct flb_api (filled by src/flb_api.c flb_api_create); fluent-bit-go's
// output/flb_output.h sees only the first pointer (output_get_property).
struct auditx_flb_api {
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

_Static_assert(sizeof(struct auditx_flb_api) == 9 * sizeof(void *), "struct flb_api has 9 pointers");

// struct flb_plugin_proxy, one per loaded .so.
struct auditx_flb_plugin_proxy {
    struct auditx_flb_plugin_proxy_def *def;
    struct auditx_flb_api *api;
    void *instance;
    void *dso_handler;
    void *data;
    struct auditx_mk_list _head;
};

// struct flb_plugin_proxy_context, calloc'ed per output instance by
// src/flb_output.c flb_output_new.
struct auditx_flb_plugin_proxy_context {
    void *remote_context;
    struct auditx_flb_plugin_proxy *proxy;
};

// struct flbgo_output_plugin (src/proxy/go/go.h), the argument of
// FLBPluginInit (fluent-bit-go's output/flb_output.h reads the first four
// fields as {_, api, o_ins, context}).
struct auditx_flbgo_output_plugin {
    char *name;
    void *api;
    void *o_ins;
    struct auditx_flb_plugin_proxy_context *context;

    int (*cb_init)(struct auditx_flbgo_output_plugin *);
    int (*cb_flush)(const void *, size_t, const char *);
    int (*cb_flush_ctx)(void *, const void *, size_t, char *);
    int (*cb_exit)(void);
    int (*cb_exit_ctx)(void *);
};

// ---------------------------------------------------------------------------
// The filter door: include/fluent-bit/flb_filter.h.
// ---------------------------------------------------------------------------

// struct flb_filter_plugin: the same text in the tags v3.2.0, v4.0.0,
// v4.1.0, v4.2.0, v5.0.0 and v5.1.1. Fluent Bit copies
// sizeof(struct flb_filter_plugin) bytes of a DSO filter's
// <name>_plugin symbol (src/flb_plugin.c flb_plugin_load).
struct auditx_flb_filter_plugin {
    int event_type;
    int flags;
    char *name;
    char *description;
    struct auditx_flb_config_map *config_map;
    int (*cb_pre_run)(void *ins, void *config, void *data);
    int (*cb_init)(void *ins, void *config, void *data);
    int (*cb_filter)(const void *data, size_t bytes, const char *tag, int tag_len,
                     void **out_buf, size_t *out_size, void *f_ins, void *i_ins,
                     void *filter_context, void *config);
    int (*cb_exit)(void *filter_context, void *config);
    int (*cb_notification)(void *ins, void *config, void *data);
    struct auditx_mk_list _head;
};

_Static_assert(sizeof(struct auditx_flb_filter_plugin) == 88, "struct flb_filter_plugin is 88 bytes on LP64");
_Static_assert(offsetof(struct auditx_flb_filter_plugin, cb_init) == 40, "cb_init offset");
_Static_assert(offsetof(struct auditx_flb_filter_plugin, cb_filter) == 48, "cb_filter offset");
_Static_assert(offsetof(struct auditx_flb_filter_plugin, cb_exit) == 56, "cb_exit offset");

// struct flb_filter_instance, as built with FLB_HAVE_REGEX and
// FLB_HAVE_METRICS (the official packages and images). Identical from
// v3.0.0 to v5.1.1 up to and including `context`; the tail (cmetrics
// counters, metrics, notification_channel, config) is v5.1.1's.
struct auditx_flb_filter_instance {
    int event_type;
    int id;
    int log_level;
    int log_suppress_interval;
    char name[32];
    char *alias;
    char *match;
    void *match_regex;
    void *parent_processor;
    void *context;
    void *data;
    struct auditx_flb_filter_plugin *p;
    struct auditx_mk_list properties;
    struct auditx_mk_list *config_map;
    struct auditx_mk_list _head;
    void *cmt;
    void *cmt_records;
    void *cmt_bytes;
    void *cmt_add_records;
    void *cmt_drop_records;
    void *cmt_drop_bytes;
    void *metrics;
    int notification_channel;
    void *config;
};

_Static_assert(offsetof(struct auditx_flb_filter_instance, log_level) == 8, "log_level offset");
_Static_assert(offsetof(struct auditx_flb_filter_instance, name) == 16, "name offset");
_Static_assert(offsetof(struct auditx_flb_filter_instance, data) == 88, "data offset");
_Static_assert(offsetof(struct auditx_flb_filter_instance, p) == 96, "p offset");
_Static_assert(offsetof(struct auditx_flb_filter_instance, cmt) == 144, "cmt offset");
_Static_assert(offsetof(struct auditx_flb_filter_instance, config) == 208, "config offset");
_Static_assert(sizeof(struct auditx_flb_filter_instance) == 216, "struct flb_filter_instance is 216 bytes (v5.1.1)");


// ---- The filter door's shared functions (filter_door.c) ----
// What auditx's filter (filter.c) and the pass-through benchmark build's
// (filter_passthrough.c, go build -tags passthrough) share: both resolve
// the same exported functions of Fluent Bit and check the instance they
// are handed with the same internals guard before trusting any of it.

// Fluent Bit's exported functions (the executable is linked with
// ENABLE_EXPORTS), resolved at init with dlsym(RTLD_DEFAULT).
typedef const char *(*auditx_get_property_fn)(const char *key, void *ins);
typedef void (*auditx_set_context_fn)(void *ins, void *ctx);
typedef const char *(*auditx_filter_name_fn)(void *ins);
typedef void (*auditx_log_print_fn)(int type, const char *file, int line, const char *fmt, ...);
typedef void *(*auditx_cmt_counter_create_fn)(void *cmt, char *ns, char *subsystem, char *name,
                                              char *help, int label_count, char **label_keys);
typedef int (*auditx_cmt_counter_add_fn)(void *counter, uint64_t ts, double val, int labels_count,
                                         char **label_vals);
typedef void *(*auditx_cmt_gauge_create_fn)(void *cmt, char *ns, char *subsystem, char *name,
                                            char *help, int label_count, char **label_keys);
typedef int (*auditx_cmt_gauge_set_fn)(void *gauge, uint64_t ts, double val, int labels_count,
                                       char **label_vals);
typedef uint64_t (*auditx_time_now_fn)(void);

struct auditx_flb_functions {
    auditx_get_property_fn get_property;
    auditx_set_context_fn set_context;
    auditx_filter_name_fn filter_name;
    auditx_log_print_fn log_print;
    auditx_cmt_counter_create_fn counter_create;
    auditx_cmt_counter_add_fn counter_add;
    auditx_cmt_gauge_create_fn gauge_create;
    auditx_cmt_gauge_set_fn gauge_set;
    auditx_time_now_fn time_now;
};

// auditx_resolve fills api from Fluent Bit's exported functions. It returns
// 0, or -1 with the reason in why when one that auditx cannot do without
// is missing (the cmetrics ones may be NULL).
int auditx_resolve(struct auditx_flb_functions *api, char *why, size_t n);

// auditx_filter_guard checks the instance Fluent Bit hands to cb_init
// before any of it is trusted: every field read is at the offset it was
// built for, and the instance's plugin is Fluent Bit's copy of mine (the
// registration of the filter calling it; the instance's numbered name is
// mine->name, a dot and a number). It returns 0 and sets *metrics (1 when
// the tail of the structure, the cmetrics context among it, is v5.1.1's),
// or -1 with the reason in why.
int auditx_filter_guard(void *ins, void *config, void *data, const struct auditx_flb_filter_plugin *mine,
                        int *metrics, char *why, size_t n);

// auditx_malloc allocates the out_buf Fluent Bit frees with flb_free()
// (free(); with FLB_JEMALLOC, jemalloc replaces malloc and free alike).
void *auditx_malloc(size_t n);

#endif
