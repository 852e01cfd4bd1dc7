#!/usr/bin/env bash
# An image unlike the built-in one, built the way distribution images are: Debian trixie on a GPT disk (BIOS boot
# partition, EFI system partition, ext4 root), the distribution's own kernel and initramfs, GRUB installed for
# both BIOS (SeaBIOS) and UEFI (OVMF, removable path), and the n3x contract added by images/contract/add-contract.sh.
# usage: build.sh OUTDIR   (writes OUTDIR/disk.qcow2 only: the harness boots it through firmware)
# Needs root (loop devices for the partitions), mmdebstrap, sfdisk (fdisk), mkfs.vfat (dosfstools), mtools (the ESP
# is written without mounting it: the host kernel need not have vfat), e2fsprogs, qemu-utils, and the Debian mirror. N3X_DEBIAN_MIRROR overrides the mirror.
set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
out=$1
contract=$here/../../contract/add-contract.sh
keyring=${N3X_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
[ "$(id -u)" = 0 ] || { echo "build.sh: this example needs root (it partitions a disk through a loop device)" >&2; exit 1; }
for t in mmdebstrap sfdisk mkfs.vfat mcopy mkfs.ext4 partx losetup qemu-img; do
  command -v "$t" >/dev/null || { echo "build.sh: $t not found: install mmdebstrap fdisk dosfstools mtools e2fsprogs util-linux qemu-utils (ci/setup.sh does)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/n3x-trixie.XXXXXX")
mnt=$work/mnt
loop=
cleanup() {
  for m in "$mnt/dev" "$mnt/proc" "$mnt/sys" "$mnt"; do if mountpoint -q "$m"; then umount "$m"; fi; done
  if [ -n "$loop" ]; then partx -d "$loop" 2>/dev/null || true; losetup -d "$loop" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "step: rootfs (trixie)"
mmdebstrap --variant=minbase --mode=root --format=directory --keyring="$keyring" \
  --include="$(grep -v '^#' "$here/packages.txt" | grep -v '^$' | paste -sd, -)" \
  --dpkgopt='path-exclude=/usr/share/{doc,man,locale,info}/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --customize-hook="'$contract' \"\$1\"" \
  --customize-hook='echo trixie-grub > "$1/etc/hostname"' \
  trixie "$work/rootfs" ${N3X_DEBIAN_MIRROR:-}

echo "step: partitions"
truncate -s 3G "$work/disk.raw"
sfdisk -q "$work/disk.raw" <<'PARTS'
label: gpt
size=1MiB, type=21686148-6449-6E6F-744E-656564454649, name=bios
size=64MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC3B8, name=esp
type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root
PARTS
loop=$(losetup --show -f "$work/disk.raw")
partx -a "$loop" 2>/dev/null || true  # the host kernel may not parse partition tables itself
mkfs.vfat -n ESP "${loop}p2" >/dev/null
mkfs.ext4 -q -L trixie-root "${loop}p3"
mkdir "$mnt"
mount "${loop}p3" "$mnt"
cp -a "$work/rootfs/." "$mnt/"
mkdir -p "$mnt/boot/efi"
cat > "$mnt/etc/fstab" <<FSTAB
UUID=$(blkid -s UUID -o value "${loop}p3") / ext4 rw,relatime,errors=remount-ro 0 1
UUID=$(blkid -s UUID -o value "${loop}p2") /boot/efi vfat umask=0077,nofail 0 0
FSTAB
for d in proc sys; do mount --bind "/$d" "$mnt/$d"; done
# A private /dev for the chroot: the loop device and its partitions, and the by-uuid link udev would make
# (grub-mkconfig writes root=UUID=… only when /dev/disk/by-uuid/<uuid> exists; the host's /dev stays untouched).
mount -t tmpfs -o mode=0755 n3x-dev "$mnt/dev"
cp -a /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty "$loop" "${loop}"p[0-9]* "$mnt/dev/"
mkdir -p "$mnt/dev/disk/by-uuid"
ln -s "../../$(basename "$loop")p3" "$mnt/dev/disk/by-uuid/$(blkid -s UUID -o value "${loop}p3")"

echo "step: initramfs (with the contract's virtio_console)"
chroot "$mnt" update-initramfs -u -k all
echo "step: grub"
chroot "$mnt" grub-install --target=i386-pc "$loop"
chroot "$mnt" update-grub
grep -q 'console=ttyS0' "$mnt/boot/grub/grub.cfg" || { echo "build.sh: grub.cfg lacks the contract's console=ttyS0" >&2; exit 1; }
grep -q 'root=UUID=' "$mnt/boot/grub/grub.cfg" || { echo "build.sh: grub.cfg does not name the root filesystem by UUID" >&2; exit 1; }
# UEFI: what grub-install --removable writes (it insists on a mounted FAT ESP): GRUB's x86_64-efi modules next to
# the i386-pc ones, and EFI/BOOT/BOOTX64.EFI finding the root filesystem by UUID and reading the same grub.cfg.
cp -a "$mnt/usr/lib/grub/x86_64-efi" "$mnt/boot/grub/"
printf 'search.fs_uuid %s root\nset prefix=($root)/boot/grub\n' "$(blkid -s UUID -o value "${loop}p3")" > "$mnt/tmp/load.cfg"
chroot "$mnt" grub-mkimage -O x86_64-efi -o /tmp/BOOTX64.EFI -c /tmp/load.cfg -p /boot/grub part_gpt ext2 search search_fs_uuid
mmd -i "${loop}p2" ::/EFI ::/EFI/BOOT
mcopy -i "${loop}p2" "$mnt/tmp/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
rm "$mnt/tmp/load.cfg" "$mnt/tmp/BOOTX64.EFI"
for m in "$mnt/dev" "$mnt/proc" "$mnt/sys" "$mnt"; do umount "$m"; done
partx -d "$loop" 2>/dev/null || true
losetup -d "$loop"
loop=

echo "step: qcow2"
mkdir -p "$out"
qemu-img convert -c -o compression_type=zstd -m 4 -W -O qcow2 "$work/disk.raw" "$out/disk.qcow2" 2>/dev/null ||
  qemu-img convert -c -O qcow2 "$work/disk.raw" "$out/disk.qcow2"  # zlib where QEMU has no zstd (7x slower)
echo "step: done"
