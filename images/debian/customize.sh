#!/bin/sh
# Runs against the finished rootfs (path in $1): units, services off by default, no password logins.
set -eu
r=$1
chmod 0755 "$r/usr/lib/n3x/backdoor.sh"
ch() { chroot "$r" "$@"; }
ch systemctl enable n3x-backdoor.service n3x-growroot.service
# Workload services are started by scenarios, never at boot.
for u in etcd.service tgt.service iscsid.service iscsid.socket open-iscsi.service iperf3.service \
         rpcbind.service rpcbind.socket nfs-client.target; do
  ch systemctl disable "$u" >/dev/null 2>&1 || true
done
# Nothing on a timer, no gettys, no network management (the harness configures links itself), and no
# boot-time work a test VM does not need: each unit costs about a second under TCG.
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
         getty@tty1.service serial-getty@ttyS0.service getty.target systemd-networkd-wait-online.service \
         systemd-timesyncd.service \
         dev-hugepages.mount sys-kernel-debug.mount sys-kernel-tracing.mount sys-fs-fuse-connections.mount \
         modprobe@dm_mod.service modprobe@efi_pstore.service modprobe@fuse.service modprobe@loop.service \
         systemd-update-utmp.service systemd-update-utmp-runlevel.service \
         systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount modprobe@drm.service; do
  ch systemctl mask "$u" >/dev/null 2>&1 || true
done
# Generators for what a test VM has not got (encrypted, integrity or verity volumes, GPT auto-mounts, hibernation,
# rc.local, system updates, gettys): systemd runs each one before it loads any unit, slowly under TCG.
mkdir -p "$r/etc/systemd/system-generators"
for g in systemd-cryptsetup-generator systemd-integritysetup-generator systemd-veritysetup-generator \
         systemd-gpt-auto-generator systemd-hibernate-resume-generator systemd-rc-local-generator \
         systemd-system-update-generator systemd-getty-generator systemd-bless-boot-generator; do
  ln -sf /dev/null "$r/etc/systemd/system-generators/$g"
done
ch passwd -l root >/dev/null
# Unique per boot instead of baked into the image (each overlay gets a fresh one on first boot).
: > "$r/etc/machine-id"
rm -f "$r/var/lib/dbus/machine-id"
