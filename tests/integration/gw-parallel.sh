#!/usr/bin/env bash
# smtpgw's parallel sessions (--concurrency) against a private Postfix, without
# kills: every message must arrive exactly once, none lost, none twice, and the
# sessions must really have run side by side (gw-kill9.sh adds the kills).
#
#   1. one `run --once --concurrency 16` drains N queued messages;
#   2. two `run --once --concurrency 8` and a `flush --concurrency 8` at the
#      same moment drain N more from one spool (claims between processes,
#      the hand-out between sessions);
#   3. `run --listen --concurrency 8` takes N more from 10 concurrent clients
#      (build/gwload) and delivers them as they come.
#
#   tests/integration/gw-parallel.sh [N]     (default 300; needs root and Postfix)
#
# Environment: BUILD (default build), KEEP=1 keeps the work directory.
# Exit 0 = PASS, 1 = FAIL, 77 = SKIP.
set -uo pipefail
cd "$(dirname "$0")/../.."
N=${1:-300}
BUILD=${BUILD:-build}
POSTFIX_SH=${POSTFIX_SH:-tests/peer/postfix.sh}
SMTPGW=$PWD/$BUILD/smtpgw
GWLOAD=$PWD/$BUILD/gwload
say() { printf 'gw-parallel: %s\n' "$*" >&2; }
. tests/lib.sh

postfix_usable say || exit 77
for b in "$SMTPGW" "$GWLOAD"; do
	[ -x "$b" ] || { say "SKIP: $b not built (make $b)"; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/gwpar.XXXXXX")
chmod 755 "$work"

lpid=""
cleanup() {
	[ -n "$lpid" ] && kill -9 "$lpid" 2>/dev/null
	wait 2>/dev/null
	bash "$POSTFIX_SH" stop "$work/pf" >/dev/null 2>&1
	if [ -n "${KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
t0=$SECONDS
postfix_start "$work/pf" > "$work/pf.start" 2>&1 &
pf_start=$!
failed=0

# queue PHASE: N messages with Message-IDs <PHASE-i@smtpgw.test>
queue() {
	local i
	for i in $(seq "$N"); do
		printf 'From: a@example.org\nTo: b@example.org\nMessage-ID: <%s-%d@smtpgw.test>\nSubject: %d\n\nbody %d\n' \
		    "$1" "$i" "$i" "$i" | "$SMTPGW" submit --spool "$work/spool.$1" -f a@example.org \
		    b@example.org > /dev/null || return 1
	done
}
# check PHASE WANT: every Message-ID of the phase (WANT: a file of them) arrived once
check() {
	local phase=$1 want=$2 got total distinct lost twice left
	bash "$POSTFIX_SH" wait "$work/pf" "$3" 120 > /dev/null 2>&1
	# a duplicate still in Postfix's queue arrives before the count: its queue empties
	postfix_settled "$work/pf" 60 > /dev/null 2>&1 ||
	    say "$phase: Postfix's queue did not empty in 60 s (counted as it is)"
	got=$work/got.$phase
	bash "$POSTFIX_SH" ids "$work/pf" | grep "^<$phase-" | sort > "$got"
	total=$(wc -l < "$got")
	distinct=$(sort -u "$got" | wc -l)
	lost=$(comm -23 "$want" <(sort -u "$got") | wc -l)
	twice=$(uniq -d "$got" | wc -l)
	left=$(find "$work/spool.$phase/new" "$work/spool.$phase/deferred" "$work/spool.$phase/bad" \
	    -type f -name '2*' 2>/dev/null | wc -l)
	peak=$(sed -n 's/.* over [0-9]* sessions (\([0-9]*\) at once at most)$/\1/p' \
	    "$work"/"$phase".*log | sort -n | tail -n 1)
	say "$phase: $(wc -l < "$want") sent, $total delivered, $distinct distinct, $twice twice," \
	    "$lost lost, $left left in the spool; ${peak:-1} sessions at once at most"
	[ "$lost" -eq 0 ] || { say "FAIL: $phase: $lost lost"; failed=1; }
	[ "$twice" -eq 0 ] || { say "FAIL: $phase: delivered twice: $(uniq -d "$got" | head -3)"; failed=1; }
	[ "$total" -eq "$distinct" ] || failed=1
	[ "$left" -eq 0 ] || { say "FAIL: $phase: $left messages left in the spool"; failed=1; }
	[ "${peak:-1}" -ge 2 ] || { say "FAIL: $phase: the sessions never ran side by side"; failed=1; }
}
want() { seq "$N" | sed "s/.*/<$1-&@smtpgw.test>/" | sort > "$work/want.$1"; }

queue one || { say "FAIL: submit"; exit 1; }
queue many || { say "FAIL: submit"; exit 1; }
want one
want many
wait "$pf_start" || { say "FAIL: Postfix did not start: $(cat "$work/pf.start")"; exit 1; }
pf_port=$(cat "$work/pf.port")
host=127.0.0.1:$pf_port
delivered=0

# 1. one process, 16 sessions
"$SMTPGW" run --once -v --concurrency 16 --spool "$work/spool.one" --smarthost "$host" \
    --log "$work/one.1.log" || { say "FAIL: run --once exited $?"; failed=1; }
delivered=$((delivered + N))
check one "$work/want.one" "$delivered"

# 2. three processes at once on one spool, 8 sessions each
"$SMTPGW" run --once -v --concurrency 8 --spool "$work/spool.many" --smarthost "$host" \
    --log "$work/many.1.log" 2> /dev/null &
p1=$!
"$SMTPGW" run --once -v --concurrency 8 --spool "$work/spool.many" --smarthost "$host" \
    --log "$work/many.2.log" 2> /dev/null &
p2=$!
"$SMTPGW" flush -v --concurrency 8 --spool "$work/spool.many" --smarthost "$host" \
    --log "$work/many.3.log" 2> /dev/null &
p3=$!
# run --once exits 1 when another process had some of the messages: fine here
wait "$p1"; wait "$p2"; wait "$p3" || { say "FAIL: flush exited $?"; failed=1; }
delivered=$((delivered + N))
check many "$work/want.many" "$delivered"
twice=$(cat "$work"/many.*.log | sed -n 's/.* - Message \([^ ]*\) sent to .*/\1/p' | sort | uniq -d)
[ -z "$twice" ] || { say "FAIL: many: sent by two processes: $(echo $twice | head -c 200)"; failed=1; }

# 3. the listener's delivery process, 8 sessions, while 10 clients send:
# on port 0, the kernel's choice (no other process can take it first), read
# from the log once it says it listens (SMTP_listen(port=N))
"$SMTPGW" run -v --concurrency 8 --spool "$work/spool.listen" --smarthost "$host" -W 1 \
    --listen 127.0.0.1:0 --log "$work/listen.log" 2> /dev/null &
lpid=$!
listening() { grep -qs "SMTP_listen(port=[0-9]*)" "$work/listen.log" || ! kill -0 "$lpid"; }
wait_for 60 listening
gw_port=$(sed -n 's/.*SMTP_listen(port=\([0-9]*\)).*/\1/p' "$work/listen.log" | head -n 1)
[ -n "$gw_port" ] ||
    { say "FAIL: the listener did not listen on 127.0.0.1:0: $(tail -n 3 "$work/listen.log")"; exit 1; }
"$GWLOAD" --port "$gw_port" --messages "$N" --clients 10 --per-session 10 --prefix listen \
    --out "$work/acks" 2> "$work/gwload.err" ||
    { say "FAIL: gwload: $(tail -n 3 "$work/gwload.err")"; failed=1; }
spool_listen_empty() {
	[ -z "$(find "$work/spool.listen/new" "$work/spool.listen/deferred" -type f -name '2*')" ]
}
wait_for 60 spool_listen_empty || say "listen: the spool did not empty in 60 s"
kill -TERM "$lpid"
wait "$lpid"
lpid=""
awk '$1 == "ACK" { print $2 }' "$work/acks" | sort > "$work/want.listen"
acked=$(wc -l < "$work/want.listen")
[ "$acked" -eq "$N" ] || { say "FAIL: listen: $acked of $N acknowledged"; failed=1; }
delivered=$((delivered + acked))
check listen "$work/want.listen" "$delivered"

say "whole test $((SECONDS - t0)) s"
[ "$failed" -eq 0 ] || { KEEP=1; say "FAIL"; exit 1; }
say "PASS"
