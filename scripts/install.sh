#!/usr/bin/env bash
# Installs libhermesoauth.so, include/hermesoauth.h, hermesoauth.pc, libhermesmcp.so,
# include/hermesmcp.h, hermesmcp.pc and the hermes CLI. A C program links one of the two libraries:
# libhermesmcp.so holds libhermesoauth's API too.
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
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac

if [ -z "$products" ]; then
  (cd "$root" && swift build -c release --product hermesoauth && swift build -c release --product hermesmcp && swift build -c release --product hermes)
  products="$root/.build/release"
fi
for f in libhermesoauth.so libhermesmcp.so hermes; do
  [ -f "$products/$f" ] || { echo "install.sh: $products/$f is missing; build first" >&2; exit 1; }
done

version=$(sed -n 's/^#define HERMESOAUTH_VERSION "\(.*\)"$/\1/p' "$root/include/hermesoauth.h")
dest="${DESTDIR:-}$prefix"
install -d "$dest/lib/pkgconfig" "$dest/include" "$dest/bin"
for lib in hermesoauth hermesmcp; do
  install -m 0755 "$products/lib$lib.so" "$dest/lib/lib$lib.so"
  install -m 0644 "$root/include/$lib.h" "$dest/include/$lib.h"
  sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" "$root/$lib.pc.in" > "$dest/lib/pkgconfig/$lib.pc"
  chmod 0644 "$dest/lib/pkgconfig/$lib.pc"
done
install -m 0755 "$products/hermes" "$dest/bin/hermes"
echo "installed hermesoauth and hermesmcp $version into $dest"
echo "  build C programs with: PKG_CONFIG_PATH=$prefix/lib/pkgconfig cc prog.c \$(pkg-config --cflags --libs hermesmcp)"
echo "  (or hermesoauth for the OAuth API alone; never both)"
