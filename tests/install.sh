#!/bin/sh
# make install honours PREFIX and DESTDIR, the installed kbdiag finds its
# installed rule base without --kb, and make uninstall removes what install put.
# Run by `make check` from the top of the tree; builds in build/install-test.
set -eu

top=$(pwd)
work=build/install-test
rm -rf "$work"
fail() { echo "install test: FAIL: $*" >&2; exit 1; }

# 1. PREFIX: the binary, moved away from its tree, finds PREFIX/share/kbdiag/kb.
prefix=$top/$work/prefix
make -s --no-print-directory BUILD="$work/obj1" PREFIX="$prefix" install >/dev/null
for f in bin/kbdiag share/man/man1/kbdiag.1 share/kbdiag/kb/schema/kb.rng \
    share/kbdiag/kb/causes.xml share/kbdiag/kb/articles/Q123827.xml \
    share/kbdiag/kb/samples/smtpgate.log share/doc/kbdiag/README.md; do
	[ -f "$prefix/$f" ] || fail "make install did not install $f"
done
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
left=$(find "$stage" -type f | head -n 5)
[ -z "$left" ] || fail "make uninstall left: $left"

rm -rf "$work"
echo "install test: PASS (PREFIX, DESTDIR, rule base found without --kb, uninstall)"
