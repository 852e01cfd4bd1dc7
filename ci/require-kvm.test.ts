import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kvmProblem } from './require-kvm.mjs';

const script = fileURLToPath(new URL('./require-kvm.mjs', import.meta.url));
const vmx = 'processor\t: 0\nflags\t\t: fpu vme vmx sse\n';

describe('ci/require-kvm.mjs: KVM or a clear stop', () => {
  it('names the missing device, the permission and the missing vmx/svm flag; passes when all are there', () => {
    expect(kvmProblem({ exists: false, readWrite: false, cpuinfo: vmx })).toMatch(/does not exist: this runner has no KVM/);
    expect(kvmProblem({ exists: true, readWrite: false, cpuinfo: vmx })).toMatch(/not read-writable.*ci\/host-prepare\.sh/);
    expect(kvmProblem({ exists: true, readWrite: true, cpuinfo: 'flags\t: fpu sse\n' })).toMatch(/no vmx\/svm flag/);
    expect(kvmProblem({ exists: true, readWrite: true, cpuinfo: vmx })).toBeUndefined();
  });

  it('exits 1 at once, naming why, when the device is absent', () => {
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { PATH: process.env.PATH, N3X_KVM_DEVICE: '/nonexistent/kvm' } });
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 1, stderr: expect.stringMatching(/^n3x CI: KVM required \(N3X_ACCEL=kvm\), stopping now: \/nonexistent\/kvm does not exist/) });
  });
});
