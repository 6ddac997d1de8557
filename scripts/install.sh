#!/usr/bin/env bash
# Installs libhermesoauth.so, include/hermesoauth.h, hermesoauth.pc and the hermes CLI.
#
#   scripts/install.sh [--prefix DIR] [--products DIR]
#
# --prefix    where to install (default /usr/local); DESTDIR is honoured for staging.
# --products  install already-built products from DIR instead of building a release first.
#
# The library links the Swift runtime of the toolchain that built it (its RUNPATH points there), so
# the installed copy runs on machines with that toolchain at the same path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix=/usr/local
products=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --products) products="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac

if [ -z "$products" ]; then
  (cd "$root" && swift build -c release --product hermesoauth && swift build -c release --product hermes)
  products="$root/.build/release"
fi
for f in libhermesoauth.so hermes; do
  [ -f "$products/$f" ] || { echo "install.sh: $products/$f is missing; build first" >&2; exit 1; }
done

version=$(sed -n 's/^#define HERMESOAUTH_VERSION "\(.*\)"$/\1/p' "$root/include/hermesoauth.h")
dest="${DESTDIR:-}$prefix"
install -d "$dest/lib/pkgconfig" "$dest/include" "$dest/bin"
install -m 0755 "$products/libhermesoauth.so" "$dest/lib/libhermesoauth.so"
install -m 0644 "$root/include/hermesoauth.h" "$dest/include/hermesoauth.h"
install -m 0755 "$products/hermes" "$dest/bin/hermes"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" "$root/hermesoauth.pc.in" > "$dest/lib/pkgconfig/hermesoauth.pc"
chmod 0644 "$dest/lib/pkgconfig/hermesoauth.pc"
echo "installed hermesoauth $version into $dest"
echo "  build C programs with: PKG_CONFIG_PATH=$prefix/lib/pkgconfig cc prog.c \$(pkg-config --cflags --libs hermesoauth)"
