#!/bin/sh
# Private PostgreSQL cluster for `make run`.
#
#   scripts/pg.sh start     init (first time) and start the cluster; idempotent
#   scripts/pg.sh stop      pg_ctl stop -m fast
#   scripts/pg.sh status    exit 0 if running, 3 if not
#   scripts/pg.sh url       print the libpq URI for role/database fieldd
#   scripts/pg.sh psql ...  psql as superuser postgres on database fieldd
#
# Layout of the cluster directory (var/pg, or /var/lib/fieldd/<hash> when the
# postgres user cannot reach the checkout, e.g. under /root):
#   data/         PGDATA
#   run/          unix socket directory (0700, owned by the cluster owner)
#   log/          postgresql.log (pg_ctl -l), initdb.log
#   fieldd.port   TCP port (127.0.0.1), picked at first init
# var/pgdir records which cluster directory is in use.
#
# As root, initdb/pg_ctl run as the postgres system user; otherwise as the
# current user. Server binaries: $PG_BINDIR, else `pg_config --bindir`, else
# the highest /usr/lib/postgresql/*/bin.
set -eu

me=pg.sh
say() { printf '%s: %s\n' "$me" "$*"; }
die() { printf '%s: %s\n' "$me" "$*" >&2; exit 1; }

root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P) || die "cannot resolve project root"
pgdir_file=$root/var/pgdir
first_port=55432
# sun_path is 108 bytes; "<dir>/run/.s.PGSQL.NNNNN" must fit.
max_sock=107

# ---------------------------------------------------------------- binaries --
find_bindir() {
	if [ -n "${PG_BINDIR:-}" ]; then
		bindir=$PG_BINDIR
	else
		bindir=$(pg_config --bindir 2>/dev/null || true)
		if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
			v=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null |
				sed 's|^/usr/lib/postgresql/||; s|/bin/initdb$||' | sort -n | tail -n 1)
			bindir=${v:+/usr/lib/postgresql/$v/bin}
		fi
	fi
	[ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] ||
		die "postgresql server binaries not found; run scripts/deps.sh"
}

# ------------------------------------------------------------------- users --
if [ "$(id -u)" -eq 0 ]; then
	is_root=1
	id postgres >/dev/null 2>&1 || die "no postgres system user; run scripts/deps.sh"
	if command -v runuser >/dev/null 2>&1; then
		as_pg() { (cd / && exec runuser -u postgres -- "$@"); }
	else
		as_pg() { (cd / && exec su postgres -s /bin/sh -c 'exec "$0" "$@"' "$@"); }
	fi
	own() { chown postgres:postgres "$@"; }
else
	is_root=0
	as_pg() { "$@"; }
	own() { :; }
fi

# ------------------------------------------------------------------ helpers --
# True if something listens on TCP port $1 (any address, v4 or v6).
port_busy() {
	hex=$(printf '%04X' "$1")
	for f in /proc/net/tcp /proc/net/tcp6; do
		[ -r "$f" ] || continue
		if awk -v p=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 }
			END { exit !found }' "$f"; then
			return 0
		fi
	done
	if [ ! -r /proc/net/tcp ] && command -v ss >/dev/null 2>&1; then
		[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ] && return 0
	fi
	return 1
}

pick_port() {
	p=$first_port
	while port_busy "$p"; do
		p=$((p + 1))
		[ "$p" -le 65535 ] || die "no free tcp port from $first_port up"
	done
	echo "$p"
}

pick_locale() {
	if locale -a 2>/dev/null | grep -qix 'c\.utf-\{0,1\}8'; then echo C.UTF-8; else echo C; fi
}

# Percent-encode everything but RFC 3986 unreserved characters.
urlenc() {
	out=''
	for h in $(printf '%s' "$1" | od -An -v -tx1); do
		case $h in
		2d | 2e | 5f | 7e | 3[0-9] | 4[1-9a-f] | 5[0-9] | 5a | 6[1-9a-f] | 7[0-9] | 7a)
			out=$out$(printf "\\$(printf '%o' "0x$h")") ;;
		*) out=$out%$(printf '%s' "$h" | tr a-f A-F) ;;
		esac
	done
	printf '%s' "$out"
}

# Directory recorded in var/pgdir, if it still exists.
recorded_dir() {
	[ -f "$pgdir_file" ] || return 1
	d=$(head -n 1 "$pgdir_file")
	[ -n "$d" ] && [ -d "$d" ] || return 1
	echo "$d"
}

sock_fits() { [ $((${#1} + 19)) -le "$max_sock" ]; }

# Can the cluster owner create files in $1 (all ancestors searchable)?
pg_can_write() { as_pg test -d "$1" -a -w "$1" -a -x "$1" 2>/dev/null; }

choose_dir() {
	mkdir -p "$root/var" || die "cannot create $root/var"
	cand=$root/var/pg
	if sock_fits "$cand"; then
		created=0
		if [ ! -d "$cand" ]; then
			mkdir "$cand" || die "cannot create $cand"
			created=1
		fi
		if [ "$is_root" -eq 1 ] && [ ! -e "$cand/data" ]; then
			own "$cand"
		fi
		chmod 700 "$cand" 2>/dev/null || true
		if pg_can_write "$cand"; then
			echo "$cand"
			return
		fi
		[ "$created" -eq 1 ] && rmdir "$cand" 2>/dev/null
	fi
	[ "$is_root" -eq 1 ] ||
		die "cannot use $cand (unwritable or path too long for a unix socket)"
	h=$(printf '%s' "$root" | sha256sum | cut -c1-12)
	d=/var/lib/fieldd/$h
	mkdir -p "$d" || die "cannot create $d"
	chmod 755 /var/lib/fieldd
	own "$d"
	chmod 700 "$d"
	pg_can_write "$d" || die "postgres cannot write $d"
	echo "$d"
}

load() {
	dir=$(recorded_dir) || die "no cluster; run scripts/pg.sh start"
	[ -f "$dir/data/PG_VERSION" ] || die "no cluster in $dir; run scripts/pg.sh start"
	[ -f "$dir/fieldd.port" ] || die "missing $dir/fieldd.port"
	port=$(cat "$dir/fieldd.port")
	sock=$dir/run
}

running() { as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

su_psql() {
	"$bindir/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres "$@"
}

# --------------------------------------------------------------------- init --
init_cluster() {
	as_pg mkdir -p "$dir/data" "$dir/run" "$dir/log"
	as_pg chmod 700 "$dir/data" "$dir/run"
	loc=$(pick_locale)
	if ! as_pg "$bindir/initdb" -D "$dir/data" -E UTF8 --locale="$loc" \
		--auth-local=trust --auth-host=scram-sha-256 -U postgres >"$dir/log/initdb.log" 2>&1; then
		tail -n 5 "$dir/log/initdb.log" >&2
		die "initdb failed; see $dir/log/initdb.log"
	fi
	sockq=$(printf '%s' "$dir/run" | sed "s/'/''/g")
	cat >>"$dir/data/postgresql.conf" <<EOF

# --- fieldd (scripts/pg.sh); the port comes from ../fieldd.port via pg_ctl -o ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockq'
unix_socket_permissions = 0700
max_connections = 100
shared_buffers = 256MB
fsync = on
EOF
	pick_port >"$dir/fieldd.port"
	own "$dir/fieldd.port" "$dir/log/initdb.log"
	say "initialized cluster in $dir"
}

ensure_db() {
	if [ -z "$(su_psql -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'fieldd'")" ]; then
		su_psql -d postgres -c 'CREATE ROLE fieldd LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE' ||
			die "cannot create role fieldd"
		say "created role fieldd"
	fi
	if [ -z "$(su_psql -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'fieldd'")" ]; then
		su_psql -d postgres -c 'CREATE DATABASE fieldd OWNER fieldd' ||
			die "cannot create database fieldd"
		say "created database fieldd"
	fi
}

# ----------------------------------------------------------------- commands --
cmd_start() {
	if dir=$(recorded_dir) && [ -f "$dir/data/PG_VERSION" ]; then
		:
	else
		dir=$(choose_dir)
		[ -f "$dir/data/PG_VERSION" ] || init_cluster
		echo "$dir" >"$pgdir_file"
	fi
	load
	if running; then
		ensure_db
		say "already running on port $port ($dir)"
		return 0
	fi
	if port_busy "$port"; then
		old=$port
		port=$(pick_port)
		echo "$port" >"$dir/fieldd.port"
		say "port $old is busy, using $port"
	fi
	if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log/postgresql.log" \
		-o "-p $port" -w -t 60 start >/dev/null 2>&1; then
		tail -n 5 "$dir/log/postgresql.log" >&2 2>/dev/null || true
		die "start failed; see $dir/log/postgresql.log"
	fi
	ensure_db
	say "running on port $port ($dir)"
}

cmd_stop() {
	if ! dir=$(recorded_dir) || [ ! -f "$dir/data/PG_VERSION" ]; then
		say "no cluster"
		return 0
	fi
	if ! running; then
		say "not running"
		return 0
	fi
	as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
		die "stop failed; see $dir/log/postgresql.log"
	say "stopped"
}

cmd_status() {
	if ! dir=$(recorded_dir) || [ ! -f "$dir/data/PG_VERSION" ]; then
		say "no cluster"
		exit 3
	fi
	load
	if running; then
		say "running on port $port ($dir)"
	else
		say "not running ($dir)"
		exit 3
	fi
}

cmd_url() {
	load
	printf 'postgresql:///fieldd?host=%s&port=%s&user=fieldd\n' "$(urlenc "$sock")" "$port"
}

cmd_psql() {
	load
	exec "$bindir/psql" -h "$sock" -p "$port" -U postgres -d fieldd "$@"
}

usage() { echo "$me: usage: scripts/pg.sh start|stop|status|url|psql [args]" >&2; exit 2; }

[ $# -ge 1 ] || usage
cmd=$1
shift
find_bindir
case $cmd in
start) [ $# -eq 0 ] || usage; cmd_start ;;
stop) [ $# -eq 0 ] || usage; cmd_stop ;;
status) [ $# -eq 0 ] || usage; cmd_status ;;
url) [ $# -eq 0 ] || usage; cmd_url ;;
psql) cmd_psql "$@" ;;
*) usage ;;
esac
