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
    problems = check(order, libs, args.nm, libc_syms)
    for p in problems:
        print(p)
    print(f"{len(libs)} room libraries, {len(problems)} calls against the order "
          f"{' < '.join(order)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
