/** Network backends: segments that guest NICs join. `bridge` (root) or `vde` (rootless), auto-picked. */
import { join } from 'node:path';
import type { NicBackend } from '../qemu/argv.js';
import { ConfigError } from '../errors.js';
import { onExit } from '../util/cleanup.js';
import { privateDir } from '../util/paths.js';
import { attachTap, createBridge, deleteLink, deleteLinkSync } from './bridge.js';
import { startVdeSwitch, stopVdeSwitch } from './vde.js';

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

export interface SegmentInfo {
  hostName: string;
  kind: BackendKind;
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
  createSegment(hostName: string, stateDir: string): Promise<Segment>;
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
  async createSegment(hostName, stateDir) {
    await createBridge(hostName, stateDir);
    const undo = onExit(() => deleteLinkSync(hostName));
    return {
      hostName,
      nic: (port) => ({ type: 'tap', ifname: port }),
      attach: (port) => attachTap(port, hostName, stateDir),
      async destroy() {
        await deleteLink(hostName);
        undo();
      },
      describe: () => ({ hostName, kind: 'bridge' }),
      detach: () => undo(),
    };
  },
};

export const vdeBackend: NetworkBackend = {
  kind: 'vde',
  async createSegment(hostName, stateDir) {
    const sw = await startVdeSwitch(privateDir(join(stateDir, hostName)));
    const undo = onExit(() => stopVdeSwitch(sw));
    return {
      hostName,
      nic: () => ({ type: 'vde', sock: sw.sockDir }),
      attach: async () => undefined,
      async destroy() {
        stopVdeSwitch(sw);
        undo();
      },
      describe: () => ({ hostName, kind: 'vde', pid: sw.pid, sockDir: sw.sockDir }),
      detach: () => undo(),
    };
  },
};

export function backendFor(kind: BackendKind): NetworkBackend {
  return kind === 'bridge' ? bridgeBackend : vdeBackend;
}
