import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { buildQemuArgv, kernelAppend, type QemuSpec } from './argv.js';
import { accelFor, archProfile, bootDeadline, EMULATION_FACTOR, hostArch, isForeign, parseArch, QEMU_BINARIES } from './arch.js';

const base: QemuSpec = {
  name: 'n1', accel: 'tcg', memoryMiB: 1024, cpus: 1, kernel: '/k', initrd: '/i', append: 'x',
  disks: [{ path: '/s/root.qcow2', serial: 'root' }], nics: [],
  qmpSocket: '/s/qmp.sock', shellSocket: '/s/shell.sock', outSocket: '/s/out.sock', ttySocket: '/s/tty.sock', serialSocket: '/s/serial.sock', serialLog: '/s/serial.log', pidFile: '/s/pid',
};
const after = (a: string[], flag: string) => a.flatMap((v, i) => (a[i - 1] === flag ? [v] : []));

describe('guest architectures', () => {
  it('an aarch64 guest is a virt machine with the cheap-pauth max CPU; x86_64 stays q35', () => {
    const a = buildQemuArgv({ ...base, arch: 'aarch64' });
    expect(after(a, '-machine')).toEqual(['virt,accel=tcg']);
    expect(after(a, '-cpu')).toEqual(['max,pauth-impdef=on']);
    expect(after(buildQemuArgv(base), '-machine')).toEqual(['q35,accel=tcg']);
    expect(after(buildQemuArgv({ ...base, arch: 'x86_64' }), '-cpu')).toEqual(['max']);
    // The same virtio-pci devices on both: virt's PCIe root bus is pcie.0 too.
    expect(after(a, '-device').filter((d) => d.includes('bus=pcie.0')).length).toBe(after(buildQemuArgv(base), '-device').filter((d) => d.includes('bus=pcie.0')).length);
  });
  it('the kernel console is the PL011 on aarch64 and the x86-only clock options stay on x86_64', () => {
    expect(kernelAppend('j1', [], 'aarch64')).toMatch(/^console=ttyAMA0,115200 /);
    expect(kernelAppend('j1', [], 'aarch64')).not.toMatch(/tsc=|no_timer_check/);
    expect(kernelAppend('n1')).toMatch(/^console=ttyS0,115200 .*tsc=reliable/);
  });
  it('binaries and Debian names per architecture; the reaper knows every binary', () => {
    expect(archProfile('aarch64')).toMatchObject({ binary: 'qemu-system-aarch64', debian: 'arm64' });
    expect(archProfile()).toMatchObject({ binary: 'qemu-system-x86_64', debian: 'amd64' });
    expect(QEMU_BINARIES).toEqual(['qemu-system-x86_64', 'qemu-system-aarch64']);
  });
  it('parses the usual spellings and rejects others with a ConfigError', () => {
    expect(parseArch('arm64')).toBe('aarch64');
    expect(parseArch('amd64')).toBe('x86_64');
    expect(parseArch(undefined)).toBe('x86_64');
    expect(() => parseArch('riscv64')).toThrow(ConfigError);
  });
  it('a foreign guest never gets KVM, and its boot deadline is scaled by the measured factor', () => {
    expect(hostArch('x64')).toBe('x86_64');
    expect(hostArch('arm64')).toBe('aarch64');
    expect(isForeign('aarch64', 'x86_64')).toBe(true);
    expect(accelFor('aarch64', 'kvm', 'x86_64')).toBe('tcg');
    expect(accelFor('x86_64', 'kvm', 'x86_64')).toBe('kvm');
    expect(accelFor('aarch64', 'kvm', 'aarch64')).toBe('kvm');
    expect(bootDeadline('x86_64', 'tcg', undefined, 'x86_64')).toBe(120);
    expect(bootDeadline('aarch64', 'tcg', undefined, 'x86_64')).toBe(Math.ceil(120 * EMULATION_FACTOR));
    // The mechanism, with a factor other than the recorded one: foreign guests only, given or default deadline.
    expect(bootDeadline('aarch64', 'tcg', undefined, 'x86_64', 2.5)).toBe(300);
    expect(bootDeadline('aarch64', 'tcg', 300, 'x86_64', 2.5)).toBe(750);
    expect(bootDeadline('x86_64', 'tcg', 300, 'x86_64', 2.5)).toBe(300);
    expect(bootDeadline('x86_64', 'tcg', 100, 'aarch64', 2.5)).toBe(250);
    // Never less time than a native guest, whatever was measured.
    expect(bootDeadline('aarch64', 'tcg', 100, 'x86_64', 0.77)).toBe(100);
    expect(EMULATION_FACTOR).toBeGreaterThanOrEqual(1);
  });
});
