#!/usr/bin/env bash
# The Debian packages that `make deb` built ($BUILD/deb/*.deb, .changes):
#   1. lintian reports no error on them (warnings and notes are printed);
#   2. in a fresh Debian root (debootstrap --variant=minbase of bookworm from
#      the Debian mirror), apt installs them with their dependencies; then the
#      installed kbdiag diagnoses the installed sample log with the installed
#      rule base, the man pages are there, smtpgw answers --help, the example
#      program of libkbdiag-dev builds through pkg-config and runs, and purging
#      the packages leaves none of their files.
#
# Run by `make deb-test` (which runs `make deb` first). Needs root (chroot).
# Prints PASS, FAIL or SKIP with the reason per check; exit 1 when one failed.
# Without the mirror (no network) step 2 is a SKIP with the reason.
# DEB_MIRROR overrides the mirror; KEEP=1 keeps the root.
set -u

top=$(pwd)
build=${BUILD:-build}
debs="$top/$build/deb"
mirror=${DEB_MIRROR:-http://deb.debian.org/debian}
suite=${DEB_SUITE:-bookworm}
failed=0
work=""
mounted=""

cleanup() {
	echo "deb: $npass passed, $nfail failed, $nskip skipped"
	[ -n "$mounted" ] && umount "$mounted" 2>/dev/null
	if [ -n "$work" ]; then
		if [ -n "${KEEP:-}" ]; then echo "deb: kept $work"; else rm -rf "$work"; fi
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

npass=0 nfail=0 nskip=0
pass() { echo "deb: PASS: $1"; npass=$((npass + 1)); }
fail() { echo "deb: FAIL: $1" >&2; failed=1; nfail=$((nfail + 1)); }
skip() { echo "deb: SKIP: $1: $2"; nskip=$((nskip + 1)); }

changes=$(ls "$debs"/*.changes 2>/dev/null | head -n 1)
[ -n "$changes" ] || { fail "no $debs/*.changes: run make deb first"; exit 1; }
pkgs="kbdiag kbdiag-data libkbdiag1 libkbdiag-dev smtpgw"
for p in $pkgs; do
	ls "$debs/${p}_"*.deb >/dev/null 2>&1 || fail "make deb built no $p package"
done

# 1. lintian
if ! command -v lintian >/dev/null 2>&1; then
	fail "lintian is not installed (make deb installs it)"
else
	lintian --allow-root -I -E --pedantic --fail-on error "$changes" >"$debs/lintian.txt" 2>&1
	rc=$?
	sed 's/^/deb: lintian: /' "$debs/lintian.txt"
	if [ "$rc" = 0 ] && ! grep -q '^E: ' "$debs/lintian.txt"; then
		pass "lintian: no error ($(grep -c '^W: ' "$debs/lintian.txt") warnings, $(grep -c '^[IPX]: ' "$debs/lintian.txt") notes)"
	else
		fail "lintian: errors (exit $rc): $(grep '^E: ' "$debs/lintian.txt" | head -n 5)"
	fi
fi

# 2. a clean root
if [ "$(id -u)" != 0 ]; then
	skip install "not root: a chroot needs root"
	[ "$failed" = 0 ] || exit 1
	exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
	skip install "debootstrap is not installed (make deb installs it)"
	[ "$failed" = 0 ] || exit 1
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-deb.XXXXXX")
root="$work/root"
start=$(date +%s)
if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
	skip install "debootstrap of $suite from $mirror failed (no network?): $(tail -n 2 "$work/debootstrap.log" | tr '\n' ' ')"
	[ "$failed" = 0 ] || exit 1
	exit 0
fi
echo "deb: a $suite minbase root in $(( $(date +%s) - start )) s"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
# no daemon of a dependency may start in the root
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/tmp/debs"
for p in $pkgs; do cp "$debs/${p}_"*.deb "$root/tmp/debs/"; done
mount -t proc proc "$root/proc" && mounted="$root/proc"
start=$(date +%s)
if ! in_root sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends \
    /tmp/debs/*.deb gcc libc6-dev pkg-config' >"$work/apt.log" 2>&1; then
	if grep -qiE 'could not resolve|failed to fetch|temporary failure' "$work/apt.log"; then
		skip install "apt in the root cannot reach $mirror: $(tail -n 2 "$work/apt.log" | tr '\n' ' ')"
	else
		fail "the packages do not install in a clean root: $(tail -n 5 "$work/apt.log")"
	fi
	[ "$failed" = 0 ] || exit 1
	exit 0
fi
pass "installed $pkgs (and gcc, pkg-config) in a clean $suite root in $(( $(date +%s) - start )) s"

out=$(in_root kbdiag --offline diagnose /usr/share/kbdiag/kb/samples/smtpgate.log 2>&1)
rc=$?
if [ "$rc" = 0 ] && printf '%s' "$out" | grep -q 'Incident 1 of 3: Q123827'; then
	pass "kbdiag diagnose on the installed sample, with the installed rule base"
else
	fail "kbdiag diagnose on the installed sample: exit $rc: $(printf '%s' "$out" | head -n 5)"
fi
out=$(in_root kbdiag kb lint 2>&1)
case $out in
"/usr/share/kbdiag/kb: valid:"*) pass "kbdiag kb lint: $out" ;;
*) fail "kbdiag kb lint: $out" ;;
esac
for m in man1/kbdiag.1.gz man1/smtpgw.1.gz man3/libkbdiag.3.gz; do
	[ -f "$root/usr/share/man/$m" ] || fail "no /usr/share/man/$m"
done
[ -f "$root/usr/share/man/man3/libkbdiag.3.gz" ] && pass "the man pages are installed"
if in_root smtpgw --help 2>&1 | grep -q 'smtpgw'; then
	pass "smtpgw --help"
else
	fail "smtpgw --help"
fi
ex=/usr/share/doc/libkbdiag-dev/examples/example.c
if [ -f "$root$ex" ] && in_root sh -c "cd /tmp && cc -Wall -o example $ex \$(pkg-config --cflags --libs kbdiag) &&
    ./example /usr/share/kbdiag/kb/samples/smtpgate.log" >"$work/example.out" 2>&1 &&
    grep -q '151 lines, 3 incidents' "$work/example.out"; then
	pass "libkbdiag-dev: the example builds through pkg-config and runs with libkbdiag.so.1"
else
	fail "libkbdiag-dev: the example: $(tail -n 5 "$work/example.out" 2>/dev/null)"
fi
if in_root dpkg --purge $pkgs >"$work/purge.log" 2>&1 && [ ! -e "$root/usr/share/kbdiag" ] &&
    [ ! -e "$root/usr/bin/kbdiag" ] && [ ! -e "$root/usr/include/kbdiag.h" ]; then
	pass "purged: nothing of the packages left"
else
	fail "purge: $(tail -n 3 "$work/purge.log")"
fi

[ "$failed" = 0 ] || exit 1
