import { describe, expect, it } from 'vitest';
import { bootPhases, phasesSummary, serialMilestones, type StampedLine } from './boot-phases.js';

const T0 = 1_000_000;
const at = (ms: number, line: string): StampedLine => ({ t: T0 + ms, line });

describe('serialMilestones', () => {
  it('takes the kernel start from the earliest host − guest time (early lines are flushed late)', () => {
    const lines = [
      at(1300, '[    0.000000] Linux version 6.1.0'), // flushed when the console registered
      at(1310, '[    0.180627] printk: console [ttyS0] enabled'),
      at(3000, '[    1.935838] Run /init as init process'),
      at(4600, '[    3.332739] systemd[1]: Inserted module \'autofs4\''),
    ];
    expect(serialMilestones(lines, T0)).toEqual({ kernelMs: 1064, initramfsMs: 3000, systemdMs: 4600 });
  });

  it('prefers the n3x init markers, which also print under quiet', () => {
    const lines = [
      at(2990, '[    1.935838] Run /init as init process'),
      at(3000, 'n3x-boot initramfs 1.95'),
      at(3400, 'n3x-boot switch-root 2.30'),
      at(4600, '[    3.332739] systemd[1]: Inserted module \'autofs4\''),
    ];
    expect(serialMilestones(lines, T0)).toEqual({ kernelMs: 1050, initramfsMs: 3000, systemdMs: 3400 });
    expect(serialMilestones(lines.slice(1, 3), T0)).toEqual({ kernelMs: 1050, initramfsMs: 3000, systemdMs: 3400 });
  });

  it('finds nothing in a log without milestones', () => {
    expect(serialMilestones([at(10, 'SeaBIOS'), at(20, '')], T0)).toEqual({ kernelMs: undefined, initramfsMs: undefined, systemdMs: undefined });
  });
});

describe('bootPhases', () => {
  const lines = [at(1100, '[    0.100000] x'), at(3000, 'n3x-boot initramfs 2.0'), at(3400, 'n3x-boot switch-root 2.4')];

  it('gives consecutive phases that add up to the whole boot', () => {
    const p = bootPhases(lines, { spawnAt: T0, readyAt: T0 + 8000, doneAt: T0 + 9000 });
    expect(p.phases).toEqual([
      { name: 'firmware', ms: 1000 },
      { name: 'kernel', ms: 2000 },
      { name: 'initramfs', ms: 400 },
      { name: 'systemd', ms: 4600 },
      { name: 'setup', ms: 1000 },
    ]);
    expect(p.phases.reduce((a, x) => a + x.ms, 0)).toBe(p.doneMs);
    expect([p.kernelMs, p.initramfsMs, p.systemdMs, p.readyMs, p.doneMs]).toEqual([1000, 3000, 3400, 8000, 9000]);
    expect(phasesSummary(p)).toBe('firmware 1.0 · kernel 2.0 · initramfs 0.4 · systemd 4.6 · setup 1.0 s');
  });

  it('merges a phase whose start was not seen into the one before, and drops milestones out of order', () => {
    const p = bootPhases([at(3000, 'n3x-boot switch-root 2.0')], { spawnAt: T0, readyAt: T0 + 8000, doneAt: T0 + 8000 });
    expect(p.phases).toEqual([
      { name: 'firmware', ms: 1000 },
      { name: 'kernel', ms: 2000 },
      { name: 'systemd', ms: 5000 },
      { name: 'setup', ms: 0 },
    ]);
    const late = bootPhases([at(9000, 'n3x-boot initramfs 8.5')], { spawnAt: T0, readyAt: T0 + 8000, doneAt: T0 + 8500 });
    expect(late.phases.map((x) => x.name)).toEqual(['firmware', 'kernel', 'setup']);
    expect(late.initramfsMs).toBeUndefined();
    expect(late.phases.every((x) => x.ms >= 0)).toBe(true);
  });
});
