#!/bin/sh
# Makes sure Debian's redis-server is installed: the harness starts a private one
# on a free port for each run. Installs it with apt when missing (as root, or via
# sudo when that works without a password).
command -v redis-server >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "berth: redis-server is missing; install it with: sudo apt-get install -y redis-server" >&2
  exit 1
fi
echo "berth: installing redis-server from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq --no-install-recommends redis-server >&2
# The package starts a system-wide instance on 6379; Berth's tests never use it.
command -v redis-server >/dev/null 2>&1
