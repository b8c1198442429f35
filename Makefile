# hotline — the front door. Every target installs what is missing
# (scripts/install-deps) and builds before it runs.
#
#   make demo    build, then run the scenario under examples/
#   make test    build twice (plain, and ASan+UBSan), run every test and lint
#   make bench   release build, run the benchmarks in bench/
#   make fuzz    clang libFuzzer build, a short run of every fuzz target
#   make check   clang-tidy over compile_commands.json
#   make install release build, installed under PREFIX (default /usr/local;
#                DESTDIR honoured): the binary, hotline(1), hotline@.service
#   make clean

MESON_OPTS ?=
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local

.PHONY: all deps build demo test bench fuzz check install clean

all: build

deps:
	@scripts/install-deps

build/build.ninja:
	@meson setup build $(MESON_OPTS) >/dev/null

build-asan/build.ninja:
	@meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dbuildtype=debug $(MESON_OPTS) >/dev/null

build-release/build.ninja:
	@meson setup build-release -Dbuildtype=release -Dtests=false --prefix $(PREFIX) \
	    $(MESON_OPTS) >/dev/null

build-fuzz/build.ninja:
	@CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null

build: deps build/build.ninja
	@ninja -C build -j $(JOBS) >/dev/null
	@ln -sf build/compile_commands.json compile_commands.json

demo: build
	@scripts/demo build/hotline

test: deps build build-asan/build.ninja
	@ninja -C build-asan -j $(JOBS) >/dev/null
	@scripts/run-tests build build-asan

bench: deps build-release/build.ninja
	@ninja -C build-release -j $(JOBS) >/dev/null
	@scripts/run-bench build-release

fuzz: deps build-fuzz/build.ninja
	@ninja -C build-fuzz -j $(JOBS) >/dev/null
	@scripts/run-fuzz build-fuzz $(FUZZ_SECONDS)

install: deps build-release/build.ninja
	@meson configure build-release --prefix $(PREFIX) >/dev/null
	@ninja -C build-release -j $(JOBS) >/dev/null
	@meson install -C build-release --no-rebuild --quiet $(if $(DESTDIR),--destdir $(DESTDIR))

check: build
	@scripts/lint
	@run-clang-tidy -quiet -p build 'src/.*\.c$$' >/dev/null && echo "clang-tidy: clean"

clean:
	rm -rf build build-asan build-release build-fuzz compile_commands.json
