#!/usr/bin/perl
# A syslog log (BSD syslog, RFC 3339 stamps, Exim's own log) written again in
# one of the forms an administrator gets from journalctl or docker, line for
# line, keeping what each line says: its time, host, program, pid and message.
#
#   perl tests/integration/journal-forms.pl FORM [YEAR] < mail.log > mail.FORM
#
# FORM: json, json-seq, json-pretty, verbose, export, short, short-header, short-iso,
# short-iso-old (the "+0000" zone of systemd before 248), short-iso-precise,
# short-precise, short-full, short-unix, short-monotonic, cat, docker-json,
# docker-json-split, docker-ts.
# verbose is the entry as journalctl -o verbose writes it: a header (the time
# as short-full's, with microseconds, then the cursor), its fields 4 spaces
# in, in journald's order (MESSAGE before _PID, _COMM and _HOSTNAME), a
# MESSAGE that is not printable UTF-8 as "[N B blob data]"; a line of no
# syslog shape as it is.
# json-pretty is json's entry over several lines (a member a line, 8 spaces
# in, `"KEY" : value`, an array's values a line each), as journalctl -o
# json-pretty writes it. docker-json-split writes every line as docker
# writes one over 16 kB: in pieces (here of 17 to 56 characters), each but
# the last without its line end.
# A BSD stamp has no year: it is dated in YEAR (default 2026), or the year
# before it when YEAR has no such day (February 29), as kbdiag dates it with
# --date YEAR-12-31. Times are written as UTC (journalctl run with TZ=UTC).
# A line of no syslog shape is written as it is (it has no time to keep);
# docker's forms give it the time of the line before. short-header begins
# with journalctl's "-- Logs begin at ..., end at YEAR-12-31 23:59:59 --"
# line, which dates the year-less stamps of the short form.
# In json, every seventh MESSAGE is written as an array of byte values (the
# journal's form for a message that is not UTF-8), and so is any message
# that is not UTF-8.
use strict;
use warnings;
use Time::Local qw(timegm);
use JSON::PP;

my $form = shift // die "usage: journal-forms.pl FORM [YEAR]\n";
my $year = shift // 2026;
my %mon = (Jan => 1, Feb => 2, Mar => 3, Apr => 4, May => 5, Jun => 6, Jul => 7,
	Aug => 8, Sep => 9, Oct => 10, Nov => 11, Dec => 12);
my @mname = qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec);
my @wday = qw(Sun Mon Tue Wed Thu Fri Sat);
my $json = JSON::PP->new->utf8->canonical(1);
my $pretty = JSON::PP->new->utf8->canonical(1)->pretty->indent_length(8);
binmode STDIN;
binmode STDOUT;

sub leap { my $y = shift; ($y % 4 == 0 && $y % 100 != 0) || $y % 400 == 0 }

# "host prog[pid]: message", as the reader reads it (reader_word, reader_tag).
sub tag {
	my $s = shift;
	if ($s =~ /^([\x21-\x7e]{1,64}) ([A-Za-z0-9\/_.\-]{1,64})(?:\[(\d*)\])?: (.*)$/s) {
		return ($1, $2, $3, $4);
	}
	return (undef, undef, undef, $s);
}

# A line: (epoch, fraction "123456" or "", host, prog, pid, message), or () for none.
sub parse {
	my $l = shift;
	my ($t, $frac, $rest);
	if ($l =~ /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)? (.*)$/s) {
		my ($y, $mo, $d, $h, $mi, $se, $f, $z) = ($1, $2, $3, $4, $5, $6, $7, $8);
		$rest = $9;
		return () if $se > 59;
		$t = timegm($se, $mi, $h, $d, $mo - 1, $y);
		if (defined $z && $z ne 'Z') {
			my ($sign, $zh, $zm) = $z =~ /^([+-])(\d\d):?(\d\d)$/;
			$t -= ($sign eq '+' ? 1 : -1) * ($zh * 3600 + $zm * 60);
		}
		$frac = defined $f ? substr($f . '000000', 0, 6) : '';
		my ($host, $prog, $pid, $msg) = tag($rest);
		# Exim: "[pid] message"
		$msg =~ s/^\[\d+\] // unless defined $prog;
		return ($t, $frac, $host, $prog, $pid, $msg);
	}
	# the day space-padded, two digits, or one digit after one space ("Aug 3")
	if ($l =~ /^([A-Z][a-z][a-z]) ([ \d]\d|\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (.*)$/s &&
	    exists $mon{$1}) {
		my ($mo, $d, $h, $mi, $se, $f) = ($mon{$1}, $2 + 0, $3, $4, $5, $6);
		$rest = $7;
		my $y = $year;
		$y-- while $mo == 2 && $d == 29 && !leap($y);
		return () if $se > 59 || $d < 1;
		$t = eval { timegm($se, $mi, $h, $d, $mo - 1, $y) };
		return () unless defined $t;
		$frac = defined $f ? substr($f . '000000', 0, 6) : '';
		return ($t, $frac, tag($rest));
	}
	return ();
}

sub utf8_ok { my $s = shift; return utf8::decode(my $c = $s) }
# Bytes as JSON::PP's text: decoded when they are UTF-8 (docker writes a line
# that is not as it can; as Latin-1 here).
sub text { my $s = shift; utf8::decode($s); return $s }

my ($n, $last) = (0, 0);
if ($form eq 'short-header') {
	my $end = timegm(59, 59, 23, 31, 11, $year);
	my @e = gmtime($end);
	printf "-- Logs begin at Thu 1970-01-01 00:00:00 UTC, end at %s %04d-12-31 23:59:59 UTC. --\n",
	    $wday[$e[6]], $year;
}
while (my $l = <STDIN>) {
	$l =~ s/\r?\n\z//;
	$n++;
	my ($t, $frac, $host, $prog, $pid, $msg) = parse($l);
	if (!defined $t) {
		if ($form eq 'docker-json' || $form eq 'docker-json-split') {
			docker_json(text("$l\n"), docker_time($last, ''));
		} elsif ($form eq 'docker-ts') {
			print docker_time($last, ''), " $l\n";
		} elsif ($form eq 'json' || $form eq 'json-seq' || $form eq 'json-pretty') {
			print "\x1e" if $form eq 'json-seq';
			print entry(undef, '', undef, undef, undef, $l), "\n";
		} elsif ($form eq 'export') {
			print export(undef, '', undef, undef, undef, $l);
		} else {
			print "$l\n";
		}
		next;
	}
	$last = $t;
	my @g = gmtime($t);
	my $f6 = $frac eq '' ? '000000' : $frac;
	my $who = defined $prog ? "$host $prog" . (defined $pid ? "[$pid]" : '') . ': ' : '';
	my $bsd = sprintf '%s %02d %02d:%02d:%02d', $mname[$g[4]], $g[3], $g[2], $g[1], $g[0];
	my $iso = sprintf '%04d-%02d-%02dT%02d:%02d:%02d', $g[5] + 1900, $g[4] + 1, $g[3], $g[2],
	    $g[1], $g[0];
	if ($form eq 'json' || $form eq 'json-seq' || $form eq 'json-pretty') {
		print "\x1e" if $form eq 'json-seq';
		print entry($t, $frac, $host, $prog, $pid, $msg), "\n";
	} elsif ($form eq 'export') {
		print export($t, $frac, $host, $prog, $pid, $msg);
	} elsif ($form eq 'short' || $form eq 'short-header') {
		print "$bsd $who$msg\n";
	} elsif ($form eq 'short-precise') {
		print "$bsd.$f6 $who$msg\n";
	} elsif ($form eq 'short-iso') {
		print "$iso+00:00 $who$msg\n";
	} elsif ($form eq 'short-iso-old') {
		print "$iso+0000 $who$msg\n";
	} elsif ($form eq 'short-iso-precise') {
		print "$iso.$f6+00:00 $who$msg\n";
	} elsif ($form eq 'short-full') {
		(my $d = $iso) =~ s/T/ /;
		print "$wday[$g[6]] $d UTC $who$msg\n";
	} elsif ($form eq 'short-unix') {
		print "$t.$f6 $who$msg\n";
	} elsif ($form eq 'short-monotonic') {
		printf "[%6d.%s] %s%s\n", $n, $f6, $who, $msg;
	} elsif ($form eq 'cat') {
		print "$msg\n";
	} elsif ($form eq 'verbose') {
		print verbose($t, $f6, $host, $prog, $pid, $msg, $iso, $wday[$g[6]]);
	} elsif ($form eq 'docker-json' || $form eq 'docker-json-split') {
		docker_json(text("$l\n"), docker_time($t, $frac));
	} elsif ($form eq 'docker-ts') {
		print docker_time($t, $frac), " $l\n";
	} else {
		die "journal-forms.pl: unknown form '$form'\n";
	}
}

# An entry as journalctl -o verbose writes it.
sub verbose {
	my ($t, $f6, $host, $prog, $pid, $msg, $iso, $wd) = @_;
	(my $d = $iso) =~ s/T/ /;
	my $v = sprintf "%s %s.%s UTC [s=6a1c;i=%x;b=8e1f;m=%x;t=%x;x=0]\n", $wd, $d, $f6, $n,
	    $n * 1000, $t;
	$v .= "    _TRANSPORT=syslog\n    PRIORITY=6\n    SYSLOG_FACILITY=2\n";
	$v .= "    SYSLOG_IDENTIFIER=$prog\n" if defined $prog;
	$v .= "    SYSLOG_PID=$pid\n" if defined $pid && $pid ne '';
	if (utf8_ok($msg) && $msg !~ /[\x00-\x08\x0a-\x1f\x7f]/) {
		$v .= "    MESSAGE=$msg\n";
	} else {
		$v .= sprintf "    MESSAGE=[%dB blob data]\n", length $msg;
	}
	$v .= "    _PID=$pid\n" if defined $pid && $pid ne '';
	if (defined $prog) {
		(my $comm = $prog) =~ s{.*/}{};
		$v .= "    _COMM=" . substr($comm, 0, 15) . "\n";
	}
	$v .= "    _BOOT_ID=8e1f0c3b5b5a4c5e9d1d2a6a0b4c7f10\n";
	# (journald adds it to every entry: the machine's name where the line had none)
	$v .= "    _HOSTNAME=" . ($host // "localhost") . "\n";
	$v .= sprintf "    _SOURCE_REALTIME_TIMESTAMP=%d\n", $t * 1000000;
	return $v;
}

# A line of docker's json-file log: whole, or in pieces (docker-json-split).
sub docker_json {
	my ($log, $time) = @_;
	my $size = $form eq 'docker-json-split' ? 17 + $n % 40 : length $log;

	for (my $at = 0; $at < length $log; $at += $size) {
		print $json->encode({ log => substr($log, $at, $size), stream => 'stdout',
		    time => $time }), "\n";
	}
}

sub docker_time {
	my ($t, $frac) = @_;
	my @g = gmtime($t);
	return sprintf '%04d-%02d-%02dT%02d:%02d:%02d.%s000Z', $g[5] + 1900, $g[4] + 1, $g[3],
	    $g[2], $g[1], $g[0], $frac eq '' ? '000000' : $frac;
}

# A journal entry as journalctl -o json writes it (its usual fields around).
sub entry {
	my ($t, $frac, $host, $prog, $pid, $msg) = @_;
	my %e = (
		__CURSOR => "s=6a1c;i=$n;b=8e1f;m=" . sprintf('%x', $n * 1000) . ";t=0;x=0",
		__MONOTONIC_TIMESTAMP => '' . ($n * 1000),
		_BOOT_ID => '8e1f0c3b5b5a4c5e9d1d2a6a0b4c7f10',
		_TRANSPORT => 'syslog',
		PRIORITY => '6',
		SYSLOG_FACILITY => '2',
		_UID => '0', _GID => '0',
		_SYSTEMD_UNIT => 'postfix@-.service',
		# the other fields journald adds to a syslog entry (systemd 252)
		__SEQNUM => '' . (4928000 + $n), __SEQNUM_ID => 'e82795fad4ce42b79fb3da0866d91f7e',
		_MACHINE_ID => '851f339d77174301b29e417ecb2ec6a8', _RUNTIME_SCOPE => 'system',
		_CAP_EFFECTIVE => '0', _SYSTEMD_SLICE => 'system-postfix.slice',
		_SYSTEMD_CGROUP => '/system.slice/system-postfix.slice/postfix@-.service',
		_SYSTEMD_INVOCATION_ID => '32f844397218489cae1daca4427f8ed6',
	);
	# (a line without a program has no _COMM either: the reader would take it)
	if (defined $prog) {
		(my $comm = $prog) =~ s{.*/}{};
		$e{_COMM} = substr($comm, 0, 15);
		$e{_EXE} = "/usr/lib/postfix/sbin/$comm";
		$e{_CMDLINE} = "$comm -n $comm -t unix -u -c";
	}
	$e{SYSLOG_TIMESTAMP} = 'Dec  7 17:06:27 ' if defined $t;
	$e{_SOURCE_REALTIME_TIMESTAMP} = '' . ($t * 1000000) if defined $t;
	$e{__REALTIME_TIMESTAMP} = '' . ($t * 1000000 + ($frac eq '' ? 0 : $frac))
	    if defined $t;
	$e{_HOSTNAME} = $host if defined $host;
	$e{SYSLOG_IDENTIFIER} = $prog if defined $prog;
	$e{_PID} = $e{SYSLOG_PID} = $pid if defined $pid && $pid ne '';
	if ($n % 7 == 0 || !utf8_ok($msg)) {
		$e{MESSAGE} = [ map { ord } split //, $msg ];
	} else {
		utf8::decode($msg);
		$e{MESSAGE} = $msg;
	}
	if ($form eq 'json-pretty') {
		(my $p = $pretty->encode(\%e)) =~ s/\n\z//;
		return $p;
	}
	return $json->encode(\%e);
}

# An entry as journalctl -o export writes it; every fifth MESSAGE, and any
# that is not printable UTF-8 text, as a binary field (its name, its length
# in 64 bits little-endian, its bytes).
sub export {
	my ($t, $frac, $host, $prog, $pid, $msg) = @_;
	my $s = sprintf "__CURSOR=s=6a1c;i=%x;b=8e1f;m=%x;t=0;x=0\n", $n, $n * 1000;
	$s .= '__REALTIME_TIMESTAMP=' . ($t * 1000000 + ($frac eq '' ? 0 : $frac)) . "\n"
	    if defined $t;
	$s .= "__MONOTONIC_TIMESTAMP=" . ($n * 1000) . "\n_BOOT_ID=8e1f0c3b5b5a4c5e9d1d2a6a0b4c7f10\n";
	$s .= "_TRANSPORT=syslog\nPRIORITY=6\nSYSLOG_FACILITY=2\n";
	$s .= "SYSLOG_IDENTIFIER=$prog\n" if defined $prog;
	$s .= "SYSLOG_PID=$pid\n" if defined $pid && $pid ne '';
	if ($n % 5 == 0 || $msg =~ /[\x00-\x1f\x7f]/ || !utf8_ok($msg)) {
		$s .= "MESSAGE\n" . pack('Q<', length $msg) . $msg . "\n";
	} else {
		$s .= "MESSAGE=$msg\n";
	}
	$s .= "_PID=$pid\n" if defined $pid && $pid ne '';
	$s .= "_UID=0\n_GID=0\n";
	$s .= "_HOSTNAME=$host\n" if defined $host;
	return "$s\n";
}
