#!/usr/bin/env bash
# The soak test of issue 14: N messages accepted through smtpgw's listener from
# many concurrent clients (build/gwload), while the listener's own delivery
# process, a second `smtpgw run` and repeated `smtpgw flush`es deliver them from
# one spool to a private Postfix (tests/peer/postfix.sh), each over several
# sessions at once (--concurrency, issue 22), and processes are
# killed with SIGKILL at seeded random moments (the listener, its delivery
# process, its sessions, the other run, a flush), each kill logged; killed
# ones are started again. Then:
#   - every message the gateway acknowledged (250) arrived at Postfix,
#   - nothing is in bad/ (none was bad on arrival),
#   - no message was delivered to the end twice ("Message ID sent" at most once
#     per queue id: two claims at once would show here),
#   - every duplicate is explained by the documented window: an attempt of that
#     message that never concluded (its process was killed between the final
#     dot and the removal) or that was stopped waiting for the dot's reply;
#     the duplicates are counted and printed,
#   - a message whose client lost the connection before the reply to its dot
#     ("ambiguous") may have arrived or not; they are counted, never lost.
#
#   tests/integration/gw-soak.sh [N] [CLIENTS]   (default 10000 and 50)
#
# Environment: BUILD (default build), SOAK_SEED (the kill schedule; default the
# time, printed), SOAK_KILL_MS="MIN MAX" (the gap between kills, default
# "300 1500"), SOAK_DEADLINE (seconds for the whole delivery, default 900),
# SOAK_PER_SESSION (messages per client session, default 20), SOAK_SESSIONS (the
# --concurrency of every delivering process, default 4), SOAK_PAUSE_MS
# (each client waits this long between the 354 and its message, default 20:
# sessions spend time in the middle of their data, where kills hurt most),
# KEEP=1 keeps the work directory (logs, kills.log, acks).
# Needs root and Postfix; exit 0 = PASS, 1 = FAIL, 77 = SKIP.
set -uo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
CLIENTS=${2:-50}
BUILD=${BUILD:-build}
SEED=${SOAK_SEED:-$(date +%s)}
read -r KILL_MIN KILL_MAX <<< "${SOAK_KILL_MS:-300 1500}"
DEADLINE=${SOAK_DEADLINE:-900}
SESSIONS=${SOAK_SESSIONS:-4}
POSTFIX_SH=${POSTFIX_SH:-tests/peer/postfix.sh}
SMTPGW=$PWD/$BUILD/smtpgw
GWLOAD=$PWD/$BUILD/gwload
say() { printf 'gw-soak: %s\n' "$*" >&2; }
. tests/lib.sh

postfix_usable say || exit 77
for b in "$SMTPGW" "$GWLOAD"; do
	[ -x "$b" ] || { say "SKIP: $b not built (make $b)"; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/gwsoak.XXXXXX")
chmod 755 "$work"
sp=$work/spool
logs=$work/logs
mkdir -p "$logs"
# The listener's port: the kernel's choice the first time (127.0.0.1:0: no
# other process can hold it, as it could a free_port another test also
# chose), then that port again each time the listener is started after a
# kill -9, as an administrator's gateway comes back where its clients
# connect. Meanwhile the port (of the kernel's ephemeral range) may be the
# local port of another process's connection: the start is then retried on
# the same port until it binds (gwload refuses a connection to itself, the
# one of its own that could hold it).
gw_port=0
lpid="" rpid="" loadpid="" flushloop="" ln=0 rn=0
cleanup() {
	touch "$work/stop"
	for p in $loadpid $flushloop $lpid $rpid; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	bash "$POSTFIX_SH" stop "$work/pf" >/dev/null 2>&1
	if [ -n "${KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

t0=$SECONDS
RANDOM=$SEED
say "seed $SEED: $N messages, $CLIENTS clients, $SESSIONS sessions per delivering process," \
    "a kill every $KILL_MIN..$KILL_MAX ms"
# Postfix first: the gateways name its port, which postfix_start (tests/lib.sh)
# chooses again when another process took it first (three tries)
if ! postfix_start "$work/pf" > "$work/pf.start" 2>&1; then
	say "FAIL: Postfix did not start: $(tail -n 5 "$work/pf.start")"
	exit 1
fi
pf_port=$(cat "$work/pf.port")

common=(--spool "$sp" --smarthost "127.0.0.1:$pf_port" -v -W 1 --timeout 30 --data-timeout 30
    --concurrency "$SESSIONS")
start_listener() {
	ln=$((ln + 1))
	"$SMTPGW" run "${common[@]}" --listen "127.0.0.1:$gw_port" --log "$logs/listen.$ln.log" \
	    --max-sessions $((CLIENTS * 2)) --max-client-sessions $((CLIENTS * 2)) \
	    2>> "$logs/stderr" &
	lpid=$!
}
start_runner() {
	rn=$((rn + 1))
	"$SMTPGW" run "${common[@]}" --log "$logs/run.$rn.log" 2>> "$logs/stderr" &
	rpid=$!
}
# It says SMTP_listen(port=N) once it holds the port (N the kernel's choice
# for port 0); when it cannot bind, it says "Error bind" and ends.
listening() { grep -qs "SMTP_listen(port=[1-9]" "$logs/listen.$ln.log" || ! kill -0 "$lpid"; }
# listen_on: start the listener on $gw_port; 0 once it listens there (for
# port 0: on the port it got, now $gw_port), 1 when it never did (tries of
# 0.2 s over 30 s while the port is held by another)
listen_on() {
	local try got
	for try in $(seq 150); do
		start_listener
		wait_for 60 listening
		if grep -qs "SMTP_listen(port=[1-9]" "$logs/listen.$ln.log"; then
			got=$(sed -n 's/.*SMTP_listen(port=\([0-9]*\)).*/\1/p' \
			    "$logs/listen.$ln.log" | head -n 1)
			[ "$gw_port" = 0 ] && gw_port=$got
			# (the clients connect to that port: it must be the same)
			[ "$got" = "$gw_port" ] && return 0
			say "the listener listens on $got, not on $gw_port"
			return 1
		fi
		kill -0 "$lpid" 2>/dev/null && return 1	# neither: said by the caller
		[ "$try" = 1 ] && say "the listener could not bind 127.0.0.1:$gw_port:" \
		    "$(tail -n 1 "$logs/listen.$ln.log"); trying again on the same port"
		sleep 0.2
	done
	return 1
}
if ! listen_on; then
	say "FAIL: the listener did not listen on 127.0.0.1:$gw_port: $(tail -n 3 "$logs/stderr" "$logs/listen.$ln.log" 2>/dev/null)"
	exit 1
fi
start_runner
# flush after flush, each with a log of its own
(
	i=0
	while [ ! -e "$work/stop" ]; do
		i=$((i + 1))
		"$SMTPGW" flush --spool "$sp" --smarthost "127.0.0.1:$pf_port" -v \
		    --timeout 30 --data-timeout 30 --concurrency "$SESSIONS" --log "$logs/flush.$i.log" \
		    >/dev/null 2>> "$logs/stderr"
		sleep 0.3
	done
) 2>/dev/null &
flushloop=$!
"$GWLOAD" --port "$gw_port" --messages "$N" --clients "$CLIENTS" --per-session "${SOAK_PER_SESSION:-20}" \
    --pause "${SOAK_PAUSE_MS:-20}" \
    --out "$work/acks" 2>> "$logs/stderr" &
loadpid=$!

# children of pid with that command name (comm)
children() {
	local pid=$1 name=$2 c
	for c in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$name" ] && echo "$c"
	done
}
flushes() {
	local p
	for p in $(pgrep -x smtpgw); do
		tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "flush --spool $sp " && echo "$p"
	done
}
pick() { local a=("$@"); [ ${#a[@]} -gt 0 ] && echo "${a[RANDOM % ${#a[@]}]}"; }

kills=0
declare -A killed_role=()
: > "$work/kills.log"
queued() { find "$sp/new" "$sp/deferred" -maxdepth 1 -type f -name '2*' 2>/dev/null | wc -l; }
# kill while the clients send and until the queue is empty
while kill -0 "$loadpid" 2>/dev/null || [ "$(queued)" -gt 0 ]; do
	ms=$(( KILL_MIN + RANDOM % (KILL_MAX - KILL_MIN + 1) ))
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	[ $((SECONDS - t0)) -ge "$DEADLINE" ] && break
	r=$((RANDOM % 100))
	role="" victim=""
	# while the clients send, sessions are the likeliest victims
	kill -0 "$loadpid" 2>/dev/null && r=$(( r < 40 ? 100 : r - 40 ))
	if [ $r -ge 100 ]; then role=session; victim=$(pick $(children "$lpid" smtpgw-session))
	elif [ $r -lt 35 ]; then role=deliver; victim=$(pick $(children "$lpid" smtpgw-deliver))
	elif [ $r -lt 60 ]; then role=run; victim=$rpid
	elif [ $r -lt 85 ]; then role=flush; victim=$(pick $(flushes))
	else role=listener; victim=$lpid
	fi
	[ -n "$victim" ] || continue
	kill -9 "$victim" 2>/dev/null || continue
	kills=$((kills + 1))
	killed_role[$role]=$(( ${killed_role[$role]:-0} + 1 ))
	printf '%d.%03d %s %s\n' "$((SECONDS - t0))" "$ms" "$role" "$victim" >> "$work/kills.log"
	case $role in
	listener)
		wait "$lpid" 2>/dev/null
		if ! listen_on; then
			say "FAIL: the listener killed did not come back on 127.0.0.1:$gw_port:" \
			    "$(tail -n 3 "$logs/listen.$ln.log" 2>/dev/null)"
			exit 1
		fi ;;
	run) wait "$rpid" 2>/dev/null; start_runner ;;
	esac
done
queue_time=$((SECONDS - t0))
if kill -0 "$loadpid" 2>/dev/null; then
	say "FAIL: the clients (gwload) had not finished after the deadline of $DEADLINE s: $(tail -n 3 "$logs/stderr")"
	exit 1
fi
wait "$loadpid"
load_status=$?
loadpid=""
[ "$load_status" -eq 0 ] || { say "FAIL: gwload exited $load_status"; exit 1; }
left=$(queued)
[ "$left" -eq 0 ] || { say "FAIL: $left messages still queued after $DEADLINE s"; exit 1; }
touch "$work/stop"
kill "$flushloop" 2>/dev/null
for p in $lpid $rpid; do kill -TERM "$p" 2>/dev/null; done
wait 2>/dev/null
lpid="" rpid="" flushloop=""

acked=$(grep -c '^ACK ' "$work/acks")
ambig=$(grep -c '^AMBIG ' "$work/acks")
bad=$(find "$sp/bad" -maxdepth 1 -type f -name '2*' | wc -l)
tmpleft=$(find "$sp/tmp" -maxdepth 1 -type f | wc -l)
bash "$POSTFIX_SH" wait "$work/pf" "$acked" 120 >/dev/null 2>&1
# what is still in Postfix's queue (a duplicate among it) arrives before the count
postfix_settled "$work/pf" 60 >/dev/null 2>&1 || say "Postfix's queue did not empty in 60 s"
bash "$POSTFIX_SH" ids "$work/pf" | sort > "$work/delivered"
awk '$1 == "ACK" { print $2 }' "$work/acks" | sort > "$work/acked"
awk '$1 == "AMBIG" { print $2 }' "$work/acks" | sort > "$work/ambig"
total=$(wc -l < "$work/delivered")
distinct=$(sort -u "$work/delivered" | wc -l)
lost=$(comm -23 "$work/acked" <(sort -u "$work/delivered") | wc -l)
ambig_arrived=$(comm -12 "$work/ambig" <(sort -u "$work/delivered") | wc -l)
failed=0
[ "$lost" -eq 0 ] || { say "FAIL: $lost acknowledged messages lost:"; comm -23 "$work/acked" \
    <(sort -u "$work/delivered") | head -5 >&2; failed=1; }
[ "$bad" -eq 0 ] || { say "FAIL: $bad messages in bad/"; failed=1; }
# a message delivered to the end (sent, removed) by two processes: a broken claim
twice=$(cat "$logs"/*.log | sed -n 's/.* - Message \([^ ]*\) sent to .*/\1/p' | sort | uniq -d)
[ -z "$twice" ] || { say "FAIL: delivered to the end twice: $(echo $twice | head -c 300)"; failed=1; }
# every duplicate explained by an attempt that did not conclude, or stopped at the dot
dups=0 unexplained=0
while read -r count msgid; do
	[ "$count" -gt 1 ] || continue
	extra=$((count - 1))
	dups=$((dups + extra))
	qid=$(awk -v m="$msgid" '$1 == "ACK" && $2 == m { print $3 }' "$work/acks")
	if [ -z "$qid" ]; then
		say "FAIL: $msgid arrived $count times and was never acknowledged"; failed=1; continue
	fi
	# each log is one process's (the listener's: one delivery process at a
	# time): an attempt is open from its "Delivering" line to the line that
	# concludes it; one still open at the next attempt or at the end of the
	# log was killed
	read -r tries open at_dot < <(awk -v q="$qid" '
		FNR == 1 { if (o) u++; o = 0 }
		index($0, " - Delivering message " q " (") { t++; if (o) u++; o = 1; next }
		index($0, " - Message " q ": delivery stopped in the end-of-data phase") {
			if (o) d++; o = 0; next }
		index($0, " - Message " q " ") || index($0, " - Message " q ":") { o = 0 }
		END { if (o) u++; print t + 0, u + 0, d + 0 }' "$logs"/*.log)
	explained=$((open + at_dot))
	if [ "$extra" -gt "$explained" ]; then
		say "FAIL: $msgid ($qid) arrived $count times; $tries attempts, $open killed" \
		    "in the middle, $at_dot stopped at the dot"
		unexplained=$((unexplained + extra))
		failed=1
	fi
done < <(uniq -c "$work/delivered")
roles=""
for r in listener deliver session run flush; do roles="$roles $r ${killed_role[$r]:-0},"; done
say "$N messages from $CLIENTS clients; $acked acknowledged, $ambig ambiguous (connection lost" \
    "before the dot's reply; $ambig_arrived of them arrived); $kills kills:${roles%,}"
say "delivered $total, $distinct distinct, $dups duplicates (all in the documented window:" \
    "$((dups - unexplained)) explained), $lost lost, $bad in bad/, $tmpleft unfinished files" \
    "left in tmp/ (removed after a minute by the next run)"
say "the queue was empty at ${queue_time} s, the whole test $((SECONDS - t0)) s"
[ "$failed" -eq 0 ] || { KEEP=1; say "FAIL (seed $SEED)"; exit 1; }
say "PASS"
