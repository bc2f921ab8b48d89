#!/bin/sh
# Makes sure Debian's redis-server and redis-sentinel are installed: the harness
# starts a private redis-server on a free port for each run, and the failover
# test a primary, a replica and three sentinels. Installs what is missing with
# apt (as root, or via sudo when that works without a password).
missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v redis-sentinel >/dev/null 2>&1 || missing="$missing redis-sentinel"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "berth: missing:$missing; install with: sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "berth: installing$missing from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # the package list is meant to split
$sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq --no-install-recommends $missing >&2
# The packages start system-wide instances on 6379 and 26379; Berth's tests never use them.
command -v redis-server >/dev/null 2>&1 && command -v redis-sentinel >/dev/null 2>&1
