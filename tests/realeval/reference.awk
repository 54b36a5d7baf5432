# The reference count of delivery attempts in real MTA logs, for
# tests/realeval/run.sh: written apart from kbdiag (no code shared), from what
# Postfix, Exim and Sendmail are documented to log, so that kbdiag's incidents
# can be held to it.
#
# It reads mail logs and prints, per peer the client failed to reach or to
# talk to, one line "HOST<TAB>ATTEMPTS<TAB>LINES": the failed connections or
# sessions, and the log lines that reported them. HOST is the host name as the
# line names it (lower case, no trailing dot), or its address when the line
# gives no name, or "-" when the line names no peer.
#
# What one attempt is:
#   Postfix smtp/lmtp  a line "connect to H[A]:P: ERROR", "lost connection
#                      with H[A] while ...", "conversation with H[A] timed out
#                      while ...", "SSL_connect error to H[A]..." is one attempt;
#                      the status line (status=deferred/bounced (...)) that
#                      repeats the last one of its process, and the status lines
#                      of the other recipients of the same queue id, are not.
#                      "delivery temporarily suspended" is no attempt.
#   Exim               an "H=H [A] ERROR" (or "H=H [A]: ... timeout/closed")
#                      line is one attempt, and so is older Exim's host line
#                      without H= ("ID H [A] ERROR"), whatever A holds (an
#                      address, the test harness's "ip4.ip4.ip4.ip4", a
#                      poster's "xxx.xxx.xxx.4"): the peer is then H; the
#                      "== ADDR ... defer (N): ERROR" and "** ADDR ...:
#                      ERROR" lines that repeat the message's
#                      last one are not; a callout line ("callout: H [A] :
#                      ERROR") is one; "retry time not reached" is none.
#   Sendmail           a "stat=Deferred: ERROR by/with H" line is one attempt,
#                      unless the line before for the same queue id said the
#                      same at the same peer in the same second, or it is the
#                      host's cached status and H has an attempt before it.
#                      The cached status: xdelay=00:00:00 with a time-out, or
#                      with a relay= that names no address ("relay=H." where
#                      a connection writes "relay=H. [A]"). xdelay counts from
#                      the start of the connection, and Sendmail skips a host
#                      it knows is down (its host status, kept for
#                      Timeout.hoststatus, 30 minutes by default, within a
#                      queue run and in HostStatusDirectory across runs),
#                      writing the status it keeps as the recipient's: no
#                      connection. A time-out takes at least a second; a
#                      refusal may not, hence the address. Such a line still
#                      proves a failed connection before it (Sendmail keeps
#                      only failures it saw): when the log holds no attempt
#                      at H before it, it is that attempt (once). Changed
#                      2026-12-08 from "never an attempt" (which had a lone
#                      cached line at no attempt and a refusal in no time
#                      always at one).
#
# ERROR is a connection failure: refused, timed out, unreachable, no route,
# reset, lost or closed connection, a time-out in the conversation. TLS
# negotiation failures (a certificate refused, no TLS offered, an alert) are
# not: no article is about them. Lines the Exim test harness rewrote where a
# real Exim writes a number (a port ":PORT_D", an errno "defer (dd):" with no
# host named) are left out.

function lc(s) { return tolower(s) }
function strip(h) { sub(/\.$/, "", h); return lc(h) }
function class_of(s) {
	if (s ~ /TLS session|TLS error|a TLS session is required|after STARTTLS|\]:PORT_/) return ""
	if (s ~ /defer \(dd\):/ && s !~ /H=/) return ""
	if (s ~ /[Cc]onnection refused/) return "refused"
	if (s ~ /[Nn]etwork is unreachable/) return "unreach"
	if (s ~ /[Nn]o route to host/) return "noroute"
	if (s ~ /[Cc]onnection reset|Broken pipe/) return "reset"
	if (s ~ /lost connection with|[Cc]losed connection|lost connection/) return "lost"
	if (s ~ /conversation with .* timed out|SMTP timeout after|LMTP timeout after|timeout writing|timeout waiting/) return "convtimeout"
	if (s ~ /[Cc]onnection timed out|[Oo]peration timed out/) return "timeout"
	if (s ~ /SSL_connect error/) return "tls"
	return ""
}
# The host of "NAME[ADDR]" (Postfix) or "NAME [ADDR]" (Exim) found by re.
function host_of(s, re,    m, h, a) {
	if (!match(s, re))
		return "-"
	m = substr(s, RSTART, RLENGTH)
	h = m
	sub(/ ?\[.*/, "", h)
	sub(/^.*[ =(]/, "", h)
	a = m
	sub(/^[^\[]*\[/, "", a)
	sub(/\].*/, "", a)
	if (h == "" || h == "unknown")
		h = a
	return strip(h)
}
function attempt(h) { att[h]++; lines[h]++ }
function echo(h) { lines[h]++ }

# Postfix: the program is postfix/smtp or postfix/lmtp (any instance name).
$0 ~ /postfix[^ \/]*\/(smtp|lmtp)\[[0-9]+\]: / {
	if ($0 ~ /delivery temporarily suspended/) next
	c = class_of($0)
	if (c == "") next
	if ($0 !~ /connect to [^ ]+\[[^]]+\]|lost connection with [^ ]+\[|conversation with [^ ]+\[|SSL_connect error to [^ ]+\[/) next
	if ($0 ~ /connect to [^ ]+\[[^]]*\/[^]]*\]/) next		# a UNIX socket
	pid = $0; sub(/^.*\/(smtp|lmtp)\[/, "", pid); sub(/\].*/, "", pid)
	qid = ""
	if (match($0, /\]: [0-9A-F]+: /)) { qid = substr($0, RSTART + 3, RLENGTH - 5) }
	else if (match($0, /\]: [0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]+: /)) { qid = substr($0, RSTART + 3, RLENGTH - 5) }
	h = host_of($0, "(connect to|lost connection with|conversation with|SSL_connect error to) [^ \\[]+\\[[^]]+\\]")
	status = $0 ~ /status=[a-z]+ \(/
	key = h SUBSEP c
	if (status && (pid in last)) {
		split(last[pid], p, SUBSEP)
		# p[1] standalone?, p[2] qid, p[3] host, p[4] class
		if (p[3] == h && p[4] == c && (p[1] == "S" || p[2] == qid)) {
			echo(h)
			last[pid] = (p[1] == "S" ? "T" : p[1]) SUBSEP qid SUBSEP h SUBSEP c
			next
		}
	}
	attempt(h)
	last[pid] = (status ? "T" : "S") SUBSEP qid SUBSEP h SUBSEP c
	next
}

# Exim: "DATE TIME [MSGID] ..." with a message id, or a callout line.
$0 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:.]+ / {
	if ($0 ~ /retry time not reached/) next
	c = class_of($0)
	if (c == "") next
	rest = $0; sub(/^[^ ]+ [^ ]+ /, "", rest)
	id = ""
	if (match(rest, /^[0-9A-Za-z]+-[0-9A-Za-z]+-[0-9A-Za-z]+ /)) {
		id = substr(rest, 1, RLENGTH - 1)
		rest = substr(rest, RLENGTH + 1)
	}
	if (rest ~ /callout: [^ ]+ \[[^]]+\] : /) {
		attempt(host_of(rest, "callout: [^ ]+ \\[[^]]+\\]"))
		next
	}
	if (rest ~ /^H=[^ (]+ \[[^]]+\]/ && id != "") {
		# A line of the client: "H=NAME [ADDR](:PORT)? ERROR" or ": ERROR".
		h = host_of(rest, "^H=[^ ]+ \\[[^]]+\\]")
		attempt(h)
		lastx[id] = h SUBSEP c
		next
	}
	if (id != "" && rest ~ /^[^ =]+ \[[^] ]+\](:[0-9]+)? /) {
		# The older host line, without H=: any bracketed token, as in H=.
		h = host_of(rest, "^[^ ]+ \\[[^]]+\\]")
		attempt(h)
		lastx[id] = h SUBSEP c
		next
	}
	if (id != "" && rest ~ /^(==|\*\*) [^ ]+ /) {
		h = "-"
		if (rest ~ /H=[^ ]+ \[[^]]+\]/)
			h = host_of(rest, "H=[^ ]+ \\[[^]]+\\]")
		if (id in lastx) {
			split(lastx[id], p, SUBSEP)
			if ((h == "-" || h == p[1]) && (p[2] == c || c == "convtimeout" || p[2] == "convtimeout")) {
				echo(p[1])
				next
			}
		}
		attempt(h)
		lastx[id] = h SUBSEP c
		next
	}
	next
}

# Sendmail: "QID: to=..., relay=..., stat=Deferred: ERROR".
/(sendmail|sm-mta)\[[0-9]+\]: .*stat=Deferred: / {
	c = class_of($0)
	if (c == "") next
	h = "-"
	if (match($0, /(refused by|timed out with|reset by) [^ ,]+/)) {
		h = substr($0, RSTART, RLENGTH); sub(/^.* /, "", h)
		gsub(/[\[\]]/, "", h); h = strip(h)
	}
	if ($0 ~ /xdelay=00:00:00,/) {
		relay = "-"
		if (match($0, /relay=[^,]*/))
			relay = substr($0, RSTART, RLENGTH)
		if ((c == "timeout" || (relay != "-" && relay !~ / \[/)) && att[h] > 0) {
			lines[h]++
			next
		}
	}
	qid = $0; sub(/^.*(sendmail|sm-mta)\[[0-9]+\]: /, "", qid); sub(/:.*/, "", qid)
	t = $3
	k = qid SUBSEP h SUBSEP c SUBSEP t
	if (k == lasts[qid]) { echo(h); next }
	lasts[qid] = k
	attempt(h)
	next
}

END {
	for (h in lines)
		printf "%s\t%d\t%d\n", h, att[h] + 0, lines[h]
}
