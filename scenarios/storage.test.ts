/**
 * Storage on the vlans profile: an extra virtio disk per node whose fsync'd data survives reboot and power
 * cut, and an iSCSI LUN (tgt on n100-1's VLAN 100 address, open-iscsi on n100-2/3) whose traffic provably
 * rides the storage VLAN.
 */
import { describe, expect, it } from 'vitest';
import { useCluster } from '../harness/vitest.js';
import { counters } from './lib/net.js';

const IQN = 'iqn.2026-11.dev.n3x:lun1';

describe.sequential('storage: 3 nodes on vlans with one extra disk each', () => {
  const h = useCluster({ profile: 'vlans', nodes: 3, disks: [{ sizeGiB: 1 }], snapshot: 'booted', units: ['tgt.service', 'iscsid.service'] });

  it('the extra disk is a blank virtio disk with its serial', async () => {
    const m = h.m('n100-1');
    // udev makes the by-id link during coldplug, which may still run when the backdoor answers.
    expect(await m.waitUntilSucceeds('readlink -e /dev/disk/by-id/virtio-data0', { timeout: 60 })).toMatch(/\/dev\/vdb/);
    expect((await m.succeed('blockdev --getsize64 /dev/vdb')).trim()).toBe(String(1024 ** 3));
    expect((await m.execute('blkid /dev/vdb')).status).not.toBe(0); // no filesystem yet
  });

  it('fsync\'d data on the extra disk survives reboot() and crash()+start()', async () => {
    const m = h.m('n100-2');
    await m.succeed('mkfs.ext4 -q -L data /dev/vdb', 'mkdir -p /mnt/data', 'mount /dev/vdb /mnt/data');
    await m.succeed('head -c 4M /dev/urandom > /tmp/a && dd if=/tmp/a of=/mnt/data/a bs=1M conv=fsync status=none');
    const sumA = (await m.succeed('sha256sum < /mnt/data/a')).split(' ')[0];
    await m.reboot();
    await m.succeed('mount /dev/vdb /mnt/data');
    expect((await m.succeed('sha256sum < /mnt/data/a')).split(' ')[0]).toBe(sumA);
    await m.succeed('head -c 4M /dev/urandom > /tmp/b && dd if=/tmp/b of=/mnt/data/b bs=1M conv=fsync status=none');
    const sumB = (await m.succeed('sha256sum < /mnt/data/b')).split(' ')[0];
    await m.crash(); // power cut right after fsync: nothing flushed on shutdown
    await m.start();
    await m.succeed('mount /dev/vdb /mnt/data');
    expect((await m.succeed('sha256sum < /mnt/data/b')).split(' ')[0]).toBe(sumB);
    expect((await m.succeed('sha256sum < /mnt/data/a')).split(' ')[0]).toBe(sumA);
  });

  it('iSCSI: n100-1 exports a LUN on its VLAN 100 address; n100-2 writes, n100-3 reads after re-login', async () => {
    const target = h.m('n100-1');
    const portal = h.cluster.address('n100-1', 'storage');
    await target.succeed('systemctl start tgt.service');
    await target.waitForUnit('tgt.service', { timeout: 60 });
    await target.succeed(
      `tgtadm --lld iscsi --op new --mode target --tid 1 -T ${IQN}`,
      'tgtadm --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b /dev/vdb',
      'tgtadm --lld iscsi --op bind --mode target --tid 1 -I ALL',
    );
    await target.waitForOpenPort(3260, { addr: portal, timeout: 30 });

    const login = async (name: string) => {
      const m = h.m(name);
      await m.succeed(`echo InitiatorName=iqn.2026-11.dev.n3x:${name} > /etc/iscsi/initiatorname.iscsi`, 'systemctl start iscsid.service');
      await m.succeed(`iscsiadm -m discovery -t sendtargets -p ${portal}`, `iscsiadm -m node -T ${IQN} -p ${portal} --login`);
      const link = `/dev/disk/by-path/ip-${portal}:3260-iscsi-${IQN}-lun-1`;
      return m.waitUntilSucceeds(`test -b ${link} && readlink -f ${link}`, { timeout: 60 }).then((s) => s.trim());
    };
    const logout = (name: string) => h.m(name).succeed(`iscsiadm -m node -T ${IQN} -p ${portal} --logout`);

    const writer = h.m('n100-2');
    const before = { storage: await counters(writer, 'eth1.100'), cluster: await counters(writer, 'eth1.200') };
    const dev = await login('n100-2');
    await writer.succeed(`mkfs.ext4 -q ${dev}`, 'mkdir -p /mnt/lun', `mount ${dev} /mnt/lun`);
    await writer.succeed('head -c 16M /dev/urandom > /tmp/lun-data && cp /tmp/lun-data /mnt/lun/data && sync');
    const sum = (await writer.succeed('sha256sum < /mnt/lun/data')).split(' ')[0];
    await writer.succeed('umount /mnt/lun');
    const after = { storage: await counters(writer, 'eth1.100'), cluster: await counters(writer, 'eth1.200') };
    await logout('n100-2');

    const storageTx = after.storage.tx - before.storage.tx;
    const clusterTx = after.cluster.tx - before.cluster.tx;
    console.log(`iSCSI write of 16 MiB: VLAN 100 tx +${storageTx} bytes, VLAN 200 tx +${clusterTx} bytes`);
    expect(storageTx).toBeGreaterThan(16 * 2 ** 20);
    expect(clusterTx).toBeLessThan(64 * 1024);

    const reader = h.m('n100-3');
    const dev3 = await login('n100-3');
    await reader.succeed('mkdir -p /mnt/lun', `mount ${dev3} /mnt/lun`);
    expect((await reader.succeed('sha256sum < /mnt/lun/data')).split(' ')[0]).toBe(sum);
    await reader.succeed('umount /mnt/lun');
    await logout('n100-3');
    // Re-login on the writer: the data is still there.
    const again = await login('n100-2');
    await writer.succeed(`mount ${again} /mnt/lun`);
    expect((await writer.succeed('sha256sum < /mnt/lun/data')).split(' ')[0]).toBe(sum);
    await writer.succeed('umount /mnt/lun');
    await logout('n100-2');
  });
});
