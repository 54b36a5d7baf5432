#!/bin/bash
# Every delivery-failure line of the real corpus is either matched to an
# article or listed among the unmatched lines of the summary: none is lost.
#
#   tests/realeval/failures.sh [--check] [KBDIAG]
#
# A delivery-failure line, by each MTA's delivery-status syntax (written here
# apart from kbdiag, and not from the corpus's wording):
#   Postfix   status=bounced, status=deferred, status=undeliverable,
#             status=expired
#   Exim      the field after a message id is "**" (failed) or "==" (deferred)
#   Sendmail  stat= with anything but Sent or queued (the successes)
#   any       dsn=4.x.x or dsn=5.x.x
# The failure lines of each file of the corpus (whole files: this holds for
# every line, so there is nothing to tune) are cut out into a file of their
# own, dated as the source, and diagnosed; summary.matched +
# summary.unmatched_errors must be summary.lines (a line counted as a
# receiving server's, unmatched_server_lines, is not listed and fails too).
#
# Prints per file: failure lines, matched, listed, lost. --check: exit 1 when
# any is lost. No corpus or no jq: SKIP (77 with --check).
. "$(dirname "$0")/common.sh"
kbdiag=${1:-$here/../../build/kbdiag}
corpus=${KBDIAG_REAL_CORPUS:-/work/shared/corpus/real-logs}
skipped=0
[ "$check" = 1 ] && skipped=77
[ -d "$corpus" ] || realeval_skip "$skipped" "realeval failures" \
	"no real corpus at $corpus (KBDIAG_REAL_CORPUS)"
realeval_need_jq "$skipped" "realeval failures"
realeval_tmp

# The classes, as extended regular expressions (grep -E).
postfix='[ ,]status=(bounced|deferred|undeliverable|expired)([ ,(]|$)'
exim='(^|[ ])[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4} (\*\*|==) '
sendmail='[ ,]stat='
sendmail_ok='[ ,]stat=(Sent|queued)([ ,(]|$)'
dsn='[ ,]dsn=[45]\.[0-9]{1,3}\.[0-9]{1,3}'

printf '%-24s %8s %8s %8s %8s\n' file failures matched listed lost
tf=0; tm=0; tu=0; tlost=0
for src in "$corpus"/*.log; do
	file=${src##*/}
	out=$tmp/$file
	# in the order of the source, each line once
	{ grep -nE "$postfix|$exim|$dsn" "$src" || true
	  grep -nE "$sendmail" "$src" | grep -vE "^[0-9]+:.*$sendmail_ok" || true
	} | sort -t : -k 1,1n -u | cut -d : -f 2- > "$out"
	n=$(wc -l < "$out")
	[ "$n" -gt 0 ] || { printf '%-24s %8s %8s %8s %8s\n' "$file" 0 0 0 0; continue; }
	touch -r "$src" "$out"
	realeval_diagnose failures.sh "$kbdiag" "$out" "$out.json"
	read -r lines matched listed < <(jq -r '[.summary.lines, .summary.matched,
		.summary.unmatched_errors] | @tsv' "$out.json")
	lost=$((lines - matched - listed))
	printf '%-24s %8s %8s %8s %8s\n' "$file" "$lines" "$matched" "$listed" "$lost"
	tf=$((tf + lines)); tm=$((tm + matched)); tu=$((tu + listed)); tlost=$((tlost + lost))
done
printf '%-24s %8s %8s %8s %8s\n' all "$tf" "$tm" "$tu" "$tlost"
if [ "$check" = 1 ]; then
	[ "$tlost" = 0 ] || { echo "FAIL: $tlost delivery-failure lines neither matched nor listed"; exit 1; }
	[ "$tf" -gt 0 ] || { echo "FAIL: no delivery-failure line found in $corpus"; exit 1; }
	echo "PASS: realeval failures: all $tf delivery-failure lines matched ($tm) or listed ($tu)"
fi
