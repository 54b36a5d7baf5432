#!/usr/bin/env bash
# Memory per incident (the team's notes, "Noticed, not done"): the peak
# resident memory of kbdiag diagnose on logs of 1,000 and 10,000 distinct
# incidents and on every real log, in every format, NEW (build/kbdiag) beside
# OLD (optional: a build before the change), and whether their reports are
# the same bytes. Writes the section between <!-- bench:memory begin --> and
# <!-- bench:memory end --> of docs/benchmarks.md.
#
#   bash tests/bench/memory.sh [OLD_KBDIAG]
#
# Logs: smtpgw's events naming N smart hosts (one failure each, as
# tests/bench/scale.sh), Postfix, Exim and Sendmail lines of
# tests/cases/mta-lines.tsv with N distinct peers (several articles), a 20 MB
# generated gateway log (build/genlog) and each file of
# /work/shared/corpus/real-logs (REAL_LOGS=DIR for another). kbdiag runs
# --offline with the same rule base (this tree's kb/) for both builds, the
# report to a file. Peak RSS is one run each (memory is not noisy the way
# time is). Exit 1 when a report of NEW differs from OLD's.
set -uo pipefail
cd "$(dirname "$0")/../.."

old=${1:-}
new=build/kbdiag
real=${REAL_LOGS:-/work/shared/corpus/real-logs}
kb=$PWD/kb
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-memory.XXXXXX")
trap 'rm -rf "$work"' EXIT
say() { printf '%s\n' "$*" >&2; }
${MAKE:-make} --no-print-directory build/kbdiag build/genlog >&2 || exit 2
command -v /usr/bin/time >/dev/null || { say "memory.sh: /usr/bin/time is missing"; exit 2; }

# events N: smtpgw events of N distinct smart hosts
events() {
	awk -v n="$1" 'BEGIN {
		for (k = 0; k < n; k++)
			printf "{\"time\":\"2026-11-23T%02d:%02d:%02dZ\",\"text\":\"Error (119) Network Write Error\",\"code\":119,\"phase\":\"body\",\"peer\":\"10.%d.%d.%d\",\"port\":25}\n",
			    int(k / 3600) % 24, int(k / 60) % 60, k % 60,
			    int(k / 65536) % 256, int(k / 256) % 256, k % 256
	}'
}

# mta N ORIGIN: the ORIGIN lines of mta-lines.tsv that name an article, in
# turn, each time with another peer (name and address)
mta() {
	awk -F '\t' -v n="$1" -v origin="$2" '
		$1 ~ /^Q/ && $2 == origin { t[m++] = $3 }
		END {
			for (k = 0; k < n; k++) {
				s = t[k % m]
				ip = sprintf("10.%d.%d.%d", int(k / 65536) % 256, int(k / 256) % 256, k % 256)
				host = sprintf("h%d.example", k)
				gsub(/192\.0\.2\.[0-9]+|198\.51\.100\.[0-9]+|203\.0\.113\.[0-9]+/, ip, s)
				gsub(/mx\.b\.example|relay\.example\.net|mx1\.example\.com|mail\.example\.org/, host, s)
				print s
			}
		}' tests/cases/mta-lines.tsv
}

# run BIN LOG FORMAT OUT: the peak RSS in KiB, or "-" when it did not run
# (FORMAT explain: text with --explain)
run() {
	rm -f "$work/time"
	local f=(-f "$3")
	[ "$3" = explain ] && f=(-f text --explain)
	/usr/bin/time -o "$work/time" -f '%M %x' "$1" --kb "$kb" --offline "${f[@]}" -o "$4" \
	    diagnose "$2" >/dev/null 2>"$work/err"
	set -- $(tail -n 1 "$work/time" 2>/dev/null)
	case "${2:-}" in
	0|1) echo "$1" ;;
	*) echo "-" ;;
	esac
}

mib() { [ "$1" = - ] && echo - || awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

logs=()
for n in 1000 10000; do
	events "$n" > "$work/events-$n.json"
	logs+=("$work/events-$n.json")
done
for o in postfix exim sendmail; do
	mta 10000 "$o" > "$work/$o-10000.log"
done
cat "$work/postfix-10000.log" "$work/exim-10000.log" "$work/sendmail-10000.log" \
    > "$work/mta-30000.log"
logs+=("$work/mta-30000.log")
build/genlog --seed 7 --size 20M > "$work/gateway-20M.log"
logs+=("$work/gateway-20M.log")
for f in "$real"/*.log; do
	[ -f "$f" ] && logs+=("$f")
done

rows=""
incs=""
inc="?"
differ=0
compared=0
for log in "${logs[@]}"; do
	name=$(basename "$log")
	for fmt in text explain markdown json html; do
		n=$(run "$new" "$log" "$fmt" "$work/new.$fmt")
		if [ "$fmt" = json ]; then
			inc=$(jq '.incidents | length' "$work/new.$fmt" 2>/dev/null || echo '?')
		fi
		o="-"
		same="not compared"
		if [ -n "$old" ]; then
			o=$(run "$old" "$log" "$fmt" "$work/old.$fmt")
			compared=$((compared + 1))
			if cmp -s "$work/old.$fmt" "$work/new.$fmt"; then
				same="identical"
			else
				same="DIFFERENT"
				differ=$((differ + 1))
			fi
		fi
		say "$name $fmt: old $(mib "$o") MiB, new $(mib "$n") MiB, $same"
		rows="$rows| $name | $fmt | $(mib "$o") | $(mib "$n") | $same |
"
	done
	say "  ($name: $inc incidents)"
	incs="$incs$name: $inc; "
done

section=$(cat <<END
<!-- bench:memory begin -->
## Memory per incident

Written by \`tests/bench/memory.sh\` on $(date -u +%Y-%m-%d), kbdiag source
$(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores (shared with other
work). \`kbdiag --offline -f FORMAT -o FILE diagnose LOG\` (explain: \`-f text --explain\`), peak resident memory
(GNU time's %M, one run each) of OLD (a build before the change) and NEW, and
whether their reports are the same bytes ($compared reports compared, $differ
different). events-N: smtpgw events naming N smart hosts, one failure each;
mta-30000: the Postfix, Exim and Sendmail lines of tests/cases/mta-lines.tsv,
10,000 of each, every one with its own peer; gateway-20M: build/genlog --seed 7
--size 20M; the rest: /work/shared/corpus/real-logs. Incidents held (JSON):
${incs% }.

| log | format | OLD (MiB) | NEW (MiB) | report |
|---|---|---:|---:|---|
$rows
<!-- bench:memory end -->
END
)
. tests/bench/section.sh
bench_section memory "$section"
[ "$differ" -eq 0 ]
