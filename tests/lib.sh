# tests/lib.sh: shell helpers shared by the scenario, integration and peer
# scripts (sourced; POSIX sh, so that the sh and the bash scripts share it).
#
# A test waits for a condition with a bound, never for a fixed time: a fixed
# sleep is too short on a loaded machine and too long on an idle one.
#
#   wait_for SECONDS CMD [ARG...]   run CMD every 20 ms until it succeeds:
#                                   0, or 1 when SECONDS have passed
#   wait_file FILE [SECONDS]        until FILE exists and is not empty (a port
#                                   file, written atomically); default 60 s
#   wait_line FILE PATTERN [SECONDS]  until a line of FILE matches the basic
#                                   regular expression PATTERN; default 60 s
#   wait_gone PID [SECONDS]         until process PID has exited; default 60 s
#
# The defaults are generous: a wait ends as soon as its condition holds, so
# they cost nothing on an idle machine and only a loaded one needs them.
#
# Ports. A program that can listen on port 0 and tell its port (faultpeer
# --port-file, smtpgw --listen ADDR:0 in its log's SMTP_listen(port=N);
# Postfix cannot) is started so; one that must be started again on the same
# port (gw-soak's listener after a kill -9) takes the port it got the first
# time, and retries while another process holds it. For the others:
#
#   free_port                       a port of 127.0.0.1 where no TCP socket is
#                                   bound now, below the kernel's ephemeral
#                                   range (net.ipv4.ip_local_port_range), so
#                                   that no port 0 bind or outgoing connection
#                                   of another process takes it meanwhile;
#                                   another test choosing the same number still
#                                   can: the caller retries when its program
#                                   says the port is taken. As a port where
#                                   nothing listens, it cannot be a client's
#                                   own port either (a self-connect).
#
# The private Postfix of the gateway tests (tests/peer/postfix.sh):
#
#   postfix_usable SAY              returns 1 after `SAY "SKIP: ..."` when
#                                   Postfix cannot run here (the caller exits 77)
#   postfix_start DIR               start one on a free_port, three tries
#                                   (another test may take the port first);
#                                   the port in DIR.port
#   postfix_settled DIR [SECONDS]   until Postfix's queue is empty: every
#                                   message it accepted is delivered, so a
#                                   duplicate still on its way has arrived
#
# POSTFIX_SH names postfix.sh (default: the one beside this file).

tests_lib_dir=$(cd "$(dirname "${BASH_SOURCE:-$0}")" 2>/dev/null && pwd)
# Sourced by sh (no BASH_SOURCE): $0 is the script, in tests/*/; lib.sh is one up.
[ -f "$tests_lib_dir/lib.sh" ] || tests_lib_dir=$(cd "$tests_lib_dir/.." && pwd)
: "${POSTFIX_SH:=$tests_lib_dir/peer/postfix.sh}"

wait_for() {
	_wf_n=$(( $1 * 50 ))
	shift
	while [ "$_wf_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.02
		_wf_n=$((_wf_n - 1))
	done
	"$@"
}

wait_file() {
	wait_for "${2:-60}" test -s "$1"
}

wait_line() {
	wait_for "${3:-60}" grep -qs -- "$2" "$1"
}

_wait_dead() {
	! kill -0 "$1" 2>/dev/null
}

wait_gone() {
	wait_for "${2:-60}" _wait_dead "$1"
}

free_port() {
	_fp_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	case $_fp_low in ''|*[!0-9]*) _fp_low=32768 ;; esac
	[ "$_fp_low" -gt 12000 ] || _fp_low=65536	# a range that leaves no room below
	for _fp_try in 1 2 3 4 5 6 7 8 9 10; do
		_fp_port=$(( 10000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % (_fp_low - 10000) ))
		[ "$_fp_port" -le 65535 ] || continue
		# any TCP socket there, listening, connected or only bound
		if [ -z "$(ss -Htan "sport = :$_fp_port" 2>/dev/null)" ]; then
			echo "$_fp_port"
			return 0
		fi
	done
	echo "$_fp_port"
}

postfix_usable() {
	if [ ! -f "$POSTFIX_SH" ]; then
		"$1" "SKIP: no $POSTFIX_SH"
		return 1
	fi
	if ! _pu_why=$(bash "$POSTFIX_SH" check 2>&1); then
		"$1" "SKIP: Postfix cannot run here: $_pu_why"
		return 1
	fi
	return 0
}

postfix_start() {
	for _ps_try in 1 2 3; do
		_ps_port=$(free_port)
		if bash "$POSTFIX_SH" start "$1" "$_ps_port"; then
			echo "$_ps_port" > "$1.port"
			return 0
		fi
		echo "Postfix did not start on port $_ps_port (try $_ps_try)" >&2
		# Whatever that start left running in DIR (a master that came up
		# after all) goes, or the next try would find "a Postfix is already
		# running there" and fail as well.
		bash "$POSTFIX_SH" stop "$1" >/dev/null 2>&1 || true
	done
	return 1
}

postfix_settled() {
	bash "$POSTFIX_SH" settle "$1" "${2:-60}"
}
