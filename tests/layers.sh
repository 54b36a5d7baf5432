#!/bin/sh
# The layering check (docs/architecture.md, "Layers"): every #include "..." in
# engine/ and gateway/ goes down the layers or stays in its own, and
# every layer's modules include one another without a cycle.
#
#   sh tests/layers.sh [-v] [DIR]
#
# DIR is the top of the tree (the current directory by default); -v prints the
# layer graph and libkbdiag's modules in dependency order. Exit status: 0 when
# the tree keeps the rules, 1 when it breaks one (each break is named: the file,
# its line, the include, the rule), 2 on a usage error. `make layers` runs it
# (and tests/layers-test.sh, its own test); `make check` runs `make layers`.
#
# An include is resolved the way the compiler does (the Makefile's -I order):
# "X" in the including file's own folder, then engine/, then gateway/ (for
# gateway/'s files); <X> in engine/ and gateway/ (any other <X> is a system
# header). POSIX sh and awk only.
set -eu

verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1; shift ;;
	-h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "layers: unknown option '$1' (usage: sh tests/layers.sh [-v] [DIR])" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -le 1 ] || { echo "layers: usage: sh tests/layers.sh [-v] [DIR]" >&2; exit 2; }
top=${1:-.}
[ -d "$top/engine" ] || { echo "layers: $top: no engine/ folder here" >&2; exit 2; }

# The rules, as data. A `layer` line names a layer and the files in it (a *
# stays within one folder; a file is in the first layer whose pattern it
# matches). An `allow` line says what a layer's files may include: layers, or
# single files. `generated` names headers the build writes (not in the tree)
# that any layer may include. `acyclic` names the layers whose modules (NAME.c
# with NAME.h) must not include one another in a cycle: an edge A -> B when A.c
# or A.h includes B.h. smtpgw is the gateway's main (smtpgw.c) and its
# in-process diagnosis (gwdiag): the only files of gateway/ that may include
# libkbdiag; the relay, spool, listener and logs may not. A `part` line puts a header with no .c of its own into
# another module (a module's private header). A `pending` line leaves one
# include out of the module graph, for a reason given in the comment above it;
# a pending include no longer in the tree is noted (remove its line).
rules=$(cat <<'RULES'
layer	util	engine/util/*
layer	smtp	engine/smtp/*
layer	cli	engine/cli/*
layer	tools	engine/tools/*
layer	lib	engine/*
layer	smtpgw	gateway/smtpgw.c gateway/gwdiag.*
layer	gateway	gateway/*

allow	util	util
allow	smtp	util smtp
allow	lib	util smtp lib
allow	cli	util smtp lib cli
allow	tools	util lib tools
allow	gateway	util smtp gateway
allow	smtpgw	util smtp lib gateway smtpgw engine/cli/usage.h

generated	config.h

acyclic	util smtp lib cli tools smtpgw gateway
# kbpriv.h is kb's inside, shared with kbcache.c (its header says so).
part	engine/kbpriv.h	engine/kb

# (No include is pending today: the probes' transport and fake, whose
# includes closed two cycles, became engine/smtp/transport*.)
RULES
)

cd "$top"
files=$(find engine gateway -type f \( -name '*.c' -o -name '*.h' -o -name '*.def' \) | LC_ALL=C sort)
printf '%s\n' "$rules" | LC_ALL=C awk -v verbose="$verbose" -v files="$files" '
function glob2re(g,    re) {
	re = g
	gsub(/\./, "\\.", re)
	gsub(/\*/, "[^/]*", re)
	return "^" re "$"
}
function layer_of(f,    i) {
	for (i = 1; i <= npat; i++)
		if (f ~ patre[i])
			return patlayer[i]
	return ""
}
# Folds "a/./b" and "a/x/../b" into "a/b".
function normalise(p,    n, parts, out, i, k, stack) {
	n = split(p, parts, "/")
	k = 0
	for (i = 1; i <= n; i++) {
		if (parts[i] == "." || parts[i] == "")
			continue
		if (parts[i] == ".." && k > 0 && stack[k] != "..") {
			k--
			continue
		}
		stack[++k] = parts[i]
	}
	out = ""
	for (i = 1; i <= k; i++)
		out = out (i > 1 ? "/" : "") stack[i]
	return out
}
function dirname(f) {
	return sub(/\/[^\/]*$/, "", f) ? f : "."
}
function resolve(from, inc,    c) {
	c = normalise(dirname(from) "/" inc)
	if (c in exists)
		return c
	return resolve_path(from, inc)
}
# Through the -I folders only (as <X> is).
function resolve_path(from, inc,    c) {
	c = normalise("engine/" inc)
	if (c in exists)
		return c
	if (from ~ /^gateway\//) {
		c = normalise("gateway/" inc)
		if (c in exists)
			return c
	}
	return ""
}
function module_of(f) {
	if (f in partof)
		return partof[f]
	sub(/\.[^.\/]*$/, "", f)
	return f
}
function short(m) {
	sub(/^.*\//, "", m)
	return m
}
function fail(msg) {
	print "layers: " msg > "/dev/stderr"
	bad++
}
# Tarjan: the strongly connected components of the module graph.
function strong(v,    i, w, m, members) {
	index_of[v] = lowlink[v] = ++counter
	stack[++sp] = v
	onstack[v] = 1
	for (i = 1; i <= nout[v]; i++) {
		w = out[v, i]
		if (!(w in index_of)) {
			strong(w)
			if (lowlink[w] < lowlink[v])
				lowlink[v] = lowlink[w]
		} else if (onstack[w] && index_of[w] < lowlink[v])
			lowlink[v] = index_of[w]
	}
	if (lowlink[v] == index_of[v]) {
		nscc++
		m = 0
		do {
			w = stack[sp--]
			onstack[w] = 0
			scc[w] = nscc
			m++
		} while (w != v)
		sccsize[nscc] = m
	}
}
# One cycle through v inside its component: a breadth-first walk back to v.
function cycle_through(v,    q, head, tail, u, i, w, seen, prev, path, c) {
	head = tail = 1
	q[1] = v
	while (head <= tail) {
		u = q[head++]
		for (i = 1; i <= nout[u]; i++) {
			w = out[u, i]
			if (scc[w] != scc[v])
				continue
			if (w == v) {
				path = short(u) " -> " short(v)
				why = where[u, v]
				c = u
				while (c != v) {
					why = where[prev[c], c] "; " why
					c = prev[c]
					path = short(c) " -> " path
				}
				return path
			}
			if (!(w in seen)) {
				seen[w] = 1
				prev[w] = u
				q[++tail] = w
			}
		}
	}
	return ""
}
$1 == "layer" {
	nlayers++
	order[nlayers] = $2
	for (i = 3; i <= NF; i++) {
		npat++
		patre[npat] = glob2re($i)
		patlayer[npat] = $2
	}
}
$1 == "allow" {
	for (i = 3; i <= NF; i++) {
		allowed[$2, $i] = 1
		allowtext[$2] = allowtext[$2] (i > 3 ? ", " : "") $i
	}
}
$1 == "generated" { for (i = 2; i <= NF; i++) generated[$i] = 1 }
$1 == "acyclic" { for (i = 2; i <= NF; i++) acyclic[$i] = 1 }
$1 == "part" { partof[$2] = $3 }
$1 == "pending" { pending[$2, $3] = 1; npending++; pendfile[npending] = $2; pendinc[npending] = $3 }
END {
	n = split(files, list, "\n")
	for (i = 1; i <= n; i++)
		if (list[i] != "")
			exists[list[i]] = 1
	for (i = 1; i <= n; i++) {
		f = list[i]
		if (f == "")
			continue
		lf = layer_of(f)
		if (lf == "") {
			fail(f ": in no layer (add it to the table in tests/layers.sh)")
			continue
		}
		nfiles[lf]++
		if (lf in acyclic) {
			nodes[module_of(f)] = 1
			modlayer[module_of(f)] = lf
		}
		line = 0
		while ((getline text < f) > 0) {
			line++
			if (text ~ /^[ \t]*#[ \t]*include[ \t]*"/) {
				inc = text
				sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", inc)
				sub(/".*$/, "", inc)
				t = resolve(f, inc)
			} else if (text ~ /^[ \t]*#[ \t]*include[ \t]*</) {
				# <X> skips the folder of the file; one of ours through
				# -I is checked as well, a system header is not.
				inc = text
				sub(/^[ \t]*#[ \t]*include[ \t]*</, "", inc)
				sub(/>.*$/, "", inc)
				if ((t = resolve_path(f, inc)) == "")
					continue
			} else
				continue
			if ((ispending = ((f, inc) in pending)))
				pendseen[f, inc] = 1
			if (t == "") {
				if (inc in generated)
					continue
				fail(f ":" line ": includes \"" inc "\", which is not in the tree " \
				    "(nor a generated header)")
				continue
			}
			lt = layer_of(t)
			if (!((lf, lt) in allowed) && !((lf, t) in allowed)) {
				fail(f ":" line ": includes \"" inc "\" (" t ", layer " lt "): " \
				    "layer " lf " may include only " allowtext[lf])
				continue
			}
			if (lf != lt)
				uses[lf, lt]++
			if (ispending)
				continue
			if (lf == lt && (lf in acyclic) && t ~ /\.h$/) {
				a = module_of(f)
				b = module_of(t)
				if (a == b || ((a, b) in where))
					continue
				where[a, b] = f ":" line
				out[a, ++nout[a]] = b
				nodes[a] = 1
				nodes[b] = 1
			}
		}
		close(f)
	}
	for (v in nodes)
		if (!(v in index_of))
			strong(v)
	for (v in nodes) {
		c = scc[v]
		if (sccsize[c] < 2 || (c in reported))
			continue
		# Name the component by its members, and one cycle in it.
		members = ""
		for (w in nodes)
			if (scc[w] == c)
				members = members " " short(w)
		reported[c] = 1
		sorted = sortjoin(members, " ")
		first = sorted
		sub(/ .*/, "", first)
		for (w in nodes)
			if (scc[w] == c && short(w) == first)
				start = w
		why = ""
		path = cycle_through(start)
		fail("a cycle among the modules of layer " modlayer[start] " (" sccsize[c] \
		    " modules:" " " sorted "): " path " (" why "); put what they share " \
		    "in a header of its own")
		if (sccsize[c] > 2) {
			edges = ""
			for (w in nodes)
				if (scc[w] == c)
					for (i = 1; i <= nout[w]; i++)
						if (scc[out[w, i]] == c)
							edges = edges "\n" short(w) "->" short(out[w, i]) " (" \
							    where[w, out[w, i]] ")"
			edges = sortjoin(edges, "\n")
			gsub(/\n/, ", ", edges)
			print "layers:   its includes: " edges > "/dev/stderr"
		}
	}
	for (i = 1; i <= npending; i++)
		if (!((pendfile[i], pendinc[i]) in pendseen))
			print "layers: note: " pendfile[i] \
			    (pendfile[i] in exists ? " no longer includes \"" pendinc[i] "\"" : " is gone") \
			    ": remove its pending line from tests/layers.sh" > "/dev/stderr"
	if (verbose)
		show()
	if (bad) {
		print "layers: " bad " break" (bad > 1 ? "s" : "") " of the layering rules " \
		    "(docs/architecture.md, \"Layers\")" > "/dev/stderr"
		exit 1
	}
	nmod = 0
	for (v in nodes)
		nmod++
	total = 0
	for (i = 1; i <= nlayers; i++)
		total += nfiles[order[i]]
	npend = 0
	for (i = 1; i <= npending; i++)
		if ((pendfile[i], pendinc[i]) in pendseen)
			npend++
	print "layers: " total " files in " nlayers " layers include only down or within their " \
	    "layer; the " nmod " modules of the acyclic layers include one another without a cycle" \
	    (npend ? " (" npend " include" (npend > 1 ? "s" : "") " pending: tests/layers.sh)" : "")
}
# The words of s (split at sep: " " is any blanks) sorted, joined with sep.
function sortjoin(s, sep,    n, a, i, j, t, r) {
	n = split(s, a, sep)
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	r = ""
	for (i = 1; i <= n; i++)
		if (a[i] != "")
			r = r (r == "" ? "" : sep) a[i]
	return r
}
# The layers, each with what it includes (and how many includes), and the
# acyclic layers'"'"' modules by level: a module on level k includes only
# modules of levels below k.
function show(    i, j, k, a, b, s, v, w, changed, lvl, maxl, line, shown) {
	print "layers (files; includes into other layers):"
	for (i = 1; i <= nlayers; i++) {
		a = order[i]
		s = ""
		for (j = 1; j <= nlayers; j++) {
			b = order[j]
			if ((a, b) in uses)
				s = s (s == "" ? "" : ", ") b " (" uses[a, b] ")"
		}
		printf "  %-8s %3d files  -> %s\n", a, nfiles[a], (s == "" ? "nothing" : s)
	}
	# Levels of the components (a cycle, while there is one, is one component).
	for (v in nodes)
		lvl[scc[v]] = 0
	changed = 1
	for (i = 0; changed && i < 1000; i++) {
		changed = 0
		for (v in nodes)
			for (j = 1; j <= nout[v]; j++) {
				w = out[v, j]
				if (scc[w] != scc[v] && lvl[scc[w]] + 1 > lvl[scc[v]]) {
					lvl[scc[v]] = lvl[scc[w]] + 1
					changed = 1
				}
			}
	}
	maxl = 0
	for (v in nodes)
		if (lvl[scc[v]] > maxl)
			maxl = lvl[scc[v]]
	for (i = 1; i <= npending; i++)
		if ((pendfile[i], pendinc[i]) in pendseen)
			print "pending, left out of the module graph: " pendfile[i] " includes \"" \
			    pendinc[i] "\""
	for (k = 1; k <= nlayers; k++) {
		a = order[k]
		if (!(a in acyclic))
			continue
		print "modules of " a ", by level (each includes only lower levels; " \
		    "a cycle in braces):"
		for (i = 0; i <= maxl; i++) {
			line = ""
			for (v in nodes)
				if (modlayer[v] == a && lvl[scc[v]] == i && sccsize[scc[v]] == 1)
					line = line " " short(v)
			line = sortjoin(line, " ")
			for (v in nodes)
				if (modlayer[v] == a && lvl[scc[v]] == i && sccsize[scc[v]] > 1 &&
				    !(scc[v] in shown)) {
					shown[scc[v]] = 1
					s = ""
					for (w in nodes)
						if (scc[w] == scc[v])
							s = s " " short(w)
					line = line (line == "" ? "" : " ") "{" sortjoin(s, " ") "}"
				}
			if (line != "")
				printf "  %2d: %s\n", i, line
		}
	}
}
'
