#!/bin/sh
# make install honours PREFIX and DESTDIR, the installed kbdiag finds its
# installed rule base without --kb, the installed docs link only to what is
# installed, and make uninstall removes what install put.
# Run by `make check` from the top of the tree; builds in build/install-test.
set -eu

top=$(pwd)
work=build/install-test
rm -rf "$work"
mkdir -p "$work"
# the rule base cache of the kbdiag this test runs: its own, never $HOME's
KBDIAG_CACHE=$top/$work/cache
export KBDIAG_CACHE
fail() { echo "install test: FAIL: $*" >&2; exit 1; }

# 1. PREFIX: the binary, moved away from its tree, finds PREFIX/share/kbdiag/kb.
prefix=$top/$work/prefix
make -s --no-print-directory BUILD="$work/obj1" PREFIX="$prefix" install >/dev/null
for f in bin/kbdiag share/man/man1/kbdiag.1 share/kbdiag/kb/schema/kb.rng \
    share/kbdiag/kb/causes.xml share/kbdiag/kb/articles/Q123827.xml \
    share/kbdiag/kb/samples/smtpgate.log share/doc/kbdiag/README.md; do
	[ -f "$prefix/$f" ] || fail "make install did not install $f"
done
# The installed README and docs are whole: every relative link (Markdown's
# [text](target), across lines too) names a file installed with them.
broken=""
for f in "$prefix"/share/doc/kbdiag/*.md "$prefix"/share/doc/kbdiag/docs/*.md; do
	links=$(tr '\n' ' ' <"$f" | grep -o '\]([^)]*)' | sed 's/^](//; s/)$//; s/^ *//; s/ .*//')
	for l in $links; do
		case "$l" in *://* | mailto:* | '#'*) continue ;; esac
		[ -e "$(dirname "$f")/${l%%#*}" ] || broken="$broken ${f#"$prefix"/}: $l;"
	done
done
[ -z "$broken" ] || fail "the installed docs link to what is not installed:$broken"
# (bin/ one level down, so that nothing is at ../kb or ../share beside it)
mkdir -p "$work/elsewhere/bin"
cp "$prefix/bin/kbdiag" "$work/elsewhere/bin/kbdiag"
[ ! -e "$work/elsewhere/kb" ] && [ ! -e "$work/elsewhere/share" ] || fail "elsewhere is not empty"
out=$(env -u KBDIAG_KB "$work/elsewhere/bin/kbdiag" kb lint) || fail "kb lint: $out"
case $out in
"$prefix/share/kbdiag/kb: valid:"*) ;;
*) fail "the installed kbdiag did not use its installed rule base: $out" ;;
esac
env -u KBDIAG_KB "$work/elsewhere/bin/kbdiag" --offline diagnose "$prefix/share/kbdiag/kb/samples/smtpgate.log" \
    >"$work/diagnose.out" || fail "diagnose with the installed rule base"
grep -q 'Q123827' "$work/diagnose.out" || fail "no Q123827 in the installed diagnosis"

# 1b. libkbdiag: header, shared and static library, pkg-config file, man page.
for f in include/kbdiag.h lib/libkbdiag.so.1.0.0 lib/libkbdiag.a lib/pkgconfig/kbdiag.pc \
    share/man/man3/libkbdiag.3 share/doc/kbdiag/docs/example.c share/doc/kbdiag/docs/api.md; do
	[ -f "$prefix/$f" ] || fail "make install did not install $f"
done
[ "$(readlink "$prefix/lib/libkbdiag.so.1")" = libkbdiag.so.1.0.0 ] &&
    [ "$(readlink "$prefix/lib/libkbdiag.so")" = libkbdiag.so.1 ] ||
    fail "the libkbdiag.so links are not libkbdiag.so -> .so.1 -> .so.1.0.0"
readelf -d "$prefix/lib/libkbdiag.so.1.0.0" | grep -q 'Library soname: \[libkbdiag.so.1\]' ||
    fail "the shared library's soname is not libkbdiag.so.1"
# Only the calls of kbdiag.h are exported, by both libraries.
hdr=$(grep -o '^[a-z].* \**kbdiag_[a-z_]*(' engine/kbdiag.h | sed 's/.*\(kbdiag_[a-z_]*\)(/\1/' | sort)
dyn=$(nm -D --defined-only "$prefix/lib/libkbdiag.so.1.0.0" | awk '$2 == "T" {sub(/@.*/, "", $3); print $3}' | sort)
[ "$hdr" = "$dyn" ] || fail "libkbdiag.so exports other functions than kbdiag.h declares:
$(printf '%s\n' "$hdr" >"$work/hdr"; printf '%s\n' "$dyn" | diff "$work/hdr" - | head)"
extra=$(nm -g --defined-only "$prefix/lib/libkbdiag.a" | awk 'NF == 3 {print $3}' | grep -v '^kbdiag_' | head -n 3)
[ -z "$extra" ] || fail "libkbdiag.a has global symbols beside kbdiag_*: $extra"
# The header alone compiles as strict C99 and as C++.
printf '#include <kbdiag.h>\nint main(void) { return kbdiag_api_version() != KBDIAG_API_VERSION; }\n' \
    >"$work/hdr.c"
cc -std=c99 -pedantic -Wall -Wextra -Werror -I"$prefix/include" -fsyntax-only "$work/hdr.c" ||
    fail "kbdiag.h is not clean C99"
if command -v g++ >/dev/null 2>&1; then
	g++ -x c++ -Wall -Wextra -Werror -I"$prefix/include" -fsyntax-only "$work/hdr.c" ||
	    fail "kbdiag.h does not compile as C++"
fi

# 1c. The example program, built against the installed library through pkg-config
# alone, and run on the installed sample log with the installed rule base.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --exists kbdiag || fail "pkg-config does not find kbdiag.pc"
[ "$(pkg-config --modversion kbdiag)" = "$(sed -n 's/^VERSION[[:space:]]*= *//p' Makefile)" ] ||
    fail "kbdiag.pc's version is not the Makefile's"
mkdir -p "$work/ex"
cp "$prefix/share/doc/kbdiag/docs/example.c" "$work/ex/"
(cd "$work/ex" && cc -Wall -Wextra -Werror -o example example.c \
    $(pkg-config --cflags --libs kbdiag)) || fail "the example does not build with pkg-config"
ldd "$work/ex/example" | grep -q "libkbdiag.so.1 => $prefix/lib/libkbdiag.so.1" ||
    LD_LIBRARY_PATH="$prefix/lib" ldd "$work/ex/example" | grep -q "libkbdiag.so.1 => $prefix/lib/" ||
    fail "the example is not linked to the installed libkbdiag.so.1"
(cd "$work/ex" && env -u KBDIAG_KB LD_LIBRARY_PATH="$prefix/lib" ./example \
    "$prefix/share/kbdiag/kb/samples/smtpgate.log") >"$work/ex/out" ||
    fail "the example failed: $(cat "$work/ex/out")"
for want in "rule base $prefix/share/kbdiag/kb: " "151 lines, 3 incidents" \
    "Q123827 x3 at 127.0.0.1 port 25, phase body: Error (119) Network Write Error" \
    "query: Q123827 1.00 SMTP: Err Msg: Error (119) Network Write Error"; do
	grep -qF "$want" "$work/ex/out" || fail "the example's output has no '$want':
$(cat "$work/ex/out")"
done
grep -q '^# kbdiag diagnosis' "$work/ex/example.md" || fail "the example's example.md is no report"
# The static library, with the libraries it needs from its pkg-config file.
(cd "$work/ex" && cc -o example-static example.c $(pkg-config --cflags kbdiag) \
    "$(pkg-config --variable=libdir kbdiag)/libkbdiag.a" \
    $(pkg-config --libs $(pkg-config --print-requires-private kbdiag)) -lm -pthread) ||
    fail "the example does not link with libkbdiag.a"
readelf -d "$work/ex/example-static" | grep -q 'libkbdiag' && fail "example-static needs libkbdiag.so"
(cd "$work/ex" && env -u KBDIAG_KB ./example-static "$prefix/share/kbdiag/kb/samples/smtpgate.log") |
    grep -q "151 lines, 3 incidents" || fail "the statically linked example failed"
unset PKG_CONFIG_PATH

# 2. DESTDIR: a staged install works where it is staged, found beside the binary.
stage=$top/$work/stage
make -s --no-print-directory BUILD="$work/obj2" PREFIX=/opt/kbdiag DESTDIR="$stage" install >/dev/null
[ -x "$stage/opt/kbdiag/bin/kbdiag" ] || fail "DESTDIR install has no bin/kbdiag"
out=$(env -u KBDIAG_KB "$stage/opt/kbdiag/bin/kbdiag" kb lint) || fail "staged kb lint: $out"
case $out in
"$stage/opt/kbdiag/share/kbdiag/kb: valid:"*) ;;
*) fail "the staged kbdiag did not find the staged rule base: $out" ;;
esac

# 3. uninstall removes every file install put there.
make -s --no-print-directory BUILD="$work/obj2" PREFIX=/opt/kbdiag DESTDIR="$stage" uninstall >/dev/null
left=$(find "$stage" ! -type d | head -n 5)
[ -z "$left" ] || fail "make uninstall left: $left"

# 4. Another user builds and stages an install once the libraries are there:
# nothing needs root, nothing is written outside BUILD and DESTDIR.
nonroot=skipped
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
    setpriv --reuid=65534 --regid=65534 --clear-groups test -r Makefile 2>/dev/null; then
	other=$(mktemp -d)
	chmod 777 "$other"
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$other" \
	    make -s --no-print-directory BUILD="$other/obj" PREFIX=/usr DESTDIR="$other/stage" \
	    install >"$other/log" 2>&1 || { cat "$other/log" >&2; rm -rf "$other";
	    fail "make install DESTDIR= as another user failed"; }
	[ -x "$other/stage/usr/bin/kbdiag" ] && [ -f "$other/stage/usr/include/kbdiag.h" ] ||
	    { rm -rf "$other"; fail "the other user's staged install is incomplete"; }
	rm -rf "$other"
	nonroot=passed
fi

rm -rf "$work"
echo "install test: PASS (PREFIX, DESTDIR, rule base found without --kb, the docs' links," \
    "libkbdiag: header, libraries, pkg-config, example program shared and static, uninstall;" \
    "build and install as another user: $nonroot)"
