/** Accelerator detection: KVM only where it really works, else TCG; N3X_ACCEL=kvm|tcg overrides. */
import { accessSync, constants, readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

export type Accel = 'kvm' | 'tcg';
export interface AccelChoice {
  accel: Accel;
  reason: string;
}

export interface AccelProbe {
  env?: string | undefined;
  cpuinfo: string;
  kvmUsable: boolean;
}

/** Pure decision from probe facts (unit-tested). */
export function chooseAccel(p: AccelProbe): AccelChoice {
  const hasVirtFlag = /^flags\s*:.*\b(vmx|svm)\b/m.test(p.cpuinfo);
  if (p.env === 'tcg') return { accel: 'tcg', reason: 'N3X_ACCEL=tcg' };
  if (p.env === 'kvm') {
    if (!p.kvmUsable) throw new ConfigError('N3X_ACCEL', 'kvm requested but /dev/kvm is missing or not read-writable', 'unset N3X_ACCEL to fall back to tcg, or add your user to the kvm group');
    return { accel: 'kvm', reason: 'N3X_ACCEL=kvm' };
  }
  if (p.env) throw new ConfigError('N3X_ACCEL', `unknown value '${p.env}'`, "use 'kvm' or 'tcg', or unset it");
  if (!p.kvmUsable) return { accel: 'tcg', reason: '/dev/kvm missing or not read-writable' };
  if (!hasVirtFlag) return { accel: 'tcg', reason: '/dev/kvm exists but the CPU shows no vmx/svm flag (nested/paravirtual KVM hangs stock guests)' };
  return { accel: 'kvm', reason: '/dev/kvm usable and CPU has vmx/svm' };
}

let cached: AccelChoice | undefined;

/** Detects once per process. */
export function detectAccel(): AccelChoice {
  if (cached) return cached;
  let kvmUsable = false;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    kvmUsable = true;
  } catch {
    kvmUsable = false;
  }
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    /* non-Linux: tcg */
  }
  cached = chooseAccel({ env: process.env.N3X_ACCEL || undefined, cpuinfo, kvmUsable });
  return cached;
}
