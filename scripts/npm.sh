#!/bin/sh
# Installs npm packages exactly as each folder's package-lock.json says, when its
# node_modules is missing or older than the lock file: mobile-web (preact, htm: embedded
# into the binary as /vendor/*, so `make build` runs this first) and the tests'
# (tests/ical: ical.js, Thunderbird's iCalendar parser; tests/web:
# playwright-core and axe-core for the browser tests). node_modules is not committed.
# Arguments name the folders to do; none means all of them.
set -eu
cd "$(dirname "$0")/.."
for dir in ${*:-mobile-web tests/ical tests/web}; do
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
