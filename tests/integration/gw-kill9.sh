#!/usr/bin/env bash
# kill -9 of smtpgw at random moments while it relays N messages to a private
# Postfix over several sessions at once (--concurrency), restarted each time
# until the queue is empty: every message must arrive; a message may arrive
# twice only in the window between the final dot and its removal from the
# spool (docs/smtpgw.md), and every duplicate must be explained by an attempt
# of that message that a kill cut short (from each run's -v log); duplicates
# are counted and reported.
#
#   tests/integration/gw-kill9.sh [N]        (default 1000; needs root and Postfix)
#
# Environment: BUILD (build directory, default build), KILL9_MAX_MS (each run is
# killed after a random 0..KILL9_MAX_MS-1 ms, default 200), KILL9_DEADLINE (seconds
# for the delivery loop before it counts as a failure, default 300),
# KILL9_SESSIONS (each run's --concurrency, default 4), KILL9_SEED (the seed of
# the kill times, default the clock; printed at the start and, with each run's
# kill time, in the work directory's "kills" file), KEEP=1 (keep the logs).
# Exit 0 = nothing lost, 1 = a message lost or a check failed, 77 = SKIP.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000}
BUILD=${BUILD:-build}
MAX_MS=${KILL9_MAX_MS:-200}
DEADLINE=${KILL9_DEADLINE:-300}
SESSIONS=${KILL9_SESSIONS:-4}
SEED=${KILL9_SEED:-$(date +%s)}
POSTFIX_SH=${POSTFIX_SH:-tests/peer/postfix.sh}
SMTPGW=$BUILD/smtpgw
say() { printf 'gw-kill9: %s\n' "$*" >&2; }
. tests/lib.sh

postfix_usable say || exit 77
[ -x "$SMTPGW" ] || { say "SKIP: $SMTPGW not built (make)"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gwkill.XXXXXX")
chmod 755 "$work"

cleanup() {
	local rc=$?
	[ "$rc" -eq 0 ] || say "kill times from seed $SEED (KILL9_SEED=$SEED repeats them)"
	bash "$POSTFIX_SH" stop "$work/pf" >/dev/null 2>&1 || true
	if [ -n "${KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
# A command that fails under set -e names itself, rather than ending the test
# without a word.
trap 'say "FAIL: line $LINENO: \"$BASH_COMMAND\" exited $?"' ERR
start_s=$SECONDS
# Postfix takes seconds to start: it does while the messages are queued
postfix_start "$work/pf" >&2 &
pf_start=$!

mkdir -p "$work/logs"
: > "$work/map"
for i in $(seq "$N"); do
	qid=$(printf 'From: a@example.org\nTo: b@example.org\nMessage-ID: <kill9-%d@smtpgw.test>\nSubject: %d\n\nbody %d\n' \
	    "$i" "$i" "$i" | "$SMTPGW" submit --spool "$work/spool" -f a@example.org b@example.org)
	echo "<kill9-$i@smtpgw.test> $qid" >> "$work/map"
done
say "$N messages queued"
wait "$pf_start" || { say "FAIL: Postfix did not start"; exit 1; }
port=$(cat "$work/pf.port")

loop_s=$SECONDS
kills=0 runs=0
RANDOM=$SEED
say "seed $SEED: each run killed after 0..$((MAX_MS - 1)) ms"
while :; do
	left=$(find "$work/spool/new" "$work/spool/deferred" -maxdepth 1 -type f -name '2*' | wc -l)
	[ "$left" -eq 0 ] && break
	if [ $((SECONDS - loop_s)) -ge "$DEADLINE" ]; then
		say "FAIL: $left messages still queued after $DEADLINE s ($runs runs, $kills kills)"
		exit 1
	fi
	runs=$((runs + 1))
	"$SMTPGW" run --once -v -W 0 --concurrency "$SESSIONS" --spool "$work/spool" \
	    --smarthost "127.0.0.1:$port" --log "$work/logs/run.$runs.log" >/dev/null 2>&1 &
	pid=$!
	ms=$(( RANDOM % MAX_MS ))
	echo "run $runs: kill at $ms ms" >> "$work/kills"
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null || true
	# killed only if it had not finished by itself (exit status 128 + 9)
	status=0
	wait "$pid" 2>/dev/null || status=$?
	[ "$status" -eq 137 ] && kills=$((kills + 1))
done
loop_time=$((SECONDS - loop_s))
bad=$(find "$work/spool/bad" -maxdepth 1 -type f -name '2*' | wc -l)
[ "$bad" -eq 0 ] || { say "FAIL: $bad messages in bad/"; exit 1; }
bash "$POSTFIX_SH" wait "$work/pf" "$N" 120 || true
# a duplicate still in Postfix's queue arrives before the count: its queue empties
postfix_settled "$work/pf" 60 || say "Postfix's queue did not empty (counted as it is)"
bash "$POSTFIX_SH" ids "$work/pf" | sort > "$work/ids"
total=$(wc -l < "$work/ids")
unique=$(sort -u "$work/ids" | wc -l)
seq "$N" | sed 's/.*/<kill9-&@smtpgw.test>/' | sort > "$work/want"
missing=$(comm -23 "$work/want" <(sort -u "$work/ids") | wc -l)
extra=$(comm -13 "$work/want" <(sort -u "$work/ids") | wc -l)
# a message delivered to the end (sent, removed) by two sessions or runs: a
# broken hand-out or claim
twice=$(cat "$work/logs"/*.log | sed -n 's/.* - Message \([^ ]*\) sent to .*/\1/p' | sort | uniq -d)
[ -z "$twice" ] || { say "FAIL: delivered to the end twice: $(echo $twice | head -c 300)"; exit 1; }
# each duplicate explained: an attempt of that message still open at the end
# of a run's log (the run was killed between its final dot and the removal)
# the most sessions one run opened (most runs are killed before their
# pass's summary line)
# (grep -c exits 1 on a log with none, a run killed before its first session:
# under set -e and pipefail that ended the test with no word said)
peak=$(for f in "$work/logs"/*.log; do grep -c ' - SMTP_open(' "$f" || true; done | sort -n | tail -n 1)
unexplained=0
while read -r count msgid; do
	[ "$count" -gt 1 ] || continue
	qid=$(awk -v m="$msgid" '$1 == m { print $2 }' "$work/map")
	open=$(awk -v q="$qid" '
		FNR == 1 { if (o) u++; o = 0 }
		index($0, " - Delivering message " q " (") { if (o) u++; o = 1; next }
		index($0, " - Message " q " ") || index($0, " - Message " q ":") { o = 0 }
		END { if (o) u++; print u + 0 }' "$work/logs"/*.log)
	if [ $((count - 1)) -gt "$open" ]; then
		say "FAIL: $msgid ($qid) arrived $count times; $open attempts of it were killed"
		unexplained=$((unexplained + count - 1 - open))
	fi
done < <(uniq -c "$work/ids")
say "$N messages, $SESSIONS sessions a run (${peak:-0} opened by one at most), $runs runs, $kills" \
    "kills; $total delivered, $unique distinct, $((total - unique)) duplicates" \
    "($((total - unique - unexplained)) explained by a kill), $missing lost; delivery loop" \
    "${loop_time} s, whole test $((SECONDS - start_s)) s"
[ "$missing" -eq 0 ] || { say "FAIL: $missing messages lost"; exit 1; }
[ "$extra" -eq 0 ] || { say "FAIL: $extra messages that were never submitted"; exit 1; }
[ "$unexplained" -eq 0 ] || { KEEP=1; say "FAIL: $unexplained duplicates no kill explains"; exit 1; }
say "PASS"
