#!/bin/sh
# Calendar feed benchmark: fieldd's 200-visit feed (200 and 304) against Radicale serving
# the same events as a calendar collection, with wrk on loopback. Prints a Markdown table
# for docs/performance.md ("Calendar feeds"). Not run by ctest.
#   sh tests/bench/ical.sh            (after `make build PRESET=release`; make bench-ical does both)
#   BENCH_SECONDS=20 BENCH_CONNECTIONS=64 sh tests/bench/ical.sh
set -eu
cd "$(dirname "$0")/../.."
missing=""
for p in wrk radicale curl; do
	command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
done
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
FIELDD_BIN=$(realpath "$BIN") exec /usr/bin/python3 tests/bench/ical_bench.py
