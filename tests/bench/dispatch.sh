#!/bin/sh
# fieldd dispatch benchmark (issue 3 item 10, issue 4 item 4). Not run by ctest.
#
# For each ticket count in BENCH_SIZES (default: 10,000 and 1,000,000), in a
# throwaway PostgreSQL cluster of its own:
#   1. migrate, load one organisation with that many tickets
#      (tests/bench/dispatch_data.sql: 5 teams, 45 engineers, 5 leads,
#      50,000 customers, 100,000 devices, a year of history), VACUUM ANALYZE;
#   2. start fieldd (build/release/fieldd; this script builds nothing), log in
#      as the dispatcher and as an engineer;
#   3. (i)   wrk POST /api/v1/tickets (tests/bench/intake.lua: varied devices,
#            reporters, faults, priorities; repeat count and proposal included),
#            once with fieldd + postgres on CPU1 and wrk on CPU0 (pinned) and once
#            with the whole machine for everything (unpinned); the tickets a run
#            makes are deleted again afterwards;
#      (ii)  wrk GET /api/v1/me/visits as an engineer with visits today;
#      (iii) pgbench -M prepared running the statement pg_visit_list runs for
#            (ii) (q_visit_list_person in server/db/pg_visits.c, extracted from
#            the source)
#            with the parameters fieldd sends for (ii), as many clients as fieldd
#            has database connections;
#      (iv)  GET /api/v1/reports/service-standards for the last full calendar
#            month, BENCH_REPORT_REQUESTS times in a row (median, max), and
#            EXPLAIN ANALYZE of service_report() for that month;
#      (v)   wrk GET /healthz (the HTTP ceiling, no database).
# Results go to stdout and to docs/performance.md (the section between the
# bench:dispatch markers; the rest of the file is kept).
#
# Aims: intake >= 1,000/s with p99 < 50 ms at 1,000,000 tickets, and that p99
# within 1.5x of the p99 at 10,000; me/visits >= 0.5x pgbench; the report for
# a month over 1,000,000 tickets under 300 ms.
#
# Environment:
#   BENCH_SIZES="10000 1000000"  ticket counts, one database each
#   BENCH_SECONDS=15   measured seconds per wrk/pgbench run
#   BENCH_WARMUP=3     warm-up seconds before each
#   BENCH_THREADS=N    FIELDD_THREADS = DB connections = wrk -c = pgbench -c
#                      (default FIELDD_THREADS, else 4)
#   BENCH_ROUNDS=1     rounds of (i)-(v); the median round is reported
#   BENCH_REPORT_REQUESTS=20
#   BENCH_PIN=1|0      pin load generators to CPU0, fieldd + postgres to CPU1
#                      for (ii), (iii), (iv), (v) and the pinned (i)
#                      (default 1 with >= 2 CPUs)
#   BENCH_SHARED_BUFFERS=1GB
#   BENCH_DOC=path     where to write the results ("-" = don't write)
#   BENCH_KEEP=1       keep the temporary directory (cluster, logs)
#   BENCH_CLUSTER=dir  reuse the cluster a BENCH_KEEP=1 run left in dir/pg:
#                      databases already loaded are not loaded again (fieldd
#                      migrate still runs, so new migrations apply on top)
#   FIELDD_BIN=path    fieldd binary (default build/release/fieldd)
#
# As root, missing Debian packages (wrk, curl, postgresql-15, ...) are
# installed with apt-get and PostgreSQL runs as the postgres system user.

if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -euo pipefail

me=dispatch-bench
# say, die, bench_setup and the helpers shared with the other benchmark
. "$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)/lib.sh"

root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd -P)
bench=$root/tests/bench
cd "$root"

SIZES=${BENCH_SIZES:-"10000 1000000"}
SECONDS_RUN=${BENCH_SECONDS:-15}
WARMUP=${BENCH_WARMUP:-3}
N=${BENCH_THREADS:-${FIELDD_THREADS:-4}}
ROUNDS=${BENCH_ROUNDS:-1}
REPORT_N=${BENCH_REPORT_REQUESTS:-20}
SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-1GB}
DOC=${BENCH_DOC:-$root/docs/performance.md}
BIN=${FIELDD_BIN:-$root/build/release/fieldd}
NCPU=$(nproc 2>/dev/null || echo 1)
if [ -z "${BENCH_PIN:-}" ]; then
	if [ "$NCPU" -ge 2 ]; then PIN=1; else PIN=0; fi
else
	PIN=$BENCH_PIN
fi
for v in SECONDS_RUN WARMUP N ROUNDS REPORT_N; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
for s in $SIZES; do
	[[ $s =~ ^[0-9]+$ ]] && [ "$s" -ge 5000 ] || die "BENCH_SIZES: '$s' is not a ticket count >= 5000"
done
[ "$SECONDS_RUN" -ge 1 ] && [ "$N" -ge 1 ] && [ "$N" -le 32 ] && [ "$ROUNDS" -ge 1 ] &&
	[ "$REPORT_N" -ge 1 ] || die "bad BENCH_SECONDS/BENCH_THREADS/BENCH_ROUNDS/BENCH_REPORT_REQUESTS"
[ "$PIN" = 0 ] || [ "$NCPU" -ge 2 ] || die "BENCH_PIN=1 needs at least 2 CPUs"
[ -x "$BIN" ] || die "no fieldd binary at $BIN; build it first:" \
	"cmake --preset release && cmake --build --preset release -j2"


# ------------------------------------------------------------ dependencies --
bench_setup


# ----------------------------------------------------------------- cleanup --
tmp=""
load_pid=""
server_pid=""
pgdata=""
keep=${BENCH_KEEP:-0}
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	set +e
	[ -z "$load_pid" ] || kill -TERM "$load_pid" 2>/dev/null
	stop_server
	if [ -n "$pgdata" ] && [ -f "$pgdata/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m fast -w -t 60 stop >/dev/null 2>&1 ||
			as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m immediate -w -t 30 stop >/dev/null 2>&1
	fi
	if [ -n "$tmp" ] && [ -d "$tmp" ]; then
		if [ "$keep" = 1 ]; then
			say "kept $tmp"
		else
			rm -rf "$tmp"
		fi
	fi
	exit "$rc"
}
stop_server() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	server_pid=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ -n "${BENCH_CLUSTER:-}" ]; then
	tmp=$BENCH_CLUSTER
	[ -d "$tmp/pg/data" ] || die "BENCH_CLUSTER=$tmp holds no cluster (pg/data)"
	keep=1
else
	tmp=$(mktemp -d /tmp/fieldd-dispatch-bench.XXXXXX)
fi
chmod 755 "$tmp"
pgdir=$tmp/pg # cluster directory; also the unix socket directory
pgdata=$pgdir/data
pgport=54339 # names the socket file only: no TCP listener
if [ -f "$pgdata/postgresql.conf" ]; then # a reused cluster keeps its port
	p=$(sed -n 's/^port = \([0-9]*\).*/\1/p' "$pgdata/postgresql.conf" | tail -n 1)
	pgport=${p:-$pgport}
fi
logs=$tmp/logs
rm -rf "$logs"
mkdir -p "$logs"

# ------------------------------------------------------------- postgresql --
if [ ! -d "$pgdata" ]; then
	mkdir "$pgdir"
	own "$pgdir"
	chmod 700 "$pgdir"
	as_pg "$PGBIN/initdb" -D "$pgdata" -E UTF8 --locale=C -A trust -U postgres >"$logs/initdb.log" 2>&1 ||
		{
			tail -n 5 "$logs/initdb.log" >&2
			die "initdb failed"
		}
	cat >>"$pgdata/postgresql.conf" <<EOF

# --- tests/bench/dispatch.sh ---
listen_addresses = ''
unix_socket_directories = '$pgdir'
port = $pgport
max_connections = 40
shared_buffers = $SHARED_BUFFERS
work_mem = 16MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
checkpoint_timeout = 30min
fsync = on
synchronous_commit = on  # the intakes commit durably; the load turns it off for itself
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
log_min_messages = warning
EOF
fi
as_pg "${SUT[@]}" "$PGBIN/pg_ctl" -D "$pgdata" -l "$pgdir/postgresql.log" -w -t 120 start >/dev/null ||
	{
		tail -n 5 "$pgdir/postgresql.log" >&2
		die "PostgreSQL did not start"
	}
pm_pid=$(head -n 1 "$pgdata/postmaster.pid")

[ "$(psql_su -d postgres -c "SELECT count(*) FROM pg_roles WHERE rolname = 'fieldd'")" = 1 ] ||
	psql_su -d postgres -c 'CREATE ROLE fieldd LOGIN'


http_port=18180
while port_busy "$http_port"; do
	http_port=$((http_port + 1))
	[ "$http_port" -lt 19000 ] || die "no free loopback port in 18180-18999"
done
base=http://127.0.0.1:$http_port


# ---------------------------------------------------------- the statement --
# A DB_STMT's SQL from server/db/*.c, rebuilt from its C string literals.
c_stmt() { # name file
	awk -v n="DB_STMT($1," 'index($0, n) { f = 1 } f { print } f && /\);/ { exit }' "$2" |
		sed "s/DB_STMT($1,//" | grep -oE '"([^"\\]|\\.)*"' | sed 's/^"//; s/"$//' | tr -d '\n'
}
# pg_visit_list runs q_visit_list_person for one person's window (GET /me/visits),
# q_visit_list otherwise (and for every call before that statement existed)
visit_stmt=q_visit_list_person
grep -q "DB_STMT($visit_stmt," server/db/pg_visits.c || visit_stmt=q_visit_list
visit_sql=$(c_stmt "$visit_stmt" server/db/pg_visits.c)
[[ $visit_sql == SELECT*visit_doc*FROM\ visits* ]] ||
	die "cannot read $visit_stmt from server/db/pg_visits.c (got: $visit_sql)"
maxp=$(grep -oE '\$[0-9]+' <<<"$visit_sql" | tr -d '$' | sort -n | tail -n 1)
[ "$maxp" = 8 ] || die "$visit_stmt takes $maxp parameters, not 8: update the parameters in tests/bench/dispatch.sh"
# pgbench -M prepared turns :pN into parameters, sent as text like fieldd's; $1,
# the page cursor (a visit id), is NULL on the first page, which pgbench cannot send:
# NULL::bigint
[[ $visit_sql == *'$1::bigint IS NULL'* ]] ||
	die "$visit_stmt's \$1 is no longer the id cursor: update tests/bench/dispatch.sh"
sed -E 's/\$1::bigint/NULL::bigint/g; s/\$1([^0-9])/NULL::bigint\1/g; s/\$([0-9]+)/:p\1/g' <<<"$visit_sql" \
	>"$logs/visit_list.sql"
echo >>"$logs/visit_list.sql"

# ------------------------------------------------------------- accounting --
# measure OUT CMD...: runs CMD, records m_srv m_pg m_cl (ticks), m_cpu (per-CPU
# busy %) and m_other (CPU of other processes, % of one CPU).
measure() {
	local out=$1 i a b children0 srv0 pg0 cl0
	shift
	times >"$tmp/times"
	srv0=$( [ -n "$server_pid" ] && proc_ticks "$server_pid" || echo 0)
	children0=$(pgrep -c -P "$pm_pid" || true)
	pg0=$(pg_ticks)
	cl0=$(children_ticks)
	a=$(cpu_busy)
	run_load "$@" >"$out" 2>&1 || {
		cat "$out" >&2
		die "$* failed"
	}
	b=$(cpu_busy)
	for i in $(seq 1 50); do
		[ "$(pgrep -c -P "$pm_pid" || true)" -gt "$children0" ] || break
		sleep 0.1
	done
	times >"$tmp/times"
	m_srv=$(( $( [ -n "$server_pid" ] && proc_ticks "$server_pid" || echo 0) - srv0))
	m_pg=$(($(pg_ticks) - pg0))
	m_cl=$(($(children_ticks) - cl0))
	m_cpu=$(awk -v a="$a" -v b="$b" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i += 3) {
			bt = y[i + 1] - x[i + 1]; tt = y[i + 2] - x[i + 2]
			printf "%s%s:%.0f%%", (i > 1 ? "," : ""), x[i], (tt > 0 ? 100 * bt / tt : 0)
		} }')
	m_other=$(awk -v a="$a" -v b="$b" -v ours=$((m_srv + m_pg + m_cl)) 'BEGIN {
		n = split(a, x, " "); split(b, y, " "); bt = 0; tt = 0
		for (i = 1; i <= n; i += 3) { bt += y[i + 1] - x[i + 1]; tt += y[i + 2] - x[i + 2] }
		o = bt - ours; if (o < 0) o = 0
		printf "%.0f", (tt > 0 ? 100 * o / (tt / (n / 3)) : 0) }')
}


# results: one line per measured run
#   size round kind rps requests p50_us p90_us p99_us max_us errors srv pg cl cpu other
results=$tmp/results
: >"$results"
record() { # kind rps requests p50 p90 p99 max errors
	printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$size" "$round" "$1" "$2" "$3" "$4" \
		"$5" "$6" "$7" "$8" "$m_srv" "$m_pg" "$m_cl" "$m_cpu" "$m_other" >>"$results"
}

server_check() {
	local st=0
	kill -0 "$server_pid" 2>/dev/null && return 0
	wait "$server_pid" || st=$?
	server_pid=""
	tail -n 5 "$logs/fieldd_$size.log" >&2
	die "fieldd exited (status $st) during $1"
}

start_server() { # pin: 1 = on CPU1 (if BENCH_PIN), 0 = anywhere
	local pin=$1 i
	local sut=()
	[ "$pin" = 0 ] || sut=("${SUT[@]}")
	FIELDD_LISTEN=127.0.0.1:$http_port FIELDD_THREADS=$N FIELDD_LOG_LEVEL=warn \
		"${sut[@]}" "$BIN" serve >>"$logs/fieldd_$size.log" 2>&1 &
	server_pid=$!
	for i in $(seq 1 100); do
		curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && return 0
		kill -0 "$server_pid" 2>/dev/null || {
			cat "$logs/fieldd_$size.log" >&2
			die "fieldd serve exited"
		}
		sleep 0.1
	done
	die "fieldd did not answer /healthz within 10 s"
}

# the postmaster and every backend on CPU1 (pinned) or on any CPU
pin_postgres() { # 1|0
	local p cpus=0-$((NCPU - 1))
	[ "$1" = 0 ] || [ "$PIN" = 0 ] || cpus=1
	for p in "$pm_pid" $(pgrep -P "$pm_pid" || true); do
		taskset -a -p -c "$cpus" "$p" >/dev/null 2>&1 || true
	done
}

login() { # login -> token
	local out tok
	out=$(curl -sS -X POST -H 'Content-Type: application/json' \
		--data "{\"login\":\"$1\",\"password\":\"$password\"}" "$base/api/v1/session")
	tok=$(printf '%s' "$out" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
	[ -n "$tok" ] || die "login as $1 failed: $out"
	printf '%s' "$tok"
}

# --------------------------------------------------------------- the runs --
intake_cleanup() { # deletes what the intake runs made, so every run starts alike
	psql_su -d "$db" >/dev/null <<EOF
SET session_replication_role = replica;
DELETE FROM notifications WHERE ticket_id > $max_ticket;
DELETE FROM audit_events WHERE ticket_id > $max_ticket;
DELETE FROM tickets WHERE id > $max_ticket;
DELETE FROM idempotency_keys;
DO \$\$ BEGIN
    IF to_regclass('report_tickets') IS NOT NULL THEN
        DELETE FROM report_tickets WHERE ticket_id > $max_ticket;
    END IF;
END \$\$;
EOF
	psql_su -d "$db" -c "SELECT setval('ticket_number_seq', $max_ticket)" >/dev/null
	psql_su -d "$db" -c 'VACUUM ANALYZE tickets, notifications, audit_events' >/dev/null
}

metric() { # name regex -> sum of fieldd's counter lines matching
	curl -fsS "$base/metrics" | awk -v re="$1" '$0 ~ re && $1 !~ /^#/ { n += $NF } END { printf "%d\n", n }'
}

run_wrk() { # kind path connections script [header]
	local kind=$1 path=$2 conns=$3 script=$4 hdr=() out req dur errs k r0 r1 bad0 bad1
	[ $# -ge 5 ] && hdr=(-H "$5")
	run_load "${LOAD[@]}" wrk -t1 -c"$conns" -d"${WARMUP}s" -s "$script" "${hdr[@]}" "$base$path" \
		>"$logs/warmup_${kind}.txt" 2>&1 || die "wrk warm-up on $path failed"
	server_check "the warm-up for $kind"
	[[ $kind != intake* ]] || intake_cleanup
	out=$logs/wrk_${size}_${kind}_$round.txt
	r0=$(metric '^fieldd_db_tx_retries_total')
	bad0=$(metric "^fieldd_http_requests_total[{].*route=\"$path\",status=\"[^2]")
	measure "$out" "${LOAD[@]}" wrk -t1 -c"$conns" -d"${SECONDS_RUN}s" --latency -s "$script" \
		"${hdr[@]}" "$base$path"
	server_check "the measured run $kind"
	r1=$(metric '^fieldd_db_tx_retries_total')
	bad1=$(metric "^fieldd_http_requests_total[{].*route=\"$path\",status=\"[^2]")
	# fieldd's own view: transactions retried (serialization failures, deadlocks) and
	# the statuses other than 2xx, e.g. 503 after the retries ran out
	curl -fsS "$base/metrics" | grep -E "^fieldd_http_requests_total[{].*route=\"$path\"" |
		sed "s/^/$size $round $kind /" >>"$tmp/statuses"
	echo "$size $round $kind $((r1 - r0)) $((bad1 - bad0))" >>"$tmp/retries"
	req=$(bench_val "$out" requests)
	dur=$(bench_val "$out" duration_us)
	[ -n "$req" ] && [ "$req" -gt 0 ] || {
		cat "$out" >&2
		die "wrk on $path reported no requests"
	}
	errs=0
	for k in non2xx connect read write timeout; do
		errs=$((errs + $(bench_val "$out" $k)))
	done
	record "$kind" "$(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.0f", r * 1e6 / d }')" "$req" \
		"$(bench_val "$out" p50_us)" "$(bench_val "$out" p90_us)" "$(bench_val "$out" p99_us)" \
		"$(bench_val "$out" max_us)" "$errs"
	if [[ $kind == intake* ]]; then
		made=$(psql_su -d "$db" -c "SELECT count(*) FROM tickets WHERE id > $max_ticket")
		echo "$size $round $kind $made" >>"$tmp/intake_made"
		intake_cleanup
	fi
}

run_pgbench() {
	local args=(-n -M prepared -c "$N" -j 1 -f "$logs/visit_list.sql"
		-D "p2=101" -D "p3=$eng_id" -D "p4=$day_from" -D "p5=$day_to"
		-D "p6=$eng_id" -D "p7=engineer" -D "p8=$eng_team"
		-h "$pgdir" -p "$pgport" -U fieldd "$db")
	local out=$logs/pgbench_${size}_$round.txt req tps errs p50 p90 p99 mx
	run_load "${LOAD[@]}" "$PGBIN/pgbench" "${args[@]}" -T "$WARMUP" >"$logs/pgbench_warmup.txt" 2>&1 || {
		cat "$logs/pgbench_warmup.txt" >&2
		die "pgbench warm-up failed"
	}
	rm -f "$tmp"/pgblog.*
	measure "$out" "${LOAD[@]}" "$PGBIN/pgbench" "${args[@]}" -T "$SECONDS_RUN" -l --log-prefix="$tmp/pgblog"
	req=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$out")
	[ -n "$req" ] && [ -n "$tps" ] || die "cannot read pgbench's output"
	errs=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
	read -r p50 p90 p99 mx < <(cat "$tmp"/pgblog.* | awk '{ print $3 }' | sort -n | awk '{ a[NR] = $1 } END {
		i50 = int(NR * 0.50 + 0.999999); i90 = int(NR * 0.90 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
		print a[i50 < 1 ? 1 : i50], a[i90 < 1 ? 1 : i90], a[i99 < 1 ? 1 : i99], a[NR] }')
	rm -f "$tmp"/pgblog.*
	record pgbench "$(printf '%.0f' "$tps")" "$req" "$p50" "$p90" "$p99" "$mx" "${errs:-0}"
}

run_report() { # every answer counts, a 503 (statement_timeout) as an error
	local i t code errs=0 out=$logs/report_${size}_$round.txt
	local url="$base/api/v1/reports/service-standards?from=$month_from&to=$month_to"
	: >"$out"
	code=$(curl -sS -o "$logs/report_${size}.json" -w '%{http_code}' -H "Authorization: Bearer $tok_disp" "$url")
	[ "$code" = 200 ] || say "the report answered $code: $(head -c 300 "$logs/report_${size}.json")"
	for i in $(seq 1 "$REPORT_N"); do
		t=$("${LOAD[@]}" curl -sS -o /dev/null -w '%{http_code} %{time_total}' \
			-H "Authorization: Bearer $tok_disp" "$url")
		[ "${t%% *}" = 200 ] || errs=$((errs + 1))
		awk -v s="${t#* }" 'BEGIN { printf "%d\n", s * 1e6 }' >>"$out"
	done
	sort -n "$out" | awk -v sz="$size" -v r="$round" -v e="$errs" '{ a[NR] = $1 } END {
		m = (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)
		printf "%s %s report - %d %d - - %d %d - - - - -\n", sz, r, NR, m, a[NR], e }' >>"$tmp/report_times"
}

explain_report() {
	psql_su -d "$db" -c "SET TimeZone = 'Asia/Seoul'" \
		-c "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM service_report('$month_from_ts', '$month_to_ts', NULL, NULL)" \
		>"$logs/explain_report_$size.txt"
	psql_su -d "$db" -c "SET TimeZone = 'Asia/Seoul'" \
		-c "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM checklist_failures('$month_from_ts', '$month_to_ts', NULL, NULL, 20)" \
		>"$logs/explain_failures_$size.txt"
}

# --------------------------------------------------------------- per size --
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
: >"$tmp/report_times"
: >"$tmp/intake_made"
: >"$tmp/retries"
: >"$tmp/statuses"
: >"$tmp/checks"
: >"$tmp/sizes"
# the last full calendar month in Asia/Seoul
month_from=$(TZ=Asia/Seoul date -d "$(TZ=Asia/Seoul date +%Y-%m-01) -1 month" +%Y-%m-%d)
month_to=$(TZ=Asia/Seoul date -d "$(TZ=Asia/Seoul date +%Y-%m-01) -1 day" +%Y-%m-%d)
month_from_ts="$month_from 00:00:00+09"
month_to_ts="$(TZ=Asia/Seoul date -d "$month_to +1 day" +%Y-%m-%d) 00:00:00+09"

for size in $SIZES; do
	db=bench_$size
	export DATABASE_URL="postgresql:///$db?host=$(urlenc "$pgdir")&port=$pgport&user=fieldd"
	pin_postgres 0
	loaded=0
	if [ "$(psql_su -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 1 ]; then
		if [ "$(psql_su -d "$db" -c "SELECT to_regclass('tickets') IS NOT NULL")" = t ] &&
			[ "$(psql_su -d "$db" -c "SELECT count(*) >= $size FROM tickets")" = t ]; then
			loaded=1
		else
			psql_su -d postgres -c "DROP DATABASE $db"
		fi
	fi
	[ "$loaded" = 1 ] || psql_su -d postgres -c "CREATE DATABASE $db OWNER fieldd"
	"$BIN" migrate >"$logs/migrate_$size.log" 2>&1 || {
		cat "$logs/migrate_$size.log" >&2
		die "fieldd migrate failed"
	}
	if [ "$loaded" = 0 ]; then
		printf '%s\n' "$password" | "$BIN" user add --login bench --role admin --name Bench >/dev/null ||
			die "fieldd user add failed"
		say "loading $size tickets into $db"
		t0=$(date +%s)
		psql_su -d "$db" -v tickets="$size" -f "$bench/dispatch_data.sql" >"$logs/load_$size.log" 2>&1 || {
			tail -n 20 "$logs/load_$size.log" >&2
			die "loading the data failed"
		}
		psql_su -d "$db" -c 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null
		say "loaded in $(($(date +%s) - t0)) s"
	else
		# a reused database: every account gets this run's password
		hash=$(printf '%s\n' "$password" | "$BIN" user add --login "pw$$" --role engineer --name x >/dev/null &&
			psql_su -d "$db" -c "SELECT password_hash FROM users WHERE login = 'pw$$'")
		psql_su -d "$db" -c "UPDATE users SET password_hash = '$hash'" \
			-c "DELETE FROM users WHERE login = 'pw$$'" >/dev/null
		psql_su -d "$db" -c 'VACUUM ANALYZE' >/dev/null
	fi
	max_ticket=$(psql_su -d "$db" -c 'SELECT max(id) FROM tickets')
	psql_su -d "$db" -c 'SET client_min_messages = warning' \
		-c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
	counts=$(psql_su -d "$db" -F ' ' -c "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM visits),
		(SELECT count(*) FROM checklist_answers), (SELECT count(*) FROM notifications),
		(SELECT count(*) FROM audit_events),
		(SELECT count(*) FROM tickets WHERE created_at >= '$month_from_ts' AND created_at < '$month_to_ts'),
		(SELECT count(*) FROM visits WHERE starts_at >= '$month_from_ts' AND starts_at < '$month_to_ts'),
		pg_size_pretty(pg_database_size('$db'))")
	echo "$size $counts" >>"$tmp/sizes"

	# the engineer: the one with most visits today
	read -r eng_login eng_id eng_team eng_today < <(psql_su -d "$db" -F ' ' -c "
		SELECT u.login, u.id, u.team_id, count(*) FROM visits v JOIN users u ON u.id = v.engineer_id
		WHERE (v.starts_at AT TIME ZONE 'Asia/Seoul')::date = (now() AT TIME ZONE 'Asia/Seoul')::date
		GROUP BY u.login, u.id, u.team_id ORDER BY count(*) DESC, u.id LIMIT 1")
	[ -n "${eng_id:-}" ] || die "no engineer has visits today in $db"
	day=$(TZ=Asia/Seoul date +%Y-%m-%d)
	day_from="${day}T00:00:00+09:00"
	day_to="$(TZ=Asia/Seoul date -d "$day +1 day" +%Y-%m-%d)T00:00:00+09:00"

	# intake data for wrk: a sample of devices with their owners, codes per kind
	psql_su -d "$db" >"$tmp/intake_data.lua" <<'EOF'
SELECT 'devices = {' || string_agg(format('{%s,%s,"%s"}', id, customer_id, kind), ',') || '}'
FROM (SELECT id, customer_id, kind FROM devices ORDER BY hashint8(id) LIMIT 20000) d;
SELECT 'codes = {' || string_agg(format('%s={%s}', kind, c), ',') || '}' FROM (
  SELECT kind, string_agg(format('"%s"', code), ',' ORDER BY code) AS c FROM (VALUES
   ('desktop', '{NO_BOOT,SLOW,NETWORK,DISPLAY,OS_ERROR,MALWARE,PERIPHERAL,POWER,SOFTWARE,ACCOUNT,HARDWARE}'),
   ('laptop', '{NO_BOOT,SLOW,NETWORK,DISPLAY,OS_ERROR,MALWARE,PERIPHERAL,POWER,SOFTWARE,ACCOUNT,HARDWARE}'),
   ('server', '{NO_BOOT,SLOW,NETWORK,OS_ERROR,HARDWARE,POWER,SOFTWARE,ACCOUNT}'),
   ('printer', '{PRINT_JAM,PRINT_QUALITY,NETWORK,POWER,HARDWARE,SOFTWARE}'),
   ('monitor', '{DISPLAY,POWER,HARDWARE,PERIPHERAL}'),
   ('network', '{NETWORK,POWER,HARDWARE,SOFTWARE}'),
   ('scanner', '{PERIPHERAL,SOFTWARE,HARDWARE,NETWORK,POWER}'),
   ('phone', '{NETWORK,POWER,HARDWARE,ACCOUNT}'),
   ('other', '{PERIPHERAL,POWER,HARDWARE}')) AS k(kind, codes), unnest(codes::text[]) AS code
  GROUP BY kind) x;
EOF
	export BENCH_INTAKE_DATA=$tmp/intake_data.lua

	for round in $(seq 1 "$ROUNDS"); do
		say "$size tickets, round $round: intake (pinned), intake (unpinned), me/visits, pgbench, report, healthz"
		# (i) intake, pinned: fieldd + postgres on CPU1, wrk on CPU0
		pin_postgres 1
		start_server 1
		tok_disp=$(login dispatcher)
		export BENCH_TOKEN=$tok_disp
		run_wrk intake_pinned /api/v1/tickets "$N" "$bench/intake.lua"
		stop_server
		# (i') intake on the whole machine
		pin_postgres 0
		start_server 0
		tok_disp=$(login dispatcher)
		export BENCH_TOKEN=$tok_disp
		saved_load=("${LOAD[@]}")
		LOAD=()
		run_wrk intake /api/v1/tickets "$N" "$bench/intake.lua"
		LOAD=("${saved_load[@]}")
		stop_server

		# (ii)-(v) pinned
		pin_postgres 1
		start_server 1
		tok_disp=$(login dispatcher)
		tok_eng=$(login "$eng_login")
		# the API's visits for the day = the statement's, with the parameters pgbench gets
		api_ids=$(curl -fsS -H "Authorization: Bearer $tok_eng" "$base/api/v1/me/visits" |
			/usr/bin/python3 -c 'import json,sys; print(" ".join(str(i["id"]) for i in json.load(sys.stdin)["items"]))')
		sql_ids=$(psql_su -d "$db" -c "SET TimeZone = 'Asia/Seoul'" \
			-c "PREPARE q AS $visit_sql" \
			-c "EXECUTE q(NULL, '101', '$eng_id', '$day_from', '$day_to', '$eng_id', 'engineer', '$eng_team')" |
			awk -F'|' '{ n = split($1, k, "_"); printf "%s%s", (NR > 1 ? " " : ""), k[n] }')
		[ -n "$api_ids" ] && [ "$api_ids" = "$sql_ids" ] ||
			die "GET /me/visits gave visits [$api_ids], the pgbench statement [$sql_ids]"
		run_wrk me_visits /api/v1/me/visits "$N" "$bench/wrk_summary.lua" "Authorization: Bearer $tok_eng"
		run_pgbench
		run_report
		run_wrk healthz /healthz "$N" "$bench/wrk_summary.lua"
		stop_server
	done
	pin_postgres 0
	explain_report
	# the report from the facts tables against migration 0003's definitions on the raw rows
	if [ "${BENCH_CHECK:-1}" = 1 ] &&
		[ "$(psql_su -d "$db" -c "SELECT to_regclass('report_visits') IS NOT NULL")" = t ]; then
		say "$size tickets: comparing the report with the definitions of migration 0003"
		if bash "$bench/report_check.sh" "$PGBIN/psql -X -h $pgdir -p $pgport -U postgres -d $db" \
			"$month_from_ts" "$month_to_ts" >"$logs/report_check_$size.txt" 2>&1; then
			echo "$size same" >>"$tmp/checks"
		else
			cat "$logs/report_check_$size.txt" >&2
			echo "$size DIFFERENT" >>"$tmp/checks"
		fi
	fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------ report --
cat "$tmp/report_times" >>"$results"
pick() { # size kind -> median round by req/s (report: by median time); sets the r_* fields
	local line
	line=$(awk -v s="$1" -v k="$2" '$1 == s && $3 == k' "$results" | sort -k4,4n -k6,6n |
		awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
	read -r _ _ _ r_rps r_req r_p50 r_p90 r_p99 r_max r_err r_srv r_pg r_cl r_cpu r_other <<<"$line"
	r_errs=$(awk -v s="$1" -v k="$2" '$1 == s && $3 == k && $10 != "-" { n += $10 } END { print n + 0 }' "$results")
}
ms() { [ "$1" = - ] && echo - || awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
us_per() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0) }'; }

table() {
	local s k label
	printf '| tickets | run | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | retried | CPU µs/req fieldd | postgres | CPU busy | others %% |\n'
	printf '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n'
	for s in $SIZES; do
		for k in intake_pinned intake me_visits pgbench healthz; do
			pick "$s" "$k"
			local retried
			retried=$(awk -v s="$s" -v k="$k" '$1 == s && $3 == k { n += $4; f = 1 } END { print f ? n : "–" }' "$tmp/retries")
			case $k in
			intake_pinned) label='(i) `POST /tickets`, pinned' ;;
			intake) label="(i') \`POST /tickets\`, whole machine" ;;
			me_visits) label='(ii) `GET /me/visits`' ;;
			pgbench) label='(iii) pgbench, same SQL' ;;
			healthz) label='(v) `GET /healthz`' ;;
			esac
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$s" "$label" "$r_rps" \
				"$(ms "$r_p50")" "$(ms "$r_p90")" "$(ms "$r_p99")" "$(ms "$r_max")" "$r_errs" "$retried" \
				"$([ "$k" = pgbench ] && echo – || us_per "$r_srv" "$r_req")" "$(us_per "$r_pg" "$r_req")" \
				"${r_cpu//,/ }" "$r_other"
		done
		pick "$s" report
		printf '| %s | (iv) report, one month, %s sequential requests | – | %s (median) | – | – | %s | %s | – | – | – | – | – |\n' \
			"$s" "$REPORT_N" "$(ms "$r_p50")" "$(ms "$r_max")" "$r_errs"
	done
}

verdicts=()
summary=()
big=$(tr ' ' '\n' <<<"$SIZES" | sort -n | tail -n 1)
small=$(tr ' ' '\n' <<<"$SIZES" | sort -n | head -n 1)
pick "$big" intake
i_rps=$r_rps i_p99=$r_p99 i_err=$r_errs
pick "$big" intake_pinned
ip_rps=$r_rps ip_p99=$r_p99
pick "$small" intake
s_p99=$r_p99
pick "$small" intake_pinned
sp_p99=$r_p99
pick "$big" me_visits
mv_rps=$r_rps
pick "$big" pgbench
pgb_rps=$r_rps
pick "$big" report
rep_med=$r_p50 rep_max=$r_max rep_err=$r_errs
r_visits=$(ratio "$mv_rps" "$pgb_rps")
r_p99=$(ratio "$i_p99" "$s_p99")
r_p99p=$(ratio "$ip_p99" "$sp_p99")
yn() { awk "BEGIN { print ($1) ? \"met\" : \"NOT met\" }"; }
v1=$(yn "$i_rps >= 1000 && $i_p99 < 50000 && $i_err == 0")
v2=$(yn "$r_p99 <= 1.5")
v3=$(yn "$r_visits >= 0.5")
v4=$(yn "$rep_med < 300000 && $rep_err == 0")
summary+=("intake at $big tickets (whole machine): $i_rps/s, p99 $(ms "$i_p99") ms, $i_err errors — aim ≥ 1,000/s with p99 < 50 ms: **$v1** (pinned, fieldd + postgres on one CPU: $ip_rps/s, p99 $(ms "$ip_p99") ms)")
summary+=("intake p99 at $big vs $small tickets: $(ms "$i_p99") / $(ms "$s_p99") ms = ${r_p99}× (pinned: ${r_p99p}×) — aim ≤ 1.5×: **$v2**")
summary+=("me/visits vs pgbench at $big tickets: $mv_rps / $pgb_rps = ${r_visits} — aim ≥ 0.5: **$v3**")
summary+=("report, $month_from to $month_to over $big tickets: median $(ms "$rep_med") ms, max $(ms "$rep_max") ms, $rep_err errors — aim < 300 ms: **$v4**")

when=$(date -u '+%Y-%m-%d %H:%M UTC')
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD -- server include migrations 2>/dev/null ||
	commit="$commit + uncommitted changes under server/ include/ migrations/"
pg_version=$("$PGBIN/postgres" --version | sed 's/^postgres (PostgreSQL) //')
cmd="sh tests/bench/dispatch.sh"
for v in BENCH_SIZES BENCH_SECONDS BENCH_WARMUP BENCH_THREADS BENCH_PIN BENCH_ROUNDS BENCH_REPORT_REQUESTS FIELDD_THREADS; do
	[ -z "${!v:-}" ] || cmd="$v=\"${!v}\" $cmd"
done
others=$(awk '$15 != "-" { printf "%s%s", (n++ ? "/" : ""), $15 }' "$results")
noisy=$(tr '/' '\n' <<<"$others" | awk '$1 > m { m = $1 } END { if (m > 25) print m }')
exec_time() { sed -n 's/^ *Execution Time: \(.*\) ms$/\1/p' "$1" | head -n 1; }

echo
echo "fieldd dispatch benchmark — $when, commit $commit"
echo "machine: $NCPU CPUs, $cpu_model; $pin_text (intake also unpinned)"
echo "N = $N (fieldd threads = DB connections = wrk -c = pgbench -c); ${SECONDS_RUN} s per run after ${WARMUP} s warm-up; $ROUNDS round(s)"
echo
table | grep -v '^|---' | sed 's/^| //; s/ |$//; s/ | /\t/g' | column -t -s "$(printf '\t')"
echo
for l in "${summary[@]}"; do echo "- ${l//\*\*/}"; done
for s in $SIZES; do
	echo "- service_report() EXPLAIN ANALYZE at $s tickets: $(exec_time "$logs/explain_report_$s.txt") ms; checklist_failures(): $(exec_time "$logs/explain_failures_$s.txt") ms"
done
[ ! -s "$tmp/checks" ] || echo "- report from the facts vs migration 0003's definitions: $(tr '\n' ' ' <"$tmp/checks")"
echo "- load average before/after: $load_before / $load_after; CPU of other processes per run: $others % of one CPU"
[ -z "$noisy" ] || say "WARNING: other processes used up to $noisy% of a CPU during the runs; the figures are disturbed"
if grep -q DIFFERENT "$tmp/checks"; then
	say "INVALID RUN: the report from the facts differs from migration 0003's (see $logs/report_check_*.txt)"
	keep=1
	exit 1
fi
[ "$DOC" = - ] && exit 0

section=$tmp/section.md
{
	echo '<!-- bench:dispatch:begin (written by tests/bench/dispatch.sh; edits here are overwritten) -->'
	echo '## Dispatch: intake, an engineer'"'"'s day, the service-standards report (issue 3 item 10, issue 4 item 4)'
	echo
	for l in "${summary[@]}"; do echo "- $l"; done
	echo
	echo "- Command: \`$cmd\` after \`cmake --preset release && cmake --build --preset release -j2\`"
	echo "- Date: $when; commit $commit"
	echo "- Machine: $NCPU CPUs (\`nproc\`), $cpu_model, shared with other developers' work: load average before/after $load_before / $load_after; CPU used by other processes during each run (% of one CPU, in table order): $others${noisy:+ — **disturbed**}"
	echo "- Software: PostgreSQL $pg_version (shared_buffers $SHARED_BUFFERS, fsync and synchronous_commit on), wrk, pgbench; fieldd release preset (RelWithDebInfo, \`-O2 -g\`)"
	echo "- Parameters: N = $N — \`FIELDD_THREADS=$N\`, \`wrk -t1 -c$N --latency\`, \`pgbench -n -M prepared -c $N -j 1\`; ${SECONDS_RUN} s per run after ${WARMUP} s warm-up; $ROUNDS round(s)$([ "$ROUNDS" -eq 1 ] || echo ', the median round of each kind shown'); $pin_text, except (i') where fieldd, postgres and wrk share both CPUs"
	echo "- Data (\`tests/bench/dispatch_data.sql\`): 5 teams, 45 engineers + 5 leads, 50,000 customers, 100,000 devices; per size:"
	echo
	echo "  | tickets | visits | checklist answers | notifications | audit events | tickets created in the month | visits in the month | database |"
	echo "  |---:|---:|---:|---:|---:|---:|---:|---:|"
	while read -r s t v a n e tm vm sz; do
		echo "  | $s | $t | $v | $a | $n | $e | $tm | $vm | $sz |"
	done <"$tmp/sizes"
	echo
	echo "- (i) intake: \`tests/bench/intake.lua\` posts a ticket for one of 20,000 sampled devices (its owner reporting, a fault code that fits its kind, 15 % with a priority); every request is a new ticket with its repeat count, proposal, audit event and, when escalated, the lead's notification; the tickets a run made are deleted afterwards (counts: $(awk '{ printf "%s%s %s: %s", (NR > 1 ? "; " : ""), $1, $3, $4 }' "$tmp/intake_made"))"
	echo "- (ii)/(iii) \`GET /api/v1/me/visits\` as $eng_login ($eng_today visits today) against pgbench running \`$visit_stmt\` (the statement \`pg_visit_list()\` runs for it) from \`server/db/pg_visits.c\` with the parameters fieldd sends (checked: the statement returns the visits the API returned); the first page's cursor \`\$1\` is NULL, which pgbench cannot send as a parameter, so the script has \`NULL::bigint\` in its place:"
	echo
	echo '  ```sql'
	sed 's/^/  /' "$logs/visit_list.sql"
	echo '  ```'
	echo
	echo "- (iv) \`GET /api/v1/reports/service-standards?from=$month_from&to=$month_to\` (JSON, with the checklist failures) as the dispatcher, $REPORT_N requests one after another; \`EXPLAIN ANALYZE\` in psql: $(for s in $SIZES; do printf '%s tickets: service_report() %s ms, checklist_failures() %s ms; ' "$s" "$(exec_time "$logs/explain_report_$s.txt")" "$(exec_time "$logs/explain_failures_$s.txt")"; done)"
	echo
	table
	echo
	if [ "$ROUNDS" -gt 1 ]; then
		echo "- Every round (req/s, p99 ms): $(for sz in $SIZES; do for k in intake_pinned intake me_visits pgbench; do
			printf '%s %s: %s; ' "$sz" "$k" "$(awk -v s="$sz" -v k="$k" '$1 == s && $3 == k { printf "%s%s/%.1f", (n++ ? ", " : ""), $4, $8 / 1000 }' "$results")"
		done; printf '%s report median ms: %s; ' "$sz" "$(awk -v s="$sz" '$1 == s && $3 == "report" { printf "%s%.1f", (n++ ? ", " : ""), $6 / 1000 }' "$results")"; done)"
	fi
	echo "- errors: wrk's non-2xx and socket errors; retried: transactions fieldd ran again after a serialization failure or deadlock (\`fieldd_db_tx_retries_total\`); CPU µs/req: CPU time of the fieldd process and of all postgres processes during the run, per request; CPU busy: each CPU's busy share during the run, whoever used it; others: CPU time of processes that are not ours, in % of one CPU"
	if [ -s "$tmp/checks" ]; then
		echo "- Correctness: \`tests/bench/report_check.sh\` compared \`service_report()\` and \`checklist_failures()\` (read from the report facts) with the definitions of \`migrations/0003_checklists.sql\` (read from the raw tables), row by row and in order, for the month, a team, an engineer, a lead, odd hours at both ends, six hours, the last 30 days and the last 366 days: $(tr '\n' ' ' <"$tmp/checks")"
	fi
	echo '<!-- bench:dispatch:end -->'
} >"$section"

if [ ! -f "$DOC" ]; then
	mkdir -p "$(dirname "$DOC")"
	{
		echo '# Performance'
		echo
		echo 'Measured figures, each with the command that produced it. Sections between'
		echo '`<!-- bench:… -->` markers are rewritten by the benchmark scripts in `tests/bench/`.'
		echo
	} >"$DOC"
fi
if grep -q '^<!-- bench:dispatch:begin' "$DOC"; then
	awk -v f="$section" '
		/^<!-- bench:dispatch:begin/ { while ((getline l < f) > 0) print l; skip = 1; next }
		/^<!-- bench:dispatch:end/ { skip = 0; next }
		!skip { print }' "$DOC" >"$tmp/doc.new"
	cat "$tmp/doc.new" >"$DOC"
else
	{
		echo
		cat "$section"
	} >>"$DOC"
fi
say "wrote $DOC"
