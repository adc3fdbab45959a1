#!/usr/bin/env python3
"""doc-commands FILE.md...: the shell commands in Markdown code blocks.

One line per command on stdout, tab-separated: FILE, LINE, KIND, COMMAND,
KEY (the command without its trailing comment, blanks squeezed: what the
test's table of skips and cheap forms is keyed by).
KIND is "cmd" (a command to run) or "synopsis" (a usage line with
placeholders: [--opt], KERNEL, FILE...).  Read:
  - fenced blocks marked sh, bash, shell or console: every line that is
    not blank or a comment; in an unmarked fence only lines that start
    with "$ " (the rest is output);
  - indented blocks (four spaces after a blank line): lines whose first
    word is a command (a kit program, a path in the tree, a program on
    PATH, a VAR=value); the rest is output.
A line ending in a backslash or a pipe goes on with the next one.  A
"(gc) ..." line is the REPL input of the command before it and is
appended to it after a tab-free " <<< " marker: the test decides.
"""
import os
import re
import shutil
import sys

KIT_PROGRAMS = {"gdbstub-client", "kernel-symbols", "qemu-wrapper", "boot-profile"}
SYNOPSIS = re.compile(r"\[-|\[[A-Z]|\b(KERNEL|FILE|ENDPOINT|STRUCT|ADDR|NAME)\b|\|0x")


def is_command(line, top):
    w = line.split()[0] if line.split() else ""
    if not w or w.startswith("#"):
        return False
    if w in KIT_PROGRAMS or w.startswith("(") or re.match(r"^[A-Z_][A-Z0-9_]*=", w):
        return True
    if "/" in w and os.path.exists(os.path.join(top, w)):
        return True
    return shutil.which(w) is not None


def joined(lines):
    """(first line number, text) with continuations joined."""
    out, cur, start = [], "", None
    for n, text in lines:
        if start is None:
            start = n
        cur = cur + " " + text.strip() if cur else text.strip()
        if cur.endswith("\\"):
            cur = cur[:-1].rstrip()
            continue
        if cur.endswith("|"):
            continue
        out.append((start, cur))
        cur, start = "", None
    if cur:
        out.append((start, cur))
    return out


def emit(path, cmds):
    last = None
    for n, c in cmds:
        if c.startswith("(gc) "):
            if last is not None:
                last[3] += " <<< " + c[5:]
                last[4] += " <<< " + c[5:]
            continue
        kind = "synopsis" if SYNOPSIS.search(c.split(" #")[0]) else "cmd"
        key = re.sub(r"\s+", " ", re.sub(r"\s+#\s.*$", "", c)).strip()
        last = [path, n, kind, c, key]
        rows.append(last)


rows = []
top = os.getcwd()
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i, prev_blank = 0, True
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^```(\w*)", line)
        if m:
            lang, body = m.group(1), []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append((i + 1, lines[i]))
                i += 1
            i += 1
            if lang in ("sh", "bash", "shell", "console"):
                body = [(n, t[2:] if t.startswith("$ ") else t) for n, t in body
                        if t.strip() and not t.strip().startswith("#")]
                emit(path, joined(body))
            elif lang == "":
                emit(path, joined([(n, t[2:]) for n, t in body if t.startswith("$ ")]))
            prev_blank = True
            continue
        if line.startswith("    ") and prev_blank:
            body = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                if lines[i].strip():
                    body.append((i + 1, lines[i][4:]))
                i += 1
            # a command block: its first line is a command (an output block
            # is not read at all); output lines after commands are left out
            cmds, cont = [], False
            if body and not is_command(body[0][1], top):
                body = []
            for n, t in body:
                if cont or is_command(t, top):
                    cmds.append((n, t))
                    cont = t.rstrip().endswith(("\\", "|"))
                elif t.lstrip().startswith("(gc) "):
                    cmds.append((n, t.lstrip()))
            emit(path, joined([(n, t) for n, t in cmds if not t.lstrip().startswith("#")]))
            prev_blank = True
            continue
        prev_blank = not line.strip()
        i += 1

for r in rows:
    print("\t".join(str(x) for x in r))
