#!/bin/bash
# tests/deps.sh PACKAGE...: installs the Debian packages that are missing.
set -u
missing=()
for p in "$@"; do
    dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q "${missing[@]}" > /dev/null ||
    { $sudo apt-get update -q > /dev/null && $sudo apt-get install -y -q "${missing[@]}" > /dev/null; }
