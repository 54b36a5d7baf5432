#!/usr/bin/env bash
# Issue 20's attacks on two builds of kbdiag side by side: OLD (the build
# before, e.g. a copy of main built elsewhere) and NEW (default build/kbdiag).
# Writes the section between <!-- bench:hostile begin --> and
# <!-- bench:hostile end --> of docs/benchmarks.md.
#
#   bash tests/bench/hostile.sh OLD_KBDIAG [NEW_KBDIAG]
#
#   1. a log naming N silent smart hosts (faultpeer --fault silent on
#      127.0.0.2.. port 25, in a network namespace made for it: needs root
#      and ip netns): wall time of diagnose with a 1 s probe timeout;
#   2. saved diagnoses: a hostile one (a 40 MB array of zeros beside an empty
#      "incidents") and a real one of 10,000 incidents: wall time and peak
#      memory of diagnose --replay;
#   3. kb lint on a rule base with a catastrophic pattern, (a+)+$.
# Timings are wall clock on a shared machine: read them as orders of
# magnitude; both builds run in the same minute.
set -uo pipefail
cd "$(dirname "$0")/../.."

old=${1:?usage: hostile.sh OLD_KBDIAG [NEW_KBDIAG]}
new=${2:-build/kbdiag}
faultpeer=build/faultpeer
kb=$PWD/kb
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-hostile.XXXXXX")
ns=kbdiag-hostile-$$
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
say() { printf '%s\n' "$*" >&2; }
${MAKE:-make} --no-print-directory build/kbdiag build/faultpeer >&2
[ -x "$old" ] || { say "hostile.sh: $old is not a program"; exit 2; }

# 1. silent smart hosts ------------------------------------------------------
hosts_rows=""
hosts_note="The silent-hosts rows need root and ip netns; they were left out here."
if ip netns add "$ns" 2>/dev/null && ip netns exec "$ns" ip link set lo up; then
	hosts_note="Each smart host is \`faultpeer --fault silent\` on 127.0.0.K port 25 inside a network namespace made for the run (it accepts and never greets); the log is smtpgw's events, one failure per host; \`--timeout 1000\`."
	for n in 1 10 50; do
		for p in $pids; do kill "$p" 2>/dev/null; done
		pids=""
		: > "$work/hosts.json"
		for k in $(seq 1 "$n"); do
			ip netns exec "$ns" "$faultpeer" --listen "127.0.0.$((k + 1)):25" \
			    --fault silent >/dev/null 2>&1 &
			pids="$pids $!"
			printf '{"time":"2026-11-23T10:00:%02dZ","text":"Error (119) Network Write Error","code":119,"phase":"body","peer":"127.0.0.%d","port":25}\n' \
			    $((k % 60)) $((k + 1)) >> "$work/hosts.json"
		done
		sleep 0.5
		o=$(ip netns exec "$ns" /usr/bin/time -f '%e' "$old" --kb "$kb" --timeout 1000 \
		    -f json diagnose "$work/hosts.json" 2>&1 >/dev/null | tail -n 1)
		d=$(ip netns exec "$ns" /usr/bin/time -f '%e' "$new" --kb "$kb" --timeout 1000 \
		    -f json diagnose "$work/hosts.json" 2>&1 >/dev/null | tail -n 1)
		a=$(ip netns exec "$ns" /usr/bin/time -f '%e' "$new" --kb "$kb" --timeout 1000 \
		    --probe-max "$n" -f json diagnose "$work/hosts.json" 2>&1 >/dev/null | tail -n 1)
		say "silent hosts $n: old $o s, new $d s (default --probe-max), new --probe-max $n $a s"
		hosts_rows="$hosts_rows| $n silent smart hosts | $o s, every host probed, one after another | $d s ($( [ "$n" -gt 16 ] && echo "16 probed, $((n - 16)) listed as not probed" || echo "all probed at once")) | $a s (\`--probe-max $n\`: all at once) |
"
	done
	for p in $pids; do kill "$p" 2>/dev/null; done
	pids=""
fi

# 2. saved diagnoses ---------------------------------------------------------
printf '{"incidents": [], "x": [0' > "$work/hostile.json"
yes ,0 | tr -d '\n' | head -c 40000000 >> "$work/hostile.json"
printf ']}' >> "$work/hostile.json"
: > "$work/many.json"
for k in $(seq 0 9999); do
	printf '{"time":"2026-11-23T%02d:%02d:%02dZ","text":"Error (119) Network Write Error","code":119,"phase":"body","peer":"10.%d.%d.%d","port":25}\n' \
	    $((k / 3600 % 24)) $((k / 60 % 60)) $((k % 60)) $((k / 65536)) $((k / 256 % 256)) $((k % 256)) \
	    >> "$work/many.json"
done
"$new" --kb "$kb" --offline -f json -o "$work/saved.json" diagnose "$work/many.json" 2>/dev/null
json_rows=""
for f in hostile saved; do
	size=$(stat -c %s "$work/$f.json")
	# text: the memory of reading it, not of writing a JSON tree back
	r_old=$(/usr/bin/time -f '%e s (%U s CPU), %M KiB, exit %x' "$old" --kb "$kb" diagnose \
	    --replay "$work/$f.json" 2>&1 >/dev/null | tail -n 1)
	r_new=$(/usr/bin/time -f '%e s (%U s CPU), %M KiB, exit %x' "$new" --kb "$kb" diagnose \
	    --replay "$work/$f.json" 2>&1 >/dev/null | tail -n 1)
	m_new=$("$new" --kb "$kb" -f json diagnose --replay "$work/$f.json" 2>&1 >/dev/null | head -n 1 |
	    sed 's/.*writes): //' | cut -c1-120)
	say "replay $f ($size bytes): old $r_old; new $r_new ($m_new)"
	json_rows="$json_rows| $f ($(( size / 1000000 )) MB) | $r_old | $r_new${m_new:+ (\"$m_new\")} |
"
done

# 3. kb lint ----------------------------------------------------------------
cp -r kb "$work/kb"
sed -i 's|<pattern>\\bError \\(119\\) Network Write Error</pattern>|<pattern>\\bError \\(119\\) Network Write Error(?: (a+)+$)?</pattern>|' \
    "$work/kb/articles/Q123827.xml"
l_old=$("$old" --kb "$work/kb" kb lint >/dev/null 2>&1; echo $?)
l_new_rc=$("$new" --kb "$work/kb" kb lint >/dev/null 2>&1; echo $?)
l_new=$("$new" --kb "$work/kb" kb lint 2>&1 >/dev/null | head -n 1 | sed "s|$work/||")
say "kb lint (a+)+\$: old exit $l_old; new exit $l_new_rc: $l_new"

section=$(cat <<END
<!-- bench:hostile begin -->
## Hostile input (issue 20)

Written by \`tests/bench/hostile.sh OLD NEW\` on $(date -u +%Y-%m-%d), kbdiag source
$(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores (shared with other
work: wall times are orders of magnitude). OLD is the build before issue 20, NEW this
one, side by side in the same run.

$hosts_note

| log | OLD | NEW | NEW, all probed |
|---|---|---|---|
$hosts_rows
Saved diagnoses through \`diagnose --replay\` in text (wall time, CPU time, peak
resident memory, exit status; text, so that the memory is that of reading the file, not
of writing a JSON tree back): *hostile* is a 40 MB array of zeros beside an empty
"incidents" (20 million JSON values); *saved* is what NEW wrote for a log of 10,000
distinct smart hosts (10,000 incidents; its size in the table).

| file | OLD | NEW |
|---|---|---|
$json_rows
\`kb lint\` on a rule base whose Q123827 pattern ends in \`(?: (a+)+\$)?\`: OLD exits
$l_old (valid); NEW exits $l_new_rc, the first line of its message:

    $l_new

<!-- bench:hostile end -->
END
)
. tests/bench/section.sh
bench_section hostile "$section"
