/** `n3x images fetch-k3s`: download official k3s release assets and verify them against the release's sha256 list. */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InfraError } from '../errors.js';
import { cacheRoot } from '../util/paths.js';
import { logger } from '../log.js';
import { k3sSources, type K3sArch } from './binary.js';

const log = logger('k3s');
export const DEFAULT_K3S_VERSION = 'v1.31.4+k3s1';
export const DEFAULT_K3S_BASE_URL = 'https://github.com/k3s-io/k3s/releases/download';

export interface FetchK3sOptions {
  version?: string;
  /** Release download base (default GitHub; a mirror or a local test server in tests). */
  baseUrl?: string;
  /** Also fetch k3s-airgap-images-<arch>.tar.zst. */
  airgap?: boolean;
  /** Guest architecture of the assets (default amd64; arm64 for aarch64 machines). */
  arch?: K3sArch;
  /** Destination (default: <cache>/k3s/<version>, for arm64 <cache>/k3s-arm64/<version>). */
  dir?: string;
  /** Deadline per download in seconds, body included (default N3X_K3S_FETCH_TIMEOUT_S or 900). */
  timeout?: number;
}

/**
 * A release's asset names for one architecture (pure): the checksum list, the binary (k3s for amd64, k3s-arm64
 * for arm64; always installed as `k3s`) and the airgap images.
 */
export function k3sAssets(arch: K3sArch = 'amd64'): { sums: string; binary: string; airgap: string } {
  return { sums: `sha256sum-${arch}.txt`, binary: arch === 'amd64' ? 'k3s' : `k3s-${arch}`, airgap: `k3s-airgap-images-${arch}.tar.zst` };
}

/** Parses a `sha256sum` listing into name → hex digest. */
export function parseSums(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const r = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
    if (r) m.set(r[2].replace(/^.*\//, ''), r[1]);
  }
  return m;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

async function download(url: string, dest: string, timeoutS: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutS * 1000);
  try {
    const res = await fetch(url, { redirect: 'follow', signal });
    if (!res.ok || !res.body) throw new InfraError(`download failed: ${url}: HTTP ${res.status}`, { hint: 'check the version (e.g. v1.31.4+k3s1) and network access, or set N3X_K3S_BINARY to a local file' });
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(dest), { signal });
  } catch (e) {
    if (signal.aborted) throw new InfraError(`download timed out after ${timeoutS} s: ${url}`, { hint: 'a slow or stalled mirror: retry, use --base-url for a closer mirror, or raise N3X_K3S_FETCH_TIMEOUT_S' }, { cause: e });
    if (e instanceof InfraError) throw e;
    throw new InfraError(`download failed: ${url}: ${(e as Error).message}`, { hint: 'check network access to the release site, or set N3X_K3S_BINARY to a local file' }, { cause: e });
  }
}

/** Downloads the assets into a temp dir, verifies every one, then moves them into place. Refuses on mismatch. */
export async function fetchK3s(o: FetchK3sOptions = {}): Promise<{ dir: string; files: string[] }> {
  const version = o.version ?? process.env.N3X_K3S_VERSION ?? DEFAULT_K3S_VERSION;
  const base = `${(o.baseUrl ?? process.env.N3X_K3S_BASE_URL ?? DEFAULT_K3S_BASE_URL).replace(/\/$/, '')}/${encodeURIComponent(version)}`;
  const arch = o.arch ?? 'amd64';
  const names = k3sAssets(arch);
  const dir = o.dir ?? join(cacheRoot(), k3sSources(arch).cacheSub, version);
  const timeoutS = o.timeout ?? Number(process.env.N3X_K3S_FETCH_TIMEOUT_S ?? 900);
  const tmp = `${dir}.part`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const assets = [names.binary, ...(o.airgap ? [names.airgap] : [])];
    await download(`${base}/${names.sums}`, join(tmp, names.sums), timeoutS);
    const sums = parseSums(await new Response(createReadStream(join(tmp, names.sums)) as never).text());
    for (const a of assets) {
      const want = sums.get(a);
      if (!want) throw new InfraError(`the release's ${names.sums} lists no ${a}; refusing to use an unverified file`);
      log.info(`downloading ${base}/${a}`);
      await download(`${base}/${a}`, join(tmp, a), timeoutS);
      const got = await sha256File(join(tmp, a));
      if (got !== want) throw new InfraError(`sha256 mismatch for ${a}: expected ${want}, got ${got}; refusing it (corrupt or tampered download)`);
      log.info(`${a}: sha256 verified`);
    }
    if (names.binary !== 'k3s') renameSync(join(tmp, names.binary), join(tmp, 'k3s')); // binary.ts looks for <version>/k3s
    chmodSync(join(tmp, 'k3s'), 0o755);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, '..'), { recursive: true });
    renameSync(tmp, dir);
    return { dir, files: assets.map((a) => join(dir, a === names.binary ? 'k3s' : a)) };
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
}
