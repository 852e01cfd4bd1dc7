/**
 * A cluster: machines on the segments of a network profile. startCluster() creates segments, boots every
 * machine in parallel and configures the guest data plane; dispose/stop() removes everything again.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectAccel } from '../accel.js';
import { ConfigError, N3xError } from '../errors.js';
import { ensureImage, validateImage, type ImageFiles } from '../images/cache.js';
import { logger } from '../log.js';
import { Machine } from '../machine/machine.js';
import { backendFor, chooseBackend, destroySegmentSync, type BackendKind, type Segment, type SegmentInfo } from '../network/backend.js';
import { healCommand, partitionCommand } from '../network/partition.js';
import { addressOf, guestNetworkScript, ifaceOf, type NetName, type NetworkProfile } from '../network/profile.js';
import { getProfile } from '../../profiles/index.js';
import { onExit } from '../util/cleanup.js';
import { newRunId, privateDir, stateRoot } from '../util/paths.js';
import type { NicSpec } from '../qemu/argv.js';

const log = logger('cluster');

export interface NodeSpec {
  name: string;
  /** Free-form role tag (server, agent, …) for scenarios. */
  role?: string;
  memoryMiB?: number;
  cpus?: number;
  disks?: { sizeGiB: number }[];
  forwards?: { guestPort: number; hostPort?: number }[];
}

export interface ClusterOptions {
  /** Network profile name (simple, vlans, bonding-vlans) or a custom profile object. */
  profile: string | NetworkProfile;
  /** Node names or specs; a number n means n100-1 … n100-n. Default 3. */
  nodes?: number | (string | NodeSpec)[];
  /** Image to boot; default: the built-in Debian image (built and cached on first use). */
  image?: ImageFiles | { disk: string; kernel: string; initrd: string };
  /** Network backend; default N3X_NET, else bridge as root and vde otherwise. */
  network?: BackendKind;
  /** Per-node defaults, overridden by NodeSpec fields. */
  memoryMiB?: number;
  cpus?: number;
  disks?: { sizeGiB: number }[];
  forwards?: { guestPort: number; hostPort?: number }[];
  /** Read-only raw disks attached to every node (e.g. the k3s layer). */
  layers?: { path: string; serial: string }[];
  bootTimeoutMs?: number;
  /** Label for logs and `n3x ls`. */
  name?: string;
}

export function normalizeNodes(nodes: ClusterOptions['nodes']): NodeSpec[] {
  const list = typeof nodes === 'number' || nodes === undefined
    ? Array.from({ length: nodes ?? 3 }, (_, i) => ({ name: `n100-${i + 1}` }))
    : nodes.map((n) => (typeof n === 'string' ? { name: n } : n));
  if (!list.length) throw new ConfigError('nodes', 'no nodes', 'give at least one node');
  const seen = new Set<string>();
  for (const n of list) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(n.name)) throw new ConfigError('nodes', `'${n.name}' is not a valid hostname`, 'use lower-case letters, digits and dashes, starting with a letter');
    if (seen.has(n.name)) throw new ConfigError('nodes', `duplicate node name '${n.name}'`, 'give every node a unique name');
    seen.add(n.name);
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
  private stopped = false;
  private readonly macs = new Map<string, string[]>();

  private constructor(readonly opts: ClusterOptions, private readonly image: ImageFiles, id?: string) {
    this.profile = getProfile(opts.profile);
    this.nodes = normalizeNodes(opts.nodes);
    this.id = id ?? unusedRunId();
    this.stateDir = privateDir(join(stateRoot(), this.id));
    this.backend = chooseBackend(opts.network).kind;
  }

  /** Validates options and resolves the image; nothing is started. */
  static async create(opts: ClusterOptions): Promise<Cluster> {
    getProfile(opts.profile);
    normalizeNodes(opts.nodes);
    chooseBackend(opts.network);
    const image = opts.image ? validateImage(opts.image) : await ensureImage();
    return new Cluster(opts, image);
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

  /** A machine's address on a logical network. */
  address(name: string, net: NetName = 'cluster'): string {
    return addressOf(this.profile, this.nodes.findIndex((n) => n.name === name) + 1, net);
  }

  /** Creates segments and machines, boots all in parallel, configures networks. */
  async startAll(): Promise<void> {
    const kind = this.backend;
    const b = backendFor(kind);
    const accel = detectAccel();
    log.info(`cluster ${this.id}: ${this.nodes.length} × ${this.image.id}, profile ${this.profile.name}, network ${kind}, accel ${accel.accel} (${accel.reason}), state ${this.stateDir}`);
    this.undoExit = onExit(() => rmSync(this.stateDir, { recursive: true, force: true }));
    this.writeDescriptor('starting');
    for (const [i, seg] of this.profile.segments.entries()) {
      const hostName = `n3x${this.id}s${i}`;
      this.segments.set(seg, await b.createSegment(hostName, this.stateDir));
    }
    const all = this.nodes.map((n, i) => ({ name: n.name, index: i + 1 }));
    for (const [i, node] of this.nodes.entries()) {
      const nics: NicSpec[] = this.profile.nics.map((seg, j) => ({
        id: `nic${j + 1}`,
        mac: macFor(this.id, i + 1, j + 1),
        backend: this.segments.get(seg)!.nic(`n3x${this.id}n${i + 1}e${j + 1}`),
      }));
      this.macs.set(node.name, nics.map((n) => n.mac));
      const script = guestNetworkScript(this.profile, { name: node.name, index: i + 1 }, all);
      this.machines.push(
        new Machine({
          name: node.name,
          image: this.image,
          stateDir: join(this.stateDir, node.name),
          memoryMiB: node.memoryMiB ?? this.opts.memoryMiB,
          cpus: node.cpus ?? this.opts.cpus,
          disks: node.disks ?? this.opts.disks,
          forwards: node.forwards ?? this.opts.forwards,
          layers: this.opts.layers,
          nics,
          accel: accel.accel,
          bootTimeoutMs: this.opts.bootTimeoutMs,
          afterSpawn: async () => {
            for (const [j, seg] of this.profile.nics.entries()) await this.segments.get(seg)!.attach(`n3x${this.id}n${i + 1}e${j + 1}`);
          },
          afterBoot: async (m) => {
            await m.succeed(script);
          },
        }),
      );
    }
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

  /** Wall-clock ms of the parallel boot (spawn to every machine configured). */
  bootMs?: number;

  /** Makes machines in `a` and `b` unable to exchange any frame (both directions), on every data NIC. */
  async partition(a: string[], b: string[]): Promise<void> {
    const macsOf = (names: string[]) => names.flatMap((n) => this.macs.get(this.machine(n).name) ?? []);
    await Promise.all([
      ...a.map((n) => this.machine(n).succeed(partitionCommand(this.dataNics(), macsOf(b)))),
      ...b.map((n) => this.machine(n).succeed(partitionCommand(this.dataNics(), macsOf(a)))),
    ]);
  }

  /** Removes every partition. */
  async heal(): Promise<void> {
    await Promise.all(this.machines.filter((m) => m.isUp()).map((m) => m.succeed(healCommand(this.dataNics()))));
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
      profile: this.profile,
      nodes: this.nodes,
      backend: this.backend,
      image: this.image,
      startedAt: this.startedAt,
      segments: [...this.segments.values()].map((s) => s.describe()),
      macs: Object.fromEntries(this.macs),
      machines: this.machines.map((m) => ({ name: m.name, stateDir: m.stateDir })),
    };
    writeFileSync(join(this.stateDir, 'cluster.json'), JSON.stringify(d, null, 2), { mode: 0o600 });
  }

  /**
   * Leaves the cluster running after this process exits (keep-on-failure): exit handlers are dropped and the
   * sockets released so that `n3x attach <id>` can take over; `n3x stop <id>` removes it.
   */
  detach(): void {
    for (const m of this.machines) m.detach();
    for (const s of this.segments.values()) s.detach();
    this.undoExit?.();
    this.stopped = true;
    this.writeDescriptor('kept');
  }

  /** Takes over a kept cluster from its descriptor (machines attached, not booted). */
  static async attach(id: string): Promise<Cluster> {
    const d = readDescriptor(id);
    const c = new Cluster({ profile: d.profile, nodes: d.nodes, network: d.backend, name: d.name ?? undefined }, d.image, d.id);
    c.startedAt = d.startedAt;
    for (const s of d.segments) c.segments.set(s.hostName, attachedSegment(s));
    for (const [name, macs] of Object.entries(d.macs)) c.macs.set(name, macs);
    for (const m of d.machines) {
      const machine = new Machine({ name: m.name, image: d.image, stateDir: m.stateDir, nics: (d.macs[m.name] ?? []).map((mac, j) => ({ id: `nic${j + 1}`, mac, backend: { type: 'user' } })) });
      await machine.attach();
      c.machines.push(machine);
    }
    c.undoExit = onExit(() => rmSync(c.stateDir, { recursive: true, force: true }));
    c.writeDescriptor('running');
    return c;
  }

  /** Stops every machine and removes segments and the state dir (idempotent). */
  async stop(opts: { keepState?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled(this.machines.map((m) => m.kill()));
    for (const s of this.segments.values()) await s.destroy().catch(() => undefined);
    if (!opts.keepState) rmSync(this.stateDir, { recursive: true, force: true });
    this.undoExit?.();
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
  profile: NetworkProfile;
  nodes: NodeSpec[];
  backend: BackendKind;
  image: ImageFiles;
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
  try {
    await c.startAll();
  } catch (e) {
    await c.stop();
    throw e;
  }
  return c;
}
