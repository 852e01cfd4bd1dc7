#!/bin/sh
# A tiny initramfs (static busybox + the few modules needed to mount the root disk) instead of Debian's
# 15 MB one: under TCG it saves seconds per boot. usage: mkinitrd.sh ROOTFS OUT
set -eu
r=$1; out=$2
kver=$(ls "$r/lib/modules" | head -n 1)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/bin" "$t/dev" "$t/proc" "$t/sys" "$t/newroot" "$t/lib/modules"
cp "$r/bin/busybox" "$t/bin/busybox"
: > "$t/modules"
# 8021q too: every VLAN profile needs it, and insmod here is cheaper than the kernel's modprobe run during set-up.
for m in virtio_pci virtio_blk ext4 virtio_console virtio_net virtio_rng 8021q; do
  chroot "$r" modprobe --show-depends -S "$kver" "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
  cp "$r$ko" "$t/lib/modules/"
  echo "/lib/modules/$(basename "$ko")" >> "$t/modules"
done
cat > "$t/init" <<'INIT'
#!/bin/busybox sh
B=/bin/busybox
$B mount -t devtmpfs dev /dev
$B mount -t proc proc /proc
# Boot-phase markers for the harness (harness/machine/boot-phases.ts): guest uptime, on the console even under quiet.
read -r up _ </proc/uptime; echo "n3x-boot initramfs $up" >/dev/console
for m in $($B cat /modules); do $B insmod "$m" 2>/dev/null; done
root=/dev/vda
for a in $($B cat /proc/cmdline); do case $a in root=*) root=${a#root=};; esac; done
i=0; while [ ! -b "$root" ] && [ $i -lt 500 ]; do $B usleep 10000; i=$((i+1)); done
$B mount -t ext4 -o rw "$root" /newroot || { echo "n3x initramfs: cannot mount $root"; $B sh; }
read -r up _ </proc/uptime; echo "n3x-boot switch-root $up" >/dev/console
$B umount /proc
$B mount --move /dev /newroot/dev
exec $B switch_root /newroot /sbin/init
INIT
chmod 0755 "$t/init"
(cd "$t" && find . | "$r/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$out"
echo "initramfs: $(wc -c < "$out") bytes, modules: $(tr '\n' ' ' < "$t/modules")"
