#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for n3x, idempotently and fast when already done:
# host packages (ci/host-plan.mjs: QEMU for x86_64 and aarch64, qemu-img, mmdebstrap, qemu-user-static +
# binfmt-support + arch-test, UEFI firmware, e2fsprogs, vde2, iproute2, uidmap, the Debian archive keyring), npm dependencies, the base image (as root, or rootless through user namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."

node ci/host-plan.mjs

# The arm64 image build (aarch64 machines) runs arm64 package scripts under qemu-user: binfmt_misc must be mounted
# and qemu-aarch64 registered. Root does it; anyone else is told how. Not needed for x86_64-only clusters.
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  if [ "$(id -u)" = 0 ]; then
    mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || true
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  fi
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] ||
    echo "n3x setup: note: binfmt_misc has no qemu-aarch64, so arm64 images (aarch64 machines) cannot be built: as root, mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && update-binfmts --enable qemu-aarch64"
fi

# npm dependencies: reinstall only when package-lock.json changed since the last install.
stamp=node_modules/.n3x-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
# N3X_SETUP_NPM=0: the job installed them itself (e.g. npm ci --ignore-scripts where node-pty is not needed).
if [ "${N3X_SETUP_NPM:-1}" != 0 ] && { [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; }; then
  echo "n3x setup: npm ci"
  # node-pty is built by node-gyp, which downloads Node's headers unless told where they are. Where the
  # distribution's headers match the running node (Debian's nodejs), use them: no download, offline hosts work.
  hdr=/usr/include/node/node_version.h
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$hdr" ]; then
    v=v$(awk '/#define NODE_(MAJOR|MINOR|PATCH)_VERSION/ {printf "%s%s", sep, $3; sep="."}' "$hdr")
    [ "$v" = "$(node -v)" ] && export npm_config_nodedir=/usr
  fi
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# The base image (cached by recipe hash; a cache hit takes well under a second). CI's scenario jobs skip it
# (N3X_SETUP_IMAGE=0): ci/run-scenario.sh restores or builds exactly the images its scenario needs.
[ "${N3X_SETUP_IMAGE:-1}" = 0 ] || npx tsx harness/cli/main.ts images build --quiet
