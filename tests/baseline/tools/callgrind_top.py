#!/usr/bin/env python3
"""callgrind_top.py FILE [N] [--per K] [--grep REGEX]: the N functions with the most self and inclusive
instructions in a callgrind dump, divided by K (the requests served), for tests/baseline/callgrind-http.sh.
Inclusive cost is self cost plus the cost of the calls a function makes (recursion is counted once per
level, which is close enough for ranking)."""
import collections
import re
import sys

args = sys.argv[1:]
path = args[0]
top = int(args[1]) if len(args) > 1 and args[1].isdigit() else 40
per = float(args[args.index("--per") + 1]) if "--per" in args else 1.0
pattern = re.compile(args[args.index("--grep") + 1]) if "--grep" in args else None

names = {}


def name(ref):
    """callgrind compresses names: '(12) full name' the first time, '(12)' afterwards."""
    m = re.match(r"\((\d+)\)(?: (.*))?", ref)
    if not m:
        return ref
    if m.group(2):
        names[m.group(1)] = m.group(2)
    return names.get(m.group(1), m.group(1))


own = collections.Counter()
inclusive = collections.Counter()
fn = callee = None
in_call = False
total = 0
for line in open(path):
    line = line.rstrip("\n")
    if line.startswith("fn="):
        fn = name(line[3:])
    elif line.startswith("cfn="):
        callee = name(line[4:])
    elif line.startswith("calls="):
        in_call = True
    elif line and (line[0].isdigit() or line[0] in "+-*"):
        parts = line.split()
        if len(parts) < 2:
            continue
        cost = int(parts[1])
        if in_call:
            if callee != fn:
                inclusive[fn] += cost
            in_call = False
        else:
            own[fn] += cost
            inclusive[fn] += cost
            total += cost

print(f"total: {total:,} instructions, {total / per:,.0f} per request")
for title, counter in (("self", own), ("inclusive", inclusive)):
    print(f"--- {title}")
    shown = 0
    for f, c in counter.most_common():
        if pattern and not pattern.search(f):
            continue
        print(f"{c / per:12,.0f}  {100 * c / total:5.1f}%  {f[:140]}")
        shown += 1
        if shown >= top:
            break
