#!/usr/bin/env bash
# Installs the pinned node-llama-cpp (3.22.1) into .cache/node-llama-cpp for the few dev tools that need its
# source, not its binaries: the llama.cpp source it bundles (llama/gitRelease.bundle: the exact commit of the
# libllama atlas calls, for building llama-bench & co. and for the GPU check) and bench/engine.ts's
# node-llama-cpp side. It is not one of atlas's dependencies: atlas uses only the @node-llama-cpp/<platform>
# binary packages, declared in package.json. Prints the package's folder.
#
#   scripts/dev-node-llama-cpp.sh            # → .cache/node-llama-cpp/node_modules/node-llama-cpp
#   git clone "$(scripts/dev-node-llama-cpp.sh)/llama/gitRelease.bundle" llama.cpp
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version=3.22.1
prefix="$root/.cache/node-llama-cpp"
pkg="$prefix/node_modules/node-llama-cpp"
if [[ ! -f "$pkg/package.json" ]] || ! grep -q "\"version\": \"$version\"" "$pkg/package.json"; then
  mkdir -p "$prefix"
  [[ -f "$prefix/package.json" ]] || echo '{"name":"atlas-dev-node-llama-cpp","private":true}' >"$prefix/package.json"
  # --ignore-scripts: its postinstall would try to download or build binaries; the platform packages come
  # with it as optional dependencies and the source bundle is in the tarball itself.
  npm install --prefix "$prefix" --no-save --ignore-scripts --no-audit --no-fund "node-llama-cpp@$version" >&2
fi
echo "$pkg"
