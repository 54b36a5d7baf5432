# Sourced by the benchmark scripts: bench_section NAME TEXT replaces the
# section between <!-- bench:NAME begin --> and <!-- bench:NAME end --> of
# docs/benchmarks.md by TEXT (which holds both markers), or appends it.
bench_section() {
	local doc=docs/benchmarks.md
	if grep -q "<!-- bench:$1 begin -->" "$doc"; then
		S="$2" N="$1" awk '
			$0 == "<!-- bench:" ENVIRON["N"] " begin -->" { print ENVIRON["S"]; skip = 1; next }
			$0 == "<!-- bench:" ENVIRON["N"] " end -->" { skip = 0; next }
			!skip' "$doc" > "$doc.tmp"
	else
		{ cat "$doc"; printf '\n%s\n' "$2"; } > "$doc.tmp"
	fi
	mv "$doc.tmp" "$doc"
	printf '== wrote the %s section of %s\n' "$1" "$doc" >&2
}
