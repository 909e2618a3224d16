#!/bin/sh
# Compares service_report() and checklist_failures() as the database defines them now
# with the definitions of migrations/0003_checklists.sql (which read the raw tables),
# row by row and in order, for several periods and filters. tests/bench/dispatch.sh
# runs it on its data; by hand:
#   sh tests/bench/report_check.sh 'psql -X -h /tmp/sock -p 5432 -U postgres -d db' [from to]
# Prints one line per case; exits 1 when any case differs.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -euo pipefail

root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd -P)
[ $# -ge 1 ] || {
	echo "usage: $0 'PSQL COMMAND' [FROM TO]" >&2
	exit 2
}
read -r -a psql <<<"$1"
from=${2:-2026-10-01 00:00:00+09}
to=${3:-2026-11-01 00:00:00+09}

ref() { # function name -> its 0003 definition as pg_temp.NAME_0003
	awk -v f="CREATE FUNCTION $1(" 'index($0, f) == 1 { on = 1 } on { print } on && /^\$\$;/ { exit }' \
		"$root/migrations/0003_checklists.sql" |
		sed "s/^CREATE FUNCTION $1(/CREATE FUNCTION pg_temp.$1_0003(/"
}
sr=$(ref service_report)
cf=$(ref checklist_failures)
[[ $sr == *'$$;'* && $cf == *'$$;'* ]] || {
	echo "report_check: cannot read the 0003 definitions" >&2
	exit 2
}

# a team and an engineer that have figures
q() { "${psql[@]}" -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
team=$(q "SELECT team_id FROM users WHERE role = 'engineer' AND team_id IS NOT NULL ORDER BY id LIMIT 1")
person=$(q "SELECT id FROM users WHERE role = 'engineer' ORDER BY id LIMIT 1")
lead=$(q "SELECT id FROM users WHERE role = 'lead' ORDER BY id LIMIT 1")

cases=(
	"'$from'|'$to'|NULL|NULL"
	"'$from'|'$to'|$team|NULL"
	"'$from'|'$to'|NULL|$person"
	"'$from'|'$to'|NULL|$lead"
	"'$from'::timestamptz + interval '7 hours 13 minutes'|'$to'::timestamptz - interval '2 days 5 hours'|NULL|NULL"
	"'$from'::timestamptz + interval '3 days'|'$from'::timestamptz + interval '3 days 6 hours'|NULL|NULL"
	"now() - interval '30 days'|now()|NULL|NULL"
	"now() - interval '366 days'|now()|NULL|NULL"
)
out=$({
	echo "SET TimeZone = 'Asia/Seoul';"
	echo "SET statement_timeout = 0;"
	echo "SET client_min_messages = warning;"
	echo "$sr"
	echo "$cf"
	for c in "${cases[@]}"; do
		IFS='|' read -r f t tm p <<<"$c"
		a="($f)::timestamptz, ($t)::timestamptz, $tm::bigint, $p::bigint"
		cat <<EOF
SELECT \$l\$service_report($f, $t, $tm, $p): \$l\$ || CASE WHEN x = 0 AND n > 0 THEN 'same ' || n || ' rows'
       ELSE 'DIFFERENT (' || x || ' of ' || n || ' rows)' END
FROM (SELECT (SELECT count(*) FROM service_report($a)) AS n,
             (SELECT count(*) FROM (
                 (SELECT row_number() OVER () AS i, r.* FROM service_report($a) r
                  EXCEPT ALL SELECT row_number() OVER () AS i, r.* FROM pg_temp.service_report_0003($a) r)
                 UNION ALL
                 (SELECT row_number() OVER () AS i, r.* FROM pg_temp.service_report_0003($a) r
                  EXCEPT ALL SELECT row_number() OVER () AS i, r.* FROM service_report($a) r)) d) AS x) s;
SELECT \$l\$checklist_failures($f, $t, $tm, $p): \$l\$ || CASE WHEN x = 0 THEN 'same ' || n || ' rows'
       ELSE 'DIFFERENT (' || x || ' of ' || n || ' rows)' END
FROM (SELECT (SELECT count(*) FROM checklist_failures($a, 20)) AS n,
             (SELECT count(*) FROM (
                 (SELECT row_number() OVER () AS i, r.* FROM checklist_failures($a, 20) r
                  EXCEPT ALL SELECT row_number() OVER () AS i, r.* FROM pg_temp.checklist_failures_0003($a, 20) r)
                 UNION ALL
                 (SELECT row_number() OVER () AS i, r.* FROM pg_temp.checklist_failures_0003($a, 20) r
                  EXCEPT ALL SELECT row_number() OVER () AS i, r.* FROM checklist_failures($a, 20) r)) d) AS x) s;
EOF
	done
} | "${psql[@]}" -q -A -t -v ON_ERROR_STOP=1)
sed 's/^/report_check: /' <<<"$out"
! grep -q DIFFERENT <<<"$out"
