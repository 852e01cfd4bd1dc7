import { describe, expect, it } from 'vitest';
import { DEFAULT_K3S_VERSION } from './fetch.js';
import { installFromLayerScript } from './layer.js';
import { importCacheSupported, parseK3sVersion } from './release.js';

describe('the image import cache (.cache.json) only where the release supports it', () => {
  it('parses k3s versions', () => {
    expect(parseK3sVersion('v1.31.9+k3s1')).toEqual({ major: 1, minor: 31, patch: 9, build: 1 });
    expect(parseK3sVersion('k3s-standin (NOT k3s)')).toBeUndefined();
    expect(parseK3sVersion('v1.32.0-rc1+k3s1')).toBeUndefined();
  });
  it('from v1.31.9, v1.32.5, v1.33.1 (and v1.30.13); not before, not for an unknown version', () => {
    expect(importCacheSupported('v1.31.9+k3s1')).toBe(true);
    expect(importCacheSupported('v1.31.8+k3s1')).toBe(false);
    expect(importCacheSupported('v1.32.5+k3s1')).toBe(true);
    expect(importCacheSupported('v1.32.4+k3s1')).toBe(false);
    expect(importCacheSupported('v1.33.1+k3s1')).toBe(true);
    expect(importCacheSupported('v1.34.0+k3s1')).toBe(true);
    expect(importCacheSupported('v1.30.13+k3s1')).toBe(true);
    expect(importCacheSupported('v1.29.15+k3s1')).toBe(false);
    expect(importCacheSupported('unknown')).toBe(false);
    expect(importCacheSupported(undefined)).toBe(false);
  });
  it('the default pin (v1.31.4, its checksums recorded) predates it: the cache stays off', () => {
    expect(importCacheSupported(DEFAULT_K3S_VERSION)).toBe(false);
  });
  it('the install script writes agent/images/.cache.json only when asked', () => {
    expect(installFromLayerScript({ importCache: true })).toContain("echo '{}' > /var/lib/rancher/k3s/agent/images/.cache.json");
    expect(installFromLayerScript()).not.toContain('.cache.json');
  });
});
