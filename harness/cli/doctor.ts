/** `n3x doctor`: what this host can run, and what to install or change. */
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { detectAccel } from '../accel.js';
import { chooseBackend } from '../network/backend.js';
import { listImages } from '../images/cache.js';
import { k3sBinaryStatus } from '../k3s/binary.js';

/** On PATH or in the sbin directories (mke2fs is there, off a non-root user's PATH; the harness looks there too). */
async function which(bin: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${bin}`], { reject: false, env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } })).exitCode === 0;
}

export async function doctor(): Promise<boolean> {
  let ok = true;
  const line = (good: boolean, what: string, fix = '') => {
    if (!good) ok = false;
    console.log(`${good ? '✔' : '✘'} ${what}${!good && fix ? ` — ${fix}` : ''}`);
  };
  for (const [bin, pkg] of [['qemu-system-x86_64', 'qemu-system-x86'], ['qemu-img', 'qemu-utils'], ['mmdebstrap', 'mmdebstrap'], ['mke2fs', 'e2fsprogs'], ['vde_switch', 'vde2'], ['ip', 'iproute2']]) {
    line(await which(bin), bin, `apt-get install ${pkg} (npm test installs it)`);
  }
  // aarch64 machines only: informational, an x86_64-only setup does not need them.
  const arm = await which('qemu-system-aarch64');
  const binfmt = existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64');
  console.log(`• aarch64 machines: ${arm ? 'qemu-system-aarch64 found' : 'no qemu-system-aarch64 (apt-get install qemu-system-arm)'}; arm64 image build: ${binfmt ? 'binfmt qemu-aarch64 enabled' : 'no binfmt qemu-aarch64 (apt-get install qemu-user-static binfmt-support arch-test; see ci/setup.sh)'}`);
  try {
    const a = detectAccel();
    console.log(`• accelerator: ${a.accel} (${a.reason})`);
  } catch (e) {
    line(false, 'accelerator', (e as Error).message);
  }
  const b = chooseBackend();
  console.log(`• network backend: ${b.kind} (${b.reason})`);
  const imgs = listImages();
  console.log(`• cached images: ${imgs.length ? imgs.map((i) => `${i.name}${i.current ? ' (current)' : ''}`).join(', ') : 'none (built on first use, ~90 s)'}`);
  const k = k3sBinaryStatus();
  console.log(`• k3s: ${k.available ? `${k.path} (${k.version}); airgap images: ${k.airgapImages ?? 'none — pods cannot start in guests (N3X_K3S_AIRGAP_IMAGES or fetch-k3s --airgap)'}` : k.reason}`);
  const k64 = k3sBinaryStatus(process.env, 'arm64');
  console.log(`• k3s arm64 (aarch64 agents): ${k64.available ? `${k64.path} (${k64.version}); airgap images: ${k64.airgapImages ?? 'none'}` : k64.reason}`);
  return ok;
}
