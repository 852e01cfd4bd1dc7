#!/usr/bin/env bash
# Builds the n3x Debian guest: mmdebstrap rootfs -> ext4 -> qcow2, plus the kernel and a small initramfs.
# usage: [N3X_ARCH=amd64|arm64] [N3X_EXTRA_PACKAGES='pkg …' [N3X_BASE_ROOTFS=base/rootfs.tar]] build.sh OUTDIR
#   (writes OUTDIR/{disk.qcow2,vmlinuz,initrd.img}, and rootfs.tar for a base image). As root: mmdebstrap --mode=root;
# otherwise --mode=unshare (needs newuidmap and a /etc/subuid range) with the steps that read the rootfs run
# in the same user namespace (mmdebstrap --unshare-helper), so file owners in the image are right either way.
set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin  # mke2fs, for users whose PATH lacks the sbin directories
here=$(cd "$(dirname "$0")" && pwd)
out=$1
suite=${N3X_DEBIAN_SUITE:-bookworm}
# Debian architecture of the guest. arm64 on an x86_64 host runs the package scripts under qemu-user-static
# through binfmt_misc (qemu-aarch64 enabled; ci/setup.sh sets it up).
arch=${N3X_ARCH:-amd64}
case $arch in amd64|arm64) ;; *) echo "build.sh: N3X_ARCH=$arch: use amd64 or arm64" >&2; exit 1;; esac
if [ "$arch" != "$(dpkg --print-architecture 2>/dev/null || echo amd64)" ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  echo "build.sh: building $arch needs binfmt_misc with qemu-aarch64 enabled: install qemu-user-static and binfmt-support (ci/setup.sh does), then mount binfmt_misc" >&2
  exit 1
fi
mirror=${N3X_DEBIAN_MIRROR:-}
keyring=${N3X_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
if [ ! -r "$keyring" ]; then
  echo "build.sh: Debian archive keyring $keyring not found: install debian-archive-keyring (ci/setup.sh does; on Ubuntu it is in universe) or set N3X_DEBIAN_KEYRING" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then mode=root; inns() { "$@"; }; else mode=unshare; inns() { mmdebstrap --unshare-helper "$@"; }; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/n3x-build.XXXXXX")
# The rootfs belongs to the namespace's users: empty it from inside, then remove the rest as ourselves.
trap 'if [ -d "$work/rootfs" ]; then inns find "$work/rootfs" -mindepth 1 -delete || true; fi; rm -rf "$work"' EXIT
# In unshare mode the namespace's root is a subordinate uid: it may enter $work and write the files made for it.
chmod 0711 "$work"
pkgs=$(grep -v '^#' "$here/packages.txt" | grep -v '^$' | paste -sd, -)
# The kernel is the one package that differs per architecture.
pkgs="$pkgs,linux-image-$arch"
# A derived image (NodeSpec.packages): extra package names, space-separated (validated by harness/images/recipe.ts).
for p in ${N3X_EXTRA_PACKAGES:-}; do pkgs="$pkgs,$p"; done
# Debian's own initramfs is never used (mkinitrd.sh builds ours). For a foreign architecture its generation runs
# under qemu-user, one emulated process per module (~40 min on 2 cores): update-initramfs is a no-op while the
# packages install, and the real one is put back afterwards.
# (A derived image's packages install in the essential step: there the no-op goes in before it, at extract.)
hooks=()
if [ "$arch" != amd64 ]; then
  divert='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs && printf "#!/bin/sh\nexit 0\n" > "$1/usr/sbin/update-initramfs" && chmod 0755 "$1/usr/sbin/update-initramfs"'
  when=--essential-hook; if [ -n "${N3X_BASE_ROOTFS:-}" ] && [ -n "${N3X_EXTRA_PACKAGES:-}" ]; then when=--extract-hook; fi
  hooks=("$when=$divert"
         --customize-hook='rm "$1/usr/sbin/update-initramfs" && chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs')
fi
# A derived image whose base image kept its rootfs (N3X_BASE_ROOTFS, set by harness/images/cache.ts): the base's
# tree is unpacked and only the extra packages (and what they pull in) are downloaded and installed on top, with the
# same dpkg options, overlay and customize.sh — the custom variant installs --include and nothing else.
base_rootfs=${N3X_BASE_ROOTFS:-}
common=(--mode="$mode" --architectures="$arch" --format=directory --keyring="$keyring"
  --dpkgopt='path-exclude=/usr/share/{doc,man,locale,info}/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  "${hooks[@]}"
  --customize-hook="sync-in '$here/overlay' /"
  --customize-hook="copy-in '$here/customize.sh' /tmp"
  --customize-hook='sh "$1/tmp/customize.sh" "$1" && rm "$1/tmp/customize.sh"')
if [ -n "$base_rootfs" ] && [ -n "${N3X_EXTRA_PACKAGES:-}" ]; then
  extra=$(echo "$N3X_EXTRA_PACKAGES" | tr -s ' ' ',')
  echo "step: rootfs (derived: the base rootfs + $extra, $suite $arch, mode $mode)"
  mmdebstrap --variant=custom "${common[@]}" --include="$extra" \
    --setup-hook="tar-in '$base_rootfs' /" \
    "$suite" "$work/rootfs" $mirror
else
  echo "step: rootfs ($suite $arch, $(echo "$pkgs" | tr ',' '\n' | wc -l) packages, mode $mode)"
  mmdebstrap --variant=minbase "${common[@]}" --include="$pkgs" "$suite" "$work/rootfs" $mirror
fi
# A base image keeps its finished tree (numeric owners, /dev left out: mmdebstrap populates it) for derived ones.
if [ -z "${N3X_EXTRA_PACKAGES:-}" ]; then
  echo "step: rootfs.tar"
  install -m 0666 /dev/null "$work/rootfs.tar"
  inns tar -C "$work/rootfs" --numeric-owner --exclude='./dev/*' -cf "$work/rootfs.tar" .
fi
for f in initrd.img vmlinuz disk.raw; do install -m 0666 /dev/null "$work/$f"; done
echo "step: initramfs"
inns sh -s "$work/rootfs" "$work/initrd.img" < "$here/mkinitrd.sh"
inns sh -c 'cat "$1"/boot/vmlinuz-* > "$2"' sh "$work/rootfs" "$work/vmlinuz"
# The kernel uncompressed when it is an ELF with a PVH entry note (Debian's is): QEMU loads it straight into guest
# memory, skipping the in-guest XZ decompression of the bzImage (seconds under TCG). Else the bzImage stays.
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$work/vmlinuz" | head -n 1 | cut -d: -f1 || true)
if [ -n "$off" ] && tail -c +"$((off + 1))" "$work/vmlinuz" > "$work/vmlinux.xz" && xz -dc --single-stream "$work/vmlinux.xz" > "$work/vmlinux" 2>/dev/null &&
   LC_ALL=C grep -qaP '\x04\x00\x00\x00\x08\x00\x00\x00\x12\x00\x00\x00Xen\x00' "$work/vmlinux"; then
  echo "step: kernel uncompressed ($(wc -c < "$work/vmlinux") bytes, PVH entry)"
  cat "$work/vmlinux" > "$work/vmlinuz"
fi
rm -f "$work/vmlinux" "$work/vmlinux.xz"
echo "step: ext4"
truncate -s 3G "$work/disk.raw"
inns mke2fs -q -F -t ext4 -L n3xroot -d "$work/rootfs" "$work/disk.raw"
chmod 0644 "$work/initrd.img" "$work/vmlinuz" "$work/disk.raw"
echo "step: qcow2"
# zstd clusters (QEMU >= 5.1 built with libzstd), written by 4 coroutines out of order: 3.6 s here for the base disk
# against 35.6 s with zlib, at the same size (274 MB against 282 MB); zlib, then no compression, where zstd is missing.
qemu-img convert -c -o compression_type=zstd -m 4 -W -O qcow2 "$work/disk.raw" "$work/disk.qcow2" 2>/dev/null ||
  qemu-img convert -c -O qcow2 "$work/disk.raw" "$work/disk.qcow2" 2>/dev/null ||
  qemu-img convert -O qcow2 "$work/disk.raw" "$work/disk.qcow2"
mkdir -p "$out"
mv "$work/disk.qcow2" "$work/vmlinuz" "$work/initrd.img" "$out/"
if [ -e "$work/rootfs.tar" ]; then chmod 0644 "$work/rootfs.tar"; mv "$work/rootfs.tar" "$out/"; fi
echo "step: done"
