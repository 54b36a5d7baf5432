#!/usr/bin/env python3
"""The second ranker of kbdiag query, measured: plain BM25 over each article's
whole text (query.c, query_bm25f()) against the field scores, and mixes of the
two, cross-validated on development data.

  sh tests/bench/querytune.sh -          (builds build/querytune)
  grep -hv '^#' tests/cases/query-dev.tsv tests/cases/query-calibration.tsv > dev.tsv
  grep '^dev' tests/cases/query-eval.tsv >> dev.tsv
  QUERYEVAL_CANDS=cands.tsv build/querytune --fit kb dev.tsv > /dev/null
  python3 tests/bench/queryfuse.py cands.tsv [SEEDS]

The whole-text score is computed in build/querytune only (query.c,
QUERY_TEXT_RANKER): it did not earn its place in the library (issue 17's
seventh round, docs/benchmarks.md). build/querytune writes one line per text it
fits on (QUERYEVAL_CANDS): its
line, split, kind, expected articles, whether a pattern answers by rule, whether
it is in the gateway's world, the confidence, whether it asks a question, then
each ranked article as ID:SCORE:PATTERN:BM25F:TEXT:TEXTRANK. For the related
texts this prints how often each ranker puts an expected article first, then,
for SEEDS splits into five folds (3 by default), the mix chosen on four folds
(the one right most often there) and how often it is right on the fifth,
against the field scores alone. The mixes: the score plus a times the
whole-text score (a for questions and for other texts apart, for word scores
only or for every result), the word score's BM25F part moved towards the
whole-text score, and reciprocal-rank fusion. Only development data: never the
test half of query-eval.tsv, never the held-out sets.
"""
import hashlib
import sys


def load(path):
    rows = []
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 8 or f[3] == "-":
            continue
        c = []
        for e in f[8:]:
            aid, sc, pat, ws, ts, tr = e.split(":")
            c.append({"id": aid, "s": float(sc), "p": int(pat), "w": float(ws),
                      "t": float(ts), "tr": int(tr), "kr": len(c) + 1})
        rows.append({"key": f[1] + f[0], "kind": f[2], "q": int(f[7]),
                     "exp": set(f[3].split("|")), "c": c})
    return rows


def top(r, fn):
    if not r["c"]:
        return None
    return max(r["c"], key=lambda x: (fn(x, r), -x["kr"]))["id"]


def hits(rows, fn):
    return sum(top(r, fn) in r["exp"] for r in rows)


def mixes():
    m = {"fields": lambda x, r: x["s"]}
    grid = [0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0]
    for aq in [0] + grid:
        for ao in [0] + grid:
            for words in (0, 1):
                if aq or ao:
                    m["s + a t (question %g, other %g%s)" % (aq, ao, ", words only" if words else "")] = (
                        lambda x, r, aq=aq, ao=ao, words=words:
                        x["s"] + (0 if words and x["p"] else (aq if r["q"] else ao) * x["t"]))
    for lam in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0]:
        m["BM25F towards the whole text %g" % lam] = (
            lambda x, r, lam=lam: x["s"] if x["p"] or x["w"] <= 0 else
            x["s"] * ((1 - lam) + lam * x["t"] / x["w"]))
    for k in [1, 5, 20, 60]:
        for wt in [0.3, 0.5, 1.0]:
            m["rrf k=%d, whole text %g" % (k, wt)] = (
                lambda x, r, k=k, wt=wt: 1 / (k + x["kr"]) + wt / (k + x["tr"]))
    return m


def main():
    rows = load(sys.argv[1])
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    m = mixes()
    kinds = sorted(set(r["kind"] for r in rows))
    print("%d related texts" % len(rows))
    for name, fn in (("field scores (kbdiag)", m["fields"]),
                     ("whole text (plain BM25)", lambda x, r: x["t"])):
        print("%-26s %4d first  %s" % (name, hits(rows, fn), "  ".join(
            "%s %d/%d" % (k, hits([r for r in rows if r["kind"] == k], fn),
                          sum(r["kind"] == k for r in rows)) for k in kinds)))
    best = max(m, key=lambda n: hits(rows, m[n]))
    print("best mix in sample: %s, %d first" % (best, hits(rows, m[best])))
    for seed in range(seeds):
        fold = {r["key"]: int(hashlib.sha256((r["key"] + str(seed)).encode()).hexdigest()[:8], 16) % 5
                for r in rows}
        mixed = alone = 0
        picks = []
        for f in range(5):
            train = [r for r in rows if fold[r["key"]] != f]
            test = [r for r in rows if fold[r["key"]] == f]
            pick = max(m, key=lambda n: (hits(train, m[n]), n == "fields"))
            picks.append(pick)
            mixed += hits(test, m[pick])
            alone += hits(test, m["fields"])
        print("split %d: out of fold, the mix chosen on four folds %d first, the field "
              "scores alone %d; chosen: %s" % (seed, mixed, alone, "; ".join(picks)))


if __name__ == "__main__":
    main()
