#!/usr/bin/env bash
# Builds the local control plane from Go modules into a cache outside the repository:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (+ kwok's stages),
#   and helm when asked (`build-control-plane.sh helm`).
# Idempotent and safe to run concurrently: a flock serialises builders, and each
# binary is built into a temp name and renamed, so a reader never sees half a file.
#
# Cache: $BERTH_ASSETS_DIR, else ${XDG_CACHE_HOME:-~/.cache}/berth/assets/<versions>.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/berth/assets"
key="k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}"
assets="${BERTH_ASSETS_DIR:-$cache_root/$key}"
mkdir -p "$assets"

want_helm=false
[ "${1:-}" = "helm" ] && want_helm=true

have() { [ -x "$assets/$1" ]; }
log() { printf '[build-control-plane] %s\n' "$*" >&2; }

# Fast path without the lock: binaries only ever appear complete (built under a
# temp name, then renamed), so a complete cache needs no waiting on a builder.
complete() {
  have etcd && have kube-apiserver && have kube-controller-manager && have kube-scheduler \
    && have kwok && [ -d "$assets/kwok-stages" ] && { ! $want_helm || have helm; }
}
if complete; then
  echo "$assets"
  exit 0
fi

exec 9>"$assets/.build.lock"
flock 9

if ! command -v go >/dev/null; then
  log "go is not on PATH: the control plane is built from Go modules (install Go >= 1.24)"
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOFLAGS="-buildvcs=false -mod=mod"
export CGO_ENABLED=0

# One wrapper module per upstream, so their dependency graphs never have to agree.
new_module() { # dir, module path
  mkdir -p "$1"
  printf 'module %s\n\ngo 1.24\n' "$2" >"$1/go.mod"
}

build_etcd() {
  have etcd && return
  local d="$work/etcd"
  new_module "$d" berth.local/etcd
  (cd "$d" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
    && progress_build "etcd $ETCD_VERSION" "$assets/etcd.tmp" '-s -w' go.etcd.io/etcd/server/v3)
  mv "$assets/etcd.tmp" "$assets/etcd"
}

build_kubernetes() {
  have kube-apiserver && have kube-controller-manager && have kube-scheduler && return
  local d="$work/kubernetes"
  new_module "$d" berth.local/kubernetes
  # k8s.io/kubernetes points its staging modules at ./staging, which the module zip
  # lacks: replace each with its published version, reading the list from its go.mod.
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  local staging
  staging="$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9./-]*\) => ./staging/.*#\1#p' "$gomod")"
  if [ -z "$staging" ]; then
    log "found no staging replaces in $gomod"
    exit 1
  fi
  {
    printf 'require k8s.io/kubernetes %s\n' "$KUBERNETES_VERSION"
    for m in $staging; do printf 'replace %s => %s %s\n' "$m" "$m" "$KUBERNETES_STAGING_VERSION"; done
  } >>"$d/go.mod"
  log "replaced $(echo "$staging" | wc -w) staging modules with $KUBERNETES_STAGING_VERSION"
  local ver="-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION"
  ver+=" -X k8s.io/component-base/version.gitMajor=1"
  ver+=" -X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
  ver+=" -X k8s.io/component-base/version.gitTreeState=clean"
  (cd "$d" \
    && go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBERNETES_VERSION" \
    && mkdir -p "$work/kout" \
    && progress_build "kube-apiserver, kube-controller-manager, kube-scheduler $KUBERNETES_VERSION" "$work/kout/" "-s -w $ver" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler)
  for b in kube-apiserver kube-controller-manager kube-scheduler; do
    mv "$work/kout/$b" "$assets/$b"
  done
}

build_kwok() {
  have kwok && [ -d "$assets/kwok-stages" ] && return
  local d="$work/kwok"
  new_module "$d" berth.local/kwok
  (cd "$d" && go get "sigs.k8s.io/kwok@$KWOK_VERSION" \
    && progress_build "kwok $KWOK_VERSION" "$assets/kwok.tmp" '-s -w' sigs.k8s.io/kwok/cmd/kwok)
  # kwok only simulates what its Stage objects describe; keep the module's standard ones.
  local src
  src="$(cd "$d" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  rm -rf "$assets/kwok-stages.tmp"
  cp -r "$src/kustomize/stage" "$assets/kwok-stages.tmp"
  chmod -R u+w "$assets/kwok-stages.tmp"
  rm -rf "$assets/kwok-stages"
  mv "$assets/kwok-stages.tmp" "$assets/kwok-stages"
  mv "$assets/kwok.tmp" "$assets/kwok"
}

build_helm() {
  have helm && return
  local d="$work/helm"
  new_module "$d" berth.local/helm
  # The version and helm's default Kubernetes version (from its client-go) stamped as the Dockerfile does;
  # without them `helm template` assumes Kubernetes v1.20.0.
  (cd "$d" && go get "helm.sh/helm/v3@$HELM_VERSION" \
    && k8s="$(go list -m -f '{{.Version}}' k8s.io/client-go | sed 's/^v//')" \
    && major=$(( ${k8s%%.*} + 1 )) && minor="$(echo "$k8s" | cut -d. -f2)" \
    && progress_build "helm $HELM_VERSION" "$assets/helm.tmp" "-s -w \
      -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$major \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$major \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor" \
      helm.sh/helm/v3/cmd/helm)
  mv "$assets/helm.tmp" "$assets/helm"
}

# shellcheck source=build-progress.sh
source "$here/build-progress.sh"
# Steps still to build, so the count says how far a cold build is ("(2/4)").
steps=0
have etcd || steps=$((steps + 1))
{ have kube-apiserver && have kube-controller-manager && have kube-scheduler; } || steps=$((steps + 1))
{ have kwok && [ -d "$assets/kwok-stages" ]; } || steps=$((steps + 1))
$want_helm && ! have helm && steps=$((steps + 1))
progress_init build-control-plane "$steps"
log "first build of the local control plane from Go modules: $steps step(s), several minutes on a cold cache"
start=$(date +%s)
build_etcd
build_kubernetes
build_kwok
$want_helm && build_helm
log "assets ready in $assets ($(( $(date +%s) - start ))s)"
echo "$assets"
