# dossier: offline TPM 2.0 attestation toolkit.
#
#   make            build/dossier (verifier) and build/dossier-collect (device)
#   make check      ASan+UBSan build in build/asan, then every test (tests/run)
#   make test       the same tests against the plain build
#   make fuzz       libFuzzer targets in build/fuzz (clang)
#   make fuzz-smoke run each fuzz target briefly over its seed corpus
#   make fuzz-coverage  coverage of format/ and policy/ reached by the committed corpora
#   make fuzz-campaign  FUZZ_SECONDS per target, grown corpora merged back
#   make bench      benchmarks (figures next to a floor measured in the same run)
#   make install    PREFIX (default /usr/local) and DESTDIR honoured
#   make lint-man   mandoc -Tlint over man/

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config

CC        ?= cc
B         ?= build
SAN       ?=
OPT       ?= -O2
CSTD      := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN_BASE := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wvla -Wno-missing-field-initializers
# Error messages are cut at ERRBUF_MAX on purpose; gcc would warn about it.
WARN      := $(WARN_BASE)
IS_CLANG  := $(shell $(CC) --version 2>/dev/null | grep -c clang)
ifeq ($(IS_CLANG),0)
WARN      += -Wno-format-truncation
endif
CFLAGS    ?= $(OPT) -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) $(SAN) -pthread -I. -DDOSSIER_VERSION='"$(VERSION)"'
LDFLAGS   ?=

# The verifier never links ESAPI or a TCTI; the collector never links SQLite.
PKGS_FORMAT  := libcrypto tss2-mu libcbor libarchive libzstd
PKGS_VERIFY  := $(PKGS_FORMAT) sqlite3
PKGS_COLLECT := $(PKGS_FORMAT) tss2-esys tss2-tctildr tss2-rc

pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pkg_libs   = $(shell $(PKG_CONFIG) --libs $(1))

FORMAT_SRC  := $(sort $(wildcard format/*.c))
POLICY_SRC  := $(sort $(wildcard policy/*.c))
SPOOL_SRC   := $(sort $(wildcard spool/*.c))
VERIFY_SRC  := $(sort $(wildcard verify/*.c))
COLLECT_SRC := $(sort $(wildcard collect/*.c))
UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
# Unit tests of a program's own modules (not format/, policy/ or spool/)
# link that program's objects except main.o: tests/unit/collect_test_*.c
# and verify_test_*.c.
COLLECT_UNIT_SRC := $(sort $(wildcard tests/unit/collect_test_*.c))
VERIFY_UNIT_SRC  := $(sort $(wildcard tests/unit/verify_test_*.c))
FUZZ_SRC    := $(sort $(wildcard fuzz/fuzz_*.c))
TOOL_SRC    := $(sort $(wildcard testdata/gen/*.c bench/*.c))

FORMAT_OBJ  := $(FORMAT_SRC:%.c=$(B)/obj/%.o)
POLICY_OBJ  := $(POLICY_SRC:%.c=$(B)/obj/%.o)
SPOOL_OBJ   := $(SPOOL_SRC:%.c=$(B)/obj/%.o)
VERIFY_OBJ  := $(VERIFY_SRC:%.c=$(B)/obj/%.o)
COLLECT_OBJ := $(COLLECT_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%) \
               $(COLLECT_UNIT_SRC:tests/unit/collect_%.c=$(B)/tests/%_collect) \
               $(VERIFY_UNIT_SRC:tests/unit/verify_%.c=$(B)/tests/%_verify)
COLLECT_LIB_OBJ := $(filter-out $(B)/obj/collect/main.o,$(COLLECT_OBJ))
VERIFY_LIB_OBJ  := $(filter-out $(B)/obj/verify/main.o,$(VERIFY_OBJ))
TOOL_BIN    := $(addprefix $(B)/tools/,$(notdir $(TOOL_SRC:.c=)))
# Three libraries, layered by their includes: format/ (codecs) uses
# nothing of the other two; policy/ (judging what a log or quote shows,
# reference sets) and spool/ (spool directories) use format/. The
# verifier links all three, the collector and the relay spool and format.
# Link order: policy and spool before format.
LIBFORMAT   := $(B)/libdossier-format.a
LIBPOLICY   := $(B)/libdossier-policy.a
LIBSPOOL    := $(B)/libdossier-spool.a
LIBS_ALL    := $(LIBPOLICY) $(LIBSPOOL) $(LIBFORMAT)

MAN_PAGES   := $(sort $(wildcard man/*.[1-8]))

.PHONY: all check test fuzz fuzz-smoke fuzz-coverage fuzz-campaign bench install uninstall lint-man clean
all: $(B)/dossier $(B)/dossier-collect $(UNIT_BIN) $(TOOL_BIN)

$(B)/obj/format/%.o: format/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_FORMAT)) -MMD -MP -c $< -o $@
$(B)/obj/policy/%.o: policy/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_FORMAT)) -MMD -MP -c $< -o $@
$(B)/obj/spool/%.o: spool/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_FORMAT)) -MMD -MP -c $< -o $@
$(B)/obj/verify/%.o: verify/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_VERIFY)) -MMD -MP -c $< -o $@
$(B)/obj/collect/%.o: collect/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_COLLECT)) -MMD -MP -c $< -o $@

$(LIBFORMAT): $(FORMAT_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^
$(LIBPOLICY): $(POLICY_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^
$(LIBSPOOL): $(SPOOL_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/dossier: $(VERIFY_OBJ) $(LIBS_ALL)
	$(CC) $(SAN) -pthread $(LDFLAGS) -o $@ $(VERIFY_OBJ) $(LIBS_ALL) $(call pkg_libs,$(PKGS_VERIFY))

$(B)/dossier-collect: $(COLLECT_OBJ) $(LIBSPOOL) $(LIBFORMAT)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $(COLLECT_OBJ) $(LIBSPOOL) $(LIBFORMAT) $(call pkg_libs,$(PKGS_COLLECT))

# --- relay: dossier-relay, spools <-> an MQTT broker (libmosquitto) ----------
# libssl: a TPM-held TLS key goes into an SSL_CTX of the relay's own.
PKGS_RELAY := $(PKGS_FORMAT) libssl libmosquitto
RELAY_SRC  := $(sort $(wildcard relay/*.c))
RELAY_OBJ  := $(RELAY_SRC:%.c=$(B)/obj/%.o)
all: $(B)/dossier-relay
$(B)/obj/relay/%.o: relay/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_RELAY)) -MMD -MP -c $< -o $@
$(B)/dossier-relay: $(RELAY_OBJ) $(LIBSPOOL) $(LIBFORMAT)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $(RELAY_OBJ) $(LIBSPOOL) $(LIBFORMAT) $(call pkg_libs,$(PKGS_RELAY))
-include $(RELAY_OBJ:.o=.d)
# bench/relay_floor (bench/relay.sh) is a libmosquitto client too.
$(B)/tools/relay_%: bench/relay_%.c $(LIBSPOOL) $(LIBFORMAT)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_RELAY)) -o $@ $< $(LIBSPOOL) $(LIBFORMAT) $(call pkg_libs,$(PKGS_RELAY))
install: install-relay
.PHONY: install-relay uninstall-relay
install-relay: $(B)/dossier-relay
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(B)/dossier-relay $(DESTDIR)$(BINDIR)/
uninstall: uninstall-relay
uninstall-relay:
	rm -f $(DESTDIR)$(BINDIR)/dossier-relay

# Unit tests link the three libraries only (public interfaces of format/,
# policy/ and spool/).
$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(LIBS_ALL)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_FORMAT)) -o $@ $< $(LIBS_ALL) $(call pkg_libs,$(PKGS_FORMAT))

$(B)/tests/%_collect: tests/unit/collect_%.c tests/unit/check.h $(COLLECT_LIB_OBJ) $(LIBSPOOL) $(LIBFORMAT)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_COLLECT)) -o $@ $< $(COLLECT_LIB_OBJ) $(LIBSPOOL) $(LIBFORMAT) $(call pkg_libs,$(PKGS_COLLECT))
$(B)/tests/%_verify: tests/unit/verify_%.c tests/unit/check.h $(VERIFY_LIB_OBJ) $(LIBS_ALL)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_VERIFY)) -o $@ $< $(VERIFY_LIB_OBJ) $(LIBS_ALL) $(call pkg_libs,$(PKGS_VERIFY))

# Test-data generators and benchmark drivers (testdata/gen/, bench/);
# bench/verify_*.c also link the verifier's objects (the store API).
$(B)/tools/verify_%: bench/verify_%.c $(VERIFY_LIB_OBJ) $(LIBS_ALL)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_VERIFY)) -o $@ $< $(VERIFY_LIB_OBJ) $(LIBS_ALL) $(call pkg_libs,$(PKGS_VERIFY))
$(B)/tools/%: testdata/gen/%.c $(LIBS_ALL)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_FORMAT)) -o $@ $< $(LIBS_ALL) $(call pkg_libs,$(PKGS_FORMAT))
$(B)/tools/%: bench/%.c $(LIBS_ALL)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,$(PKGS_FORMAT)) -o $@ $< $(LIBS_ALL) $(call pkg_libs,$(PKGS_FORMAT))

-include $(FORMAT_OBJ:.o=.d) $(POLICY_OBJ:.o=.d) $(SPOOL_OBJ:.o=.d) \
	 $(VERIFY_OBJ:.o=.d) $(COLLECT_OBJ:.o=.d)

# --- tests -----------------------------------------------------------------
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

check:
	$(MAKE) B=build/asan SAN="$(SANFLAGS)" OPT=-O1 all
	$(MAKE) lint-man
	$(MAKE) fuzz-smoke
	DOSSIER_BUILD=build/asan tests/run

test: all
	DOSSIER_BUILD=$(B) tests/run

# The README's first command: four swtpm devices, end to end (tests/demo.sh).
.PHONY: demo
demo: all
	DOSSIER_BUILD=$(B) tests/demo.sh

# --- fuzzing (clang + libFuzzer) ---------------------------------------------
# A target whose source says "fuzz-link: verify" (the judgement targets)
# links verify/'s objects except main.o, spool/ and SQLite; the others
# format/ and policy/ only (no target reads a spool).
# format/, policy/, spool/ and verify/ are compiled ONCE with the fuzzer's
# edge coverage (-fsanitize=fuzzer-no-link) and ASan+UBSan into archives
# under build/fuzz/obj/; each target compiles only its own source and links
# them (libFuzzer's main comes with -fsanitize=fuzzer at that link). Header
# dependencies, the targets' own (fuzz/*.h) included, come from -MMD.
FUZZ_CC  ?= clang
FUZZ_B   := build/fuzz
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_B)/%)
FUZZ_VERIFY_SRC := $(shell grep -l 'fuzz-link: verify' $(FUZZ_SRC) /dev/null)
FUZZ_VERIFY_BIN := $(FUZZ_VERIFY_SRC:fuzz/%.c=$(FUZZ_B)/%)
FUZZ_FORMAT_BIN := $(filter-out $(FUZZ_VERIFY_BIN),$(FUZZ_BIN))
VERIFY_LIB_SRC  := $(filter-out verify/main.c,$(VERIFY_SRC))
FUZZ_SECONDS ?= 15
FUZZ_JOBS    ?= 1
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_FLAGS = $(CSTD) $(WARN_BASE) -g -O1 -I. -DDOSSIER_VERSION='"$(VERSION)"' \
	  $(FUZZ_SAN)
FUZZ_FORMAT_OBJ := $(FORMAT_SRC:%.c=$(FUZZ_B)/obj/%.o)
FUZZ_VERIFY_OBJ := $(VERIFY_LIB_SRC:%.c=$(FUZZ_B)/obj/%.o)
FUZZ_POLICY_OBJ := $(POLICY_SRC:%.c=$(FUZZ_B)/obj/%.o)
FUZZ_SPOOL_OBJ  := $(SPOOL_SRC:%.c=$(FUZZ_B)/obj/%.o)
FUZZ_LIBFORMAT  := $(FUZZ_B)/obj/libformat.a
FUZZ_LIBPOLICY  := $(FUZZ_B)/obj/libpolicy.a
FUZZ_LIBVERIFY  := $(FUZZ_B)/obj/libverify.a

fuzz: $(FUZZ_BIN)
$(FUZZ_B)/obj/format/%.o: format/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
	  $(call pkg_cflags,$(PKGS_FORMAT)) -MMD -MP -c $< -o $@
$(FUZZ_B)/obj/policy/%.o: policy/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
	  $(call pkg_cflags,$(PKGS_FORMAT)) -MMD -MP -c $< -o $@
$(FUZZ_B)/obj/spool/%.o: spool/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
	  $(call pkg_cflags,$(PKGS_FORMAT)) -MMD -MP -c $< -o $@
$(FUZZ_B)/obj/verify/%.o: verify/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -pthread \
	  $(call pkg_cflags,$(PKGS_VERIFY)) -MMD -MP -c $< -o $@
$(FUZZ_LIBFORMAT): $(FUZZ_FORMAT_OBJ)
	rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_LIBPOLICY): $(FUZZ_POLICY_OBJ)
	rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_LIBVERIFY): $(FUZZ_VERIFY_OBJ) $(FUZZ_SPOOL_OBJ)
	rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_FORMAT_BIN): $(FUZZ_B)/%: fuzz/%.c $(FUZZ_LIBPOLICY) $(FUZZ_LIBFORMAT)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d \
	  $(call pkg_cflags,$(PKGS_FORMAT)) -o $@ $< $(FUZZ_LIBPOLICY) \
	  $(FUZZ_LIBFORMAT) $(call pkg_libs,$(PKGS_FORMAT))
$(FUZZ_VERIFY_BIN): $(FUZZ_B)/%: fuzz/%.c $(FUZZ_LIBVERIFY) $(FUZZ_LIBPOLICY) \
	  $(FUZZ_LIBFORMAT)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d -pthread \
	  $(call pkg_cflags,$(PKGS_VERIFY)) -o $@ $< $(FUZZ_LIBVERIFY) \
	  $(FUZZ_LIBPOLICY) $(FUZZ_LIBFORMAT) $(call pkg_libs,$(PKGS_VERIFY))
-include $(FUZZ_FORMAT_OBJ:.o=.d) $(FUZZ_POLICY_OBJ:.o=.d) \
	  $(FUZZ_SPOOL_OBJ:.o=.d) $(FUZZ_VERIFY_OBJ:.o=.d) $(FUZZ_BIN:=.d)

fuzz-smoke: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
	  t=$$(basename $$f); mkdir -p build/fuzz/work/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	  TSS2_LOG=all+none $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
	    build/fuzz/work/$$t fuzz/corpus/$$t >build/fuzz/work/$$t.log 2>&1 \
	    || { tail -n 40 build/fuzz/work/$$t.log; exit 1; }; \
	done

# Line and branch coverage of format/ and policy/ reached by the committed corpora
# (fuzz/coverage.sh; report in build/fuzz-coverage/).
fuzz-coverage:
	FUZZ_CC=$(FUZZ_CC) fuzz/coverage.sh

# FUZZ_SECONDS per target, FUZZ_JOBS targets at once; what was found is
# merged back into fuzz/corpus/ minimised (fuzz/campaign.sh).
fuzz-campaign: $(FUZZ_BIN)
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) fuzz/campaign.sh

# --- benchmarks ---------------------------------------------------------------
bench: all
	DOSSIER_BUILD=$(B) bench/run

# --- documentation ------------------------------------------------------------
lint-man:
	mandoc -Tlint -Wwarning $(MAN_PAGES)

# --- install ------------------------------------------------------------------
install: $(B)/dossier $(B)/dossier-collect
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(B)/dossier $(B)/dossier-collect $(DESTDIR)$(BINDIR)/
	@for p in $(MAN_PAGES); do \
	  s=$${p##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
	  echo install -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/; \
	  install -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dossier $(DESTDIR)$(BINDIR)/dossier-collect
	@for p in $(MAN_PAGES); do s=$${p##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${p#man/}; done

clean:
	rm -rf build
