#!/usr/bin/env bash
# CI runner preparation for VM jobs (as root): /dev/kvm usable by everyone, and KVM required: without it the job
# stops here in seconds, naming why (ci/require-kvm.mjs). Then the host packages of N3X_HOST_NEEDS (ci/host-plan.mjs;
# default every group).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -e /dev/kvm ]; then
  echo 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"' > /etc/udev/rules.d/99-kvm4all.rules
  udevadm control --reload-rules && udevadm trigger --name-match=kvm || true
  chmod 0666 /dev/kvm
fi
node ci/require-kvm.mjs
node ci/host-plan.mjs
