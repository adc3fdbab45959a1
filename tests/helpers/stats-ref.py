#!/usr/bin/env python3
"""stats-ref.py: an independent reference for `gdbstub-client report` and
`compare` over several runs, for tests/t5110-report-cli.bats.

  stats-ref.py report-json OUT.json RUN.json...
  stats-ref.py report-text OUT.txt RUN.json...
  stats-ref.py compare-json OUT.json A.json... -- B.json...
  stats-ref.py compare-text OUT.txt A.json... -- B.json...

Reads the profiles themselves (phases by id, initcalls by function) and
computes, in plain Python and without the client's code: the mean, the
sample standard deviation (n - 1), min and max of each phase and initcall;
for compare, B - A, Welch's t, the Welch-Satterthwaite degrees of freedom
and the two-sided p-value (the t density integrated by Simpson's rule, not
the incomplete beta function stats.c uses), the marks, and the ranking
(totals first, then by |B - A|, largest first).  It then checks the
client's output OUT against them and exits 1 saying what differs.
Totals and initcall levels are left to the golden files of t5100.
"""
import json
import math
import re
import sys

errors = []


def fail(msg):
    errors.append(msg)


def load(paths):
    """{key: [value per run]} for phases (key = id) and initcalls (fn:NAME)."""
    series = {}
    for path in paths:
        with open(path) as f:
            p = json.load(f)
        seen = set()
        for ph in p["phases"]:
            series.setdefault(ph["id"], []).append(ph["duration_ns"])
        for ic in p["initcalls"]:
            if ic["fn"] in seen:
                sys.exit("stats-ref.py: %s: %s twice; not handled" % (path, ic["fn"]))
            seen.add(ic["fn"])
            series.setdefault("fn:" + ic["fn"], []).append(ic["duration_ns"])
    n = len(paths)
    return {k: v for k, v in series.items() if len(v) == n}


def mean(x):
    return sum(x) / len(x)


def sd(x):
    if len(x) < 2:
        return 0.0
    m = mean(x)
    return math.sqrt(sum((v - m) ** 2 for v in x) / (len(x) - 1))


def t_pdf(x, df):
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    return c * (1 + x * x / df) ** (-(df + 1) / 2)


def p_two_sided(t, df):
    """1 - 2 * integral of the t density from 0 to |t| (Simpson)."""
    t = abs(t)
    steps = 2 * max(1000, int(100 * t))
    h = t / steps
    s = t_pdf(0, df) + t_pdf(t, df)
    for i in range(1, steps):
        s += (4 if i % 2 else 2) * t_pdf(i * h, df)
    return max(0.0, 1 - 2 * s * h / 3)


def welch(a, b):
    va, vb = sd(a) ** 2 / len(a), sd(b) ** 2 / len(b)
    t = (mean(b) - mean(a)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return t, df, p_two_sided(t, df)


def t_inv2(p, df):
    """The t > 0 with two-sided p-value p (bisection on p_two_sided)."""
    lo, hi = 0.0, 1.0
    while p_two_sided(hi, df) > p:
        lo, hi = hi, 2 * hi
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if p_two_sided(mid, df) > p else (lo, mid)
    return hi


def runs_needed(sa, sb, delta, alpha, power):
    """Runs a group for Welch's test to see delta with that power: the
    smallest n with delta / se >= t(1 - alpha/2, df) + t(power, df)."""
    for n in range(2, 10001):
        va, vb = sa * sa / n, sb * sb / n
        se = math.sqrt(va + vb)
        if se == 0:
            return n
        df = (va + vb) ** 2 / ((va * va + vb * vb) / (n - 1))
        if delta / se >= t_inv2(alpha, df) + t_inv2(2 * (1 - power), df):
            return n
    return None


def close(got, want, rel=1e-9, abs_=1.0):
    return got is not None and abs(got - want) <= max(abs_, rel * abs(want))


def ms(v, d=3):
    return "%.*f" % (d, v / 1e6)


def check_ms(what, shown, want_ns, d=3):
    """A figure printed in ms with d decimals: within half a unit of the last."""
    if abs(float(shown) - want_ns / 1e6) > 0.5 * 10 ** -d + 1e-9:
        fail("%s: shows %s, expected %s" % (what, shown, ms(want_ns, d)))


def report_json(out, runs):
    s = load(runs)
    got = {e["key"]: e for e in json.load(open(out))["series"]}
    for k, x in sorted(s.items()):
        e = got.get(k)
        if not e:
            fail("%s: missing" % k)
            continue
        for f, v in (("mean_ns", mean(x)), ("sd_ns", sd(x)), ("min_ns", min(x)),
                     ("max_ns", max(x)), ("n", len(x))):
            if not close(e[f], v):
                fail("%s %s: %s, expected %.1f" % (k, f, e[f], v))


def report_text(out, runs):
    s = load(runs)
    ics = sorted((k for k in s if k.startswith("fn:")), key=lambda k: -mean(s[k]))
    text = open(out).read().split("\n")
    try:
        i = next(i for i, l in enumerate(text) if l.startswith("Slowest initcalls by mean"))
    except StopIteration:
        fail("no 'Slowest initcalls by mean' table")
        return
    rows = []
    for l in text[i + 2:]:
        if not l.strip():
            break
        rows.append(l.split())
    if len(rows) != min(20, len(ics)):
        fail("%d rows in the top table, expected %d" % (len(rows), min(20, len(ics))))
    for r, (row, k) in enumerate(zip(rows, ics), 1):
        rank, _level, fn, m, d, lo, hi, n = row
        if rank != str(r) or fn != k[3:]:
            fail("rank %d: '%s %s', expected '%d %s'" % (r, rank, fn, r, k[3:]))
            continue
        x = s[k]
        check_ms(fn + " mean", m, mean(x))
        check_ms(fn + " sd", d, sd(x))
        check_ms(fn + " min", lo, min(x))
        check_ms(fn + " max", hi, max(x))
        if n != str(len(x)):
            fail("%s n: %s, expected %d" % (fn, n, len(x)))


def expected_changes(a_runs, b_runs, threshold, alpha, min_delta):
    a, b = load(a_runs), load(b_runs)
    ch = {}
    for k in a.keys() & b.keys():
        ma, mb = mean(a[k]), mean(b[k])
        t, df, p = welch(a[k], b[k])
        pct = 100 * (mb - ma) / ma
        mark = 0
        if abs(pct) >= threshold and abs(mb - ma) >= min_delta and p < alpha:
            mark = 1 if mb > ma else -1
        ch[k] = dict(a=a[k], b=b[k], delta=mb - ma, pct=pct, t=t, df=df, p=p, mark=mark)
    # the ranking: by |B - A|, largest first, then by key
    order = sorted(ch, key=lambda k: (-abs(ch[k]["delta"]), k))
    return ch, order


def check_order(shown, order):
    """shown (keys in the client's order, a subset of ours) keeps our order."""
    pos = {k: i for i, k in enumerate(order)}
    keys = [k for k in shown if k in pos]
    want = sorted(keys, key=lambda k: pos[k])
    if keys != want:
        fail("ranking: %s, expected %s" % (" ".join(keys[:12]), " ".join(want[:12])))


def compare_json(out, a_runs, b_runs):
    d = json.load(open(out))
    ch, order = expected_changes(a_runs, b_runs, d["threshold_pct"], d["alpha"],
                                 d["min_delta_ns"])
    kinds = [e["kind"] for e in d["changes"]]
    nt = kinds.count("total")
    if kinds[:nt] != ["total"] * nt:
        fail("totals not first: %s" % kinds)
    marked = 0
    for e in d["changes"]:
        c = ch.get(e["key"])
        if not c:
            continue
        for g in ("a", "b"):
            if not (close(e[g]["mean_ns"], mean(c[g])) and close(e[g]["sd_ns"], sd(c[g]))):
                fail("%s %s: %s ± %s, expected %.1f ± %.1f" % (
                    e["key"], g, e[g]["mean_ns"], e[g]["sd_ns"], mean(c[g]), sd(c[g])))
        if not close(e["delta_ns"], c["delta"]):
            fail("%s delta: %s, expected %.1f" % (e["key"], e["delta_ns"], c["delta"]))
        if not (close(e["t"], c["t"], 1e-9, 1e-9) and close(e["df"], c["df"], 1e-9, 1e-9)):
            fail("%s t, df: %s %s, expected %g %g" % (e["key"], e["t"], e["df"], c["t"], c["df"]))
        if not ((e["p"] < 1e-4 and c["p"] < 1e-4) or close(e["p"], c["p"], 0, 1e-7)):
            fail("%s p: %s, expected %.8f" % (e["key"], e["p"], c["p"]))
        want = {1: "slower", -1: "faster", 0: "none"}[c["mark"]]
        if e["mark"] != want:
            fail("%s mark: %s, expected %s" % (e["key"], e["mark"], want))
        marked += c["mark"] != 0
    check_order([e["key"] for e in d["changes"]], order)
    # enough runs, and the runs a group the headline total needs
    if d["min_runs"] != 2 or d["enough_runs"] is not True:
        fail("min_runs %s, enough_runs %s: expected 2, true" % (d["min_runs"], d["enough_runs"]))
    # boot to userspace: qemu's start to the first instruction, then guest
    # time to the start of the userspace phase
    def to_userspace(paths):
        out = []
        for path in paths:
            ph = {x["id"]: x for x in json.load(open(path))["phases"]}
            out.append(ph["qemu"]["duration_ns"] + ph["userspace"]["start_ns"])
        return out
    ua, ub = to_userspace(a_runs), to_userspace(b_runs)
    effect = max(d["threshold_pct"] / 100 * mean(ua), d["min_delta_ns"])
    want = runs_needed(sd(ua), sd(ub), effect, d["alpha"], d["power"])
    if not close(d["effect_ns"], effect) or d["runs_needed"] != want:
        fail("runs_needed %s for a change of %s ns, expected %s for %.1f ns" % (
            d["runs_needed"], d["effect_ns"], want, effect))
    if not any(c["mark"] for c in ch.values()):
        fail("the reference marks nothing: a weak fixture")


ROW = re.compile(r"^  (SLOWER|faster|      )  initcall (\S+) \(\S+\)\s+"
                 r"(\S+) ± (\S+)\s+(\S+) ± (\S+)\s+(\S+)\s+(\S+)%\s+(\S+)$")


def compare_text(out, a_runs, b_runs):
    ch, order = expected_changes(a_runs, b_runs, 5, 0.05, 100000)
    shown = []
    for l in open(out).read().split("\n"):
        m = ROW.match(l)
        if not m:
            continue
        word, fn, am, asd, bm, bsd, delta, pct, p = m.groups()
        k = "fn:" + fn
        shown.append(k)
        c = ch[k]
        check_ms(fn + " A mean", am, mean(c["a"]))
        check_ms(fn + " A sd", asd, sd(c["a"]))
        check_ms(fn + " B mean", bm, mean(c["b"]))
        check_ms(fn + " B sd", bsd, sd(c["b"]))
        check_ms(fn + " B - A", delta, c["delta"])
        if abs(float(pct) - c["pct"]) > 0.05 + 1e-9:
            fail("%s %%: %s, expected %.1f" % (fn, pct, c["pct"]))
        want_p = "<0.0001" if c["p"] < 1e-4 else "%.4f" % c["p"]
        if p != want_p and not (p != "<0.0001" and abs(float(p) - c["p"]) <= 0.00005 + 1e-7):
            fail("%s p: %s, expected %s" % (fn, p, want_p))
        want_w = {1: "SLOWER", -1: "faster", 0: ""}[c["mark"]]
        if word.strip() != want_w:
            fail("%s marked '%s', expected '%s'" % (fn, word.strip(), want_w))
    if len(shown) < 5:
        fail("only %d initcall rows found" % len(shown))
    check_order(shown, order)


def main():
    mode, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    if mode.startswith("compare"):
        sep = files.index("--")
        args = (out, files[:sep], files[sep + 1:])
    else:
        args = (out, files)
    {"report-json": report_json, "report-text": report_text,
     "compare-json": compare_json, "compare-text": compare_text}[mode](*args)
    for e in errors:
        print("# stats-ref: " + e)
    sys.exit(1 if errors else 0)


main()
