/**
 * A cluster: machines on the segments of a network profile. startCluster() creates segments, boots every
 * machine in parallel and configures the guest data plane; dispose/stop() removes everything again.
 */
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { detectAccel } from '../accel.js';
import { ConfigError, InfraError, N3xError } from '../errors.js';
import type { ImageFiles, ImageOption } from '../images/cache.js';
import { backingOf, createOverlay, rebaseDisk } from '../images/disks.js';
import { logger } from '../log.js';
import { Machine } from '../machine/machine.js';
import { backendFor, chooseBackend, destroySegmentSync, type BackendKind, type Segment, type SegmentInfo } from '../network/backend.js';
import { healCommand, partitionCommand } from '../network/partition.js';
import { address6Of, addressOf, guestNetworkScript, ifaceOf, type NetName, type NetworkProfile } from '../network/profile.js';
import { getProfile, type ProfileName } from '../../profiles/index.js';
import { emit, type ClusterMember } from '../events.js';
import { isEmptyNodeConfig, mergeNodeConfig, nodeConfigScript, type NodeConfig } from './nodeconfig.js';
import { resolveNodeImages } from './nodeimages.js';
import { onExit } from '../util/cleanup.js';
import { statOf } from '../util/procs.js';
import { startReaper, type ReaperHandle } from './reaper.js';
import { newRunId, privateDir, stateRoot } from '../util/paths.js';
import type { NicSpec } from '../qemu/argv.js';
import { hostArch, isForeign, parseArch, type Arch } from '../qemu/arch.js';
import { age, checkSnapshot, checksumFile, qemuVersion, SNAPSHOT_FORMAT, snapshotCacheDir, snapshotKey, type SnapshotMeta } from './snapshot.js';

const log = logger('cluster');
/** A restore copies a snapshot's disk up to this size and lays a qcow2 overlay on a larger one. */
export const COPY_DISK_MAX_BYTES = 32 * 2 ** 20;

/** One node: its name and, like the `nodes.<name>` of nixosTest, its own configuration (files, unit files, …). */
export interface NodeSpec extends NodeConfig {
  name: string;
  /** Free-form role tag (server, agent, …) for scenarios. */
  role?: string;
  /** Guest architecture (default x86_64). An aarch64 node boots the arm64 image on `qemu-system-aarch64 -M virt`. */
  arch?: Arch;
  memoryMiB?: number;
  cpus?: number;
  disks?: { sizeGiB: number }[];
  forwards?: { guestPort: number; hostPort?: number }[];
  /** Root disk size (sparse; the guest grows its filesystem at boot). Default: the image's own size (3 GiB). */
  rootDiskGiB?: number;
  /** This node's read-only layers instead of the cluster's (e.g. an aarch64 node's arm64 k3s layer). */
  layers?: { path: string; serial: string }[];
  /** This node's own image (an image you bring: see images/CONTRACT.md); default the cluster's `image`. */
  image?: ImageOption;
}

/** Cluster-wide options; the NodeConfig fields (files, unitFiles, sysctl, modules, hosts, packages) are every node's defaults. */
export interface ClusterOptions extends NodeConfig {
  /** Built-in profile name (simple, vlans, bonding-vlans) or a custom profile object. */
  profile: ProfileName | NetworkProfile;
  /** Node names or specs; a number n means n100-1 … n100-n. Default 3. */
  nodes?: number | (string | NodeSpec)[];
  /**
   * Image to boot; default: the built-in Debian image (built and cached on first use; derived per package set).
   * `{ disk }` alone boots a disk with a bootloader through firmware (`firmware: 'bios' | 'uefi'`).
   */
  image?: ImageOption;
  /** Network backend; default N3X_NET, else bridge as root and vde otherwise. */
  network?: BackendKind;
  /** Per-node defaults, overridden by NodeSpec fields. */
  memoryMiB?: number;
  cpus?: number;
  disks?: { sizeGiB: number }[];
  forwards?: { guestPort: number; hostPort?: number }[];
  rootDiskGiB?: number;
  /** Read-only raw disks attached to every node (e.g. the k3s layer). */
  layers?: { path: string; serial: string }[];
  /** Deadline in seconds for each machine's boot to reach the backdoor (default 120 under TCG, 60 under KVM). */
  bootTimeout?: number;
  /** Label for logs and `n3x ls`. */
  name?: string;
  /**
   * Start from a cached whole-cluster snapshot of this state when one matches (restore in seconds);
   * otherwise boot, run `setup`, and save the snapshot for the next run. N3X_SNAPSHOTS=off always boots.
   */
  snapshot?: string | SnapshotSpec;
  /**
   * Boot every machine (default true). false: networks and machines are created, none boots; start them one by
   * one with `cluster.machine(name).start()` (as the nixpkgs etcd and k3s tests do) or all with `startAll()`.
   */
  start?: boolean;
}

export interface SnapshotSpec {
  /** Name of the state, e.g. 'booted' or 'etcd-formed'. */
  name: string;
  /** Brings a freshly booted cluster into that state; runs only when no snapshot matches. */
  setup?: (c: Cluster) => Promise<void>;
  /** Bump to invalidate snapshots when code the setup calls changes (its own source is hashed already). */
  version?: string;
}

export function normalizeNodes(nodes: ClusterOptions['nodes']): NodeSpec[] {
  const list: NodeSpec[] = typeof nodes === 'number' || nodes === undefined
    ? Array.from({ length: nodes ?? 3 }, (_, i) => ({ name: `n100-${i + 1}` }))
    : nodes.map((n) => (typeof n === 'string' ? { name: n } : n));
  if (!list.length) throw new ConfigError('nodes', 'no nodes', 'give at least one node');
  const seen = new Set<string>();
  for (const n of list) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(n.name)) throw new ConfigError('nodes', `'${n.name}' is not a valid hostname`, 'use lower-case letters, digits and dashes, starting with a letter');
    if (seen.has(n.name)) throw new ConfigError('nodes', `duplicate node name '${n.name}'`, 'give every node a unique name');
    seen.add(n.name);
    if (n.arch !== undefined && parseArch(n.arch, `nodes['${n.name}'].arch`) !== n.arch) throw new ConfigError(`nodes['${n.name}'].arch`, `'${n.arch}' is spelt differently here`, `use '${parseArch(n.arch)}'`);
  }
  if (list.length > 200) throw new ConfigError('nodes', `${list.length} nodes`, 'use at most 200 nodes (host addresses are /24)');
  return list;
}

/** Stable, per-cluster-unique MAC for node i (1-based), data NIC j (1-based). */
export function macFor(runId: string, node: number, nic: number): string {
  const r = parseInt(runId, 16) & 0xffff;
  const h = (n: number) => n.toString(16).padStart(2, '0');
  return `52:54:${h(r >> 8)}:${h(r & 0xff)}:${h(node)}:${h(nic)}`;
}

export class Cluster {
  readonly id: string;
  readonly profile: NetworkProfile;
  readonly machines: Machine[] = [];
  readonly nodes: NodeSpec[];
  readonly stateDir: string;
  readonly backend: BackendKind;
  private segments = new Map<string, Segment>();
  private undoExit?: () => void;
  private reaper?: ReaperHandle;
  private stopped = false;
  private readonly macs = new Map<string, string[]>();
  /** Seed of the data NICs' MACs (the run id, or the id of the run a snapshot was saved from). */
  private macSeed: string;
  private prepared = false;
  /** Partitions set by partition() and not yet healed, in words. */
  private partitions: string[] = [];
  /** Set when this cluster came from a snapshot: its name and when it was saved. */
  restoredFrom?: { name: string; createdAt: string; ms: number };

  private constructor(readonly opts: ClusterOptions, private readonly images: Record<string, ImageFiles>, id?: string) {
    this.profile = getProfile(opts.profile);
    this.nodes = normalizeNodes(opts.nodes);
    this.id = id ?? unusedRunId();
    this.stateDir = privateDir(join(stateRoot(), this.id));
    this.backend = chooseBackend(opts.network).kind;
    this.macSeed = this.id;
  }

  /** The guest script applying a node's configuration (cluster defaults merged with its own); '' when none. */
  private nodeScript(node: NodeSpec): string {
    const c = mergeNodeConfig(this.opts, node);
    return isEmptyNodeConfig(c) ? '' : nodeConfigScript(c);
  }

  /** Validates options and resolves the image; nothing is started. */
  static async create(opts: ClusterOptions): Promise<Cluster> {
    getProfile(opts.profile);
    const nodes = normalizeNodes(opts.nodes);
    for (const n of nodes) nodeConfigScript(mergeNodeConfig(opts, n)); // ConfigError before any VM
    chooseBackend(opts.network);
    return new Cluster(opts, await resolveNodeImages(opts, nodes));
  }

  /** Machine by name; throws with the list of names when unknown. */
  machine(name: string): Machine {
    const m = this.machines.find((x) => x.name === name);
    if (!m) throw new ConfigError('machine', `no machine '${name}' in cluster ${this.id}`, `use one of ${this.machines.map((x) => x.name).join(', ')}`);
    return m;
  }

  /** Guest interface of a logical network (eth1, eth1.200, bond0.100). */
  iface(net: NetName = 'cluster'): string {
    return ifaceOf(this.profile, net);
  }

  /** A machine's address on a logical network; throws for a name that is not a node of this cluster. */
  address(name: string, net: NetName = 'cluster'): string {
    return addressOf(this.profile, this.position(name), net);
  }

  /** A machine's IPv6 address on a logical network (2001:db8:<vlan>::<n>). */
  address6(name: string, net: NetName = 'cluster'): string {
    return address6Of(this.profile, this.position(name), net);
  }

  /** A node's 1-based position (addresses derive from it); throws for a name that is not a node of this cluster. */
  private position(name: string): number {
    const i = this.nodes.findIndex((n) => n.name === name);
    if (i < 0) throw new ConfigError('machine', `no machine '${name}' in cluster ${this.id}`, `use one of ${this.nodes.map((n) => n.name).join(', ')}`);
    return i + 1;
  }

  /** Creates the segments and the machine objects (nothing boots yet). Idempotent. */
  async prepare(): Promise<void> {
    if (this.prepared) return;
    this.prepared = true;
    const kind = this.backend;
    const b = backendFor(kind);
    const accel = detectAccel();
    log.info(`cluster ${this.id}: ${imageCounts(Object.values(this.images).map((i) => i.id))}, profile ${this.profile.name}, network ${kind}, accel ${accel.accel} (${accel.reason}), ${emulatedNote(this.nodes)}, state ${this.stateDir}`);
    this.undoExit = onExit(() => rmSync(this.stateDir, { recursive: true, force: true }));
    this.writeDescriptor('starting');
    this.reaper = startReaper(this.stateDir); // from here on, a killed run leaves nothing behind
    for (const [i, seg] of this.profile.segments.entries()) {
      const hostName = `n3x${this.id}s${i}`;
      this.segments.set(seg, await b.createSegment(hostName, this.stateDir));
    }
    const all = this.nodes.map((n, i) => ({ name: n.name, index: i + 1 }));
    for (const [i, node] of this.nodes.entries()) {
      const nics: NicSpec[] = this.profile.nics.map((seg, j) => ({
        id: `nic${j + 1}`,
        mac: macFor(this.macSeed, i + 1, j + 1),
        backend: this.segments.get(seg)!.nic(`n3x${this.id}n${i + 1}e${j + 1}`),
      }));
      this.macs.set(node.name, nics.map((n) => n.mac));
      const script = guestNetworkScript(this.profile, { name: node.name, index: i + 1 }, all);
      const config = this.nodeScript(node);
      this.machines.push(
        new Machine({
          name: node.name,
          cluster: this.id,
          image: this.images[node.name],
          stateDir: join(this.stateDir, node.name),
          memoryMiB: node.memoryMiB ?? this.opts.memoryMiB,
          cpus: node.cpus ?? this.opts.cpus,
          disks: node.disks ?? this.opts.disks,
          rootDiskGiB: node.rootDiskGiB ?? this.opts.rootDiskGiB,
          forwards: node.forwards ?? this.opts.forwards,
          layers: node.layers ?? this.opts.layers,
          nics,
          arch: node.arch,
          accel: accel.accel,
          bootTimeout: this.opts.bootTimeout,
          afterSpawn: async () => {
            for (const [j, seg] of this.profile.nics.entries()) await this.segments.get(seg)!.attach(`n3x${this.id}n${i + 1}e${j + 1}`);
          },
          afterBoot: async (m) => {
            await m.succeed(script);
            if (config) await m.succeed(config);
          },
        }),
      );
    }
    this.writeDescriptor('starting'); // records name every segment and machine before any QEMU starts
    this.emitCluster(false);
  }

  /** Creates segments and machines, boots all (not yet running) in parallel, configures networks. */
  async startAll(): Promise<void> {
    await this.prepare();
    const t0 = Date.now();
    const results = await Promise.allSettled(this.machines.map((m) => m.start()));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failed.length) {
      this.writeDescriptor('failed');
      throw failed.length === 1 ? failed[0] : new N3xError(`${failed.length} machines failed to boot:\n${failed.map((e) => e.message).join('\n')}`);
    }
    this.bootMs = Date.now() - t0;
    this.writeDescriptor('running');
    log.info(`cluster ${this.id}: all ${this.machines.length} machines ready in ${(this.bootMs / 1000).toFixed(1)} s`);
  }

  /** What shapes the guests' state: the inputs a snapshot key is made of. */
  snapshotInputs(spec: SnapshotSpec): Record<string, unknown> {
    const fileId = (p: string) => {
      const st = statSync(p);
      return { path: p, size: st.size, mtimeMs: Math.round(st.mtimeMs) };
    };
    const all = this.nodes.map((n, i) => ({ name: n.name, index: i + 1 }));
    return {
      name: spec.name,
      setup: spec.setup ? createHash('sha256').update(spec.setup.toString()).digest('hex').slice(0, 16) : null,
      version: spec.version ?? null,
      profile: { name: this.profile.name, segments: this.profile.segments, nics: this.profile.nics, scripts: all.map((n) => guestNetworkScript(this.profile, n, all)) },
      nodes: this.nodes.map((n) => ({
        config: createHash('sha256').update(this.nodeScript(n)).digest('hex').slice(0, 16),
        image: imageId(this.images[n.name]),
        name: n.name,
        ...(n.arch && n.arch !== 'x86_64' ? { arch: n.arch } : {}),
        ...(n.layers ? { layers: n.layers.map((l) => ({ serial: l.serial, ...fileId(l.path) })) } : {}),
        memoryMiB: n.memoryMiB ?? this.opts.memoryMiB ?? 1024,
        cpus: n.cpus ?? this.opts.cpus ?? 1,
        disks: n.disks ?? this.opts.disks ?? [],
        ...((n.rootDiskGiB ?? this.opts.rootDiskGiB) ? { rootDiskGiB: n.rootDiskGiB ?? this.opts.rootDiskGiB } : {}),
      })),
      layers: (this.opts.layers ?? []).map((l) => ({ serial: l.serial, ...fileId(l.path) })),
      accel: detectAccel().accel,
      // The NIC backend is host side, but a TAP offers virtio-net header offloads that a VDE port does not.
      network: this.backend,
      qemu: qemuVersion(),
      ...(this.nodes.some((n) => n.arch === 'aarch64') ? { qemuAarch64: qemuVersion('qemu-system-aarch64') } : {}),
    };
  }

  /**
   * Saves every machine's memory, devices and disks as snapshot `name` at one consistent cut: all machines
   * are paused together, saved, and resumed together (guest clocks set to the host's). Returns the meta.
   */
  async snapshot(name: string, opts: { dir?: string; inputs?: Record<string, unknown> } = {}): Promise<SnapshotMeta> {
    const dir = opts.dir ?? join(this.stateDir, 'snapshots', name);
    const inputs = opts.inputs ?? this.snapshotInputs({ name });
    const down = this.machines.filter((m) => !m.isUp()).map((m) => m.name);
    if (down.length) throw new InfraError(`snapshot ${name}: ${down.join(', ')} not running`, { hint: 'start() every machine before taking a snapshot' });
    const tmp = privateDir(`${dir}.tmp-${process.pid}-${this.id}`);
    const t0 = Date.now();
    try {
      // Save a settled system: a guest still starting units would go on doing that after every restore.
      await Promise.all(this.machines.map((m) => m.execute('systemctl is-system-running --wait >/dev/null', { timeout: 120 })));
      await Promise.all(this.machines.map((m) => m.pause()));
      let entries: SnapshotMeta['machines'];
      try {
        entries = await Promise.all(
          this.machines.map(async (m) => {
            privateDir(join(tmp, m.name));
            const state = join(m.name, 'state');
            await m.saveState(join(tmp, state));
            const disks = await Promise.all(m.diskFiles().map(async (f, i) => {
              const rel = join(m.name, basename(f));
              copyFileSync(f, join(tmp, rel));
              // After a restore the disk is an overlay on another snapshot's disk: make the copy stand on its
              // own (over the image, or on nothing for data disks), so that snapshot can go without this one.
              const own = i === 0 ? this.images[m.name].disk : undefined;
              if ((await backingOf(join(tmp, rel))) !== own) await rebaseDisk(join(tmp, rel), own);
              return { file: rel, size: statSync(join(tmp, rel)).size };
            }));
            return { name: m.name, state: { file: state, size: statSync(join(tmp, state)).size }, disks };
          }),
        );
      } finally {
        await Promise.all(this.machines.map((m) => m.resume()));
      }
      for (const e of entries) e.state.crc32 = await checksumFile(join(tmp, e.state.file));
      const meta: SnapshotMeta = { format: SNAPSHOT_FORMAT, name, key: snapshotKey(inputs), inputs, createdAt: new Date().toISOString(), macSeed: this.macSeed, machines: entries };
      writeFileSync(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2), { mode: 0o600 });
      if (opts.dir && existsSync(join(dir, 'meta.json'))) rmSync(tmp, { recursive: true, force: true }); // another run saved it first
      else {
        rmSync(dir, { recursive: true, force: true });
        privateDir(join(dir, '..'));
        renameSync(tmp, dir);
      }
      const mb = entries.reduce((a, e) => a + e.state.size + e.disks.reduce((b, d) => b + d.size, 0), 0) / 1e6;
      emit({ kind: 'snapshot', cluster: this.id, name, dir, ms: Date.now() - t0 });
      log.info(`cluster ${this.id}: snapshot ${name} saved (${this.machines.length} machines, ${mb.toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return meta;
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  /** Puts every machine back into snapshot `name` taken earlier in this run (memory, devices, disks). */
  async restore(name: string): Promise<void> {
    const dir = join(this.stateDir, 'snapshots', name);
    const inputs = this.snapshotInputs({ name });
    const check = checkSnapshot(dir, { key: snapshotKey(inputs), machines: this.machines.map((m) => m.name), inputs });
    if (!('meta' in check)) throw new InfraError(`cannot restore snapshot ${name}: ${check.reason}`, { hint: 'take it first with cluster.snapshot(name)' });
    await this.restoreFrom(dir, check.meta);
  }

  private async restoreFrom(dir: string, meta: SnapshotMeta): Promise<void> {
    const t0 = Date.now();
    try {
      await Promise.all(this.machines.map((m) => m.kill()));
      const saved = new Map(meta.machines.map((e) => [e.name, e]));
      // A large disk becomes an empty qcow2 overlay on the snapshot's copy (nothing copied; QEMU opens a backing
      // file read-only, so the snapshot stays as it was and restores again and again); a small one (a few MB
      // over the image, the usual case) is copied, which is quicker than starting qemu-img.
      await Promise.all(this.machines.map((m) => {
        privateDir(m.stateDir);
        return Promise.all(m.diskFiles().map(async (f, i) => {
          const disk = saved.get(m.name)!.disks[i];
          if (disk.size <= COPY_DISK_MAX_BYTES) copyFileSync(join(dir, disk.file), f);
          else await createOverlay(resolve(dir, disk.file), f);
        }));
      }));
      log.debug(`restore ${meta.name}: disks ready at ${Date.now() - t0} ms`);
      await Promise.all(
        this.machines.map(async (m) => {
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
      const tagged = [this.iface('cluster'), this.iface('storage')].some((i) => i.includes('.'));
      const batch = tagged ? this.dataNics().map((n) => `link set ${n} promisc off\\nlink set ${n} promisc on`).join('\\n') : '';
      await Promise.all(this.machines.map((m) => m.resume({ guestCommand: batch ? `printf '${batch}\\n' | ip -b -` : 'true' })));
      log.debug(`restore ${meta.name}: resumed at ${Date.now() - t0} ms`);
    } catch (e) {
      await Promise.all(this.machines.map((m) => m.kill()));
      throw e;
    }
    this.restoredFrom = { name: meta.name, createdAt: meta.createdAt, ms: Date.now() - t0 };
    emit({ kind: 'restore', cluster: this.id, name: meta.name, createdAt: meta.createdAt, ms: this.restoredFrom.ms, machines: this.machines.map((m) => m.name) });
    this.writeDescriptor('running');
    log.info(`cluster ${this.id}: restored ${meta.name} (${age(meta.createdAt)}) in ${(this.restoredFrom.ms / 1000).toFixed(1)} s`);
  }

  /**
   * Starts from the cached snapshot of `spec` when one matches; otherwise boots (from the cached 'booted'
   * state when a setup follows), runs the setup and saves the snapshot. A corrupt or mismatched snapshot
   * is rejected with a warning, deleted, and the cluster boots cold.
   */
  async startFromSnapshot(spec: SnapshotSpec): Promise<'restored' | 'built'> {
    const inputs = this.snapshotInputs(spec);
    const key = snapshotKey(inputs);
    const dir = join(snapshotCacheDir(), `${spec.name}-${key}`);
    const check = checkSnapshot(dir, { key, machines: this.nodes.map((n) => n.name), inputs });
    if ('meta' in check) {
      this.macSeed = check.meta.macSeed;
      await this.prepare();
      try {
        await this.restoreFrom(dir, check.meta);
        return 'restored';
      } catch (e) {
        log.warn(`snapshot ${spec.name} rejected: ${(e as Error).message.split('\n')[0]}; deleting it and booting cold`);
        rmSync(dir, { recursive: true, force: true });
        for (const m of this.machines) for (const f of m.diskFiles()) rmSync(f, { force: true });
      }
    } else if (!check.missing) {
      log.warn(`snapshot ${spec.name} rejected: ${check.reason}; deleting it and booting cold`);
      rmSync(dir, { recursive: true, force: true });
    }
    if (spec.setup && !this.prepared) await this.startFromSnapshot({ name: 'booted' });
    else await this.startAll();
    await spec.setup?.(this);
    await this.snapshot(spec.name, { dir, inputs });
    return 'built';
  }

  /** Wall-clock ms of the parallel boot (spawn to every machine configured). */
  bootMs?: number;

  /** Makes machines in `a` and `b` unable to exchange any frame (both directions), on every data NIC. */
  async partition(a: string[], b: string[]): Promise<void> {
    const macsOf = (names: string[]) => names.flatMap((n) => this.macs.get(this.machine(n).name) ?? []);
    this.partitions.push(`partition {${a.join(', ')}} | {${b.join(', ')}}`);
    emit({ kind: 'partition', cluster: this.id, a, b });
    await Promise.all([
      ...a.map((n) => this.machine(n).succeed(partitionCommand(this.dataNics(), macsOf(b)))),
      ...b.map((n) => this.machine(n).succeed(partitionCommand(this.dataNics(), macsOf(a)))),
    ]);
  }

  /** Removes every partition. */
  async heal(): Promise<void> {
    await Promise.all(this.machines.filter((m) => m.isUp()).map((m) => m.succeed(healCommand(this.dataNics()))));
    this.partitions = [];
    emit({ kind: 'heal', cluster: this.id });
  }

  /** Faults in effect, in words: partitions, cut links and netem set through the harness. */
  faults(): string[] {
    return [...this.partitions, ...this.machines.flatMap((m) => m.faults())];
  }

  /** Heals partitions, restores cut links and removes netem; returns what was in effect before. */
  async resetFaults(): Promise<string[]> {
    const before = this.faults();
    if (this.partitions.length) await this.heal();
    await Promise.all(this.machines.map((m) => m.resetFaults()));
    return before;
  }

  /** The machines as events name them. */
  private members(): ClusterMember[] {
    return this.machines.map((m) => ({ name: m.name, role: this.nodes.find((n) => n.name === m.name)?.role, arch: m.arch, serialLog: m.serial.path }));
  }

  /** Tells listeners the cluster exists (its topology), or was taken over (`attached`). */
  private emitCluster(attached: boolean): void {
    const segments = [...this.segments.values()].map((s) => s.describe());
    emit({ kind: 'cluster', cluster: this.id, name: this.opts.name, attached, profile: this.profile, backend: this.backend, members: this.members(), macs: Object.fromEntries(this.macs), segments });
  }

  private dataNics(): string[] {
    return this.profile.nics.map((_, j) => `eth${j + 1}`);
  }

  private startedAt = new Date().toISOString();

  /** A JSON description of the running cluster (for `n3x ls`, attach and stop from another process). */
  private writeDescriptor(state: 'starting' | 'running' | 'failed' | 'kept'): void {
    const d: ClusterDescriptor = {
      id: this.id,
      name: this.opts.name ?? null,
      state,
      pid: process.pid,
      pidStartTicks: statOf(process.pid)?.startTicks,
      profile: this.profile,
      nodes: this.nodes,
      backend: this.backend,
      images: this.images,
      startedAt: this.startedAt,
      segments: [...this.segments.values()].map((s) => s.describe()),
      macs: Object.fromEntries(this.macs),
      machines: this.machines.map((m) => ({ name: m.name, stateDir: m.stateDir })),
    };
    const file = join(this.stateDir, 'cluster.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(d, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file); // readers (n3x ls, the reaper) never see half a file
  }

  /**
   * Leaves the cluster running after this process exits (keep-on-failure): exit handlers are dropped and the
   * sockets released so that `n3x attach <id>` can take over; `n3x stop <id>` removes it.
   */
  detach(): void {
    emit({ kind: 'cluster-stop', cluster: this.id, kept: true, members: this.members() });
    for (const m of this.machines) m.detach();
    for (const s of this.segments.values()) s.detach();
    this.undoExit?.();
    this.stopped = true;
    this.writeDescriptor('kept');
    this.reaper?.release('kept');
  }

  /** Takes over a kept cluster from its descriptor (machines attached, not booted). */
  static async attach(id: string): Promise<Cluster> {
    const d = readDescriptor(id);
    const c = new Cluster({ profile: d.profile, nodes: d.nodes, network: d.backend, name: d.name ?? undefined }, d.images, d.id);
    c.startedAt = d.startedAt;
    for (const s of d.segments) c.segments.set(s.hostName, attachedSegment(s));
    for (const [name, macs] of Object.entries(d.macs)) c.macs.set(name, macs);
    for (const m of d.machines) {
      const machine = new Machine({ name: m.name, cluster: c.id, arch: d.nodes.find((n) => n.name === m.name)?.arch, image: d.images[m.name], stateDir: m.stateDir, nics: (d.macs[m.name] ?? []).map((mac, j) => ({ id: `nic${j + 1}`, mac, backend: { type: 'user' } })) });
      await machine.attach();
      c.machines.push(machine);
    }
    c.undoExit = onExit(() => rmSync(c.stateDir, { recursive: true, force: true }));
    c.writeDescriptor('kept'); // still a kept cluster: killing this process leaves it to `n3x stop`
    c.emitCluster(true);
    return c;
  }

  /** Stops every machine and removes segments and the state dir (idempotent). */
  async stop(opts: { keepState?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled(this.machines.map((m) => m.kill()));
    for (const s of this.segments.values()) await s.destroy().catch(() => undefined);
    emit({ kind: 'cluster-stop', cluster: this.id, kept: false, members: this.members() });
    if (!opts.keepState) rmSync(this.stateDir, { recursive: true, force: true });
    this.undoExit?.();
    this.reaper?.release('stopped');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export interface ClusterDescriptor {
  id: string;
  name: string | null;
  state: 'starting' | 'running' | 'failed' | 'kept';
  /** Process that owns the cluster (for a kept one: the process that detached it). */
  pid: number;
  /** The owner's start time (/proc/PID/stat), so a reused pid is not taken for the owner. */
  pidStartTicks?: number;
  profile: NetworkProfile;
  nodes: NodeSpec[];
  backend: BackendKind;
  /** Node name → the image it boots (base or derived). */
  images: Record<string, ImageFiles>;
  startedAt: string;
  segments: SegmentInfo[];
  macs: Record<string, string[]>;
  machines: { name: string; stateDir: string }[];
}

export function readDescriptor(id: string): ClusterDescriptor {
  const p = join(stateRoot(), id, 'cluster.json');
  if (!/^[0-9a-f]{4}$/.test(id) || !existsSync(p)) throw new ConfigError('cluster', `no cluster '${id}' in ${stateRoot()}`, 'list running clusters with `npx n3x ls`');
  return JSON.parse(readFileSync(p, 'utf8')) as ClusterDescriptor;
}

function attachedSegment(info: SegmentInfo): Segment {
  return {
    hostName: info.hostName,
    nic: () => {
      throw new Error('attached segments take no new NICs');
    },
    attach: async () => undefined,
    destroy: async () => destroySegmentSync(info),
    describe: () => info,
    detach: () => undefined,
  };
}

/** What identifies an image in snapshot keys: its recipe id, or a custom image's files (path, size, mtime). */
function imageId(img: ImageFiles): unknown {
  const fileId = (p: string) => {
    const st = statSync(p);
    return { path: p, size: st.size, mtimeMs: Math.round(st.mtimeMs) };
  };
  const files = img.id === 'custom' ? [img.disk, img.kernel, img.initrd].flatMap((p) => (p ? [fileId(p)] : [])) : img.id;
  return img.firmware ? [files, img.firmware] : files;
}

/** '3 × debian-… + 1 × debian-aarch64-…': how many machines boot each image, for the cluster's first log line. Pure. */
export function imageCounts(ids: string[]): string {
  const n = new Map<string, number>();
  for (const id of ids) n.set(id, (n.get(id) ?? 0) + 1);
  return [...n].map(([id, k]) => `${k} × ${id}`).join(' + ');
}

/** Which machines the host emulates (a foreign instruction set under TCG), for the cluster's first log line. Pure. */
export function emulatedNote(nodes: NodeSpec[], host: Arch | undefined = hostArch()): string {
  const foreign = nodes.filter((n) => isForeign(n.arch ?? 'x86_64', host));
  return foreign.length ? `emulated: ${foreign.map((n) => `${n.name} (${n.arch ?? 'x86_64'})`).join(', ')}` : 'emulated: none';
}

/** A run id whose state dir does not exist yet (two clusters never share one). */
function unusedRunId(): string {
  for (;;) {
    const id = newRunId();
    if (!existsSync(join(stateRoot(), id))) return id;
  }
}

/** Creates and boots a cluster; on a failed boot everything is torn down before the error is thrown. */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const c = await Cluster.create(opts);
  const spec = typeof opts.snapshot === 'string' ? { name: opts.snapshot } : opts.snapshot;
  if (opts.start === false && spec) throw new ConfigError('start', 'start: false with a snapshot', 'drop one of them: a snapshot restores every machine');
  try {
    if (opts.start === false) await c.prepare();
    else if (spec && !snapshotsOff()) await c.startFromSnapshot(spec);
    else {
      await c.startAll();
      await spec?.setup?.(c);
    }
  } catch (e) {
    await c.stop();
    throw e;
  }
  return c;
}

/** N3X_SNAPSHOTS=off (or 0/false): every cluster boots cold, even when a scenario asks for a snapshot. */
export function snapshotsOff(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(off|0|false|no)$/i.test(env.N3X_SNAPSHOTS ?? '');
}
