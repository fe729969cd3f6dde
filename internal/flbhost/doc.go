// Package flbhost is a test-only host that loads a Fluent Bit Go output
// plugin (out_auditx.so, `go build -buildmode=c-shared`) into the test
// process and drives it through the same C ABI, in the same order, as
// Fluent Bit v5.1.1's Go proxy, so the plugin's exports can be tested
// without Fluent Bit. What host.go drives is auditx's output door
// (plugin/out_auditx.go over package outputdoor); filterhost.go drives the
// filter door the same way, through Fluent Bit's DSO loader.
//
// # What it mimics
//
// Every step is taken from Fluent Bit v5.1.1's source (git tag v5.1.1 of
// fluent/fluent-bit; file and function names below), not from guesses:
//
//   - Open: dlopen + dlsym of every FLBPlugin* export, as
//     src/flb_plugin_proxy.c flb_plugin_proxy_create and
//     flb_plugin_proxy_symbol do (plus RTLD_NODELETE: a Go runtime can never
//     be unloaded).
//   - Register: FLBPluginPreRegister(hot_reloading) if exported, then
//     FLBPluginRegister on a calloc'ed struct flb_plugin_proxy_def with type
//     preset to 0 (src/flb_plugin.c flb_plugin_load_router,
//     flb_plugin_proxy_register); the type/proxy check and the dlsym of
//     Init/Flush/FlushCtx/Exit/ExitCtx of src/proxy/go/go.c
//     proxy_go_output_register. The config map the plugin points def at is
//     read back entry by entry until a NULL name
//     (src/flb_config_map.c flb_config_map_create).
//   - NewInstance: src/flb_output.c flb_output_set_property for each key
//     (${VAR} expansion from the environment as src/flb_env.c
//     flb_env_var_translate does, skipped for FLB_CONFIG_MAP_DYNAMIC_ENV
//     keys; core keys such as match, host, port, workers, retry_limit,
//     log_level, tls.*, net.* consumed and never passed on; empty values
//     stored as NULL), then the default-value checks of
//     flb_config_map_create and src/flb_config_map.c
//     flb_config_map_properties_check with its messages ("unknown
//     configuration property 'idd'. The following properties are allowed:
//     ..."), then src/proxy/go/go.c proxy_go_output_init (the one
//     flbgo_output_plugin re-pointed at this instance's api, o_ins and a
//     fresh flb_plugin_proxy_context; Fluent Bit accepts any return > 0,
//     the host wants FLB_OK, 1), then FLBPluginOutputPreRun(0)
//     (src/flb_plugin_proxy.c flb_proxy_output_cb_pre_run).
//   - Flush: src/flb_plugin_proxy.c proxy_cb_flush and src/proxy/go/go.c
//     proxy_go_output_flush: FLBPluginFlushCtx(remote_context, data, size,
//     tag) with a C heap copy of the chunk and a fresh NUL-terminated tag
//     copy, both freed after the call; returns other than 0, 1, 2 become 0.
//     The chunk is also overwritten with 0xA5 before it is freed, so a
//     plugin that keeps it past the call sends garbage. FlushFromCThread
//     runs it on a new pthread, like a worker of src/flb_output_thread.c.
//   - Threads: Init and PreRun run on one "engine" thread (a goroutine
//     locked to its OS thread, running nothing else), as on Fluent Bit's
//     flb-pipeline thread (src/flb_lib.c flb_lib_worker -> src/flb_engine.c
//     flb_engine_start -> flb_output_init_all, flb_output_pre_run); so do
//     Register, Exit and Unregister, for simplicity (Fluent Bit registers
//     while loading the configuration, on its main thread). With
//     workers 0 (the default of proxy outputs) Flush runs there too, one at
//     a time; with workers >= 1 it runs on the caller's thread, never the
//     engine's (call it from several goroutines to mimic N workers). A
//     plugin that compares thread ids (auditx does, to avoid waiting for an
//     ack from its own Fluent Bit's in_forward on the engine thread, which
//     deadlocks) sees what it would see in Fluent Bit.
//   - Exit: src/flb_plugin_proxy.c flb_proxy_output_cb_exit and
//     src/proxy/go/go.c proxy_go_output_destroy: FLBPluginOutputPreExit(0)
//     if exported, then FLBPluginExitCtx(remote_context) (else
//     FLBPluginExit()).
//   - Unregister: src/flb_plugin_proxy.c flb_proxy_output_cb_destroy:
//     FLBPluginUnregister(def) once; def->name and def->description are
//     left to it (fluent-bit-go's FLBPluginUnregister frees them). Register
//     may run again afterwards with hotReload set, as src/flb_reload.c does.
//
// # Where the struct layouts come from
//
// The C structures are the plugin's own mirror of Fluent Bit v5.1.1,
// plugin/flb_mirror.h, included through -I${SRCDIR}/../../plugin: struct
// flb_plugin_proxy_def, struct flb_plugin_proxy and struct
// flb_plugin_proxy_context from include/fluent-bit/flb_plugin_proxy.h
// (def INCLUDING its last field, config_map, which fluent-bit-go's
// output/flb_plugin.h omits); struct flb_config_map and struct
// flb_config_map_val from include/fluent-bit/flb_config_map.h (104 bytes an
// entry on LP64, since the host walks the plugin's array by that stride);
// struct flb_api from include/fluent-bit/flb_api.h (nine function pointers,
// filled like src/flb_api.c flb_api_create; output_get_property is the
// host's own case-insensitive lookup mirroring src/flb_kv.c
// flb_kv_get_key_value); struct flbgo_output_plugin from src/proxy/go/go.h
// (fluent-bit-go's output/flb_output.h reads its first four fields); struct
// flb_filter_plugin and struct flb_filter_instance from
// include/fluent-bit/flb_filter.h; struct mk_list from
// lib/monkey/include/monkey/mk_core/mk_list.h. Return codes come from
// include/fluent-bit/flb_macros.h, log levels and filter answers from the
// same header. One copy means a mirror that is wrong is wrong for the host
// too: the end-to-end tests with the real Fluent Bit are what check it.
// The go command does not see a header outside the package's directory
// change: after editing plugin/flb_mirror.h, run these tests with a clean
// build cache (go clean -cache) or -a.
//
// The per-instance property table that o_ins points to lives in C memory
// and is read only by the host's C getter, so no Go pointer is ever handed
// to the plugin (cgo pointer rules).
//
// What it does not mimic: the engine (routing, retries, scheduling, worker
// thread pools, backpressure), processors, metrics (cmt instances are
// NULL), the log suppression of flb_log_print, and property checks of
// net.*/oauth2* keys (consumed unchecked).
//
// chunk.go builds whole chunks like Fluent Bit flushes them from the JSON
// lines sample logs under testdata/samples, and deterministic maps; the
// single events (v2, legacy, group markers) come from internal/eventtest.
//
// It owns: internal/flbhost only. It must not touch the plugin's code
// (plugin/) or anything outside tests: it is imported from _test.go files
// only, and its tests build out_auditx.so from ./plugin themselves.
package flbhost
