/** Network backends: segments that guest NICs join. `bridge` (root) or `vde` (rootless), auto-picked. */
import { join } from 'node:path';
import type { NicBackend } from '../qemu/argv.js';
import { ConfigError } from '../errors.js';
import { onExit } from '../util/cleanup.js';
import { privateDir } from '../util/paths.js';
import { logger } from '../log.js';
import { attachTap, bridgeVlanFilter, createBridge, deleteLink, deleteLinkSync } from './bridge.js';
import type { SegmentPlan } from './fabric.js';
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
  /** vde_switch pid and socket dir (the pid is only signalled while that process serves that dir). */
  pid?: number;
  sockDir?: string;
}

/** Removes a segment described by another process (bridge deleted, switch stopped). */
export function destroySegmentSync(s: SegmentInfo): void {
  if (s.kind === 'bridge') deleteLinkSync(s.hostName);
  else if (s.pid && s.sockDir) stopVdeSwitch({ pid: s.pid, sockDir: s.sockDir });
}

export interface NetworkBackend {
  kind: BackendKind;
  /** A hub, or (plan given) a switch that keeps each of the plan's ports to its VLANs. */
  createSegment(hostName: string, stateDir: string, plan?: SegmentPlan): Promise<Segment>;
}

/** Picks the backend: explicit option, then N3X_NET, then bridge when root else vde. */
export function chooseBackend(explicit?: string, env = process.env, isRoot = process.getuid?.() === 0): { kind: BackendKind; reason: string } {
  const v = explicit ?? env.N3X_NET;
  if (v !== undefined && v !== 'bridge' && v !== 'vde') throw new ConfigError('network', `unknown backend '${v}'`, "use 'bridge' or 'vde'");
  if (v) return { kind: v, reason: explicit ? 'option' : 'N3X_NET' };
  return isRoot ? { kind: 'bridge', reason: 'running as root' } : { kind: 'vde', reason: 'not root: rootless VDE switches' };
}

export const bridgeBackend: NetworkBackend = {
  kind: 'bridge',
  async createSegment(hostName, stateDir, plan) {
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
  async createSegment(hostName, stateDir, plan) {
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
      const s = await bridgeBackend.createSegment(hostName, stateDir, plan);
      log.info(`segment ${plan.name} (${hostName}): ports carry different VLANs; bridge vlan_filtering enforces them`);
      return s;
    } catch (e) {
      await deleteLink(hostName);
      log.info(`segment ${plan.name} (${hostName}): bridge vlan_filtering unavailable (${(e as Error).message.split('\n')[0]}); VDE port VLANs enforce them`);
    }
  } else log.info(`segment ${plan.name} (${hostName}): ports carry different VLANs; VDE port VLANs enforce them`);
  return vdeBackend.createSegment(hostName, stateDir, plan);
}
