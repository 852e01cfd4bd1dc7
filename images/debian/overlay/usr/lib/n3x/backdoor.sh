#!/bin/bash
# n3x backdoor: a root shell that speaks the n3x framing protocol.
# Commands arrive on /dev/hvc0 (a virtconsole: a tty, so ^C from the host interrupts the foreground command),
# one line each:  __n3x MARKER $'escaped command'
# Output leaves on the virtio serial port named n3x.out (not a tty; QEMU throttles it instead of dropping
# bytes as it does for console ports):  \x02MARKER\n <raw stdout> \n\x03MARKER STATUS ERRLEN\n <stderr tail>
# (the last 4 KiB of stderr)
# Only builtins run around the command; the command itself runs in one subshell with stdin from /dev/null and
# `set -euo pipefail`, as nixosTest runs it (`false; true` and `false | true` fail, unset variables are errors).
export LC_ALL=C HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /run/n3x
cd /
stty raw -echo isig noflsh  # 8-bit clean, no echo; ^C (sent by the host on a deadline) interrupts the command
trap : INT QUIT             # the backdoor survives an interrupt; the command (default disposition) does not
out=
while [ -z "$out" ]; do
  for p in /sys/class/virtio-ports/vport*; do
    [ -r "$p/name" ] && read -r n <"$p/name" && [ "$n" = n3x.out ] && out=/dev/${p##*/}
  done
  [ -n "$out" ] && [ -c "$out" ] || { out=; sleep 0.05; }
done
exec >"$out"                # stdout is not a tty (as under nixosTest): tar, ls, systemctl behave as in scripts
__n3x() {
  printf '\002%s\n' "$1"
  ( set -euo pipefail; eval "$2" ) </dev/null 2>/run/n3x/stderr  # as nixosTest runs commands
  local s=$? e=
  IFS= read -r -d '' -n 4097 e </run/n3x/stderr
  if [ ${#e} -gt 4096 ]; then  # keep the last 4 KiB; only a long stderr pays for the fork
    e=$(tail -c 4096 /run/n3x/stderr; printf x) && e=${e%x}
  fi
  printf '\n\003%s %d %d\n%s' "$1" "$s" "${#e}" "$e"
}
printf '\n\001n3x-backdoor-ready %s\n' "$(</proc/sys/kernel/random/boot_id)"
while :; do
  __n3x_line=
  IFS= read -r __n3x_line
  case $? in
    0) eval "$__n3x_line" ;;
    1) break ;;          # console closed
    *) continue ;;       # a late ^C interrupted read: keep serving
  esac
done
