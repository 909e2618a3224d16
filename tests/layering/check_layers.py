#!/usr/bin/env python3
"""The build's layering rule, checked on the built room libraries with nm.

The rooms of server/ are ordered (docs/architecture.md): core, json, domain, ical,
notify, db, jobs, http, handlers. Each room's library may use only symbols defined in
its own room or in rooms before it; domain may use nothing but libc and libm. A call
upward (db calling http, core calling json...) fails this test, naming the file, the
symbol and the room it belongs to.

Usage: check_layers.py --nm NM --cc CC --ar AR --order core,json,... ROOM=LIB.a ...

Before the real libraries it checks itself: it builds two tiny rooms whose lower one
calls the upper one and requires that to be reported, so a checker that has stopped
seeing anything cannot pass.

It also fails on files of one room that call each other in a cycle (besides the known
ones in FILE_CYCLES_KNOWN), so that a room split into files stays a one-way walk.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

# what sanitizers and coverage instrumentation add to every object
TOOL_PREFIXES = ("__asan", "__ubsan", "__sanitizer", "__sancov", "__lsan", "__tsan", "__msan")


def nm_symbols(nm, lib):
    """{defined symbol: member}, [(member, undefined symbol)] of an archive."""
    out = subprocess.run([nm, "-P", "-A", "-g", lib], check=True, capture_output=True,
                         text=True).stdout
    defs, undefs = {}, []
    for line in out.splitlines():
        m = re.match(r"^(?:.*?\[(?P<member>[^\]]+)\]|(?P<file>[^:]+)):\s+(?P<sym>\S+)\s+(?P<kind>\S)",
                     line)
        if not m:
            continue
        member = m.group("member") or os.path.basename(m.group("file"))
        sym, kind = m.group("sym"), m.group("kind")
        if kind in "Uw":
            if kind == "U":
                undefs.append((member, sym))
        elif kind != "v":
            defs[sym] = member
    return defs, undefs


def shared_exports(nm, path):
    out = subprocess.run([nm, "-D", "--defined-only", path], check=True, capture_output=True,
                         text=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def check(order, libs, nm, libc_syms):
    """Human-readable violations of the rule for libs = {room: archive path}."""
    rank = {room: i for i, room in enumerate(order)}
    tables = {room: nm_symbols(nm, path) for room, path in libs.items()}
    owner = {}
    for room, (defs, _) in tables.items():
        for sym, member in defs.items():
            owner.setdefault(sym, (room, member))
    problems = []
    for room, (defs, undefs) in sorted(tables.items(), key=lambda kv: rank[kv[0]]):
        for member, sym in sorted(set(undefs)):
            if sym in defs:
                continue
            if sym in owner:
                other, where = owner[sym]
                if rank[other] > rank[room]:
                    problems.append(
                        f"{room}/{member} calls {sym}, defined in {other}/{where}: "
                        f"{room} may use only "
                        f"{', '.join(order[:rank[room]]) or 'itself'}")
            elif room == "domain" and libc_syms is not None:
                if sym not in libc_syms and not sym.startswith(TOOL_PREFIXES):
                    problems.append(f"domain/{member} uses {sym}, which is not in libc or libm: "
                                    "domain links nothing else")
    return problems


# Files of one room that call each other in a cycle, known and not yet untangled. Any other
# cycle between the files of a room fails the test (a file-level cycle is how a room's
# split goes wrong: http/daemon.c and http/metrics.c were one).
FILE_CYCLES_KNOWN = {
    # the dispatcher hands a notice to a sink, and each sink reports back through it
    "notify": {"notify.c.o", "sink.c.o", "smtp.c.o", "webhook.c.o"},
}


def strongly_connected(graph):
    """Groups of two or more nodes of graph ({node: {node}}) that reach each other."""
    index, low, stack, on, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def file_cycles(libs, nm, known=None):
    """Cycles between the files (archive members) of each room, besides the known ones."""
    known = FILE_CYCLES_KNOWN if known is None else known
    problems = []
    for room, path in sorted(libs.items()):
        defs, undefs = nm_symbols(nm, path)
        graph = {}
        for member, sym in undefs:
            if sym in defs and defs[sym] != member:
                graph.setdefault(member, set()).add(defs[sym])
        for group in strongly_connected(graph):
            if set(group) <= known.get(room, set()):
                continue
            problems.append(f"{room}: files call each other in a cycle: {' <-> '.join(group)}")
    return problems


def self_test(args, libc_syms):
    """Two made-up rooms, lower calling upper: the checker must say so."""
    with tempfile.TemporaryDirectory() as tmp:
        sources = {
            "low": "int up_fn(void);\nint low_fn(void);\nint low_fn(void) { return up_fn(); }\n",
            "up": "int up_fn(void);\nint up_fn(void) { return 1; }\n",
            "domain": "int zlib_like(void);\nint dom_fn(void);\n"
                      "int dom_fn(void) { return zlib_like(); }\n",
        }
        libs = {}
        for room, text in sources.items():
            c, o, a = (os.path.join(tmp, room + ext) for ext in (".c", ".o", ".a"))
            with open(c, "w") as f:
                f.write(text)
            subprocess.run([args.cc, "-c", c, "-o", o], check=True)
            subprocess.run([args.ar, "rcs", a, o], check=True)
            libs[room] = a
        found = check(["low", "domain", "up"], libs, args.nm, libc_syms)
        want = [("low/", "up_fn"), ("domain/", "zlib_like")]
        for room, sym in want:
            if not any(p.startswith(room) and sym in p for p in found):
                print(f"self-test: the checker missed {room}{sym}; it found {found}")
                return False
        if len(found) != len(want):
            print(f"self-test: unexpected findings {found}")
            return False
        # two files of one room calling each other, and a third only called
        objs = []
        for name, text in (("ping", "int pong(void);\nint ping(void);\n"
                                    "int ping(void) { return pong(); }\n"),
                           ("pong", "int ping(void);\nint leaf(void);\nint pong(void);\n"
                                    "int pong(void) { return ping() + leaf(); }\n"),
                           ("leaf", "int leaf(void);\nint leaf(void) { return 1; }\n")):
            c, o = os.path.join(tmp, name + ".c"), os.path.join(tmp, name + ".c.o")
            with open(c, "w") as fh:
                fh.write(text)
            subprocess.run([args.cc, "-c", c, "-o", o], check=True)
            objs.append(o)
        a = os.path.join(tmp, "room.a")
        subprocess.run([args.ar, "rcs", a] + objs, check=True)
        found = file_cycles({"room": a}, args.nm, known={})
        if found != ["room: files call each other in a cycle: ping.c.o <-> pong.c.o"]:
            print(f"self-test: the file-cycle check found {found}")
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--ar", default="ar")
    ap.add_argument("--libc", required=True)
    ap.add_argument("--libm", required=True)
    ap.add_argument("--order", required=True)
    ap.add_argument("libs", nargs="+", help="ROOM=path/to/libroom.a")
    args = ap.parse_args()
    order = args.order.split(",")
    libc_syms = shared_exports(args.nm, args.libc) | shared_exports(args.nm, args.libm)
    if not self_test(args, libc_syms):
        return 1
    libs = {}
    for item in args.libs:
        room, _, path = item.partition("=")
        if room not in order:
            print(f"{room}: not a room of {order}")
            return 1
        libs[room] = path
    if "domain" not in libs or "core" not in libs:
        print("the core and domain libraries must be checked")
        return 1
    problems = check(order, libs, args.nm, libc_syms) + file_cycles(libs, args.nm)
    for p in problems:
        print(p)
    print(f"{len(libs)} room libraries, {len(problems)} calls against the order "
          f"{' < '.join(order)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
