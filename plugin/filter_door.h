// filter_door.h: what the filter door's two builds share (filter_door.c):
// auditx's filter (filter.c) and the pass-through benchmark build's
// (filter_passthrough.c, go build -tags passthrough). Both resolve the same
// exported functions of Fluent Bit and check the instance they are handed
// with the same internals guard before trusting any of it.
//
// A source file, not a build output (.gitignore keeps it).
#ifndef AUDITX_FILTER_DOOR_H
#define AUDITX_FILTER_DOOR_H

#include <stddef.h>
#include <stdint.h>

#include "flb_mirror.h"

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
