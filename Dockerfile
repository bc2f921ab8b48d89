# syntax=docker/dockerfile:1
# Berth's controller image: `berth controller` on Node 24 (which runs the
# TypeScript sources by type stripping, so there is no build step), with the
# kustomize and helm binaries it renders with, production dependencies only,
# a non-root user, and a root filesystem that may be mounted read-only (the
# cache and /tmp are volumes).
#
#   docker build -t berth .
#   docker run --read-only -e BERTH_REDIS_URL=redis://... -v ~/.kube:/kube:ro \
#     -e KUBECONFIG=/kube/config berth

# kustomize and helm, built from their Go modules at pinned versions: go.sum and
# the Go checksum database verify every module, as a release tarball's checksum would.
FROM golang:1.26.8-bookworm AS tools
ARG HELM_VERSION=v3.22.0
ARG KUSTOMIZE_VERSION=v5.8.1
ENV CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN=/out
RUN go install -ldflags='-s -w' "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
# A wrapper module, as helm's own Makefile does it, so the version and the default
# Kubernetes version (from its client-go) are stamped into the binary.
WORKDIR /build/helm
RUN printf 'module berth.local/helm\n\ngo 1.24\n' > go.mod \
 && go get "helm.sh/helm/v3@${HELM_VERSION}" \
 && k8s="$(go list -m -f '{{.Version}}' k8s.io/client-go | sed 's/^v//')" \
 && major=$(( ${k8s%%.*} + 1 )) && minor="$(echo "$k8s" | cut -d. -f2)" \
 && go build -ldflags="-s -w \
      -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${major} \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor} \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${major} \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}" \
      -o /out/helm helm.sh/helm/v3/cmd/helm

# Production dependencies only. `npm install` rather than `npm ci`: both install
# exactly the lock file, but npm ci also insists that every platform's optional
# package (msgpackr's prebuilt binaries) resolves (see src/bin/setup).
FROM node:24.21.0-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && npm cache clean --force

# The console (console/src, Preact) bundled by esbuild into console/dist: the
# image ships the built files, so the controller fetches nothing at run time.
FROM node:24.21.0-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --ignore-scripts --no-audit --no-fund --loglevel=error
COPY console ./console
RUN node console/build.ts --force

FROM node:24.21.0-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    BERTH_CACHE_DIR=/var/cache/berth \
    BERTH_LISTEN=0.0.0.0:8080 \
    HOME=/tmp
COPY --from=tools /out/kustomize /out/helm /usr/local/bin/
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY sync ./sync
COPY diff ./diff
COPY health ./health
COPY webhooks ./webhooks
COPY objects.ts ./
COPY --from=console /app/console/dist ./console/dist
# The only places Berth writes: its cache, and /tmp for render scratch folders.
RUN mkdir -p /var/cache/berth && chown 10001:10001 /var/cache/berth && chmod 1777 /tmp
USER 10001:10001
VOLUME ["/var/cache/berth", "/tmp"]
EXPOSE 8080
# Small young-generation semi-spaces, as src/bin/berth runs the controller: its garbage
# is short-lived API JSON; V8 optimizing for size roughly halves the resident memory.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--optimize-for-size", "src/cli/main.ts"]
CMD ["controller"]
