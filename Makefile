# kbdiag: a knowledge-base driven troubleshooter for SMTP gateway failures.
#
#   make            build (installs missing Debian packages first: make deps)
#   make run        build, then diagnose the bundled sample log
#   make check      build and run every test
#   make asan       the same tests on an AddressSanitizer + UBSan build
#   make fuzz       coverage-guided fuzzing with libFuzzer (clang), FUZZ_SECONDS each
#   make bench      the log-ingestion benchmark on a BENCH_SIZE log (docs/benchmarks.md)
#   make install    PREFIX=/usr/local DESTDIR=   (and make uninstall)

VERSION		= 0.1.0
PREFIX		?= /usr/local
BINDIR		= $(PREFIX)/bin
DATADIR		= $(PREFIX)/share/kbdiag
MANDIR		= $(PREFIX)/share/man
DOCDIR		= $(PREFIX)/share/doc/kbdiag

BUILD		?= build
CC		?= cc
WERROR		?= -Werror
OPT		?= -O2 -g
SAN		?=
PKGS		= libxml-2.0 libpcre2-8 jansson zlib libcares nettle
TEST_PKGS	= check jansson libxml-2.0

# Debian packages the build and the tests need; `make deps` installs those missing.
DEB_PACKAGES	= gcc make pkg-config libxml2-dev libpcre2-dev libjansson-dev zlib1g-dev \
		  check libsubunit-dev groff-base postfix libc-ares-dev dnsmasq iproute2 jq \
		  nettle-dev
# Debconf answers given before apt-get: Postfix installs without a
# configuration (the tests run private instances: tests/peer/postfix.sh).
DEB_PRESEED	= postfix postfix/main_mailer_type select No configuration
# Only for `make fuzz`.
DEB_FUZZ	= clang libclang-rt-14-dev

WARN		= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		  -Wpointer-arith -Wformat=2 -Wno-format-nonliteral $(WERROR)
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS	:= $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS	:= $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
ALL_CFLAGS	= -std=c11 -D_DEFAULT_SOURCE -pthread $(OPT) $(SAN) $(WARN) -MMD -MP \
		  -I$(BUILD) -Iengine $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS	= $(SAN) -pthread $(LDFLAGS)

LIB_SRC		= $(filter-out engine/main.c, $(wildcard engine/*.c))
LIB_OBJ		= $(LIB_SRC:engine/%.c=$(BUILD)/obj/%.o)
LIB		= $(BUILD)/libkbdiag.a
KBDIAG		= $(BUILD)/kbdiag
KB_LINK		= $(if $(filter ./,$(dir $(BUILD))),,$(dir $(BUILD))kb)
# smtpgw (gateway/): its modules as a library, for the check binary too.
GW_SRC		= $(filter-out gateway/smtpgw.c, $(wildcard gateway/*.c))
GW_OBJ		= $(GW_SRC:gateway/%.c=$(BUILD)/obj/gw/%.o)
GWLIB		= $(BUILD)/libsmtpgw.a
SMTPGW		= $(BUILD)/smtpgw
UNIT_SRC	= $(wildcard tests/unit/*.c)
UNIT_OBJ	= $(UNIT_SRC:tests/unit/%.c=$(BUILD)/obj/tests/%.o)
UNIT		= $(BUILD)/check_kbdiag
FUZZ_TARGETS	= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY	= $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
FUZZ_SECONDS	?= 60
# The scriptable SMTP fault peer of the integration tests (tests/peer/README.md).
FAULTPEER	= $(BUILD)/faultpeer

# Benchmarks (see `make bench` below). The Debian packages of the peers and
# of /usr/bin/time; the size of the generated log; the bench tools.
DEB_BENCH	= ripgrep pcre2-utils time msmtp swaks libxml2-utils
BENCH_SIZE	?= 1G
GENLOG		= $(BUILD)/genlog
NAIVE		= $(BUILD)/naive
STARTUP		= $(BUILD)/startup
QUERYBENCH	= $(BUILD)/querybench
PROBEBENCH	= $(BUILD)/probebench
PCRE_CFLAGS	:= $(shell pkg-config --cflags libpcre2-8 2>/dev/null)
PCRE_LIBS	:= $(shell pkg-config --libs libpcre2-8 2>/dev/null)

.PHONY: run-sample all build deps deps-fuzz run check check-run asan fuzz fuzz-run fuzz-build install bench-query bench-gw \
	uninstall clean FORCE bench bench-tools deps-bench bench-probe

all: deps
	@$(MAKE) --no-print-directory build

build: $(KBDIAG) $(SMTPGW)

# Installs only what is missing; does nothing when all is there.
deps:
	@$(call install_missing,$(DEB_PACKAGES))

deps-fuzz: deps
	@$(call install_missing,$(DEB_FUZZ))

define install_missing
	if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "make deps: not a Debian system; install yourself: $(1)" >&2; exit 0; \
	fi; \
	missing=""; \
	for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q ' installed$$' || \
			missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "make deps: missing Debian packages:$$missing" >&2; \
			echo "make deps: run 'make deps' as root (or with sudo) to install them" >&2; \
			exit 1; \
		fi; \
		echo "make deps: installing$$missing"; \
		echo '$(DEB_PRESEED)' | debconf-set-selections && \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$$missing >/dev/null || exit 1; \
	fi
endef

# The whole story on loopback: smtpgw, a smart host that drops the connection,
# the gateway's error, its diagnosis with live probes, the report, the resend.
run: deps
	@$(MAKE) --no-print-directory build $(FAULTPEER)
	BUILD=$(BUILD) sh tests/demo/story.sh

# The bundled sample log of the original gateway, diagnosed.
run-sample: deps
	@$(MAKE) --no-print-directory build
	$(KBDIAG) diagnose kb/samples/smtpgate.log

check: deps
	@$(MAKE) --no-print-directory check-run

check-run: $(KBDIAG) $(SMTPGW) $(UNIT) $(FUZZ_REPLAY) $(GENLOG) $(FAULTPEER)
	@echo "== rule base: kbdiag kb lint, kbdiag kb test"
	$(KBDIAG) --kb kb kb lint
	$(KBDIAG) --kb kb kb test
	@echo "== fuzz targets: replaying their corpora"
	@for t in $(FUZZ_TARGETS); do \
		$(BUILD)/fuzz/replay_$$t tests/fuzz/corpus/$$t/* || exit 1; \
	done
	@echo "== unit, case, CLI and documentation tests (check)"
	CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-1} $(UNIT)
	@if [ -z "$(SAN)" ]; then echo "== install test"; sh tests/install.sh; fi
	@echo "== scenarios: live peers on loopback and in network namespaces (tests/scenario/run.sh)"
	BUILD=$(BUILD) sh tests/scenario/run.sh
	@echo "== detect, resolve, verify: fix --apply and kbdiag verify against a peer that waits for PUSH (tests/scenario/verify.sh)"
	BUILD=$(BUILD) sh tests/scenario/verify.sh
	@echo "== kbdiag fix --apply killed with SIGKILL at any moment (tests/scenario/fix-kill9.sh)"
	BUILD=$(BUILD) sh tests/scenario/fix-kill9.sh 40
	@echo "== smtpgw reliability: each smart-host fault, then Postfix (tests/scenario/gw-reliability.sh)"
	BUILD=$(BUILD) bash tests/scenario/gw-reliability.sh
	@echo "== smtpgw kill -9 while relaying 150 messages to Postfix (tests/integration/gw-kill9.sh)"
	BUILD=$(BUILD) KILL9_MAX_MS=100 KILL9_DEADLINE=60 bash tests/integration/gw-kill9.sh 150 || [ $$? = 77 ]

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		ASAN_OPTIONS=detect_leaks=1 CK_TIMEOUT_MULTIPLIER=4 check-run

# ---------------------------------------------------------------------------

$(BUILD)/config.h: FORCE
	@mkdir -p $(@D)
	@printf '#define KBDIAG_VERSION "%s"\n#define KBDIAG_DATADIR "%s"\n' \
		'$(VERSION)' '$(DATADIR)' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@
	@rm -f $@.tmp

$(BUILD)/obj/%.o: engine/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/main.o $(BUILD)/obj/kb.o: $(BUILD)/config.h

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(KBDIAG): $(BUILD)/obj/main.o $(LIB) | $(KB_LINK)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter-out $(KB_LINK),$^) $(PKG_LIBS) -lm

$(BUILD)/obj/gw/%.o: gateway/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Igateway -c -o $@ $<

$(BUILD)/obj/gw/smtpgw.o: $(BUILD)/config.h

$(GWLIB): $(GW_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SMTPGW): $(BUILD)/obj/gw/smtpgw.o $(GWLIB) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# kbdiag finds the rule base at ../kb beside itself (docs/kbdiag.1, FILES):
# for build/kbdiag that is the source tree's kb/; a build in a deeper
# directory (build/asan/) gets a link there so that it finds it the same way.
ifneq ($(KB_LINK),)
$(KB_LINK):
	@mkdir -p $(@D)
	ln -sfn $(CURDIR)/kb $@
endif

# The runner's list of suites, from every `Suite *NAME_suite(void)` definition.
$(BUILD)/suites.h: $(UNIT_SRC)
	@mkdir -p $(@D)
	@sed -n 's/^\([a-z0-9_]*\)_suite(void)$$/SUITE(\1)/p' $(UNIT_SRC) > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@
	@rm -f $@.tmp

$(BUILD)/obj/tests/check_main.o: $(BUILD)/suites.h

$(BUILD)/obj/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Igateway -Wno-missing-prototypes $(TEST_CFLAGS) -DTEST_SRCDIR='"$(CURDIR)"' \
		-DTEST_BUILDDIR='"$(abspath $(BUILD))"' -c -o $@ $<

$(UNIT): $(UNIT_OBJ) $(GWLIB) $(LIB) | $(FAULTPEER)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TEST_LIBS) $(PKG_LIBS) -lm

# A standalone program (libc only): the tests run it as build/faultpeer.
$(FAULTPEER): tests/peer/faultpeer.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

# Fuzz targets, replayed over their corpora by a plain driver (any compiler).
$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(wildcard tests/fuzz/*.h) \
		$(GWLIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Igateway -DTEST_SRCDIR='"$(CURDIR)"' -o $@ $< tests/fuzz/replay.c \
		$(GWLIB) $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -lm

# Coverage-guided fuzzing: clang's libFuzzer with ASan and UBSan, every
# finding fatal (-fno-sanitize-recover: UBSan aborts, so libFuzzer stops with
# the input in build/fuzz/ and make fails). One target, or a few, with
# `make fuzz FUZZ_TARGETS="pattern log"`; tests/fuzz/TARGET.dict (or the
# dictionary of its prefix: kb.dict for kb_causes) is its dictionary. Each run's log (the last line: executions, time)
# is kept in build/fuzz/log/TARGET.log for docs/security.md's table.
FUZZ_SAN	= -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT="-O1 -g" WERROR= \
		SAN="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" fuzz-run

FUZZ_BINS	= $(FUZZ_TARGETS:%=$(BUILD)/bin/fuzz_%)

$(BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(GWLIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Igateway -fsanitize=fuzzer $(FUZZ_SAN) \
		-DTEST_SRCDIR='"$(CURDIR)"' -o $@ $< $(GWLIB) $(LIB) $(PKG_LIBS) -lm

fuzz-build: $(FUZZ_BINS)

fuzz-run: $(FUZZ_BINS)
	@mkdir -p $(BUILD)/log
	@for t in $(FUZZ_TARGETS); do \
		echo "== fuzzing $$t for $(FUZZ_SECONDS) s"; \
		mkdir -p $(BUILD)/corpus/$$t; \
		dict=; for d in tests/fuzz/$$t.dict tests/fuzz/$${t%%_*}.dict; do \
			[ -f $$d ] && { dict=-dict=$$d; break; }; done; \
		$(BUILD)/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-print_final_stats=1 $$dict -artifact_prefix=$(BUILD)/ \
			$(BUILD)/corpus/$$t tests/fuzz/corpus/$$t > $(BUILD)/log/$$t.log 2>&1; \
		rc=$$?; tail -n 12 $(BUILD)/log/$$t.log; \
		[ $$rc = 0 ] || { echo "fuzz_$$t: a finding (rc $$rc): $(BUILD)/log/$$t.log"; exit 1; }; \
	done

# ---------------------------------------------------------------------------
# Benchmarks (tests/bench/). `make bench` runs the log-ingestion benchmark:
# kbdiag side by side with grep, pcre2grep, ripgrep and a naive PCRE2 loop on
# a generated log of BENCH_SIZE bytes, written up in docs/benchmarks.md. The
# peers are optional (a missing one is skipped); `make deps-bench` installs
# them. build/genlog, the log generator, is also used by `make check`.

deps-bench: deps
	@$(call install_missing,$(DEB_BENCH))

bench: deps
	bash tests/bench/run.sh $(BENCH_SIZE)

bench-tools: $(KBDIAG) $(GENLOG) $(NAIVE) $(STARTUP) $(QUERYBENCH)

$(GENLOG): tests/bench/genlog.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

$(NAIVE): tests/bench/naive.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PCRE_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PCRE_LIBS)

$(STARTUP): tests/bench/startup.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

$(QUERYBENCH): tests/bench/querybench.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -lm

$(PROBEBENCH): tests/bench/probebench.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -lm

# The probe round benchmark (about 15 s): writes its section of docs/benchmarks.md.
bench-probe: deps
	@$(MAKE) --no-print-directory $(PROBEBENCH)
	bash tests/bench/probe.sh

# The smtpgw relay benchmark against a private Postfix, msmtp and swaks (needs root
# and Postfix: tests/peer/postfix.sh): writes its section of docs/benchmarks.md.
bench-gw: deps
	@$(MAKE) --no-print-directory build
	bash tests/bench/gw.sh

# The query benchmark alone (quick): writes its section of docs/benchmarks.md.
bench-query: deps-bench
	@$(MAKE) --no-print-directory $(QUERYBENCH)
	bash tests/bench/query.sh

# ---------------------------------------------------------------------------

install: deps
	@$(MAKE) --no-print-directory build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR)
	install -m 755 $(KBDIAG) $(DESTDIR)$(BINDIR)/kbdiag
	install -m 755 $(SMTPGW) $(DESTDIR)$(BINDIR)/smtpgw
	install -m 644 docs/kbdiag.1 $(DESTDIR)$(MANDIR)/man1/kbdiag.1
	install -m 644 docs/smtpgw.1 $(DESTDIR)$(MANDIR)/man1/smtpgw.1
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	rm -rf $(DESTDIR)$(DATADIR)/kb
	for d in schema articles tables samples; do \
		install -d $(DESTDIR)$(DATADIR)/kb/$$d || exit 1; \
	done
	install -m 644 kb/causes.xml kb/steps.xml kb/evidence.xml kb/overlaps.xml kb/fixes.xml \
		$(DESTDIR)$(DATADIR)/kb/
	install -m 644 kb/schema/*.rng $(DESTDIR)$(DATADIR)/kb/schema/
	install -m 644 kb/articles/*.xml $(DESTDIR)$(DATADIR)/kb/articles/
	install -m 644 kb/tables/*.xml $(DESTDIR)$(DATADIR)/kb/tables/
	install -m 644 kb/samples/* $(DESTDIR)$(DATADIR)/kb/samples/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kbdiag $(DESTDIR)$(MANDIR)/man1/kbdiag.1
	rm -f $(DESTDIR)$(BINDIR)/smtpgw $(DESTDIR)$(MANDIR)/man1/smtpgw.1
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build

FORCE:

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/tests/*.d $(BUILD)/obj/gw/*.d $(BUILD)/*.d \
	$(BUILD)/fuzz/*.d $(BUILD)/bin/*.d)
