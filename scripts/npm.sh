#!/bin/sh
# Installs the npm packages the tests use, exactly as their package-lock.json says
# (tests/ical: ical.js, Thunderbird's iCalendar parser; tests/track: playwright-core and
# axe-core for the tracking page in chromium), when node_modules is missing
# or older than the lock file. node_modules is not committed.
set -eu
cd "$(dirname "$0")/.."
for dir in tests/ical tests/track; do
	lock="$dir/package-lock.json"
	stamp="$dir/node_modules/.package-lock.json" # written by npm ci
	if [ -f "$stamp" ] && [ ! "$lock" -nt "$stamp" ]; then
		continue
	fi
	if ! command -v npm >/dev/null 2>&1; then
		echo "fieldd: npm is missing; run scripts/deps.sh as root" >&2
		exit 1
	fi
	echo "npm ci in $dir"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done
