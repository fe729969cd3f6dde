// The filter door's code that auditx's filter (filter.c) and the
// pass-through benchmark build's (filter_passthrough.c) share: see
// flb_mirror.h.

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flb_mirror.h"

// auditx_readable reports whether n bytes at addr can be read, without
// touching them: write(2) from an unmapped address fails with EFAULT
// instead of crashing the process.
static int auditx_readable(const void *addr, size_t n) {
    int fds[2];
    ssize_t w;

    if (addr == NULL) {
        return 0;
    }
    if (pipe(fds) != 0) {
        return 0;
    }
    w = write(fds[1], addr, n);
    close(fds[0]);
    close(fds[1]);
    return w == (ssize_t) n;
}

int auditx_resolve(struct auditx_flb_functions *api, char *why, size_t n) {
    api->get_property = (auditx_get_property_fn) dlsym(RTLD_DEFAULT, "flb_filter_get_property");
    api->set_context = (auditx_set_context_fn) dlsym(RTLD_DEFAULT, "flb_filter_set_context");
    api->filter_name = (auditx_filter_name_fn) dlsym(RTLD_DEFAULT, "flb_filter_name");
    api->log_print = (auditx_log_print_fn) dlsym(RTLD_DEFAULT, "flb_log_print");
    api->counter_create = (auditx_cmt_counter_create_fn) dlsym(RTLD_DEFAULT, "cmt_counter_create");
    api->counter_add = (auditx_cmt_counter_add_fn) dlsym(RTLD_DEFAULT, "cmt_counter_add");
    api->gauge_create = (auditx_cmt_gauge_create_fn) dlsym(RTLD_DEFAULT, "cmt_gauge_create");
    api->gauge_set = (auditx_cmt_gauge_set_fn) dlsym(RTLD_DEFAULT, "cmt_gauge_set");
    api->time_now = (auditx_time_now_fn) dlsym(RTLD_DEFAULT, "cfl_time_now");
    if (!api->get_property || !api->set_context || !api->filter_name || !api->log_print) {
        snprintf(why, n, "Fluent Bit's functions flb_filter_get_property, flb_filter_set_context, flb_filter_name and flb_log_print are not all exported by this process");
        return -1;
    }
    return 0;
}

// auditx_filter_guard: flb_mirror.h.
int auditx_filter_guard(void *ins, void *config, void *data, const struct auditx_flb_filter_plugin *mine,
                        int *metrics, char *why, size_t n) {
    struct auditx_flb_filter_instance *fi = ins;
    struct auditx_flb_filter_plugin *p;
    size_t plen = strlen(mine->name);

    *metrics = 0;
    if (!auditx_readable(fi, offsetof(struct auditx_flb_filter_instance, properties))) {
        snprintf(why, n, "the filter instance is not readable");
        return -1;
    }
    if (memchr(fi->name, '\0', sizeof(fi->name)) == NULL || strncmp(fi->name, mine->name, plen) != 0 ||
        fi->name[plen] != '.') {
        snprintf(why, n, "the instance's numbered name is not at offset %zu", offsetof(struct auditx_flb_filter_instance, name));
        return -1;
    }
    if (fi->data != data) {
        snprintf(why, n, "the instance's data pointer is not at offset %zu", offsetof(struct auditx_flb_filter_instance, data));
        return -1;
    }
    p = fi->p;
    if (!auditx_readable(p, sizeof(*p))) {
        snprintf(why, n, "the instance's plugin pointer (offset %zu) does not point to a readable plugin structure", offsetof(struct auditx_flb_filter_instance, p));
        return -1;
    }
    if (p->name != mine->name || p->cb_init != mine->cb_init || p->cb_filter != mine->cb_filter ||
        p->cb_exit != mine->cb_exit || p->event_type != mine->event_type || p->config_map != mine->config_map) {
        snprintf(why, n, "the instance's plugin structure is not Fluent Bit's copy of auditx's registration (name, callbacks or config map differ)");
        return -1;
    }
    if (auditx_readable(fi, sizeof(*fi)) && fi->config == config && config != NULL && fi->cmt != NULL) {
        *metrics = 1;
    }
    return 0;
}

// auditx_malloc: flb_mirror.h.
void *auditx_malloc(size_t n) { return malloc(n); }
