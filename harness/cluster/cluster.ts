/**
 * A cluster: machines on the segments of a network profile. startCluster() creates segments, boots every
 * machine in parallel and configures the guest data plane; dispose/stop() removes everything again.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { detectAccel } from '../accel.js';
import { ConfigError, N3xError } from '../errors.js';
import type { ImageFiles, ImageOption } from '../images/cache.js';
import { logger } from '../log.js';
import { Machine } from '../machine/machine.js';
import { backendFor, chooseBackend, createPlannedSegment, type BackendKind, type Segment, type SegmentInfo } from '../network/backend.js';
import { fabricPlan } from '../network/fabric.js';
import { guestNetworkScript } from '../network/guestnet.js';
import { dataIfaces, linkOf, nodeAddress, nodeAddress6, nodeNetwork, type NodeNetwork } from '../network/nodenet.js';
import { networkUnitCommand } from '../network/guest-unit.js';
import { pointToPointSegments } from '../network/lacp.js';
import { healCommand, partitionCommand } from '../network/partition.js';
import { ifaceOf, type NetName, type NetworkProfile } from '../network/profile.js';
import { getProfile, type ProfileName } from '../../profiles/index.js';
import { emit, withinAction, type ClusterMember } from '../events.js';
import { isEmptyNodeConfig, mergeNodeConfig, nodeConfigScript, nodeConfigSteps, type NodeConfig } from './nodeconfig.js';
import { macFor, nodeFields, normalizeNodes, type NodeFields, type NodeSpec } from './spec.js';
import { ClusterSnapshots, type SnapshotHost } from './snapshot-run.js';
import { resolveNodeImages } from './nodeimages.js';
import { onExit } from '../util/cleanup.js';
import { statOf } from '../util/procs.js';
import { startReaper, type ReaperHandle } from './reaper.js';
import { privateDir, stateRoot } from '../util/paths.js';
import type { NicSpec } from '../qemu/argv.js';
import { age, type SnapshotMeta } from './snapshot.js';

export { macFor, normalizeNodes, type NodeFields, type NodeSpec } from './spec.js';
export { COPY_DISK_MAX_BYTES } from './snapshot-run.js';
export { emulatedNote, imageCounts, readDescriptor, type ClusterDescriptor } from './descriptor.js';
export { snapshotsOff } from './spec.js';
import { attachedSegment, emulatedNote, imageCounts, readDescriptor, unusedRunId, writeDescriptor } from './descriptor.js';
import { snapshotsOff } from './spec.js';

const log = logger('cluster');

/** Cluster-wide options; the NodeConfig and NodeFields fields (files, …, memoryMiB, cpus, disks, layers) are every node's defaults. */
export interface ClusterOptions extends NodeConfig, NodeFields {
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
  /**
   * Whether a segment whose ports carry different VLANs keeps each port to its own (default true): a node whose
   * port lacks VLAN 100 cannot reach VLAN 100, even tagging frames itself. false: every segment is a hub.
   */
  enforceVlans?: boolean;
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

export class Cluster {
  readonly id: string;
  readonly profile: NetworkProfile;
  readonly machines: Machine[] = [];
  readonly nodes: NodeSpec[];
  /** Each node's data plane (its NICs, their ports' VLANs, its links), in node order. */
  readonly networks: NodeNetwork[];
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

  private readonly snapshots: ClusterSnapshots;

  private constructor(readonly opts: ClusterOptions, private readonly images: Record<string, ImageFiles>, id?: string) {
    this.profile = getProfile(opts.profile);
    this.nodes = normalizeNodes(opts.nodes);
    this.networks = this.nodes.map((n, i) => nodeNetwork(this.profile, n, i + 1));
    this.id = id ?? unusedRunId();
    this.stateDir = privateDir(join(stateRoot(), this.id));
    this.backend = chooseBackend(opts.network).kind;
    this.macSeed = this.id;
    this.snapshots = new ClusterSnapshots(this.snapshotHost());
  }

  /** The guest scripts applying a node's configuration (cluster defaults merged with its own) around the network set-up. */
  private nodeSteps(node: NodeSpec): { beforeNetwork: string; afterNetwork: string } {
    const c = mergeNodeConfig(this.opts, node);
    return isEmptyNodeConfig(c) ? { beforeNetwork: '', afterNetwork: '' } : nodeConfigSteps(c);
  }

  /** The same as one script (what a snapshot key hashes); '' when none. */
  private nodeScript(node: NodeSpec): string {
    const { beforeNetwork, afterNetwork } = this.nodeSteps(node);
    return [beforeNetwork, afterNetwork].filter(Boolean).join('\n');
  }

  /** Validates options and resolves the image; nothing is started. */
  static async create(opts: ClusterOptions): Promise<Cluster> {
    const profile = getProfile(opts.profile);
    const nodes = normalizeNodes(opts.nodes);
    for (const [i, n] of nodes.entries()) {
      nodeConfigScript(mergeNodeConfig(opts, n)); // ConfigError before any VM
      nodeNetwork(profile, n, i + 1);
    }
    chooseBackend(opts.network);
    pointToPointSegments(getProfile(opts.profile), nodes.map((n) => n.name)); // 802.3ad only where it can negotiate
    return new Cluster(opts, await resolveNodeImages(opts, nodes));
  }

  /** Machine by name; throws with the list of names when unknown. */
  machine(name: string): Machine {
    const m = this.machines.find((x) => x.name === name);
    if (!m) throw new ConfigError('machine', `no machine '${name}' in cluster ${this.id}`, `use one of ${this.machines.map((x) => x.name).join(', ')}`);
    return m;
  }

  /**
   * Guest interface of a logical network or VLAN (eth1, eth1.200, bond0.100): the profile's, or (name given)
   * that node's, or for a VLAN number without a name the first node's on it; throws when the node is not on it.
   */
  iface(net: NetName | number = 'cluster', name?: string): string {
    if (name === undefined && typeof net === 'string') return ifaceOf(this.profile, net);
    const n = this.networkOf(name ?? this.networks.find((x) => linkOf(x, net))?.name ?? this.nodes[0].name);
    const l = linkOf(n, net);
    if (!l) throw new ConfigError('iface', `${n.name} is not on ${typeof net === 'number' ? `VLAN ${net}` : `the ${net} network`}`, `use one of its VLANs: ${n.links.map((x) => x.vlan).join(', ') || 'none'}`);
    return l.name;
  }

  /**
   * A machine's IPv4 address on a logical network or VLAN: 192.168.<vlan>.<n> as nixosTest numbers them (the
   * profile's prefix on its networks). Throws for a name that is not a node, or a node not on that network.
   */
  address(name: string, net: NetName | number = 'cluster'): string {
    return nodeAddress(this.networkOf(name), net);
  }

  /** A machine's IPv6 address on a logical network or VLAN (2001:db8:<vlan>::<n>). */
  address6(name: string, net: NetName | number = 'cluster'): string {
    return nodeAddress6(this.networkOf(name), net);
  }

  /** The segments as created (in the fabric's order): host name, backend, and what keeps a filtering one's ports to their VLANs. */
  segmentsInfo(): SegmentInfo[] {
    return [...this.segments.values()].map((s) => s.describe());
  }

    /** A node's data plane; throws for a name that is not a node of this cluster. */
  networkOf(name: string): NodeNetwork {
    return this.networks[this.position(name) - 1];
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
    const accel = detectAccel();
    log.info(`cluster ${this.id}: ${imageCounts(Object.values(this.images).map((i) => i.id))}, profile ${this.profile.name}, network ${kind}, accel ${accel.accel} (${accel.reason}), ${emulatedNote(this.nodes)}, state ${this.stateDir}`);
    this.undoExit = onExit(() => rmSync(this.stateDir, { recursive: true, force: true }));
    this.writeDescriptor('starting');
    this.reaper = startReaper(this.stateDir); // from here on, a killed run leaves nothing behind
    const port = (node: number, nic: number) => `n3x${this.id}n${node}e${nic}`;
    const p2p = pointToPointSegments(this.profile, this.nodes.map((n) => n.name));
    for (const [i, plan] of fabricPlan(this.profile.segments, this.networks, port, this.opts.enforceVlans ?? true).entries()) {
      const hostName = `n3x${this.id}s${i}`;
      const seg = p2p.has(plan.name) ? await backendFor(kind).createSegment(hostName, this.stateDir, { pointToPoint: true }) : await createPlannedSegment(kind, hostName, this.stateDir, plan);
      this.segments.set(plan.name, seg);
    }
    if (p2p.size) log.info(`cluster ${this.id}: 802.3ad segments ${[...p2p].join(', ')} are point-to-point links (${kind === 'bridge' ? 'TAPs joined by tc redirects' : 'two-port VDE hubs'}): LACPDUs reach the partner`);
    for (const [i, node] of this.nodes.entries()) {
      const net = this.networks[i];
      const nics: NicSpec[] = net.nics.map((nic, j) => ({
        id: `nic${j + 1}`,
        mac: macFor(this.macSeed, i + 1, j + 1),
        backend: this.segments.get(nic.segment)!.nic(port(i + 1, j + 1)),
      }));
      this.macs.set(node.name, nics.map((n) => n.mac));
      const network = networkUnitCommand(guestNetworkScript(net, this.networks));
      const config = this.nodeSteps(node);
      this.machines.push(
        new Machine({
          name: node.name,
          cluster: this.id,
          image: this.images[node.name],
          stateDir: join(this.stateDir, node.name),
          ...nodeFields(this.opts, node),
          nics,
          arch: node.arch,
          accel: accel.accel,
          bootTimeout: this.opts.bootTimeout,
          afterSpawn: async () => {
            for (const [j, nic] of net.nics.entries()) await this.segments.get(nic.segment)!.attach(port(i + 1, j + 1));
          },
          afterBoot: async (m) => {
            if (config.beforeNetwork) await m.succeed(config.beforeNetwork);
            await m.succeed(network);
            if (config.afterNetwork) await m.succeed(config.afterNetwork);
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
      throw failed.length === 1 ? failed[0] : new N3xError(`${failed.length} machines failed to boot:\n${failed.map((e) => e.message).join('\n')}`, {}, { cause: new AggregateError(failed) });
    }
    this.bootMs = Date.now() - t0;
    this.writeDescriptor('running');
    log.info(`cluster ${this.id}: all ${this.machines.length} machines ready in ${(this.bootMs / 1000).toFixed(1)} s`);
  }

  /** What shapes the guests' state: the inputs a snapshot key is made of. */
  snapshotInputs(spec: SnapshotSpec): Record<string, unknown> {
    return this.snapshots.inputs(snapshotOf(spec));
  }

  /**
   * Saves every machine's memory, devices and disks as snapshot `name` at one consistent cut: all machines
   * are paused together, saved, and resumed together (guest clocks set to the host's). Returns the meta.
   */
  snapshot(name: string): Promise<SnapshotMeta> {
    return this.snapshots.save(name);
  }

  /** Puts every machine back into snapshot `name` taken earlier in this run (memory, devices, disks). */
  restore(name: string): Promise<void> {
    return this.snapshots.restore(name);
  }

  /**
   * Saves a checkpoint into `dir` the cheap way (no wait for a settled system; disks kept as the overlays they are),
   * keyed by `inputs` (harness/rewind/key.ts). Returns the meta.
   */
  checkpoint(dir: string, name: string, inputs: Record<string, unknown>): Promise<SnapshotMeta> {
    return this.snapshots.checkpoint(dir, name, inputs);
  }

  /** Starts this cluster (not yet started) from the checkpoint in `dir`, whose meta the caller has checked. */
  startFromCheckpoint(dir: string, meta: SnapshotMeta): Promise<void> {
    return this.snapshots.startFrom(dir, meta);
  }

  /** The image each node boots (as a checkpoint records them, to rebuild the cluster in another process). */
  get nodeImages(): Readonly<Record<string, ImageFiles>> {
    return this.images;
  }

  /** A cluster of these options and resolved images, nothing started (to restore a checkpoint into). */
  static forCheckpoint(opts: ClusterOptions, images: Record<string, ImageFiles>): Cluster {
    return new Cluster(opts, images);
  }

  /**
   * Starts from the cached snapshot of `spec` when one matches; otherwise boots (from the cached 'booted'
   * state when a setup follows), runs the setup and saves the snapshot. A corrupt or mismatched snapshot
   * is rejected with a warning, deleted, and the cluster boots cold.
   */
  startFromSnapshot(spec: SnapshotSpec): Promise<'restored' | 'built'> {
    return this.snapshots.start({ ...snapshotOf(spec), setup: spec.setup && (() => spec.setup!(this)) });
  }

  /** What the snapshot module needs of this cluster. */
  private snapshotHost(): SnapshotHost {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the host's accessors read this cluster's private state
    const c = this;
    return {
      id: c.id, stateDir: c.stateDir, machines: c.machines, nodes: c.nodes, networks: c.networks, profile: c.profile, backend: c.backend, opts: c.opts, images: c.images,
      get macSeed() { return c.macSeed; },
      set macSeed(v) { c.macSeed = v; },
      get prepared() { return c.prepared; },
      prepare: () => c.prepare(),
      startAll: () => c.startAll(),
      nodeScript: (n) => c.nodeScript(n),
      enforceVlans: c.opts.enforceVlans ?? true,
      restored: (meta, ms) => c.restored(meta, ms),
    };
  }

  /** Every machine came back from snapshot `meta` in `ms`. */
  private restored(meta: SnapshotMeta, ms: number): void {
    this.restoredFrom = { name: meta.name, createdAt: meta.createdAt, ms };
    emit({ kind: 'restore', cluster: this.id, name: meta.name, createdAt: meta.createdAt, ms, machines: this.machines.map((m) => m.name) });
    this.writeDescriptor('running');
    log.info(`cluster ${this.id}: restored ${meta.name} (${age(meta.createdAt)}) in ${(ms / 1000).toFixed(1)} s`);
  }

  /** Wall-clock ms of the parallel boot (spawn to every machine configured). */
  bootMs?: number;

  /** Makes machines in `a` and `b` unable to exchange any frame (both directions), on every data NIC. */
  async partition(a: string[], b: string[]): Promise<void> {
    const macsOf = (names: string[]) => names.flatMap((n) => this.macs.get(this.machine(n).name) ?? []);
    this.partitions.push(`partition {${a.join(', ')}} | {${b.join(', ')}}`);
    emit({ kind: 'partition', cluster: this.id, a, b });
    await withinAction('partition', () => Promise.all([
      ...a.map((n) => this.machine(n).succeed(partitionCommand(dataIfaces(this.networkOf(n)), macsOf(b)))),
      ...b.map((n) => this.machine(n).succeed(partitionCommand(dataIfaces(this.networkOf(n)), macsOf(a)))),
    ]));
  }

  /** Removes every partition. */
  async heal(): Promise<void> {
    await withinAction('heal', () => Promise.all(this.machines.filter((m) => m.isUp()).map((m) => m.succeed(healCommand(dataIfaces(this.networkOf(m.name)))))));
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
    const segments = this.segmentsInfo();
    emit({ kind: 'cluster', cluster: this.id, name: this.opts.name, attached, profile: this.profile, backend: this.backend, members: this.members(), networks: this.networks, macs: Object.fromEntries(this.macs), segments });
  }

  private startedAt = new Date().toISOString();

  /** A JSON description of the running cluster (for `n3x ls`, attach and stop from another process). */
  private writeDescriptor(state: 'starting' | 'running' | 'failed' | 'kept'): void {
    writeDescriptor(this.stateDir, {
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
      enforceVlans: this.opts.enforceVlans,
      macs: Object.fromEntries(this.macs),
      machines: this.machines.map((m) => ({ name: m.name, stateDir: m.stateDir })),
    });
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
    const c = new Cluster({ profile: d.profile, nodes: d.nodes, network: d.backend, name: d.name ?? undefined, enforceVlans: d.enforceVlans }, d.images, d.id);
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


/** The snapshot module's spec: the setup's source goes into the key (a changed setup never restores a stale state). */
function snapshotOf(spec: SnapshotSpec): { name: string; setupSource?: string; version?: string } {
  return { name: spec.name, setupSource: spec.setup?.toString(), version: spec.version };
}
