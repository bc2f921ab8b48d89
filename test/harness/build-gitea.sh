#!/usr/bin/env bash
# Builds Gitea (the real Git host of the integration tests: HTTP, SSH, signed webhooks) from Go
# modules into a cache outside the repository, as build-control-plane.sh does for Kubernetes.
#   <cache>/gitea        the binary (sqlite built in, cgo)
#   <cache>/templates, <cache>/options, <cache>/public
#                        what a build without the `bindata` tag reads from its static root
# Gitea's go.mod replaces modules; a wrapper module only sees its own replace directives, so
# they are copied from Gitea's go.mod into the wrapper's.
# Idempotent and safe to run concurrently (flock, temp name then rename). Prints the cache folder.
#
# Cache: $BERTH_GITEA_DIR, else ${XDG_CACHE_HOME:-~/.cache}/berth/assets/gitea-<version>.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/berth/assets"
assets="${BERTH_GITEA_DIR:-$cache_root/gitea-${GITEA_VERSION}}"
mkdir -p "$assets"
log() { printf '[build-gitea] %s\n' "$*" >&2; }

complete() { [ -x "$assets/gitea" ] && [ -d "$assets/templates" ] && [ -d "$assets/options" ]; }
if complete; then
  echo "$assets"
  exit 0
fi

exec 9>"$assets/.build.lock"
flock 9
if complete; then
  echo "$assets"
  exit 0
fi

if ! command -v go >/dev/null; then
  log "go is not on PATH: Gitea is built from Go modules (install Go >= 1.26)"
  exit 1
fi
if ! command -v gcc >/dev/null; then
  # Gitea's sqlite driver (mattn/go-sqlite3) needs cgo.
  log "gcc is missing: apt-get install -y gcc libc6-dev"
  DEBIAN_FRONTEND=noninteractive apt-get install -y gcc libc6-dev >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOFLAGS="-buildvcs=false -mod=mod"
export CGO_ENABLED=1

start=$(date +%s)
log "building gitea $GITEA_VERSION (cold: 36 minutes on a busy 2-core machine, less on an idle one)"
d="$work/gitea"
mkdir -p "$d"
printf 'module berth.local/gitea\n\ngo 1.26\n' >"$d/go.mod"
gomod="$(cd "$d" && go mod download -json "code.gitea.io/gitea@$GITEA_VERSION" \
  | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
[ -n "$gomod" ] || { log "go mod download printed no go.mod for code.gitea.io/gitea@$GITEA_VERSION"; exit 1; }
# Single-line replace directives (`replace a => b v`); a replace block would need more parsing.
replaces="$(sed -n 's#^replace \([^ ]*\) => \([^ ]*\) \(v[^ ]*\).*#replace \1 => \2 \3#p' "$gomod")"
{
  printf 'require code.gitea.io/gitea %s\n' "$GITEA_VERSION"
  printf '%s\n' "$replaces"
} >>"$d/go.mod"
log "reproduced $(printf '%s\n' "$replaces" | grep -c '^replace' || true) replace directives from Gitea's go.mod"
(cd "$d" && go get "code.gitea.io/gitea@$GITEA_VERSION" >&2)
src="$(cd "$d" && go list -m -f '{{.Dir}}' code.gitea.io/gitea)"
version="${GITEA_VERSION#v}"
log "compiling (go build -tags 'sqlite sqlite_unlock_notify')"
(cd "$d" && go build -trimpath -tags 'sqlite sqlite_unlock_notify' \
  -ldflags="-s -w -X main.Version=$version -X 'main.Tags=sqlite sqlite_unlock_notify'" \
  -o "$assets/gitea.tmp" code.gitea.io/gitea >&2)
for folder in templates options public; do
  rm -rf "$assets/$folder.tmp"
  cp -r "$src/$folder" "$assets/$folder.tmp"
  chmod -R u+w "$assets/$folder.tmp"
  rm -rf "$assets/$folder"
  mv "$assets/$folder.tmp" "$assets/$folder"
done
mv "$assets/gitea.tmp" "$assets/gitea"
log "gitea ready in $assets ($(( $(date +%s) - start ))s cold build)"
echo "$assets"
