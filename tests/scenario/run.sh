#!/bin/sh
# Scenarios of issue 6: a gateway log, a live peer set up on loopback (or in
# network namespaces this script creates), the DOS client's files, and the
# cause kbdiag must rank first after probing. Run by `make check` from the top
# of the tree after the build; each scenario prints PASS, FAIL or SKIP with a
# reason. Nothing but 127.0.0.1 and the namespaces' own addresses is contacted.
set -u

top=$(pwd)
. "$top/tests/lib.sh"
build=${BUILD:-build}
kbdiag="$top/$build/kbdiag"
faultpeer="$top/$build/faultpeer"
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-scenario.XXXXXX")
# the rule base cache of the kbdiag this test runs: its own, never $HOME's
KBDIAG_CACHE=$work/cache
export KBDIAG_CACHE
chmod 0755 "$work"	# Postfix's daemons run as postfix
failed=0
pids=""
ns_a="kbdiag-scn-a-$$"
ns_b="kbdiag-scn-b-$$"
pf_dir=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del "$ns_a" 2>/dev/null
	ip netns del "$ns_b" 2>/dev/null
	[ -n "$pf_dir" ] && bash "$top/tests/peer/postfix.sh" stop "$pf_dir" >/dev/null 2>&1
	[ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM
keep=${KEEP:-}

pass() { echo "scenario: PASS: $1"; }
fail() { echo "scenario: FAIL: $1" >&2; failed=1; }
skip() { echo "scenario: SKIP: $1: $2"; }

# peer NAME ARGS...: start faultpeer on 127.0.0.1:0; sets $port.
peer() {
	name=$1; shift
	rm -f "$work/$name.port"
	"$faultpeer" --listen 127.0.0.1:0 --port-file "$work/$name.port" "$@" \
	    >"$work/$name.peer.log" 2>&1 &
	pids="$pids $!"
	wait_file "$work/$name.port"
	port=$(cat "$work/$name.port")
}

# diagnose NAME LOG ARGS...: kbdiag diagnose in Markdown and JSON into $work/NAME.*
# (--probe: these logs stand for failures set up now, whatever their times say)
diagnose() {
	name=$1 log=$2; shift 2
	"$kbdiag" --kb "$top/kb" --timeout 1000 --probe -f markdown "$@" diagnose "$log" \
	    >"$work/$name.md" 2>"$work/$name.err"
	"$kbdiag" --kb "$top/kb" --timeout 1000 --probe -f json -o "$work/$name.json" "$@" \
	    diagnose "$log" 2>>"$work/$name.err"
}

# The first cause of the first incident, from the Markdown ("1. **title** (`id`): N%").
first_cause() {
	sed -n '/^### Possible causes/,/^###/p' "$work/$1.md" | sed -n 's/^1\. .*(`\([a-z0-9-]*\)`).*/\1/p' |
	    head -n 1
}
first_article() {
	sed -n 's/^## 1\. \(Q[0-9]*\):.*/\1/p' "$work/$1.md" | head -n 1
}
expect_first() {
	got=$(first_cause "$1")
	if [ "$got" = "$2" ]; then pass "$1: $2 first"; else
		fail "$1: wanted $2 first, got '$got'"; sed -n '/Possible causes/,/What to do/p' "$work/$1.md" >&2
	fi
}

# A DOS client tree: dos NAME TCPTSR_BYTES TCPTSR_DATE FORCEPUSHBIT(- for none)
dos() {
	d="$work/$1.dos"
	mkdir -p "$d/lanman.dos/drivers/protocol/tcpip"
	head -c "$2" /dev/zero >"$d/lanman.dos/drivers/protocol/tcpip/TcpTsr.Exe"
	touch -d "$3" "$d/lanman.dos/drivers/protocol/tcpip/TcpTsr.Exe"
	{
		printf '[PROTMAN]\r\nDRIVERNAME = PROTMAN$\r\n\r\n[TCPIP]\r\n'
		printf 'DRIVERNAME = TCPIP$\r\nIPADDRESS0 = 127 0 0 2\r\n'
		[ "$4" = - ] || printf 'ForcePushBit = %s\r\n' "$4"
		printf 'BINDINGS = NE2000\r\n'
	} >"$d/lanman.dos/Protocol.Ini"
}

# No greeting in the log: the peers below greet as each scenario sets them up
# (a logged greeting is the peer's own word and would outrank the probe's).
write_119=$work/119.log
printf '09:19:40 - SMTP_open(socket=257)\n [tx] DATA\n [rx] 354 go ahead\n09:19:42 - Error (119) Network Write Error\n' >"$write_119"

# 1. Nothing listens on the port: the smart host (its mail service) is down.
port=1
diagnose refused "$write_119" --smarthost "127.0.0.1:$port"
expect_first refused peer-host-down

# 2. The port answers and greets normally: the down causes go to the bottom.
peer healthy --fault none
diagnose healthy "$write_119" --smarthost "127.0.0.1:$port"
got=$(first_cause healthy)
case $got in
peer-host-down | network-path-down | "") fail "healthy: '$got' first" ;;
*) pass "healthy: $got first, not a down cause" ;;
esac
if grep -q '`network-path-down`.*ruled out' "$work/healthy.md" &&
    grep -q '`peer-host-down`.*ruled out' "$work/healthy.md"; then
	pass "healthy: peer-host-down and network-path-down ruled out"
else
	fail "healthy: the down causes are not ruled out"
fi

# 3. An IBM TCP/IP V2R2 peer, no ForcePushBit, an old TCPTSR.EXE: PUSH first.
peer ibm --fault none --banner "MVS1.EXAMPLE.COM running IBM TCP/IP V2R2 SMTP Server"
dos old 38000 1992-08-28 -
diagnose ibm-old "$write_119" --smarthost "127.0.0.1:$port" --dos-root "$work/old.dos"
expect_first ibm-old peer-requires-push
if grep -q 'ForcePushBit=1' "$work/ibm-old.md"; then pass "ibm-old: the fix step names ForcePushBit=1"
else fail "ibm-old: no ForcePushBit=1 step"; fi

# 4. The same peer with ForcePushBit=1 and TCPTSR 2.2b: that cause drops.
dos new 42716 1994-02-01 1
diagnose ibm-new "$write_119" --smarthost "127.0.0.1:$port" --dos-root "$work/new.dos"
got=$(first_cause ibm-new)
if [ "$got" != peer-requires-push ] && [ -n "$got" ]; then pass "ibm-new: $got first, PUSH dropped"
else fail "ibm-new: '$got' first"; fi

# 5. A lost connection with an IBM VM SMTP V2R2 greeting: Q102107 first.
peer vm --fault none --banner "VMHOST.EXAMPLE.COM running IBM VM SMTP V2R2 on Tue, 07 Mar 95 10:14:06 EST"
printf '09:02:52 - SMTP_open(socket=257)\n [rx] 220 VMHOST.EXAMPLE.COM running IBM VM SMTP V2R2\n [tx] HELO\n09:03:33 - ERROR Network_read: Lost network connection\n09:03:33 - SMTP_recv: system error\n' >"$work/lost.log"
diagnose vm "$work/lost.log" --smarthost "127.0.0.1:$port"
art=$(first_article vm)
if [ "$art" = Q102107 ]; then pass "vm: Q102107 first"; else fail "vm: '$art' first"; fi
expect_first vm gateway-helo-without-hostname

# A copy of the rule base that also expects a smart host on the ports given:
# a host a log names is probed only on those (kb/tables/ports.xml), and the
# peers below listen on others.
kb_ports() {
	local dir=$work/kb-ports-$(echo "$@" | tr ' ' -) p rows=
	rm -rf "$dir"
	cp -r "$top/kb" "$dir"
	for p in "$@"; do
		rows="$rows  <port id=\"test-$p\" number=\"$p\" smarthost=\"yes\"><description>A test's peer.</description></port>\n"
	done
	sed -i "s|^</ports>|$rows</ports>|" "$dir/tables/ports.xml"
	echo "$dir"
}

# 5b. An old log is not judged by today's network: the 1994 sample names
# 127.0.0.1, where a peer now refuses (port 1 is closed). By default nothing
# is probed and one line says so, with the way to force it; --probe probes.
kb1=$(kb_ports 1)
old_log=$work/old.log
sed 's/SMTP Smart-Host IP = "127.0.0.1"/SMTP Smart-Host IP = "127.0.0.1:1"/' \
    "$top/kb/samples/smtpgate.log" >"$old_log"
"$kbdiag" --kb "$kb1" --timeout 1000 -f json -o "$work/old.json" diagnose "$old_log" \
    2>"$work/old.err"
"$kbdiag" --kb "$kb1" --timeout 1000 diagnose "$old_log" >"$work/old.txt" 2>>"$work/old.err"
if grep -q '"probe_note": "Not probed: the failures are not current' "$work/old.json" &&
    grep -q -- '--probe probes anyway' "$work/old.txt" &&
    ! grep -q '"status": "observed", *$' "$work/old.json" &&
    ! grep -q '"value": "refused"' "$work/old.json" && ! grep -q 'probing' "$work/old.err"; then
	pass "old log: not probed, and the report says so with --probe"
else
	fail "old log: probed, or no line saying it was not"
	grep -n 'probe_note\|refused' "$work/old.json" | head -5 >&2
fi
"$kbdiag" --kb "$kb1" --timeout 1000 --probe -f json -o "$work/old-probe.json" \
    diagnose "$old_log" 2>>"$work/old.err"
if grep -q '"value": "refused"' "$work/old-probe.json" &&
    ! grep -q '"probe_note"' "$work/old-probe.json"; then
	pass "old log with --probe: the smart host probed now (tcp-connect refused)"
else fail "old log with --probe: no live probe"; fi

# 5b'. A log with no date, written just now, about a failure of just now, is
# current: probed by default. The same file last written two days ago is not.
# A 5 s probe timeout: a layer starts only while a whole timeout of the round is
# left, so under load a 1 s timeout could leave tcp-connect out of the round and
# the refusal unseen (it failed so once); a refused connect answers at once, so
# the longer timeout costs nothing here.
printf '%s -   SMTP Smart-Host IP = "127.0.0.1:1"\n%s - Error (119) Network Write Error\n' \
    "$(date +%H:%M:%S)" "$(date +%H:%M:%S)" >"$work/undated.log"
"$kbdiag" --kb "$kb1" --timeout 5000 -f json -o "$work/undated.json" diagnose \
    "$work/undated.log" 2>>"$work/old.err"
touch -d '2 days ago' "$work/undated.log"
"$kbdiag" --kb "$kb1" --timeout 5000 -f json -o "$work/undated-old.json" diagnose \
    "$work/undated.log" 2>>"$work/old.err"
if grep -q '"value": "refused"' "$work/undated.json" && ! grep -q '"probe_note"' "$work/undated.json" &&
    grep -q '"probe_note": "Not probed' "$work/undated-old.json" &&
    ! grep -q '"value": "refused"' "$work/undated-old.json"; then
	pass "undated log: probed when its file was written just now, not when two days old"
else
	fail "undated log: the file's time did not decide whether it is current"
	grep -n 'probe_note\|refused' "$work/undated.json" "$work/undated-old.json" | head >&2
fi

# 5c. Two silent smart hosts (they accept and never greet), on two loopback
# addresses, are probed at the same time. Shown by the peers, not by a clock
# (a time bound fails on a loaded machine): both append to one transcript,
# each session's "connected" and "-> done" in order, and the two sessions
# were open at once (rounds one after the other would never be).
rm -f "$work/silent.transcript"
for n in 1 2; do
	rm -f "$work/silent$n.port"
	"$faultpeer" --listen "127.0.0.$n:0" --port-file "$work/silent$n.port" --fault silent \
	    --transcript "$work/silent.transcript" >"$work/silent$n.peer.log" 2>&1 &
	pids="$pids $!"
done
wait_file "$work/silent1.port"
wait_file "$work/silent2.port"
printf '09:00:00 -   SMTP Smart-Host IP = "127.0.0.1:%s"\n09:19:42 - Error (119) Network Write Error\n09:30:00 -   SMTP Smart-Host IP = "127.0.0.2:%s"\n09:39:42 - Error (119) Network Write Error\n' \
    "$(cat "$work/silent1.port")" "$(cat "$work/silent2.port")" >"$work/two.log"
kb2=$(kb_ports "$(cat "$work/silent1.port")" "$(cat "$work/silent2.port")")
"$kbdiag" --kb "$kb2" --timeout 2000 --probe -f json -o "$work/two.json" diagnose \
    "$work/two.log" 2>"$work/two.err"
# The sessions open at most at once: +1 at "connected", -1 at "-> done".
sessions=$(grep -c ' \* connected, fault silent$' "$work/silent.transcript")
at_once=$(awk '/ \* connected, / { n++; if (n > m) m = n } / -> done$/ { n-- }
    END { print m + 0 }' "$work/silent.transcript")
if [ "$(grep -c '"detail": "no greeting in 2000 ms",$' "$work/two.json")" -eq 2 ] &&
    grep -q '"host": "127.0.0.2"' "$work/two.json" && [ "$sessions" -eq 2 ] &&
    [ "$at_once" -eq 2 ]; then
	pass "two silent smart hosts: both probed at once (their two sessions open together)"
else
	fail "two silent smart hosts: $sessions sessions, at most $at_once open at once (want 2 and 2), or not both silent"
	grep -n '"greeting"' -A5 "$work/two.json" | head -20 >&2
	cat "$work/silent.transcript" >&2
fi

# 6. Replay: the saved diagnosis of scenario 3 ranks the same without a network.
"$kbdiag" --kb "$top/kb" -f json diagnose --replay "$work/ibm-old.json" >"$work/replay.json" 2>&1
if cmp -s "$work/ibm-old.json" "$work/replay.json"; then pass "replay: the same diagnosis, byte for byte"
else fail "replay: differs"; diff "$work/ibm-old.json" "$work/replay.json" | head -20 >&2; fi

# 7. The path is cut: two namespaces joined by a veth pair, then the route removed.
if ! ip netns add "$ns_a" 2>"$work/netns.err" || ! ip netns add "$ns_b" 2>>"$work/netns.err"; then
	skip path-cut "network namespaces are not allowed here: $(head -n 1 "$work/netns.err")"
elif ! ip netns exec "$ns_a" true 2>"$work/netns.err"; then
	# e.g. in a chroot, where / is not a mount point to make a slave of
	skip path-cut "ip netns exec does not work here: $(head -n 1 "$work/netns.err")"
elif ! ip link add kbdscn$$a netns "$ns_a" type veth peer name kbdscn$$b netns "$ns_b" \
    2>"$work/netns.err"; then
	skip path-cut "no veth pair: $(head -n 1 "$work/netns.err")"
else
	ip -n "$ns_a" addr add 10.203.0.1/24 dev kbdscn$$a
	ip -n "$ns_b" addr add 10.203.0.2/24 dev kbdscn$$b
	for n in "$ns_a" "$ns_b"; do ip -n "$n" link set lo up; done
	ip -n "$ns_a" link set kbdscn$$a up
	ip -n "$ns_b" link set kbdscn$$b up
	rm -f "$work/nspeer.port"
	ip netns exec "$ns_b" "$faultpeer" --listen 10.203.0.2:25 --fault none \
	    --port-file "$work/nspeer.port" >"$work/nspeer.log" 2>&1 &
	pids="$pids $!"
	wait_file "$work/nspeer.port"	# listening once it wrote its port
	# The link works first: a normal greeting over it.
	ip netns exec "$ns_a" "$kbdiag" --kb "$top/kb" --timeout 1000 probe 10.203.0.2:25 \
	    >"$work/ns-ok.txt" 2>&1
	if grep -q '220 faultpeer' "$work/ns-ok.txt"; then pass "path: the peer greets over the veth link"
	else fail "path: no greeting over the link"; cat "$work/ns-ok.txt" >&2; fi
	ip -n "$ns_a" route del 10.203.0.0/24 dev kbdscn$$a
	printf '09:19:42 - ERROR connect: (121) network error\n' >"$work/connect.log"
	name=path
	ip netns exec "$ns_a" "$kbdiag" --kb "$top/kb" --timeout 1000 --probe -f markdown \
	    --smarthost 10.203.0.2 diagnose "$work/connect.log" >"$work/path.md" 2>&1
	expect_first path network-path-down
fi

# 8. A real Postfix on loopback as the healthy smart host, with a test message.
if ! why=$(bash "$top/tests/peer/postfix.sh" check 2>&1); then
	skip postfix "$why"
else
	pf_dir="$work/postfix"
	# on a free port (tests/lib.sh), another when a process took it first
	if ! postfix_start "$pf_dir" >"$work/pf.log" 2>&1; then
		fail "postfix: did not start: $(tail -n 3 "$work/pf.log")"
	else
		pf_port=$(cat "$pf_dir.port")
		diagnose postfix "$write_119" --smarthost "127.0.0.1:$pf_port" \
		    --resend-from kbdiag@test.example --resend-to postmaster@test.example
		got=$(first_cause postfix)
		case $got in
		peer-host-down | network-path-down | "") fail "postfix: '$got' first" ;;
		*) pass "postfix: $got first, not a down cause" ;;
		esac
		if grep -q 'resend.*delivered' "$work/postfix.json" ||
		    grep -q '"value": "delivered"' "$work/postfix.json"; then
			pass "postfix: the test message was accepted"
		else fail "postfix: no delivered resend"; fi
		if bash "$top/tests/peer/postfix.sh" wait "$pf_dir" 2 20 >/dev/null 2>&1; then
			pass "postfix: both test messages (markdown and json runs) delivered"
		else fail "postfix: the test messages did not arrive"; fi
	fi
fi

# 9. The story of `make run`: smtpgw, a peer that drops the connection in DATA,
# the diagnosis with live probes, the report, the resend (tests/demo/story.sh
# checks each step itself and exits 1 when one did not happen).
if BUILD=$build sh "$top/tests/demo/story.sh" "$work/story" >"$work/story.txt" 2>&1; then
	if grep -q 'Diagnosis: Q100709: The smart host waits for the TCP PUSH flag' \
	    "$work/story.txt"; then
		pass "story: smtpgw --diagnose=probe puts the PUSH cause first, the resend delivers"
	else
		fail "story: the gateway's diagnosis did not put peer-requires-push first"
		grep 'Diagnosis' "$work/story.txt" >&2
	fi
else
	fail "story: $(tail -n 1 "$work/story.txt")"
fi

[ $failed -eq 0 ] && echo "scenario: all passed" || echo "scenario: FAILED" >&2
exit $failed
