#!/bin/bash
# Score kbdiag on real mail logs (kbdiag issue 15): the split of split.tsv.
#
#   tests/realeval/run.sh [--check] [dev|test] [KBDIAG]
#
# Cuts each file's lines of the part (dev or test, default test) out of the
# real corpus ($KBDIAG_REAL_CORPUS, default /work/shared/corpus/real-logs)
# into a temporary directory, keeping each file's modification time (the
# year of its time stamps is inferred from it), runs
# `kbdiag diagnose --offline --format json` on each, and prints per file and
# in all:
#
#   lines      lines read
#   incidents  incidents, and how many name their peer (from the log)
#   attempts   the attempts kbdiag counted (its incidents' count), and the
#              reference's (reference.awk, written apart from kbdiag); the
#              incidents of Q129239 (retries used up) count messages, not
#              attempts, and are left out of both
#   agree      1 - sum over peers |kbdiag - reference| / reference attempts:
#              1.00 when every peer got exactly the reference's attempts
#   unmatched  error-looking lines no article explains (summary), and the
#              groups the summary makes of them (when this kbdiag groups them)
#   badtime    incidents whose first time is after their last, or after the
#              file's modification time (dated into the future)
#
# --check: fail (exit 1) when the test part falls below the floors: agree
# >= 0.95 (which holds kbdiag to the peer each line names: a line's attempts
# count for that peer, or for "-" when it names none), badtime 0. When the
# corpus is missing, print SKIP and exit 0 (77 with --check under make).
#
# Never score a change on the dev part: tune on dev, report test.
. "$(dirname "$0")/common.sh"
part=${1:-test}
kbdiag=${2:-$here/../../build/kbdiag}
corpus=${KBDIAG_REAL_CORPUS:-/work/shared/corpus/real-logs}

case $part in dev|test) ;; *) echo "run.sh: part must be dev or test" >&2; exit 2 ;; esac
[ -d "$corpus" ] || realeval_skip 0 realeval "no real corpus at $corpus (KBDIAG_REAL_CORPUS)"
realeval_need_jq 0 realeval
realeval_tmp

col=2
[ "$part" = test ] && col=3
printf '%-24s %7s %9s %6s %9s %9s %5s %9s %7s %7s\n' file lines incidents peer \
	attempts reference agree unmatched groups badtime
tl=0; ti=0; tp=0; ta=0; tr=0; tdiff=0; tu=0; tg=0; tb=0
while IFS=$'\t' read -r file dev test; do
	case $file in ''|'#'*) continue ;; esac
	range=$dev
	[ "$part" = test ] && range=$test
	[ "$range" = - ] && continue
	src=$corpus/$file
	[ -f "$src" ] || { echo "run.sh: $src is missing" >&2; exit 1; }
	out=$tmp/$file
	sed -n "${range%-*},${range#*-}p" "$src" > "$out"
	touch -r "$src" "$out"
	realeval_diagnose run.sh "$kbdiag" "$out" "$tmp/$file.json"
	awk -f "$here/reference.awk" "$out" | sort > "$tmp/$file.ref"
	mtime=$(date -u -r "$src" +%Y-%m-%dT%H:%M:%S)
	jq -r '.incidents[] | select(.article != "Q129239") |
		[(.peer.host // "-" | ascii_downcase | rtrimstr(".")),
		(.count | tostring)] | @tsv' "$tmp/$file.json" |
		awk -F '\t' '{ a[$1] += $2 } END { for (h in a) print h "\t" a[h] }' |
		sort > "$tmp/$file.got"
	read -r lines inc peer att unm grp bad < <(jq -r --arg mtime "$mtime" '
		[ (.summary.lines),
		  (.incidents | length),
		  ([.incidents[] | select(.peer.host != null and .peer.source == "log")] | length),
		  ([.incidents[] | select(.article != "Q129239") | .count] | add // 0),
		  (.summary.unmatched_errors),
		  ((.summary.unmatched_groups // []) | length),
		  ([.incidents[] | select(
			(.first_seen != null and .last_seen != null and
			 (.first_seen | test("^[0-9]{4}-")) and (.last_seen | test("^[0-9]{4}-")) and
			 (.first_seen > .last_seen or .last_seen > $mtime)))] | length)
		] | @tsv' "$tmp/$file.json")
	ref=$(awk -F '\t' '{ s += $2 } END { print s + 0 }' "$tmp/$file.ref")
	diff=$(join -t $'\t' -a 1 -a 2 -e 0 -o 0,1.2,2.2 "$tmp/$file.got" "$tmp/$file.ref" |
		awk -F '\t' '{ d = $2 - $3; s += d < 0 ? -d : d } END { print s + 0 }')
	agree=$(awk -v d="$diff" -v r="$ref" 'BEGIN { printf "%.2f", r ? 1 - d / r : (d ? 0 : 1) }')
	printf '%-24s %7s %9s %6s %9s %9s %5s %9s %7s %7s\n' "$file" "$lines" "$inc" "$peer" \
		"$att" "$ref" "$agree" "$unm" "$grp" "$bad"
	if [ -n "${REALEVAL_SHOW:-}" ]; then
		join -t $'\t' -a 1 -a 2 -e 0 -o 0,1.2,2.2 "$tmp/$file.got" "$tmp/$file.ref" |
			awk -F '\t' '$2 != $3 { print "    " $1 ": kbdiag " $2 ", reference " $3 }'
	fi
	tl=$((tl + lines)); ti=$((ti + inc)); tp=$((tp + peer)); ta=$((ta + att))
	tr=$((tr + ref)); tdiff=$((tdiff + diff)); tu=$((tu + unm)); tg=$((tg + grp))
	tb=$((tb + bad))
done < "$here/split.tsv"
tagree=$(awk -v d="$tdiff" -v r="$tr" 'BEGIN { printf "%.2f", r ? 1 - d / r : 1 }')
printf '%-24s %7s %9s %6s %9s %9s %5s %9s %7s %7s\n' "all ($part)" "$tl" "$ti" "$tp" "$ta" \
	"$tr" "$tagree" "$tu" "$tg" "$tb"

if [ "$check" = 1 ]; then
	fail=0
	awk -v a="$tagree" 'BEGIN { exit !(a >= 0.95) }' ||
		{ echo "FAIL: attempts agree $tagree with the reference (floor 0.95)"; fail=1; }
	[ "$tb" = 0 ] || { echo "FAIL: $tb incidents with times out of order or in the future"; fail=1; }
	[ "$fail" = 0 ] && echo "PASS: realeval ($part part): attempts per peer, times"
	exit "$fail"
fi
