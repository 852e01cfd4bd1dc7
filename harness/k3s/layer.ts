/** The k3s image layer: a read-only ext4 disk holding the k3s binary (and airgap images), shared by every node. */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../errors.js';
import { cacheRoot } from '../images/cache.js';
import { logger } from '../log.js';
import { sha256File } from './fetch.js';
import type { K3sBinaryStatus } from './binary.js';

const log = logger('k3s');
export const K3S_LAYER_SERIAL = 'k3s';

/** Builds (or reuses, keyed by content hash) the layer disk for this k3s binary and airgap tarball. */
export async function k3sLayer(bin: K3sBinaryStatus): Promise<string> {
  if (!bin.available || !bin.path) throw new InfraError(`k3s layer: ${bin.reason}`);
  const files = [bin.path, ...(bin.airgapImages ? [bin.airgapImages] : [])];
  const key = (await Promise.all(files.map(sha256File))).join('').slice(0, 64);
  const { createHash } = await import('node:crypto');
  const id = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const dir = join(cacheRoot(), 'k3s', 'layers');
  const img = join(dir, `k3s-${id}.img`);
  if (existsSync(img)) return img;
  mkdirSync(dir, { recursive: true });
  const stage = mkdtempSync(join(dir, 'stage-'));
  try {
    copyFileSync(bin.path, join(stage, 'k3s'));
    if (bin.airgapImages) copyFileSync(bin.airgapImages, join(stage, basename(bin.airgapImages)));
    const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
    const mib = Math.ceil((bytes * 1.2) / 2 ** 20) + 32;
    log.info(`building k3s layer ${id} (${mib} MiB)`);
    // mke2fs lives in /usr/sbin, which a non-root user's PATH lacks.
    const r = await execa('mke2fs', ['-q', '-t', 'ext4', '-L', 'n3xk3s', '-d', stage, `${img}.tmp`, `${mib}M`], { reject: false, env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
    if (r.exitCode !== 0) throw new InfraError(`mke2fs for the k3s layer failed: ${r.stderr}`);
    renameSync(`${img}.tmp`, img);
    return img;
  } finally {
    rmSync(stage, { recursive: true, force: true });
    rmSync(`${img}.tmp`, { force: true });
  }
}

/** Guest commands that mount the layer and install k3s (and airgap images) from it. */
export function installFromLayerScript(): string {
  return [
    'set -e',
    `dev=; for b in /sys/block/vd*; do [ "$(cat $b/serial 2>/dev/null)" = ${K3S_LAYER_SERIAL} ] && dev=/dev/\${b##*/}; done`,
    '[ -n "$dev" ] || { echo "k3s layer disk not attached" >&2; exit 1; }',
    'mkdir -p /opt/n3x-k3s && (mountpoint -q /opt/n3x-k3s || mount -o ro "$dev" /opt/n3x-k3s)',
    'ln -sf /opt/n3x-k3s/k3s /usr/local/bin/k3s',
    'for t in /opt/n3x-k3s/k3s-airgap-images-*; do [ -e "$t" ] || continue; mkdir -p /var/lib/rancher/k3s/agent/images; ln -sf "$t" /var/lib/rancher/k3s/agent/images/; done',
    'for t in kubectl crictl ctr; do ln -sf /usr/local/bin/k3s /usr/local/bin/$t; done',
  ].join('\n');
}
