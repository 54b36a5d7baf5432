#!/bin/bash
# A private Postfix on loopback: the healthy smart host of the integration tests.
#
#   postfix.sh start DIR PORT   make DIR/etc (main.cf, master.cf), DIR/queue, DIR/data,
#                               DIR/mail and start Postfix with an smtpd on 127.0.0.1:PORT;
#                               returns once the port greets with 220
#   postfix.sh stop DIR         stop it and wait until its master has exited
#   postfix.sh count DIR        how many messages were delivered (a number)
#   postfix.sh ids DIR          the Message-ID of each delivered message, one a line
#                               ("-" for a message without one), oldest first
#   postfix.sh wait DIR N [S]   wait until at least N messages are delivered (S seconds,
#                               default 30; delivery follows the 250 by a moment)
#   postfix.sh settle DIR [S]   wait until Postfix's queue is empty (S seconds, default 60):
#                               every message it accepted is delivered (or bounced), so
#                               the count no longer changes unless a client sends more
#   postfix.sh check            exit 0 if Postfix can run here, else 1 with the reason
#                               on stderr (tests SKIP on 1)
#
# Every recipient in every domain is delivered by the virtual(8) agent into one Maildir,
# DIR/mail/box/ (new/ holds the delivered messages). No DNS: IP literals only,
# smtp_dns_support_level = disabled, no reverse lookups of clients. Logs go to
# DIR/maillog (maillog_file through postlogd: there is no syslog here). Needs root
# (Postfix runs its daemons as the user postfix); two instances with different DIR
# and PORT run side by side. Details: tests/peer/README.md.
set -u

die() { echo "postfix.sh: $*" >&2; exit 1; }

# Postfix installed, and root (the master drops privileges to mail_owner).
check() {
	command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] ||
		{ echo "postfix.sh: postfix is not installed (make deps-test installs it)" >&2; return 1; }
	[ "$(id -u)" = 0 ] ||
		{ echo "postfix.sh: must run as root (Postfix's master runs as root)" >&2; return 1; }
	getent passwd postfix >/dev/null ||
		{ echo "postfix.sh: no user postfix" >&2; return 1; }
	command -v ss >/dev/null 2>&1 ||
		{ echo "postfix.sh: ss is not installed (iproute2; make deps-test installs it)" >&2; return 1; }
	return 0
}

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

# Wait until 127.0.0.1:$1 answers with a 220 greeting, at most 30 s.
wait_greeting() {
	local port=$1 i line
	for ((i = 0; i < 300; i++)); do
		if exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
			if IFS= read -r -t 5 line <&3 && [[ $line == 220* ]]; then
				printf 'QUIT\r\n' >&3
				exec 3>&- 3<&-
				return 0
			fi
			exec 3>&- 3<&-
		fi
		sleep 0.1
	done
	return 1
}

start() {
	local dir=$1 port=$2 uid gid
	case $port in ''|*[!0-9]*) die "PORT must be a number: $port" ;; esac
	check || exit 1
	mkdir -p "$dir" || exit 1
	dir=$(cd "$dir" && pwd) || exit 1
	[ -e "$dir/queue/pid/master.pid" ] && status "$dir" &&
		die "$dir: a Postfix is already running there"
	[ "$(listeners "$port")" = 0 ] || die "127.0.0.1:$port: taken by another server"
	uid=$(id -u postfix) gid=$(id -g postfix)
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/mail/box" || exit 1
	chown postfix:postfix "$dir/data" "$dir/mail" "$dir/mail/box"
	touch "$dir/maillog" && chown postfix "$dir/maillog"
	# Postfix's daemons run as postfix: every directory above DIR must let it through
	# (mkdtemp makes 0700 ones).
	if command -v runuser >/dev/null 2>&1 &&
	    ! runuser -u postfix -- test -w "$dir/data" 2>/dev/null; then
		die "$dir: the user postfix cannot reach it (chmod o+x its parent directories)"
	fi

	cat > "$dir/etc/main.cf.new" <<EOF
# Written by tests/peer/postfix.sh: a private test instance on 127.0.0.1:$port.
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = smarthost.test
mydomain = test
myorigin = smarthost.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
syslog_name = postfix-test-$port
biff = no
# no DNS, ever: IP literals and static tables only
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtp_host_lookup = native
lmtp_host_lookup = native
# every address in every domain: one Maildir
virtual_mailbox_domains = static:all
virtual_mailbox_maps = static:box/
virtual_mailbox_base = $dir/mail
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_mailbox_limit = 0
message_size_limit = 104857600
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
local_recipient_maps =
alias_maps =
alias_database =
# quick to start and to stop, nothing held back
smtpd_banner = \$myhostname ESMTP Postfix (test)
in_flow_delay = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
EOF
	cat > "$dir/etc/master.cf.new" <<EOF
# Written by tests/peer/postfix.sh: only what a loopback smart host needs.
127.0.0.1:$port inet n - n - - smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	# `postfix check` (ownership of the queue, the config) takes most of a start:
	# run it once per configuration, then start through Postfix's own quick-start
	# file, which skips the check. Without a terminal Postfix says why it failed
	# only in the maillog.
	if cmp -s "$dir/etc/main.cf.new" "$dir/etc/main.cf" &&
	    cmp -s "$dir/etc/master.cf.new" "$dir/etc/master.cf" && [ -e "$dir/etc/checked" ]; then
		rm -f "$dir/etc/main.cf.new" "$dir/etc/master.cf.new"
	else
		rm -f "$dir/etc/checked"
		mv "$dir/etc/main.cf.new" "$dir/etc/main.cf" &&
			mv "$dir/etc/master.cf.new" "$dir/etc/master.cf" || exit 1
		postfix -c "$dir/etc" check >/dev/null 2>&1 ||
			die "$dir: postfix check failed: $(tail -n 3 "$dir/maillog" 2>/dev/null)"
		touch "$dir/etc/checked"
	fi
	touch "$dir/queue/quick-start"
	postfix -c "$dir/etc" start >/dev/null 2>&1 ||
		{ stop "$dir"; die "$dir: postfix start failed: $(tail -n 3 "$dir/maillog" 2>/dev/null)"; }
	wait_greeting "$port" || { stop "$dir"; die "127.0.0.1:$port never greeted (see $dir/maillog)"; }
	# Postfix listens with SO_REUSEPORT: a second instance on a port that
	# another (another test's Postfix) holds starts as if all were well, and
	# the kernel then shares the connections out between the two. So the
	# port must have one listener, ours, or this start gives up (postfix_start
	# in tests/lib.sh then tries another port).
	if [ "$(listeners "$port")" != 1 ] || ! status "$dir"; then
		stop "$dir"
		die "127.0.0.1:$port: another server listens there too; stopped"
	fi
}

# How many sockets listen on TCP port $1 (any address).
listeners() {
	ss -ltnH "sport = :$1" | wc -l | tr -d ' '
}

# The master's pid, if it runs.
master_pid() {
	local pid
	pid=$(tr -d ' \n' < "$1/queue/pid/master.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

status() { master_pid "$1" >/dev/null; }

stop() {
	local dir=$1 pid i
	[ -d "$dir/etc" ] || die "$dir: not a postfix.sh directory"
	pid=$(master_pid "$dir") || return 0
	# What `postfix stop` does, without its one-second polling: SIGTERM to the
	# master, which stops its daemons and exits.
	kill -TERM "$pid"
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	die "$dir: the master ($pid) did not stop in 15 s; killed"
}

delivered() {
	local dir=$1
	find "$dir/mail/box/new" "$dir/mail/box/cur" -type f 2>/dev/null
}

count() {
	[ -d "$1/mail" ] || die "$1: not a postfix.sh directory"
	delivered "$1" | wc -l | tr -d ' '
}

ids() {
	local f id
	[ -d "$1/mail" ] || die "$1: not a postfix.sh directory"
	# Maildir names start with the delivery time: ls -tr orders by mtime anyway
	delivered "$1" | xargs -r ls -tr | while IFS= read -r f; do
		id=$(sed -n '/^\r\{0,1\}$/q; s/^[Mm][Ee][Ss][Ss][Aa][Gg][Ee]-[Ii][Dd]:[[:space:]]*//p' "$f" |
			tr -d '\r' | head -n 1)
		echo "${id:--}"
	done
}

# Wait until at least N messages are delivered (delivery follows the 250 to the
# final dot by a little); fails after SECONDS (default 30) with the count.
wait_count() {
	local dir=$1 want=$2 secs=${3:-30} i n
	case $want$secs in *[!0-9]*) die "wait: N and SECONDS are numbers" ;; esac
	for ((i = 0; i < secs * 20; i++)); do
		n=$(count "$dir")
		[ "$n" -ge "$want" ] && return 0
		sleep 0.05
	done
	die "$dir: $n of $want messages delivered after $secs s"
}

# The messages in Postfix's queue, accepted and not yet delivered.
queued() {
	find "$1/queue/maildrop" "$1/queue/incoming" "$1/queue/active" "$1/queue/deferred" \
	    "$1/queue/hold" -type f 2>/dev/null
}

# Wait until the queue is empty; fails after SECONDS (default 60) with what is left.
settle() {
	local dir=$1 secs=${2:-60} i
	[ -d "$dir/queue" ] || die "$dir: not a postfix.sh directory"
	case $secs in ''|*[!0-9]*) die "settle: SECONDS is a number" ;; esac
	for ((i = 0; i < secs * 20; i++)); do
		[ -z "$(queued "$dir")" ] && return 0
		sleep 0.05
	done
	die "$dir: $(queued "$dir" | wc -l | tr -d ' ') messages still in Postfix's queue after $secs s"
}

case ${1:-} in
start)	[ $# = 3 ] || die "usage: postfix.sh start DIR PORT"; start "$2" "$3" ;;
stop)	[ $# = 2 ] || die "usage: postfix.sh stop DIR"; stop "$2" ;;
count)	[ $# = 2 ] || die "usage: postfix.sh count DIR"; count "$2" ;;
ids)	[ $# = 2 ] || die "usage: postfix.sh ids DIR"; ids "$2" ;;
wait)	[ $# = 3 ] || [ $# = 4 ] || die "usage: postfix.sh wait DIR N [SECONDS]"
	wait_count "$2" "$3" "${4:-30}" ;;
settle)	[ $# = 2 ] || [ $# = 3 ] || die "usage: postfix.sh settle DIR [SECONDS]"
	settle "$2" "${3:-60}" ;;
check)	check ;;
*)	die "usage: postfix.sh start DIR PORT | stop DIR | count DIR | ids DIR |" \
	    "wait DIR N [SECONDS] | settle DIR [SECONDS] | check" ;;
esac
