#!/bin/sh
# The layering check's second half (docs/architecture.md, "Layers"): no cycle
# among the built objects of libkbdiag, util and smtp at link level. An object
# depends on another when it uses a symbol the other defines (nm). Include
# lines can be acyclic while a stage still calls a function the driver
# defines (a data model's functions left in the driver's .c): this finds that.
#
#   sh tests/objcycles.sh OBJECT...
#
# The objects: the library's, as the Makefile lists them (`make layers` passes
# them; a stale object of a removed module in the build folder is not among
# them). Exit status 0 without a cycle, 1 with one (each named, with a symbol
# behind each edge), 2 on a usage error or an object that cannot be read.
set -eu
[ $# -ge 1 ] || { echo "objcycles: usage: sh tests/objcycles.sh OBJECT..." >&2; exit 2; }
for o in "$@"; do
	[ -r "$o" ] || { echo "objcycles: $o: cannot read it (build first)" >&2; exit 2; }
done
syms=$(nm -A "$@") || { echo "objcycles: nm failed" >&2; exit 2; }
printf '%s\n' "$syms" | LC_ALL=C awk '
# build/obj/util/buf.o:0000 T buf_init -> util/buf
function modname(f) { sub(/:.*/, "", f); sub(/^.*\/obj\//, "", f); sub(/\.o$/, "", f); return f }
NF == 3 && $2 ~ /^[TDBR]$/ { def[$3] = modname($1); mods[modname($1)] = 1; next }
NF == 3 && $2 == "U" { use[modname($1), $3] = 1; mods[modname($1)] = 1; next }
function visit(v,    w, k) {
	state[v] = 1; stack[++sp] = v
	for (w in mods) {
		if (!((v, w) in edge)) continue
		if (state[w] == 1) {
			for (k = sp; k >= 1 && stack[k] != w; k--) ;
			path = ""
			for (; k <= sp; k++) path = path stack[k] " -> "
			printf "objcycles: a cycle among the objects: %s%s (%s calls %s)\n", \
			    path, w, v, why[v, w]
			bad = 1
		} else if (state[w] == 0)
			visit(w)
	}
	state[v] = 2; sp--
}
END {
	for (k in use) {
		split(k, p, SUBSEP)
		if ((p[2] in def) && def[p[2]] != p[1]) {
			edge[p[1], def[p[2]]] = 1
			why[p[1], def[p[2]]] = p[2]
		}
	}
	n = 0
	for (v in mods) { n++; state[v] = 0 }
	sp = 0
	for (v in mods) if (state[v] == 0) visit(v)
	if (bad) exit 1
	printf "objcycles: the %d objects of libkbdiag, util and smtp call one another without a cycle\n", n
}'
