/**
 * Longhorn, the user's storage, for the k3s-longhorn scenario: where its bundle comes from and whether the
 * scenario can run (pure; unit-tested). Guests have no registry, so Longhorn needs its images as a tarball, like
 * k3s's airgap images, and its storage network on the storage VLAN needs Multus (with whereabouts for the
 * addresses). The bundle is a folder: longhorn.yaml, multus.yaml, whereabouts.yaml and one images tarball.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../util/paths.js';
import { isImagesTarball } from './binary.js';

export const LONGHORN_MANIFESTS = ['longhorn.yaml', 'multus.yaml', 'whereabouts.yaml'] as const;

export interface LonghornBundle {
  available: boolean;
  dir?: string;
  images?: string;
  /** Why not, naming the fix. */
  reason: string;
}

export const LONGHORN_HINT = 'set N3X_LONGHORN_BUNDLE=/dir holding longhorn.yaml, multus.yaml, whereabouts.yaml and an images tarball (.tar/.tar.gz/.tar.zst of every image they name), or put it under <cache>/longhorn/<version>/; CI supplies it';

/** The bundle: N3X_LONGHORN_BUNDLE, else the newest folder under <cache>/longhorn/. */
export function longhornBundle(env: NodeJS.ProcessEnv = process.env): LonghornBundle {
  const given = env.N3X_LONGHORN_BUNDLE;
  const root = join(cacheRoot(env), 'longhorn');
  const dirs = given ? [given] : existsSync(root) ? readdirSync(root).sort().reverse().map((d) => join(root, d)) : [];
  for (const dir of dirs) {
    if (!existsSync(dir)) return { available: false, reason: `N3X_LONGHORN_BUNDLE=${dir} does not exist; ${LONGHORN_HINT}` };
    const files = readdirSync(dir);
    const missing = LONGHORN_MANIFESTS.filter((f) => !files.includes(f));
    const images = files.sort().find(isImagesTarball);
    if (!missing.length && images) return { available: true, dir, images: join(dir, images), reason: `Longhorn bundle ${dir}` };
    if (given) return { available: false, reason: `${dir} lacks ${[...missing, ...(images ? [] : ['an images tarball'])].join(', ')}; ${LONGHORN_HINT}` };
  }
  return { available: false, reason: `no Longhorn bundle: ${LONGHORN_HINT}` };
}

/**
 * The NetworkAttachmentDefinition of Longhorn's storage network: macvlan on the storage interface (the VLAN 100
 * link on the vlans profiles), addresses from whereabouts in the upper half of the storage /24, which no
 * machine uses (machines are numbered from 1).
 */
export function storageNetworkNad(o: { iface: string; prefix: string; namespace?: string; name?: string }): string {
  const config = { cniVersion: '0.3.1', type: 'macvlan', master: o.iface, mode: 'bridge', ipam: { type: 'whereabouts', range: `${o.prefix}.128/25` } };
  return [
    'apiVersion: k8s.cni.cncf.io/v1', 'kind: NetworkAttachmentDefinition',
    `metadata: { name: ${o.name ?? 'longhorn-storage'}, namespace: ${o.namespace ?? 'kube-system'} }`,
    `spec: { config: '${JSON.stringify(config)}' }`, '',
  ].join('\n');
}
