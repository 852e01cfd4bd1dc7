/**
 * An image the harness did not build the usual way: Debian trixie on a GPT disk with GRUB, booted through
 * SeaBIOS (no -kernel), the contract added by images/contract/add-contract.sh. It runs Machine API calls and
 * joins a vlans cluster with two built-in nodes; snapshots and diagnostics work for it as for them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureImage, trixieGrubRecipe, Machine, stateRoot, collectDiagnostics } from '../harness/index.js';
import { describeAsRoot, useCluster } from '../harness/vitest.js';
import { allPairs } from './lib/net.js';

// The example recipe partitions its disk through a loop device: building it needs root.
const d = describeAsRoot('building the trixie-grub example image (loop devices)');

d.describe(d.title('byo-image: trixie + GRUB booted through firmware, next to built-in nodes'), () => {
  describe.sequential('vlans, 2 built-in nodes + 1 trixie-grub node', () => {
    // Restored from its booted snapshot after the first run (the last test still boots it through firmware).
    const h = useCluster({ profile: 'vlans', nodes: ['n100-1', 'n100-2', { name: 'byo-1', image: { recipe: trixieGrubRecipe } }], snapshot: 'booted' });
    const byo = () => h.m('byo-1');
    const host = mkdtempSync(join(tmpdir(), 'n3x-byo-'));
    afterAll(() => rmSync(host, { recursive: true, force: true }));

    it('booted from its own disk through SeaBIOS and GRUB: no -kernel, trixie, root on a partition', async () => {
      const argv = JSON.parse(readFileSync(join(byo().stateDir, 'qemu.argv'), 'utf8')) as string[];
      expect(argv).not.toContain('-kernel');
      expect(argv.some((a) => a.includes('bootindex=0'))).toBe(true);
      expect(await byo().succeed('. /etc/os-release; echo $VERSION_CODENAME')).toBe('trixie\n');
      expect(await byo().succeed('findmnt -no SOURCE /')).toBe('/dev/vda3\n');
      expect(await byo().succeed('cat /proc/cmdline')).toMatch(/BOOT_IMAGE=\/boot\/vmlinuz-\S+ root=UUID=\S+ .*console=ttyS0,115200 net\.ifnames=0/);
      expect(await byo().succeed('cat /proc/sys/kernel/hostname')).toBe('byo-1\n');
      expect(await h.m('n100-1').succeed('. /etc/os-release; echo $VERSION_CODENAME')).toBe('bookworm\n');
    });

    it('Machine API: succeed, fail, waitForUnit, files both ways', async () => {
      const m = byo();
      expect(await m.succeed('echo hello; uname -s')).toBe('hello\nLinux\n');
      await m.fail('false');
      expect((await m.execute('echo err >&2; exit 3')).status).toBe(3);
      await m.waitForUnit('n3x-backdoor.service');
      await m.waitForUnit('systemd-journald.service');
      await m.waitForUnit('multi-user.target');
      writeFileSync(join(host, 'payload.txt'), 'from the host\n');
      await m.copyFromHost(join(host, 'payload.txt'), '/root/payload.txt');
      expect(await m.succeed('cat /root/payload.txt')).toBe('from the host\n');
      await m.succeed('echo from-the-guest > /root/back.txt');
      const back = await m.copyFromMachine('/root/back.txt', join(host, 'back'));
      expect(readFileSync(back, 'utf8')).toBe('from-the-guest\n');
    });

    it('reaches and is reached by the built-in nodes on VLAN 200 and VLAN 100', async () => {
      expect(await byo().succeed(`ip -br addr show ${h.cluster.iface()}`)).toContain(h.cluster.address('byo-1'));
      expect(await allPairs(h.cluster, 'cluster')).toEqual([]);
      expect(await allPairs(h.cluster, 'storage')).toEqual([]);
    });

    it('a snapshot taken with it restores it, with its disk, and it answers again', async () => {
      await h.cluster.snapshot('byo');
      await byo().succeed('echo after-snapshot > /root/later.txt && sync');
      await h.cluster.restore('byo');
      await byo().fail('test -e /root/later.txt');
      expect(await byo().succeed('cat /root/payload.txt')).toBe('from the host\n');
      expect(await allPairs(h.cluster, 'cluster')).toEqual([]);
    });

    it('diagnostics read its units and journal', async () => {
      const text = await collectDiagnostics([byo()], 'byo-image-diagnostics', ['n3x-backdoor.service']);
      expect(text).toMatch(/── byo-1 \(up\) ──\nsystemctl --failed: /);
      expect(text).toMatch(/journal n3x-backdoor.service \(loaded\/active/);
    });

    it('reboots through firmware again, keeping its disk', async () => {
      await byo().reboot();
      expect(await byo().succeed('cat /root/payload.txt /proc/sys/kernel/hostname')).toBe('from the host\nbyo-1\n');
    });
  });

  describe.sequential('the same disk through OVMF (firmware: uefi)', () => {
    let m: Machine | undefined;
    afterAll(async () => m?.destroy());

    it('boots through UEFI with its own variable store, which snapshots copy with its disks', async () => {
      const img = await ensureImage(trixieGrubRecipe);
      m = new Machine({ name: 'byo-uefi', image: { ...img, firmware: 'uefi' }, stateDir: join(stateRoot(), `byo-uefi-${process.pid}`) });
      await m.start();
      await m.succeed('test -d /sys/firmware/efi');
      expect(await m.succeed('cat /proc/sys/kernel/hostname')).toBe('byo-uefi\n');
      expect(m.diskFiles().map((f) => f.split('/').pop())).toEqual(['root.qcow2', 'efivars.fd']);
      const argv = JSON.parse(readFileSync(join(m.stateDir, 'qemu.argv'), 'utf8')) as string[];
      expect(argv).toContain(`if=pflash,format=raw,unit=1,file=${join(m.stateDir, 'efivars.fd')}`);
    });
  });
});
