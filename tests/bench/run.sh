#!/bin/sh
# fieldd benchmark: the session lookup behind every authenticated request
# (issue 2, item 11). Not run by ctest; `make bench` builds the release preset
# and runs this script.
#
# In one run, against a throwaway PostgreSQL cluster of its own:
#   (a)  wrk   GET /healthz                     the HTTP ceiling, no database
#   (b)  wrk   GET /api/v1/me (Bearer token)    one session lookup per request
#   (b') the same with 4N connections           queueing; not in the ratio
#   (c)  pgbench -M prepared, the exact SQL fieldd runs for (b)
#        (q_session_user in server/db/pg_sessions.c, extracted from the
#        source; pg_stat_statements must show one queryid for both), as many
#        clients as fieldd has database connections, same unix socket.
# Aim (issue 2): (b) >= 0.5 x (c). Results go to stdout and to
# docs/performance.md (the section between the bench:session-lookup markers;
# the rest of the file is kept). A run with errors writes nothing and exits 1.
#
# Besides req/s and latency it reports, per run, the CPU time per request of
# fieldd, postgres and the load generator, each CPU's busy share, the CPU
# other processes on the machine took (a shared machine disturbs the figures),
# and how the work spread over fieldd's worker threads.
#
# Environment:
#   BENCH_SECONDS=10   duration of each measured run
#   BENCH_WARMUP=3     warm-up seconds before each measured run
#   BENCH_THREADS=N    fieldd worker threads = DB connections = wrk/pgbench
#                      connections (default: FIELDD_THREADS, else 4)
#   BENCH_PIN=1|0      pin load generators to CPU0 and fieldd + postgres to
#                      CPU1 (default 1 when there are >= 2 CPUs)
#   BENCH_ROUNDS=1     repeat (a) (b) (b') (c) this many times; the report
#                      shows the median round of each
#   BENCH_QUEUE=1      0 skips (b')
#   BENCH_QUIET_WAIT=120 BENCH_MAX_OTHER=25   before each run, wait up to
#                      that many seconds for other processes to use less than
#                      that % of one CPU; runs above it are marked disturbed
#   BENCH_USERS=5000 BENCH_SESSIONS=20000   extra rows for realistic tables
#   BENCH_DOC=path     where to write the results ("-" = don't write)
#   BENCH_KEEP=1       keep the temp directory (logs) instead of removing it
#   FIELDD_BIN=path    fieldd binary (default build/release/fieldd)
#
# As root, missing Debian packages are installed with apt-get and PostgreSQL
# runs as the postgres system user; otherwise the script names what is
# missing and stops.

# `make bench` runs us with sh; the rest is bash.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -euo pipefail

me=bench
# say, die, bench_setup and the helpers shared with the other benchmark
. "$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)/lib.sh"

root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd -P)
cd "$root"

SECONDS_RUN=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-3}
N=${BENCH_THREADS:-${FIELDD_THREADS:-4}}
NUSERS=${BENCH_USERS:-5000}
NSESSIONS=${BENCH_SESSIONS:-20000}
DOC=${BENCH_DOC:-$root/docs/performance.md}
BIN=${FIELDD_BIN:-$root/build/release/fieldd}
NCPU=$(nproc 2>/dev/null || echo 1)
if [ -z "${BENCH_PIN:-}" ]; then
	if [ "$NCPU" -ge 2 ]; then PIN=1; else PIN=0; fi
else
	PIN=$BENCH_PIN
fi
for v in SECONDS_RUN WARMUP N NUSERS NSESSIONS; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
[ "$SECONDS_RUN" -ge 1 ] && [ "$N" -ge 1 ] && [ "$N" -le 64 ] || die "bad BENCH_SECONDS/BENCH_THREADS"
[ "$PIN" = 0 ] || [ "$NCPU" -ge 2 ] || die "BENCH_PIN=1 needs at least 2 CPUs"


# ------------------------------------------------------------ dependencies --
bench_setup

if [ ! -x "$BIN" ]; then
	[ -n "${FIELDD_BIN:-}" ] && die "FIELDD_BIN=$BIN is not executable"
	say "building the release preset"
	cmake --preset release >/dev/null
	cmake --build --preset release -j"$NCPU" >/dev/null
fi


# ----------------------------------------------------------------- cleanup --
tmp=""
load_pid=""
server_pid=""
pgdata=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	set +e
	[ -z "$load_pid" ] || kill -TERM "$load_pid" 2>/dev/null
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	if [ -n "$pgdata" ] && [ -f "$pgdata/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m immediate -w -t 30 stop >/dev/null 2>&1
	fi
	if [ -n "$tmp" ] && [ -d "$tmp" ]; then
		if [ "${BENCH_KEEP:-0}" = 1 ]; then
			say "kept $tmp"
		else
			rm -rf "$tmp"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

tmp=$(mktemp -d /tmp/fieldd-bench.XXXXXX)
chmod 755 "$tmp"
pgdir=$tmp/pg # cluster directory; also the unix socket directory
mkdir "$pgdir"
own "$pgdir"
chmod 700 "$pgdir"
pgdata=$pgdir/data
pgport=54329 # names the socket file only: no TCP listener

# -------------------------------------------------------- the session SQL --
# q_session_user from server/db/pg_sessions.c with PG_USER_COLS from
# include/fieldd/pg.h, rebuilt from the C string literals, so that pgbench
# runs what the server runs even after the source changes.
c_concat() { # stdin: C source fragment; $1: PG_USER_COLS text
	{ grep -oE '"([^"\\]|\\.)*"|PG_USER_COLS' || true; } | while IFS= read -r t; do
		if [ "$t" = PG_USER_COLS ]; then
			printf '%s' "$1"
		else
			t=${t#\"}
			printf '%s' "${t%\"}"
		fi
	done
}
cols=$(awk '/^#define PG_USER_COLS/ { f = 1 } f { print } f && !/\\$/ { exit }' include/fieldd/pg.h |
	c_concat "") || cols=""
sql=$(awk '/DB_STMT\(q_session_user,/ { f = 1 } f { print } f && /\);/ { exit }' server/db/pg_sessions.c |
	sed 's/DB_STMT(q_session_user,//' | c_concat "$cols") || sql=""
[[ $cols == u.id* ]] || die "cannot read PG_USER_COLS from include/fieldd/pg.h"
[[ $sql == SELECT*FROM\ sessions*token_hash\ =\ \$1* ]] ||
	die "cannot read q_session_user from server/db/pg_sessions.c (got: $sql)"
[[ $sql != *'$2'* ]] || die "q_session_user has more than one parameter; update tests/bench/run.sh"
printf '%s \\gset\n' "${sql//\$1/:token_hash}" >"$tmp/session.sql"

# ------------------------------------------------------------- postgresql --
say "PostgreSQL cluster in $pgdir"
as_pg "$PGBIN/initdb" -D "$pgdata" -E UTF8 --locale=C -A trust -U postgres >"$tmp/initdb.log" 2>&1 ||
	{
		tail -n 5 "$tmp/initdb.log" >&2
		die "initdb failed"
	}
cat >>"$pgdata/postgresql.conf" <<EOF

# --- tests/bench/run.sh ---
listen_addresses = ''
unix_socket_directories = '$pgdir'
port = $pgport
max_connections = 40
shared_buffers = 128MB
fsync = on
synchronous_commit = off  # only the set-up writes; the measured runs only read
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
log_min_messages = warning
EOF
as_pg "${SUT[@]}" "$PGBIN/pg_ctl" -D "$pgdata" -l "$pgdir/postgresql.log" -w -t 60 start >/dev/null ||
	{
		tail -n 5 "$pgdir/postgresql.log" >&2
		die "PostgreSQL did not start"
	}
pm_pid=$(head -n 1 "$pgdata/postmaster.pid")

psql_su -d postgres -c 'CREATE ROLE fieldd LOGIN' -c 'CREATE DATABASE fieldd OWNER fieldd'

export DATABASE_URL="postgresql:///fieldd?host=$(urlenc "$pgdir")&port=$pgport&user=fieldd"
"$BIN" migrate >"$tmp/migrate.log" 2>&1 || {
	cat "$tmp/migrate.log" >&2
	die "fieldd migrate failed"
}
password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
printf '%s\n' "$password" | "$BIN" user add --login bench --role admin --name Bench >/dev/null ||
	die "fieldd user add failed"

say "loading $NUSERS users and $NSESSIONS sessions"
psql_su -d fieldd >/dev/null <<EOF || die "loading users and sessions failed (has the users or sessions table changed?)"
CREATE EXTENSION pg_stat_statements;
INSERT INTO teams (name) SELECT 'bench team ' || g FROM generate_series(1, 20) g;
INSERT INTO users (login, name, role, password_hash, phone, email, team_id, skills, active)
SELECT 'eng' || lpad(g::text, 6, '0'), '기사 ' || g,
       (ARRAY['engineer', 'engineer', 'engineer', 'lead', 'dispatcher'])[1 + g % 5],
       '\$argon2id\$v=19\$m=65536,t=2,p=1\$YmVuY2hiZW5jaGJlbmNo\$bm90LWEtcmVhbC1oYXNoLW5vdC1hLXJlYWwtaGFzaA',
       '010-' || lpad((g % 10000)::text, 4, '0') || '-' || lpad((g * 7 % 10000)::text, 4, '0'),
       'eng' || g || '@example.com',
       (SELECT min(id) FROM teams) + g % 20,
       (ARRAY['pc', 'printer', 'network'])[1:1 + g % 3],
       g % 50 <> 0
FROM generate_series(1, $NUSERS) g;
-- token hashes as the server stores them: sha256 hex of the token;
-- a quarter already expired (housekeeping deletes those every 10 minutes)
INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
SELECT encode(sha256(convert_to('bench-session-' || g, 'UTF8')), 'hex'),
       (SELECT min(id) FROM users WHERE login LIKE 'eng%') + g % $NUSERS,
       now() - make_interval(mins => g % 1440),
       now() + make_interval(mins => 720 - g % 960)
FROM generate_series(1, $NSESSIONS) g;
VACUUM ANALYZE;
CHECKPOINT;
EOF

# ------------------------------------------------------------------ fieldd --
http_port=18080
while port_busy "$http_port"; do
	http_port=$((http_port + 1))
	[ "$http_port" -lt 19000 ] || die "no free loopback port in 18080-18999"
done
base=http://127.0.0.1:$http_port

say "fieldd serve on $base with $N threads"
FIELDD_LISTEN=127.0.0.1:$http_port FIELDD_THREADS=$N FIELDD_LOG_LEVEL=warn \
	"${SUT[@]}" "$BIN" serve >"$tmp/fieldd.log" 2>&1 &
server_pid=$!
for i in $(seq 1 100); do
	curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || {
		cat "$tmp/fieldd.log" >&2
		die "fieldd serve exited"
	}
	[ "$i" -lt 100 ] || die "fieldd did not answer /healthz within 10 s"
	sleep 0.1
done

login=$(curl -sS -X POST -H 'Content-Type: application/json' \
	--data "{\"login\":\"bench\",\"password\":\"$password\"}" "$base/api/v1/session")
token=$(printf '%s' "$login" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
[ -n "$token" ] || die "login failed: $login"
token_hash=$(printf '%s' "$token" | sha256sum | cut -c1-64)
[ "$(psql_su -d fieldd -c "SELECT count(*) FROM sessions WHERE token_hash = '$token_hash'")" = 1 ] ||
	die "the login's session row is not where the server looks for it"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/api/v1/me")
[ "$code" = 200 ] || die "GET /api/v1/me answered $code"


# ------------------------------------------------------------- accounting --
# CPU ticks (USER_HZ) of a process incl. its threads; with $2=1 also its
# reaped children (the postmaster reaps backends when pgbench disconnects).

# Thread and backend ticks, to show how a run's work spread over fieldd's
# threads (HTTP event loops, database workers) and postgres backends.
spread_ticks() {
	local t p
	for t in /proc/"$server_pid"/task/*; do
		echo "t:${t##*/} $(proc_ticks "$server_pid/task/${t##*/}")"
	done
	for p in $(psql_su -d fieldd -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'fieldd'"); do
		echo "b:$p $(proc_ticks "$p")"
	done
}
spread_shares() { # before after -> "t-shares b-shares", e.g. "52/48 57/43" (busiest first)
	awk -v b="$1" '
		BEGIN { n = split(b, x, "\n"); for (i = 1; i <= n; i++) { split(x[i], f, " "); t0[f[1]] = f[2] } }
		{ d = $2 - (($1 in t0) ? t0[$1] : 0); if (d < 0) d = 0; k = substr($1, 1, 1); v[k, ++c[k]] = d; tot[k] += d }
		END {
			for (k = 0; k < 2; k++) {
				kk = k ? "b" : "t"; out = ""; m = c[kk]
				for (i = 1; i <= m; i++) a[i] = v[kk, i]
				for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] > a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
				for (i = 1; i <= m; i++)
					if (a[i] > 0 && tot[kk] && 100 * a[i] / tot[kk] >= 0.5)
						out = out (out == "" ? "" : "/") sprintf("%.0f", 100 * a[i] / tot[kk])
				printf "%s%s", (k ? " " : ""), (out == "" ? "-" : out)
			}
			print ""
		}' <<<"$2"
}

# measure KIND CMD...: runs CMD (the measured load) and records the
# machine's side: srv/pg/cl ticks, per-CPU busy %, others' CPU, spread.
measure() {
	local kind=$1 i a b spread0 children0
	shift
	times >"$tmp/times"
	local srv0 pg0 cl0
	srv0=$(proc_ticks "$server_pid")
	children0=$(pgrep -c -P "$pm_pid" || true)
	pg0=$(pg_ticks)
	cl0=$(children_ticks)
	spread0=$(spread_ticks)
	a=$(cpu_busy)
	run_load "$@" >"$tmp/out_$kind.txt" 2>&1 || {
		cat "$tmp/out_$kind.txt" >&2
		die "$kind: $* failed"
	}
	b=$(cpu_busy)
	# backends of a client that just disconnected must be reaped (their time
	# moves into the postmaster's cutime) before we read, or they are missed
	for i in $(seq 1 50); do
		[ "$(pgrep -c -P "$pm_pid" || true)" -gt "$children0" ] || break
		sleep 0.1
	done
	times >"$tmp/times"
	m_srv=$(($(proc_ticks "$server_pid") - srv0))
	m_pg=$(($(pg_ticks) - pg0))
	m_cl=$(($(children_ticks) - cl0))
	m_spread=$(spread_shares "$spread0" "$(spread_ticks)" | tr ' ' ';')
	m_cpu=$(awk -v a="$a" -v b="$b" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i += 3) {
			bt = y[i + 1] - x[i + 1]; tt = y[i + 2] - x[i + 2]
			printf "%s%s:%.0f%%", (i > 1 ? "," : ""), x[i], (tt > 0 ? 100 * bt / tt : 0)
		} }')
	# CPU time of other processes on the machine, in % of one CPU
	m_other=$(awk -v a="$a" -v b="$b" -v ours=$((m_srv + m_pg + m_cl)) 'BEGIN {
		n = split(a, x, " "); split(b, y, " "); bt = 0; tt = 0
		for (i = 1; i <= n; i += 3) { bt += y[i + 1] - x[i + 1]; tt += y[i + 2] - x[i + 2] }
		o = bt - ours; if (o < 0) o = 0
		printf "%.0f", (tt > 0 ? 100 * o / (tt / (n / 3)) : 0) }')
}

# On a shared machine: before each measured run, wait up to BENCH_QUIET_WAIT
# seconds (default 120) for the CPU used by others to fall below
# BENCH_MAX_OTHER % of one CPU (default 25) over one second; go on anyway
# after that (the report then says the run was disturbed).
wait_quiet() {
	local until=$((SECONDS + ${BENCH_QUIET_WAIT:-120})) a b busy said=0
	while :; do
		a=$(cpu_busy)
		sleep 1
		b=$(cpu_busy)
		busy=$(awk -v a="$a" -v b="$b" 'BEGIN {
			n = split(a, x, " "); split(b, y, " "); bt = 0; tt = 0
			for (i = 1; i <= n; i += 3) { bt += y[i + 1] - x[i + 1]; tt += y[i + 2] - x[i + 2] }
			printf "%.0f", (tt > 0 ? 100 * bt / (tt / (n / 3)) : 0) }')
		[ "$busy" -gt "$LIM" ] || return 0
		[ "$SECONDS" -lt "$until" ] || {
			say "the machine is still busy ($busy % of a CPU); measuring anyway"
			return 0
		}
		[ "$said" = 1 ] || say "waiting for the machine to go quiet (others use $busy % of a CPU)"
		said=1
	done
}

metrics_count() { # route status-regex -> sum of fieldd_http_requests_total
	curl -fsS "$base/metrics" | awk -v r="$1" -v s="$2" '
		index($0, "fieldd_http_requests_total{method=\"GET\",route=\"" r "\",status=\"") == 1 {
			st = $0; sub(/.*status="/, "", st); sub(/".*/, "", st)
			if (st ~ s) n += $2 }
		END { print n + 0 }'
}

# results: one line per measured run
#   kind round rps requests p50_us p99_us errors srv pg cl cpu other spread pgss_us
results=$tmp/results
: >"$results"
record() { # kind rps requests p50 p99 errors pgss_us
	printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$1" "$round" "$2" "$3" "$4" "$5" "$6" \
		"$m_srv" "$m_pg" "$m_cl" "$m_cpu" "$m_other" "$m_spread" "${7:--}" >>"$results"
}

# --------------------------------------------------------------------- wrk --
cat >"$tmp/report.lua" <<'EOF'
-- only done(): a response() callback would slow wrk down
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
		summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
		latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
EOF

pgss_reset() { psql_su -d fieldd -c 'SELECT pg_stat_statements_reset()' >/dev/null; }
pgss_read() { # -> "queryid calls mean_exec_us" of the session lookup, one line per statement
	psql_su -d fieldd -F ' ' -c "SELECT queryid, calls, round((mean_exec_time * 1000)::numeric, 1)
		FROM pg_stat_statements WHERE query LIKE '%FROM sessions s JOIN users u%'
		ORDER BY calls DESC"
}

server_check() { # dies with fieldd's last words if it is gone
	local st=0
	kill -0 "$server_pid" 2>/dev/null && return 0
	wait "$server_pid" || st=$?
	server_pid=""
	tail -n 5 "$tmp/fieldd.log" >&2
	die "fieldd exited (status $st) during $1"
}

run_wrk() { # kind path connections [header]
	local kind=$1 path=$2 conns=$3 hdr=() out req dur errs k ok0 ok1 bad0 bad1 pgss=-
	[ $# -ge 4 ] && hdr=(-H "$4")
	wait_quiet
	run_load "${LOAD[@]}" wrk -t1 -c"$conns" -d"${WARMUP}s" "${hdr[@]}" "$base$path" >/dev/null 2>&1 ||
		die "wrk warm-up on $path failed"
	server_check "the warm-up for $kind"
	ok0=$(metrics_count "$path" '^200$')
	bad0=$(metrics_count "$path" '^([^2]|2[^0]|20[^0])')
	[ "$kind" = me ] && pgss_reset
	measure "$kind" "${LOAD[@]}" wrk -t1 -c"$conns" -d"${SECONDS_RUN}s" --latency -s "$tmp/report.lua" \
		"${hdr[@]}" "$base$path"
	server_check "the measured run $kind"
	out=$tmp/out_$kind.txt
	cp "$out" "$tmp/wrk_${kind}_$round.txt"
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
	ok1=$(metrics_count "$path" '^200$')
	bad1=$(metrics_count "$path" '^([^2]|2[^0]|20[^0])')
	# fieldd's own count: every answer in the run was a 200
	[ $((bad1 - bad0)) -eq 0 ] && [ $((ok1 - ok0)) -ge "$req" ] || errs=$((errs + 1 + bad1 - bad0))
	if [ "$kind" = me ]; then
		pgss=$(pgss_read | awk 'NR == 1 { print $1 ":" $3 }')
		[ "$(pgss_read | wc -l)" -eq 1 ] || errs=$((errs + 1))
	fi
	record "$kind" "$(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.0f", r * 1e6 / d }')" "$req" \
		"$(bench_val "$out" p50_us)" "$(bench_val "$out" p99_us)" "$errs" "$pgss"
}

# ----------------------------------------------------------------- pgbench --
run_pgbench() {
	local args=(-n -M prepared -c "$N" -j 1 -f "$tmp/session.sql" -D "token_hash=$token_hash"
		-h "$pgdir" -p "$pgport" -U fieldd fieldd)
	local out=$tmp/out_pgb.txt req tps errs p50 p99 pgss
	wait_quiet
	run_load "${LOAD[@]}" "$PGBIN/pgbench" "${args[@]}" -T "$WARMUP" >"$tmp/pgbench_warmup.txt" 2>&1 || {
		cat "$tmp/pgbench_warmup.txt" >&2
		die "pgbench warm-up failed"
	}
	pgss_reset
	rm -f "$tmp"/pgblog.*
	measure pgb "${LOAD[@]}" "$PGBIN/pgbench" "${args[@]}" -T "$SECONDS_RUN" -l --log-prefix="$tmp/pgblog"
	cp "$out" "$tmp/pgbench_$round.txt"
	req=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$out")
	[ -n "$req" ] && [ -n "$tps" ] || die "cannot read pgbench's output"
	errs=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
	errs=${errs:-0}
	# per-transaction log: column 3 is the latency in microseconds
	read -r p50 p99 < <(cat "$tmp"/pgblog.* | awk '{ print $3 }' | sort -n | awk '{ a[NR] = $1 } END {
		i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
		print a[i50 < 1 ? 1 : i50], a[i99 < 1 ? 1 : i99] }')
	pgss=$(pgss_read | awk 'NR == 1 { print $1 ":" $3 }')
	[ "$(pgss_read | wc -l)" -eq 1 ] || errs=$((errs + 1))
	record pgb "$(printf '%.0f' "$tps")" "$req" "$p50" "$p99" "$errs" "$pgss"
}

# -------------------------------------------------------------------- runs --
ROUNDS=${BENCH_ROUNDS:-1}
LIM=${BENCH_MAX_OTHER:-25}
QUEUE=${BENCH_QUEUE:-1} # also (b') /api/v1/me with 4N connections: queueing, spread over workers
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive whole number"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "measuring: $ROUNDS round(s) of (a) /healthz, (b) /api/v1/me, (c) pgbench;" \
	"${WARMUP} s warm-up + ${SECONDS_RUN} s each; $pin_text"
for round in $(seq 1 "$ROUNDS"); do
	run_wrk healthz /healthz "$N"
	run_wrk me /api/v1/me "$N" "Authorization: Bearer $token"
	[ "$QUEUE" = 0 ] || run_wrk me4 /api/v1/me $((4 * N)) "Authorization: Bearer $token"
	run_pgbench
	[ "$ROUNDS" -eq 1 ] || say "round $round: $(awk -v r="$round" '$2 == r { printf "%s %s/s (others %s%%)  ", $1, $3, $12 }' "$results")"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
db_conns=$(psql_su -d fieldd -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fieldd'")

# the median round of each kind (by req/s); errors summed over all rounds
# Rounds in which other processes took more than BENCH_MAX_OTHER % of a CPU
# are "disturbed"; when a kind has undisturbed rounds, only those count.
pick() { # kind -> sets rps req p50 p99 srv pg cl cpu other spread pgss, errs (all rounds)
	local line rows
	rows=$(awk -v k="$1" -v lim="$LIM" '$1 == k && $12 <= lim' "$results")
	[ -n "$rows" ] || rows=$(awk -v k="$1" '$1 == k' "$results")
	line=$(sort -k3,3n <<<"$rows" | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
	read -r _ _ rps req p50 p99 _ srv pg cl cpu other spread pgss <<<"$line"
	errs=$(awk -v k="$1" '$1 == k { n += $7 } END { print n + 0 }' "$results")
}
kinds="healthz me"
[ "$QUEUE" = 0 ] || kinds+=" me4"
kinds+=" pgb"
for k in $kinds; do
	pick "$k"
	for v in rps req p50 p99 srv pg cl cpu other spread pgss errs; do
		printf -v "${v}_$k" '%s' "${!v}"
	done
done

problems=()
[ "$errs_healthz" = 0 ] || problems+=("(a) /healthz: $errs_healthz errors (wrk non-2xx/socket errors or non-200 in fieldd's /metrics)")
[ "$errs_me" = 0 ] || problems+=("(b) /api/v1/me: $errs_me errors (wrk non-2xx/socket errors, non-200 in /metrics, or several statements)")
[ "$QUEUE" = 0 ] || [ "$errs_me4" = 0 ] || problems+=("(b') /api/v1/me with $((4 * N)) connections: $errs_me4 errors")
[ "$errs_pgb" = 0 ] || problems+=("(c) pgbench: $errs_pgb failed transactions or several statements")
qid_me=${pgss_me%%:*}
qid_pgb=${pgss_pgb%%:*}
[ -n "$qid_me" ] && [ "$qid_me" = "$qid_pgb" ] ||
	problems+=("pgbench's statement (queryid $qid_pgb) is not fieldd's (queryid $qid_me)")

# ------------------------------------------------------------------ report --
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
us_per() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }'; }
r_me_hz=$(ratio "$rps_me" "$rps_healthz")
# me/pgbench per round: (b) and (c) of a round ran a few seconds apart, so
# their ratio is the one comparison made under the same conditions; with
# several rounds the headline is the median of these ratios
# "0.62" per round, "0.41*" when (b) or (c) of that round was disturbed
r_rounds=$(awk -v lim="$LIM" '$1 == "me" { m[$2] = $3; d[$2] += ($12 > lim) } $1 == "pgb" { p[$2] = $3; d[$2] += ($12 > lim) }
	END { for (r = 1; r in m; r++) printf "%s%.2f%s", (r > 1 ? " " : ""), (p[r] ? m[r] / p[r] : 0), (d[r] ? "*" : "") }' "$results")
r_clean=$(tr ' ' '\n' <<<"$r_rounds" | grep -vc '\*' || true)
r_me_pgb=$(tr ' ' '\n' <<<"$r_rounds" | { if [ "$r_clean" -gt 0 ]; then grep -v '\*'; else tr -d '*'; fi; } |
	sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }')
r_medians=$(ratio "$rps_me" "$rps_pgb")
met=$(awk -v r="$r_me_pgb" 'BEGIN { print (r >= 0.5 ? "met" : "NOT met") }')
if [ "$ROUNDS" -gt 1 ]; then
	r_note="median of the rounds' ratios $r_rounds (* = disturbed; counted only when no round is undisturbed: $r_clean undisturbed); the table's medians give $r_medians"
else
	r_note=""
fi
# server-side CPU per request: what the ratio is when the server CPU is the
# only bottleneck (pinned: CPU1 runs fieldd + postgres for (b), postgres for (c))
srvcpu_me=$(us_per $((srv_me + pg_me)) "$req_me")
cpu_pgb_pg=$(us_per "$pg_pgb" "$req_pgb")
r_cpu=$(ratio "$cpu_pgb_pg" "$srvcpu_me")
others=""
for k in $kinds; do
	o=other_$k
	others+="${others:+/}${!o}"
done
noisy=$(tr '/' '\n' <<<"$others" | awk -v lim="$LIM" '$1 > m { m = $1 } END { if (m > lim) print m }')

table() {
	local k label
	printf '| run | req/s | p50 ms | p99 ms | errors | CPU µs/req: fieldd | postgres | load generator | CPU busy |\n'
	printf '|---|---:|---:|---:|---:|---:|---:|---:|---|\n'
	for k in $kinds; do
		case $k in
		healthz) label='(a) wrk `GET /healthz` (no DB)' ;;
		me) label='(b) wrk `GET /api/v1/me` (Bearer)' ;;
		me4) label="(b') the same with $((4 * N)) connections (not in the ratio)" ;;
		pgb) label='(c) pgbench, same SQL' ;;
		esac
		local rps=rps_$k req=req_$k p50=p50_$k p99=p99_$k errs=errs_$k srv=srv_$k pg=pg_$k cl=cl_$k cpu=cpu_$k
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "${!rps}" "$(ms "${!p50}")" \
			"$(ms "${!p99}")" "${!errs}" "$([ "$k" = pgb ] && echo – || us_per "${!srv}" "${!req}")" \
			"$(us_per "${!pg}" "${!req}")" "$(us_per "${!cl}" "${!req}")" "${!cpu//,/ }"
	done
}

when=$(date -u '+%Y-%m-%d %H:%M UTC')
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD -- server include migrations CMakeLists.txt 2>/dev/null ||
	commit="$commit + uncommitted changes under server/ include/ migrations/"
bin_text="${BIN#"$root"/} built $(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC')"
pg_version=$("$PGBIN/postgres" --version | sed 's/^postgres (PostgreSQL) //')
wrk_version=$( (wrk -v 2>&1 || true) | head -n 1 | awk '{ print $2 }')
# MAKELEVEL is set when make started us
if [ -n "${MAKELEVEL:-}" ]; then cmd="make bench"; else cmd="sh tests/bench/run.sh"; fi
for v in BENCH_SECONDS BENCH_WARMUP BENCH_THREADS BENCH_PIN BENCH_ROUNDS BENCH_USERS BENCH_SESSIONS FIELDD_THREADS; do
	[ -z "${!v:-}" ] || cmd="$v=${!v} $cmd"
done
mean_exec_me=${pgss_me#*:}
mean_exec_pgb=${pgss_pgb#*:}
spread_text() { # kind -> "fieldd CPU per thread X %, postgres CPU per fieldd backend Y %"
	local v=spread_$1
	printf 'fieldd CPU per thread %s %%, postgres CPU per fieldd backend %s %%' "${!v%;*}" "${!v#*;}"
}
labels=$(sed 's/ /)\/(/g; s/^/(/; s/$/)/; s/healthz/a/; s/me4/b'"'"'/; s/me/b/; s/pgb/c/' <<<"$kinds")

echo
echo "fieldd session-lookup benchmark — $when, commit $commit"
echo "machine: $NCPU CPUs, $cpu_model; $pin_text"
echo "binary: $bin_text"
echo "N = $N (fieldd threads = DB connections = wrk -c = pgbench -c); ${SECONDS_RUN} s per run after ${WARMUP} s warm-up; $ROUNDS round(s)"
[ "$ROUNDS" -eq 1 ] || echo "(each row: the median of its undisturbed rounds, or of all rounds when none is; errors summed over all rounds)"
echo
if command -v column >/dev/null 2>&1; then
	table | grep -v '^|---' | sed 's/^| //; s/ |$//; s/ | /\t/g' | column -t -s "$(printf '\t')"
else
	table
fi
echo
echo "ratio me/pgbench = $r_me_pgb   (aim >= 0.50: $met)${r_note:+ — $r_note}"
echo "ratio me/healthz = $r_me_hz"
echo "server-side CPU per lookup: $srvcpu_me µs for (b) (fieldd + postgres), $cpu_pgb_pg µs for (c) (postgres) -> CPU-bound ratio $r_cpu"
echo "postgres executor time per lookup (pg_stat_statements mean_exec_time): $mean_exec_me µs under fieldd, $mean_exec_pgb µs under pgbench"
echo "fieldd DB connections open: $db_conns (N = $N workers + 1 housekeeping)"
echo "during (b): $(spread_text me)"
[ "$QUEUE" = 0 ] || echo "during (b'): $(spread_text me4)"
echo "load average before/after: $load_before / $load_after; CPU used by other processes during $labels: $others % of one CPU"
[ -z "$noisy" ] ||
	printf '%s: WARNING: other processes used up to %s%% of a CPU during the runs; the figures are disturbed\n' "$me" "$noisy" >&2
if [ ${#problems[@]} -gt 0 ]; then
	printf '%s: INVALID RUN: %s\n' "$me" "${problems[@]}" >&2
	say "docs not updated; logs kept in $tmp"
	BENCH_KEEP=1
	exit 1
fi
[ "$DOC" = - ] && exit 0

section=$tmp/section.md
{
	echo '<!-- bench:session-lookup:begin (written by tests/bench/run.sh; edits here are overwritten) -->'
	echo '## Session lookup: `GET /api/v1/me` vs pgbench (issue 2, item 11)'
	echo
	echo "**Aim:** the authenticated endpoint at ≥ 0.5× pgbench's rate for its SQL — **$met**: me/pgbench = **$r_me_pgb**${r_note:+ ($r_note)}."
	echo
	echo "- Command: \`$cmd\`$([ -z "${MAKELEVEL:-}" ] || echo ' (builds the release preset, then runs `sh tests/bench/run.sh`)')"
	echo "- Date: $when; commit $commit"
	echo "- Machine: $NCPU CPUs (\`nproc\`), $cpu_model; load average before/after $load_before / $load_after; CPU used by other processes during $labels: $others % of one CPU${noisy:+ — **disturbed: other processes were busy**}"
	echo "- Software: PostgreSQL $pg_version, wrk $wrk_version, fieldd release preset (RelWithDebInfo, \`-O2 -g\`): $bin_text"
	echo "- Parameters: N = $N — \`FIELDD_THREADS=$N\` (one DB connection per worker), \`wrk -t1 -c$N --latency\`, \`pgbench -n -M prepared -c $N -j 1\`; ${SECONDS_RUN} s per run (\`BENCH_SECONDS\`) after ${WARMUP} s warm-up (\`BENCH_WARMUP\`); $ROUNDS round(s) (\`BENCH_ROUNDS\`$([ "$ROUNDS" -eq 1 ] || echo '; each row is the median of its undisturbed rounds, or of all when none is')); $pin_text"
	echo "- Data: throwaway cluster (unix socket only, fsync on, \`synchronous_commit = off\` for the set-up writes, pg_stat_statements loaded), $NUSERS extra users and $NSESSIONS sessions (a quarter expired), \`VACUUM ANALYZE\`; every request looks up the same live session"
	echo "- pgbench script, extracted from \`q_session_user\` in \`server/db/pg_sessions.c\` (\`\\gset\` makes pgbench fail unless exactly one row comes back; pg_stat_statements gives it the same queryid as fieldd's statement):"
	echo
	echo '  ```sql'
	sed 's/^/  /' "$tmp/session.sql"
	echo '  ```'
	echo
	table
	echo
	echo "- me/pgbench = **$r_me_pgb**, me/healthz = **$r_me_hz**"
	echo "- Errors: wrk non-2xx and socket errors plus any non-200 in fieldd's own \`/metrics\`; pgbench failed transactions"
	echo "- CPU µs/req: CPU time of the fieldd process, of all postgres processes and of wrk/pgbench during the measured run, divided by its requests (USER_HZ $HZ); CPU busy: each CPU's busy share during the run, whoever used it"
	echo "- Server-side CPU per lookup: $srvcpu_me µs for (b) (fieldd + postgres) against $cpu_pgb_pg µs for (c) (postgres alone): if the server CPU were the only bottleneck, the ratio would be $r_cpu"
	echo "- PostgreSQL executor time per lookup (pg_stat_statements \`mean_exec_time\`): $mean_exec_me µs under fieldd, $mean_exec_pgb µs under pgbench"
	echo "- How the work spread (busiest first; fieldd's threads: FIELDD_HTTP_THREADS HTTP event loops, which parse and reply, and N database workers, which take requests from one queue): during (b) $(spread_text me)$([ "$QUEUE" = 0 ] || echo "; during (b') $(spread_text me4)")"
	echo '<!-- bench:session-lookup:end -->'
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
if grep -q '^<!-- bench:session-lookup:begin' "$DOC"; then
	awk -v f="$section" '
		/^<!-- bench:session-lookup:begin/ { while ((getline l < f) > 0) print l; skip = 1; next }
		/^<!-- bench:session-lookup:end/ { skip = 0; next }
		!skip { print }' "$DOC" >"$tmp/doc.new"
	cat "$tmp/doc.new" >"$DOC"
else
	{
		echo
		cat "$section"
	} >>"$DOC"
fi
say "wrote $DOC"
