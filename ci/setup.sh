#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for n3x, idempotently and fast when already done:
# host packages (QEMU, qemu-img, mmdebstrap, e2fsprogs, vde2, iproute2; make, g++, python3 to build node-pty),
# npm dependencies, the base image.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have qemu-system-x86_64 || need+=(qemu-system-x86)
have qemu-img || need+=(qemu-utils)
have mmdebstrap || need+=(mmdebstrap)
have mke2fs || need+=(e2fsprogs)
have vde_switch || need+=(vde2)
have ip || need+=(iproute2)
have tar || need+=(tar)
# node-pty (the REPL test's pseudo-terminal) has no Linux prebuild: npm ci builds it with node-gyp.
have make || need+=(make)
have g++ || need+=(g++)
have python3 || need+=(python3)
if ((${#need[@]})); then
  echo "n3x setup: installing ${need[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if have sudo && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "n3x setup: missing ${need[*]} and not root (no passwordless sudo): install them, then rerun" >&2; exit 1
    fi
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# npm dependencies: reinstall only when package-lock.json changed since the last install.
stamp=node_modules/.n3x-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "n3x setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# The base image (cached by recipe hash; a cache hit takes well under a second).
npx tsx harness/cli/main.ts images build --quiet
