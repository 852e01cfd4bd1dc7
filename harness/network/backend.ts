/** Network backends: segments that guest NICs join. `bridge` (root) or `vde` (rootless), auto-picked. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NicBackend } from '../qemu/argv.js';
import { ConfigError } from '../errors.js';
import { onExit } from '../util/cleanup.js';
import { privateDir } from '../util/paths.js';
import { logger } from '../log.js';
import { attachTap, bridgeVlanFilter, createBridge, deleteLink, deleteLinkSync, tapUp } from './bridge.js';
import type { SegmentPlan } from './fabric.js';
import { linkTaps } from './p2p.js';
import { startVdeSwitch, stopVdeSwitch } from './vde.js';

const log = logger('network');

export type BackendKind = 'bridge' | 'vde';

export interface Segment {
  /** Host device or switch name (n3x-prefixed, unique per run). */
  readonly hostName: string;
  /** How a guest NIC joins this segment; `port` is a unique short name for that NIC (TAP name). */
  nic(port: string): NicBackend;
  /** Called after QEMU started, for each NIC on this segment. */
  attach(port: string): Promise<void>;
  destroy(): Promise<void>;
  /** What another process needs to remove this segment (n3x stop). */
  describe(): SegmentInfo;
  /** Stops removing the segment at process exit (the cluster is kept running). */
  detach(): void;
}

/** What enforces a filtering segment's port VLANs. */
export type VlanFilter = 'bridge vlan_filtering' | 'vde port VLANs';

export interface SegmentInfo {
  hostName: string;
  kind: BackendKind;
  /** Set on a segment whose ports carry different VLANs: what keeps each port to its own. */
  filter?: VlanFilter;
  /** A two-port link instead of a bridge (bridge backend): the TAPs are joined by tc redirects, no host device. */
  pointToPoint?: boolean;
  /** vde_switch pid and socket dir (the pid is only signalled while that process serves that dir). */
  pid?: number;
  sockDir?: string;
}

/** Removes a segment described by another process (bridge deleted, switch stopped). */
export function destroySegmentSync(s: SegmentInfo): void {
  if (s.kind === 'bridge') deleteLinkSync(s.hostName);
  else if (s.pid && s.sockDir) stopVdeSwitch({ pid: s.pid, sockDir: s.sockDir });
}

export interface SegmentOptions {
  /**
   * Exactly two ports that must see each other's every frame, slow protocols (LACPDUs) included: the bridge
   * backend joins the two TAPs directly; a VDE hub of two ports already passes everything.
   */
  pointToPoint?: boolean;
  /** A segment whose ports carry different VLANs: the switch keeps each of the plan's ports to its own. */
  plan?: SegmentPlan;
}

export interface NetworkBackend {
  kind: BackendKind;
  /** A hub; a switch that keeps each of `plan`'s ports to its VLANs; or a point-to-point link. */
  createSegment(hostName: string, stateDir: string, opts?: SegmentOptions): Promise<Segment>;
}

/** Picks the backend: explicit option, then N3X_NET, then bridge when root else vde. */
export function chooseBackend(explicit?: string, env = process.env, isRoot = process.getuid?.() === 0): { kind: BackendKind; reason: string } {
  const v = explicit ?? env.N3X_NET;
  if (v !== undefined && v !== 'bridge' && v !== 'vde') throw new ConfigError('network', `unknown backend '${v}'`, "use 'bridge' or 'vde'");
  if (v) return { kind: v, reason: explicit ? 'option' : 'N3X_NET' };
  return isRoot ? { kind: 'bridge', reason: 'running as root' } : { kind: 'vde', reason: 'not root: rootless VDE switches' };
}

/** Two TAPs joined both ways (p2p.ts); nothing to remove: each TAP and its filters go with its QEMU. */
function pointToPointSegment(hostName: string, stateDir: string): Segment {
  const ports: string[] = [];
  return {
    hostName,
    nic(port) {
      if (!ports.includes(port)) ports.push(port);
      return { type: 'tap', ifname: port };
    },
    async attach(port) {
      await tapUp(port, stateDir);
      const peer = ports.find((p) => p !== port && existsSync(`/sys/class/net/${p}`));
      if (peer) await linkTaps(port, peer); // the first TAP up waits for its peer; the second joins both
    },
    destroy: async () => undefined,
    describe: () => ({ hostName, kind: 'bridge', pointToPoint: true }),
    detach: () => undefined,
  };
}

export const bridgeBackend: NetworkBackend = {
  kind: 'bridge',
  async createSegment(hostName, stateDir, opts = {}) {
    if (opts.pointToPoint) return pointToPointSegment(hostName, stateDir);
    const plan = opts.plan;
    await createBridge(hostName, stateDir, { vlanFiltering: !!plan });
    const undo = onExit(() => deleteLinkSync(hostName));
    const vlansOf = (port: string) => plan?.ports.find((p) => p.port === port)?.vlans;
    return {
      hostName,
      nic: (port) => ({ type: 'tap', ifname: port }),
      async attach(port) {
        await attachTap(port, hostName, stateDir);
        const v = vlansOf(port);
        if (v) await bridgeVlanFilter(port, v);
      },
      async destroy() {
        await deleteLink(hostName);
        undo();
      },
      describe: () => ({ hostName, kind: 'bridge', ...(plan ? { filter: 'bridge vlan_filtering' as const } : {}) }),
      detach: () => undo(),
    };
  },
};

export const vdeBackend: NetworkBackend = {
  kind: 'vde',
  async createSegment(hostName, stateDir, opts = {}) {
    const plan = opts.plan;
    const sw = await startVdeSwitch(privateDir(join(stateDir, hostName)), plan?.ports);
    const undo = onExit(() => stopVdeSwitch(sw));
    return {
      hostName,
      nic: (port) => ({ type: 'vde', sock: sw.sockDir, ...(plan ? { port: plan.ports.find((p) => p.port === port)?.number } : {}) }),
      attach: async () => undefined,
      async destroy() {
        stopVdeSwitch(sw);
        undo();
      },
      describe: () => ({ hostName, kind: 'vde', pid: sw.pid, sockDir: sw.sockDir, ...(plan ? { filter: 'vde port VLANs' as const } : {}) }),
      detach: () => undo(),
    };
  },
};

export function backendFor(kind: BackendKind): NetworkBackend {
  return kind === 'bridge' ? bridgeBackend : vdeBackend;
}

/**
 * Creates a segment of `plan`: a hub where its ports all carry the same VLANs; else a switch that keeps each port
 * to its VLANs: the bridge's vlan_filtering where the backend is bridge and the host kernel has it, VDE's port
 * VLANs otherwise (as root too: a kernel without bridge VLAN filtering answers "Operation not supported").
 */
export async function createPlannedSegment(kind: BackendKind, hostName: string, stateDir: string, plan: SegmentPlan): Promise<Segment> {
  if (!plan.filtered) return backendFor(kind).createSegment(hostName, stateDir);
  if (kind === 'bridge') {
    try {
      const s = await bridgeBackend.createSegment(hostName, stateDir, { plan });
      log.info(`segment ${plan.name} (${hostName}): ports carry different VLANs; bridge vlan_filtering enforces them`);
      return s;
    } catch (e) {
      await deleteLink(hostName);
      log.info(`segment ${plan.name} (${hostName}): bridge vlan_filtering unavailable (${(e as Error).message.split('\n')[0]}); VDE port VLANs enforce them`);
    }
  } else log.info(`segment ${plan.name} (${hostName}): ports carry different VLANs; VDE port VLANs enforce them`);
  return vdeBackend.createSegment(hostName, stateDir, { plan });
}
