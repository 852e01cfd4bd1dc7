#!/usr/bin/env bash
# CI runner preparation (as root): /dev/kvm usable by everyone, host packages installed (ci/host-plan.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -e /dev/kvm ]; then
  echo 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"' > /etc/udev/rules.d/99-kvm4all.rules
  udevadm control --reload-rules && udevadm trigger --name-match=kvm || true
  chmod 0666 /dev/kvm
fi
node ci/host-plan.mjs
