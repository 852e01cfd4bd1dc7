#!/usr/bin/env bash
# Adds the n3x guest contract (images/CONTRACT.md) to a systemd-based Linux image.
# usage: add-contract.sh ROOTFS_DIR               a root filesystem tree (e.g. an mmdebstrap --customize-hook);
#                                                 needs no block device and no chroot
#        add-contract.sh --disk IMAGE [PARTITION] a qcow2 or raw disk image with a partition table (as root:
#                                                 loop device + partx, no qemu-nbd or guestfish needed); PARTITION
#                                                 is the root filesystem's partition number (default: the largest)
# What it installs, all from images/debian/overlay (the built-in image's own files, so both stay identical):
#   /usr/lib/n3x/backdoor.sh, /etc/systemd/system/n3x-backdoor.service (enabled in sysinit.target),
#   /etc/modules-load.d/n3x.conf (virtio_console …), /etc/modprobe.d/n3x-bonding.conf, /etc/sysctl.d/90-n3x.conf,
#   /etc/tmpfiles.d/tmp.conf (+ tmp.mount masked), serial-getty@{hvc0,hvc1,ttyS0} masked, /etc/systemd/network/99-default.link -> /dev/null (eth0, eth1, …),
#   and for initramfs-tools / dracut images virtio_console in the initramfs list, for GRUB images
#   /etc/default/grub.d/n3x.cfg (serial console, net.ifnames=0, panic=-1; takes effect at the next update-grub).
set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
overlay=$here/../debian/overlay

apply() {
  local r=$1
  [ -d "$r/etc" ] && [ -d "$r/usr" ] || { echo "add-contract.sh: $r does not look like a root filesystem (no etc/ and usr/)" >&2; exit 1; }
  [ -e "$r/lib/systemd/systemd" ] || [ -e "$r/usr/lib/systemd/systemd" ] || { echo "add-contract.sh: $r has no systemd (the contract needs a systemd-based image)" >&2; exit 1; }
  [ -e "$r/bin/bash" ] || [ -e "$r/usr/bin/bash" ] || { echo "add-contract.sh: $r has no bash (the backdoor is a bash script)" >&2; exit 1; }
  install -D -m 0755 "$overlay/usr/lib/n3x/backdoor.sh" "$r/usr/lib/n3x/backdoor.sh"
  install -D -m 0644 "$overlay/etc/systemd/system/n3x-backdoor.service" "$r/etc/systemd/system/n3x-backdoor.service"
  install -D -m 0644 "$overlay/etc/modprobe.d/n3x-bonding.conf" "$r/etc/modprobe.d/n3x-bonding.conf"
  install -D -m 0644 "$overlay/etc/sysctl.d/90-n3x.conf" "$r/etc/sysctl.d/90-n3x.conf"
  install -D -m 0644 "$overlay/etc/tmpfiles.d/tmp.conf" "$r/etc/tmpfiles.d/n3x-tmp.conf"
  # The backdoor needs /dev/hvc0 early: virtio_console in the initramfs when the image has one, else at modules-load.
  install -D -m 0644 /dev/stdin "$r/etc/modules-load.d/n3x.conf" <<'MODS'
# n3x guest contract: the backdoor's console (/dev/hvc0) and output port (n3x.out)
virtio_console
MODS
  if [ -d "$r/etc/initramfs-tools" ]; then
    grep -qx virtio_console "$r/etc/initramfs-tools/modules" 2>/dev/null || echo virtio_console >> "$r/etc/initramfs-tools/modules"
  fi
  if [ -d "$r/etc/dracut.conf.d" ]; then
    echo 'add_drivers+=" virtio_console "' > "$r/etc/dracut.conf.d/n3x.conf"
  fi
  # Kernel interface names (eth0 = management NIC, eth1 … = data NICs), as net.ifnames=0 gives the built-in image.
  mkdir -p "$r/etc/systemd/network"
  ln -sfn /dev/null "$r/etc/systemd/network/99-default.link"
  # No getty on the harness's consoles: systemd-getty-generator starts one on every virtio console (hvc0: the
  # backdoor's, whose vhangup kills it; hvc1: the REPL's .shell), and a login prompt on ttyS0 (the serial log).
  for t in hvc0 hvc1 ttyS0; do ln -sfn /dev/null "$r/etc/systemd/system/serial-getty@$t.service"; done
  # Files a test writes to /tmp right after start() must survive: no tmpfs mounted over /tmp after the backdoor is up.
  ln -sfn /dev/null "$r/etc/systemd/system/tmp.mount"
  if [ -d "$r/etc/default" ]; then
    install -D -m 0644 /dev/stdin "$r/etc/default/grub.d/n3x.cfg" <<'GRUB'
# n3x guest contract: kernel messages on the serial console (the harness's log), kernel NIC names, no hang on panic.
GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX console=ttyS0,115200 net.ifnames=0 biosdevname=0 panic=-1"
GRUB_TERMINAL="serial"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_TIMEOUT=0
GRUB_TIMEOUT_STYLE=hidden
GRUB
  fi
  mkdir -p "$r/etc/systemd/system/sysinit.target.wants"
  ln -sfn ../n3x-backdoor.service "$r/etc/systemd/system/sysinit.target.wants/n3x-backdoor.service"
  echo "add-contract.sh: contract added to $r"
}

# Globals, not locals: the EXIT trap runs after disk() has returned.
work= loop=
cleanup_disk() {
  if [ -n "$work" ] && mountpoint -q "$work/mnt"; then umount "$work/mnt"; fi
  if [ -n "$loop" ]; then partx -d "$loop" 2>/dev/null || true; losetup -d "$loop" || true; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
}

disk() {
  local img=$1 part=${2:-} raw fmt
  [ "$(id -u)" = 0 ] || { echo "add-contract.sh --disk needs root (loop devices); as a user, apply it to the rootfs directory before the disk is made" >&2; exit 1; }
  [ -f "$img" ] || { echo "add-contract.sh: no disk image $img" >&2; exit 1; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/n3x-contract.XXXXXX")
  trap cleanup_disk EXIT
  fmt=$(qemu-img info --output=json "$img" | sed -n 's/.*"format": "\([a-z0-9]*\)".*/\1/p' | head -n 1)
  if [ "$fmt" = raw ]; then raw=$img; else raw=$work/disk.raw; qemu-img convert -O raw "$img" "$raw"; fi
  loop=$(losetup --show -f "$raw")
  partx -a "$loop" 2>/dev/null || true  # kernels without a partition-table parser: partx adds them (BLKPG)
  [ -n "$part" ] || part=$(partx -g -o NR,SECTORS "$loop" | sort -k2 -n | tail -n 1 | awk '{print $1}')
  [ -b "${loop}p$part" ] || { echo "add-contract.sh: $img has no partition $part" >&2; exit 1; }
  mkdir "$work/mnt"
  mount "${loop}p$part" "$work/mnt"
  apply "$work/mnt"
  umount "$work/mnt"
  if [ "$raw" != "$img" ]; then qemu-img convert -O "$fmt" "$raw" "$img.n3x-tmp" && mv "$img.n3x-tmp" "$img"; fi
  echo "add-contract.sh: $img updated (partition $part). The GRUB drop-in takes effect at the image's next update-grub;"
  echo "  until then give its kernel command line console=ttyS0,115200 yourself (see images/CONTRACT.md)."
}

case ${1:-} in
  --disk) shift; disk "$@" ;;
  ''|-h|--help) sed -n '2,13p' "$0"; exit 2 ;;
  *) apply "$1" ;;
esac
