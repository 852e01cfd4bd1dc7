#!/bin/bash
# n3x backdoor: a root shell that speaks the n3x framing protocol.
# Commands arrive on /dev/hvc0 (a virtconsole: a tty, so ^C from the host interrupts the foreground command),
# one line each:  __n3x MARKER $'escaped command'  (or __n3x_keep, below)
# Output leaves on the virtio serial port named n3x.out (not a tty; QEMU throttles it instead of dropping
# bytes as it does for console ports):  \x02MARKER\n <raw stdout> \n\x03MARKER STATUS ERRLEN\n <stderr tail>
# (the last 4 KiB of stderr)
# Each command runs in its own subshell (a worker) with stdin from /dev/null and `set -euo pipefail`, as
# nixosTest runs it (`false; true` and `false | true` fail, unset variables are errors), so its cd, exit,
# variables, traps and options never reach the next command. The fork is off the round trip: the next worker
# is forked as soon as a reply is sent, and waits, idle, for its request line; the parent only waits for it
# and writes the end frame with its exact exit status. A command that cannot change the shell (`__n3x_keep`,
# chosen by the host) runs in the worker without ending it: no fork at all, unless the command runs a program.
# N3X_RUN_DIR and N3X_OUT exist for the unit tests, which run this script on the host under a pty.
export LC_ALL=C HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
run=${N3X_RUN_DIR:-/run/n3x}
mkdir -p "$run"
cd /
stty raw -echo isig noflsh  # 8-bit clean, no echo; ^C (sent by the host on a deadline) interrupts the command
trap '' INT QUIT            # the backdoor ignores ^C; a command gets the default disposition back (below)
out=${N3X_OUT:-}
while [ -z "$out" ]; do
  for p in /sys/class/virtio-ports/vport*; do
    [ -r "$p/name" ] && read -r n <"$p/name" && [ "$n" = n3x.out ] && out=/dev/${p##*/}
  done
  [ -n "$out" ] && [ -c "$out" ] || { out=; sleep 0.05; }
done
exec 9<&0 >"$out"           # stdout is not a tty (as under nixosTest): tar, ls, systemctl behave as in scripts

printf '\n\001n3x-backdoor-ready %s\n' "$(</proc/sys/kernel/random/boot_id)"
: >"$run/marker"
lost=0
while :; do
  [ -d "$run" ] || mkdir -p "$run"
  # The worker, forked ahead of time: stdin and stderr set up while idle, then it blocks reading requests from
  # the console (fd 9: bash gives a background job /dev/null as its stdin). It inherits ^C ignored, so an interrupt
  # that arrives between commands cannot kill it; `trap -` gives the command the default back.
  # `__n3x MARKER $'command'` runs the command and the worker ends with its status. `__n3x_keep` (a command that
  # cannot change the shell, chosen by the host: one simple command of plain words naming a program or an inert
  # builtin) is answered here, and the worker serves the next request without a fork; any failure still ends the
  # worker (set -e), and the parent answers with the exact status.
  # The command is evaluated at the top level of the worker, never inside a function: when errexit ends an `eval`
  # run inside a function, bash 5.2 prints "pop_var_context: head of shell_variables not a function context" into
  # the command's stderr. So, as under nixosTest's `bash -c`, `return` and `local` are errors in a command.
  # While idle the worker also walks the request's path once (decode, options), so that the copy-on-write page
  # faults of a fresh fork are paid before the request arrives rather than during it.
  (
    exec </dev/null 2>"$run/stderr" 8>"$run/marker"
    __n3x_q="\$'true'"; eval "__n3x_cmd=$__n3x_q"; set -euo pipefail; set +euo pipefail
    while IFS=' ' read -r __n3x_kind __n3x_mk __n3x_q <&9; do
      eval "__n3x_cmd=$__n3x_q"    # the host quotes the command as $'...': this only decodes it
      printf '\002%s\n' "$__n3x_mk"
      printf '%s' "$__n3x_mk" >&8  # tells the parent which request this worker took
      if [ "$__n3x_kind" != __n3x_keep ]; then
        exec 8>&- 9<&-
        trap - INT QUIT
        set -euo pipefail          # as nixosTest runs commands
        eval "$__n3x_cmd"
        exit
      fi
      trap - INT QUIT
      set -euo pipefail
      eval "$__n3x_cmd" 8>&- 9<&-
      set +euo pipefail
      trap '' INT QUIT
      hash -r                      # forget the PATH lookup
      __n3x_e=
      IFS= read -r -d '' -n 4097 __n3x_e <"$run/stderr"
      if [ ${#__n3x_e} -gt 4096 ]; then
        __n3x_e=$(tail -c 4096 "$run/stderr"; printf x) && __n3x_e=${__n3x_e%x}
      fi
      printf '\n\003%s 0 %d\n%s' "$__n3x_mk" "${#__n3x_e}" "$__n3x_e"
      exec 2>"$run/stderr" 8>"$run/marker"  # answered: nothing left for the parent to answer
    done
    exit 200                       # the console closed
  ) &
  w=$!
  wait "$w"                 # never cut short by ^C, which the backdoor ignores: the worker's exact status
  s=$?
  mk=
  IFS= read -r mk <"$run/marker"
  if [ -z "$mk" ]; then      # no request left unanswered: the console closed, or it died while idle
    [ "$s" = 200 ] && break
    lost=$((lost + 1))
    [ "$lost" -lt 3 ] || sleep 0.2               # something keeps killing idle workers: do not spin
    continue
  fi
  lost=0
  e=
  IFS= read -r -d '' -n 4097 e <"$run/stderr"
  if [ ${#e} -gt 4096 ]; then  # keep the last 4 KiB; only a long stderr pays for the fork
    e=$(tail -c 4096 "$run/stderr"; printf x) && e=${e%x}
  fi
  printf '\n\003%s %d %d\n%s' "$mk" "$s" "${#e}" "$e"
done
