import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { buildQemuArgv, type QemuSpec } from './argv.js';
import { firmwareArgv, firmwareFor, firmwarePackage } from './firmware.js';

const base: QemuSpec = {
  name: 'n1', accel: 'tcg', memoryMiB: 1024, cpus: 1,
  disks: [{ path: '/s/root.qcow2', serial: 'root' }, { path: '/s/data0.qcow2', serial: 'data0' }],
  nics: [{ id: 'mgmt', mac: '52:54:00:00:00:01', backend: { type: 'user' } }],
  qmpSocket: '/s/qmp.sock', shellSocket: '/s/shell.sock', outSocket: '/s/out.sock', ttySocket: '/s/tty.sock', serialSocket: '/s/serial.sock', serialLog: '/s/serial.log', pidFile: '/s/pid',
};
const after = (a: string[], flag: string) => a.flatMap((v, i) => (a[i - 1] === flag ? [v] : []));

describe('firmware for disks that boot themselves', () => {
  it('x86_64: SeaBIOS unless UEFI is asked for (OVMF, from Debian ovmf); aarch64: UEFI (AAVMF) only', () => {
    expect(firmwareFor('x86_64', undefined, {})).toEqual({ kind: 'bios' });
    expect(firmwareFor('x86_64', 'uefi', {})).toEqual({ kind: 'uefi', code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' });
    expect(firmwareFor('aarch64', undefined, {})).toMatchObject({ kind: 'uefi', code: '/usr/share/AAVMF/AAVMF_CODE.fd' });
    expect(() => firmwareFor('aarch64', 'bios', {})).toThrow(ConfigError);
    expect(firmwareFor('x86_64', 'uefi', { N3X_UEFI_CODE: '/c', N3X_UEFI_VARS: '/v' })).toEqual({ kind: 'uefi', code: '/c', vars: '/v' });
    expect(firmwarePackage('x86_64', firmwareFor('x86_64', 'uefi', {}))).toBe('ovmf');
    expect(firmwarePackage('aarch64', firmwareFor('aarch64', 'uefi', {}))).toBe('qemu-efi-aarch64');
  });

  it('UEFI: read-only code and the machine\'s own variable store as pflash; SeaBIOS needs no arguments', () => {
    expect(firmwareArgv({ kind: 'bios' })).toEqual([]);
    expect(after(firmwareArgv({ kind: 'uefi', code: '/c.fd', vars: '/t.fd' }, '/s/efivars.fd'), '-drive')).toEqual([
      'if=pflash,format=raw,unit=0,readonly=on,file=/c.fd',
      'if=pflash,format=raw,unit=1,file=/s/efivars.fd',
    ]);
    expect(() => firmwareArgv({ kind: 'uefi', code: '/c.fd', vars: '/t.fd' })).toThrow(/variable store/);
  });

  it('a disk boot has no -kernel/-append, boots the root disk first, and loads no NIC option ROMs', () => {
    const a = buildQemuArgv({ ...base, firmware: { kind: 'uefi', code: '/c.fd', vars: '/t.fd' }, firmwareVars: '/s/efivars.fd' });
    expect(a).not.toContain('-kernel');
    expect(a).not.toContain('-append');
    expect(after(a, '-drive').filter((d) => d.startsWith('if=pflash'))).toHaveLength(2);
    const blk = after(a, '-device').filter((d) => d.startsWith('virtio-blk'));
    expect(blk[0]).toMatch(/serial=root,.*,bootindex=0$/);
    expect(blk[1]).not.toContain('bootindex');
    expect(after(a, '-device').find((d) => d.startsWith('virtio-net'))).toMatch(/,romfile=$/);
    expect(buildQemuArgv(base)).not.toContain('-drive if=pflash'); // SeaBIOS by default
  });

  it('a direct kernel boot stays as it was: kernel, initrd, command line, no bootindex, NIC ROMs untouched', () => {
    const a = buildQemuArgv({ ...base, kernel: '/k', initrd: '/i', append: 'x' });
    expect([after(a, '-kernel'), after(a, '-initrd'), after(a, '-append')]).toEqual([['/k'], ['/i'], ['x']]);
    expect(after(a, '-device').join(' ')).not.toMatch(/bootindex|romfile/);
  });
});
