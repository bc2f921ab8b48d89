#!/bin/sh
# Makes sure OpenSSH's ssh-keygen is installed (Debian's openssh-client): the
# signed-commit tests (src/source/verify-*.test.ts, test/source/signed-commits.test.ts)
# make keys with it and sign with `ssh-keygen -Y sign`, as git does with
# gpg.format=ssh. Berth itself never runs it. Installs it with apt when missing
# (as root, or via sudo when that works without a password).
command -v ssh-keygen >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "berth: ssh-keygen is missing; install it with: sudo apt-get install -y openssh-client" >&2
  exit 1
fi
echo "berth: installing openssh-client (ssh-keygen) from Debian's packages" >&2
started=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq --no-install-recommends openssh-client >&2 \
  || { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq --no-install-recommends openssh-client >&2; }
echo "berth: openssh-client installed in $(( $(date +%s) - started ))s" >&2
command -v ssh-keygen >/dev/null 2>&1
