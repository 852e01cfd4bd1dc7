/**
 * Whole-cluster snapshots on disk: one QEMU migration stream per machine (memory + devices) plus copies of
 * its qcow2 disks, and a meta.json that says what they were made from. A snapshot in the cache is keyed by
 * everything that shapes guest state (image, profile, nodes, machine sizes, accelerator, QEMU version,
 * the setup code), so a changed input never restores a stale cluster.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../util/paths.js';

/** Bump when the on-disk layout or the restore procedure changes: old snapshots stop matching. */
export const SNAPSHOT_FORMAT = 2; // 2: every machine has the 9p shared-directory device

export interface SnapshotFile {
  /** Path relative to the snapshot dir. */
  file: string;
  size: number;
  /** CRC-32 of migration streams, hex (disks are checked by size; QEMU checks the qcow2 structure). */
  crc32?: string;
  /** The file a disk saved as an overlay (a checkpoint's) stands on, which must still be there. */
  backing?: string;
}

export interface SnapshotMeta {
  format: number;
  name: string;
  /** Hash of `inputs`; the cache dir is `<name>-<key>`. */
  key: string;
  inputs: Record<string, unknown>;
  createdAt: string;
  /** Seed of the data NICs' MACs: a restored guest keeps the MACs it was saved with. */
  macSeed: string;
  machines: { name: string; state: SnapshotFile; disks: SnapshotFile[] }[];
}

/** Stable JSON (sorted keys) so that equal inputs always hash equally. Pure. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** The cache key of a snapshot's inputs (16 hex chars). Pure. */
export function snapshotKey(inputs: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson({ format: SNAPSHOT_FORMAT, ...inputs })).digest('hex').slice(0, 16);
}

/** What a restore asks for. */
export interface SnapshotWant {
  key: string;
  machines: string[];
  /** The inputs behind `key` (to say which input changed). */
  inputs?: Record<string, unknown>;
}

/** Why a snapshot's meta does not fit what is asked for, or undefined when it fits. Pure. */
export function mismatch(meta: SnapshotMeta, want: SnapshotWant): string | undefined {
  if (meta.format !== SNAPSHOT_FORMAT) return `format ${meta.format}, this harness writes ${SNAPSHOT_FORMAT}`;
  if (meta.key !== want.key) {
    const diff = Object.keys(meta.inputs).filter((k) => canonicalJson(meta.inputs[k]) !== canonicalJson(want.inputs?.[k]));
    return `made from other inputs (key ${meta.key}, want ${want.key}${diff.length ? `; differs in ${diff.join(', ')}` : ''})`;
  }
  const names = meta.machines.map((m) => m.name).join(',');
  if (names !== want.machines.join(',')) return `machines ${names}, want ${want.machines.join(',')}`;
  return undefined;
}

/** Reads meta.json and checks it and the files' sizes (cheap; checksums are verified while loading). */
export function checkSnapshot(dir: string, want: SnapshotWant): { meta: SnapshotMeta } | { reason: string; missing?: true } {
  const p = join(dir, 'meta.json');
  if (!existsSync(p)) return { reason: `no snapshot at ${dir}`, missing: true };
  let meta: SnapshotMeta;
  try {
    meta = JSON.parse(readFileSync(p, 'utf8')) as SnapshotMeta;
  } catch (e) {
    return { reason: `unreadable meta.json: ${(e as Error).message}` };
  }
  const why = mismatch(meta, want);
  if (why) return { reason: why };
  for (const m of meta.machines) {
    for (const f of [m.state, ...m.disks]) {
      const fp = join(dir, f.file);
      if (!existsSync(fp)) return { reason: `${f.file} is missing` };
      const size = statSync(fp).size;
      if (size !== f.size) return { reason: `${f.file} has ${size} bytes, ${f.size} were saved (truncated or corrupt)` };
      if (f.backing && !existsSync(f.backing)) return { reason: `${f.file} stands on ${f.backing}, which is gone (a pruned snapshot or image)` };
    }
  }
  return { meta };
}

/** CRC-32 of a file, streamed, as 8 hex digits (integrity, not authenticity: ~4 GB/s, so restores stay fast). */
export function checksumFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let c = 0;
    createReadStream(path, { highWaterMark: 4 << 20 })
      .on('data', (d) => (c = crc32(d as Buffer, c)))
      .on('error', reject)
      .on('end', () => resolve(c.toString(16).padStart(8, '0')));
  });
}

/** Where cached snapshots live: N3X_SNAPSHOT_DIR, else <cache>/snapshots. */
export function snapshotCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.N3X_SNAPSHOT_DIR ?? join(cacheRoot(env), 'snapshots');
}

const qemuVersions = new Map<string, string>();
/** `qemu-system-x86_64 --version` (or another binary's) first line (a migration stream only loads into the QEMU that wrote it). */
export function qemuVersion(binary = 'qemu-system-x86_64'): string {
  if (!qemuVersions.has(binary)) qemuVersions.set(binary, execFileSync(binary, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim());
  return qemuVersions.get(binary)!;
}

/** Human age of a timestamp: 42 s, 5 min, 3 h, 2 d. Pure. */
export function age(fromIso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (s < 120) return `${s} s old`;
  if (s < 7200) return `${Math.round(s / 60)} min old`;
  if (s < 172800) return `${Math.round(s / 3600)} h old`;
  return `${Math.round(s / 86400)} d old`;
}

export interface CachedSnapshot {
  dir: string;
  name: string;
  key: string;
  createdAt: string;
  bytes: number;
}

/** Cached snapshots (for `n3x snapshots list|prune`). */
export function listSnapshots(): CachedSnapshot[] {
  const root = snapshotCacheDir();
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((d) => {
    const dir = join(root, d);
    const p = join(dir, 'meta.json');
    if (!existsSync(p)) return [];
    try {
      const meta = JSON.parse(readFileSync(p, 'utf8')) as SnapshotMeta;
      const bytes = meta.machines.reduce((a, m) => a + [m.state, ...m.disks].reduce((b, f) => b + f.size, 0), 0);
      return [{ dir, name: meta.name, key: meta.key, createdAt: meta.createdAt, bytes }];
    } catch {
      return [];
    }
  });
}

/** Deletes cached snapshots (all, or those older than maxAgeMs); returns the dirs removed. */
export function pruneSnapshots(maxAgeMs = 0, now = Date.now()): string[] {
  const removed: string[] = [];
  for (const s of listSnapshots()) {
    if (now - Date.parse(s.createdAt) >= maxAgeMs) {
      rmSync(s.dir, { recursive: true, force: true });
      removed.push(s.dir);
    }
  }
  return removed;
}
