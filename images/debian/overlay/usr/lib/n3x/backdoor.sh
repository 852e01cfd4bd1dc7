#!/bin/bash
# n3x backdoor: a root shell on /dev/hvc0 that speaks the n3x framing protocol.
# The host sends one line per command:  __n3x MARKER $'escaped command'
# and reads:  \x02MARKER\n <raw stdout> \n\x03MARKER STATUS ERRLEN\n <stderr tail, ERRLEN bytes>
# Only builtins run around the command; the command itself runs in one subshell with stdin from /dev/null.
export LC_ALL=C HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /run/n3x
cd /
stty raw -echo isig      # 8-bit clean, no echo; ^C (sent by the host on a deadline) interrupts the command
trap : INT QUIT          # the backdoor survives an interrupt; the command (default disposition) does not
__n3x() {
  printf '\002%s\n' "$1"
  ( eval "$2" ) </dev/null 2>/run/n3x/stderr
  local s=$? e=
  IFS= read -r -d '' -n 4096 e </run/n3x/stderr
  printf '\n\003%s %d %d\n%s' "$1" "$s" "${#e}" "$e"
}
printf '\n\001n3x-backdoor-ready %s\n' "$(</proc/sys/kernel/random/boot_id)"
while IFS= read -r __n3x_line; do
  eval "$__n3x_line"
done
