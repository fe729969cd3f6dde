// The output door: this file only translates Fluent Bit's calls to a
// *outputdoor.Output kept per [OUTPUT] section with the Ctx API, and Go
// results to FLB_* codes. Every export recovers panics: one escaping into
// Fluent Bit would abort the whole process.

package main

// /*
//  * The output door's config map (so that Fluent Bit rejects unknown keys at
//  * start-up with its own message), written into the registration structure
//  * Fluent Bit hands to FLBPluginRegister. The structures (struct
//  * flb_plugin_proxy_def with its config_map, struct flb_config_map in both
//  * layouts) are mirrored in flb_mirror.h.
//  */
//
// #cgo LDFLAGS: -ldl
// #include <stdlib.h>
// #include "flb_mirror.h"
//
// /* An entry of the config map at the stride this Fluent Bit walks; the
//  * fields auditx sets (type to desc) lead both layouts, so an entry is
//  * written through the 104-byte mirror. */
// static inline struct auditx_flb_config_map *auditx_config_map_at(struct auditx_flb_config_map *m, int i) {
//     return (struct auditx_flb_config_map *) ((char *) m + (size_t) i * auditx_config_map_stride());
// }
//
// /* auditx_config_map_new returns a zeroed array of n entries plus the
//  * terminating zeroed entry. */
// static inline struct auditx_flb_config_map *auditx_config_map_new(int n) {
//     return calloc((size_t) n + 1, auditx_config_map_stride());
// }
//
// static inline void auditx_config_map_set(struct auditx_flb_config_map *m, int i, char *name,
//                                          char *def_value, char *desc, int flags) {
//     struct auditx_flb_config_map *e = auditx_config_map_at(m, i);
//     e->type = AUDITX_FLB_CONFIG_MAP_STR;
//     e->name = name;
//     e->def_value = def_value;
//     e->desc = desc;
//     e->flags = flags;
// }
//
// static inline void auditx_config_map_free(struct auditx_flb_config_map *m) {
//     if (m == NULL) {
//         return;
//     }
//     for (int i = 0; auditx_config_map_at(m, i)->name != NULL; i++) {
//         struct auditx_flb_config_map *e = auditx_config_map_at(m, i);
//         free(e->name);
//         free(e->def_value);
//         free(e->desc);
//     }
//     free(m);
// }
//
// /* config_map joined struct flb_plugin_proxy_def in v5.1.1; before, the
//  * def Fluent Bit callocs is 40 bytes and offset 40 is past its end. With
//  * glibc those 8 bytes are the next chunk's size field, never zero; in
//  * v5.1.1 they are the field, zeroed by calloc. So auditx writes the field
//  * only where it reads zero: on v5.1.1 always, and elsewhere never outside
//  * the allocation (an allocator that rounds 40 up to 48 may show zeros in
//  * its own slack, where a write is harmless and unread). */
// static inline int auditx_def_has_config_map(void *def) {
//     return ((struct auditx_flb_plugin_proxy_def *) def)->config_map == NULL;
// }
//
// static inline void auditx_def_set_config_map(void *def, struct auditx_flb_config_map *m) {
//     ((struct auditx_flb_plugin_proxy_def *) def)->config_map = m;
// }
import "C"

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"

	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/instance"
	"github.com/auditx/auditx/outputdoor"
)

// outputdoor.FlushCode is returned to Fluent Bit as is: a compile-time check
// that its three values are fluent-bit-go's (an index out of range here
// means they differ).
func _() {
	var x [1]struct{}
	_ = x[outputdoor.FlushError-output.FLB_ERROR]
	_ = x[outputdoor.FlushOK-output.FLB_OK]
	_ = x[outputdoor.FlushRetry-output.FLB_RETRY]
}

// pluginName is the output name users write in [OUTPUT] Name (another one
// in the pass-through benchmark build: outputdoor/passthrough_on.go).
const pluginName = outputdoor.Name

// configMaps remembers, per registration structure, the config map auditx
// gave it (Unregister frees it; a def of a Fluent Bit before v5.1.1 has
// none, and its field is never touched).
var configMaps sync.Map

// instances numbers the instances of this process for their default names
// (auditx.0, auditx.1, ...), like Fluent Bit names its own.
var instances atomic.Int64

// FLBPluginPreRegister runs before Register; on a hot reload (hotReloading
// 1) the instance numbering starts again, so that metrics labels and log
// names stay auditx.0, auditx.1, ... across reloads.
//
//export FLBPluginPreRegister
func FLBPluginPreRegister(hotReloading C.int) (ret C.int) {
	defer recoverTo("pre-register", &ret, 0)
	if hotReloading != 0 {
		instances.Store(0)
	}
	return 0
}

// FLBPluginRegister registers the output and its config map (so Fluent Bit
// itself rejects unknown keys). It returns 0, or -1 on failure.
//
//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) (ret C.int) {
	defer recoverTo("register", &ret, -1)
	output.FLBPluginRegister(def, pluginName, "auditx: enrich vendor audit codes with ECS fields and re-emit into the pipeline")
	if C.auditx_def_has_config_map(def) == 0 {
		outputLog(pluginName).Infof("this Fluent Bit (before v5.1.1) takes no key list from Go plugins: a misspelt key is ignored instead of stopping Fluent Bit")
		return 0
	}
	m := C.auditx_config_map_new(C.int(len(config.Keys)))
	if m == nil {
		return -1
	}
	for i, k := range config.Keys {
		flags := C.int(0)
		if k.RawValue {
			flags = C.AUDITX_FLB_CONFIG_MAP_DYNAMIC_ENV
		}
		// No default value: Fluent Bit does not hand defaults to Go plugins
		// (config.Parse applies them), and it would expand the ${TAG} of
		// emit_tag's default from the environment with a warning.
		C.auditx_config_map_set(m, C.int(i), C.CString(k.Name), nil, C.CString(k.Description), flags)
	}
	C.auditx_def_set_config_map(def, m)
	configMaps.Store(uintptr(def), m)
	return 0
}

// FLBPluginInit builds one instance from its section's keys. It returns
// FLB_OK, or FLB_ERROR (Fluent Bit then stops) with the bad key named.
//
//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) (ret C.int) {
	defer recoverTo("init", &ret, output.FLB_ERROR)
	props := config.Map{}
	for _, k := range config.Keys {
		if v := output.FLBPluginConfigKey(plugin, k.Name); v != "" {
			props[k.Name] = v
		}
	}
	name := fmt.Sprintf("%s.%d", pluginName, instances.Add(1)-1)
	if id := props.Get("id"); id != "" {
		name = id
	}
	cfg, err := config.Parse(props)
	if err != nil {
		outputLog(name).Errorf("%s", err)
		return output.FLB_ERROR
	}
	in, err := outputdoor.New(name, cfg, outputdoor.Deps{})
	if err != nil {
		outputLog(name).Errorf("%s", err)
		return output.FLB_ERROR
	}
	output.FLBPluginSetContext(plugin, in)
	return output.FLB_OK
}

// FLBPluginFlushCtx enriches and re-emits one chunk. The chunk is read in
// place (never kept past the return). Return codes: see outputdoor.Output.Flush.
//
//export FLBPluginFlushCtx
func FLBPluginFlushCtx(ctx, data unsafe.Pointer, length C.size_t, tag *C.char) (ret C.int) {
	defer recoverTo("flush", &ret, output.FLB_RETRY)
	in, ok := output.FLBPluginGetContext(ctx).(*outputdoor.Output)
	if !ok {
		outputLog(pluginName).Errorf("flush without an instance: init did not run")
		return output.FLB_ERROR
	}
	var chunk []byte
	if data != nil && length > 0 {
		chunk = unsafe.Slice((*byte)(data), int(length))
	}
	return C.int(in.Flush(chunk, C.GoString(tag)))
}

// FLBPluginFlush is the single-instance flush; Fluent Bit prefers
// FLBPluginFlushCtx, so this is only a guard.
//
//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.size_t, tag *C.char) C.int {
	outputLog(pluginName).Errorf("FLBPluginFlush called: this Fluent Bit does not support FlushCtx")
	return output.FLB_ERROR
}

// FLBPluginExitCtx tears one instance down (connections, reloader,
// metrics listener) and logs its counters.
//
//export FLBPluginExitCtx
func FLBPluginExitCtx(ctx unsafe.Pointer) (ret C.int) {
	defer recoverTo("exit", &ret, output.FLB_ERROR)
	if in, ok := output.FLBPluginGetContext(ctx).(*outputdoor.Output); ok {
		in.Close()
	}
	return output.FLB_OK
}

// FLBPluginExit is called when the plugin is unloaded without contexts.
//
//export FLBPluginExit
func FLBPluginExit() C.int { return output.FLB_OK }

// FLBPluginUnregister frees what Register allocated.
//
//export FLBPluginUnregister
func FLBPluginUnregister(def unsafe.Pointer) {
	defer recoverTo("unregister", nil, 0)
	var m *C.struct_auditx_flb_config_map
	if v, ok := configMaps.LoadAndDelete(uintptr(def)); ok {
		// Only a def auditx gave a config map has the field.
		m = v.(*C.struct_auditx_flb_config_map)
		C.auditx_def_set_config_map(def, nil)
	}
	output.FLBPluginUnregister(def)
	C.auditx_config_map_free(m)
}

// recoverTo turns a panic into a logged error and the given return code.
func recoverTo(where string, ret *C.int, code C.int) {
	if r := recover(); r != nil {
		outputLog(pluginName).Errorf("panic in %s recovered: %v", where, r)
		if ret != nil {
			*ret = code
		}
	}
}

// outputLog is the output door's logger for lines of no instance yet (or
// none): the same writer and format as the instances' (instance.Logger).
func outputLog(name string) *instance.Logger {
	return instance.NewLogger(os.Stderr, name, instance.LevelInfo)
}

func main() {}
