#!/usr/bin/env bash
# Reading a saved diagnosis (issue "replay memory", the team's notes): the
# peak resident memory and time of the commands that read one (report,
# diagnose --replay, verify) on saved diagnoses of 1,000 and 10,000
# incidents, NEW (build/kbdiag) beside OLD (a build before the change), and
# whether their outputs are the same bytes. Writes the section between
# <!-- bench:replay begin --> and <!-- bench:replay end --> of
# docs/benchmarks.md.
#
#   bash tests/bench/replay.sh OLD_KBDIAG [RUNS]
#
# The saved diagnoses: what NEW writes (kbdiag --offline -f json diagnose)
# for smtpgw events naming N smart hosts, one failure each (as memory.sh).
# Each command runs RUNS times (3) for each build, in turn; the table has
# the medians of wall time, CPU time (user + system) and peak RSS (GNU
# time's %M). verify --offline runs on a fresh copy each time (it writes
# its history back); its run time ("when") is masked before comparing.
# Exit 1 when an output of NEW differs from OLD's.
set -uo pipefail
cd "$(dirname "$0")/../.."

old=${1:?usage: replay.sh OLD_KBDIAG [RUNS]}
runs=${2:-3}
new=$PWD/build/kbdiag
kb=$PWD/kb
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-replay.XXXXXX")
trap 'rm -rf "$work"' EXIT
${MAKE:-make} --no-print-directory build/kbdiag >&2 || exit 2
command -v /usr/bin/time >/dev/null || { echo "replay.sh: /usr/bin/time is missing" >&2; exit 2; }

events() {
	awk -v n="$1" 'BEGIN {
		for (k = 0; k < n; k++)
			printf "{\"time\":\"2026-11-23T%02d:%02d:%02dZ\",\"text\":\"Error (119) Network Write Error\",\"code\":119,\"phase\":\"body\",\"peer\":\"10.%d.%d.%d\",\"port\":25}\n",
			    int(k / 3600) % 24, int(k / 60) % 60, k % 60,
			    int(k / 65536) % 256, int(k / 256) % 256, k % 256
	}'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# one BIN TAG CMD SAVED FORMAT: RUNS runs; prints "wall cpu rss" medians
one() {
	local bin=$1 tag=$2 cmd=$3 saved=$4 fmt=$5 i in
	: > "$work/t"
	for ((i = 0; i < runs; i++)); do
		in=$saved
		if [ "$cmd" = verify ]; then
			# the same name for both: verify records it
			mkdir -p "$work/$tag"
			in=$work/$tag/verify.json
			cp "$saved" "$in"
		fi
		# (in the file's directory: verify records the name it was given)
		# shellcheck disable=SC2086
		(cd "$(dirname "$in")" && /usr/bin/time -o "$work/time" -f '%e %U %S %M' "$bin" \
		    --kb "$kb" --offline -f "$fmt" -o "$work/out-$tag" $cmd "$(basename "$in")" \
		    2>"$work/err-$tag" >/dev/null)
		rc=$?
		[ "$cmd" = verify ] && [ "$rc" = 1 ] && rc=0	# inconclusive
		if [ "$rc" != 0 ]; then
			echo "replay.sh: $tag exited $rc: $(head -c 300 "$work/err-$tag")" >&2
			exit 2
		fi
		tail -1 "$work/time" >> "$work/t"
	done
	if [ "$cmd" = verify ]; then
		sed -i -E 's/"(when)": "[^"]*"/"\1": "-"/g; s/^(Verified|verify).*[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]*//' \
		    "$work/out-$tag" "$work/$tag/verify.json"
		cat "$work/$tag/verify.json" >> "$work/out-$tag"
	fi
	printf '%s %s %s\n' "$(awk '{ print $1 }' "$work/t" | median)" \
	    "$(awk '{ print $2 + $3 }' "$work/t" | median)" \
	    "$(awk '{ print $4 }' "$work/t" | median)"
}

rows=() diff=0 compared=0
for n in 1000 10000; do
	events "$n" > "$work/events-$n.log"
	"$new" --kb "$kb" --offline -f json -o "$work/saved-$n.json" diagnose "$work/events-$n.log" ||
	    exit 2
	size=$(stat -c %s "$work/saved-$n.json")
	for spec in "report text" "report json" "report html" "diagnose --replay:text" "verify json"; do
		cmd=${spec% *}; fmt=${spec##* }
		case $spec in *:*) cmd=${spec%%:*}; fmt=${spec##*:} ;; esac
		read -r ow oc om < <(one "$old" old "$cmd" "$work/saved-$n.json" "$fmt")
		read -r nw nc nm < <(one "$new" new "$cmd" "$work/saved-$n.json" "$fmt")
		compared=$((compared + 1))
		if cmp -s "$work/out-old" "$work/out-new"; then same=identical; else same=DIFFERENT; diff=$((diff + 1)); fi
		rows+=("| $n ($((size / 1000000)) MB) | $cmd -f $fmt | $ow s, $oc s CPU, $(awk -v k="$om" 'BEGIN { printf "%.1f", k / 1024 }') MiB | $nw s, $nc s CPU, $(awk -v k="$nm" 'BEGIN { printf "%.1f", k / 1024 }') MiB | $same |")
		echo "${rows[-1]}" >&2
	done
done

section=$work/section.md
{
	echo "<!-- bench:replay begin -->"
	echo "## Reading a saved diagnosis"
	echo
	echo "Written by \`tests/bench/replay.sh\` on $(date -u +%Y-%m-%d), kbdiag source"
	echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores (shared with other"
	echo "work). \`kbdiag --offline -f FORMAT -o FILE COMMAND SAVED\` on the saved diagnosis of"
	echo "N smtpgw events naming N smart hosts (what NEW's \`diagnose -f json\` writes; verify"
	echo "on a fresh copy, which it writes back), OLD (a build before the change) beside NEW,"
	echo "each $runs times in turn: medians of wall time, CPU time and peak RSS (GNU time's"
	echo "%M); and whether their outputs are the same bytes ($compared compared, $diff different;"
	echo "verify's run time masked)."
	echo
	echo "| incidents (file) | command | OLD | NEW | output |"
	echo "|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "<!-- bench:replay end -->"
} > "$section"
doc=docs/benchmarks.md
if grep -q '<!-- bench:replay begin -->' "$doc"; then
	awk -v f="$section" '
		/<!-- bench:replay begin -->/ { while ((getline l < f) > 0) print l; skip = 1; next }
		/<!-- bench:replay end -->/ { skip = 0; next }
		!skip' "$doc" > "$work/doc" && cat "$work/doc" > "$doc"
else
	{ echo; cat "$section"; } >> "$doc"
fi
[ "$diff" = 0 ]
