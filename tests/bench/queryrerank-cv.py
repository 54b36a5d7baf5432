#!/usr/bin/env python3
"""Can the first three of kbdiag query be reordered better? Measured out of fold.

Issue 17's tenth round (docs/benchmarks.md): the development texts answered
surely with a wrong article first, by class. This reads each development text's
explained JSON answer (kbdiag query --format json --top 3) and, on two folds by
a hash of the text (fit on one, score on the other, both ways), tries:
  - a reranker of the first three over the fields' parts of the score, the
    message cover and order, the article's kind by whether the text asks, and
    how much of the title the text has: pairwise logistic regression, and
    coordinate ascent on hit@1;
  - a prior per article: how often it came first wrongly in the fitting fold.
Texts a pattern answers by rule are left out (their order is the pattern's).
It prints, per fold and summed, how many texts have a right article first as
ranked and as reordered. Only development rows are read: query-dev.tsv's split
"fit" (its "val" batches are kept as aggregates) and query-eval.tsv's "dev"
rows; never the "test" rows or the held-out sets.

  python3 tests/bench/queryrerank-cv.py [KBDIAG] [KBDIR]
"""
import hashlib
import json
import math
import re
import subprocess
import sys

KBDIAG = sys.argv[1] if len(sys.argv) > 1 else "build/kbdiag"
KB = sys.argv[2] if len(sys.argv) > 2 else "kb"
SETS = [("tests/cases/query-dev.tsv", {"fit"}), ("tests/cases/query-eval.tsv", {"dev"})]
FIELDS = ["title", "messages", "keywords", "summary", "body", "facts", "causes",
          "cause details", "steps", "notes"]
KINDS = ["errmsg", "reference", "config", "troubleshoot", "other"]
STOP = set("the a an of to in on for and or is are be by with what how does do i my our "
           "it its when why which where can from not no at this that as smtp gateway".split())


def words(s):
    return set(w[:5] for w in re.findall(r"[a-z0-9]+", s.lower()) if w not in STOP)


def features(c, question, text):
    e = c["explain"]
    share = {f["field"]: f["share"] for f in e["fields"]}
    v = [c["score"]] + [e.get("query_cover", 0) * share.get(f, 0) for f in FIELDS]
    v += [e.get("message_cover", 0), e.get("order", 0)]
    v += [(1 if c["kind"] == k else 0) * (1 if question else -1) for k in KINDS]
    tw, qw = words(c["title"].split(":")[-1]), words(text)
    v += [len(tw & qw) / max(1, len(tw)), len(tw & qw) / max(1, len(qw))]
    return v


data = []
for path, splits in SETS:
    for line in open(path):
        p = line.rstrip("\n").split("\t")
        if len(p) != 4 or p[0] not in splits or p[2] == "-":
            continue
        out = subprocess.run([KBDIAG, "--kb", KB, "query", "--format", "json", "--top", "3",
                              "-"], input=p[3].replace("\\n", "\n").encode(),
                             capture_output=True).stdout
        j = json.loads(out)
        r = j.get("results", [])
        if len(r) < 2 or (j["model"]["by"] == "rule" and r[0]["match"] == "pattern"):
            continue
        exp = set(p[2].split("|"))
        if not any(c["article"] in exp for c in r):
            continue
        fold = int(hashlib.sha256(p[3].encode()).hexdigest()[:8], 16) % 2
        q = j["features"]["question"]
        data.append((fold, [features(c, q, p[3]) for c in r], [c["article"] in exp for c in r],
                     [c["article"] for c in r]))
NF = len(data[0][1][0])
BASE = [1.0] + [0.0] * (NF - 1)


def hits(rows, w, pen=None, lam=0):
    n = 0
    for _, F, L, A in rows:
        s = [sum(a * b for a, b in zip(w, x)) - lam * (pen or {}).get(A[i], 0) - 1e-9 * i
             for i, x in enumerate(F)]
        n += L[max(range(len(F)), key=lambda i: s[i])]
    return n


def logistic(rows, l2=0.01, rounds=300, rate=0.5):
    w = list(BASE)
    pairs = [[a - b for a, b in zip(F[i], F[k])] for _, F, L, _ in rows
             for i in range(len(F)) for k in range(len(F)) if L[i] and not L[k]]
    for _ in range(rounds):
        g = [0.0] * NF
        for x in pairs:
            z = max(-30, min(30, sum(a * b for a, b in zip(w, x))))
            p = 1 / (1 + math.exp(-z))
            for i in range(NF):
                g[i] += (p - 1) * x[i]
        for i in range(NF):
            w[i] -= rate * (g[i] / len(pairs) + l2 * w[i])
    return w


def ascent(rows):
    w, best = list(BASE), hits(rows, BASE)
    for _ in range(3):
        for i in range(1, NF):
            for step in (-0.4, -0.2, -0.1, -0.05, 0.05, 0.1, 0.2, 0.4):
                v = list(w)
                v[i] += step
                h = hits(rows, v)
                if h > best:
                    best, w = h, v
    return w


def prior(rows):
    wrong, first = {}, {}
    for _, F, L, A in rows:
        first[A[0]] = first.get(A[0], 0) + 1
        wrong[A[0]] = wrong.get(A[0], 0) + (not L[0])
    pen = {a: wrong[a] / (first[a] + 1) for a in first}
    lam = max((0, 0.01, 0.02, 0.05, 0.1, 0.2), key=lambda l: hits(rows, BASE, pen, l))
    return pen, lam


total = {"as ranked": 0, "logistic": 0, "ascent": 0, "prior": 0}
for k in (0, 1):
    fit = [x for x in data if x[0] != k]
    held = [x for x in data if x[0] == k]
    pen, lam = prior(fit)
    got = {"as ranked": hits(held, BASE), "logistic": hits(held, logistic(fit)),
           "ascent": hits(held, ascent(fit)), "prior": hits(held, BASE, pen, lam)}
    print("fold %d (%d texts held out): %s" % (k, len(held), ", ".join(
        "%s %d" % kv for kv in got.items())))
    for key in total:
        total[key] += got[key]
print("both folds (%d texts): %s" % (len(data), ", ".join("%s %d" % kv for kv in total.items())))
