# mainline — one non-recursive Makefile. Output goes to $(BUILD).
#   make            build the binary, unit tests, helpers and fuzz replay drivers
#   make test       install missing dependencies, build, run every test
#   make demo       the end-to-end demonstration (see README): builds the binary only
#   make fresh-check  make demo and make test from a clean clone in a fresh Debian 12 container
#   make SANITIZE=1 test   the same suite under ASan+UBSan (in build/asan)
#   make SANITIZE=thread   a ThreadSanitizer build (in build/tsan) for the threaded code's tests
#   make fuzz       libFuzzer targets with clang (in build/fuzz)
#   make lint       formatting, cppcheck, banned functions
#   make bench      benchmarks (see docs/BENCHMARKS.md)

CC ?= cc
PREFIX ?= /usr/local
SANITIZE ?= 0
CFLAGS ?= -O2 -g

ifeq ($(SANITIZE),1)
BUILD ?= build/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FORTIFY :=
else ifeq ($(SANITIZE),thread)
BUILD ?= build/tsan
SAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
FORTIFY :=
else
BUILD ?= build
SAN_FLAGS :=
FORTIFY := -D_FORTIFY_SOURCE=3
endif

# libgit2, libcurl, libarchive and libpq are compiled against but not linked: the binary
# loads each on first use (common/dynlib.h), by the soname of the library pkg-config names.
LINKED_PKGS := zlib openssl libcjson
LOADED_PKGS := libgit2 libcurl libarchive libpq
DEP_CFLAGS := $(shell pkg-config --cflags $(LINKED_PKGS) $(LOADED_PKGS) 2>/dev/null)
DEP_LIBS := $(shell pkg-config --libs $(LINKED_PKGS) 2>/dev/null) -lm -lpthread
soname = $(shell f="$$(pkg-config --variable=libdir $(1) 2>/dev/null)/lib$$(pkg-config \
	--libs-only-l $(1) 2>/dev/null | sed 's/^-l\([^ ]*\).*/\1/').so"; \
	[ -f "$$f" ] && objdump -p "$$f" | awk '$$1 == "SONAME" { print $$2 }')
SONAME_FLAGS := $(foreach p,$(LOADED_PKGS),-DML_SONAME_$(shell echo $(p) | tr a-z A-Z)='"$(call soname,$(p))"')
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARNINGS := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wvla \
	-Wpointer-arith -Wmissing-prototypes -Wno-unused-parameter
# Control-flow protection is per CPU, as in Debian's build flags: CET on x86, PAC/BTI on arm64.
MACHINE := $(shell $(CC) -dumpmachine 2>/dev/null)
CF_PROTECTION := $(if $(filter x86_64-% i686-% i586-% i486-% i386-%,$(MACHINE)),-fcf-protection,\
	$(if $(filter aarch64-%,$(MACHINE)),-mbranch-protection=standard))
HARDEN := $(FORTIFY) -fstack-protector-strong -fstack-clash-protection $(CF_PROTECTION) -fPIE
ALL_CPPFLAGS := -D_GNU_SOURCE -I. $(SONAME_FLAGS) $(CPPFLAGS)
ALL_CFLAGS := -std=c11 $(WARNINGS) $(HARDEN) $(SAN_FLAGS) $(DEP_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack $(SAN_FLAGS) $(LDFLAGS)

MAIN_SRC := plugin/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(wildcard common/*.c verify/*.c docker/*.c plugin/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libmainline.a
BIN := $(BUILD)/mainline

# Test-only code (software signing keys), linked into the unit tests and helpers only.
TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
TEST_LIB_OBJS := $(TEST_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz-replay/%)

.SECONDARY:
.PHONY: all test check deps demo fresh-check lint fuzz bench clean install
all: $(BIN) $(UNIT_BINS) $(HELPER_BINS) $(REPLAY_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/obj/$(MAIN_SRC:.c=.o) $(LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEP_LIBS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(TEST_LIB_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEP_LIBS) $(UNIT_LIBS) $(CMOCKA_LIBS)

# test_tar reads the archives it checks with libarchive's reader, which mainline does not use.
$(BUILD)/tests/unit/test_tar: UNIT_LIBS := $(shell pkg-config --libs libarchive 2>/dev/null)
# test_dynlib loads a library that lacks a symbol its table names.
$(BUILD)/tests/unit/test_dynlib: | $(BUILD)/tests/unit/libdynlib-fixture.so
$(BUILD)/tests/unit/libdynlib-fixture.so: tests/unit/dynlib_fixture.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -O2 -Wl,-z,relro -Wl,-z,now -o $@ $<

$(BUILD)/tests/helpers/%: $(BUILD)/obj/tests/helpers/%.o $(TEST_LIB_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEP_LIBS)

# Each fuzz target also links with a plain main() so its corpus is a regression test.
$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEP_LIBS)

# Install what is missing (apt-get), then build and run the whole suite.
test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory check

check: all
	@BUILD=$(BUILD) tests/run

deps:
	@scripts/deps.sh test

# The demo needs the binary alone (no cmocka, no test helpers). The build runs in
# a sub-make: on a fresh machine pkg-config only exists once deps.sh has run.
demo:
	@scripts/deps.sh demo
	@echo "building mainline"
	@$(MAKE) --no-print-directory -s $(BIN)
	@BUILD=$(BUILD) scripts/demo.sh

# make demo, then make test, from a clean clone in a fresh Debian 12 container.
fresh-check:
	@scripts/deps.sh fresh
	@scripts/fresh-check.sh

lint:
	@scripts/deps.sh lint
	@scripts/lint.sh

FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -D_GNU_SOURCE -I. $(SONAME_FLAGS) \
	$(DEP_CFLAGS)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=build/fuzz/obj/%.o)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

build/fuzz/%: build/fuzz/obj/tests/fuzz/%.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(DEP_LIBS)

fuzz: $(FUZZ_BINS)

bench: all
	@BUILD=$(BUILD) bench/run.sh

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mainline

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj build/fuzz/obj -name '*.d' 2>/dev/null)
