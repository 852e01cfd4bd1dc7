/**
 * Per-node packages (a derived image for one node, the base image for the other) and file transfer at disk
 * speed through the 9p shared directory, both ways with checksums; a snapshot of the cluster still saves and
 * restores afterwards (QEMU refuses to migrate while a 9p export is mounted, so transfers unmount it).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GUEST_SHARED_DIR } from '../harness/index.js';
import { useCluster } from '../harness/vitest.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'n3x-shared-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.sequential('per-node packages and the shared directory', () => {
  const h = useCluster({ profile: 'simple', nodes: [{ name: 'pkg', packages: ['keepalived'] }, 'plain'] });

  it('only the node that asked for keepalived has it (its own derived image)', async () => {
    await h.m('pkg').succeed('dpkg-query -W keepalived', 'command -v keepalived');
    await h.m('plain').fail('dpkg-query -W keepalived');
  });

  it('copies 20 MiB host → guest and guest → host through the shared directory, byte for byte', async () => {
    const m = h.m('pkg');
    const data = randomBytes(20 * 2 ** 20);
    writeFileSync(join(dir, 'in.bin'), data, { mode: 0o640 });
    await m.copyFromHost(join(dir, 'in.bin'), '/root/in.bin');
    expect((await m.succeed('sha256sum /root/in.bin')).split(' ')[0]).toBe(sha256(data));
    expect((await m.succeed('stat -c %a /root/in.bin')).trim()).toBe('640');
    await m.succeed('head -c 20M /dev/urandom > /root/out.bin');
    const guestSum = (await m.succeed('sha256sum /root/out.bin')).split(' ')[0];
    const out = await m.copyFromMachine('/root/out.bin', join(dir, 'back'), { via: 'shared' });
    expect(sha256(readFileSync(out))).toBe(guestSum);
    await m.fail(`findmnt ${GUEST_SHARED_DIR}`); // unmounted after every transfer
  });

  it('copies directories both ways through it, and the console path gives the same result', async () => {
    const m = h.m('plain');
    mkdirSync(join(dir, 'tree/sub'), { recursive: true });
    writeFileSync(join(dir, 'tree/sub/a.txt'), 'alpha\n');
    await m.copyFromHost(join(dir, 'tree'), '/srv/tree', { via: 'shared' });
    await m.copyFromHost(join(dir, 'tree'), '/srv/tree-console', { via: 'console' });
    expect(await m.succeed('cat /srv/tree/sub/a.txt /srv/tree-console/sub/a.txt')).toBe('alpha\nalpha\n');
    const back = await m.copyFromMachine('/srv/tree', join(dir, 'tree-back'));
    expect(readFileSync(join(back, 'sub/a.txt'), 'utf8')).toBe('alpha\n');
  });

  it('a snapshot of the cluster saves and restores after those transfers', async () => {
    await h.cluster.snapshot('after-copy');
    await h.m('pkg').succeed('rm /root/in.bin');
    await h.cluster.restore('after-copy');
    await h.m('pkg').succeed('test -f /root/in.bin');
    await h.m('plain').copyFromHost(join(dir, 'tree'), '/srv/tree-2'); // and transfers still work after a restore
    expect(await h.m('plain').succeed('cat /srv/tree-2/sub/a.txt')).toBe('alpha\n');
  });
});
