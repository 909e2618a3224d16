#!/bin/sh
# Static web files benchmark: fieldd serving the embedded web apps against nginx serving the
# same files from disk, with wrk on loopback. Prints a Markdown table for docs/performance.md
# ("Static web files"); exits 1 when fieldd is below 0.8x nginx. Not run by ctest.
#   sh tests/bench/web.sh            (after `make build PRESET=release`; make bench-web does both)
#   BENCH_SECONDS=20 BENCH_ROUNDS=5 sh tests/bench/web.sh
set -eu
cd "$(dirname "$0")/../.."
missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v nginx >/dev/null 2>&1 || missing="$missing nginx-light"
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "fieldd: the benchmark needs:$missing (apt-get install -y$missing)" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
BIN=${FIELDD_BIN:-build/release/fieldd}
if [ ! -x "$BIN" ]; then
	echo "fieldd: $BIN is missing; run make build PRESET=release" >&2
	exit 1
fi
FIELDD_BIN=$(realpath "$BIN") exec /usr/bin/python3 tests/bench/web_bench.py
