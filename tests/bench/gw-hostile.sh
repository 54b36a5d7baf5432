#!/usr/bin/env bash
# What issue 14's hostile user did to smtpgw, measured on two builds side by
# side (the one before the issue and this one), on loopback with build/faultpeer
# as the smart host:
#
#   dup-once   N messages, two `run --once` at the same moment: messages delivered
#   dup-flush  N messages, `run` and `flush` at the same moment: delivered
#   splice     a 1 MB message failed by two `run --once` at once with different
#              errors (a closed port, a 421 greeting), T trials: messages lost
#              (in bad/ as a damaged file) or in bad/ at all
#   smuggle    a bare-LF dot and the 64 KiB cut through the listener: messages
#              queued for one client message, and the smuggled envelope queued
#   greet      a greeting while the delivery hangs on the final dot (--data-timeout
#              60): how long the greeting took (10 s at most); then SIGTERM, the
#              delivery still hanging: how long to exit, and the message's attempts
#   flood      500 connections at once: greeted, 421, nothing; processes
#   disk       a full spool disk (tmpfs, needs root) and a refusing smart host
#              for 6 s: log lines, CPU seconds, whether a client is greeted
#   escape     a smart host's reply with escape sequences: raw ESC bytes in --log
#   submit     the peak memory of `submit` for a 40 MB message (GNU time)
#
#   tests/bench/gw-hostile.sh OLD_SMTPGW [NEW_SMTPGW]   (NEW: build/smtpgw)
#
# Prints one line per scenario and build; the figures in docs/smtpgw.md
# ("Issue 14, before and after") come from it. Needs build/faultpeer and
# build/gwload (make build/faultpeer build/gwload).
set -u
cd "$(dirname "$0")/../.."
OLD=${1:?usage: gw-hostile.sh OLD_SMTPGW [NEW_SMTPGW]}
NEW=${2:-build/smtpgw}
BUILD=${BUILD:-build}
FAULTPEER=$PWD/$BUILD/faultpeer
GWLOAD=$PWD/$BUILD/gwload
N=${HOSTILE_N:-300}
TRIALS=${HOSTILE_TRIALS:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/gwhostile.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	mountpoint -q "$work/disk" 2>/dev/null && umount "$work/disk"
	rm -rf "$work"
}
trap cleanup EXIT

# peer DIR FAULT [ARGS...]: faultpeer on 127.0.0.1:0 storing into DIR/mail; sets $port
peer() {
	local dir=$1 fault=$2 i=0
	shift 2
	mkdir -p "$dir"
	"$FAULTPEER" --listen 127.0.0.1:0 --port-file "$dir/port" --maildir "$dir/mail" \
	    --fault "$fault" --ehlo-ext "PIPELINING,SIZE 104857600" "$@" >/dev/null 2>&1 &
	peer_pid=$!
	pids="$pids $peer_pid"
	while [ ! -s "$dir/port" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
	port=$(cat "$dir/port")
}
# free_port: a port where no socket is now, below the ephemeral range (for a
# smart host that refuses: nothing listens there)
. tests/lib.sh

# gw_listen LOG GW ARGS...: "$GW" run ARGS listening on 127.0.0.1:0 with --log
# LOG, in the background ($g), on the port it got ($lport, from its log's
# SMTP_listen(port=N)), so that no other process can hold it. A build that
# refuses port 0 or does not say its port (the OLD one may) is started on a
# free_port instead, on another when one was taken meanwhile; that it listens
# is then seen in ss(8)'s list, not by connecting.
gw_listen() {
	local log=$1 gw=$2 i try
	shift 2
	"$gw" run "$@" --listen 127.0.0.1:0 --log "$log" >/dev/null 2>&1 &
	g=$!
	pids="$pids $g"
	for i in $(seq 500); do
		lport=$(sed -n 's/.*SMTP_listen(port=\([1-9][0-9]*\)).*/\1/p' "$log" 2>/dev/null |
		    head -n 1)
		[ -n "$lport" ] && return 0
		kill -0 "$g" 2>/dev/null || break
		sleep 0.01
	done
	kill "$g" 2>/dev/null
	wait "$g" 2>/dev/null
	for try in 1 2 3 4 5; do
		lport=$(free_port)
		"$gw" run "$@" --listen "127.0.0.1:$lport" --log "$log" >/dev/null 2>&1 &
		g=$!
		pids="$pids $g"
		for i in $(seq 500); do
			[ -n "$(ss -Hltn "sport = :$lport" 2>/dev/null)" ] && return 0
			kill -0 "$g" 2>/dev/null || break
			sleep 0.01
		done
		kill "$g" 2>/dev/null
		wait "$g" 2>/dev/null
	done
	echo "gw-hostile: $gw run --listen did not listen (log: $(tail -n 1 "$log" 2>/dev/null))" >&2
	return 1
}
queue() {	# queue SMTPGW SPOOL N [SIZE_KB]
	local i
	for i in $(seq "$3"); do
		{ printf 'Message-ID: <%d@hostile.test>\nSubject: %d\n\n' "$i" "$i"
		  [ -n "${4:-}" ] && head -c "$(( $4 * 1024 ))" /dev/zero | tr '\0' 'x' | fold -w 100
		  echo "body $i"; } | "$1" submit --spool "$2" -f a@example.org b@example.org >/dev/null
	done
}
delivered() { ls "$1/mail/new" 2>/dev/null | wc -l; }
spooled() { find "$1/new" "$1/deferred" "$1/bad" -maxdepth 1 -type f -name '2*' 2>/dev/null | wc -l; }

dup_once() {
	local gw=$1 d=$work/once.$2
	mkdir -p "$d"
	queue "$gw" "$d/sp" "$N"
	peer "$d" none
	"$gw" run --once --spool "$d/sp" --smarthost "127.0.0.1:$port" >/dev/null 2>&1 &
	local a=$!
	"$gw" run --once --spool "$d/sp" --smarthost "127.0.0.1:$port" >/dev/null 2>&1
	wait $a
	sleep 0.5
	echo "dup-once  $2: $N messages, two run --once: $(delivered "$d") delivered, $(spooled "$d/sp") left"
	kill "$peer_pid"
}

dup_flush() {
	local gw=$1 d=$work/flush.$2 i
	mkdir -p "$d"
	queue "$gw" "$d/sp" "$N"
	peer "$d" none
	"$gw" run --spool "$d/sp" --smarthost "127.0.0.1:$port" >/dev/null 2>&1 &
	local r=$!
	"$gw" flush --spool "$d/sp" --smarthost "127.0.0.1:$port" >/dev/null 2>&1
	for i in $(seq 100); do [ "$(spooled "$d/sp")" -eq 0 ] && break; sleep 0.1; done
	sleep 0.5
	kill "$r"; wait "$r" 2>/dev/null
	echo "dup-flush $2: $N messages, run and flush: $(delivered "$d") delivered, $(spooled "$d/sp") left"
	kill "$peer_pid"
}

splice() {
	local gw=$1 d=$work/splice.$2 t lost=0 bad=0 closed
	peer "$d/p421" greet-421
	closed=$(free_port)
	for t in $(seq "$TRIALS"); do
		rm -rf "$d/sp"
		queue "$gw" "$d/sp" 1 1024
		"$gw" run --once -W 0 --spool "$d/sp" --smarthost "127.0.0.1:$closed" >/dev/null 2>&1 &
		local a=$!
		"$gw" run --once -W 0 --spool "$d/sp" --smarthost "127.0.0.1:$port" >/dev/null 2>&1
		wait $a
		"$gw" queue --spool "$d/sp" > "$d/q" 2>&1
		grep -q ' bad ' "$d/q" && bad=$((bad + 1))
		grep -Eq 'cut short|no trailer|not a spool|lacks|bad number|not "key' "$d/q" &&
			lost=$((lost + 1))
	done
	echo "splice    $2: $TRIALS trials, one message failed by two runs at once: $lost lost" \
	    "(a damaged file in bad/), $bad in bad/ in all"
	kill "$peer_pid"
}

smuggle() {
	local gw=$1 d=$work/smuggle.$2 lport g evil queued a
	mkdir -p "$d"
	gw_listen "$d/log" "$gw" --spool "$d/sp" --smarthost "127.0.0.1:$(free_port)" -W 3600 ||
		return
	env='EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n'
	evil='MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n'
	for how in bare-lf cut; do
		rm -rf "$d/sp/new" "$d/sp/deferred"
		mkdir -p "$d/sp/new" "$d/sp/deferred"
		exec 3<>"/dev/tcp/127.0.0.1/$lport"
		{ printf "$env"
		  sleep 0.2
		  if [ "$how" = bare-lf ]; then printf 'Subject: one\r\n\r\nhello\n.\n'
		  else printf 'Subject: one\r\n\r\n'; head -c 65536 /dev/zero | tr '\0' A; printf '.\r\n'
		  fi
		  printf "$evil"
		  printf 'QUIT\r\n'; } >&3
		timeout 5 cat <&3 > "$d/replies" 2>/dev/null
		exec 3<&- 3>&-
		sleep 0.3
		queued=$(spooled "$d/sp")
		evil_q=$(grep -l '^from: evil@' "$d/sp"/new/* "$d/sp"/deferred/* 2>/dev/null | wc -l)
		echo "smuggle   $2: $how: $queued queued for one message, the smuggled envelope" \
		    "queued $evil_q times; replies: $(tr -d '\r' < "$d/replies" | grep -E '^(250 2.0|550|421)' |
		    cut -c1-24 | tr '\n' '|')"
	done
	kill "$g"; wait "$g" 2>/dev/null
}

greet() {
	local gw=$1 d=$work/greet.$2 lport g t0 t1
	peer "$d" no-final-reply
	queue "$gw" "$d/sp" 1
	gw_listen "$d/log" "$gw" --spool "$d/sp" --smarthost "127.0.0.1:$port" \
	    --data-timeout 60 -v || return
	for _ in $(seq 200); do grep -q ' \[tx\] \.$' "$d/log" 2>/dev/null && break; sleep 0.05; done
	echo "greet     $2: while the delivery hangs: $("$GWLOAD" --port "$lport" --greetings 1 \
	    --wait 10 | sed 's/connections 1: //')"
	t0=$(date +%s%N)
	kill -TERM "$g"; wait "$g" 2>/dev/null
	t1=$(date +%s%N)
	echo "greet     $2: SIGTERM with the delivery hanging: exited after $(( (t1 - t0) / 1000000 ))" \
	    "ms; the message: $("$gw" queue --spool "$d/sp" | awk 'NR == 2 { print $2 ", " $4 " attempts" }')"
	kill "$peer_pid"
}

flood() {
	local gw=$1 d=$work/flood.$2 lport g procs
	mkdir -p "$d"
	gw_listen "$d/log" "$gw" --spool "$d/sp" --smarthost "127.0.0.1:$(free_port)" || return
	( ulimit -n 4096; "$GWLOAD" --port "$lport" --greetings 500 --wait 10 --hold 6 > "$d/out" ) &
	local l=$!
	while [ ! -s "$d/out" ]; do sleep 0.2; done
	sleep 2
	procs=$(pgrep -c -f "spool $d/sp")
	wait $l
	echo "flood     $2: $(cat "$d/out"); $procs gateway processes while the greeted ones stay"
	kill "$g"; wait "$g" 2>/dev/null
}

disk() {
	local gw=$1 d=$work/disk lport g cpu=0 p lines greet
	[ "$(id -u)" = 0 ] || { echo "disk      $2: SKIP (not root)"; return; }
	mkdir -p "$d"
	mount -t tmpfs -o size=1m tmpfs "$d" || { echo "disk      $2: SKIP (no tmpfs)"; return; }
	queue "$gw" "$d/sp" 3
	head -c 2000000 /dev/zero > "$d/filler" 2>/dev/null
	gw_listen "$work/disk.$2.log" "$gw" --spool "$d/sp" --smarthost "127.0.0.1:$(free_port)" \
	    -W 0 || { umount "$d"; return; }
	sleep 1
	greet=$("$GWLOAD" --port "$lport" --greetings 1 --wait 5 | sed 's/connections 1: //')
	sleep 5
	for p in $(pgrep -f "spool $d/sp"); do
		cpu=$(( cpu + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0) ))
	done
	kill "$g"; wait "$g" 2>/dev/null
	lines=$(wc -l < "$work/disk.$2.log")
	echo "disk      $2: full disk, 6 s: $lines log lines, $(awk -v c="$cpu" -v h="$(getconf CLK_TCK)" \
	    'BEGIN { printf "%.1f", c / h }') CPU seconds; a client: $greet"
	umount "$d"
}

escape() {
	local gw=$1 d=$work/escape.$2 esc
	peer "$d" reply-421 --after 2 --banner "$(printf '\033]0;owned\007\033[2J\302\23331m\377EVIL')"
	queue "$gw" "$d/sp" 1
	"$gw" run --once -v --spool "$d/sp" --smarthost "127.0.0.1:$port" --log "$d/log" >/dev/null 2>&1
	esc=$(tr -cd '\033' < "$d/log" | wc -c)
	echo "escape    $2: raw ESC bytes in --log: $esc ($(grep -c 'Invalid response' "$d/log") error lines)"
	kill "$peer_pid"
}

submit_mem() {
	local gw=$1 d=$work/submit.$2
	[ -x /usr/bin/time ] || { echo "submit    $2: SKIP (no GNU time: make deps-bench)"; return; }
	mkdir -p "$d"
	{ printf 'To: b@example.org\n\n'; head -c 41943040 /dev/zero | tr '\0' 'x' | fold -w 100; } > "$d/msg"
	/usr/bin/time -f '%M' -o "$d/rss" "$gw" submit --spool "$d/sp" -t < "$d/msg" >/dev/null
	echo "submit    $2: a 40 MB message: peak RSS $(( $(cat "$d/rss") / 1024 )) MB"
}

for s in ${HOSTILE_ONLY:-dup_once dup_flush splice smuggle greet flood disk escape submit_mem}; do
	"$s" "$OLD" old
	"$s" "$NEW" new
done
