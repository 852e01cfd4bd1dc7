import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchK3s, k3sAssets, parseSums } from './fetch.js';

const binary = Buffer.from('#!/bin/sh\necho fake-k3s-for-verifier-test\n');
const armBinary = Buffer.from('#!/bin/sh\necho fake-arm64-k3s-for-verifier-test\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('fetchK3s verifies downloads against the release sha256 list (local 127.0.0.1 server)', () => {
  let server: http.Server;
  let base = '';
  let served = binary;
  const dir = mkdtempSync(join(tmpdir(), 'n3x-fetch-'));

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = decodeURIComponent(req.url ?? '');
      if (url === '/v9.9.9+k3s1/k3s') return res.end(served);
      if (url === '/v9.9.9+k3s1/k3s-arm64') return res.end(armBinary);
      if (url === '/v9.9.9+k3s1/sha256sum-arm64.txt') return res.end(`${sha(armBinary)}  k3s-arm64\n`);
      if (url === '/v9.9.8+k3s1/sha256sum-amd64.txt') return res.write(`${sha(binary)}  k3s\n`); // stalls: never ends
      if (url === '/v9.9.9+k3s1/sha256sum-amd64.txt') return res.end(`${sha(binary)}  k3s\n${'0'.repeat(64)}  k3s-airgap-images-amd64.tar.zst\n`);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('downloads, verifies and installs an executable k3s', async () => {
    served = binary;
    const r = await fetchK3s({ version: 'v9.9.9+k3s1', baseUrl: base, dir: join(dir, 'ok') });
    expect(readFileSync(r.files[0]).equals(binary)).toBe(true);
  });

  it('--arch arm64 fetches k3s-arm64 against sha256sum-arm64.txt and installs it as k3s in its own folder', async () => {
    const r = await fetchK3s({ version: 'v9.9.9+k3s1', baseUrl: base, dir: join(dir, 'arm'), arch: 'arm64' });
    expect(r.files).toEqual([join(dir, 'arm', 'k3s')]);
    expect(readFileSync(r.files[0]).equals(armBinary)).toBe(true);
    expect(k3sAssets('arm64')).toEqual({ sums: 'sha256sum-arm64.txt', binary: 'k3s-arm64', airgap: 'k3s-airgap-images-arm64.tar.zst' });
    expect(k3sAssets()).toEqual({ sums: 'sha256sum-amd64.txt', binary: 'k3s', airgap: 'k3s-airgap-images-amd64.tar.zst' });
  });

  it('refuses a corrupted file and leaves nothing behind', async () => {
    served = Buffer.from(binary.toString().replace('fake', 'evil'));
    await expect(fetchK3s({ version: 'v9.9.9+k3s1', baseUrl: base, dir: join(dir, 'bad') })).rejects.toThrow(/sha256 mismatch for k3s/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    expect(existsSync(join(dir, 'bad.part'))).toBe(false);
  });

  it('reports a missing release clearly', async () => {
    await expect(fetchK3s({ version: 'v0.0.0+k3s0', baseUrl: base, dir: join(dir, 'none') })).rejects.toThrow(/HTTP 404/);
  });

  it('a stalled download ends at its deadline with an error, never hangs', async () => {
    await expect(fetchK3s({ version: 'v9.9.8+k3s1', baseUrl: base, dir: join(dir, 'stall'), timeout: 1 })).rejects.toThrow(/timed out after 1 s/);
    expect(existsSync(join(dir, 'stall.part'))).toBe(false);
  });

  it('parseSums reads sha256sum output', () => {
    expect(parseSums(`${'a'.repeat(64)}  k3s\n${'b'.repeat(64)} *dir/k3s-arm64\njunk\n`)).toEqual(new Map([['k3s', 'a'.repeat(64)], ['k3s-arm64', 'b'.repeat(64)]]));
  });
});
