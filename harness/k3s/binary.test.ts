import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseMainJob } from '../cli/mainjob.js';
import { isImagesTarball, k3sBinaryStatus, k3sScenarioGate, mixedArchK3sStatus, podsUnavailableReason } from './binary.js';

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

describe('k3s per architecture', () => {
  it('arm64 reads N3X_K3S_BINARY_ARM64 / N3X_K3S_AIRGAP_IMAGES_ARM64 and its own cache folder, never the amd64 one', () => {
    const c = join(dir, 'cache-arch');
    const amd = join(c, 'k3s', 'v1.31.4+k3s1');
    mkdirSync(amd, { recursive: true });
    writeFileSync(join(amd, 'k3s'), '#!/bin/sh\n', { mode: 0o755 });
    const none = k3sBinaryStatus({ N3X_CACHE_DIR: c }, 'arm64');
    expect(none.available).toBe(false);
    expect(none.reason).toMatch(/no arm64 k3s binary: set N3X_K3S_BINARY_ARM64=.*fetch-k3s --arch arm64/);
    const arm = join(c, 'k3s-arm64', 'v1.31.4+k3s1');
    mkdirSync(arm, { recursive: true });
    writeFileSync(join(arm, 'k3s'), '#!/bin/sh\n', { mode: 0o755 });
    expect(k3sBinaryStatus({ N3X_CACHE_DIR: c }, 'arm64')).toMatchObject({ available: true, path: join(arm, 'k3s') });
    expect(k3sBinaryStatus({ N3X_CACHE_DIR: c })).toMatchObject({ available: true, path: join(amd, 'k3s') });
    const f = join(dir, 'k3s-arm64');
    writeFileSync(f, '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(dir, 'arm-images.tar.zst'), '');
    expect(k3sBinaryStatus({ N3X_K3S_BINARY_ARM64: f, N3X_K3S_AIRGAP_IMAGES_ARM64: join(dir, 'arm-images.tar.zst') }, 'arm64')).toMatchObject({ available: true, path: f, airgapImages: join(dir, 'arm-images.tar.zst') });
    expect(k3sBinaryStatus({ N3X_K3S_BINARY_ARM64: f, N3X_CACHE_DIR: join(dir, 'empty') }).available).toBe(false); // amd64 ignores the arm64 var
    expect(podsUnavailableReason({ available: true, path: f, reason: 'x' }, 'arm64')).toMatch(/N3X_K3S_AIRGAP_IMAGES_ARM64/);
  });
  it('a cluster with aarch64 agents runs only with both k3s builds and their images; else it skips naming the arm64 fix', () => {
    const amd = { available: true, path: '/k3s', airgapImages: '/a.tar', reason: 'x' };
    const armOk = { available: true, path: '/k3s-arm64', airgapImages: '/b.tar', reason: 'y' };
    expect(mixedArchK3sStatus(amd, armOk)).toBe(amd);
    const noArm = mixedArchK3sStatus(amd, { available: false, reason: 'no arm64 k3s binary: set N3X_K3S_BINARY_ARM64=…' });
    expect(k3sScenarioGate(noArm, { pods: true }, {})).toEqual({ run: false, skip: 'no arm64 k3s binary: set N3X_K3S_BINARY_ARM64=…' });
    expect(k3sScenarioGate(mixedArchK3sStatus(amd, { ...armOk, airgapImages: undefined }), { pods: true }, {})).toMatchObject({ skip: expect.stringMatching(/N3X_K3S_AIRGAP_IMAGES_ARM64/) });
  });
});

describe('airgap images and the scenario gate', () => {
  it('any tarball name k3s imports is accepted: .tar, .tar.gz, .tar.zst', () => {
    for (const n of ['k3s-airgap-images-amd64.tar.zst', 'my-images.tar', '/x/imgs.tar.gz']) expect(isImagesTarball(n)).toBe(true);
    for (const n of ['images.zip', 'k3s', 'x.tar.bz2']) expect(isImagesTarball(n)).toBe(false);
  });
  it('N3X_K3S_AIRGAP_IMAGES must exist and be a tarball; a cached tarball of any such name is found', () => {
    const f = join(dir, 'k3s2');
    writeFileSync(f, '#!/bin/sh\n', { mode: 0o755 });
    expect(k3sBinaryStatus({ N3X_K3S_BINARY: f, N3X_K3S_AIRGAP_IMAGES: join(dir, 'nope.tar') }).reason).toMatch(/does not exist.*N3X_K3S_AIRGAP_IMAGES/);
    writeFileSync(join(dir, 'imgs.zip'), '');
    expect(k3sBinaryStatus({ N3X_K3S_BINARY: f, N3X_K3S_AIRGAP_IMAGES: join(dir, 'imgs.zip') }).reason).toMatch(/not a \.tar/);
    writeFileSync(join(dir, 'imgs.tar'), '');
    expect(k3sBinaryStatus({ N3X_K3S_BINARY: f, N3X_K3S_AIRGAP_IMAGES: join(dir, 'imgs.tar'), N3X_K3S_VERSION: 'v1.31.4+k3s1' })).toMatchObject({ available: true, airgapImages: join(dir, 'imgs.tar'), version: 'v1.31.4+k3s1' });
    const v = join(dir, 'cache2', 'k3s', 'v1.31.4+k3s1');
    mkdirSync(v, { recursive: true });
    writeFileSync(join(v, 'k3s'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(v, 'custom-images.tar.gz'), '');
    expect(k3sBinaryStatus({ N3X_CACHE_DIR: join(dir, 'cache2') })).toMatchObject({ airgapImages: join(v, 'custom-images.tar.gz'), version: 'v1.31.4+k3s1' });
  });
  it('without airgap images, pod scenarios skip with the fix in the reason; without the binary every k3s scenario skips', () => {
    const noImages = { available: true, path: '/k3s', reason: 'x' };
    expect(podsUnavailableReason(noImages)).toMatch(/no airgap images tarball.*N3X_K3S_AIRGAP_IMAGES.*fetch-k3s --airgap/);
    expect(k3sScenarioGate(noImages, { pods: true }, {})).toMatchObject({ run: false, skip: expect.stringMatching(/airgap/) });
    expect(k3sScenarioGate(noImages, { pods: false }, {})).toEqual({ run: true });
    expect(k3sScenarioGate({ ...noImages, airgapImages: '/i.tar' }, { pods: true }, {})).toEqual({ run: true });
    expect(k3sScenarioGate({ available: false, reason: 'no k3s binary: set N3X_K3S_BINARY' }, { pods: false }, {})).toEqual({ run: false, skip: 'no k3s binary: set N3X_K3S_BINARY' });
  });
  it('N3X_REQUIRE_K3S=1 turns every skip into a failure', () => {
    expect(k3sScenarioGate({ available: false, reason: 'no k3s binary' }, { pods: true }, { N3X_REQUIRE_K3S: '1' })).toEqual({ run: false, fail: 'N3X_REQUIRE_K3S=1 but no k3s binary' });
    expect(k3sScenarioGate({ available: true, path: '/k3s', reason: 'x' }, { pods: true }, { N3X_REQUIRE_K3S: '1' })).toMatchObject({ fail: expect.stringMatching(/airgap/) });
  });
});

describe('chooseMainJob (npm start)', () => {
  const all = () => true;
  it('runs k3s-vlans when k3s and its airgap images are available; without the images it says so and falls back', () => {
    const f = join(dir, 'k3s');
    writeFileSync(join(dir, 'main-images.tar.zst'), '');
    expect(chooseMainJob({ N3X_K3S_BINARY: f, N3X_K3S_AIRGAP_IMAGES: join(dir, 'main-images.tar.zst') }, all).scenario).toBe('k3s-vlans');
    const j = chooseMainJob({ N3X_K3S_BINARY: f }, all);
    expect(j.scenario).toBe('etcd-ha');
    expect(j.why).toMatch(/no airgap images tarball/);
  });
  it('falls back to etcd-ha on vlans and says why', () => {
    const j = chooseMainJob({ N3X_CACHE_DIR: join(dir, 'empty') }, all);
    expect(j.scenario).toBe('etcd-ha');
    expect(j.why).toMatch(/no k3s binary.*etcd HA/);
    expect(j.env.N3X_ETCD_PROFILES).toBe('vlans');
  });
});
