# Shared by the benchmark scripts (tests/bench/run.sh, tests/bench/dispatch.sh);
# sourced, not run. Set me (the script's name in messages) first. Sourcing
# defines the helpers below and HZ; bench_setup then installs what is missing
# (as root) and sets PGBIN, LOAD and SUT (taskset prefixes for the load
# generators and for fieldd + postgres, by PIN), pin_text, as_pg and own.
# Helpers that read the cluster expect pgdir, pgport and pm_pid; the CPU
# accounting expects tmp (times of reaped children in $tmp/times).

say() { printf '%s: %s\n' "$me" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$me" "$*" >&2
	exit 1
}

# ------------------------------------------------------------ dependencies --
find_bindir() {
	local b v
	b=$(pg_config --bindir 2>/dev/null || true)
	if [ -z "$b" ] || [ ! -x "$b/initdb" ] || [ ! -x "$b/pgbench" ]; then
		v=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null |
			sed 's|^/usr/lib/postgresql/||; s|/bin/initdb$||' | sort -n | tail -n 1)
		b=${v:+/usr/lib/postgresql/$v/bin}
	fi
	[ -n "$b" ] && [ -x "$b/initdb" ] && [ -x "$b/pgbench" ] && echo "$b"
}

bench_setup() {
	if [ "$PIN" = 1 ]; then
		LOAD=(taskset -c 0) # wrk, pgbench
		SUT=(taskset -c 1)  # fieldd, postgres
		pin_text="load generator on CPU0 (taskset -c 0); fieldd and postgres on CPU1 (taskset -c 1)"
	else
		LOAD=()
		SUT=()
		pin_text="not pinned (BENCH_PIN=0)"
	fi

	local need=()
	command -v wrk >/dev/null 2>&1 || need+=(wrk)
	command -v curl >/dev/null 2>&1 || need+=(curl)
	command -v taskset >/dev/null 2>&1 || need+=(util-linux)
	command -v pgrep >/dev/null 2>&1 || need+=(procps)
	[ -x /usr/bin/python3 ] || need+=(python3)
	find_bindir >/dev/null || need+=(postgresql-15 postgresql-client-15 postgresql-contrib-15)
	if [ ${#need[@]} -gt 0 ]; then
		if [ "$(id -u)" -ne 0 ]; then
			die "missing: ${need[*]}; as root run: apt-get install -y --no-install-recommends ${need[*]}"
		fi
		say "installing: ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# no system-wide cluster: the scripts make their own
		if [[ " ${need[*]} " == *" postgresql-15 "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
			apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null
			sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' \
				/etc/postgresql-common/createcluster.conf
		fi
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	fi
	PGBIN=$(find_bindir) || die "PostgreSQL server binaries (initdb, pg_ctl, pgbench) not found"

	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "no postgres system user (install postgresql-15)"
		as_pg() { (cd / && exec runuser -u postgres -- "$@"); }
		own() { chown postgres:postgres "$@"; }
	else
		as_pg() { "$@"; }
		own() { :; }
	fi
}

# ---------------------------------------------------------------- helpers --
psql_su() { "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$pgdir" -p "$pgport" -U postgres "$@"; }

urlenc() {
	local s=$1 out='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

port_busy() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v p=":$hex" 'NR > 1 && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Runs a load generator in the background and waits for it, so that a signal
# reaches the script's trap at once (bash defers traps while a foreground
# child runs); the script's cleanup stops $load_pid.
run_load() {
	local rc=0
	"$@" &
	load_pid=$!
	wait "$load_pid" || rc=$?
	load_pid=""
	return "$rc"
}

bench_val() { sed -n 's/^BENCH //p' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# ------------------------------------------------------------- accounting --
# CPU ticks (USER_HZ) of a process incl. its threads; with $2=1 also its
# reaped children (the postmaster reaps backends when pgbench disconnects).
HZ=$(getconf CLK_TCK)
proc_ticks() { # pid [with reaped children]
	local s
	s=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || s=""
	[ -n "$s" ] || {
		echo 0
		return
	}
	awk -v ch="${2:-0}" '{ print $12 + $13 + (ch ? $14 + $15 : 0) }' <<<"$s"
}
pg_ticks() { # all of postgres: postmaster, live children, reaped children
	local t c
	t=$(proc_ticks "$pm_pid" 1)
	for c in $(pgrep -P "$pm_pid" || true); do
		t=$((t + $(proc_ticks "$c")))
	done
	echo "$t"
}
children_ticks() { # reaped children of the main shell (wrk, pgbench), from $tmp/times
	tail -n 1 "$tmp/times" | awk -v hz="$HZ" '{
		n = 0
		for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); n += p[1] * 60 + p[2] }
		printf "%d\n", n * hz + 0.5 }'
}
cpu_busy() { # "cpu0 busy total cpu1 busy total ..."
	awk '/^cpu[0-9]/ { b = $2 + $3 + $4 + $7 + $8 + $9; printf "%s %d %d ", $1, b, b + $5 + $6 }' /proc/stat
}
