#!/bin/sh
# The layering check's own test (tests/layers.sh): on small trees made here,
# each kind of break must fail with a message naming the file, the line and
# the include, and a tree that keeps the rules must pass; then on a copy of
# this tree with an upward include and a cycle put in. Run by `make layers`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
check="$here/layers.sh"
top=$(cd "$here/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/layers-test.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
failures=0
cases=0

fail() { echo "layers-test: FAIL: $*" >&2; failures=$((failures + 1)); }

# A small tree that keeps every rule: two util modules, an smtp one, three
# library modules (x uses y; y and z use util and smtp), the CLI, a tool and
# the gateway (its relay side: util, smtp, itself; its main and diagnosis:
# also the library and the CLI's usage).
fresh() {
	rm -rf "$work/t"
	mkdir -p "$work/t/engine/util" "$work/t/engine/smtp" "$work/t/engine/cli" \
	    "$work/t/engine/tools" "$work/t/gateway"
	cd "$work/t"
	printf '#include "err.h"\n' > engine/util/buf.h
	printf '#include "buf.h"\n#include "err.h"\n' > engine/util/buf.c
	: > engine/util/err.h
	printf '#include "err.h"\n' > engine/util/err.c
	printf '#include "util/buf.h"\n' > engine/smtp/wire.h
	printf '#include "wire.h"\n#include "smtp/wire.h"\n' > engine/smtp/wire.c
	printf '#include "y.h"\n' > engine/x.h
	printf '#include "x.h"\n#include "config.h"\n' > engine/x.c
	printf '#include "util/err.h"\n#include "smtp/wire.h"\n' > engine/y.h
	printf '#include "y.h"\n' > engine/y.c
	printf '#include "util/buf.h"\n' > engine/z.h
	printf '#include "z.h"\n' > engine/z.c
	printf '#include "util/buf.h"\n' > engine/cli/usage.h
	printf '#include "cli/usage.h"\n#include "x.h"\n' > engine/cli/main.c
	printf '#include "x.h"\n' > engine/tools/gen.c
	printf '#include "g.def"\n' > gateway/g.h
	: > gateway/g.def
	printf '#include "g.h"\n#include "smtp/wire.h"\n#include "util/err.h"\n' > gateway/g.c
	printf '#include "g.h"\n#include "x.h"\n#include "cli/usage.h"\n#include "gwdiag.h"\n' \
	    > gateway/smtpgw.c
	printf '#include "y.h"\n' > gateway/gwdiag.h
	cd "$top"
}

# expect STATUS NAME [TEXT...]: run the check on the small tree; its exit
# status must be STATUS and its standard error must hold each TEXT.
expect() {
	want=$1 name=$2
	shift 2
	cases=$((cases + 1))
	rc=0
	sh "$check" "$work/t" > "$work/out" 2> "$work/err" || rc=$?
	[ "$rc" = "$want" ] || fail "$name: exit status $rc, not $want: $(cat "$work/err")"
	for text in "$@"; do
		grep -qF -- "$text" "$work/err" || fail "$name: no '$text' in: $(cat "$work/err")"
	done
	# (notes about the real tree's pending lines are not about this one)
	if [ "$want" = 0 ] && grep -v '^layers: note:' "$work/err" | grep -q .; then
		fail "$name: passed, but said: $(cat "$work/err")"
	fi
}

fresh
expect 0 "a tree that keeps the rules"
grep -q 'files in 7 layers' "$work/out" || fail "no summary line on a pass: $(cat "$work/out")"

fresh
printf '#include "x.h"\n' >> "$work/t/engine/util/buf.h"
expect 1 "util includes the library" \
    'engine/util/buf.h:2: includes "x.h" (engine/x.h, layer lib): layer util may include only util'

fresh
printf '#include "z.h"\n' >> "$work/t/engine/smtp/wire.c"
expect 1 "smtp includes the library" \
    'engine/smtp/wire.c:3: includes "z.h" (engine/z.h, layer lib): layer smtp may include only util, smtp'

fresh
printf '#include "cli/usage.h"\n' >> "$work/t/engine/z.c"
expect 1 "the library includes the CLI" \
    'engine/z.c:2: includes "cli/usage.h" (engine/cli/usage.h, layer cli): layer lib may include only'

fresh
printf '#include "../gateway/g.h"\n' >> "$work/t/engine/z.h"
expect 1 "the library includes the gateway by a relative path" \
    'engine/z.h:2: includes "../gateway/g.h" (gateway/g.h, layer gateway): layer lib may include only'

fresh
printf '#include <stdio.h>\n#include <x.h>\n' >> "$work/t/engine/util/buf.c"
expect 1 "util includes the library in angle brackets (a system header is let be)" \
    'engine/util/buf.c:4: includes "x.h" (engine/x.h, layer lib): layer util may include only util'

fresh
printf '#include "g.h"\n' >> "$work/t/engine/z.c"
expect 1 "the library includes a gateway header by its name alone" \
    'engine/z.c:2: includes "g.h", which is not in the tree'

fresh
printf '#include "cli/main.c"\n' >> "$work/t/gateway/smtpgw.c"
expect 1 "smtpgw includes the CLI beyond its usage" \
    'gateway/smtpgw.c:5: includes "cli/main.c" (engine/cli/main.c, layer cli): layer smtpgw may include only'

fresh
printf '#include "x.h"\n' >> "$work/t/gateway/g.c"
expect 1 "the relay side of the gateway includes the library" \
    'gateway/g.c:4: includes "x.h" (engine/x.h, layer lib): layer gateway may include only util, smtp, gateway'

fresh
printf '#include "gwdiag.h"\n' >> "$work/t/gateway/g.c"
expect 1 "the relay side of the gateway includes the in-process diagnosis" \
    'gateway/g.c:4: includes "gwdiag.h" (gateway/gwdiag.h, layer smtpgw): layer gateway may include only'

fresh
mkdir -p "$work/t/engine/other"
: > "$work/t/engine/other/o.c"
expect 1 "a file in no layer" 'engine/other/o.c: in no layer'

fresh
printf '#include "x.h"\n' >> "$work/t/engine/y.c"
expect 1 "a cycle of two modules (y.c includes x.h, x.h includes y.h)" \
    'a cycle among the modules of layer lib (2 modules: x y): x -> y -> x (engine/x.h:1; engine/y.c:2)'

fresh
printf '#include "z.h"\n' >> "$work/t/engine/y.h"
printf '#include "x.h"\n' >> "$work/t/engine/z.c"
expect 1 "a cycle of three modules" \
    'a cycle among the modules of layer lib (3 modules: x y z): x -> y -> z -> x' \
    '(engine/x.h:1; engine/y.h:3; engine/z.c:2)'

fresh
printf '#include "buf.h"\n' >> "$work/t/engine/util/err.h"
expect 1 "a cycle in the util layer" 'a cycle among the modules of layer util (2 modules: buf err)'

# Two breaks: both named, and counted.
fresh
printf '#include "x.h"\n' >> "$work/t/engine/util/err.c"
printf '#include "x.h"\n' >> "$work/t/engine/y.c"
expect 1 "two breaks" 'engine/util/err.c:2: includes "x.h"' '(2 modules: x y)' \
    '2 breaks of the layering rules'

# -v: the graph, on a pass and on a failure.
fresh
cases=$((cases + 1))
sh "$check" -v "$work/t" > "$work/out" 2>&1 || fail "-v on a good tree failed: $(cat "$work/out")"
grep -q '^  gateway .*-> util (1), smtp (1)$' "$work/out" &&
    grep -q '^  smtpgw .*-> cli (1), lib (2), gateway (1)$' "$work/out" &&
    grep -q '^   0: y z$' "$work/out" && grep -q '^   1: x$' "$work/out" &&
    grep -q '^   1: buf$' "$work/out" ||
    fail "-v: not the graph expected: $(cat "$work/out")"

cases=$((cases + 1))
rc=0
sh "$check" --bogus "$work/t" > /dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "an unknown option: exit status $rc, not 2"

# This tree, copied, with an upward include and a cycle put in: both found.
cases=$((cases + 1))
rm -rf "$work/t"
mkdir -p "$work/t"
(cd "$top" && find engine gateway -type f \( -name '*.c' -o -name '*.h' -o -name '*.def' \) |
    tar -cf - -T -) | (cd "$work/t" && tar -xf -)
printf '#include "diag.h"\n' >> "$work/t/engine/util/buf.h"
line=$(wc -l < "$work/t/engine/util/buf.h")
printf '#include "render.h"\n' >> "$work/t/engine/html.h"
rc=0
sh "$check" "$work/t" > /dev/null 2> "$work/err" || rc=$?
[ "$rc" = 1 ] || fail "this tree with breaks put in: exit status $rc, not 1"
grep -qF "engine/util/buf.h:$line: includes \"diag.h\" (engine/diag.h, layer lib): layer util may include only util" \
    "$work/err" || fail "this tree: the upward include is not named: $(cat "$work/err")"
grep -q 'a cycle among the modules of layer lib .* html .*render' "$work/err" ||
    fail "this tree: the cycle html -> render -> html is not named: $(cat "$work/err")"

# The link-level half (tests/objcycles.sh): two objects that call each other
# are a cycle, named with a symbol; with the call one way only, none.
objcycles="$top/tests/objcycles.sh"
mkdir -p "$work/o/obj/util"
printf 'void b(void);\nvoid a(void) { b(); }\n' > "$work/o/a.c"
printf 'void a(void);\nvoid b(void) { a(); }\n' > "$work/o/b.c"
printf 'void c(void);\nvoid c(void) { }\n' > "$work/o/c.c"
if ${CC:-cc} -c -o "$work/o/obj/a.o" "$work/o/a.c" && ${CC:-cc} -c -o "$work/o/obj/util/b.o" "$work/o/b.c" &&
    ${CC:-cc} -c -o "$work/o/obj/c.o" "$work/o/c.c"; then
	cases=$((cases + 1))
	rc=0
	sh "$objcycles" "$work/o/obj/a.o" "$work/o/obj/util/b.o" > "$work/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "objcycles, a <-> util/b: exit status $rc, not 1"
	grep -Eq 'a cycle among the objects: (a -> util/b -> a \(util/b calls a\)|util/b -> a -> util/b \(a calls b\))' \
	    "$work/out" || fail "objcycles: the cycle is not named: $(cat "$work/out")"
	cases=$((cases + 1))
	rc=0
	sh "$objcycles" "$work/o/obj/a.o" "$work/o/obj/c.o" > "$work/out" 2>&1 || rc=$?
	[ "$rc" = 0 ] || fail "objcycles, no cycle: exit status $rc: $(cat "$work/out")"
	cases=$((cases + 1))
	rc=0
	sh "$objcycles" "$work/o/obj/missing.o" > /dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "objcycles, a missing object: exit status $rc, not 2"
else
	fail "objcycles: cannot compile its test objects with ${CC:-cc}"
fi

if [ "$failures" -gt 0 ]; then
	echo "layers-test: $failures failures in $cases cases" >&2
	exit 1
fi
echo "layers-test: $cases cases passed (tests/layers.sh finds each break and passes a good tree)"
