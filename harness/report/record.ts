/**
 * Records what happens to clusters for the run report: topology, boots, every command, link faults,
 * partitions, netem, failures, k3s tables. The harness calls these at a few points (one line each). Inside a
 * Vitest run (N3X_REPORT_DIR set by the report reporter) events go to <dir>/records/<pid>.jsonl and long
 * outputs to <dir>/files/, so the report can be built after the clusters are gone; elsewhere (the REPL) the
 * last events are kept in memory only. Recording never throws into the harness.
 */
import { appendFileSync, closeSync, copyFileSync, existsSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Cluster } from '../cluster/cluster.js';
import type { NetemSpec } from '../network/netem.js';
import type { SegmentInfo } from '../network/backend.js';
import { logger } from '../log.js';
import { reportDir } from '../util/paths.js';
import type { BootPhases } from '../machine/boot-phases.js';
import type { K3sNodeRow, K3sPodRow, RecordEvent, RecordedText, Scope } from './events.js';
import { topologyOf, type TopologyChange } from './topology.js';
import { cleanTerminal, headCap, tailCap } from './truncate.js';

export type { K3sNodeRow, K3sPodRow } from './events.js';

/** Caps (characters) for what a record keeps inline; longer text goes to a linked file. */
export const CAPS = { command: 2000, stdout: 4000, stderr: 2000, serialBytes: 8 * 1024 * 1024 } as const;
const MEMORY_EVENTS = 5000;

const log = logger('report');
let scope: Scope = {};
let seq = 0;
let warned = false;
const memory: RecordEvent[] = [];
/** What the recorder needs of a machine (Machine and its process/commands layers all fit). */
export interface RecordedMachine {
  readonly name: string;
  lastBootMs?: number;
  bootPhases?: BootPhases;
}
const clusterOf = new WeakMap<object, string>();
const live = new Map<string, Cluster>();

export { reportDir };

/** Sets the file and test that following events belong to (called by the Vitest setup file). */
export function setScope(s: Scope): void {
  scope = { ...s };
}

/** Events of this process still held in memory (the REPL's `.report` and `.topology`). */
export function memoryEvents(cluster?: string): RecordEvent[] {
  return memory.filter((e) => cluster === undefined || e.cluster === cluster);
}

function emit(e: RecordEvent): void {
  memory.push(e);
  if (memory.length > MEMORY_EVENTS) memory.splice(0, memory.length - MEMORY_EVENTS);
  const dir = reportDir();
  if (!dir) return;
  guard(() => {
    mkdirSync(join(dir, 'records'), { recursive: true });
    appendFileSync(join(dir, 'records', `${process.pid}.jsonl`), `${JSON.stringify(e)}\n`);
  });
}

/** Runs a recording step; a failure is logged once and never breaks the harness. */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!warned) log.warn(`report recording failed (the run goes on): ${(err as Error).message}`);
    warned = true;
  }
}

function base(cluster?: string) {
  return { t: Date.now(), scope: { ...scope }, cluster };
}

/** Caps a text; the full text goes to files/<cluster>/<machine>/<name> when cut and a report dir exists. */
function capped(full: string, max: number, where: string[], fromEnd = true): RecordedText {
  const c = fromEnd ? tailCap(full, max) : headCap(full, max);
  const out: RecordedText = { text: c.text, omitted: c.omitted };
  const dir = reportDir();
  if (c.omitted && dir) {
    const rel = join('files', ...where.map((w) => w.replace(/[^A-Za-z0-9_.-]+/g, '_')));
    guard(() => {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), full);
      out.file = rel;
    });
  }
  return out;
}

/** A cluster's machines and segments exist (before boot): its topology. */
export function recordCluster(c: Cluster, segments: SegmentInfo[], macs: Record<string, string[]>): void {
  guard(() => {
    trackCluster(c);
    const topology = topologyOf({ id: c.id, profile: c.profile, backend: c.backend, nodes: c.nodes, macs, segmentNames: segments.map((s) => s.hostName) });
    emit({ ...base(c.id), kind: 'cluster', name: c.opts.name, topology });
  });
}

/** Links a cluster's machines to it (for events) without recording its topology (an attached cluster). */
export function trackCluster(c: Cluster): void {
  live.set(c.id, c);
  for (const m of c.machines) clusterOf.set(m, c.id);
}

/** A machine booted: spawned at `t0` (epoch ms), backdoor ready after lastBootMs, set up now. */
export function recordBoot(m: RecordedMachine, t0: number): void {
  const p = m.bootPhases?.spawnAt === t0 ? m.bootPhases : undefined; // this boot's phases add up to its doneMs
  emit({ ...base(clusterOf.get(m)), kind: 'boot', machine: m.name, spawnAt: t0, readyMs: m.lastBootMs, doneMs: p?.doneMs ?? Date.now() - t0, phases: p?.phases });
}

/** Every machine of a cluster came back from a snapshot. */
export function recordRestore(c: Cluster): void {
  const r = c.restoredFrom;
  if (!r) return;
  for (const m of c.machines) emit({ ...base(c.id), kind: 'boot', machine: m.name, spawnAt: Date.now() - r.ms, doneMs: r.ms, restored: { name: r.name, createdAt: r.createdAt } });
}

/** One command sent to a machine's backdoor and its outcome. */
export function recordCommand(m: RecordedMachine, command: string, r: { status: number; stdout: Buffer; stderr: string; elapsedMs: number; timedOut?: boolean }): void {
  guard(() => {
    const n = ++seq;
    const cluster = clusterOf.get(m) ?? `pid${process.pid}`;
    const where = (what: string) => [cluster, m.name, `${String(n).padStart(5, '0')}.${what}.txt`];
    emit({
      ...base(clusterOf.get(m)),
      kind: 'command',
      machine: m.name,
      seq: n,
      command: capped(command, CAPS.command, where('command'), false),
      status: r.status,
      ms: r.elapsedMs,
      timedOut: !!r.timedOut,
      stdout: capped(r.stdout.toString('utf8'), CAPS.stdout, where('stdout')),
      stderr: capped(r.stderr, CAPS.stderr, where('stderr')),
    });
  });
}

function change(m: RecordedMachine | Cluster, ch: TopologyChange): void {
  emit({ ...base('machines' in m ? m.id : clusterOf.get(m)), kind: 'change', change: ch });
}

/** A data NIC of a machine was cut or restored (by guest name eth1 or device id nic1). */
export function recordLink(m: RecordedMachine, nic: string, up: boolean): void {
  change(m, { kind: 'link', machine: m.name, nics: [nic.replace(/^nic(\d+)$/, 'eth$1')], up });
}

/** netem applied to (spec) or removed from (null) a guest interface. */
export function recordNetem(m: RecordedMachine, iface: string, spec: NetemSpec | null): void {
  change(m, { kind: 'netem', machine: m.name, iface, spec });
}

/** A partition between two groups of machines. */
export function recordPartition(c: Cluster, a: string[], b: string[]): void {
  change(c, { kind: 'partition', a, b });
}

/** Every partition removed. */
export function recordHeal(c: Cluster): void {
  change(c, { kind: 'heal' });
}

/**
 * Node and pod tables as the Kubernetes API reported them, for the report of a k3s scenario. Call it from
 * the k3s code at the points worth showing (formed, after a fault), e.g. with rows from
 * `@kubernetes/client-node`'s listNode()/listPodForAllNamespaces().
 */
export function recordK3s(c: { id: string }, tables: { nodes: K3sNodeRow[]; pods: K3sPodRow[] }): void {
  emit({ ...base(c.id), kind: 'k3s', nodes: tables.nodes, pods: tables.pods });
}

/** A test failed: the last serial lines of every machine of every live cluster in this process. */
export function recordFailure(test: string | undefined, lines = 20): void {
  for (const c of live.values()) {
    guard(() => emit({ ...base(c.id), scope: { file: scope.file, test }, kind: 'failure', machines: c.machines.map((m) => ({ name: m.name, up: m.isUp(), serialTail: m.serial.tail(lines).map(cleanTerminal) })) }));
  }
}


/** A cluster is going away (stopped or kept): its serial logs are copied next to the records. */
export function recordStop(c: Cluster): void {
  live.delete(c.id);
  const dir = reportDir();
  const serial: Record<string, string> = {};
  if (dir) {
    for (const m of c.machines) {
      guard(() => {
        if (!existsSync(m.serial.path)) return;
        const rel = join('files', c.id, m.name, 'serial.log');
        mkdirSync(dirname(join(dir, rel)), { recursive: true });
        copyTail(m.serial.path, join(dir, rel), CAPS.serialBytes);
        serial[m.name] = rel;
      });
    }
  }
  emit({ ...base(c.id), kind: 'stop', serial });
}

/** Copies a file, or only its last `max` bytes when larger. */
function copyTail(src: string, dst: string, max: number): void {
  const fd = openSync(src, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size <= max) return copyFileSync(src, dst);
    const buf = Buffer.alloc(max);
    readSync(fd, buf, 0, max, size - max);
    writeFileSync(dst, Buffer.concat([Buffer.from(`[n3x report: first ${size - max} bytes of the serial log cut]\n`), buf]));
  } finally {
    closeSync(fd);
  }
}
