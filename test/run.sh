#!/bin/sh
# Berth's whole test suite, the command CI runs (.ci/run) and the README documents:
#   npm test              everything: type-check, lint, unit (with layering), integration
#   npm test -- unit      type-check, lint, unit tests and the layering check only
#   npm test -- integration
# Brings its own Node 24, npm dependencies, Redis and control-plane binaries.
set -eu
BERTH_ROOT="$(cd "$(dirname -- "$0")/.." && pwd)"
cd "$BERTH_ROOT"
sh src/bin/setup
. src/bin/node-env.sh
what="${1:-all}"

step() {
  name="$1"; shift
  started=$(date +%s)
  echo "== $name"
  "$@"
  echo "== $name passed in $(( $(date +%s) - started ))s"
}

# Unit tests sit beside the code they test; integration tests live under test/.
# The layering check (test/architecture) needs no cluster, so it runs with the unit tests.
unit_tests='{src,sync,diff,health,webhooks,bench,console}/**/*.test.ts'
architecture_tests='test/architecture/*.test.ts'
integration_tests='test/!(architecture)/**/*.test.ts'

if [ "$what" != integration ]; then
  step typecheck node node_modules/typescript/bin/tsc --noEmit -p .
  step typecheck-console node node_modules/typescript/bin/tsc --noEmit -p console
  step lint node node_modules/eslint/bin/eslint.js --max-warnings=0 .
  # The signed-commit tests make and sign with ssh-keygen (openssh-client), as git does.
  sh test/harness/ensure-ssh-keygen.sh
  step unit node --test --test-reporter=spec "$unit_tests" "$architecture_tests"
fi
if [ "$what" != unit ]; then
  sh test/harness/ensure-redis.sh
  sh test/harness/ensure-ssh-keygen.sh
  # The console's browser tests (test/console) and the controller serve console/dist: built once here, when stale.
  step build-console node console/build.ts
  sh test/console/ensure-chromium.sh
  # Gitea (the real Git host of test/controller/ssh-gitea.test.ts) from Go modules: cached, built once, timed here.
  step build-gitea bash test/harness/build-gitea.sh
  # Two test files at once: each file has its own namespaces, repositories and
  # controller processes, and most of their time is spent waiting on the API
  # server, so two overlap well even on 2 cores (984 s serial, 554 s with two).
  step integration node --test --test-reporter=spec --test-timeout=600000 --test-concurrency=2 \
    --test-global-setup=test/harness/global-setup.ts "$integration_tests"
fi
