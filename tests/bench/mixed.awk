# The mixed log of the benchmarks and tests/integration/scan-equal.sh: the
# gateway log given as input, and after every 200 of its lines 4 lines of ev
# (smtpgw's events) and 200 of sl (MTA syslog lines), each read round again
# when it ends; stops at the block that reaches limit bytes (0: at the end).
#
#   awk -v ev=EVENTS -v sl=SYSLOG [-v limit=BYTES] -f tests/bench/mixed.awk GATEWAY.log
function take(file, n,   l, k) {
	for (k = 0; k < n; k++) {
		if ((getline l < file) <= 0) {
			close(file)
			if ((getline l < file) <= 0)
				return
		}
		print l
		bytes += length(l) + 1
	}
}
{ print; bytes += length($0) + 1 }
NR % 200 == 0 { take(ev, 4); take(sl, 200); if (limit > 0 && bytes >= limit) exit }
