#!/usr/bin/env bash
# The smtpgw relay benchmark: a queue relayed from the spool to a private
# Postfix on loopback (tests/peer/postfix.sh) at 1, 4 and 16 sessions, against
# Postfix's own test client smtp-source at the same concurrency, in the same
# run, in rounds that alternate which goes first; msmtp and swaks (one process
# per message) for the same 3 KB message; smtpgw's peak memory with 10,000
# queued messages (and 1,000, to see that it does not grow with the queue).
# Writes the section between <!-- bench:smtpgw begin --> and
# <!-- bench:smtpgw end --> of docs/benchmarks.md.
#
#   tests/bench/gw.sh          (make bench-gw; needs root and Postfix)
#
# Environment: GW_BENCH_MESSAGES (messages per timed relay, 2000),
# GW_BENCH_ROUNDS (3), GW_BENCH_SESSIONS ("1 4 16"), GW_BENCH_QUEUE (the
# memory queue, 10000), GW_BENCH_PEER_MESSAGES (msmtp and swaks, 100),
# GW_BENCH_BEFORE=PATH (an older smtpgw, measured beside this one: one
# `run --once` per session, as several processes shared a spool before
# --concurrency) and GW_BENCH_BEFORE_NAME (its name in the tables),
# GW_BENCH_DOC (the file to write, docs/benchmarks.md; "-" for none).
# A missing peer (msmtp, swaks, smtp-source) is skipped with a note.
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${GW_BENCH_MESSAGES:-2000}
ROUNDS=${GW_BENCH_ROUNDS:-3}
SESSIONS=${GW_BENCH_SESSIONS:-1 4 16}
NQ=${GW_BENCH_QUEUE:-10000}
N_PEER=${GW_BENCH_PEER_MESSAGES:-100}
BEFORE=${GW_BENCH_BEFORE:-}
BEFORE_NAME=${GW_BENCH_BEFORE_NAME:-before}
DOC=${GW_BENCH_DOC:-docs/benchmarks.md}
POSTFIX_SH=${POSTFIX_SH:-tests/peer/postfix.sh}
SMTPGW=$PWD/build/smtpgw
say() { printf 'bench-gw: %s\n' "$*" >&2; }

[ -f "$POSTFIX_SH" ] || { say "SKIP: no $POSTFIX_SH"; exit 0; }
bash "$POSTFIX_SH" check || { say "SKIP: Postfix cannot run here"; exit 0; }
[ -x /usr/bin/time ] || { say "SKIP: no /usr/bin/time (make deps-bench)"; exit 0; }
${MAKE:-make} --no-print-directory build >&2
PATH=$PATH:/usr/sbin
have_source=0
command -v smtp-source >/dev/null && have_source=1

work=$(mktemp -d /tmp/gwbench.XXXXXX)
chmod 755 "$work"
port=$(( 20000 + RANDOM % 20000 ))
pf=$work/postfix
cleanup() { bash "$POSTFIX_SH" stop "$pf" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
bash "$POSTFIX_SH" start "$pf" "$port" >&2
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

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
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
# Wait until Postfix has put everything into the Maildir (not timed), so that
# its deliveries do not run into the next measurement.
settle() { delivered=$((delivered + $1)); bash "$POSTFIX_SH" wait "$pf" "$delivered" 600 >/dev/null; }

# CPU seconds (user + system) of the Postfix instance so far: its master with
# its reaped children, and the children alive now.
pf_cpu() {
	local mpid
	mpid=$(tr -d ' \n' < "$pf/queue/pid/master.pid")
	{
		cat "/proc/$mpid/stat"
		for c in $(cat /proc/"$mpid"/task/*/children 2>/dev/null); do
			cat "/proc/$c/stat" 2>/dev/null || true
		done
	} | awk -v hz="$(getconf CLK_TCK)" -v m="$mpid" '{
		sub(/^.*\) /, "");	# the fields after the command name: state is $1
		t += $12 + $13;		# utime, stime
		if (NR == 1) t += $14 + $15	# the master: its reaped children too
	} END { printf "%.2f", t / hz }'
}
# The machine's busy share of its cores, from /proc/stat, between two readings.
cpu_mark() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
busy_pct() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { printf "%.0f", 100 * (c - a) / (d - b) }'; }

# queue SPOOL N: N messages through `smtpgw submit`, four at a time
queue() {
	seq "$2" | xargs -P 4 -I{} sh -c "'$SMTPGW' submit --spool '$1' -f bench@example.org \
	    sink@example.org < '$msg' > /dev/null"
}

# One timed relay: prints "rate tool_cpu postfix_cpu machine_busy% peak_kb"
timed() {	# timed N COMMAND...
	local n=$1 t0 t1 p0 p1 m0 m1 c0 c1 u sy kb
	shift
	read -r m0 m1 < <(cpu_mark)
	p0=$(pf_cpu)
	t0=$(now)
	/usr/bin/time -o "$work/time" -f '%U %S %M' "$@" > /dev/null 2> "$work/stderr" ||
	    { say "FAILED: $* ($(tail -n 3 "$work/stderr"))"; exit 1; }
	t1=$(now)
	read -r c0 c1 < <(cpu_mark)
	settle "$n"
	p1=$(pf_cpu)
	read -r u sy kb < <(tail -n 1 "$work/time")
	echo "$(rate "$n" "$t0" "$t1") $(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.2f", u + s }')" \
	    "$(awk -v a="$p0" -v b="$p1" 'BEGIN { printf "%.2f", b - a }')" \
	    "$(busy_pct "$m0" "$m1" "$c0" "$c1") $kb"
}

# Several `run --once` of an older build on one spool: its only parallelism.
before_run() {	# before_run SESSIONS SPOOL
	local i pids=""
	for i in $(seq "$1"); do
		"$BEFORE" run --once --spool "$2" --smarthost "127.0.0.1:$port" > /dev/null 2>&1 &
		pids="$pids $!"
	done
	for i in $pids; do wait "$i" || true; done
}

say "queueing $N messages for the template spool"
queue "$work/template" "$N"
results=$work/results
: > "$results"
for r in $(seq "$ROUNDS"); do
	for s in $SESSIONS; do
		order="gw source"
		[ $(( r % 2 )) -eq 0 ] && order="source gw"
		[ -n "$BEFORE" ] && order="$order before"
		for tool in $order; do
			rm -rf "$work/spool"
			cp -a "$work/template" "$work/spool"
			case $tool in
			gw) line=$(timed "$N" "$SMTPGW" run --once --concurrency "$s" --spool "$work/spool" \
			    --smarthost "127.0.0.1:$port") ;;
			source)
				[ "$have_source" = 1 ] || continue
				line=$(timed "$N" smtp-source -d -s "$s" -m "$N" -l "$size" \
				    -f bench@example.org -t sink@example.org "127.0.0.1:$port") ;;
			before)
				export -f before_run
				export BEFORE port
				line=$(timed "$N" bash -c "before_run $s '$work/spool'") ;;
			esac
			[ "$tool" = source ] || [ -z "$(find "$work/spool/new" "$work/spool/deferred" -type f)" ] ||
			    { say "FAILED: $tool left messages queued"; exit 1; }
			echo "$tool $s $r $line" >> "$results"
			say "round $r, $s sessions, $tool: $line (msg/s, CPU s, Postfix CPU s, busy %, KB)"
		done
	done
done

# Medians per tool and sessions: rate, CPU, Postfix CPU, busy
med() {	# med TOOL SESSIONS FIELD
	awk -v t="$1" -v s="$2" -v f="$3" '$1 == t && $2 == s { print $f }' "$results" | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
	        else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# the median of the per-round ratios smtpgw / smtp-source
ratio() {
	awk -v s="$1" '$2 == s && $1 == "gw" { g[$3] = $4 } $2 == s && $1 == "source" { p[$3] = $4 }
	    END { for (r in g) if (r in p && p[r] > 0) print g[r] / p[r] }' "$results" | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.2f", v[(NR + 1) / 2];
	        else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
per_k() { awk -v c="$1" -v n="$N" 'BEGIN { if (c == "-") print "-"; else printf "%.0f", 1000 * c / n * 1000 }'; }

table=""
for s in $SESSIONS; do
	table="$table| $s | $(med gw "$s" 4) | $(med source "$s" 4) | $(ratio "$s") |"
	table="$table $(per_k "$(med gw "$s" 5)") | $(per_k "$(med source "$s" 5)") |"
	table="$table $(per_k "$(med gw "$s" 6)") / $(per_k "$(med source "$s" 6)") |"
	table="$table $(med gw "$s" 7) / $(med source "$s" 7) |"
	[ -n "$BEFORE" ] && table="$table $(med before "$s" 4) |"
	table="$table"$'\n'
done

# Memory: the peak RSS of one run --once over NQ and over NQ/10 queued
# messages (copies of one queue made with submit: the same files each time).
mem() {	# mem N SESSIONS [SMTPGW]: "peak_kb rate"
	local n=$1 s=$2 gw=${3:-$SMTPGW} sp=$work/mem.spool line
	rm -rf "$sp"
	cp -a "$work/mem.$n" "$sp"
	if [ "$gw" = "$SMTPGW" ]; then
		line=$(timed "$n" "$gw" run --once --concurrency "$s" --spool "$sp" --smarthost "127.0.0.1:$port")
	else
		line=$(timed "$n" "$gw" run --once --spool "$sp" --smarthost "127.0.0.1:$port")
	fi
	echo "$line" | awk '{ print $5, $1 }'
}
say "memory: queueing $NQ messages (and $((NQ / 10)))"
queue "$work/mem.$NQ" "$NQ"
queue "$work/mem.$((NQ / 10))" $((NQ / 10))
read -r mem_small rate_small <<< "$(mem $((NQ / 10)) 16)"
read -r mem_big rate_big <<< "$(mem "$NQ" 16)"
read -r mem_big1 rate_big1 <<< "$(mem "$NQ" 1)"
mem_before="" mem_before_small=""
if [ -n "$BEFORE" ]; then
	read -r mem_before_small _ <<< "$(mem $((NQ / 10)) 1 "$BEFORE")"
	read -r mem_before _ <<< "$(mem "$NQ" 1 "$BEFORE")"
fi
say "memory: $mem_small KB ($((NQ / 10)) queued, 16 sessions), $mem_big KB ($NQ, 16), $mem_big1 KB ($NQ, 1)${mem_before:+, before: $mem_before_small KB and $mem_before KB}"

sub_t0=$(now)
for _ in $(seq 200); do
	"$SMTPGW" submit --spool "$work/spool.submit" -f bench@example.org sink@example.org < "$msg" > /dev/null
done
sub_rate=$(rate 200 "$sub_t0" "$(now)")

msmtp_rate="not installed"
if command -v msmtp >/dev/null; then
	t0=$(now)
	for _ in $(seq "$N_PEER"); do
		msmtp --host=127.0.0.1 --port="$port" --auth=off --tls=off \
		    --from=bench@example.org sink@example.org < "$msg"
	done
	msmtp_rate=$(rate "$N_PEER" "$t0" "$(now)")
	settle "$N_PEER"
fi
swaks_rate="not installed"
if command -v swaks >/dev/null; then
	t0=$(now)
	for _ in $(seq "$N_PEER"); do
		swaks --silent 2 --server 127.0.0.1 --port "$port" --from bench@example.org \
		    --to sink@example.org --data "@$msg" > /dev/null
	done
	swaks_rate=$(rate "$N_PEER" "$t0" "$(now)")
	settle "$N_PEER"
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
say "msmtp: $msmtp_rate msg/s; swaks: $swaks_rate msg/s; submit: $sub_rate msg/s; load $load_start -> $load_end"

before_head="" before_sep=""
if [ -n "$BEFORE" ]; then
	before_head=" $BEFORE_NAME: S x \`run --once\` msg/s |"
	before_sep="---:|"
fi
section=$(cat <<END
<!-- bench:smtpgw begin -->
## smtpgw relay

Written by \`tests/bench/gw.sh\` (\`make bench-gw\`) on $(date -u +%Y-%m-%d), kbdiag source
$(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load average
$load_start at the start and $load_end at the end (other work shares the machine).
A private Postfix (tests/peer/postfix.sh) on 127.0.0.1 takes every message into
one Maildir; each message is the same $size bytes. smtpgw relays a queue of $N
messages from its spool with one \`run --once --concurrency S\` (S sessions, each
message claimed, sent with PIPELINING and removed only after Postfix's 250, the
removals fsynced per 64); Postfix's \`smtp-source -d -s S -m $N -l $size\` sends as
many over S sessions from memory. Each figure is the median of $ROUNDS rounds, and
in each round the two run one after the other (which one first alternates); the
ratio is the median of the rounds' ratios. The time is from the start of the
relay to its end; Postfix's own delivery into the Maildir is awaited between
runs, not counted. CPU is user + system time per 1,000 messages: of the sender,
and of the Postfix instance (its master, its reaped and its live children) for
the same messages, taking them in and delivering them into the Maildir; "busy"
is the share of the machine's cores in use during the run, other engineers'
work included.

| sessions | smtpgw msg/s | smtp-source msg/s | smtpgw / smtp-source | smtpgw CPU ms | smtp-source CPU ms | Postfix CPU ms (smtpgw / smtp-source) | busy % (smtpgw / smtp-source) |${before_head}
|---:|---:|---:|---:|---:|---:|---:|---:|${before_sep}
${table%$'\n'}

Peak memory of \`run --once\` (GNU time's maximum resident set):

| queued messages | sessions | peak memory | msg/s |
|---:|---:|---:|---:|
| $((NQ / 10)) | 16 | $mem_small KB | $rate_small |
| $NQ | 16 | $mem_big KB | $rate_big |
| $NQ | 1 | $mem_big1 KB | $rate_big1 |
$( [ -n "$mem_before" ] && printf '| %s (%s) | 1 | %s KB | - |\n| %s (%s) | 1 | %s KB | - |' \
    $((NQ / 10)) "$BEFORE_NAME" "$mem_before_small" "$NQ" "$BEFORE_NAME" "$mem_before")

One process per message, as a cron job or script would send (the same Postfix):

| sender | messages | messages/s |
|---|---:|---:|
| msmtp | $N_PEER | $msmtp_rate |
| swaks | $N_PEER | $swaks_rate |
| smtpgw submit (into the spool, fsynced) | 200 | $sub_rate |

docs/benchmarks.md says, below this section, what limits each column.
<!-- bench:smtpgw end -->
END
)
if [ "$DOC" = - ]; then
	printf '%s\n' "$section"
	exit 0
fi
if grep -q '<!-- bench:smtpgw begin -->' "$DOC"; then
	awk -v s="$section" '
		/<!-- bench:smtpgw begin -->/ { print s; skip = 1; next }
		/<!-- bench:smtpgw end -->/ { skip = 0; next }
		!skip { print }' "$DOC" > "$DOC.tmp" && mv "$DOC.tmp" "$DOC"
else
	printf '\n%s\n' "$section" >> "$DOC"
fi
say "wrote $DOC"
