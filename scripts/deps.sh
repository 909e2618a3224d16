#!/bin/sh
# Installs the Debian packages fieldd needs to build, run and test.
# As root it runs apt-get; otherwise it prints the command to run and stops.
set -eu
PKGS="cmake gcc make pkg-config libpq-dev libjson-c-dev
libical-dev libsodium-dev zlib1g-dev patch postgresql-15 postgresql-client-15 python3 procps tzdata"
# the calendar tests (tests/ical): independent parsers and a real client
PKGS="$PKGS python3-icalendar vdirsyncer khal"
# the outbox (libcurl: SMTP and webhooks) and its tests: a real SMTP server, swaks to compare
PKGS="$PKGS libcurl4-openssl-dev python3-aiosmtpd swaks"
# the tracking page in a real browser (tests/web, playwright-core drives Debian's chromium)
PKGS="$PKGS chromium"
# the browser tests of the web apps (tests/web): Hangul fonts for chromium
PKGS="$PKGS fonts-nanum"
# ical.js comes from npm (scripts/npm.sh); Debian's node only when there is none at all
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "fieldd: missing packages:$missing" >&2
	echo "run as root: apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No system-wide cluster: fieldd runs its own under var/.
if [ ! -e /etc/postgresql-common/createcluster.conf ] && echo "$missing" | grep -q postgresql; then
	apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null
fi
if [ -e /etc/postgresql-common/createcluster.conf ]; then
	sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
fi
apt-get install -y -qq --no-install-recommends $missing >/dev/null
