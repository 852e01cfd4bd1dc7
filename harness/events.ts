/**
 * What happens to machines and clusters, as plain typed events, and the one sink they go to. Machines and
 * clusters emit; listeners (the run report, a timeline) subscribe. The sink sits below every emitter and
 * knows none of them: an event carries names, ids and arguments, never a Machine or a Cluster. A listener
 * that throws is logged once and never breaks the harness.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { logger } from './log.js';
import type { BootPhases } from './console/boot-phases.js';
import type { BackendKind, SegmentInfo } from './network/backend.js';
import type { NetemSpec } from './network/netem.js';
import type { NetworkProfile } from './network/profile.js';
import type { NodeNetwork } from './network/nodenet.js';

/** A machine's event: its name, and its cluster's id when it belongs to one. */
interface OfMachine {
  machine: string;
  cluster?: string;
}

/** A cluster's machines as events name them: name, role, arch, and where each one's serial log is. */
export interface ClusterMember {
  name: string;
  role?: string;
  arch?: string;
  serialLog: string;
}

/** A fault of a nemesis schedule as events carry it: seconds from the nemesis's start, the nodes it hits, in words. */
export interface ScheduledFault {
  kind: string;
  at: number;
  until: number;
  nodes: string[];
  /** Partitions: the sides (a bridge node is on both). */
  sides?: string[][];
  label: string;
}

export type HarnessEventBody =
  /** QEMU was spawned (a cold boot, or `restoring` a saved state). */
  | (OfMachine & { kind: 'start'; restoring: boolean })
  /** A cold boot finished: spawned at `spawnAt` (epoch ms), backdoor ready after `readyMs`, set up after `doneMs`. */
  | (OfMachine & { kind: 'boot'; spawnAt: number; readyMs: number; doneMs: number; phases?: BootPhases })
  /** QEMU ended without being asked to (`died`) or by `crash()` (`power-cut`). */
  | (OfMachine & { kind: 'crash'; cause: 'died' | 'power-cut'; detail?: string })
  /** QEMU ended as asked (kill, shutdown, reboot, destroy). */
  | (OfMachine & { kind: 'stop' })
  /** One command through the backdoor: the command, its exit status, output sizes and duration. */
  | (OfMachine & { kind: 'command'; command: string; status: number; ms: number; timedOut: boolean; stdout: string; stderr: string; stdoutBytes: number })
  /** A data NIC (device id nic1…) cut or restored. */
  | (OfMachine & { kind: 'link'; nic: string; up: boolean })
  /** A file copied into the guest (`in`: host `src` to guest `dst`) or out of it (`out`: guest `src` into host dir `dst`). */
  | (OfMachine & { kind: 'copy'; direction: 'in' | 'out'; src: string; dst: string })
  /** netem set on (spec) or removed from (null) a guest interface. */
  | (OfMachine & { kind: 'netem'; iface: string; spec: NetemSpec | null })
  /** The guest clock was set to the host's (after a resume), to `epochMs`. */
  | (OfMachine & { kind: 'clock'; epochMs: number })
  /** An image a cluster boots is ready: `built` now, or (false) served from the cache, after `ms` (a derived image's base is an event of its own, inside this one). */
  | { kind: 'image'; name: string; built: boolean; ms: number }
  /** A cluster's segments and machines exist (nothing booted yet), or were taken over (`attached`). */
  | { kind: 'cluster'; cluster: string; name?: string; attached: boolean; profile: NetworkProfile; backend: BackendKind; members: ClusterMember[]; networks: NodeNetwork[]; macs: Record<string, string[]>; segments: SegmentInfo[] }
  /** Machines `a` and `b` can no longer exchange frames. */
  | { kind: 'partition'; cluster: string; a: string[]; b: string[] }
  /** Every partition removed. */
  | { kind: 'heal'; cluster: string }
  /** Snapshot `name` saved (every machine, one consistent cut) in `ms`. */
  | { kind: 'snapshot'; cluster: string; name: string; dir: string; ms: number }
  /** Every machine put back into snapshot `name` (saved at `createdAt`) in `ms`. */
  | { kind: 'restore'; cluster: string; name: string; createdAt: string; ms: number; machines: string[] }
  /** A cluster goes away: stopped, or `kept` running for another process. */
  | { kind: 'cluster-stop'; cluster: string; kept: boolean; members: ClusterMember[] }
  /** A seeded nemesis began on a cluster: its seed (`replay`: taken from N3X_NEMESIS_SEED) and its schedule. */
  | { kind: 'nemesis'; cluster: string; phase: 'begin'; seed: number; replay: boolean; faults: ScheduledFault[] }
  /** Fault `index` of the schedule injected (`on`) or healed (`off`: after a crashed machine's restart). */
  | { kind: 'nemesis'; cluster: string; phase: 'on' | 'off'; seed: number; index: number }
  /** The nemesis is over: every fault healed, or it failed (`error`) and healed what was left. */
  | { kind: 'nemesis'; cluster: string; phase: 'end'; seed: number; error?: string }
  /** A test (`test`: its runner id) or a file (no `test`) begins, ends or has failed (`rewind`: how to re-enter it, when it has a checkpoint). */
  | { kind: 'test'; phase: 'begin' | 'end' | 'fail'; file?: string; test?: string; rewind?: string };

/**
 * An event with the time it happened (epoch ms), and `within`: the harness action it happened inside of, when
 * one (the guest commands a partition or a copy runs; see withinAction): a replay repeats the action, not them.
 */
export type HarnessEvent = HarnessEventBody & { t: number; within?: string };
export type Listener = (e: HarnessEvent) => void;

const listeners = new Set<Listener>();
const log = logger('events');
let warned = false;

/** Calls `fn` with every event from now on; returns the function that ends it. */
export function subscribe(fn: Listener): () => void {
  listeners.add(fn);
  return () => void listeners.delete(fn);
}

const action = new AsyncLocalStorage<string>();

/** Runs `fn` as part of harness action `name`: every event emitted inside it (also asynchronously) says `within: name`. */
export function withinAction<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return action.getStore() === undefined ? action.run(name, fn) : fn(); // the outermost action names them
}

/** Hands an event to every listener (stamped with the time now). Never throws. */
export function emit(body: HarnessEventBody): void {
  const within = action.getStore();
  const e = { ...body, t: Date.now(), ...(within === undefined ? {} : { within }) } as HarnessEvent;
  for (const fn of listeners) {
    try {
      fn(e);
    } catch (err) {
      if (!warned) log.warn(`an event listener failed (the run goes on): ${(err as Error).message}`);
      warned = true;
    }
  }
}
