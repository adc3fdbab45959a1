#!/usr/bin/env python3
# tests/helpers/bt-compare.py TRUTH CLIENT-OUTPUT: for t3960-bt-truth.
# TRUTH is a tests/data/bt file (tests/helpers/bt-truth: gdb's physical
# frames per stop), CLIENT-OUTPUT gdbstub-client's output for the same
# stops in the same order, one bt each.  Per stop: each of gdb's frames
# (down to 'interrupted' at an irq stop) equals bt's frame at the same
# depth, pc and name (any of the names gdb's symbol table has at that
# symbol's address: kallsyms keeps one of the aliases); bt's frames beyond gdb's (the entry asm, where gdb
# has no CFI) are not compared, but bt must end cleanly (no "<why>" line);
# at an irq stop bt shows the interrupt entry (asm_*, not 5.10's
# asm_call_*_on_stack), the frame below it
# "(interrupted here)".  Prints "# ..." lines; exits 1 on a difference.
import re
import sys

FRAME = re.compile(r"#(\d+) +0x([0-9a-f]+) in (\S+?)(?:\+0x[0-9a-f]+)?(  \(interrupted here\))?$")


def truth(path):
    stops = []
    for line in open(path):
        w = line.split()
        if not w or w[0].startswith("#"):
            continue
        if w[0] == "stop":
            stops.append({"what": "%s %s" % (w[1], w[2]), "irq": "irq" in w[3:],
                          "frames": [], "cut": False, "end": ""})
        elif w[0] == "interrupted":
            stops[-1]["cut"] = True
        elif w[0] == "end":
            stops[-1]["end"] = " ".join(w[1:])
        elif not stops[-1]["cut"]:
            stops[-1]["frames"].append((int(w[0], 16), w[1]))
    return stops


def bts(path):
    blocks = []
    for line in open(path):
        line = line.rstrip("\n")
        m = FRAME.match(line)
        if m:
            if m.group(1) == "0":
                blocks.append({"frames": [], "why": None})
            blocks[-1]["frames"].append((int(m.group(2), 16), m.group(3),
                                         bool(m.group(4))))
        elif line.startswith("<") and blocks and blocks[-1]["why"] is None:
            blocks[-1]["why"] = line
    return blocks


def main():
    want, got = truth(sys.argv[1]), bts(sys.argv[2])
    bad = []
    equal = compared = more = 0
    if len(got) != len(want):
        bad.append("%d stops in the truth, %d bt outputs" % (len(want), len(got)))
    for w, g in zip(want, got):
        gf = g["frames"]
        ok = True
        for i, (pc, name) in enumerate(w["frames"]):
            compared += 1
            if i < len(gf) and gf[i][0] == pc and gf[i][1] in name.split("|"):
                equal += 1
                continue
            ok = False
            bad.append("%s: frame #%d: gdb 0x%x %s, bt %s" % (
                w["what"], i, pc, name,
                "0x%x %s" % gf[i][:2] if i < len(gf) else "(none)"))
        more += max(0, len(gf) - len(w["frames"]))
        if g["why"]:
            ok = False
            bad.append("%s: bt ended with %s" % (w["what"], g["why"]))
        if w["irq"]:
            n = len(w["frames"])
            entry = next((i for i in range(len(gf))
                          if gf[i][1].startswith("asm_")
                          and not gf[i][1].startswith("asm_call_")), None)
            if entry is None:
                ok = False
                bad.append("%s: no interrupt entry (asm_*) in bt" % w["what"])
            elif entry + 1 < len(gf) and not gf[entry + 1][2]:
                ok = False
                bad.append("%s: the frame below %s is not '(interrupted here)'"
                           % (w["what"], gf[entry][1]))
        print("# %-40s gdb %2d frames, bt %2d%s" % (w["what"], len(w["frames"]), len(gf),
                                                   "" if ok else "  DIFFERENT"))
    print("# %d stops: %d/%d of gdb's frames equal; bt had %d more beyond gdb's"
          % (len(want), equal, compared, more))
    for b in bad:
        print("# " + b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
