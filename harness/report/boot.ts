/**
 * Boot phases from a serial log: the harness marks every QEMU start ("--- n3x: starting|restoring …"), and the
 * guest kernel stamps its lines with its own clock, which gives kernel, initramfs, systemd and the backdoor
 * unit's start in guest seconds. A restore has no kernel lines: the state was loaded. Pure; unit-tested.
 */
import { stripAnsi } from '../console/serial.js';

export type BootPhaseName = 'kernel' | 'initramfs' | 'systemd' | 'backdoor';

export interface SerialBoot {
  kind: 'cold' | 'restore';
  /** Host time of the QEMU start (ISO), from the harness marker. */
  at?: string;
  /** Guest-clock seconds at which each phase began (kernel is 0). */
  phases: { name: BootPhaseName; s: number }[];
  /** First and last line of this boot in the log (0-based, inclusive). */
  lines: [number, number];
  /** The kernel panicked during this boot. */
  panic: boolean;
}

const MARK = /^--- n3x: (starting|restoring) \S+ \(\w+\) at (\S+) ---$/;
const STAMP = /^\[\s*(\d+\.\d+)\] (.*)$/;
const PHASES: { name: BootPhaseName; re: RegExp }[] = [
  { name: 'kernel', re: /^Linux version / },
  { name: 'initramfs', re: /^Run \/init as init process/ },
  { name: 'systemd', re: /^systemd\[1\]: / },
  { name: 'backdoor', re: /^systemd\[1\]: Started n3x-backdoor\.service/ },
];

/** Splits a serial log into boots and finds each boot's phases. */
export function parseBoots(log: string): SerialBoot[] {
  const lines = stripAnsi(log).split('\n');
  const boots: SerialBoot[] = [];
  let cur: SerialBoot | undefined;
  lines.forEach((line, i) => {
    const mark = MARK.exec(line);
    if (mark) {
      if (cur) cur.lines[1] = i - 1;
      cur = { kind: mark[1] === 'restoring' ? 'restore' : 'cold', at: mark[2], phases: [], lines: [i, i], panic: false };
      boots.push(cur);
      return;
    }
    const st = STAMP.exec(line);
    if (!st && !cur) return;
    if (!cur) {
      cur = { kind: 'cold', phases: [], lines: [i, i], panic: false };
      boots.push(cur);
    }
    cur.lines[1] = i;
    if (!st) return;
    if (/Kernel panic/.test(st[2])) cur.panic = true;
    for (const p of PHASES) {
      if (!cur.phases.some((x) => x.name === p.name) && p.re.test(st[2])) cur.phases.push({ name: p.name, s: Number(st[1]) });
    }
  });
  if (cur) cur.lines[1] = Math.max(cur.lines[0], lines.length - 1 - (lines[lines.length - 1] === '' ? 1 : 0));
  return boots;
}
