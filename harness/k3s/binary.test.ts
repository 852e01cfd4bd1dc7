import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseMainJob } from '../cli/mainjob.js';
import { k3sBinaryStatus } from './binary.js';

const dir = mkdtempSync(join(tmpdir(), 'n3x-k3sbin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('k3sBinaryStatus: where k3s comes from, and the skip reason when it does not', () => {
  it('without a binary, the reason names N3X_K3S_BINARY and n3x images fetch-k3s', () => {
    const s = k3sBinaryStatus({ N3X_CACHE_DIR: join(dir, 'empty') });
    expect(s.available).toBe(false);
    expect(s.reason).toContain('N3X_K3S_BINARY');
    expect(s.reason).toContain('n3x images fetch-k3s');
  });
  it('N3X_K3S_BINARY must exist and be executable', () => {
    const f = join(dir, 'k3s');
    expect(k3sBinaryStatus({ N3X_K3S_BINARY: f }).reason).toMatch(/does not exist/);
    writeFileSync(f, '#!/bin/sh\n');
    expect(k3sBinaryStatus({ N3X_K3S_BINARY: f }).reason).toMatch(/not executable/);
    chmodSync(f, 0o755);
    expect(k3sBinaryStatus({ N3X_K3S_BINARY: f })).toMatchObject({ available: true, path: f });
  });
  it('finds a fetched binary in the cache, with its airgap images', () => {
    const v = join(dir, 'cache', 'k3s', 'v1.31.4+k3s1');
    mkdirSync(v, { recursive: true });
    writeFileSync(join(v, 'k3s'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(v, 'k3s-airgap-images-amd64.tar.zst'), '');
    expect(k3sBinaryStatus({ N3X_CACHE_DIR: join(dir, 'cache') })).toMatchObject({ available: true, path: join(v, 'k3s'), airgapImages: join(v, 'k3s-airgap-images-amd64.tar.zst') });
  });
});

describe('chooseMainJob (npm start)', () => {
  const all = () => true;
  it('runs k3s-vlans when k3s is available', () => {
    const f = join(dir, 'k3s');
    expect(chooseMainJob({ N3X_K3S_BINARY: f }, all).scenario).toBe('k3s-vlans');
  });
  it('falls back to etcd-ha on vlans and says why', () => {
    const j = chooseMainJob({ N3X_CACHE_DIR: join(dir, 'empty') }, all);
    expect(j.scenario).toBe('etcd-ha');
    expect(j.why).toMatch(/no k3s binary.*etcd HA/);
    expect(j.env.N3X_ETCD_PROFILES).toBe('vlans');
  });
});
