/**
 * The most common nixosTest call, right after boot and under host load: `waitForUnit('multi-user.target')`
 * must wait while the guest is still booting (systemd busy, jobs queued) and never fail fast on a
 * still-starting system — on a fresh three-node boot, and after crash() + start(), five times over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../harness/index.js';

/** Busy loops on every host core (the load under which the fail-fast misfired). */
function loadHost(): ChildProcess[] {
  return Array.from({ length: 2 }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

describe.sequential('boot race: waitForUnit right after boot, host loaded', () => {
  let c: Cluster | undefined;
  let burners: ChildProcess[] = [];

  beforeAll(() => {
    burners = loadHost();
  });
  afterAll(async () => {
    for (const b of burners) b.kill('SIGKILL');
    await c?.stop();
  });

  it('three nodes booted in parallel on a loaded host all reach multi-user.target', async () => {
    c = await startCluster({ profile: 'simple', nodes: 3, name: 'boot-race' });
    await Promise.all(c.machines.map((m) => m.waitForUnit('multi-user.target', { timeout: 300 })));
    for (const m of c.machines) expect((await m.succeed('systemctl is-active multi-user.target')).trim()).toBe('active');
  });

  it('crash → start → waitForUnit(multi-user.target), five times', async () => {
    const m = c!.machine('n100-2');
    for (let i = 0; i < 5; i++) {
      const before = m.bootId;
      await m.crash();
      await m.start();
      expect(m.bootId).not.toBe(before);
      await m.waitForUnit('multi-user.target', { timeout: 300 });
    }
  });
});
