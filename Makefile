# SPDX-License-Identifier: BSD-2-Clause
#
#   make            build build/xffwatch (also linked as ./xffwatch)
#   make run        install what is missing, build, run the observer (root)
#   make test       install what is missing, build, run every test (root)
#   make test-all   the same without the package check (scripts/test.sh has done it)
#   make check      formatter and static analysers
#   make san        build/san/xffwatch with ASan and UBSan (the hostile end-to-end test)
#   make bench      timings (root); make bench-saturation: 60 s of wrk through nginx;
#                   make bench-replay: replay against tshark on a capture it makes;
#                   make bench-cost: CPU per request at fixed rates, against tcpdump and tshark
#   make vmlinux    regenerate vmlinux.h from the running kernel's BTF
#   V=1             show full commands

OUT      := build
CLANG    ?= clang
CC       ?= gcc
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

PKGS     := libbpf libelf zlib libconfig libmnl jansson libcrypto libpcap libmicrohttpd
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror
CPPFLAGS := -D_GNU_SOURCE -Iinclude -Iuser -I$(OUT) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lelf -lz -lconfig -lmnl -ljansson -lcrypto -lpcap -lmicrohttpd)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(WARN) -Iinclude -I.

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# user/<stage>/*.c: cmd, kernel, capture, pipeline, identity, trust, event, output, util
# (docs/design.md).
USER_SRCS := $(wildcard user/*/*.c)
# Everything but cmd/main.c is also linked into the unit tests.
LIB_SRCS  := $(filter-out user/cmd/main.c,$(USER_SRCS))
USER_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRCS))
SAN_OBJS  := $(patsubst user/%.c,$(OUT)/san/%.o,$(LIB_SRCS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
BPFTEST_SRCS := $(wildcard tests/bpf/*.c)
BPFTEST_BIN  := $(OUT)/tests/bpf_prog_test

# Fuzz targets (libFuzzer, clang): parsers, tracker, trust engine, event and syslog formatting
# (docs/fuzzing.md). FUZZ_JOBS targets run at once.
FUZZ_SECONDS ?= 30
FUZZ_JOBS    ?= 2
# make fuzz-long: FUZZ_SECONDS when given, else 15 minutes per target.
FUZZ_LONG_SECONDS = $(if $(filter file,$(origin FUZZ_SECONDS)),900,$(FUZZ_SECONDS))
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
# The stages that read no input of their own: frames to records (the kernel program compiled
# natively), the capture's frame decoding and reordering (libpcap's file parsing is not ours to
# fuzz), records to requests, identity (for trust's owner_spec_matches), trust, the event's
# forms; and the addresses.
FUZZ_LIB   := $(wildcard user/pipeline/*.c user/identity/*.c user/trust/*.c user/event/*.c \
	user/doctor/*.c) \
	user/util/ipaddr.c user/util/escape.c \
	user/capture/link_frames.c user/capture/reorder.c user/capture/native_prog.c \
	user/capture/flow_lru.c
FUZZ_OBJS  := $(patsubst user/%.c,$(OUT)/fuzz/%.o,$(FUZZ_LIB))
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all run test test-all test-unit test-bpf test-e2e check format deps deps-test deps-bench vmlinux \
	clean install \
	bench bench-saturation bench-replay bench-cost fuzz fuzz-long fuzz-seeds

all: $(OUT)/xffwatch xffwatch

xffwatch: $(OUT)/xffwatch
	$(Q)ln -sf $(OUT)/xffwatch $@

$(OUT)/xffwatch: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/%.bpf.o: bpf/%.bpf.c vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# User objects may include any skeleton; generate them first.
$(OUT)/user/%.o: user/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -std=gnu11 -MMD -MP -c $< -o $@

$(OUT)/san/%.o: user/%.c | $(SKELS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(SAN_FLAGS) $(WARN) -std=gnu11 -MMD -MP -c $< -o $@

# The daemon itself with ASan and UBSan, for the hostile end-to-end test.
.PHONY: san
san: $(OUT)/san/xffwatch

$(OUT)/san/xffwatch: $(SAN_OBJS) $(OUT)/san/cmd/main.o $(OUT)/san/san_options.o
	$(call msg,LINK-SAN,$@)
	$(Q)$(CC) $(SAN_FLAGS) $^ $(LDLIBS) -o $@

# UBSAN_OPTIONS for a daemon that is no longer root when it reports (see the file).
$(OUT)/san/san_options.o: tests/e2e/san_options.c | $(OUT)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(SAN_FLAGS) $(WARN) -std=gnu11 -MMD -MP -c $< -o $@

$(OUT)/tests/test_%: tests/unit/test_%.c $(SAN_OBJS) | $(OUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(SAN_FLAGS) $(WARN) -std=gnu11 -MMD -MP $< $(SAN_OBJS) \
		-lcmocka -ljansson $(LDLIBS) -o $@

$(BPFTEST_BIN): $(BPFTEST_SRCS) $(SAN_OBJS) $(SKELS) | $(OUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/bpf $(SAN_FLAGS) $(WARN) -std=gnu11 -MMD -MP $(BPFTEST_SRCS) \
		$(SAN_OBJS) -lcmocka $(LDLIBS) -o $@

$(OUT)/bench/kernel_cost: bench/kernel_cost.c tests/bpf/packet.c $(filter-out $(OUT)/user/cmd/main.o,$(USER_OBJS)) | $(SKELS)
	$(Q)mkdir -p $(@D)
	$(call msg,CC-BENCH,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/bpf $(CFLAGS) $(WARN) -std=gnu11 $^ $(LDLIBS) -o $@

# The native build alone: no libbpf, no root.
$(OUT)/bench/native_cost: bench/native_cost.c tests/bpf/packet.c $(OUT)/user/capture/native_prog.o \
		$(OUT)/user/capture/flow_lru.o
	$(Q)mkdir -p $(@D)
	$(call msg,CC-BENCH,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/bpf $(CFLAGS) $(WARN) -std=gnu11 $^ -o $@

$(OUT)/bench/conn_flood: bench/conn_flood.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC-BENCH,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -std=gnu11 $< -o $@

$(OUT)/bench/json_cost: bench/json_cost.c $(filter-out $(OUT)/user/cmd/main.o,$(USER_OBJS)) | $(SKELS)
	$(Q)mkdir -p $(@D)
	$(call msg,CC-BENCH,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -std=gnu11 $^ -ljansson -lpthread $(LDLIBS) -o $@

# Timings live here, never in the pass/fail tests (root; bounded; bench/run.sh).
bench: deps-bench
	$(Q)$(MAKE) $(OUT)/xffwatch $(OUT)/bench/kernel_cost $(OUT)/bench/json_cost \
		$(OUT)/bench/conn_flood $(OUT)/bench/native_cost
	$(Q)bench/run.sh

# Completeness at saturation: 60 s of wrk through nginx on loopback (root).
bench-saturation: deps-bench
	$(Q)$(MAKE) $(OUT)/xffwatch
	$(Q)bench/saturation.sh 60

# CPU per request at two fixed rates: nothing, xffwatch, tcpdump -w, tshark, interleaved
# (root; about 10 minutes; ROUNDS, SECONDS, RATES, CONNS: bench/cost.sh).
bench-cost: deps-bench
	$(Q)$(MAKE) $(OUT)/xffwatch
	$(Q)bench/cost.sh

# xffwatch replay against tshark on a capture of 1.1M packets it makes (root; about 2.5 minutes).
bench-replay: deps-bench
	$(Q)$(MAKE) $(OUT)/xffwatch
	$(Q)bench/replay.sh

# The kernel program compiled a second time as native C (docs/design.md, "The kernel program,
# compiled twice"): native_inc/ first, so that bpf/'s vmlinux.h and bpf_helpers.h are the shim;
# XFFW_NATIVE for the settings bpf/maps.bpf.h leaves to it. BPF C is its own dialect:
#   -fwrapv -fno-strict-aliasing  BPF arithmetic wraps; the scanners read byte buffers as words
#   -Wno-unknown-pragmas          gcc does not know clang's "#pragma unroll"
#   -fno-sanitize=alignment       those word reads are unaligned (fine on x86-64 and arm64)
NATIVE_OBJS  := $(addsuffix /capture/native_prog.o,$(OUT)/user $(OUT)/san $(OUT)/fuzz)
$(NATIVE_OBJS): CPPFLAGS += -Iuser/capture/native_inc -Ibpf -DXFFW_NATIVE
$(NATIVE_OBJS): WARN += -fwrapv -fno-strict-aliasing -Wno-unknown-pragmas
$(filter-out $(OUT)/user/%,$(NATIVE_OBJS)): WARN += -fno-sanitize=alignment
$(NATIVE_OBJS): $(wildcard bpf/*.bpf.[ch])

$(OUT)/fuzz/%.o: user/%.c | $(SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(WARN) -std=gnu11 -MMD -MP \
		-c $< -o $@

$(OUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) | $(OUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(CPPFLAGS) -Itests/fuzz $(FUZZ_FLAGS) -fsanitize=fuzzer $(WARN) -std=gnu11 \
		-MMD -MP $< $(FUZZ_OBJS) -ljansson -lcrypto -o $@

# Each target for FUZZ_SECONDS from the committed seeds, FUZZ_JOBS at a time, then a table;
# a crash, leak, sanitizer report or hang fails.
fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh -j $(FUZZ_JOBS) $(FUZZ_SECONDS) $(FUZZ_BINS)

# A campaign: the same for FUZZ_SECONDS each (default 900), growing $(OUT)/fuzz/corpus/.
fuzz-long: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh -j $(FUZZ_JOBS) $(FUZZ_LONG_SECONDS) $(FUZZ_BINS)

# Adds the corpus inputs that bring new coverage to tests/fuzz/seeds/ (-merge=1).
fuzz-seeds: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh -m $(FUZZ_BINS)

$(OUT) $(OUT)/san $(OUT)/tests $(OUT)/fuzz:
	$(Q)mkdir -p $@

vmlinux:
	$(call msg,GEN,vmlinux.h)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h.tmp
	$(Q)mv vmlinux.h.tmp vmlinux.h

deps:
	$(Q)scripts/deps.sh

deps-test:
	$(Q)scripts/deps.sh --test

deps-bench:
	$(Q)scripts/deps.sh --bench

run: deps
	$(Q)$(MAKE) all
	$(OUT)/xffwatch $(ARGS)

test: deps-test
	$(Q)$(MAKE) test-all

# The whole suite, the packages being there (scripts/test.sh installed them).
test-all:
	$(Q)$(MAKE) all check test-unit test-bpf test-e2e fuzz

test-unit: $(UNIT_BINS) $(OUT)/xffwatch
	$(Q)tests/run-unit.sh $(UNIT_BINS)
	$(Q)tests/unit/check_fix_snippets.py $(OUT)

test-bpf: $(BPFTEST_BIN)
	$(Q)$(BPFTEST_BIN)

test-e2e: $(OUT)/xffwatch $(OUT)/san/xffwatch
	$(Q)tests/e2e/run.sh

check:
	$(Q)scripts/check.sh
	$(Q)scripts/check_layers.sh

format:
	$(Q)clang-format -i $$(find bpf include user tests bench -name '*.[ch]' ! -name '*.skel.h')

install: $(OUT)/xffwatch
	install -D -m 0755 $(OUT)/xffwatch $(DESTDIR)/usr/local/sbin/xffwatch

clean:
	$(call msg,CLEAN,$(OUT))
	$(Q)rm -rf $(OUT) xffwatch

-include $(wildcard $(OUT)/*.d $(OUT)/*/*.d $(OUT)/*/*/*.d)
