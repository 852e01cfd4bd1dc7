import { describe, expect, it } from 'vitest';
import { parseBoots } from './boot.js';

// Lines as they appear in a real serial log of the Debian guest (ANSI colours included).
const cold = [
  '--- n3x: starting n100-1 (tcg) at 2026-11-28T10:36:35.203Z ---',
  '[    0.000000] Linux version 6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2',
  '[    0.512000] virtio_blk virtio1: [vda] 4194304 512-byte logical blocks',
  '[    1.995316] Run /init as init process',
  '[    3.196028] systemd[1]: Inserted module \'autofs4\'',
  'Welcome to \x1b[1mDebian GNU/Linux 12 (bookworm)\x1b[0m!',
  '[    6.031792] systemd[1]: Started systemd-ask-password-console.path - Dispatch Password Requests to Console Directory Watch.',
  '[    6.337013] systemd[1]: Started n3x-backdoor.service - n3x backdoor root shell on /dev/hvc0 (host-side unix socket only).',
  '[\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39mn3x-backdoor.servi…hvc0 (host-side unix socket only).',
];

describe('parseBoots', () => {
  it('finds kernel, initramfs, systemd and backdoor on the guest clock', () => {
    const [b] = parseBoots(`\n${cold.join('\n')}\n`);
    expect(b.kind).toBe('cold');
    expect(b.at).toBe('2026-11-28T10:36:35.203Z');
    expect(b.phases).toEqual([
      { name: 'kernel', s: 0 },
      { name: 'initramfs', s: 1.995316 },
      { name: 'systemd', s: 3.196028 },
      { name: 'backdoor', s: 6.337013 },
    ]);
    expect(b.lines).toEqual([1, 9]);
    expect(b.panic).toBe(false);
  });

  it('splits reboots and restores; a restore has no phases; a panic is flagged', () => {
    const log = [
      ...cold,
      '[   20.000000] reboot: Restarting system',
      '--- n3x: restoring n100-1 (tcg) at 2026-11-28T10:40:00.000Z ---',
      '--- n3x: starting n100-1 (tcg) at 2026-11-28T10:41:00.000Z ---',
      '[    0.000000] Linux version 6.1.0',
      '[    2.100000] Kernel panic - not syncing: Attempted to kill init!',
    ].join('\n');
    const boots = parseBoots(log);
    expect(boots.map((b) => b.kind)).toEqual(['cold', 'restore', 'cold']);
    expect(boots[1].phases).toEqual([]);
    expect(boots[1].lines).toEqual([10, 10]);
    expect(boots[2].phases.map((p) => p.name)).toEqual(['kernel']);
    expect(boots[2].panic).toBe(true);
    expect(boots[0].lines[1]).toBe(9);
  });

  it('reads a log without harness markers (older logs) as one cold boot', () => {
    const boots = parseBoots(cold.slice(1).join('\n'));
    expect(boots).toHaveLength(1);
    expect(boots[0].at).toBeUndefined();
    expect(boots[0].phases).toHaveLength(4);
  });
});
