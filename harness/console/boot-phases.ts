/**
 * Per-phase boot breakdown on the host clock. The harness stamps every serial line with the host time it
 * arrived (serial-stamps.ts); this module finds the milestones in those lines and turns them, with the QEMU
 * spawn time, the backdoor's ready time and the end of the harness's set-up, into phases that add up to the
 * whole boot. Pure; unit-tested.
 *
 * Milestones, each the first match of this boot:
 * - kernel start: the earliest `host time − guest time` over kernel-stamped lines (`[   1.23] …`) and the
 *   initramfs marker's uptime, so it works with `quiet` (no kernel lines) and is not fooled by the kernel
 *   flushing its early lines only once the serial console is registered;
 * - initramfs: the n3x init's marker (`n3x-boot initramfs UPTIME`), else the kernel's `Run /init as init process`;
 * - systemd: the n3x init's `n3x-boot switch-root UPTIME`, else the first `systemd[1]:` line;
 * - backdoor ready and set-up done: given by the harness.
 */
import type { StampedLine } from './serial-stamps.js';

export type { StampedLine };

export type BootPhaseName = 'firmware' | 'kernel' | 'initramfs' | 'systemd' | 'setup';

export interface BootPhases {
  /** Epoch ms of the QEMU spawn. */
  spawnAt: number;
  /** Milestones in ms after spawn (host clock); absent when the serial log did not show them. */
  kernelMs?: number;
  initramfsMs?: number;
  systemdMs?: number;
  /** The backdoor answered (ms after spawn). */
  readyMs: number;
  /** The harness's set-up (network, node configuration) finished: the machine is up (ms after spawn). */
  doneMs: number;
  /**
   * Consecutive phases that add up to doneMs: firmware (QEMU start, firmware, kernel load), kernel (to the
   * initramfs), initramfs (to switch_root), systemd (to the backdoor answering), setup (the harness's network
   * and node configuration). A phase whose start was not seen is merged into the one before it.
   */
  phases: { name: BootPhaseName; ms: number }[];
}

const STAMP = /^\[\s*(\d+\.\d+)\] (.*)$/;
const MARKER = /^n3x-boot (initramfs|switch-root) (\d+(?:\.\d+)?)/;

/** The boot milestones found in stamped serial lines (ms after spawnAt). Pure. */
export function serialMilestones(lines: StampedLine[], spawnAt: number): { kernelMs?: number; initramfsMs?: number; systemdMs?: number } {
  let kernelAt: number | undefined;
  let initramfsAt: number | undefined;
  let systemdAt: number | undefined;
  let markedInit = false;
  let markedSystemd = false;
  for (const { t, line } of lines) {
    const mark = MARKER.exec(line);
    const st = mark ? undefined : STAMP.exec(line);
    const guestS = mark ? Number(mark[2]) : st ? Number(st[1]) : undefined;
    if (guestS !== undefined) kernelAt = Math.min(kernelAt ?? Infinity, t - guestS * 1000);
    if (mark?.[1] === 'initramfs' && !markedInit) [initramfsAt, markedInit] = [t, true];
    else if (mark?.[1] === 'switch-root' && !markedSystemd) [systemdAt, markedSystemd] = [t, true];
    else if (st && initramfsAt === undefined && /^Run \/init as init process/.test(st[2])) initramfsAt = t;
    else if (st && systemdAt === undefined && /^systemd\[1\]: /.test(st[2])) systemdAt = t;
  }
  const rel = (at?: number) => (at === undefined ? undefined : Math.max(0, Math.round(at - spawnAt)));
  return { kernelMs: rel(kernelAt), initramfsMs: rel(initramfsAt), systemdMs: rel(systemdAt) };
}

/** The phases of one boot from its stamped serial lines and the harness's own times (epoch ms). Pure. */
export function bootPhases(lines: StampedLine[], at: { spawnAt: number; readyAt: number; doneAt: number }): BootPhases {
  const m = serialMilestones(lines, at.spawnAt);
  const readyMs = at.readyAt - at.spawnAt;
  const doneMs = Math.max(readyMs, at.doneAt - at.spawnAt);
  // Milestones in boot order; one out of order (or past ready) is dropped rather than giving a negative phase.
  const marks: { name: BootPhaseName; ms: number }[] = [{ name: 'firmware', ms: 0 }];
  for (const [name, ms] of [['kernel', m.kernelMs], ['initramfs', m.initramfsMs], ['systemd', m.systemdMs]] as const) {
    if (ms !== undefined && ms >= marks[marks.length - 1].ms && ms <= readyMs) marks.push({ name, ms });
  }
  marks.push({ name: 'setup', ms: readyMs });
  const phases = marks.map((p, i) => ({ name: p.name, ms: (marks[i + 1]?.ms ?? doneMs) - p.ms }));
  const kept = (n: BootPhaseName) => marks.find((p) => p.name === n)?.ms;
  return { spawnAt: at.spawnAt, kernelMs: kept('kernel'), initramfsMs: kept('initramfs'), systemdMs: kept('systemd'), readyMs, doneMs, phases };
}

/** One line for the log: `firmware 0.8 · kernel 1.9 · initramfs 0.4 · systemd 4.1 · setup 0.9 s`. Pure. */
export function phasesSummary(p: BootPhases): string {
  return `${p.phases.map((x) => `${x.name} ${(x.ms / 1000).toFixed(1)}`).join(' · ')} s`;
}
