/**
 * Taking and restoring a running cluster's snapshots: every machine paused and saved at one consistent cut,
 * put back from a snapshot of this run or from the cache, or (startFromSnapshot) a cold boot, the setup
 * and a save when no cached snapshot matches. The cluster hands in what it is made of (SnapshotHost).
 */
import { copyFileSync, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { detectAccel } from '../accel.js';
import { InfraError } from '../errors.js';
import type { ImageFiles } from '../images/cache.js';
import { backingOf, createOverlay, rebaseDisk } from '../images/disks.js';
import { emit, withinAction } from '../events.js';
import { logger } from '../log.js';
import type { Machine } from '../machine/machine.js';
import type { BackendKind } from '../network/backend.js';
import { guestNetworkScript } from '../network/guestnet.js';
import { dataIfaces, type NodeNetwork } from '../network/nodenet.js';
import type { NetworkProfile } from '../network/profile.js';
import { networkUnitCommand } from '../network/guest-unit.js';
import { privateDir } from '../util/paths.js';
import { checkSnapshot, checksumFile, qemuVersion, SNAPSHOT_FORMAT, snapshotCacheDir, snapshotKey, type SnapshotMeta } from './snapshot.js';
import type { NodeFields, NodeSpec } from './spec.js';

const log = logger('cluster');
/** A restore copies a snapshot's disk up to this size and lays a qcow2 overlay on a larger one. */
export const COPY_DISK_MAX_BYTES = 32 * 2 ** 20;

/** A snapshot to start from: its name, and the setup that brings a fresh cluster into that state. */
export interface SnapshotSpec {
  name: string;
  setup?: () => Promise<void>;
  /** Hashed into the key with the setup's source. */
  setupSource?: string;
  version?: string;
}

/** What snapshots need of the cluster they belong to. */
export interface SnapshotHost {
  readonly id: string;
  readonly stateDir: string;
  readonly machines: Machine[];
  readonly nodes: NodeSpec[];
  /** Each node's data plane, in node order. */
  readonly networks: NodeNetwork[];
  readonly profile: NetworkProfile;
  readonly backend: BackendKind;
  /** The cluster-wide per-node fields (defaults of every node). */
  readonly opts: NodeFields;
  readonly images: Record<string, ImageFiles>;
  /** Seed of the data NICs' MACs: a restored cluster takes the one it was saved with. */
  macSeed: string;
  readonly prepared: boolean;
  prepare(): Promise<void>;
  startAll(): Promise<void>;
  nodeScript(node: NodeSpec): string;
  /** Whether segments filter VLANs (a filtering segment may be a VDE switch where a hub would be a TAP). */
  readonly enforceVlans: boolean;
  /** Every machine came back from `meta` in `ms`. */
  restored(meta: SnapshotMeta, ms: number): void;
}

export class ClusterSnapshots {
  constructor(private readonly c: SnapshotHost) {}

  /** What shapes the guests' state: the inputs a snapshot key is made of. */
  inputs(spec: SnapshotSpec): Record<string, unknown> {
    const all = this.c.networks;
    return {
      name: spec.name,
      setup: spec.setupSource ? createHash('sha256').update(spec.setupSource).digest('hex').slice(0, 16) : null,
      version: spec.version ?? null,
      profile: { name: this.c.profile.name, segments: this.c.profile.segments, nics: all.map((n) => n.nics), scripts: all.map((n) => networkUnitCommand(guestNetworkScript(n, all))) },
      nodes: this.c.nodes.map((n) => ({
        config: createHash('sha256').update(this.c.nodeScript(n)).digest('hex').slice(0, 16),
        image: imageId(this.c.images[n.name]),
        name: n.name,
        ...(n.arch && n.arch !== 'x86_64' ? { arch: n.arch } : {}),
        ...(n.layers ? { layers: n.layers.map((l) => ({ serial: l.serial, ...fileId(l.path) })) } : {}),
        memoryMiB: n.memoryMiB ?? this.c.opts.memoryMiB ?? 1024,
        cpus: n.cpus ?? this.c.opts.cpus ?? 1,
        disks: n.disks ?? this.c.opts.disks ?? [],
        ...((n.rootDiskGiB ?? this.c.opts.rootDiskGiB) ? { rootDiskGiB: n.rootDiskGiB ?? this.c.opts.rootDiskGiB } : {}),
      })),
      layers: (this.c.opts.layers ?? []).map((l) => ({ serial: l.serial, ...fileId(l.path) })),
      accel: detectAccel().accel,
      // The NIC backend is host side, but a TAP offers virtio-net header offloads that a VDE port does not.
      network: this.c.backend,
      ...(this.c.enforceVlans ? {} : { enforceVlans: false }),
      qemu: qemuVersion(),
      ...(this.c.nodes.some((n) => n.arch === 'aarch64') ? { qemuAarch64: qemuVersion('qemu-system-aarch64') } : {}),
    };
  }

  /**
   * Saves every machine's memory, devices and disks as snapshot `name` at one consistent cut: all machines
   * are paused together, saved, and resumed together (guest clocks set to the host's). Returns the meta.
   */
  save(name: string, opts: { dir?: string; inputs?: Record<string, unknown> } = {}): Promise<SnapshotMeta> {
    return this.write(opts.dir ?? join(this.c.stateDir, 'snapshots', name), name, opts.inputs ?? this.inputs({ name }), { settle: true, standalone: true, cached: !!opts.dir });
  }

  /**
   * The cheap save a checkpoint before each test is: no wait for a settled system (the state is whatever the last
   * test left), and each disk copied as the qcow2 overlay it is (a delta over the image or over the snapshot this
   * cluster was restored from, which the checkpoint then names as its backing and needs).
   */
  checkpoint(dir: string, name: string, inputs: Record<string, unknown>): Promise<SnapshotMeta> {
    return this.write(dir, name, inputs, { settle: false, standalone: false, cached: false });
  }

  /** Starts this (prepared or not) cluster from the checkpoint or snapshot in `dir`, whose meta was checked by the caller. */
  async startFrom(dir: string, meta: SnapshotMeta): Promise<void> {
    this.c.macSeed = meta.macSeed;
    await this.c.prepare();
    await this.restoreFrom(dir, meta);
  }

  /**
   * `settle`: wait for `systemctl is-system-running` first; `standalone`: rebase each disk copy onto the image (or
   * nothing), else record the backing it has; `cached`: another run may have written the same dir first.
   */
  private async write(dir: string, name: string, inputs: Record<string, unknown>, how: { settle: boolean; standalone: boolean; cached: boolean }): Promise<SnapshotMeta> {
    const down = this.c.machines.filter((m) => !m.isUp()).map((m) => m.name);
    if (down.length) throw new InfraError(`snapshot ${name}: ${down.join(', ')} not running`, { hint: 'start() every machine before taking a snapshot' });
    const tmp = privateDir(`${dir}.tmp-${process.pid}-${this.c.id}`);
    const t0 = Date.now();
    try {
      // Save a settled system: a guest still starting units would go on doing that after every restore.
      if (how.settle) await withinAction('snapshot', () => Promise.all(this.c.machines.map((m) => m.execute('systemctl is-system-running --wait >/dev/null', { timeout: 120 }))));
      await Promise.all(this.c.machines.map((m) => m.pause()));
      log.debug(`save ${name}: paused at ${Date.now() - t0} ms`);
      let entries: SnapshotMeta['machines'];
      try {
        entries = await Promise.all(
          this.c.machines.map(async (m) => {
            privateDir(join(tmp, m.name));
            const state = join(m.name, 'state');
            await m.saveState(join(tmp, state));
            const disks = await Promise.all(m.diskFiles().map(async (f, i) => {
              const rel = join(m.name, basename(f));
              copyFileSync(f, join(tmp, rel));
              // After a restore the disk is an overlay on another snapshot's disk: make the copy stand on its
              // own (over the image, or on nothing for data disks), so that snapshot can go without this one.
              const own = i === 0 ? this.c.images[m.name].disk : undefined;
              const backing = await backingOf(join(tmp, rel));
              if (!how.standalone) return { file: rel, size: statSync(join(tmp, rel)).size, ...(backing ? { backing } : {}) };
              if (backing !== own) await rebaseDisk(join(tmp, rel), own);
              return { file: rel, size: statSync(join(tmp, rel)).size };
            }));
            return { name: m.name, state: { file: state, size: statSync(join(tmp, state)).size }, disks };
          }),
        );
      } finally {
        log.debug(`save ${name}: states and disks written at ${Date.now() - t0} ms`);
        await Promise.all(this.c.machines.map((m) => m.resume()));
        log.debug(`save ${name}: resumed at ${Date.now() - t0} ms`);
      }
      for (const e of entries) e.state.crc32 = await checksumFile(join(tmp, e.state.file));
      const meta: SnapshotMeta = { format: SNAPSHOT_FORMAT, name, key: snapshotKey(inputs), inputs, createdAt: new Date().toISOString(), macSeed: this.c.macSeed, machines: entries };
      writeFileSync(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2), { mode: 0o600 });
      if (how.cached && existsSync(join(dir, 'meta.json'))) rmSync(tmp, { recursive: true, force: true }); // another run saved it first
      else {
        rmSync(dir, { recursive: true, force: true });
        privateDir(join(dir, '..'));
        renameSync(tmp, dir);
      }
      const mb = entries.reduce((a, e) => a + e.state.size + e.disks.reduce((b, d) => b + d.size, 0), 0) / 1e6;
      emit({ kind: 'snapshot', cluster: this.c.id, name, dir, ms: Date.now() - t0 });
      log.info(`cluster ${this.c.id}: ${how.settle ? 'snapshot' : 'checkpoint'} ${name} saved (${this.c.machines.length} machines, ${mb.toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return meta;
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  /** Puts every machine back into snapshot `name` taken earlier in this run (memory, devices, disks). */
  async restore(name: string): Promise<void> {
    const dir = join(this.c.stateDir, 'snapshots', name);
    const inputs = this.inputs({ name });
    const check = checkSnapshot(dir, { key: snapshotKey(inputs), machines: this.c.machines.map((m) => m.name), inputs });
    if (!('meta' in check)) throw new InfraError(`cannot restore snapshot ${name}: ${check.reason}`, { hint: 'take it first with cluster.snapshot(name)' });
    await this.restoreFrom(dir, check.meta);
  }

  private async restoreFrom(dir: string, meta: SnapshotMeta): Promise<void> {
    const t0 = Date.now();
    try {
      await Promise.all(this.c.machines.map((m) => m.kill()));
      const saved = new Map(meta.machines.map((e) => [e.name, e]));
      // A large disk becomes an empty qcow2 overlay on the snapshot's copy (nothing copied; QEMU opens a backing
      // file read-only, so the snapshot stays as it was and restores again and again); a small one (a few MB
      // over the image, the usual case) is copied, which is quicker than starting qemu-img.
      await Promise.all(this.c.machines.map((m) => {
        privateDir(m.stateDir);
        return Promise.all(m.diskFiles().map(async (f, i) => {
          const disk = saved.get(m.name)!.disks[i];
          if (disk.size <= COPY_DISK_MAX_BYTES) copyFileSync(join(dir, disk.file), f);
          else await createOverlay(resolve(dir, disk.file), f);
        }));
      }));
      log.debug(`restore ${meta.name}: disks ready at ${Date.now() - t0} ms`);
      await Promise.all(
        this.c.machines.map(async (m) => {
          const e = saved.get(m.name)!;
          const file = join(dir, e.state.file);
          const [load, sum] = await Promise.allSettled([m.loadState(file), e.state.crc32 ? checksumFile(file) : Promise.resolve(undefined)]);
          if (e.state.crc32 && sum.status === 'fulfilled' && sum.value !== e.state.crc32) {
            throw new InfraError(`snapshot ${meta.name}: ${e.state.file} does not match its checksum (corrupt)`, { machine: m.name, hint: `delete ${dir} (it is rebuilt on the next run)` });
          }
          if (load.status === 'rejected') throw load.reason;
        }),
      );
      log.debug(`restore ${meta.name}: states loaded at ${Date.now() - t0} ms`);
      // QEMU 7.2's virtio-net forgets the guest's VLAN filter table when loading a state, dropping every tagged
      // frame; re-entering promiscuous mode makes it pass them again (the guest kernel still demuxes VLANs).
      const batchOf = (n: NodeNetwork) => (n.links.some((l) => l.tag) ? dataIfaces(n).map((x) => `link set ${x} promisc off\\nlink set ${x} promisc on`).join('\\n') : '');
      await Promise.all(this.c.machines.map((m, i) => {
        const batch = batchOf(this.c.networks[i]);
        return m.resume({ guestCommand: batch ? `printf '${batch}\\n' | ip -b -` : 'true' });
      }));
      log.debug(`restore ${meta.name}: resumed at ${Date.now() - t0} ms`);
    } catch (e) {
      await Promise.all(this.c.machines.map((m) => m.kill()));
      throw e;
    }
    this.c.restored(meta, Date.now() - t0);
  }

  /**
   * Starts from the cached snapshot of `spec` when one matches; otherwise boots (from the cached 'booted'
   * state when a setup follows), runs the setup and saves the snapshot. A corrupt or mismatched snapshot
   * is rejected with a warning, deleted, and the cluster boots cold.
   */
  async start(spec: SnapshotSpec): Promise<'restored' | 'built'> {
    const inputs = this.inputs(spec);
    const key = snapshotKey(inputs);
    const dir = join(snapshotCacheDir(), `${spec.name}-${key}`);
    const check = checkSnapshot(dir, { key, machines: this.c.nodes.map((n) => n.name), inputs });
    if ('meta' in check) {
      try {
        await this.startFrom(dir, check.meta);
        return 'restored';
      } catch (e) {
        log.warn(`snapshot ${spec.name} rejected: ${(e as Error).message.split('\n')[0]}; deleting it and booting cold`);
        rmSync(dir, { recursive: true, force: true });
        for (const m of this.c.machines) for (const f of m.diskFiles()) rmSync(f, { force: true });
      }
    } else if (!check.missing) {
      log.warn(`snapshot ${spec.name} rejected: ${check.reason}; deleting it and booting cold`);
      rmSync(dir, { recursive: true, force: true });
    }
    if (spec.setup && !this.c.prepared) await this.start({ name: 'booted' });
    else await this.c.startAll();
    await spec.setup?.();
    await this.save(spec.name, { dir, inputs });
    return 'built';
  }
}

/** What identifies an image in snapshot keys: its recipe id, or a custom image's files (path, size, mtime). */
function imageId(img: ImageFiles): unknown {
  const files = img.id === 'custom' ? [img.disk, img.kernel, img.initrd].flatMap((p) => (p ? [fileId(p)] : [])) : img.id;
  return img.firmware ? [files, img.firmware] : files;
}

function fileId(p: string): { path: string; size: number; mtimeMs: number } {
  const st = statSync(p);
  return { path: p, size: st.size, mtimeMs: Math.round(st.mtimeMs) };
}
