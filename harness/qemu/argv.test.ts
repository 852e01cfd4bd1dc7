import { describe, expect, it } from 'vitest';
import { buildQemuArgv, kernelAppend, type QemuSpec } from './argv.js';

const base: QemuSpec = {
  name: 'n1', accel: 'tcg', memoryMiB: 1024, cpus: 1, kernel: '/k', initrd: '/i', append: 'x',
  disks: [{ path: '/s/root.qcow2', serial: 'root' }], nics: [],
  qmpSocket: '/s/qmp.sock', shellSocket: '/s/shell.sock', outSocket: '/s/out.sock', ttySocket: '/s/tty.sock', serialSocket: '/s/serial.sock', serialLog: '/s/serial.log', pidFile: '/s/pid',
};
const after = (a: string[], flag: string) => a.flatMap((v, i) => (a[i - 1] === flag ? [v] : []));

describe('buildQemuArgv', () => {
  it('uses -cpu max under TCG and host under KVM', () => {
    expect(after(buildQemuArgv(base), '-cpu')).toEqual(['max']);
    expect(after(buildQemuArgv({ ...base, accel: 'kvm' }), '-cpu')).toEqual(['host']);
    expect(after(buildQemuArgv(base), '-machine')).toEqual(['q35,accel=tcg']);
  });
  it('exports the shared dir over 9p (tag n3x-shared, fixed PCI slot so saved states load) only when given', () => {
    const a = buildQemuArgv({ ...base, sharedDir: '/s/shared' });
    expect(after(a, '-fsdev')).toEqual(['local,id=fs0,path=/s/shared,security_model=none']);
    expect(after(a, '-device')).toContain('virtio-9p-pci,fsdev=fs0,mount_tag=n3x-shared,bus=pcie.0,addr=0x5');
    expect(buildQemuArgv(base)).not.toContain('-fsdev');
    expect(() => buildQemuArgv({ ...base, sharedDir: '/s/a,b' })).toThrow(/commas/);
  });
  it('never reboots in place, so a guest panic or reboot ends the process', () => {
    expect(buildQemuArgv(base)).toContain('-no-reboot');
  });
  it('puts QMP, backdoor and serial on unix sockets and logs the serial console', () => {
    const a = buildQemuArgv(base);
    expect(after(a, '-qmp')).toEqual(['unix:/s/qmp.sock,server=on,wait=off']);
    const ch = after(a, '-chardev');
    expect(ch).toContain('socket,id=shell,path=/s/shell.sock,server=on,wait=off');
    expect(ch.some((c) => c.includes('logfile=/s/serial.log'))).toBe(true);
    expect(after(a, '-device')).toContain('virtconsole,chardev=shell,id=hvc0,bus=vser0.0,nr=0');
    // Output on a virtserialport: QEMU throttles it when the host is slow (a virtconsole would drop bytes).
    expect(after(a, '-device')).toContain('virtserialport,chardev=out,id=n3xout,name=n3x.out,bus=vser0.0,nr=1');
    expect(ch).toContain('socket,id=out,path=/s/out.sock,server=on,wait=off');
  });
  it('orders NICs by PCI slot so guest names are eth0, eth1, … in spec order', () => {
    const a = buildQemuArgv({
      ...base,
      nics: [
        { id: 'mgmt', mac: '52:54:00:00:00:01', backend: { type: 'user', hostfwd: [{ hostPort: 4000, guestPort: 6443 }] } },
        { id: 'nic1', mac: '52:54:00:00:01:01', backend: { type: 'tap', ifname: 'n3xabcdn1e1' } },
        { id: 'nic2', mac: '52:54:00:00:01:02', backend: { type: 'vde', sock: '/s/sw' } },
      ],
    });
    const nd = after(a, '-netdev');
    expect(nd[0]).toBe('user,id=nd-mgmt,restrict=on,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:4000-:6443');
    expect(nd[1]).toBe('tap,id=nd-nic1,ifname=n3xabcdn1e1,script=no,downscript=no');
    expect(nd[2]).toBe('vde,id=nd-nic2,sock=/s/sw');
    const dev = after(a, '-device').filter((d) => d.startsWith('virtio-net'));
    expect(dev.map((d) => /addr=(0x[0-9a-f]+)/.exec(d)![1])).toEqual(['0x10', '0x11', '0x12']);
    expect(dev[1]).toContain('mac=52:54:00:00:01:01');
  });
  it('forwards bind to 127.0.0.1 only and the user NIC is restricted', () => {
    const a = buildQemuArgv({ ...base, nics: [{ id: 'm', mac: '52:54:00:00:00:01', backend: { type: 'user', hostfwd: [{ hostPort: 1, guestPort: 2 }] } }] });
    const user = after(a, '-netdev')[0];
    expect(user).toContain('restrict=on');
    expect(user).not.toMatch(/hostfwd=tcp:(?!127\.0\.0\.1:)/);
  });
  it('attaches extra disks with serials', () => {
    const a = buildQemuArgv({ ...base, disks: [...base.disks, { path: '/s/data0.qcow2', serial: 'data0' }] });
    expect(after(a, '-device').filter((d) => d.startsWith('virtio-blk')).map((d) => /serial=(\w+)/.exec(d)![1])).toEqual(['root', 'data0']);
  });
});

describe('shared read-only layers', () => {
  it('attach raw and read-only', () => {
    const a = buildQemuArgv({ ...base, disks: [...base.disks, { path: '/c/k3s.img', serial: 'k3s', format: 'raw', readonly: true }] });
    expect(after(a, '-drive')[1]).toBe('file=/c/k3s.img,if=none,id=disk1,format=raw,cache=writeback,readonly=on');
  });
});

describe('kernelAppend', () => {
  it('sets the serial console, classic NIC names, panic exit and the hostname', () => {
    const s = kernelAppend('n100-1', ['quiet']);
    for (const w of ['console=ttyS0,115200', 'root=/dev/vda', 'net.ifnames=0', 'panic=-1', 'systemd.hostname=n100-1', 'quiet']) expect(s.split(' ')).toContain(w);
  });
});
