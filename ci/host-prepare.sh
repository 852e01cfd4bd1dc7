#!/usr/bin/env bash
# GitHub runner preparation (as root): /dev/kvm usable by everyone, host packages installed.
set -euo pipefail
if [ -e /dev/kvm ]; then
  echo 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"' > /etc/udev/rules.d/99-kvm4all.rules
  udevadm control --reload-rules && udevadm trigger --name-match=kvm || true
  chmod 0666 /dev/kvm
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 qemu-utils mmdebstrap e2fsprogs vde2 iproute2 make g++ python3 >/dev/null
