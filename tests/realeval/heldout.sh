#!/bin/bash
# Score kbdiag on a held-out set of real logs (tests/realeval/heldout/README.md,
# tests/realeval/heldout2/README.md): a report, never tuned on.
#
#   [KBDIAG_HELDOUT_SET=heldout2] tests/realeval/heldout.sh [KBDIAG]
#
# KBDIAG_HELDOUT_SET names the set: its metadata directory under
# tests/realeval/ (README.md, files.tsv, reference.tsv); default "heldout",
# the first set. Copies each file of SET/files.tsv from the set's corpus
# ($KBDIAG_HELDOUT_CORPUS; default /work/shared/corpus/heldout-logs followed
# by what follows "heldout" in the set's name: heldout-logs for "heldout",
# heldout-logs2 for "heldout2") into a temporary directory, dated as the row
# says (the day it was posted, or the run's time for "-"), checks its sha256
# against the README's, runs
# `kbdiag diagnose --offline --format json` on it, and prints per file, per
# form (syslog, variant), per MTA and in all:
#
#   lines      lines read
#   inc        incidents; peer: how many name their peer as the log gives it
#   attempts   kbdiag's attempts (the incidents' count, Q129239 left out, as
#              run.sh does) and the reference's (SET/reference.tsv)
#   agree      1 - sum over peers |kbdiag - reference| / reference attempts
#   status     failure status lines of the file, read by hand (SET/files.tsv)
#   unmatched  error-looking lines no article explains, and their groups
#   year       incidents whose first time has another year than the file's
#              time stamps have (files.tsv; not checked where that is "-")
#   notime     incidents with no time at all, in a file whose lines have one
#              (every file but those of year "-")
#   lost       failure lines (by failures.sh's syntax) that kbdiag neither
#              matched nor listed among the unmatched, run on those alone
#   badtime    incidents whose first time is after their last, or after the
#              file's modification time
#
# HELDOUT_SHOW=1 also prints, per file, the peers where kbdiag and the
# reference differ. Exit 0 whatever the figures (no floor: see the README);
# 1 when kbdiag fails (exit > 1) or a file is not the one the reference was
# written on; 2 when KBDIAG_HELDOUT_SET names no set here; SKIP (exit 0) when
# the corpus or jq is missing.
set -eu
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
kbdiag=${1:-$here/../../build/kbdiag}
kb=$here/../../kb
set_name=${KBDIAG_HELDOUT_SET:-heldout}
case $set_name in
*/*|*..*|'') echo "heldout.sh: KBDIAG_HELDOUT_SET=$set_name: a directory name under tests/realeval/, not a path" >&2
	exit 2 ;;
heldout*) ;;
*) echo "heldout.sh: KBDIAG_HELDOUT_SET=$set_name: not a held-out set (heldout, heldout2, ...)" >&2
	exit 2 ;;
esac
meta=$here/$set_name
for f in README.md files.tsv reference.tsv; do
	[ -f "$meta/$f" ] || { echo "heldout.sh: $meta/$f is missing (KBDIAG_HELDOUT_SET=$set_name)" >&2; exit 2; }
done
corpus=${KBDIAG_HELDOUT_CORPUS:-/work/shared/corpus/heldout-logs${set_name#heldout}}
if [ ! -d "$corpus" ]; then
	echo "SKIP: realeval $set_name: no held-out corpus at $corpus (KBDIAG_HELDOUT_CORPUS)"
	exit 0
fi
command -v jq > /dev/null || { echo "SKIP: realeval $set_name: jq is missing"; exit 0; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
KBDIAG_CACHE=$tmp/cache
export KBDIAG_CACHE

fmt='%-40s %5s %4s %4s %8s %5s %5s %6s %9s %6s %4s %6s %7s %4s\n'
printf "$fmt" file lines inc peer attempts ref agree status unmatched groups year notime badtime lost
declare -A T
# failures.sh's delivery-failure syntax (Postfix status, Exim ** and ==, dsn)
fail_re='[ ,]status=(bounced|deferred|undeliverable|expired)([ ,(]|$)'
fail_re+='|(^|[ ])[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4} (\*\*|==) '
fail_re+='|[ ,]dsn=[45]\.[0-9]{1,3}\.[0-9]{1,3}'
add() { T[$1,$2]=$(( ${T[$1,$2]:-0} + $3 )); }

sums=$(awk -F '\t' '/^\| [a-z]/ { split($0, c, "|"); f = c[2]; h = c[4];
	gsub(/ /, "", f); gsub(/ /, "", h); print f "\t" h }' "$meta/README.md")

while IFS=$'\t' read -r file mtime year form mta status; do
	case $file in ''|'#'*) continue ;; esac
	src=$corpus/$file
	[ -f "$src" ] || { echo "heldout.sh: $src is missing" >&2; exit 1; }
	want=$(printf '%s\n' "$sums" | awk -F '\t' -v f="$file" '$1 == f { print $2 }')
	have=$(sha256sum "$src" | cut -c 1-16)
	if [ "$want" != "$have" ]; then
		echo "heldout.sh: $file is not the file the reference was written on (sha256 $have, README $want)" >&2
		exit 1
	fi
	out=$tmp/$file
	cp "$src" "$out"
	if [ "$mtime" = - ]; then
		touch "$out"
	else
		touch -d "${mtime}Z" "$out"
	fi
	st=0
	"$kbdiag" --kb "$kb" diagnose --offline --format json -q "$out" > "$out.json" \
		2> "$out.err" || st=$?
	if [ "$st" -gt 1 ]; then
		echo "heldout.sh: kbdiag failed on $file (exit $st):" >&2
		head -5 "$out.err" >&2
		exit 1
	fi
	awk -F '\t' -v f="$file" '$1 == f { a[$2] += $3 } END { for (h in a) print h "\t" a[h] }' \
		"$meta/reference.tsv" | sort > "$out.ref"
	jq -r '.incidents[] | select(.article != "Q129239") |
		[(.peer.host // "-" | ascii_downcase | rtrimstr(".")), (.count | tostring)] | @tsv' \
		"$out.json" |
		awk -F '\t' '{ a[$1] += $2 } END { for (h in a) print h "\t" a[h] }' | sort > "$out.got"
	fmtime=$(date -u -r "$out" +%Y-%m-%dT%H:%M:%S)
	read -r lines inc peer att unm grp bad wyear notime < <(jq -r --arg mtime "$fmtime" --arg year "$year" '
		[ (.summary.lines),
		  (.incidents | length),
		  ([.incidents[] | select(.peer.host != null and .peer.source == "log")] | length),
		  ([.incidents[] | select(.article != "Q129239") | .count] | add // 0),
		  (.summary.unmatched_errors),
		  ((.summary.unmatched_groups // []) | length),
		  ([.incidents[] | select(
			(.first_seen != null and .last_seen != null and
			 (.first_seen | test("^[0-9]{4}-")) and (.last_seen | test("^[0-9]{4}-")) and
			 (.first_seen > .last_seen or .last_seen > $mtime)))] | length),
		  (if $year == "-" then "-" else
		   ([.incidents[] | select(.first_seen != null and (.first_seen | test("^[0-9]{4}-")) and
			(.first_seen[0:4] != $year))] | length) end),
		  (if $year == "-" then "-" else
		   ([.incidents[] | select(.first_seen == null)] | length) end)
		] | @tsv' "$out.json")
	# the failure lines alone: each matched or listed, none lost
	{ grep -nE "$fail_re" "$out" || true
	  grep -nE '[ ,]stat=' "$out" | grep -vE '^[0-9]+:.*[ ,]stat=(Sent|queued)([ ,(]|$)' || true
	} | sort -t : -k 1,1n -u | cut -d : -f 2- > "$out.fail"
	lost=0
	if [ -s "$out.fail" ]; then
		touch -r "$out" "$out.fail"
		"$kbdiag" --kb "$kb" diagnose --offline --format json -q "$out.fail" \
			> "$out.fail.json" 2> "$out.err" || [ $? -le 1 ] ||
			{ echo "heldout.sh: kbdiag failed on the failure lines of $file" >&2; exit 1; }
		lost=$(jq -r '.summary.lines - .summary.matched - .summary.unmatched_errors' \
			"$out.fail.json")
	fi
	ref=$(awk -F '\t' '{ s += $2 } END { print s + 0 }' "$out.ref")
	diff=$(join -t $'\t' -a 1 -a 2 -e 0 -o 0,1.2,2.2 "$out.got" "$out.ref" |
		awk -F '\t' '{ d = $2 - $3; s += d < 0 ? -d : d } END { print s + 0 }')
	agree=$(awk -v d="$diff" -v r="$ref" 'BEGIN { printf "%.2f", r ? 1 - d / r : (d ? 0 : 1) }')
	printf "$fmt" "$file" "$lines" "$inc" "$peer" "$att" "$ref" "$agree" "$status" "$unm" \
		"$grp" "$wyear" "$notime" "$bad" "$lost"
	if [ -n "${HELDOUT_SHOW:-}" ]; then
		join -t $'\t' -a 1 -a 2 -e 0 -o 0,1.2,2.2 "$out.got" "$out.ref" |
			awk -F '\t' '$2 != $3 { print "    " $1 ": kbdiag " $2 ", reference " $3 }'
	fi
	[ "$wyear" = - ] && wyear=0
	[ "$notime" = - ] && notime=0
	for k in "$form" "$mta" all; do
		add "$k" files 1; add "$k" lines "$lines"; add "$k" inc "$inc"; add "$k" peer "$peer"
		add "$k" att "$att"; add "$k" ref "$ref"; add "$k" diff "$diff"; add "$k" status "$status"
		add "$k" unm "$unm"; add "$k" grp "$grp"; add "$k" year "$wyear"; add "$k" bad "$bad"
		add "$k" notime "$notime"; add "$k" lost "$lost"
	done
done < "$meta/files.tsv"

for k in syslog variant postfix exim sendmail all; do
	[ -n "${T[$k,files]:-}" ] || continue
	agree=$(awk -v d="${T[$k,diff]}" -v r="${T[$k,ref]}" \
		'BEGIN { printf "%.2f", r ? 1 - d / r : (d ? 0 : 1) }')
	printf "$fmt" "$k (${T[$k,files]} files)" "${T[$k,lines]}" "${T[$k,inc]}" "${T[$k,peer]}" \
		"${T[$k,att]}" "${T[$k,ref]}" "$agree" "${T[$k,status]}" "${T[$k,unm]}" \
		"${T[$k,grp]}" "${T[$k,year]}" "${T[$k,notime]}" "${T[$k,bad]}" "${T[$k,lost]}"
done
echo "REPORT: realeval $set_name (no floor; held out, never tuned on)"
