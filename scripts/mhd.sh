#!/bin/sh
# Builds libmicrohttpd 1.0.1 for fieldd, static, into build/deps/mhd (or $1).
#
# Debian 12 ships 0.9.75, whose error path writes a broken reply (the head twice) for a
# malformed Content-Length and leaks a lock when a connection is refused at its limit.
# 1.0.1 fixes both; it is Debian 13's source package, fetched with apt-get from the
# archive this machine already uses and checked by apt against the archive's signed
# index. fieldd applies one patch of its own (scripts/mhd/problem-json.patch): the
# errors libmicrohttpd answers by itself, before fieldd sees the request, are
# application/problem+json like every other error of the API (docs/architecture.md,
# "Framing"). Nothing is installed outside the build directory.
set -eu
VER=1.0.1
DEBVER=1.0.1-4
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${1:-$ROOT/build/deps/mhd}
PATCHES="$ROOT/scripts/mhd/problem-json.patch"
# the stamp names the version and the patch, so a changed patch rebuilds
sum=$(cat "$0" $PATCHES | sha256sum | cut -c1-16)
STAMP="$PREFIX/.built-$VER-$sum"
[ -f "$STAMP" ] && exit 0

WORK="$ROOT/build/deps/src"
rm -rf "$WORK" "$PREFIX"
mkdir -p "$WORK/apt/lists/partial" "$WORK/apt/cache/archives/partial" "$WORK/dl"

# The archive this machine installs from (deb822 or one-line format), suite trixie,
# sources only, in a private apt state: the system's apt configuration is not touched.
uri=${FIELDD_DEBIAN_URI:-}
if [ -z "$uri" ]; then
	uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
fi
if [ -z "$uri" ]; then
	uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
		/etc/apt/sources.list 2>/dev/null | head -n1)
fi
[ -n "$uri" ] || { echo "fieldd: no Debian archive found in /etc/apt (set FIELDD_DEBIAN_URI)" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb-src [signed-by=$keyring] $uri trixie main" >"$WORK/apt/sources.list"
set -- -o Dir::Etc::SourceList="$WORK/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o Dir::State::Lists="$WORK/apt/lists" -o Dir::Cache="$WORK/apt/cache" \
	-o APT::Sandbox::User=root -o Debug::NoLocking=1 -qq
echo "fieldd: fetching libmicrohttpd $VER source (Debian 13)"
apt-get "$@" update
# the Debian revision may move on; the upstream tarball of $VER is what is built
(cd "$WORK/dl" && { apt-get "$@" source --download-only "libmicrohttpd=$DEBVER" 2>/dev/null ||
	apt-get "$@" source --download-only libmicrohttpd; })
[ -f "$WORK/dl/libmicrohttpd_$VER.orig.tar.gz" ] ||
	{ echo "fieldd: Debian 13 no longer has libmicrohttpd $VER" >&2; exit 1; }
tar -xzf "$WORK/dl/libmicrohttpd_$VER.orig.tar.gz" -C "$WORK"
src="$WORK/libmicrohttpd-$VER"
for p in $PATCHES; do
	patch -s -d "$src" -p1 <"$p"
done
echo "fieldd: building libmicrohttpd $VER"
(cd "$src" && ./configure --quiet --prefix="$PREFIX" --disable-shared --enable-static --with-pic \
	--disable-https --disable-doc --disable-examples --disable-tools --disable-curl \
	--disable-bauth --disable-dauth --disable-httpupgrade --disable-postprocessor \
	--enable-build-type=release >"$WORK/configure.log" 2>&1 ||
	{ tail -n 30 "$WORK/configure.log" >&2; exit 1; })
make -s -C "$src" -j"$(nproc 2>/dev/null || echo 2)" >"$WORK/make.log" 2>&1 ||
	{ tail -n 30 "$WORK/make.log" >&2; exit 1; }
make -s -C "$src" install >/dev/null 2>&1
rm -rf "$WORK"
touch "$STAMP"
