#!/usr/bin/env bash
# The probe round benchmark: build/probebench (silent peer, silent DNS server,
# both on 127.0.0.1, 2 s timeout); writes the section between
# <!-- bench:probe begin --> and <!-- bench:probe end --> of docs/benchmarks.md.
# Run by `make bench-probe`.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${PROBE_BENCH_RUNS:-3}
timeout=${PROBE_BENCH_TIMEOUT:-2000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
${MAKE:-make} --no-print-directory build/probebench >&2
build/probebench --runs "$runs" --timeout "$timeout" kb > "$out"
# Everything silent at once: a network namespace of our own whose stack
# ignores ICMP echo, so the three pings wait their whole timeout beside the
# silent greeting. Needs root and ip netns; otherwise that row is left out.
ns=probebench-$$
netns_note="The *silent-everything* row needs root and ip netns; it was left out here."
if ip netns add "$ns" 2>/dev/null; then
	trap 'rm -f "$out"; ip netns del "$ns" 2>/dev/null || true' EXIT
	if ip netns exec "$ns" sh -c 'ip link set lo up &&
	    sysctl -qw net.ipv4.icmp_echo_ignore_all=1 &&
	    exec "$@"' sh build/probebench --runs "$runs" --timeout "$timeout" \
	    --only silent-everything --gateway 127.0.0.2 kb >> "$out"; then
		netns_note="*silent-everything* runs inside a network namespace made for it, whose stack ignores ICMP echo, with the default route via 127.0.0.2: ping-loopback, ping-gateway and ping-peer wait their whole timeout beside the silent greeting."
	fi
	ip netns del "$ns" 2>/dev/null || true
fi
say() { printf '%s\n' "$*" >&2; }
rows=$(awk '{ printf "| %s | %d ms | %d ms | %d ms | %d | %d ms | %d ms |\n", $1, $2, $4, $5, $6, $7, $8 }' "$out")
say "$rows"

section=$(cat <<END
<!-- bench:probe begin -->
## Probe round

Written by \`tests/bench/probe.sh\` (\`make bench-probe\`) on $(date -u +%Y-%m-%d), kbdiag
source $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- . ':!docs/benchmarks.md' 2>/dev/null || echo '-dirty'), $(nproc) cores.
\`build/probebench\` (tests/bench/probebench.c) runs whole probe rounds against peers
on 127.0.0.1 that make a probe wait its whole timeout: *silent-peer*, a listener that
never accepts (the connection opens, the greeting never comes), and *silent-dns*, a
DNS server that never answers. The routing table given has no default route, so
nothing else is contacted. Median and slowest of $runs rounds; "probes run" are the
results that were not skipped, "one after another" adds their own times, and "serial
bound" is probes run times the timeout.

| scenario | timeout | round, median | round, slowest | probes run | one after another | serial bound |
|---|---:|---:|---:|---:|---:|---:|
$rows

$netns_note

A round takes about one timeout, not the serial bound. In *silent-peer* and
*silent-dns* only one probe waits (the others end at once on loopback), so "one after
another" is close to the round too; *silent-everything* is the case that shows the
concurrency: four probes wait their whole timeout at the same time, about 4 x the
timeout one after another, one timeout as a round. The probes that do not depend on
each other (ping-loopback, ping-gateway, ping-peer, the SMTP chain, the DOS files)
run in threads of their own. Layers that depend on each other (dns, then
tcp-connect, greeting, ehlo, resend) cannot overlap, so the worst round is that chain,
each layer bounded by its own timeout (docs/probes.md).
<!-- bench:probe end -->
END
)
doc=docs/benchmarks.md
if grep -q '<!-- bench:probe begin -->' "$doc"; then
	awk -v s="$section" '
		/<!-- bench:probe begin -->/ { print s; skip = 1; next }
		/<!-- bench:probe end -->/ { skip = 0; next }
		!skip' "$doc" > "$doc.tmp"
else
	{ cat "$doc"; printf '\n%s\n' "$section"; } > "$doc.tmp"
fi
mv "$doc.tmp" "$doc"
say "== wrote the probe section of $doc"
