import { mkdirSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { longhornBundle, storageNetworkNad } from './longhorn.js';
import { useScratchDir } from '../testing/scratch.js';

describe('the Longhorn bundle gate', () => {
  const cache = useScratchDir('n3x-lh-');
  const env = { XDG_CACHE_HOME: cache, N3X_CACHE_DIR: join(cache, 'n3x') };
  it('no bundle: not available, and the reason names the fix', () => {
    const b = longhornBundle(env);
    expect(b.available).toBe(false);
    expect(b.reason).toMatch(/N3X_LONGHORN_BUNDLE=/);
  });
  it('a bundle folder lacking a manifest or the images tarball is named as such', () => {
    const dir = join(cache, 'given');
    mkdirSync(dir);
    writeFileSync(join(dir, 'longhorn.yaml'), '');
    expect(longhornBundle({ ...env, N3X_LONGHORN_BUNDLE: dir }).reason).toMatch(/lacks multus.yaml, whereabouts.yaml, an images tarball/);
    for (const f of ['multus.yaml', 'whereabouts.yaml', 'longhorn-images.tar.zst']) writeFileSync(join(dir, f), '');
    expect(longhornBundle({ ...env, N3X_LONGHORN_BUNDLE: dir })).toMatchObject({ available: true, images: join(dir, 'longhorn-images.tar.zst') });
  });
  it('the storage network: macvlan on the storage VLAN link, whereabouts in the upper half of 192.168.100.0/24', () => {
    const nad = parse(storageNetworkNad({ iface: 'eth1.100', prefix: '192.168.100' }));
    expect(nad.kind).toBe('NetworkAttachmentDefinition');
    expect(JSON.parse(nad.spec.config)).toMatchObject({ type: 'macvlan', master: 'eth1.100', ipam: { type: 'whereabouts', range: '192.168.100.128/25' } });
  });
});
