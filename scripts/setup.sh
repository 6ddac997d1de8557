#!/usr/bin/env bash
# Installs the Debian packages hermes builds and tests with, when any is missing.
#   libssl-dev          OpenSSL libcrypto: SHA-256 and the CSPRNG behind PKCE and state
#   libcurl4-openssl-dev, libjansson-dev
#                       the C libraries the project's CI image is expected to carry (URLSession
#                       on Linux runs on libcurl)
#   pkg-config          how C programs find libhermesoauth
#   gcc g++ binutils    the C and C++ header checks and nm for the exported-symbol check
#   util-linux          `script`, which gives CLI tests a terminal
#   valgrind            the C API tests run under it (no definite leaks)
#   curl                the benchmark's stand-in browser
#   tmux                a real terminal for the checklist tests
#   openssl             the TLS tests make a throw-away CA and server certificate at run time
set -euo pipefail
packages=(libssl-dev libcurl4-openssl-dev libjansson-dev pkg-config gcc g++ binutils util-linux valgrind curl tmux openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
