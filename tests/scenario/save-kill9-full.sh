#!/bin/sh
# The saved diagnosis under kill -9 and a full disk: `kbdiag diagnose -f json
# -o FILE` (the save) and `kbdiag verify FILE` (which writes FILE back with
# one more history entry) write through a temporary file, fsynced and renamed
# over FILE (util/fileio.h), so that whatever happens FILE is whole:
#
#   1. verify killed with SIGKILL at any moment: FILE is its old bytes, or
#      the new ones that replay reads with one history entry more; never a
#      torn file that replay would misread;
#   2. diagnose -o killed likewise: FILE is absent, or the whole diagnosis;
#   3. a full disk (a tmpfs the test mounts, in a mount namespace of its own;
#      root only, else SKIP): verify says the outcome is not recorded (exit
#      3) and FILE is its old bytes; diagnose -o exits 3 and leaves no FILE;
#      no temporary file is left in either case.
#
#   sh tests/scenario/save-kill9-full.sh [ROUNDS]     (make check: 12 rounds)
#
# The kill times are seeded (SAVE_KILL9_SEED, default the clock, printed):
# odd rounds spread over a run's measured length, even rounds over its second
# half and a quarter more, where the writing is. Where the file system makes
# unnamed files (O_TMPFILE) a killed writer leaves nothing, else its
# temporary file (FILE.XXXXXX): counted and reported, removed between rounds
# (check_fileio killed_writer_leaves_nothing asserts it).
# Prints PASS, FAIL or SKIP lines; exits 1 on a failure.
set -u

top=$(pwd)
build=${BUILD:-build}
kbdiag=${KBDIAG:-"$top/$build/kbdiag"}
rounds=${1:-12}
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-savekill.XXXXXX")
KBDIAG_CACHE=$work/cache
export KBDIAG_CACHE
failed=0
keep=${KEEP:-}
seed=${SAVE_KILL9_SEED:-$(date +%s)}
case $seed in ''|*[!0-9]*) echo "save-kill9: SAVE_KILL9_SEED must be a number" >&2; exit 1 ;; esac
rng=$((seed % 2147483648))
next_ms() {
	rng=$(( (rng * 1103515245 + 12345) % 2147483648 ))
	ms=$(( (rng / 65536) % $1 ))
}
cleanup() {
	if [ -n "$keep" ] || [ "$failed" = 1 ]; then
		echo "save-kill9: kept $work (SAVE_KILL9_SEED=$seed repeats the kill times)" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT INT TERM
fail() { echo "save-kill9: FAIL: $1" >&2; failed=1; }
pass() { echo "save-kill9: PASS: $1"; }
skip() { echo "save-kill9: SKIP: $1"; }
now_ms() { date +%s%3N; }
# kill_during PID ROUND LEN: SIGKILL PID at 0..LEN-1 ms (odd ROUND), or (even
# ROUND) at LEN/2..5*LEN/4 ms, where the writing is (it comes last)
kill_during() {
	if [ $(($2 % 2)) = 0 ]; then
		next_ms $(($3 * 3 / 4 + 1))
		ms=$((ms + $3 / 2))
	else
		next_ms "$3"
	fi
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

[ -x "$kbdiag" ] || { fail "$kbdiag is not built"; exit 1; }
K="--kb $top/kb --offline"

# 2,000 smtpgw events, one smart host each: a saved diagnosis of some 30 MB,
# long enough to write that kills land in the writing.
i=0
while [ $i -lt 2000 ]; do
	printf '{"time":"2026-11-23T%02d:%02d:%02dZ","text":"Error (119) Network Write Error","code":119,"phase":"body","peer":"10.0.%d.%d","port":25}\n' \
	    $((i / 3600 % 24)) $((i / 60 % 60)) $((i % 60)) $((i / 256)) $((i % 256))
	i=$((i + 1))
done > "$work/events.json"
if ! "$kbdiag" $K -f json -o "$work/orig.json" diagnose "$work/events.json" 2>"$work/err"; then
	fail "diagnose: $(cat "$work/err")"; exit 1
fi
# the new bytes verify writes back differ only in the entry's time: compare
# the history's length instead, and that replay reads the file
history_len() { jq '.history | length' "$1" 2>/dev/null; }
replays() { "$kbdiag" $K -f json -o /dev/null diagnose --replay "$1" >/dev/null 2>&1; }

# How long one verify and one diagnose take here (the kills spread over it).
cp "$work/orig.json" "$work/v.json"
t0=$(now_ms)
"$kbdiag" $K -f json -o "$work/verify.out" verify "$work/v.json" >/dev/null 2>&1
t1=$(now_ms)
"$kbdiag" $K -f json -o "$work/d.json" diagnose "$work/events.json" >/dev/null 2>&1
t2=$(now_ms)
vlen=$((t1 - t0 + 1)); dlen=$((t2 - t1 + 1))
[ "$(history_len "$work/v.json")" = 1 ] || fail "verify did not append its entry"
cmp -s "$work/d.json" "$work/orig.json" || fail "diagnose -o twice: different bytes"
echo "save-kill9: seed $seed; verify takes $vlen ms, diagnose $dlen ms here"

# 1. verify killed
r=0; old=0; new=0; stale=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	cp "$work/orig.json" "$work/v.json"
	"$kbdiag" $K -f json -o "$work/verify.out" verify "$work/v.json" >/dev/null 2>&1 &
	kill_during $! $r "$vlen"
	if cmp -s "$work/v.json" "$work/orig.json"; then
		old=$((old + 1))
	elif [ "$(history_len "$work/v.json")" = 1 ] && replays "$work/v.json"; then
		new=$((new + 1))
	else
		fail "verify killed (round $r, $ms ms): v.json is neither the old diagnosis nor the new one"
		cp "$work/v.json" "$work/torn.$r"; keep=1
	fi
	n=$(find "$work" -maxdepth 1 -name 'v.json.??????' | wc -l)
	stale=$((stale + n))
	find "$work" -maxdepth 1 -name 'v.json.??????' -exec rm -f {} +
done
[ $failed = 0 ] && pass "verify killed $rounds times (at 0-$vlen ms, half of them late, in the writing): the file whole each time ($old old, $new with the new entry; $stale temporary files left by the kills)"

# 2. diagnose -o killed
r=0; absent=0; whole=0; stale=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	rm -f "$work/d.json"
	"$kbdiag" $K -f json -o "$work/d.json" diagnose "$work/events.json" >/dev/null 2>&1 &
	kill_during $! $r "$dlen"
	if [ ! -e "$work/d.json" ]; then
		absent=$((absent + 1))
	elif cmp -s "$work/d.json" "$work/orig.json"; then
		whole=$((whole + 1))
	else
		fail "diagnose -o killed (round $r, $ms ms): d.json is there but not whole"
		cp "$work/d.json" "$work/torn-d.$r"; keep=1
	fi
	n=$(find "$work" -maxdepth 1 -name 'd.json.??????' | wc -l)
	stale=$((stale + n))
	find "$work" -maxdepth 1 -name 'd.json.??????' -exec rm -f {} +
done
[ $failed = 0 ] && pass "diagnose -o killed $rounds times (at 0-$dlen ms, half of them late, in the writing): absent ($absent) or whole ($whole); $stale temporary files left by the kills"

# 3. A full disk: a tmpfs with room for the saved file and half of it again.
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	skip "a full disk: needs root and unshare (a tmpfs in a mount namespace of its own)"
	exit $failed
fi
size=$(stat -c %s "$work/orig.json")
mkdir "$work/mnt"
unshare -m --propagation private sh -c '
	set -u
	work=$1 kbdiag=$2 size=$3; shift 3
	mount -t tmpfs -o size=$((size * 3 / 2)) tmpfs "$work/mnt" || exit 77
	cp "$work/orig.json" "$work/mnt/v.json" || exit 76
	"$kbdiag" "$@" -f json -o "$work/verify-full.out" verify "$work/mnt/v.json" \
	    >/dev/null 2>"$work/verify-full.err"
	echo "verify $?" >"$work/full.rc"
	cmp -s "$work/mnt/v.json" "$work/orig.json" && echo "verify-unchanged" >>"$work/full.rc"
	"$kbdiag" "$@" -f json -o "$work/mnt/d.json" diagnose "$work/events.json" \
	    >/dev/null 2>"$work/diagnose-full.err"
	echo "diagnose $?" >>"$work/full.rc"
	[ -e "$work/mnt/d.json" ] && echo "diagnose-left-a-file" >>"$work/full.rc"
	ls -A "$work/mnt" >"$work/full.ls"
	umount "$work/mnt"
' sh "$work" "$kbdiag" "$size" $K
rc=$?
if [ $rc = 77 ]; then
	skip "a full disk: could not mount a tmpfs"
	exit $failed
fi
if grep -qx "verify 3" "$work/full.rc" && grep -qx verify-unchanged "$work/full.rc" &&
    grep -q "not recorded.*No space left on device" "$work/verify-full.err"; then
	pass "verify on a full disk: not recorded (exit 3, $(cat "$work/verify-full.err")), the file unchanged"
else
	fail "verify on a full disk: $(cat "$work/full.rc" "$work/verify-full.err" | tr '\n' ' ')"
fi
if grep -qx "diagnose 3" "$work/full.rc" && ! grep -q diagnose-left-a-file "$work/full.rc" &&
    grep -q "No space left on device" "$work/diagnose-full.err"; then
	pass "diagnose -o on a full disk: exit 3 ($(cat "$work/diagnose-full.err")), no file"
else
	fail "diagnose -o on a full disk: $(cat "$work/full.rc" "$work/diagnose-full.err" | tr '\n' ' ')"
fi
if [ "$(cat "$work/full.ls")" = v.json ]; then
	pass "full disk: no temporary file left"
else
	fail "full disk: left behind: $(cat "$work/full.ls" | tr '\n' ' ')"
fi
exit $failed
