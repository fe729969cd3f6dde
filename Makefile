# auditx: see README.md. `make run` and `make test` are the two set-up commands.
SHELL      := /bin/bash
GO         ?= go
BIN        := bin
# One library, one Go runtime: the filter door is the library itself, the
# output door a symlink to it (glibc's dlopen returns the already-loaded
# object for the same file under another name).
PLUGIN     := $(BIN)/flb-filter_auditx.so
OUTPUT     := $(BIN)/out_auditx.so
CLI        := $(BIN)/auditx
# The pass-through benchmark build (-tags passthrough), for make
# bench-pipeline only: never in bin/, never shipped. Its filter door,
# [FILTER] Name auditx_passthrough, answers every append MODIFIED with its
# records unchanged (or `pad N` bytes longer each: pipelines FP, FP<N>); its
# output door, [OUTPUT] Name auditx_passthrough (a symlink, as in bin/),
# re-emits records unchanged (pipeline P).
PASSTHROUGH := bench/out/passthrough/flb-filter_auditx_passthrough.so
PASSTHROUGH_OUT := bench/out/passthrough/out_auditx_passthrough.so
FUZZTIME   ?= 5m
# make test's fuzz pass, per target: long enough for a loaded machine to
# gather the baseline corpus before the deadline (10s was not, once).
FUZZSHORT  ?= 20s
SOAK       ?= 10m
export CGO_ENABLED := 1

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0

.PHONY: all build plugin cli test unit e2e test-upstream-reload fuzz fuzz-short soak bench bench-pipeline bench-memory bench-compare lint run clean docs

all: build

build: plugin cli

plugin: $(PLUGIN) $(OUTPUT)
$(PLUGIN): $(shell find plugin catalog config enrich instance outputdoor internal -name '*.go' -o -name '*.c' -o -name '*.h' -o -name '*.csv' -o -name '*.json' 2>/dev/null) go.mod
	@mkdir -p $(BIN)
	$(GO) build -buildmode=c-shared -o $@ ./plugin
	@rm -f $(BIN)/flb-filter_auditx.h
$(OUTPUT): $(PLUGIN)
	ln -sf flb-filter_auditx.so $@

$(PASSTHROUGH): $(PLUGIN)
	@mkdir -p $(dir $@)
	$(GO) build -tags passthrough -buildmode=c-shared -o $@ ./plugin
	@rm -f $(basename $@).h
$(PASSTHROUGH_OUT): $(PASSTHROUGH)
	ln -sf flb-filter_auditx_passthrough.so $@

cli:
	@mkdir -p $(BIN)
	$(GO) build -o $(CLI) ./cmd/auditx

# vet, unit tests with -race (the cgo hosts drive both doors of the built
# library), a short fuzz pass, and the end-to-end tests with the real Fluent
# Bit, which end with one line: how many ran, and why any were skipped. The
# e2e package runs with -tags passthrough, which only adds its test of the
# pass-through benchmark build's filter (the tests build the libraries they
# load themselves).
test: unit fuzz-short e2e

unit:
	$(GO) vet ./...
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v '/e2e$$')
	$(GO) test -race -count=1 -tags passthrough ./outputdoor

e2e:
	@set -o pipefail; $(GO) test -race -count=1 -timeout 30m -json -tags passthrough ./e2e | $(GO) run ./internal/testsummary -name e2e

# Characterisations of Fluent Bit's own hot-reload hang and crash with the
# output door (they pass when Fluent Bit hangs or crashes): not in make test.
test-upstream-reload:
	$(GO) test -tags upstream -count=1 -v ./e2e -run 'TestHotReloadHangsWithPendingChunk|TestHotReloadWorkersCrash'

FUZZ_TARGETS := enrich:FuzzChunk enrich:FuzzRecord enrich:FuzzLayout enrich:FuzzSkip internal/mp:FuzzPairs catalog:FuzzParse catalog:FuzzDescriptor internal/keyname:FuzzAppendValue internal/evtime:FuzzParse internal/ecsschema:FuzzValueIsECS internal/flbhost:FuzzFilterDoor

fuzz-short:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn ($(FUZZSHORT))"; \
	  out=$$($(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZSHORT) 2>&1) || { echo "$$out"; exit 1; }; done

fuzz:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
	  $(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) || exit 1; done

soak: plugin
	AUDITX_SOAK=$(SOAK) $(GO) test ./e2e -run 'TestSoak|TestFilterSoak' -count=1 -v -timeout 0

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./catalog ./enrich ./outputdoor/forward

# BASE=<rev> also runs that revision's build, interleaved (scripts/bench-pipeline.sh).
bench-pipeline: plugin cli $(PASSTHROUGH) $(PASSTHROUGH_OUT)
	scripts/bench-pipeline.sh

# Peak RSS of the DaemonSet's configuration (build/kubernetes/configmap.yaml)
# under a 1M-line burst, against the same configuration without auditx:
# daemonset.yaml's memory request and limit come from it
# (scripts/bench-memory.sh; VARIANTS=, N=, REPEAT=).
bench-memory: plugin
	scripts/bench-memory.sh

# make bench-compare BASE=<rev> [COUNT=10] [BENCH=regex] [PKGS=./enrich]: the
# Go benchmarks of BASE and of this tree in one run, with benchstat.
bench-compare:
	scripts/bench-core.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) vet -tags passthrough ./outputdoor ./plugin ./e2e
	$(GO) run $(STATICCHECK) ./...
	@out=$$($(GO) run $(GOVULNCHECK) ./... 2>&1); rc=$$?; echo "$$out"; \
	  if [ $$rc -ne 0 ] && echo "$$out" | grep -q "fetching vulnerabilities"; then \
	    echo "govulncheck: its database (vuln.go.dev) is unreachable from this machine: NOT checked"; \
	  else exit $$rc; fi

# Enrich the bundled sample logs of the four vendors through Fluent Bit.
run: plugin cli
	@scripts/run.sh

docs: cli
	$(CLI) catalog export --format markdown -o docs/catalog.md
	$(GO) generate ./config ./plugin

clean:
	rm -rf $(BIN) bench/data bench/out bench/base
	git worktree prune
