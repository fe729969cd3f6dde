package instance

import (
	"fmt"
	"io"
	"strings"

	"github.com/auditx/auditx/catalog"
	"github.com/auditx/auditx/config"
	"github.com/auditx/auditx/enrich"
)

// Core is what both doors share, built once per Fluent Bit section: the
// enricher over the embedded catalog and the user files, the catalog
// reloader, the optional metrics listener and the logger. The filter door
// (Filter) and the output door (outputdoor.Output) each wrap one Core.
type Core struct {
	Name    string
	cfg     *config.Config
	enr     *enrich.Enricher
	log     *Logger
	reload  *reloader
	metrics *metricsServer
	// onCatalog, when set, is told of every reload: the new catalog's size,
	// or failed (the filter door mirrors them into Fluent Bit's metrics).
	onCatalog func(entries int, failed bool)
}

// NewCore loads the catalog (embedded tables plus cfg's user files) and
// builds the enricher. The reloader and metrics listener start later
// (Start), once the door that owns the core can answer for its metrics.
func NewCore(name string, cfg *config.Config, log *Logger) (*Core, error) {
	cat, err := catalog.Load(cfg.CatalogFiles...)
	if err != nil {
		return nil, fmt.Errorf("catalog_files: %w", err)
	}
	enr, err := enrich.New(cat, cfg.Enrich)
	if err != nil {
		if cfg.Enrich.Vendor != "" && cat.Vendor(cfg.Enrich.Vendor) == nil {
			return nil, &config.Error{Key: "vendor", Value: cfg.Enrich.Vendor,
				Accepted: strings.Join(append([]string{config.VendorAuto}, cat.VendorSet().IDs()...), ", ")}
		}
		return nil, err
	}
	return &Core{Name: name, cfg: cfg, enr: enr, log: log}, nil
}

// Start begins the background work: the catalog reloader (user files and
// an interval) and the metrics listener (metrics_listen), which serves
// write (the door's WriteMetrics). On an error nothing is left running.
func (c *Core) Start(write func(io.Writer)) error {
	if len(c.cfg.CatalogFiles) > 0 && c.cfg.CatalogReload > 0 {
		c.reload = startReloader(c, c.cfg.CatalogFiles, c.cfg.CatalogReload)
	}
	if c.cfg.MetricsListen != "" {
		m, err := startMetrics(c.log, write, c.cfg.MetricsListen)
		if err != nil {
			c.Stop()
			return fmt.Errorf("metrics_listen %q: %w", c.cfg.MetricsListen, err)
		}
		c.metrics = m
	}
	return nil
}

// Stop ends the background work; idempotent.
func (c *Core) Stop() {
	if c.reload != nil {
		c.reload.stop()
		c.reload = nil
	}
	if c.metrics != nil {
		c.metrics.stop()
		c.metrics = nil
	}
}

// Enricher returns the core's enricher (for counters and tests).
func (c *Core) Enricher() *enrich.Enricher { return c.enr }

// CatalogCounters returns the reload counters and the catalog size.
func (c *Core) CatalogCounters() (reloads, failures uint64, entries int) {
	s := c.enr.Stats()
	return s.CatalogReloads, s.CatalogReloadErrors, c.enr.Catalog().Len()
}

// LogExit logs the counters line both doors write at exit (the counters of
// enrich's table marked Exit); extra is appended (each door's own counters).
func (c *Core) LogExit(extra string) {
	c.log.Infof("exit: %s%s", c.enr.Stats(), extra)
	if sum := c.unknownSummary(5); sum != "" {
		// Codes are record content: only at debug level (the metrics
		// endpoint lists them too).
		c.log.Debugf("exit:%s", sum)
	}
}

// LogStart logs what the core enriches with; extra is inserted after the
// schema (the output door adds its target). Each deprecated key the section
// sets gets a warning of its own.
func (c *Core) LogStart(extra string) {
	c.log.Infof("vendor=%s schema=%s%s catalog=%d entries%s",
		vendorName(c.cfg.Enrich.Vendor), c.cfg.Enrich.Schema, extra, c.enr.Catalog().Len(), filesNote(c.cfg.CatalogFiles))
	for _, d := range c.cfg.Deprecated {
		c.log.Warnf("%s", d)
	}
}

func vendorName(id string) string {
	if id == "" {
		return config.VendorAuto
	}
	return id
}

func filesNote(files []string) string {
	if len(files) == 0 {
		return ""
	}
	return fmt.Sprintf(" (with %d user file(s))", len(files))
}
