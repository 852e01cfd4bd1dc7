import { describe, expect, it } from 'vitest';
import { chooseAccel } from './accel.js';
import { ConfigError } from './errors.js';

const vmx = 'flags\t\t: fpu vme vmx sse\n';
const none = 'flags\t\t: fpu vme sse\n';

describe('chooseAccel', () => {
  it('uses KVM only with a usable /dev/kvm and a vmx/svm flag', () => {
    expect(chooseAccel({ cpuinfo: vmx, kvmUsable: true }).accel).toBe('kvm');
    expect(chooseAccel({ cpuinfo: none, kvmUsable: true })).toMatchObject({ accel: 'tcg', reason: expect.stringContaining('vmx/svm') });
    expect(chooseAccel({ cpuinfo: vmx, kvmUsable: false }).accel).toBe('tcg');
  });
  it('honours N3X_ACCEL and rejects impossible or unknown values', () => {
    expect(chooseAccel({ env: 'tcg', cpuinfo: vmx, kvmUsable: true }).accel).toBe('tcg');
    expect(chooseAccel({ env: 'kvm', cpuinfo: none, kvmUsable: true }).accel).toBe('kvm');
    expect(() => chooseAccel({ env: 'kvm', cpuinfo: vmx, kvmUsable: false })).toThrow(ConfigError);
    expect(() => chooseAccel({ env: 'hvf', cpuinfo: vmx, kvmUsable: true })).toThrow(/N3X_ACCEL/);
  });
});
