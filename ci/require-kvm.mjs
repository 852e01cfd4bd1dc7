// @ts-check
/**
 * CI jobs that boot VMs require KVM: without it a job stops here, in seconds, naming why (TCG would crawl to the
 * job's timeout). Plain Node, runs before npm ci. usage: node ci/require-kvm.mjs   (exit 1 with the reason)
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @param {{ exists: boolean, readWrite: boolean, cpuinfo: string }} f facts about /dev/kvm and the CPU
 * @returns {string | undefined} why KVM cannot be used, with the fix; undefined when it can
 */
export function kvmProblem(f) {
  if (!f.exists) return '/dev/kvm does not exist: this runner has no KVM (GitHub: a Linux larger or standard runner with nested virtualization; GitLab: a runner tagged kvm with /dev/kvm passed in)';
  if (!f.readWrite) return '/dev/kvm is not read-writable by this user: run ci/host-prepare.sh as root first (udev rule + chmod 0666), or add the user to the kvm group';
  if (!/^flags\s*:.*\b(vmx|svm)\b/m.test(f.cpuinfo)) return '/dev/kvm exists but the CPU shows no vmx/svm flag (nested or paravirtual KVM hangs stock guests)';
  return undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dev = process.env.N3X_KVM_DEVICE ?? '/dev/kvm';
  let readWrite = false;
  try {
    accessSync(dev, constants.R_OK | constants.W_OK);
    readWrite = true;
  } catch {
    readWrite = false;
  }
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    /* no procfs: no flags */
  }
  const problem = kvmProblem({ exists: existsSync(dev), readWrite, cpuinfo });
  if (problem) {
    console.error(`n3x CI: KVM required (N3X_ACCEL=kvm), stopping now: ${problem.replaceAll('/dev/kvm', dev)}`);
    process.exit(1);
  }
  console.log(`n3x CI: KVM usable (${dev})`);
}
