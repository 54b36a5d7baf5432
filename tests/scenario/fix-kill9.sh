#!/bin/sh
# kbdiag fix --apply killed with SIGKILL at any moment (issue 20): whatever
# the moment, PROTOCOL.INI is either its original bytes or the applied ones,
# never anything else, and the next `kbdiag fix --undo` leaves the tree as
# it was: the original file, no journal, no backups, no temporary file
# (.NAME.kbdiag-PID) anywhere, no .kbdiag directory; then an --apply and an
# --undo still work.
#
#   sh tests/scenario/fix-kill9.sh [ROUNDS]      (make check: 40 rounds)
#
# The file is about 900 KiB, so that the writing part of an --apply (which
# reads, hashes, writes and fsyncs it several times) lasts long enough for
# kills to land in it; each round prints nothing unless it fails. Prints
# PASS or FAIL, and how many kills landed while the file or .kbdiag changed.
set -u

top=$(pwd)
build=${BUILD:-build}
kbdiag=${KBDIAG:-"$top/$build/kbdiag"}
rounds=${1:-40}
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-fixkill.XXXXXX")
failed=0
keep=${KEEP:-}

cleanup() { [ -n "$keep" ] || rm -rf "$work"; }
trap cleanup EXIT INT TERM

fail() { echo "fix-kill9: FAIL: $1" >&2; failed=1; }

[ -x "$kbdiag" ] || { fail "$kbdiag is not built"; exit 1; }

root="$work/pc"
mkdir -p "$root/LANMAN.DOS"
ini="$root/LANMAN.DOS/PROTOCOL.INI"
{
	printf '[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n  DRIVERNAME = TCPIP$\r\n'
	printf '  IPADDRESS0 = 10 0 0 5\r\n'
	i=0
	while [ $i -lt 9000 ]; do
		printf '; padding line %05d to make the file big enough to take time...........\r\n' $i
		i=$((i + 1))
	done
} > "$ini"
cp "$ini" "$work/original"
# A diagnosis whose standing cause is peer-requires-push (its fix: ForcePushBit=1).
cat > "$work/d.json" <<'EOF'
{"incidents": [{"article": "Q100709", "error": "ERROR Network_read: Lost network connection",
 "count": 1, "peer": {"host": "10.1.2.3", "port": 25},
 "observations": [{"source": "peer-product", "value": "ibm-tcpip-v2r2", "origin": "probe"}]}]}
EOF
K="--kb $top/kb"

# The applied bytes, once, for the comparison.
if ! "$kbdiag" $K fix --apply --dos-root "$root" "$work/d.json" >"$work/apply.out" 2>&1; then
	fail "a first --apply did not work: $(cat "$work/apply.out")"
	exit 1
fi
cp "$ini" "$work/applied"
"$kbdiag" $K fix --undo --dos-root "$root" >/dev/null 2>&1
cmp -s "$ini" "$work/original" || { fail "the first --undo did not restore"; exit 1; }

r=0
landed=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	"$kbdiag" $K fix --apply --dos-root "$root" "$work/d.json" >/dev/null 2>&1 &
	pid=$!
	# 0 to 249 ms (an --apply takes some 70 to 200 ms here, most of it
	# loading the rule base), then SIGKILL
	ms=$(( ($(od -An -N2 -tu2 /dev/urandom) % 250) ))
	sleep "0.$(printf '%03d' $ms)"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	# a kill after the journal, or with a temporary file or backup left
	[ -e "$root/.kbdiag" ] && landed=$((landed + 1))
	if ! cmp -s "$ini" "$work/original" && ! cmp -s "$ini" "$work/applied"; then
		fail "round $r: killed after $ms ms, PROTOCOL.INI is neither the original nor the applied bytes"
		cp "$ini" "$work/broken.$r"
		keep=1
	fi
	out=$("$kbdiag" $K fix --undo --dos-root "$root" 2>&1)
	rc=$?
	if [ $rc != 0 ] && [ $rc != 1 ]; then
		fail "round $r: killed after $ms ms, --undo exited $rc: $out"
		keep=1
		break
	fi
	cmp -s "$ini" "$work/original" || fail "round $r: --undo did not leave the original"
	left=$(find "$root" -name '*.kbdiag-*' -o -name '.kbdiag' | head -3)
	[ -z "$left" ] || { fail "round $r: left behind after --undo: $left"; keep=1; break; }
done

# And the tool still works.
if ! "$kbdiag" $K fix --apply --dos-root "$root" "$work/d.json" >/dev/null 2>&1 ||
    ! cmp -s "$ini" "$work/applied" ||
    ! "$kbdiag" $K fix --undo --dos-root "$root" >/dev/null 2>&1 ||
    ! cmp -s "$ini" "$work/original"; then
	fail "after the kills, --apply then --undo did not work"
fi
[ $failed = 0 ] && echo "fix-kill9: PASS: $rounds applies killed with SIGKILL at 0-249 ms ($landed left state under the root): the file whole, --undo clears every trace"
exit $failed
