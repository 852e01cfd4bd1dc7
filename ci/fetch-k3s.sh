#!/usr/bin/env bash
# Puts k3s $N3X_K3S_VERSION (binary + airgap images, sha256-verified) into the n3x cache once and reuses it after.
# A failed fetch fails when N3X_REQUIRE_K3S=1 (CI); otherwise the k3s scenarios report themselves skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
# usage: ci/fetch-k3s.sh [amd64|arm64]   (arm64: the Jetson agents' k3s, cached under k3s-arm64/)
arch=${1:-amd64}
case $arch in amd64) sub=k3s ;; arm64) sub=k3s-arm64 ;; *) echo "ci/fetch-k3s.sh: unknown arch '$arch' (amd64 or arm64)" >&2; exit 2 ;; esac
cache=${N3X_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n3x}
if [ -n "${N3X_K3S_VERSION:-}" ] && [ -x "$cache/$sub/$N3X_K3S_VERSION/k3s" ]; then
  echo "k3s $N3X_K3S_VERSION ($arch): cached in $cache/$sub/$N3X_K3S_VERSION"
  exit 0
fi
if npx tsx harness/cli/main.ts images fetch-k3s --airgap --arch "$arch"; then exit 0; fi
if [ "${N3X_REQUIRE_K3S:-}" = 1 ]; then
  echo "ci/fetch-k3s.sh: fetching k3s ${N3X_K3S_VERSION:-(default)} failed and N3X_REQUIRE_K3S=1: fix the download (or the cache) or set N3X_K3S_BINARY" >&2
  exit 1
fi
echo "k3s not fetched: the k3s scenarios will report themselves skipped (set N3X_REQUIRE_K3S=1 to fail instead)"
