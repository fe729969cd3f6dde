package instance

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/auditx/auditx/catalog"
)

// reloader polls the user catalog files and swaps a new catalog in when one
// changed. A reload replaces, never merges: the new catalog is built from the
// embedded tables and the files as they are now. A broken file keeps the old
// catalog, logs file and line, and is counted (Enricher.CountReload).
type reloader struct {
	core     *Core
	files    []string
	interval time.Duration
	done     chan struct{}
	wg       sync.WaitGroup
	last     []fileStamp
	mu       sync.Mutex // serialises check (ticker and tests)
}

// fileStamp identifies a file's content cheaply. os.Stat follows symlinks,
// so a Kubernetes ConfigMap update (an atomic swap of the ..data symlink)
// shows up as a new inode and mtime.
type fileStamp struct {
	ok    bool
	size  int64
	mtime time.Time
	ino   uint64
}

func stampOf(path string) fileStamp {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{ok: true, size: st.Size(), mtime: st.ModTime(), ino: inode(st)}
}

func startReloader(core *Core, files []string, interval time.Duration) *reloader {
	r := &reloader{core: core, files: files, interval: interval, done: make(chan struct{})}
	for _, f := range files {
		r.last = append(r.last, stampOf(f))
	}
	r.wg.Add(1)
	go r.loop()
	return r
}

func (r *reloader) loop() {
	defer r.wg.Done()
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-t.C:
			r.check()
		}
	}
}

// check reloads when any file's stamp changed; it reports whether a new
// catalog was swapped in.
func (r *reloader) check() (swapped bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer func() {
		// A panic here runs on auditx's own goroutine: unrecovered, it would
		// abort Fluent Bit. Keep the old catalog instead.
		if p := recover(); p != nil {
			r.core.enr.CountReload(fmt.Errorf("panic: %v", p))
			r.core.log.Errorf("catalog reload panicked, keeping the current catalog: %v", p)
			swapped = false
		}
	}()
	changed := false
	now := make([]fileStamp, len(r.files))
	for i, f := range r.files {
		now[i] = stampOf(f)
		changed = changed || now[i] != r.last[i]
	}
	if !changed {
		return false
	}
	r.last = now
	cat, err := catalog.Load(r.files...)
	if err == nil {
		err = r.core.enr.SetCatalog(cat) // refused when it lacks the fixed vendor
	}
	r.core.enr.CountReload(err)
	if err != nil {
		r.core.log.Errorf("catalog reload failed, keeping the current catalog (%d entries): %v", r.core.enr.Catalog().Len(), err)
		if r.core.onCatalog != nil {
			r.core.onCatalog(0, true)
		}
		return false
	}
	r.core.log.Infof("catalog reloaded: %d entries", cat.Len())
	if r.core.onCatalog != nil {
		r.core.onCatalog(cat.Len(), false)
	}
	return true
}

func (r *reloader) stop() {
	close(r.done)
	r.wg.Wait()
}
