/**
 * The k3s image layer: a read-only ext4 disk holding the k3s binary (and airgap images), shared by every node,
 * mounted by a systemd mount unit so that it comes back after reboot() and crash() + start().
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { InfraError } from '../errors.js';
import { cacheRoot } from '../util/paths.js';
import { logger } from '../log.js';
import { sha256File } from './fetch.js';
import type { K3sBinaryStatus } from './binary.js';
import { K3S_LAYER_MOUNT } from './config.js';
import { K3S_IMAGES_DIR } from './release.js';

export { K3S_LAYER_MOUNT };

const log = logger('k3s');
export const K3S_LAYER_SERIAL = 'k3s';
/** Bump when the layer's layout changes. */
const LAYER_FORMAT = 2;

/** What the layer cache key is made of (pure; unit-tested). */
export function layerKey(parts: { binarySha: string; version?: string; images?: { name: string; sha: string } }): string {
  const text = JSON.stringify({ format: LAYER_FORMAT, binary: parts.binarySha, version: parts.version ?? 'unknown', images: parts.images ?? null });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Builds (or reuses, keyed by binary, images and version) the layer disk: /k3s and /images/<tarball>, plus any
 * extra image tarballs (e.g. Longhorn's) that k3s imports from agent/images like its own.
 */
export async function k3sLayer(bin: K3sBinaryStatus, extraImages: string[] = []): Promise<string> {
  if (!bin.available || !bin.path) throw new InfraError(`k3s layer: ${bin.reason}`);
  const tarballs = [...(bin.airgapImages ? [bin.airgapImages] : []), ...extraImages];
  const shas = await Promise.all(tarballs.map(async (t) => ({ name: basename(t), sha: await sha256File(t) })));
  const images = shas.length ? { name: shas.map((x) => x.name).join(','), sha: shas.map((x) => x.sha).join(',') } : undefined;
  const id = layerKey({ binarySha: await sha256File(bin.path), version: bin.version, images });
  const dir = join(cacheRoot(), 'k3s', 'layers');
  const img = join(dir, `k3s-${id}.img`);
  if (existsSync(img)) return img;
  mkdirSync(dir, { recursive: true });
  const stage = mkdtempSync(join(dir, 'stage-'));
  try {
    copyFileSync(bin.path, join(stage, 'k3s'));
    if (tarballs.length) mkdirSync(join(stage, 'images'));
    for (const t of tarballs) copyFileSync(t, join(stage, 'images', basename(t)));
    const bytes = [bin.path, ...tarballs].reduce((s, f) => s + statSync(f).size, 0);
    const mib = Math.ceil((bytes * 1.2) / 2 ** 20) + 32;
    log.info(`building k3s layer ${id} (${mib} MiB, k3s ${bin.version ?? 'unknown'}${images ? `, ${images.name}` : ', no airgap images'})`);
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

/** systemd mount unit for the layer (by its virtio serial), read-only. */
export function layerMountUnit(): string {
  return [
    '[Unit]', 'Description=n3x k3s layer (read-only)', '',
    '[Mount]', `What=/dev/disk/by-id/virtio-${K3S_LAYER_SERIAL}`, `Where=${K3S_LAYER_MOUNT}`, 'Type=ext4', 'Options=ro', '',
    '[Install]', 'WantedBy=local-fs.target', '',
  ].join('\n');
}

/**
 * Guest commands that mount the layer persistently and install k3s (and airgap images) from it; with
 * `importCache` (a release that supports it, see release.ts) an agent/images/.cache.json (`{}`: nothing imported yet) switches k3s's
 * image import cache on, so a restart does not import the tarball again.
 */
export function installFromLayerScript(o: { importCache?: boolean } = {}): string {
  return [
    'set -e',
    `[ -e /dev/disk/by-id/virtio-${K3S_LAYER_SERIAL} ] || udevadm settle || true`,
    `[ -e /dev/disk/by-id/virtio-${K3S_LAYER_SERIAL} ] || { echo "k3s layer disk (serial ${K3S_LAYER_SERIAL}) not attached" >&2; exit 1; }`,
    `mkdir -p ${K3S_LAYER_MOUNT}`,
    `cat > /etc/systemd/system/opt-n3x-k3s.mount <<'EOF'\n${layerMountUnit()}EOF`,
    'systemctl daemon-reload',
    'systemctl enable --now opt-n3x-k3s.mount',
    `ln -sf ${K3S_LAYER_MOUNT}/k3s /usr/local/bin/k3s`,
    `for t in ${K3S_LAYER_MOUNT}/images/*; do [ -e "$t" ] || continue; mkdir -p ${K3S_IMAGES_DIR}; ln -sf "$t" ${K3S_IMAGES_DIR}/; done`,
    ...(o.importCache ? [`mkdir -p ${K3S_IMAGES_DIR}`, `[ -e ${K3S_IMAGES_DIR}/.cache.json ] || echo '{}' > ${K3S_IMAGES_DIR}/.cache.json`] : []),
    'for t in kubectl crictl ctr; do ln -sf /usr/local/bin/k3s /usr/local/bin/$t; done',
    'sync',
  ].join('\n');
}
