/** What the harness records for the run report: one JSON object per line, per test worker. */
import type { Topology, TopologyChange } from './topology.js';
import type { BootPhases } from '../console/boot-phases.js';
import type { ScheduledFault } from '../events.js';

/** The scenario file and test the event happened in (empty outside Vitest, e.g. in the REPL). */
export interface Scope {
  /** Absolute path of the test file. */
  file?: string;
  /** Vitest task id of the running test (absent in beforeAll/afterAll). */
  test?: string;
}

interface Base {
  /** Epoch ms. */
  t: number;
  scope: Scope;
  /** Cluster id, when the machine belongs to one. */
  cluster?: string;
}

export interface RecordedText {
  /** Tail of the text, capped. */
  text: string;
  /** Characters cut from the front. */
  omitted: number;
  /** Full text, relative to the report dir (when cut and a report dir exists). */
  file?: string;
}

export type RecordEvent =
  | (Base & { kind: 'cluster'; name?: string; topology: Topology })
  | (Base & { kind: 'boot'; machine: string; spawnAt: number; readyMs?: number; doneMs: number; restored?: { name: string; createdAt: string }; phases?: BootPhases['phases'] })
  | (Base & { kind: 'command'; machine: string; seq: number; command: RecordedText; status: number; ms: number; timedOut: boolean; stdout: RecordedText; stderr: RecordedText })
  | (Base & { kind: 'change'; change: TopologyChange })
  | (Base & { kind: 'failure'; machines: { name: string; up: boolean; serialTail: string[] }[]; rewind?: string })
  | (Base & { kind: 'k3s'; nodes: K3sNodeRow[]; pods: K3sPodRow[] })
  | (Base & { kind: 'stop'; serial: Record<string, string> })
  /** An image made ready for a cluster: built now, or served from the cache (`built` false), in `ms`. */
  | (Base & { kind: 'image'; name: string; built: boolean; ms: number })
  /** A machine's QEMU started (cold or `restoring`), crashed (power cut or died) or stopped as asked. */
  | (Base & { kind: 'power'; machine: string; what: 'start' | 'crash' | 'stop'; restoring?: boolean; detail?: string })
  /** A test (scope.test) or the file (no test) began, ended or failed. */
  | (Base & { kind: 'test'; phase: 'begin' | 'end' | 'fail' })
  /** A nemesis began (seed and schedule), turned fault `index` on or off, or ended. */
  | (Base & { kind: 'nemesis'; phase: 'begin' | 'on' | 'off' | 'end'; seed: number; replay?: boolean; faults?: ScheduledFault[]; index?: number; error?: string });

/** A node as the Kubernetes API reported it (k3s scenarios). */
export interface K3sNodeRow {
  name: string;
  ready: boolean;
  roles?: string;
  internalIP?: string;
  version?: string;
}

/** A pod as the Kubernetes API reported it. */
export interface K3sPodRow {
  namespace: string;
  name: string;
  phase: string;
  node?: string;
  ip?: string;
  restarts?: number;
}
