#!/usr/bin/env bash
# Builds a real OCI registry (github.com/distribution/distribution/v3) and the oras CLI
# from Go modules into a cache outside the repository, for the Helm/OCI source tests.
# Same guarantees as build-control-plane.sh: a flock serialises builders, binaries are
# built under a temp name and renamed, and the last stdout line is the asset folder.
#
# Cache: $BERTH_REGISTRY_ASSETS_DIR, else ${XDG_CACHE_HOME:-~/.cache}/berth/assets/<versions>.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/berth/assets"
key="registry-${DISTRIBUTION_VERSION}_oras-${ORAS_VERSION}"
assets="${BERTH_REGISTRY_ASSETS_DIR:-$cache_root/$key}"
mkdir -p "$assets"

have() { [ -x "$assets/$1" ]; }
log() { printf '[build-registry] %s\n' "$*" >&2; }

if have registry && have oras; then
  echo "$assets"
  exit 0
fi

exec 9>"$assets/.build.lock"
flock 9

if ! command -v go >/dev/null; then
  log "go is not on PATH: the registry is built from Go modules (install Go >= 1.24)"
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOFLAGS="-buildvcs=false -mod=mod"
export CGO_ENABLED=0

new_module() { # dir, module path
  mkdir -p "$1"
  printf 'module %s\n\ngo 1.24\n' "$2" >"$1/go.mod"
}

# shellcheck source=build-progress.sh
source "$here/build-progress.sh"
progress_init build-registry "$(( $(have registry && echo 0 || echo 1) + $(have oras && echo 0 || echo 1) ))"

if ! have registry; then
  d="$work/registry"
  new_module "$d" berth.local/registry
  (cd "$d" && go get "github.com/distribution/distribution/v3@$DISTRIBUTION_VERSION" \
    && progress_build "registry $DISTRIBUTION_VERSION" "$assets/registry.tmp" \
      "-s -w -X github.com/distribution/distribution/v3/version.version=$DISTRIBUTION_VERSION" \
      github.com/distribution/distribution/v3/cmd/registry)
  mv "$assets/registry.tmp" "$assets/registry"
fi

if ! have oras; then
  d="$work/oras"
  new_module "$d" berth.local/oras
  (cd "$d" && go get "oras.land/oras@$ORAS_VERSION" \
    && progress_build "oras $ORAS_VERSION" "$assets/oras.tmp" '-s -w' oras.land/oras/cmd/oras)
  mv "$assets/oras.tmp" "$assets/oras"
fi

log "registry assets ready in $assets (cold build $(progress_elapsed))"
echo "$assets"
