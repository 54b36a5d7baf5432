#!/usr/bin/env bash
# kill -9 of smtpgw at random moments while it relays N messages to a private
# Postfix, restarted each time until the queue is empty: every message must
# arrive; duplicates are allowed only for the window between the final dot and
# Postfix's 250 (docs/smtpgw.md), and are counted and reported.
#
#   tests/integration/gw-kill9.sh [N]        (default 1000; needs root and Postfix)
#
# Exit 0 = nothing lost, 1 = a message lost or a check failed, 77 = SKIP.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000}
POSTFIX_SH=${POSTFIX_SH:-tests/peer/postfix.sh}
say() { printf 'gw-kill9: %s\n' "$*" >&2; }

[ -f "$POSTFIX_SH" ] || { say "SKIP: no $POSTFIX_SH"; exit 77; }
bash "$POSTFIX_SH" check || { say "SKIP: Postfix cannot run here"; exit 77; }
[ -x build/smtpgw ] || { say "SKIP: build/smtpgw not built (make)"; exit 77; }

work=$(mktemp -d /tmp/gwkill.XXXXXX)
chmod 755 "$work"
port=$(( 20000 + RANDOM % 20000 ))
cleanup() { bash "$POSTFIX_SH" stop "$work/pf" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
bash "$POSTFIX_SH" start "$work/pf" "$port" >&2

for i in $(seq "$N"); do
	printf 'From: a@example.org\nTo: b@example.org\nMessage-ID: <kill9-%d@smtpgw.test>\nSubject: %d\n\nbody %d\n' \
	    "$i" "$i" "$i" | build/smtpgw submit --spool "$work/spool" -f a@example.org b@example.org >/dev/null
done
say "$N messages queued"

kills=0
while :; do
	left=$(ls "$work/spool/new" "$work/spool/deferred" 2>/dev/null | grep -c '^2' || true)
	[ "$left" -eq 0 ] && break
	build/smtpgw run --once -W 0 --spool "$work/spool" --smarthost "127.0.0.1:$port" \
	    --log "$work/gw.log" >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(( RANDOM % 4 ))$(( RANDOM % 10 ))"
	if kill -9 "$pid" 2>/dev/null; then
		kills=$((kills + 1))
	fi
	wait "$pid" 2>/dev/null || true
done
bad=$(ls "$work/spool/bad" 2>/dev/null | grep -c '^2' || true)
[ "$bad" -eq 0 ] || { say "FAIL: $bad messages in bad/"; exit 1; }
bash "$POSTFIX_SH" wait "$work/pf" "$N" 120 || true
bash "$POSTFIX_SH" ids "$work/pf" | sort > "$work/ids"
total=$(wc -l < "$work/ids")
unique=$(sort -u "$work/ids" | wc -l)
missing=0
for i in $(seq "$N"); do
	grep -qx "<kill9-$i@smtpgw.test>" "$work/ids" || missing=$((missing + 1))
done
say "$kills kills; $total delivered, $unique distinct, $((total - unique)) duplicates, $missing lost"
[ "$missing" -eq 0 ] || { say "FAIL: $missing messages lost"; exit 1; }
say "PASS"
