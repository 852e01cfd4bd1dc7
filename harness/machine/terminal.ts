/** The guest commands that start an interactive root login shell on the second console (/dev/hvc1). Pure. */
export function terminalCommands(size: { rows: number; cols: number }, term: string): string[] {
  return [
    'systemctl stop n3x-tty.service 2>/dev/null || true; systemctl reset-failed n3x-tty.service 2>/dev/null || true',
    `stty -F /dev/hvc1 sane rows ${size.rows} cols ${size.cols}`,
    `systemd-run --unit=n3x-tty -p TTYPath=/dev/hvc1 -p StandardInput=tty-force -p StandardOutput=tty -p StandardError=tty -p TTYReset=yes -E TERM=${term.replace(/[^A-Za-z0-9_.-]/g, '')} -E HOME=/root --working-directory=/root /bin/bash -l`,
  ];
}
