#!/usr/bin/env bash
# The reliability matrix of issue 7: for each fault of a smart host (nothing
# listening, reset before the greeting, close in the middle of DATA, silence,
# no reply to the final dot, 421 as the greeting and to the final dot, bare LF)
# a few messages are submitted to their own spool and `smtpgw run --once` sends
# them to build/faultpeer playing that fault. Then:
#   (a) every message is still in the spool (deferred/, one attempt, the legacy
#       line as its last error; none in bad/, none lost),
#   (b) the text log has the legacy line of docs/smtpgw.md (and its companion),
#   (c) the events file has one event per failure (one for the pass when the
#       session never started, one per message when it died under each) with
#       the right text, code, class, phase, errno, peer, port and queue id;
# and then a private Postfix (tests/peer/postfix.sh) is the healthy smart host:
# `smtpgw flush` empties every spool and each message arrives exactly once
# (by its Message-ID). Bare LF is only a warning: those messages go to the
# fault peer at once, each exactly once.
#
# Run by `make check` from the top of the tree after the build (BUILD=dir for
# another build directory); prints PASS, FAIL or SKIP (with the reason) per
# check; exit 1 when one failed. Only 127.0.0.1 is contacted. When Postfix
# cannot run here, the redelivery goes to a healthy faultpeer instead and the
# Postfix part is a SKIP with the reason. KEEP=1 keeps the work directory.
set -u

top=$(pwd)
. "$top/tests/lib.sh"
build=${BUILD:-build}
smtpgw="$top/$build/smtpgw"
faultpeer="$top/$build/faultpeer"
postfix_sh=${POSTFIX_SH:-"$top/tests/peer/postfix.sh"}
M=${GWREL_MESSAGES:-3}		# messages per fault
work=$(mktemp -d "${TMPDIR:-/tmp}/gwrel.XXXXXX")
chmod 0755 "$work"		# Postfix's daemons run as postfix
failed=0
pids=""
pf_dir=""
pf_pid=""
keep=${KEEP:-}

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	[ -n "$pf_pid" ] && wait "$pf_pid" 2>/dev/null
	[ -n "$pf_dir" ] && bash "$postfix_sh" stop "$pf_dir" >/dev/null 2>&1
	if [ -n "$keep" ]; then echo "gw-reliability: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { echo "gw-reliability: PASS: $1"; }
fail() { echo "gw-reliability: FAIL: $1" >&2; failed=1; }
skip() { echo "gw-reliability: SKIP: $1: $2"; }
# check WHAT GOT WANT
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi; }

for f in "$smtpgw" "$faultpeer"; do
	[ -x "$f" ] || { skip all "$f is not built (make)"; exit 0; }
done
command -v jq >/dev/null 2>&1 || { skip all "jq is not installed (make deps-test installs it)"; exit 0; }

# peer NAME ARGS...: faultpeer on 127.0.0.1:0 with its files in $work/NAME;
# sets $port and $peer_pid.
peer() {
	local name=$1
	shift
	mkdir -p "$work/$name"
	rm -f "$work/$name/port"
	"$faultpeer" --listen 127.0.0.1:0 --port-file "$work/$name/port" \
	    --transcript "$work/$name/transcript" "$@" >"$work/$name/peer.log" 2>&1 &
	peer_pid=$!
	pids="$pids $peer_pid"
	wait_file "$work/$name/port"
	port=$(cat "$work/$name/port" 2>/dev/null)
	[ -n "$port" ] || { fail "$name: faultpeer did not start: $(cat "$work/$name/peer.log")"; port=1; }
}
stop_peer() { kill "$peer_pid" 2>/dev/null; wait "$peer_pid" 2>/dev/null; }

# A port where nothing listens: tests/lib.sh's free_port (not a faultpeer's,
# once gone: that was a port of the ephemeral range, which any connection
# from this machine may take next, the gateway's own included).

# Postfix starts in the background (it takes seconds) while the faults run.
pf_why=""
if ! pf_why=$(bash "$postfix_sh" check 2>&1); then
	:
else
	pf_dir="$work/postfix"
	# on a free port, another when a process took it first (three tries)
	postfix_start "$pf_dir" >"$work/postfix.start" 2>&1 &
	pf_pid=$!
fi

count_dir() { find "$1" -maxdepth 1 -type f -name '2*' 2>/dev/null | wc -l | tr -d ' '; }

# The matrix: name | faultpeer arguments ("-": nothing listens) | the legacy line |
# code (JSON) | phase | errno ("-": none) | events: one per "session" or per "message" |
# after the run: "kept" in the spool or "delivered" to the peer.
matrix='nothing|-|ERROR connect: (121) network error|121|connect|ECONNREFUSED|session|kept
reset|--fault reset|ERROR read: (52) Network dropped connection or reset|52|greeting|ECONNRESET|session|kept
close-in-data|--fault close-in-data --after 100|ERROR Network_read: Lost network connection|null|end-of-data|-|message|kept
silent|--fault silent|ERROR network_read: timed out|null|greeting|ETIMEDOUT|session|kept
no-final-reply|--fault no-final-reply|ERROR network_read: timed out|null|end-of-data|ETIMEDOUT|message|kept
greet-421|--fault greet-421|ERROR connection to smart host failed|null|greeting|-|session|kept
reply-421|--fault reply-421 --after 5|ERROR Invalid response to .: 421 4.3.0 faultpeer.test Service not available, closing transmission channel|null|end-of-data|-|message|kept
bare-lf|--fault bare-lf|WARNING getline: NL with no CR|null|greeting|-|session|delivered'

kept_spools=""
expected_ids="$work/expected-ids"
: >"$expected_ids"
start_s=$(date +%s)

while IFS='|' read -r name args line code phase errno per outcome <&3; do
	dir="$work/$name"
	spool="$dir/spool"
	mkdir -p "$dir"
	: >"$dir/queue-ids"
	: >"$dir/msg-ids"
	for i in $(seq "$M"); do
		mid="<gwrel-$name-$i@smtpgw.test>"
		# over 100 bytes of body: close-in-data's FIN comes in the middle of it
		printf 'From: a@example.org\nTo: b@example.org\nMessage-ID: %s\nSubject: %s %d\n\n%s\n%s\n%s\n' \
		    "$mid" "$name" "$i" "$(printf '%070d' "$i")" ".a line with a leading dot" \
		    "$(printf '%070d' 0)" |
		    "$smtpgw" submit --spool "$spool" -f a@example.org b@example.org \
		    >>"$dir/queue-ids" 2>"$dir/submit.err" ||
		    fail "$name: submit: $(cat "$dir/submit.err")"
		echo "$mid" >>"$dir/msg-ids"
	done
	sort -o "$dir/queue-ids" "$dir/queue-ids"
	if [ "$args" = - ]; then
		port=$(free_port)
		peer_pid=""
	else
		# shellcheck disable=SC2086  # the arguments are words of the table
		peer "$name.peer" $args --maildir "$dir/maildir" \
		    --ehlo-ext "PIPELINING,SIZE 104857600,8BITMIME"
	fi
	"$smtpgw" run --once -v --spool "$spool" --smarthost "127.0.0.1:$port" \
	    --log "$dir/gw.log" --events "$dir/events.json" -W 0 \
	    --timeout 1 --connect-timeout 1 --data-timeout 1 >"$dir/run.out" 2>&1
	rc=$?
	[ -n "$peer_pid" ] && stop_peer

	# (a) the spool
	if [ "$outcome" = kept ]; then
		check "$name: run --once exits 1 (messages left queued)" "$rc" 1
		check "$name: all $M messages deferred" \
		    "$(count_dir "$spool/new")+$(count_dir "$spool/deferred")" "0+$M"
		check "$name: none in bad/" "$(count_dir "$spool/bad")" 0
		"$smtpgw" queue --spool "$spool" --format json >"$dir/queue.json" 2>&1
		check "$name: each has one attempt and the legacy line as its last error" \
		    "$(jq --arg t "$line" '[.[] | select(.state == "deferred" and .attempts == 1 and
		    .last_error == $t)] | length' "$dir/queue.json")" "$M"
		check "$name: the queue holds the submitted ids" \
		    "$(jq -r '.[].id' "$dir/queue.json" | sort | tr '\n' ' ')" \
		    "$(tr '\n' ' ' <"$dir/queue-ids")"
		kept_spools="$kept_spools $name"
		cat "$dir/msg-ids" >>"$expected_ids"
	else
		check "$name: run --once exits 0 (a warning only)" "$rc" 0
		check "$name: the spool is empty" "$(count_dir "$spool/new")+$(count_dir \
		    "$spool/deferred")+$(count_dir "$spool/bad")" "0+0+0"
		cat "$dir"/maildir/new/*.eml 2>/dev/null | tr -d '\r' |
		    sed -n 's/^Message-ID: //p' | sort >"$dir/got-ids"
		check "$name: each message reached the peer exactly once" \
		    "$(tr '\n' ' ' <"$dir/got-ids")" "$(sort "$dir/msg-ids" | tr '\n' ' ')"
	fi

	# (b) the text log: the line once per failure (the companion right after).
	# A session that never started is one failure for the pass (the first
	# session opens alone); the bare-LF warning comes once per session, and
	# the run opens up to --concurrency of them (one per message at most).
	if [ "$per" = message ]; then want=$M
	elif [ "$outcome" = delivered ]; then
		want=$(grep -c ' - SMTP_open(' "$dir/gw.log")
		check "$name: 1 to $M sessions" "$([ "$want" -ge 1 ] && [ "$want" -le "$M" ] &&
		    echo yes)" yes
	else want=1
	fi
	sed -n 's/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] - //p' "$dir/gw.log" >"$dir/lines"
	check "$name: the legacy line \"$line\" in the log" "$(grep -cxF -- "$line" "$dir/lines")" \
	    "$want"
	if [ "$line" = "ERROR Network_read: Lost network connection" ]; then
		check "$name: each followed by \"SMTP_recv: system error\"" \
		    "$(grep -xF -A1 -- "$line" "$dir/lines" | grep -cxF 'SMTP_recv: system error')" \
		    "$want"
	fi

	# (c) the events: exactly these, with the right fields
	check "$name: $want event(s) in all" "$(grep -c . "$dir/events.json")" "$want"
	check "$name: each event: code $code, tempfail, phase $phase, errno $errno, the peer" \
	    "$(jq -s --arg t "$line" --argjson code "$code" --arg phase "$phase" \
	    --arg errno "$errno" --argjson port "$port" '[.[] | select(.text == $t and
	    .code == $code and .class == "tempfail" and .phase == $phase and
	    (.errno // "-") == $errno and .peer == "127.0.0.1" and .port == $port)] | length' \
	    "$dir/events.json")" "$want"
	if [ "$per" = message ]; then
		check "$name: one event per message (queue ids)" \
		    "$(jq -r '.queue_id' "$dir/events.json" | sort | tr '\n' ' ')" \
		    "$(tr '\n' ' ' <"$dir/queue-ids")"
	elif [ "$outcome" = kept ]; then	# (the bare-LF warning is the session's)
		qid=$(jq -r '.queue_id' "$dir/events.json" | head -n 1)
		if grep -qxF -- "$qid" "$dir/queue-ids"; then pass "$name: the event names a queued message"
		else fail "$name: the event's queue_id '$qid' is not one of the messages"; fi
	fi
	if [ "$args" != - ]; then
		if jq -e '.tcp_info.state | strings' "$dir/events.json" >/dev/null; then
			pass "$name: the event has a tcp_info snapshot"
		else fail "$name: no tcp_info in the event"; fi
	fi
done 3<<EOF
$matrix
EOF
echo "gw-reliability: the faults took $(( $(date +%s) - start_s )) s"

# The healthy smart host: Postfix, or faultpeer when Postfix cannot run here.
nexp=$(wc -l <"$expected_ids" | tr -d ' ')
host=""
if [ -n "$pf_pid" ]; then
	if wait "$pf_pid"; then
		host="127.0.0.1:$(cat "$pf_dir.port")"
	else
		fail "postfix: did not start: $(tail -n 3 "$work/postfix.start")"
	fi
	pf_pid=""
else
	skip "delivery to Postfix" "$pf_why"
	peer healthy --fault none --maildir "$work/healthy/maildir" \
	    --ehlo-ext "PIPELINING,SIZE 104857600,8BITMIME"
	host="127.0.0.1:$port"
	echo "gw-reliability: delivering to a healthy faultpeer instead"
fi
if [ -n "$host" ]; then
	for name in $kept_spools; do
		spool="$work/$name/spool"
		"$smtpgw" flush --spool "$spool" --smarthost "$host" --log "$work/$name/gw.log" \
		    --events "$work/$name/events.json" --timeout 10 --data-timeout 10 \
		    >"$work/$name/flush.out" 2>&1
		check "$name: flush to the healthy host exits 0" "$?" 0
		check "$name: then the spool is empty" "$(count_dir "$spool/new")+$(count_dir \
		    "$spool/deferred")+$(count_dir "$spool/bad")" "0+0+0"
	done
	if [ -n "$pf_dir" ]; then
		bash "$postfix_sh" wait "$pf_dir" "$nexp" 30 >/dev/null 2>&1
		# a duplicate, were there one, arrives before the count: the queue empties
		postfix_settled "$pf_dir" 30 >/dev/null 2>&1
		bash "$postfix_sh" ids "$pf_dir" | sort >"$work/got-ids"
	else
		stop_peer
		cat "$work"/healthy/maildir/new/*.eml 2>/dev/null | tr -d '\r' |
		    sed -n 's/^Message-ID: //p' | sort >"$work/got-ids"
	fi
	sort "$expected_ids" >"$work/want-ids"
	got=$(wc -l <"$work/got-ids" | tr -d ' ')
	dups=$(uniq -d "$work/got-ids" | wc -l | tr -d ' ')
	lost=$(comm -23 "$work/want-ids" "$work/got-ids" | wc -l | tr -d ' ')
	check "healthy host: $nexp messages arrived" "$got" "$nexp"
	check "healthy host: none twice" "$dups" 0
	check "healthy host: none lost" "$lost" 0
	check "healthy host: exactly the submitted Message-IDs" \
	    "$(uniq "$work/got-ids" | tr '\n' ' ')" "$(tr '\n' ' ' <"$work/want-ids")"
fi

if [ $failed -eq 0 ]; then echo "gw-reliability: all passed"; else echo "gw-reliability: FAILED" >&2; fi
exit $failed
