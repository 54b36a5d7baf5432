#!/bin/sh
# The whole story on loopback, for `make run`: a message goes through smtpgw to
# a smart host that drops the connection in the middle of DATA (build/faultpeer,
# greeting like the IBM host of Q100709); the gateway logs the legacy error,
# diagnoses it in-process with live probes and writes a report; the message
# stays queued; `kbdiag diagnose` on the gateway's own log finds the same
# incident; `kbdiag fix` proposes ForcePushBit=1 for the gateway PC's
# PROTOCOL.INI, applies it and undoes it; once the smart host is healthy
# `smtpgw flush` delivers the message.
#
#   sh tests/demo/story.sh [WORKDIR]   (default build/demo; run from the top)
#
# Exit 0 when every step did what it says, 1 otherwise. Only 127.0.0.1 is used.
set -u

top=$(pwd)
build=${BUILD:-build}
work=${1:-$top/$build/demo}
smtpgw="$top/$build/smtpgw"
kbdiag="$top/$build/kbdiag"
faultpeer="$top/$build/faultpeer"
peer_pid=""

cleanup() { [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null; }
trap cleanup EXIT INT TERM

step() { printf '\n== %s\n' "$*"; }
die() { printf 'story: %s\n' "$*" >&2; exit 1; }

for b in "$smtpgw" "$kbdiag" "$faultpeer"; do
	[ -x "$b" ] || die "$b is not built (make build $build/faultpeer)"
done
rm -rf "$work"
mkdir -p "$work" || die "cannot make $work"
cd "$work" || exit 1

# start_peer ARGS...: faultpeer on 127.0.0.1, any free port; sets $port.
start_peer() {
	rm -f peer.port
	"$faultpeer" --listen 127.0.0.1:0 --port-file peer.port "$@" >>peer.log 2>&1 &
	peer_pid=$!
	i=0
	# up to 60 s: a loaded machine only makes it take longer
	while [ ! -s peer.port ] && [ $i -lt 3000 ]; do sleep 0.02; i=$((i + 1)); done
	[ -s peer.port ] || die "faultpeer did not start (see $work/peer.log)"
	port=$(cat peer.port)
}
stop_peer() { kill "$peer_pid" 2>/dev/null; wait "$peer_pid" 2>/dev/null; peer_pid=""; }

step "1. A 3 KB message into the spool: smtpgw submit"
{
	printf 'From: alice@example.org\nTo: bob@example.org\n'
	printf 'Subject: quarterly figures\nMessage-ID: <story-1@smtpgw.test>\n\n'
	i=0
	while [ $i -lt 40 ]; do
		printf 'Line %02d of the figures, long enough to fill a few TCP segments.\n' $i
		i=$((i + 1))
	done
} > message.txt
id=$("$smtpgw" submit --spool spool -t < message.txt) || die "submit failed"
echo "queued as $id"

step "2. A smart host that drops the connection after 1000 bytes of DATA"
start_peer --fault close-in-data --after 1000 --banner "mvs.example.test running IBM TCP/IP V2R2 SMTP"
echo "faultpeer --fault close-in-data on 127.0.0.1:$port"

step "3. smtpgw run --once --diagnose=probe: the gateway's log"
"$smtpgw" run --once --diagnose=probe --probe-timeout 1000 --spool spool \
    --smarthost "127.0.0.1:$port" --log gw.log --events gw.json -v
cat gw.log
grep -q 'ERROR Network_read: Lost network connection' gw.log ||
    die "the legacy line is not in gw.log"
grep -q '^.* - Diagnosis: ' gw.log || die "no Diagnosis line in gw.log"
stop_peer

report=$(sed -n 's/^.* - Diagnosis report: //p' gw.log | head -n 1)
step "4. The report smtpgw wrote: $report"
[ -s "$report" ] || die "no report at $report"
cat "$report"
grep -q '^### Probes' "$report" || die "the report has no probes"

step "5. The message is still queued: smtpgw queue"
"$smtpgw" queue --spool spool
"$smtpgw" queue --spool spool --format json | grep -q "\"$id\"" || die "$id left the queue"

step "6. kbdiag diagnose on the gateway's own log (offline): the same incident"
"$kbdiag" diagnose --offline gw.log > kbdiag.txt
sed -n '1,12p' kbdiag.txt
grep -q 'Q100709' kbdiag.txt || die "kbdiag diagnose gw.log did not find Q100709"

step "7. The fix: diagnose with the gateway PC's files, then kbdiag fix (dry run, apply, undo)"
# The DOS client's files as the gateway PC has them: TCPTSR.EXE 2.2b (42716
# bytes, 1994-02-01), PROTOCOL.INI without ForcePushBit, CR LF line ends.
mkdir -p dos/LANMAN.DOS/DRIVERS/PROTOCOL/TCPIP
head -c 42716 /dev/zero > dos/LANMAN.DOS/DRIVERS/PROTOCOL/TCPIP/TCPTSR.EXE
touch -d 1994-02-01 dos/LANMAN.DOS/DRIVERS/PROTOCOL/TCPIP/TCPTSR.EXE
printf '[PROTMAN]\r\nDRIVERNAME = PROTMAN$\r\n\r\n[TCPIP]\r\nDRIVERNAME = TCPIP$\r\nBINDINGS = NE2000\r\n' \
    > dos/LANMAN.DOS/PROTOCOL.INI
cp dos/LANMAN.DOS/PROTOCOL.INI protocol.ini.before
start_peer --banner "mvs.example.test running IBM TCP/IP V2R2 SMTP"
"$kbdiag" diagnose --format json -o diagnosis.json --timeout 1000 \
    --smarthost "127.0.0.1:$port" --dos-root dos gw.log || die "kbdiag diagnose failed"
stop_peer
echo "\$ kbdiag report --dos-root dos diagnosis.json    (the start; all of it in fix-report.md)"
"$kbdiag" report --format markdown -o fix-report.md --dos-root dos diagnosis.json ||
    die "kbdiag report failed"
"$kbdiag" report --dos-root dos diagnosis.json | sed -n '1,12p'
echo "\$ kbdiag fix --dos-root dos diagnosis.json"
"$kbdiag" fix --dos-root dos diagnosis.json || die "kbdiag fix proposed nothing"
echo "\$ kbdiag fix --apply --dos-root dos diagnosis.json"
"$kbdiag" fix --apply --dos-root dos diagnosis.json || die "kbdiag fix --apply failed"
grep -q 'ForcePushBit' dos/LANMAN.DOS/PROTOCOL.INI || die "ForcePushBit was not written"
echo "\$ kbdiag fix --undo --dos-root dos"
"$kbdiag" fix --undo --dos-root dos || die "kbdiag fix --undo failed"
cmp -s protocol.ini.before dos/LANMAN.DOS/PROTOCOL.INI || die "undo did not restore PROTOCOL.INI"
echo "PROTOCOL.INI is byte for byte what it was"

step "8. The smart host is healthy again: smtpgw flush $id"
start_peer --maildir delivered --banner "mvs.example.test running IBM TCP/IP V2R2 SMTP"
"$smtpgw" flush --spool spool --smarthost "127.0.0.1:$port" --log gw.log "$id" ||
    die "flush failed"
stop_peer
n=$(ls delivered/new | wc -l)
echo "delivered: $n message(s) in $work/delivered/new"
[ "$n" -eq 1 ] || die "expected 1 delivered message, found $n"
grep -q 'Message-ID: <story-1@smtpgw.test>' delivered/new/* || die "the wrong message arrived"
"$smtpgw" queue --spool spool
printf '\nstory: done; everything is in %s\n' "$work"
