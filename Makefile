# tricolor: `make` builds the native library and command line; `make install`
# installs them; `make test` runs every test; `make bench` measures against
# the peers; `make demo` shows it working; `make npm-package` packs the
# WebAssembly builds for npm.

CC ?= cc
BUILD ?= build/native
OPT ?= -O2
WERROR ?=

WARN := -Wall -Wextra $(WERROR)
# HARDEN=0 builds without the encoded, checked free lists (see SECURITY.md);
# give such a build a BUILD directory of its own.
HARDEN ?= 1
# DEBUG=1 compiles in the assertions of internal invariants (tri_assert);
# give such a build a BUILD directory of its own too.
DEBUG ?= 0
# RACE=1 widens the collector's race windows: its threads yield now and then
# between the steps of shading, scanning, the barrier, the pool and sweeping
# (tests/run.sh runs the concurrent tests so, under TSan). MUTATE=barrier or
# MUTATE=publish builds a mutant with a barrier or an ordering removed, for
# tests/mutants.sh to show that the tests catch it. Both: a BUILD of their own.
RACE ?= 0
MUTATE ?= none
DEFS := -DTRI_HARDEN=$(HARDEN) -DTRI_DEBUG=$(DEBUG) -DTRI_RACE_STRESS=$(RACE) -DTRI_MUTATE_$(MUTATE)=1

# The version is written once, as TRI_VERSION in the public header; the
# soname, tricolor.pc, the CMake package and the npm package take it from
# there. The soname carries the major version (libtricolor.so.0).
VERSION := $(shell sed -n 's/^\#define TRI_VERSION "\([0-9]*\.[0-9]*\.[0-9]*\)"$$/\1/p' core/include/tricolor.h)
ifeq ($(VERSION),)
$(error core/include/tricolor.h has no TRI_VERSION "MAJOR.MINOR.PATCH")
endif
VERSION_MAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME := libtricolor.so.$(VERSION_MAJOR)
CFLAGS_LIB := -std=gnu11 $(OPT) -g $(WARN) $(DEFS) -fPIC -fvisibility=hidden -fno-semantic-interposition \
              -ftls-model=initial-exec -pthread -Icore/include -I$(BUILD)/gen
CFLAGS_APP := -std=gnu11 $(OPT) -g $(WARN) $(DEFS) -pthread -Icore/include -I$(BUILD)/gen

# The library: the allocator, then the collector (core/src/gc.h lists its files).
ALLOC_SRC := report meta spanmap pageheap sizeclass central threadcache malloc stats
GC_SRC := gc gcmark gcwork gcworker gcbarrier gcpacer gcsweep gcalloc gcfinal gcverify gcevent gcinfo
CORE := prim/unix $(ALLOC_SRC) $(GC_SRC)
CORE_OBJ := $(CORE:%=$(BUILD)/obj/%.o)
PRELOAD_OBJ := $(filter-out $(BUILD)/obj/malloc.o,$(CORE_OBJ)) $(BUILD)/obj/malloc-preload.o
INTERNAL_H := $(wildcard core/src/*.h)
HEADERS := core/include/tricolor.h $(INTERNAL_H) $(BUILD)/gen/sizeclasses.inc

LIBS := $(BUILD)/libtricolor.a $(BUILD)/libtricolor.so.$(VERSION) $(BUILD)/$(SONAME) $(BUILD)/libtricolor.so \
        $(BUILD)/libtricolor-preload.so
CLI := $(BUILD)/tricolor

.PHONY: all test bench bench-deps bench-programs demo clean

# The default goal: the libraries, the command line and the benchmark
# programs that need nothing but a C compiler. Installs nothing.
all: $(LIBS) $(CLI) $(BUILD)/bench-workloads $(BUILD)/bench-gc-tricolor $(BUILD)/bench-gc-malloc

$(BUILD)/gen/sizeclasses.inc: core/gen/mksizeclasses.c
	@mkdir -p $(BUILD)/gen
	$(CC) -std=gnu11 -O1 $(WARN) $< -o $(BUILD)/gen/mksizeclasses
	$(BUILD)/gen/mksizeclasses > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: core/src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -c $< -o $@

$(BUILD)/obj/malloc-preload.o: core/src/malloc.c $(HEADERS)
	@mkdir -p $(BUILD)/obj
	$(CC) $(CFLAGS_LIB) -DTRI_PRELOAD -c $< -o $@

$(BUILD)/libtricolor.a: $(CORE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libtricolor.so.$(VERSION): $(CORE_OBJ)
	$(CC) -shared -pthread -Wl,-soname,$(SONAME) -o $@ $^

# The links a loader (the soname) and a linker (-ltricolor) look for.
$(BUILD)/$(SONAME): $(BUILD)/libtricolor.so.$(VERSION)
	ln -sf $(<F) $@
$(BUILD)/libtricolor.so: $(BUILD)/$(SONAME)
	ln -sf $(<F) $@

$(BUILD)/libtricolor-preload.so: $(PRELOAD_OBJ)
	$(CC) -shared -pthread -Wl,-soname,libtricolor-preload.so -o $@ $^

clean:
	rm -rf build

# --- installing ------------------------------------------------------------------
# `make install PREFIX=/usr/local` (the default) puts the header, the
# libraries, the command, tricolor.pc and the CMake package in their usual
# places; DESTDIR stages the same tree under another root. `make uninstall`
# with the same variables removes what install put there.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR ?= $(LIBDIR)/cmake/tricolor
INSTALLED := $(BINDIR)/tricolor $(INCLUDEDIR)/tricolor.h $(LIBDIR)/libtricolor.a \
	$(LIBDIR)/libtricolor.so.$(VERSION) $(LIBDIR)/$(SONAME) $(LIBDIR)/libtricolor.so $(LIBDIR)/libtricolor-preload.so \
	$(PKGCONFIGDIR)/tricolor.pc $(CMAKEDIR)/tricolor-config.cmake $(CMAKEDIR)/tricolor-config-version.cmake

# The templates in pkg/ with the version and the install's directories filled
# in: tricolor.pc names them from ${prefix} where it can (so that
# `pkg-config --define-prefix` can move them); the CMake package finds them
# relative to itself.
relative_to_cmake = $(shell realpath -m --relative-to=$(CMAKEDIR) $(1))
FILL_IN = sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@VERSION_MAJOR@|$(VERSION_MAJOR)|g' \
	-e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|g' \
	-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|g' \
	-e 's|@CMAKE_TO_LIBDIR@|$(call relative_to_cmake,$(LIBDIR))|g' \
	-e 's|@CMAKE_TO_INCLUDEDIR@|$(call relative_to_cmake,$(INCLUDEDIR))|g'

CHECK_PREFIX = case "$(PREFIX)" in /*) ;; *) echo "make: PREFIX must be an absolute path, not '$(PREFIX)'" >&2; exit 2;; esac

.PHONY: install uninstall
install: $(LIBS) $(CLI)
	@$(CHECK_PREFIX)
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(PKGCONFIGDIR)" \
		"$(DESTDIR)$(CMAKEDIR)"
	install -m 755 $(CLI) "$(DESTDIR)$(BINDIR)/tricolor"
	install -m 644 core/include/tricolor.h "$(DESTDIR)$(INCLUDEDIR)/tricolor.h"
	install -m 644 $(BUILD)/libtricolor.a "$(DESTDIR)$(LIBDIR)/libtricolor.a"
	install -m 755 $(BUILD)/libtricolor.so.$(VERSION) "$(DESTDIR)$(LIBDIR)/libtricolor.so.$(VERSION)"
	ln -sf libtricolor.so.$(VERSION) "$(DESTDIR)$(LIBDIR)/$(SONAME)"
	ln -sf $(SONAME) "$(DESTDIR)$(LIBDIR)/libtricolor.so"
	install -m 755 $(BUILD)/libtricolor-preload.so "$(DESTDIR)$(LIBDIR)/libtricolor-preload.so"
	$(FILL_IN) pkg/tricolor.pc.in > "$(DESTDIR)$(PKGCONFIGDIR)/tricolor.pc"
	$(FILL_IN) pkg/tricolor-config.cmake.in > "$(DESTDIR)$(CMAKEDIR)/tricolor-config.cmake"
	$(FILL_IN) pkg/tricolor-config-version.cmake.in > "$(DESTDIR)$(CMAKEDIR)/tricolor-config-version.cmake"

uninstall:
	@$(CHECK_PREFIX)
	rm -f $(INSTALLED:%="$(DESTDIR)%")
	rmdir "$(DESTDIR)$(CMAKEDIR)" 2> /dev/null || true

# --- the workloads, the trace format and the command line ----------------------
# workloads/ (the allocation workloads, GCBench and binary-trees) is built
# once per memory manager its programs run on (workloads/manager.h): on
# tricolor for the command line and bench-gc-tricolor; on the C library's
# malloc, chosen by LD_PRELOAD, for bench-workloads and bench-gc-malloc; on
# Boehm GC for bench-gc-boehm. A peer's build has nothing of tricolor in it.

WORKLOADS_SRC := $(wildcard workloads/*.c)
WORKLOADS_H := $(wildcard workloads/*.h)
WORKLOADS_ALLOC_SRC := workloads/alloc.c workloads/measure.c
WORKLOADS_GC := measure manager gcprograms gcbench binarytrees hashtable micro
CFLAGS_PEER := -std=gnu11 $(OPT) -g $(WARN) -pthread

$(BUILD)/obj/workloads-tricolor/%.o: workloads/%.c $(WORKLOADS_H) core/include/tricolor.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_APP) -DMANAGER_TRICOLOR -c $< -o $@

$(BUILD)/obj/workloads-malloc/%.o: workloads/%.c $(WORKLOADS_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_PEER) -DMANAGER_MALLOC -c $< -o $@

$(BUILD)/obj/workloads-boehm/%.o: workloads/%.c $(WORKLOADS_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_PEER) -DMANAGER_BOEHM -c $< -o $@

$(BUILD)/libworkloads-tricolor.a: $(WORKLOADS_SRC:workloads/%.c=$(BUILD)/obj/workloads-tricolor/%.o)
$(BUILD)/libworkloads-malloc.a: $(WORKLOADS_SRC:workloads/%.c=$(BUILD)/obj/workloads-malloc/%.o)
$(BUILD)/libworkloads-boehm.a: $(WORKLOADS_GC:%=$(BUILD)/obj/workloads-boehm/%.o)
$(BUILD)/libworkloads-%.a:
	rm -f $@ && ar rcs $@ $^

$(CLI): cli/main.c trace/trace.c trace/trace.h $(WORKLOADS_H) $(BUILD)/libworkloads-tricolor.a $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS_APP) cli/main.c trace/trace.c $(BUILD)/libworkloads-tricolor.a $(BUILD)/libtricolor.a -o $@

$(BUILD)/bench-workloads: bench/bench.c $(WORKLOADS_H) $(BUILD)/libworkloads-malloc.a
	$(CC) $(CFLAGS_PEER) bench/bench.c $(BUILD)/libworkloads-malloc.a -o $@

# --- tests -----------------------------------------------------------------------

TEST_SRC := tests/harness.c $(wildcard tests/test_*.c) trace/trace.c
$(BUILD)/tests: $(TEST_SRC) tests/harness.h tests/gcnode.h $(HEADERS) $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS_APP) -Icore/src $(TEST_SRC) $(BUILD)/libtricolor.a -o $@

test:
	tests/run.sh

# --- benchmarks --------------------------------------------------------------------

$(BUILD)/bench-fastpath: bench/fastpath.c
	$(CC) -std=gnu11 -O2 -g $(WARN) $< -o $@

# The peers `make bench` measures against, from Debian.
bench-deps:
	@tests/deps.sh python3 valgrind libjemalloc2 libgoogle-perftools4 libmimalloc2.0 libgc-dev \
		sqlite3 git gcc redis-server redis-tools chromium

# Installs what is missing, then builds (bench-programs, after the wasm ones).
bench:
	@$(MAKE) --no-print-directory bench-deps wasm-deps
	@$(MAKE) --no-print-directory bench-programs web
	python3 bench/run.py $(BENCH_ARGS)

# The GC benchmarks, one program per memory manager (bench/gcbench-main.c).
BENCH_GC := $(BUILD)/bench-gc-tricolor $(BUILD)/bench-gc-boehm $(BUILD)/bench-gc-malloc

$(BUILD)/bench-gc-tricolor: bench/gcbench-main.c $(WORKLOADS_H) $(BUILD)/libworkloads-tricolor.a $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS_APP) -DMANAGER_TRICOLOR $< $(BUILD)/libworkloads-tricolor.a $(BUILD)/libtricolor.a -o $@

$(BUILD)/bench-gc-boehm: bench/gcbench-main.c $(WORKLOADS_H) $(BUILD)/libworkloads-boehm.a
	$(CC) $(CFLAGS_PEER) -DMANAGER_BOEHM $< $(BUILD)/libworkloads-boehm.a -lgc -o $@

$(BUILD)/bench-gc-malloc: bench/gcbench-main.c $(WORKLOADS_H) $(BUILD)/libworkloads-malloc.a
	$(CC) $(CFLAGS_PEER) -DMANAGER_MALLOC $< $(BUILD)/libworkloads-malloc.a -o $@

$(BUILD)/bench-barrier: bench/barrier.c $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS_APP) $< $(BUILD)/libtricolor.a -o $@

# --- WebAssembly: WASI ---------------------------------------------------------------
# Debian's clang with wasi-libc, or a wasi-sdk when WASI_SDK_PATH is set.

ifdef WASI_SDK_PATH
WASI_CC := $(WASI_SDK_PATH)/bin/clang
WASI_AR := $(WASI_SDK_PATH)/bin/llvm-ar
WASI_SYSROOT := $(WASI_SDK_PATH)/share/wasi-sysroot
else
WASI_CC := clang
WASI_AR := llvm-ar-14
WASI_SYSROOT := /usr
endif
WASI := build/wasi
GEN := build/native/gen/sizeclasses.inc
WASI_CFLAGS := --target=wasm32-wasi --sysroot=$(WASI_SYSROOT) -std=gnu11 $(OPT) $(WARN) $(DEFS) -Icore/include -Ibuild/native/gen
WASI_LDFLAGS := -Wl,-z,stack-size=1048576 -Wl,--max-memory=4294967296
WASM_CORE := prim/wasm $(ALLOC_SRC) $(GC_SRC)
WASI_OBJ := $(WASM_CORE:%=$(WASI)/obj/%.o)

# tricolor is the module's malloc: malloc.c defines the C library's names,
# so wasi-libc's own allocator stays out of the link.
$(WASI)/obj/%.o: core/src/%.c core/include/tricolor.h $(INTERNAL_H) $(GEN)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) $(if $(filter malloc,$*),-DTRI_PRELOAD) -c $< -o $@

$(WASI)/libtricolor.a: $(WASI_OBJ)
	rm -f $@ && $(WASI_AR) rcs $@ $^

$(WASI)/tricolor.wasm: cli/main.c trace/trace.c trace/trace.h $(WORKLOADS_SRC) $(WORKLOADS_H) $(WASI)/libtricolor.a
	$(WASI_CC) $(WASI_CFLAGS) -DMANAGER_TRICOLOR cli/main.c trace/trace.c $(WORKLOADS_SRC) $(WASI)/libtricolor.a \
		$(WASI_LDFLAGS) -o $@

$(WASI)/tests.wasm: $(TEST_SRC) tests/harness.h tests/gcnode.h $(WASI)/libtricolor.a
	$(WASI_CC) $(WASI_CFLAGS) -Icore/src $(TEST_SRC) $(WASI)/libtricolor.a $(WASI_LDFLAGS) -o $@

# --- WebAssembly: Emscripten ----------------------------------------------------------
# tricolor is the module's malloc (-sMALLOC=none): every byte of its heap is ours.

EM := build/emscripten
EMCC := NODE_PATH=/usr/share/nodejs emcc
EMAR := emar
EM_CFLAGS := -std=gnu11 $(OPT) $(WARN) $(DEFS) -Icore/include -Ibuild/native/gen
EM_LINK := -sMALLOC=none -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sTOTAL_STACK=1MB
EM_ESM := -sMODULARIZE=1 -sEXPORT_ES6=1 --extern-pre-js wasm/node-shim.js
EM_NODE := $(EM_ESM) -sENVIRONMENT=node -sNODERAWFS=1 -sEXIT_RUNTIME=1
EM_OBJ := $(WASM_CORE:%=$(EM)/obj/%.o)
EM_API := tri_malloc tri_free tri_calloc tri_realloc tri_aligned_alloc tri_usable_size \
	tri_release_idle_memory tri_set_release_policy tri_size_class_info tri_size_class_of \
	tri_gc_create tri_gc_destroy tri_gc_alloc tri_gc_alloc_array tri_gc_alloc_noscan \
	tri_gc_add_roots tri_gc_remove_roots tri_gc_write_slow tri_gc_collect tri_gc_start_cycle \
	tri_gc_step tri_gc_finish_cycle tri_gc_phase tri_gc_set_gogc tri_gc_set_memory_limit \
	tri_gc_set_barrier tri_gc_barrier_name tri_gc_phase_name tri_gc_event_name \
	tri_gc_set_finalizer tri_gc_run_finalizers tri_gc_weak_new tri_gc_weak_get tri_gc_weak_peek tri_gc_weak_free \
	tri_gc_color_of \
	tri_gc_object_of tri_gc_verify \
	tri_js_stats tri_js_gc_stats tri_js_spans tri_js_events tri_js_pointers tri_js_roots \
	tri_js_objects tri_js_type_new tri_js_type_free tri_js_gc_create tri_js_verify tri_js_set_memory_limit \
	tri_js_pages tri_js_heap_base tri_js_heap_end \
	tri_js_set_max_heap tri_js_layout \
	malloc free
comma := ,
EM_EXPORTS := -sEXPORTED_FUNCTIONS=$(subst $(eval) ,$(comma),$(EM_API:%=_%)) \
	-sEXPORTED_RUNTIME_METHODS=UTF8ToString,stringToUTF8,lengthBytesUTF8

$(EM)/obj/%.o: core/src/%.c core/include/tricolor.h $(INTERNAL_H) $(GEN)
	@mkdir -p $(dir $@)
	$(EMCC) $(EM_CFLAGS) $(if $(filter malloc,$*),-DTRI_PRELOAD) -c $< -o $@

$(EM)/libtricolor.a: $(EM_OBJ)
	rm -f $@ && $(EMAR) rcs $@ $^

# The C-JavaScript layout (wasm/layout.h) as an ES module, printed by a
# native program that takes the enums' names from the library.
build/native/gen/mklayout: wasm/mklayout.c wasm/layout.h core/include/tricolor.h build/native/libtricolor.a
	@mkdir -p build/native/gen
	$(CC) -std=gnu11 -O1 $(WARN) -Icore/include $< build/native/libtricolor.a -pthread -o $@

$(EM)/tricolor-layout.mjs $(EM)/capped/tricolor-layout.mjs: build/native/gen/mklayout
	@mkdir -p $(dir $@)
	build/native/gen/mklayout > $@.tmp && mv $@.tmp $@

# The module for browsers and Node, with its JavaScript API.
$(EM)/tricolor-core.mjs: wasm/bindings.c wasm/layout.h wasm/node-shim.js $(EM)/libtricolor.a
	$(EMCC) $(EM_CFLAGS) wasm/bindings.c $(EM)/libtricolor.a $(EM_LINK) $(EM_ESM) -sENVIRONMENT=web,node \
		$(EM_EXPORTS) -o $@

$(EM)/tricolor.mjs: wasm/tricolor.mjs $(EM)/tricolor-core.mjs $(EM)/tricolor-layout.mjs
	cp $< $@

# The same module with its memory capped at 64 MiB, for the out-of-memory tests.
$(EM)/capped/tricolor-core.mjs: wasm/bindings.c wasm/layout.h wasm/node-shim.js $(EM)/libtricolor.a
	@mkdir -p $(EM)/capped
	$(EMCC) $(EM_CFLAGS) wasm/bindings.c $(EM)/libtricolor.a $(filter-out -sMAXIMUM_MEMORY=%,$(EM_LINK)) \
		-sMAXIMUM_MEMORY=64MB $(EM_ESM) -sENVIRONMENT=node $(EM_EXPORTS) -o $@

$(EM)/capped/tricolor.mjs: wasm/tricolor.mjs $(EM)/capped/tricolor-core.mjs $(EM)/capped/tricolor-layout.mjs
	cp $< $@

# Programs run in Node by wasm/run-emscripten.mjs.
$(EM)/tests.mjs: $(TEST_SRC) tests/harness.h tests/gcnode.h $(EM)/libtricolor.a wasm/node-shim.js
	$(EMCC) $(EM_CFLAGS) -Icore/src $(TEST_SRC) $(EM)/libtricolor.a $(EM_LINK) $(EM_NODE) -o $@

$(EM)/tricolor-cli.mjs: cli/main.c trace/trace.c trace/trace.h $(WORKLOADS_SRC) $(WORKLOADS_H) $(EM)/libtricolor.a
	$(EMCC) $(EM_CFLAGS) -DMANAGER_TRICOLOR cli/main.c trace/trace.c $(WORKLOADS_SRC) $(EM)/libtricolor.a \
		$(EM_LINK) $(EM_NODE) -o $@

.PHONY: wasm
wasm: $(WASI)/tricolor.wasm $(WASI)/tests.wasm $(EM)/tricolor.mjs $(EM)/tests.mjs $(EM)/tricolor-cli.mjs \
	$(EM)/capped/tricolor.mjs

# --- the npm package ----------------------------------------------------------------
# `make npm-package` packs build/npm/tricolor-VERSION.tgz: the Emscripten
# module with its JavaScript API and types, and the WASI command line as its
# bin (pkg/npm/README.md says what is in it). build/npm/tricolor is the
# package's directory as packed.

NPM := build/npm/tricolor
NPM_TGZ := build/npm/tricolor-$(VERSION).tgz
NPM_FILES := package.json README.md LICENSE CHANGELOG.md tricolor.d.ts tricolor.mjs tricolor-core.mjs \
	tricolor-core.wasm tricolor-layout.mjs wasi/tricolor.mjs wasi/run-wasi.mjs wasi/tricolor.wasm

$(NPM)/package.json: pkg/npm/package.json.in core/include/tricolor.h
	@mkdir -p $(@D)
	sed 's|@VERSION@|$(VERSION)|' $< > $@
$(NPM)/README.md $(NPM)/tricolor.d.ts: $(NPM)/%: pkg/npm/%
	@mkdir -p $(@D) && cp $< $@
$(NPM)/LICENSE $(NPM)/CHANGELOG.md: $(NPM)/%: %
	@mkdir -p $(@D) && cp $< $@
$(NPM)/tricolor.mjs: $(EM)/tricolor.mjs
$(NPM)/tricolor-core.mjs: $(EM)/tricolor-core.mjs
$(NPM)/tricolor-layout.mjs: $(EM)/tricolor-layout.mjs
$(NPM)/wasi/tricolor.mjs: pkg/npm/tricolor-wasi.mjs
$(NPM)/wasi/run-wasi.mjs: wasm/run-wasi.mjs
$(NPM)/wasi/tricolor.wasm: $(WASI)/tricolor.wasm
$(NPM)/tricolor.mjs $(NPM)/tricolor-core.mjs $(NPM)/tricolor-layout.mjs $(NPM)/wasi/tricolor.mjs \
		$(NPM)/wasi/run-wasi.mjs $(NPM)/wasi/tricolor.wasm:
	@mkdir -p $(@D) && cp $< $@
# Emscripten writes the .wasm with the .mjs that loads it.
$(NPM)/tricolor-core.wasm: $(EM)/tricolor-core.mjs
	@mkdir -p $(@D) && cp $(EM)/tricolor-core.wasm $@

$(NPM_TGZ): $(NPM_FILES:%=$(NPM)/%)
	@command -v npm > /dev/null || tests/deps.sh npm
	rm -f build/npm/tricolor-*.tgz
	cd build/npm && npm pack ./tricolor --silent > /dev/null

.PHONY: npm-package
npm-package: $(NPM_TGZ)

# Benchmark programs inside WebAssembly: tricolor, and the allocators the
# platforms bring (wasi-libc's, Emscripten's dlmalloc and emmalloc).
$(WASI)/bench-tricolor.wasm: bench/bench.c $(WORKLOADS_ALLOC_SRC) $(WORKLOADS_H) $(WASI)/libtricolor.a
	$(WASI_CC) $(WASI_CFLAGS) -DMANAGER_TRICOLOR bench/bench.c $(WORKLOADS_ALLOC_SRC) $(WASI)/libtricolor.a \
		$(WASI_LDFLAGS) -o $@

$(WASI)/bench-libc.wasm: bench/bench.c $(WORKLOADS_ALLOC_SRC) $(WORKLOADS_H)
	$(WASI_CC) $(WASI_CFLAGS) -DMANAGER_MALLOC bench/bench.c $(WORKLOADS_ALLOC_SRC) $(WASI_LDFLAGS) -o $@

# The memory grows by exactly what each allocator asks for (no geometric
# overgrowth), so its final size is the allocator's own peak.
EM_BENCH := -sMEMORY_GROWTH_GEOMETRIC_STEP=0 -sINITIAL_MEMORY=2MB
# The workloads call malloc, which is tricolor's in this module (-sMALLOC=none).
$(EM)/bench-tricolor.mjs: bench/bench.c $(WORKLOADS_ALLOC_SRC) $(WORKLOADS_H) $(EM)/libtricolor.a
	$(EMCC) $(EM_CFLAGS) -DMANAGER_MALLOC bench/bench.c $(WORKLOADS_ALLOC_SRC) $(EM)/libtricolor.a $(EM_LINK) $(EM_BENCH) \
		$(EM_NODE) -o $@

$(EM)/bench-dlmalloc.mjs $(EM)/bench-emmalloc.mjs: $(EM)/bench-%.mjs: bench/bench.c $(WORKLOADS_ALLOC_SRC) $(WORKLOADS_H)
	$(EMCC) $(EM_CFLAGS) -DMANAGER_MALLOC bench/bench.c $(WORKLOADS_ALLOC_SRC) -sMALLOC=$* -sALLOW_MEMORY_GROWTH=1 \
		-sMAXIMUM_MEMORY=4GB -sTOTAL_STACK=1MB $(EM_BENCH) $(EM_NODE) -o $@

WASM_BENCH := $(WASI)/bench-tricolor.wasm $(WASI)/bench-libc.wasm $(EM)/bench-tricolor.mjs \
	$(EM)/bench-dlmalloc.mjs $(EM)/bench-emmalloc.mjs $(WASI)/tricolor.wasm $(EM)/tricolor-cli.mjs

# Every program `make bench` runs (here, once WASM_BENCH is defined), and a
# preload library without the hardening, to measure what it costs.
bench-programs: all $(BUILD)/bench-fastpath $(BENCH_GC) $(BUILD)/bench-barrier $(WASM_BENCH)
	@$(MAKE) --no-print-directory HARDEN=0 BUILD=build/noharden build/noharden/libtricolor-preload.so

# --- fuzzing: libFuzzer harnesses in tests/fuzz (clang) -------------------------------
# `make fuzz` runs each for FUZZ_SECONDS; tests/fuzz/run.sh summarizes.

FUZZ := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_OPT := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_HARNESSES := malloc gc trace

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h trace/trace.c trace/trace.h $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS_APP) -fsanitize=fuzzer -Icore/src $< trace/trace.c $(BUILD)/libtricolor.a -o $@

.PHONY: fuzz fuzz-build
fuzz-build:
	@tests/deps.sh clang libclang-rt-14-dev
	$(MAKE) CC=clang BUILD=$(FUZZ) OPT="$(FUZZ_OPT)" $(FUZZ_HARNESSES:%=$(FUZZ)/fuzz_%)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# --- the visualiser ---------------------------------------------------------------------
# `make web` builds it into build/web, a static site to host anywhere;
# `make demo` builds everything and serves it on http://127.0.0.1:8080.

WEB_SRC := $(wildcard web/src/*.js web/src/*.jsx web/src/views/*.js web/src/views/*.jsx) web/index.html web/style.css web/build.mjs

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm > /dev/null || tests/deps.sh npm
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

build/web/index.html: $(WEB_SRC) $(EM)/tricolor.mjs $(EM)/tricolor-core.mjs $(EM)/tricolor-layout.mjs \
		node_modules/.package-lock.json
	node web/build.mjs build/web

.PHONY: web
web:
	@$(MAKE) --no-print-directory wasm-deps
	@$(MAKE) --no-print-directory build/web/index.html

# The Debian packages the WebAssembly builds need, installed when missing.
.PHONY: wasm-deps
wasm-deps:
	@tests/deps.sh clang lld nodejs emscripten wasi-libc libclang-rt-14-dev-wasm32

demo:
	@$(MAKE) --no-print-directory wasm-deps
	@$(MAKE) --no-print-directory web $(CLI)
	@node web/serve.mjs build/web --port $${PORT:-8080}
