/*
 * The registration structure and config map of Fluent Bit v5.1.1, for a Go
 * proxy plugin that hands Fluent Bit its list of keys (so Fluent Bit rejects
 * unknown keys at start-up with its own message).
 *
 * struct auditx_proxy_def mirrors struct flb_plugin_proxy_def
 * (include/fluent-bit/flb_plugin_proxy.h): fluent-bit-go's copy
 * (output/flb_plugin.h) stops before config_map.
 * struct auditx_config_map mirrors struct flb_config_map
 * (include/fluent-bit/flb_config_map.h): Fluent Bit walks the array entry by
 * entry until a NULL name (src/flb_config_map.c, flb_config_map_create), so
 * the size of an entry must match exactly: 104 bytes on LP64 (checked against the
 * v5.1.1 headers with sizeof).
 */
#ifndef AUDITX_CONFIGMAP_H
#define AUDITX_CONFIGMAP_H

#include <stdint.h>
#include <stdlib.h>

#define AUDITX_FLB_CONFIG_MAP_STR 0          /* FLB_CONFIG_MAP_STR */
#define AUDITX_FLB_CONFIG_MAP_DYNAMIC_ENV 2  /* FLB_CONFIG_MAP_DYNAMIC_ENV */

struct auditx_mk_list {
    struct auditx_mk_list *prev, *next;
};

struct auditx_config_map_val {
    union {
        int i_num;
        int boolean;
        double d_num;
        size_t s_num;
        char *str;
        void *list;
        void *variant;
    } val;
    char *raw;
    void *mult;
    struct auditx_mk_list _head;
};

struct auditx_config_map {
    int type;
    char *name;
    char *def_value;
    int flags;
    int set_property;
    uintptr_t offset;
    char *desc;
    struct auditx_config_map_val value;
    struct auditx_mk_list _head;
};

struct auditx_proxy_def {
    int type;
    int proxy;
    int flags;
    char *name;
    char *description;
    int event_type;
    struct auditx_config_map *config_map;
};

/* auditx_config_map_new returns a zeroed array of n entries plus the
 * terminating zeroed entry. */
static inline struct auditx_config_map *auditx_config_map_new(int n) {
    return calloc((size_t) n + 1, sizeof(struct auditx_config_map));
}

static inline void auditx_config_map_set(struct auditx_config_map *m, int i, char *name,
                                         char *def_value, char *desc, int flags) {
    m[i].type = AUDITX_FLB_CONFIG_MAP_STR;
    m[i].name = name;
    m[i].def_value = def_value;
    m[i].desc = desc;
    m[i].flags = flags;
}

static inline void auditx_config_map_free(struct auditx_config_map *m) {
    if (m == NULL) {
        return;
    }
    for (struct auditx_config_map *e = m; e->name != NULL; e++) {
        free(e->name);
        free(e->def_value);
        free(e->desc);
    }
    free(m);
}

static inline void auditx_def_set_config_map(void *def, struct auditx_config_map *m) {
    ((struct auditx_proxy_def *) def)->config_map = m;
}

static inline struct auditx_config_map *auditx_def_config_map(void *def) {
    return ((struct auditx_proxy_def *) def)->config_map;
}

_Static_assert(sizeof(struct auditx_config_map) == 104, "struct flb_config_map is 104 bytes on LP64");

#endif
