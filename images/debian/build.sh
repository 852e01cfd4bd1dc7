#!/usr/bin/env bash
# Builds the n3x Debian guest: mmdebstrap rootfs -> ext4 -> qcow2, plus the kernel and a small initramfs.
# usage: build.sh OUTDIR   (writes OUTDIR/{disk.qcow2,vmlinuz,initrd.img}); needs root for the rootfs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
suite=${N3X_DEBIAN_SUITE:-bookworm}
mirror=${N3X_DEBIAN_MIRROR:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/n3x-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
pkgs=$(grep -v '^#' "$here/packages.txt" | grep -v '^$' | paste -sd, -)
echo "step: rootfs ($suite, $(echo "$pkgs" | tr ',' '\n' | wc -l) packages)"
mmdebstrap --variant=minbase --mode=root --format=directory \
  --include="$pkgs" \
  --dpkgopt='path-exclude=/usr/share/{doc,man,locale,info}/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --customize-hook="sync-in '$here/overlay' /" \
  --customize-hook="sh '$here/customize.sh' \"\$1\"" \
  "$suite" "$work/rootfs" $mirror
echo "step: initramfs"
sh "$here/mkinitrd.sh" "$work/rootfs" "$work/initrd.img"
cp "$work"/rootfs/boot/vmlinuz-* "$work/vmlinuz"
echo "step: ext4"
mke2fs -q -t ext4 -L n3xroot -d "$work/rootfs" "$work/disk.raw" 3G
echo "step: qcow2"
qemu-img convert -c -O qcow2 "$work/disk.raw" "$work/disk.qcow2" 2>/dev/null || qemu-img convert -O qcow2 "$work/disk.raw" "$work/disk.qcow2"
mkdir -p "$out"
mv "$work/disk.qcow2" "$work/vmlinuz" "$work/initrd.img" "$out/"
echo "step: done"
