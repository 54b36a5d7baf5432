# kbdiag: a knowledge-base driven troubleshooter for SMTP gateway failures.
#
#   make            build (installs the missing build libraries first: make deps-build)
#   make run        build, then the whole story on loopback
#   make check      build and run every test (installs what the tests need: make deps-test)
#   make asan       the same tests on an AddressSanitizer + UBSan build
#   make fuzz       coverage-guided fuzzing with libFuzzer (clang), FUZZ_SECONDS each
#                   (make fuzz-seeds: fuzz_kbcache's seeds in the cache's format)
#   make layers     the layering check: no upward include, no cycle (V=1: the graph)
#   make bench      the log-ingestion benchmark on a BENCH_SIZE log (docs/benchmarks.md)
#   make bench-scan the two-thread scan against the plain loop, grep -E and rg
#   make bench-journal  the journal's and docker's forms against syslog
#   make bench-prefilter  the candidate scan alone (pfbench), and whole kbdiag
#   make install    PREFIX=/usr/local DESTDIR=   (and make uninstall)
#   make deps       says which Debian packages each target needs, installs none
#
# Warnings are errors for developers and CI (`make DEV=1`, or WERROR=-Werror),
# not for users, whose newer compiler may warn about something new.

VERSION		= 0.1.0
PREFIX		?= /usr/local
BINDIR		= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	= $(PREFIX)/include
DATADIR		= $(PREFIX)/share/kbdiag
MANDIR		= $(PREFIX)/share/man
DOCDIR		= $(PREFIX)/share/doc/kbdiag

BUILD		?= build
CC		?= cc
DEV		?=
WERROR		?= $(if $(filter 1,$(DEV)),-Werror,)
OPT		?= -O2 -g
SAN		?=
PKGS		= libxml-2.0 libpcre2-8 jansson zlib libcares nettle
TEST_PKGS	= check jansson libxml-2.0

# Debian packages, by purpose. `make` installs only DEB_BUILD (libraries and
# tools, no daemon); `make check` also DEB_TEST, the tests' peers among them:
# their daemons are neither started by the install nor left enabled (the
# tests start private instances: tests/peer/postfix.sh, tests/scenario/).
DEB_BUILD	= gcc make pkg-config libxml2-dev libpcre2-dev libjansson-dev zlib1g-dev \
		  libc-ares-dev nettle-dev wamerican
DEB_TEST	= check libsubunit-dev groff-base postfix dnsmasq iproute2 jq pcre2-utils perl
# Installed by `make check` when it can be; the browser test skips without them.
DEB_TEST_OPTIONAL = chromium poppler-utils
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
		  -I$(BUILD) -Iengine $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS	= $(SAN) -pthread $(LDFLAGS)

# The support layer (engine/util/: buffers, errors, memory, text, file I/O,
# clock, durations, peers) under everything else (docs/architecture.md).
UTIL_SRC	= $(wildcard engine/util/*.c)
# The SMTP layer on it (engine/smtp/), shared by the probes and smtpgw's relay.
SMTP_SRC	= $(wildcard engine/smtp/*.c)
LIB_SRC		= $(wildcard engine/*.c) $(UTIL_SRC) $(SMTP_SRC)
LIB_CORE_OBJ	= $(patsubst engine/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
# The table of the documents this build has validated (engine/kbvalid.h),
# written by engine/tools/kbvalid_gen.c from the rule base in kb/.
LIB_OBJ		= $(LIB_CORE_OBJ) $(BUILD)/obj/kbvalid.o
KBVALID_GEN	= $(BUILD)/kbvalid_gen
KB_DOCS		= $(wildcard kb/schema/kb.rng kb/*.xml kb/tables/*.xml kb/articles/*.xml)
# kbdiag's command line (engine/cli/: options, the command table, a file per
# command), over libkbdiag. It prints, so it is not in the library; smtpgw
# links only its usage errors (USAGE_OBJ), worded one way for both.
CLI_SRC		= $(wildcard engine/cli/*.c)
CLI_OBJ		= $(CLI_SRC:engine/cli/%.c=$(BUILD)/obj/cli/%.o)
USAGE_OBJ	= $(BUILD)/obj/cli/usage.o
LIB		= $(BUILD)/libkbdiag.a
# libkbdiag as installed (docs/api.md): kbdiag.h, a shared library whose
# soname carries the API's major version (KBDIAG_API_MAJOR), a static one,
# and a pkg-config file. Both export only the kbdiag_* calls of kbdiag.h: the
# shared one through a version script, the static one by one relocatable
# object whose other symbols are made local (so they clash with nothing in
# the program that links it). LIB, with every symbol, is for our programs.
API_HEADER	= engine/kbdiag.h
SOVERSION	= 1
SHLIB_SONAME	= libkbdiag.so.$(SOVERSION)
SHLIB_FILE	= $(SHLIB_SONAME).0.0
SHLIB		= $(BUILD)/$(SHLIB_FILE)
PUBLIB		= $(BUILD)/public/libkbdiag.a
PCFILE		= $(BUILD)/kbdiag.pc
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
# Many SMTP clients at once, for smtpgw's soak test (tests/integration/gw-soak.sh).
GWLOAD		= $(BUILD)/gwload

# Benchmarks (see `make bench` below). The Debian packages of the peers and
# of /usr/bin/time; the size of the generated log; the bench tools.
DEB_BENCH	= ripgrep pcre2-utils time msmtp swaks libxml2-utils libvectorscan-dev \
		  libdeflate-dev
BENCH_SIZE	?= 1G
GENLOG		= $(BUILD)/genlog
NAIVE		= $(BUILD)/naive
STARTUP		= $(BUILD)/startup
QUERYBENCH	= $(BUILD)/querybench
QUERYEVAL	= $(BUILD)/queryeval
SPAWN		= $(BUILD)/spawn
# The Vectorscan peer (tests/bench/hsscan.c), built when libvectorscan-dev is there.
HSSCAN		= $(if $(shell pkg-config --exists libhs 2>/dev/null && echo y),$(BUILD)/hsscan,)
# zlib against libdeflate on a gzip log (tests/bench/gzbench.c), with libdeflate-dev.
GZBENCH		= $(if $(shell pkg-config --exists libdeflate 2>/dev/null && echo y),$(BUILD)/gzbench,)
PROBEBENCH	= $(BUILD)/probebench
PFBENCH		= $(BUILD)/pfbench
PCRE_CFLAGS	:= $(shell pkg-config --cflags libpcre2-8 2>/dev/null)
PCRE_LIBS	:= $(shell pkg-config --libs libpcre2-8 2>/dev/null)

.PHONY: run-sample all build deps deps-build deps-test deps-fuzz run check check-run asan fuzz \
	fuzz-run fuzz-build fuzz-seeds install install-files bench-query bench-gw uninstall clean FORCE bench bench-tools \
	deps-bench bench-probe bench-scan bench-journal bench-prefilter deb deb-test layers

# build/queryeval too: the query's evaluation tool (make bench-query, --fit)
# links the library statically, and one left from an earlier build measures
# that build's scorer, not this one's (check_queryeval compares the two)
all: deps-build
	@$(MAKE) --no-print-directory build $(QUERYEVAL)

build: $(KBDIAG) $(SMTPGW) $(SHLIB) $(PUBLIB) $(PCFILE)

# ---------------------------------------------------------------------------
# Debian packages. Each deps-* target installs only what is missing of its
# set (as root; otherwise it names what is missing and stops) and does
# nothing when all is there. `make deps` says what each set is for and
# what is missing, and installs nothing.

deps:
	@echo "make deps-build (run by make, make install): $(DEB_BUILD)"
	@echo "make deps-test (run by make check, make asan): $(DEB_TEST)," \
		"and if it can be installed $(DEB_TEST_OPTIONAL)"
	@echo "  (daemons among them are not started, and not left enabled)"
	@echo "make deps-fuzz: $(DEB_FUZZ); make deps-bench: $(DEB_BENCH)"
	@echo "make deb: $(DEB_DEB)"
	@missing=""; for p in $(DEB_BUILD) $(DEB_TEST) $(DEB_TEST_OPTIONAL); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q ' installed$$' || \
			missing="$$missing $$p"; \
	done; echo "missing now:$${missing:- nothing}"

deps-build:
	@$(call install_missing,$(DEB_BUILD))

deps-test: deps-build
	@$(call install_missing,$(DEB_TEST))
	@$(call install_missing,$(DEB_TEST_OPTIONAL),optional)

deps-fuzz: deps-build
	@$(call install_missing,$(DEB_FUZZ))

# $(1): the packages; $(2): "optional" when a failure to install them is only
# said (the tests that need them skip). Daemons that the install brings are
# kept from starting (a policy-rc.d that refuses, for the time of the
# install) and then disabled (update-rc.d, systemctl), so that nothing the
# tests need is left serving on the machine.
define install_missing
	if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "make: not a Debian system; install yourself: $(1)" >&2; exit 0; \
	fi; \
	missing=""; \
	for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q ' installed$$' || \
			missing="$$missing $$p"; \
	done; \
	[ -n "$$missing" ] || exit 0; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "make: missing Debian packages:$$missing" >&2; \
		echo "make: install them as root (apt-get install$$missing), or run this" \
			"make as root" >&2; \
		[ "$(2)" = optional ] && exit 0; exit 1; \
	fi; \
	echo "make: installing$$missing"; \
	policy=/usr/sbin/policy-rc.d; saved=""; \
	if [ -e $$policy ]; then saved=$$policy.kbdiag.$$$$; mv $$policy $$saved; fi; \
	trap 'rm -f $$policy; [ -z "$$saved" ] || mv $$saved $$policy' EXIT; \
	printf '#!/bin/sh\n# make deps: no daemon starts while packages install\nexit 101\n' \
		> $$policy && chmod 755 $$policy; \
	before=$$(ls /etc/init.d 2>/dev/null); \
	units=$$(systemctl list-unit-files --state=enabled --no-legend 2>/dev/null); \
	echo '$(DEB_PRESEED)' | debconf-set-selections; \
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install \
		-y -qq --no-install-recommends $$missing >/dev/null; }; then \
		if [ "$(2)" = optional ]; then \
			echo "make: could not install$$missing; the tests that need it skip" >&2; \
			exit 0; \
		fi; \
		exit 1; \
	fi; \
	for s in $$(ls /etc/init.d 2>/dev/null); do \
		case " $$(echo $$before) " in *" $$s "*) continue ;; esac; \
		echo "make: $$s: installed for the tests, disabled (they start their own)"; \
		update-rc.d $$s disable >/dev/null 2>&1 || true; \
	done; \
	if [ -d /run/systemd/system ]; then \
		for u in $$(systemctl list-unit-files --state=enabled --no-legend \
			2>/dev/null | awk '{print $$1}'); do \
			case "$$units" in *"$$u "*) continue ;; esac; \
			systemctl disable --quiet $$u || true; \
		done; \
	fi
endef

# The whole story on loopback: smtpgw, a smart host that drops the connection,
# the gateway's error, its diagnosis with live probes, the report, the resend.
run: deps-build
	@$(MAKE) --no-print-directory build $(FAULTPEER)
	BUILD=$(BUILD) sh tests/demo/story.sh

# The bundled sample log of the original gateway, diagnosed.
run-sample: deps-build
	@$(MAKE) --no-print-directory build
	$(KBDIAG) diagnose kb/samples/smtpgate.log

check: deps-test
	@$(MAKE) --no-print-directory check-run

# make check leaves the user's home alone: the tests run with a HOME of their
# own (CHECK_HOME, made empty first) and no XDG_CACHE_HOME, and each test
# keeps the rule base cache of the kbdiag it runs in a temporary directory of
# its own (KBDIAG_CACHE: tests/unit/testutil.h, the scripts' work
# directories). The last check: no test fell back to the cache under HOME.
CHECK_HOME	= $(abspath $(BUILD))/check-home
check-run: export HOME = $(CHECK_HOME)
check-run: export XDG_CACHE_HOME =

check-run: $(KBDIAG) $(SMTPGW) $(UNIT) $(FUZZ_REPLAY) $(GENLOG) $(FAULTPEER) $(GWLOAD) \
    $(QUERYEVAL)
	@rm -rf $(CHECK_HOME) && mkdir -p $(CHECK_HOME)
	@echo "== layers: no upward include, no cycle of includes or of calls (make layers)"
	@$(MAKE) --no-print-directory layers
	@echo "== makes at once in one build directory (tests/make-parallel.sh)"
	sh tests/make-parallel.sh
	@echo "== rule base: kbdiag kb lint, kbdiag kb test"
	KBDIAG_CACHE=$(CHECK_HOME)/kb-test-cache $(KBDIAG) --kb kb kb lint
	KBDIAG_CACHE=$(CHECK_HOME)/kb-test-cache $(KBDIAG) --kb kb kb test
	@echo "== fuzz targets: replaying their corpora"
	@for t in $(FUZZ_TARGETS); do \
		$(BUILD)/fuzz/replay_$$t tests/fuzz/corpus/$$t/* || exit 1; \
	done
	@echo "== unit, case, CLI and documentation tests (check)"
	CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-1} $(UNIT)
	@echo "== the two-thread scan against the plain loop: same output, PCRE2 matches only (tests/integration/scan-equal.sh)"
	BUILD=$(BUILD) bash tests/integration/scan-equal.sh
	@echo "== the case files again with the scan's worker reading every message (KBDIAG_SCAN_PRE=all): its records carry all of an MTA line's reading"
	KBDIAG_SCAN_PRE=all CK_RUN_SUITE=cases CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-1} $(UNIT)
	@echo "== the journal's and docker's forms of the real corpus: the same diagnosis as its syslog (tests/integration/formats-equal.sh)"
	BUILD=$(BUILD) bash tests/integration/formats-equal.sh
	@echo "== real mail logs: the frozen test part (tests/realeval/run.sh --check)"
	bash tests/realeval/run.sh --check test $(KBDIAG)
	@echo "== real mail logs: the development samples' expected reading (tests/realeval/dev.sh)"
	bash tests/realeval/dev.sh --check $(KBDIAG)
	@echo "== real mail logs: every delivery-failure line matched or listed (tests/realeval/failures.sh)"
	bash tests/realeval/failures.sh --check $(KBDIAG) || [ $$? = 77 ]
	@echo "== real mail logs held out: a report, no floor (tests/realeval/heldout.sh)"
	bash tests/realeval/heldout.sh $(KBDIAG)
	@if [ -z "$(SAN)" ]; then echo "== install test"; sh tests/install.sh; fi
	@echo "== the HTML reports in a real browser (tests/browser/reports.sh)"
	BUILD=$(BUILD) bash tests/browser/reports.sh
	@echo "== scenarios: live peers on loopback and in network namespaces (tests/scenario/run.sh)"
	BUILD=$(BUILD) sh tests/scenario/run.sh
	@echo "== detect, resolve, verify: fix --apply and kbdiag verify against a peer that waits for PUSH (tests/scenario/verify.sh)"
	BUILD=$(BUILD) sh tests/scenario/verify.sh
	@echo "== kbdiag fix --apply killed with SIGKILL at any moment (tests/scenario/fix-kill9.sh)"
	BUILD=$(BUILD) sh tests/scenario/fix-kill9.sh 40
	@echo "== the saved diagnosis under kill -9 and a full disk: verify's write-back, diagnose -o (tests/scenario/save-kill9-full.sh)"
	BUILD=$(BUILD) sh tests/scenario/save-kill9-full.sh 8
	@echo "== smtpgw reliability: each smart-host fault, then Postfix (tests/scenario/gw-reliability.sh)"
	BUILD=$(BUILD) bash tests/scenario/gw-reliability.sh
	@echo "== smtpgw parallel sessions: 900 messages to Postfix, each exactly once (tests/integration/gw-parallel.sh)"
	BUILD=$(BUILD) bash tests/integration/gw-parallel.sh 300 || [ $$? = 77 ]
	@echo "== smtpgw kill -9 while relaying 150 messages to Postfix over 4 sessions (tests/integration/gw-kill9.sh)"
	BUILD=$(BUILD) KILL9_MAX_MS=100 KILL9_DEADLINE=60 bash tests/integration/gw-kill9.sh 150 || [ $$? = 77 ]
	@echo "== smtpgw soak: 500 messages from 20 clients, run, flush and kill -9 (tests/integration/gw-soak.sh)"
	BUILD=$(BUILD) SOAK_KILL_MS="100 500" SOAK_PAUSE_MS=150 SOAK_DEADLINE=120 bash tests/integration/gw-soak.sh 500 20 || [ $$? = 77 ]
	@echo "== \$$HOME's rule base cache: no test used it"
	@if [ -e $(CHECK_HOME)/.cache/kbdiag ]; then \
		echo "make check: FAIL: a test wrote the rule base cache under \$$HOME" \
			"(here $(CHECK_HOME)/.cache/kbdiag), not in a directory of its own:" >&2; \
		ls -l $(CHECK_HOME)/.cache/kbdiag >&2; exit 1; \
	fi
	@rm -rf $(CHECK_HOME)

# The layering check (docs/architecture.md, "Layers"): every include in
# engine/ and gateway/ goes down the layers util <- smtp <- libkbdiag <- cli,
# gateway, and no layer's modules include one another in a cycle; and the
# library's objects call one another without a cycle (tests/objcycles.sh, nm).
# tests/layers-test.sh is the checks' own test. V=1 prints the layer graph.
# make check (and make asan) run it first.
layers: $(LIB_CORE_OBJ)
	@sh tests/layers-test.sh
	@sh tests/layers.sh $(if $(filter 1,$(V)),-v)
	@sh tests/objcycles.sh $(LIB_CORE_OBJ)

asan: deps-test
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		ASAN_OPTIONS=detect_leaks=1 CK_TIMEOUT_MULTIPLIER=4 check-run

# ---------------------------------------------------------------------------

# The sources that make a loaded rule base: their digest is part of the key of
# the rule base cache (engine/kbcache.h), so a build that reads the XML
# differently never reads an older build's cache.
KB_CODE_SRC	= engine/kb.c engine/kb.h engine/kbpriv.h engine/kbcache.c engine/kbcache.h \
		  engine/query.c engine/query.h \
		  engine/kbschema.c engine/util/arena.c
$(BUILD)/config.h: FORCE
	@mkdir -p $(@D)
	@t=$@.tmp.$$$$; printf '#define KBDIAG_VERSION "%s"\n#define KBDIAG_DATADIR "%s"\n#define KBDIAG_KB_CODE "%s"\n' \
		'$(VERSION)' '$(DATADIR)' \
		"$$(cat $(KB_CODE_SRC) | sha256sum | cut -c1-16)" > $$t && \
		{ cmp -s $$t $@ || mv $$t $@; }; rm -f $$t

# The compiler flags of the last build: objects are made again when they change.
# Each make writes its own temporary file (.$$: its shell's pid), so that makes
# run at once in one BUILD (make fuzz in parallel) do not take each other's.
$(BUILD)/cflags: FORCE
	@mkdir -p $(@D)
	@t=$@.tmp.$$$$; echo '$(CC) $(ALL_CFLAGS)' > $$t && { cmp -s $$t $@ || mv $$t $@; }; \
		rm -f $$t

# -fPIC: the same objects make the static and the shared library.
$(BUILD)/obj/%.o: engine/%.c $(BUILD)/cflags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -fno-semantic-interposition -c -o $@ $<

$(BUILD)/obj/cli/options.o $(BUILD)/obj/kb.o $(BUILD)/obj/kbdiag.o $(BUILD)/obj/kbcache.o: \
		$(BUILD)/config.h

# kbvalid.h: the generator loads kb/ with every document validated and
# writes the digests of those that passed; it links an empty table itself.
$(BUILD)/obj/tools/%.o: engine/tools/%.c $(BUILD)/cflags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

$(KBVALID_GEN): $(BUILD)/obj/tools/kbvalid_gen.o $(BUILD)/obj/tools/kbvalid_none.o \
		$(LIB_CORE_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/kbvalid.c: $(KBVALID_GEN) $(KB_DOCS)
	t=$@.tmp.$$$$; $(KBVALID_GEN) kb > $$t && mv $$t $@ || { rm -f $$t; exit 1; }

$(BUILD)/obj/kbvalid.o: $(BUILD)/kbvalid.c $(BUILD)/cflags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -fno-semantic-interposition -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SHLIB): $(LIB_OBJ) engine/libkbdiag.map
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(SHLIB_SONAME) \
		-Wl,--version-script=engine/libkbdiag.map -Wl,--no-undefined -Wl,-z,relro \
		-Wl,-z,now -o $@ $(LIB_OBJ) $(PKG_LIBS) -lm
	ln -sfn $(SHLIB_FILE) $(BUILD)/$(SHLIB_SONAME)
	ln -sfn $(SHLIB_SONAME) $(BUILD)/libkbdiag.so

$(PUBLIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@ $(@D)/kbdiag.o
	$(LD) -r -o $(@D)/kbdiag.o $(LIB_OBJ)
	objcopy -w --keep-global-symbol='kbdiag_*' $(@D)/kbdiag.o
	$(AR) rcs $@ $(@D)/kbdiag.o

$(PCFILE): Makefile
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$(INCLUDEDIR)' 'libdir=$(LIBDIR)' '' \
		'Name: kbdiag' \
		'Description: knowledge-base driven troubleshooter for SMTP gateway failures' \
		'Version: $(VERSION)' \
		'Requires.private: $(PKGS)' \
		'Cflags: -I$${includedir}' \
		'Libs: -L$${libdir} -lkbdiag' \
		'Libs.private: -lm -pthread' > $@

$(BUILD)/obj/cli/%.o: engine/cli/%.c $(BUILD)/cflags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(KBDIAG): $(CLI_OBJ) $(LIB) | $(KB_LINK)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter-out $(KB_LINK),$^) $(PKG_LIBS) -lm

$(BUILD)/obj/gw/%.o: gateway/%.c $(BUILD)/cflags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Igateway -c -o $@ $<

$(BUILD)/obj/gw/smtpgw.o: $(BUILD)/config.h

$(GWLIB): $(GW_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SMTPGW): $(BUILD)/obj/gw/smtpgw.o $(USAGE_OBJ) $(GWLIB) $(LIB)
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
	@t=$@.tmp.$$$$; sed -n 's/^\([a-z0-9_]*\)_suite(void)$$/SUITE(\1)/p' $(UNIT_SRC) > $$t && \
		{ cmp -s $$t $@ || mv $$t $@; }; rm -f $$t

$(BUILD)/obj/tests/check_main.o: $(BUILD)/suites.h

$(BUILD)/obj/tests/%.o: tests/unit/%.c $(BUILD)/cflags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Igateway -Wno-missing-prototypes $(TEST_CFLAGS) -DTEST_SRCDIR='"$(CURDIR)"' \
		-DTEST_BUILDDIR='"$(abspath $(BUILD))"' -c -o $@ $<

$(UNIT): $(UNIT_OBJ) $(GWLIB) $(LIB) | $(FAULTPEER)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TEST_LIBS) $(PKG_LIBS) -lm

# A standalone program (libc only): the tests run it as build/faultpeer.
$(FAULTPEER): tests/peer/faultpeer.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

$(GWLOAD): tests/peer/gwload.c
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
# dictionary of its prefix: kb.dict for kb_causes) is its dictionary. Each
# run (RUN: its start and the make's shell pid) is apart from every other, so
# that two at once, of one target too, never collide: libFuzzer writes what it
# finds to build/fuzz/corpus/TARGET.RUN (and reads build/fuzz/corpus/TARGET and
# tests/fuzz/corpus/TARGET), which goes into build/fuzz/corpus/TARGET at the
# end, file by file (named by content: the same name is the same input);
# its log is build/fuzz/log/TARGET.RUN.log (build/fuzz/log/TARGET.log links
# to the last one), a finding build/fuzz/TARGET.RUN.crash-..., and one line
# per run (target, end, seconds, executions, exit status, commit) is appended
# to build/fuzz/log/runs.tsv (one short write: lines of runs at once do not
# mix), for docs/security.md's table.
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

# fuzz_kbcache's seeds made again from the rule base in the cache's current
# format (tests/fuzz/kbcache_seed.c): after a change of KBCACHE_FORMAT; and
# fuzz_qindex's (the query's index), after a change of QUERY_INDEX_FORMAT,
# and fuzz_kbstamps's (the files' stamps).
# make check's kbcache suite fails until they are.
KBCACHE_SEED	= $(BUILD)/kbcache_seed
$(KBCACHE_SEED): tests/fuzz/kbcache_seed.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -lm

fuzz-seeds: $(KBCACHE_SEED)
	@mkdir -p tests/fuzz/corpus/qindex tests/fuzz/corpus/kbstamps
	$(KBCACHE_SEED) kb tests/fuzz/corpus/kbcache tests/fuzz/corpus/qindex \
		tests/fuzz/corpus/kbstamps

fuzz-run: $(FUZZ_BINS)
	@mkdir -p $(BUILD)/log
	@run=$$(date -u +%Y%m%dT%H%M%S).$$$$; \
	for t in $(FUZZ_TARGETS); do \
		echo "== fuzzing $$t for $(FUZZ_SECONDS) s (run $$run)"; \
		mkdir -p $(BUILD)/corpus/$$t $(BUILD)/corpus/$$t.$$run; \
		dict=; for d in tests/fuzz/$$t.dict tests/fuzz/$${t%%_*}.dict; do \
			[ -f $$d ] && { dict=-dict=$$d; break; }; done; \
		log=$(BUILD)/log/$$t.$$run.log; t0=$$(date +%s); \
		$(BUILD)/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-print_final_stats=1 $$dict -artifact_prefix=$(BUILD)/$$t.$$run. \
			$(BUILD)/corpus/$$t.$$run $(BUILD)/corpus/$$t tests/fuzz/corpus/$$t > $$log 2>&1; \
		rc=$$?; tail -n 12 $$log; \
		for f in $(BUILD)/corpus/$$t.$$run/*; do [ -f "$$f" ] || continue; \
			n=$${f##*/}; [ -e $(BUILD)/corpus/$$t/$$n ] || \
			{ cp "$$f" $(BUILD)/corpus/$$t/.$$n.$$run && \
			  mv -f $(BUILD)/corpus/$$t/.$$n.$$run $(BUILD)/corpus/$$t/$$n; }; done; \
		rm -rf $(BUILD)/corpus/$$t.$$run; \
		ln -sfn $$t.$$run.log $(BUILD)/log/$$t.log.$$run && \
			mv -fT $(BUILD)/log/$$t.log.$$run $(BUILD)/log/$$t.log; \
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' $$t "$$(date -u +%FT%TZ)" \
			$$(( $$(date +%s) - t0 )) \
			"$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log)" \
			$$rc "$$(git rev-parse --short HEAD 2>/dev/null)" >> $(BUILD)/log/runs.tsv; \
		[ $$rc = 0 ] || { echo "fuzz_$$t: a finding (rc $$rc): $$log"; exit 1; }; \
	done

# ---------------------------------------------------------------------------
# Benchmarks (tests/bench/). `make bench` runs the log-ingestion benchmark:
# kbdiag side by side with grep, pcre2grep, ripgrep and a naive PCRE2 loop on
# a generated log of BENCH_SIZE bytes, written up in docs/benchmarks.md. The
# peers are optional (a missing one is skipped); `make deps-bench` installs
# them. build/genlog, the log generator, is also used by `make check`.

deps-bench: deps-test
	@$(call install_missing,$(DEB_BENCH))

bench: deps-test
	bash tests/bench/run.sh $(BENCH_SIZE)

# The scan on two threads against the plain loop, main's build and the peers
# (issue 22): writes its section of docs/benchmarks.md. BENCH_SCAN_SIZE per
# input; BENCH_BEFORE=PATH adds another kbdiag build to the table.
BENCH_SCAN_SIZE	?= 100M
bench-scan: deps-bench
	bash tests/bench/scan.sh $(BENCH_SCAN_SIZE)

# The journal's and docker's forms of the real corpus against its syslog
# (tests/bench/journal.sh; docs/benchmarks-journal.md).
bench-journal: build
	bash tests/bench/journal.sh

# The candidate scan alone and whole kbdiag beside grep -E and rg (issue 22);
# SCAN_BASE=path/to/an/older/kbdiag adds that build, whose output must match.
bench-prefilter: deps-test
	@$(MAKE) --no-print-directory $(PFBENCH)
	bash tests/bench/prefilter.sh $(SCAN_BASE)

bench-tools: $(KBDIAG) $(GENLOG) $(NAIVE) $(STARTUP) $(QUERYBENCH) $(QUERYEVAL) $(SPAWN) \
		$(HSSCAN) $(GZBENCH) $(PFBENCH)

$(GENLOG): tests/bench/genlog.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

$(NAIVE): tests/bench/naive.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PCRE_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PCRE_LIBS)

$(STARTUP): tests/bench/startup.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

# The candidate scan alone, and Vectorscan's literal mode beside it when there.
$(PFBENCH): tests/bench/pfbench.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(if $(HSSCAN),-DHAVE_HS $$(pkg-config --cflags libhs)) -o $@ $< $(LIB) \
		$(ALL_LDFLAGS) $(PKG_LIBS) $(if $(HSSCAN),$$(pkg-config --libs libhs))

$(BUILD)/hsscan: tests/bench/hsscan.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $$(pkg-config --cflags libhs) $(PCRE_CFLAGS) -o $@ $< $(ALL_LDFLAGS) \
		$$(pkg-config --libs libhs) $(PCRE_LIBS)

$(BUILD)/gzbench: tests/bench/gzbench.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $$(pkg-config --cflags libdeflate zlib) -o $@ $< $(ALL_LDFLAGS) \
		$$(pkg-config --libs libdeflate zlib)

$(SPAWN): tests/bench/spawn.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

$(QUERYBENCH): tests/bench/querybench.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -lm

$(QUERYEVAL): tests/bench/queryeval.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -lm

$(PROBEBENCH): tests/bench/probebench.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -lm

# The probe round benchmark (about 15 s): writes its section of docs/benchmarks.md.
bench-probe: deps-build
	@$(MAKE) --no-print-directory $(PROBEBENCH)
	bash tests/bench/probe.sh

# The smtpgw relay benchmark against a private Postfix, msmtp and swaks (needs root
# and Postfix: tests/peer/postfix.sh): writes its section of docs/benchmarks.md.
bench-gw: deps-test
	@$(MAKE) --no-print-directory build
	bash tests/bench/gw.sh

# The query benchmark alone (quick): writes its section of docs/benchmarks.md.
bench-query: deps-bench
	@$(MAKE) --no-print-directory $(QUERYBENCH) $(QUERYEVAL) $(SPAWN)
	bash tests/bench/query.sh
	bash tests/bench/start.sh

# ---------------------------------------------------------------------------
# Debian packages: kbdiag, kbdiag-data, libkbdiag1, libkbdiag-dev, smtpgw
# (docs/packaging.md). The debian/ directory is .ci/debian (DESIGN.md fixes
# the top level); `make deb` builds from a copy of the tree with it in place,
# into $(BUILD)/deb. `make deb-test`: lintian, then the packages installed in
# a fresh Debian root (tests/deb/test.sh; a SKIP without the Debian mirror).
DEB_DEB		= dpkg-dev debhelper lintian debootstrap
DEB_DIR		= $(BUILD)/deb
DEB_SRC		= $(DEB_DIR)/kbdiag-$(VERSION)

deb: deps-build
	@$(call install_missing,$(DEB_DEB))
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	tar -cf - Makefile README.md engine kb gateway tests docs .ci/run | tar -xf - -C $(DEB_SRC)
	mkdir -p $(DEB_SRC)/debian
	cd .ci/debian && tar -cf - --exclude=README.md --exclude=changelog.in . | \
		tar -xf - -C $(CURDIR)/$(DEB_SRC)/debian
	sed -e 's/@VERSION@/$(VERSION)/' \
		-e "s/@DATE@/$$(date -R -d @$$(git log -1 --format=%ct 2>/dev/null || date +%s))/" \
		.ci/debian/changelog.in > $(DEB_SRC)/debian/changelog
	cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/*.deb

deb-test:
	@$(MAKE) --no-print-directory deb
	BUILD=$(BUILD) bash tests/deb/test.sh

install: deps-build
	@$(MAKE) --no-print-directory install-files

# The installed README and docs link only to what is installed with them
# (tests/install.sh checks every relative link): a link into the source
# tree's tests/ becomes its text and "in the source tree", a link to a man
# page's source (docs/smtpgw.1) its text, as `man` is how it is read there.
DOC_LINKS_SED	= -e 's|\[\([^]]*\)\](\(\.\./\)\{0,1\}tests/[^)]*)|\1 in the source tree|g' \
		  -e 's|\[\([^]]*\)\]([a-z0-9]*\.[1-8])|\1|g'

# What install installs, with nothing looked up or installed from Debian
# (debian/rules calls it; the package build has its Build-Depends).
install-files: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 755 $(KBDIAG) $(DESTDIR)$(BINDIR)/kbdiag
	install -m 755 $(SMTPGW) $(DESTDIR)$(BINDIR)/smtpgw
	install -m 644 docs/kbdiag.1 $(DESTDIR)$(MANDIR)/man1/kbdiag.1
	install -m 644 docs/smtpgw.1 $(DESTDIR)$(MANDIR)/man1/smtpgw.1
	install -m 644 docs/libkbdiag.3 $(DESTDIR)$(MANDIR)/man3/libkbdiag.3
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 644 docs/*.md docs/example.c $(DESTDIR)$(DOCDIR)/docs/
	install -d $(DESTDIR)$(DOCDIR)/docs/screenshots
	install -m 644 docs/screenshots/*.png $(DESTDIR)$(DOCDIR)/docs/screenshots/
	sed -i $(DOC_LINKS_SED) $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/docs/*.md
	install -m 644 $(API_HEADER) $(DESTDIR)$(INCLUDEDIR)/kbdiag.h
	install -m 644 $(PUBLIB) $(DESTDIR)$(LIBDIR)/libkbdiag.a
	install -m 644 $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SHLIB_FILE)
	ln -sfn $(SHLIB_FILE) $(DESTDIR)$(LIBDIR)/$(SHLIB_SONAME)
	ln -sfn $(SHLIB_SONAME) $(DESTDIR)$(LIBDIR)/libkbdiag.so
	install -m 644 $(PCFILE) $(DESTDIR)$(LIBDIR)/pkgconfig/kbdiag.pc
	rm -rf $(DESTDIR)$(DATADIR)/kb
	for d in schema articles tables samples; do \
		install -d $(DESTDIR)$(DATADIR)/kb/$$d || exit 1; \
	done
	install -m 644 kb/causes.xml kb/steps.xml kb/evidence.xml kb/overlaps.xml kb/fixes.xml \
		kb/vocabulary.xml $(DESTDIR)$(DATADIR)/kb/
	install -m 644 kb/schema/*.rng $(DESTDIR)$(DATADIR)/kb/schema/
	install -m 644 kb/articles/*.xml $(DESTDIR)$(DATADIR)/kb/articles/
	install -m 644 kb/tables/*.xml $(DESTDIR)$(DATADIR)/kb/tables/
	install -m 644 kb/samples/* $(DESTDIR)$(DATADIR)/kb/samples/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kbdiag $(DESTDIR)$(MANDIR)/man1/kbdiag.1
	rm -f $(DESTDIR)$(BINDIR)/smtpgw $(DESTDIR)$(MANDIR)/man1/smtpgw.1
	rm -f $(DESTDIR)$(MANDIR)/man3/libkbdiag.3 $(DESTDIR)$(INCLUDEDIR)/kbdiag.h
	rm -f $(DESTDIR)$(LIBDIR)/libkbdiag.a $(DESTDIR)$(LIBDIR)/$(SHLIB_FILE) \
		$(DESTDIR)$(LIBDIR)/$(SHLIB_SONAME) $(DESTDIR)$(LIBDIR)/libkbdiag.so \
		$(DESTDIR)$(LIBDIR)/pkgconfig/kbdiag.pc
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build

FORCE:

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/util/*.d $(BUILD)/obj/smtp/*.d $(BUILD)/obj/tests/*.d $(BUILD)/obj/gw/*.d \
	$(BUILD)/obj/cli/*.d $(BUILD)/obj/tools/*.d $(BUILD)/*.d $(BUILD)/fuzz/*.d \
	$(BUILD)/bin/*.d)
