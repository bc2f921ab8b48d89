#!/bin/sh
# Makes sure Debian's chromium is installed for the console's browser tests and
# benchmark (driven by playwright-core at /usr/bin/chromium: no browser download).
# Installs it with apt when missing (as root, or via sudo without a password).
command -v /usr/bin/chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "berth: /usr/bin/chromium is missing; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "berth: /usr/bin/chromium is missing: installing Debian's chromium package (about 100 MB, a minute or two)" >&2
started=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq --no-install-recommends chromium >&2 \
  || { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq --no-install-recommends chromium >&2; }
echo "berth: chromium installed in $(( $(date +%s) - started ))s" >&2
command -v /usr/bin/chromium >/dev/null 2>&1
