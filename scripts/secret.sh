#!/bin/sh
# Prints the FIELDD_SECRET `make run` serves with, making it the first time:
# 48 random characters in var/secret (mode 0600). The secret keys calendar
# feed URLs (docs/architecture.md): keep it to keep the URLs people subscribed
# to showable; a new one leaves them working but shown as null until rotated.
set -eu
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)
f=$root/var/secret
if [ ! -s "$f" ]; then
	mkdir -p "$root/var"
	umask 077
	head -c 36 /dev/urandom | base64 | tr -d '\n' >"$f.tmp"
	mv "$f.tmp" "$f"
fi
cat "$f"
