#!/usr/bin/env bash
# The prepare stage's matrix entry: builds ONE image of the plan (npx n3x images plan) into the cache, installing
# only what that build needs (image; aarch64 for an arm64 image: qemu-user + binfmt). A cache hit is a no-op.
# usage: ci/prepare-image.sh <plan id>   e.g. debian-x86_64, debian-aarch64, debian-x86_64+keepalived
set -euo pipefail
cd "$(dirname "$0")/.."
id=${1:?usage: ci/prepare-image.sh <plan id> (npx n3x images plan)}
needs=image
case $id in *-aarch64*) needs=$needs,aarch64 ;; trixie-grub-*) needs=$needs,byo ;; esac
# npm dependencies without install scripts are enough to build an image (no node-pty): no compiler needed.
[ -x node_modules/.bin/tsx ] || npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
N3X_HOST_NEEDS=$needs N3X_SETUP_IMAGE=0 N3X_SETUP_NPM=0 bash ci/setup.sh
npx tsx harness/cli/main.ts images build-planned "$id"
