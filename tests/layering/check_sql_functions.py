#!/usr/bin/env python3
"""SQL functions live in server/db/sql, not in new migrations.

`fieldd migrate` applies server/db/sql/*.sql after the versioned migrations on every
run. A function created or replaced by a migration after LAST_WITH_FUNCTIONS would
be overwritten by the server/db/sql copy (or, if new, live where nobody looks for
it), so this test fails on one, naming the file and the function. It also fails
when a function of migrations 0001..LAST_WITH_FUNCTIONS has no copy in
server/db/sql: then it would exist only in the versioned history.

Usage: check_sql_functions.py REPO
"""
import glob
import os
import re
import sys

LAST_WITH_FUNCTIONS = 8
CREATE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(\w+)\s*\(", re.I | re.M)


def functions(text):
    # comments out first, so a commented-out definition does not count
    return set(CREATE.findall(re.sub(r"--[^\n]*", "", text)))


def problems(migrations, sql_files):
    """migrations: {file name: text}; sql_files: {file name: text}."""
    kept = set()
    for text in sql_files.values():
        kept |= functions(text)
    out = []
    for name, text in sorted(migrations.items()):
        for fn in sorted(functions(text)):
            if int(name[:4]) > LAST_WITH_FUNCTIONS:
                out.append("%s defines %s(): functions go in server/db/sql/*.sql, which every "
                           "fieldd migrate applies again" % (name, fn))
            elif fn not in kept:
                out.append("%s() exists only in %s; its current definition belongs in "
                           "server/db/sql" % (fn, name))
    return out


def self_test():
    sql = {"10_x.sql": "CREATE OR REPLACE FUNCTION kept(a int) RETURNS int AS $$ $$;"}
    migs = {"0002_a.sql": "CREATE FUNCTION kept(a int) RETURNS int AS $$ $$;\n"
                          "-- CREATE FUNCTION commented(a int)\n",
            "0003_b.sql": "create or replace function only_here() returns void as $$ $$;",
            "0009_c.sql": "CREATE OR REPLACE FUNCTION kept(a int) RETURNS int AS $$ $$;"}
    got = problems(migs, sql)
    return (len(got) == 2 and any("only_here" in p for p in got)
            and any(p.startswith("0009_c.sql defines kept") for p in got))


def main():
    repo = sys.argv[1]
    if not self_test():
        print("self-test: the checker does not find what it should")
        return 1

    def read(pattern):
        out = {}
        for p in sorted(glob.glob(os.path.join(repo, pattern))):
            with open(p, encoding="utf-8") as f:
                out[os.path.basename(p)] = f.read()
        return out

    migs = read("migrations/[0-9][0-9][0-9][0-9]_*.sql")
    sql = read("server/db/sql/*.sql")
    if not migs or not sql:
        print("no migrations or no server/db/sql files under %s" % repo)
        return 1
    found = problems(migs, sql)
    for p in found:
        print(p)
    print("%d migrations, %d function files, %d problems" % (len(migs), len(sql), len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
