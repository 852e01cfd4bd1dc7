/**
 * Records what happens to clusters for the run report: images made ready, topology, boots, starts, crashes and stops, every
 * command, link faults, partitions, netem, nemesis schedules, test boundaries, failures, k3s tables. It listens to the harness's events (../events.ts); k3s tables are
 * recorded by the k3s code with recordK3s. Inside a
 * Vitest run (N3X_REPORT_DIR set by the report reporter) events go to <dir>/records/<pid>.jsonl and long
 * outputs to <dir>/files/, so the report can be built after the clusters are gone; elsewhere (the REPL) the
 * last events are kept in memory only. Recording never throws into the harness.
 */
import { appendFileSync, closeSync, copyFileSync, existsSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { logger } from '../log.js';
import { reportDir } from '../util/paths.js';
import { SerialLog } from '../console/serial.js';
import { subscribe, type ClusterMember, type HarnessEvent } from '../events.js';
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

/** Events of this process still held in memory (the REPL's `.report` and `.topology`). */
export function memoryEvents(cluster?: string): RecordEvent[] {
  return memory.filter((e) => cluster === undefined || e.cluster === cluster);
}

function emitRecord(e: RecordEvent): void {
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

/** Where each live cluster's machines keep their serial logs, and which of them are up (for failure records). */
const live = new Map<string, ClusterMember[]>();
const up = new Map<string, boolean>();
const upKey = (cluster: string | undefined, machine: string) => `${cluster ?? ''}/${machine}`;

/** Turns a harness event into the report's records (most kinds one record; a restore one boot per machine). */
function record(e: HarnessEvent): void {
  const b = { t: e.t, scope: { ...scope } };
  switch (e.kind) {
    case 'cluster':
      live.set(e.cluster, e.members);
      for (const m of e.members) up.set(upKey(e.cluster, m.name), e.attached);
      if (e.attached) return;
      return emitRecord({ ...b, cluster: e.cluster, kind: 'cluster', name: e.name, topology: topologyOf({ id: e.cluster, profile: e.profile, backend: e.backend, nodes: e.members, networks: e.networks, macs: e.macs, segments: e.segments }) });
    case 'boot': {
      up.set(upKey(e.cluster, e.machine), true);
      const p = e.phases?.spawnAt === e.spawnAt ? e.phases : undefined; // this boot's phases add up to its doneMs
      return emitRecord({ ...b, cluster: e.cluster, kind: 'boot', machine: e.machine, spawnAt: e.spawnAt, readyMs: e.readyMs, doneMs: p?.doneMs ?? e.doneMs, phases: p?.phases });
    }
    case 'restore':
      for (const m of e.machines) {
        up.set(upKey(e.cluster, m), true);
        emitRecord({ ...b, cluster: e.cluster, kind: 'boot', machine: m, spawnAt: e.t - e.ms, doneMs: e.ms, restored: { name: e.name, createdAt: e.createdAt } });
      }
      return;
    case 'image':
      return emitRecord({ ...b, kind: 'image', name: e.name, built: e.built, ms: e.ms });
    case 'start':
      return emitRecord({ ...b, cluster: e.cluster, kind: 'power', machine: e.machine, what: 'start', restoring: e.restoring });
    case 'crash':
    case 'stop':
      up.set(upKey(e.cluster, e.machine), false);
      return emitRecord({ ...b, cluster: e.cluster, kind: 'power', machine: e.machine, what: e.kind, detail: e.kind === 'crash' ? (e.detail ? `${e.cause}: ${e.detail}` : e.cause) : undefined });
    case 'command':
      return emitRecord(commandRecord(e, b));
    case 'link':
      return change(e.t, e.cluster, { kind: 'link', machine: e.machine, nics: [e.nic.replace(/^nic(\d+)$/, 'eth$1')], up: e.up });
    case 'netem':
      return change(e.t, e.cluster, { kind: 'netem', machine: e.machine, iface: e.iface, spec: e.spec });
    case 'partition':
      return change(e.t, e.cluster, { kind: 'partition', a: e.a, b: e.b });
    case 'heal':
      return change(e.t, e.cluster, { kind: 'heal' });
    case 'cluster-stop':
      return recordStop(e.t, e.cluster, e.members);
    case 'nemesis':
      return emitRecord({ ...e, scope: b.scope });
    case 'test':
      if (e.phase === 'fail') {
        emitRecord({ t: e.t, scope: { file: scope.file, test: e.test }, kind: 'test', phase: 'fail' });
        return recordFailure(e.t, e.test, e.rewind);
      }
      if (e.phase === 'begin') scope = { file: e.file, test: e.test };
      emitRecord({ t: e.t, scope: { file: e.file, test: e.test }, kind: 'test', phase: e.phase });
      if (e.phase === 'end') scope = { file: e.file };
      return;
  }
}

function commandRecord(e: Extract<HarnessEvent, { kind: 'command' }>, b: { t: number; scope: Scope }): RecordEvent {
  const n = ++seq;
  const where = (what: string) => [e.cluster ?? `pid${process.pid}`, e.machine, `${String(n).padStart(5, '0')}.${what}.txt`];
  return {
    ...b,
    cluster: e.cluster,
    kind: 'command',
    machine: e.machine,
    seq: n,
    command: capped(e.command, CAPS.command, where('command'), false),
    status: e.status,
    ms: e.ms,
    timedOut: e.timedOut,
    stdout: capped(e.stdout, CAPS.stdout, where('stdout')),
    stderr: capped(e.stderr, CAPS.stderr, where('stderr')),
  };
}

function change(t: number, cluster: string | undefined, ch: TopologyChange): void {
  emitRecord({ t, scope: { ...scope }, cluster, kind: 'change', change: ch });
}

/**
 * Node and pod tables as the Kubernetes API reported them, for the report of a k3s scenario. Call it from
 * the k3s code at the points worth showing (formed, after a fault), e.g. with rows from
 * `@kubernetes/client-node`'s listNode()/listPodForAllNamespaces().
 */
export function recordK3s(c: { id: string }, tables: { nodes: K3sNodeRow[]; pods: K3sPodRow[] }): void {
  emitRecord({ ...base(c.id), kind: 'k3s', nodes: tables.nodes, pods: tables.pods });
}

/** A test failed: the last serial lines of every machine of every live cluster in this process. */
function recordFailure(t: number, test: string | undefined, rewind?: string, lines = 20): void {
  for (const [cluster, members] of live) {
    guard(() => emitRecord({ t, scope: { file: scope.file, test }, cluster, kind: 'failure', machines: members.map((m) => ({ name: m.name, up: up.get(upKey(cluster, m.name)) ?? false, serialTail: new SerialLog(m.serialLog).tail(lines).map(cleanTerminal) })), ...(rewind ? { rewind } : {}) }));
  }
}

/** A cluster is going away (stopped or kept): its serial logs are copied next to the records. */
function recordStop(t: number, cluster: string, members: ClusterMember[]): void {
  live.delete(cluster);
  const dir = reportDir();
  const serial: Record<string, string> = {};
  if (dir) {
    for (const m of members) {
      guard(() => {
        if (!existsSync(m.serialLog)) return;
        const rel = join('files', cluster, m.name, 'serial.log');
        mkdirSync(dirname(join(dir, rel)), { recursive: true });
        copyTail(m.serialLog, join(dir, rel), CAPS.serialBytes);
        serial[m.name] = rel;
      });
    }
  }
  emitRecord({ t, scope: { ...scope }, cluster, kind: 'stop', serial });
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

subscribe(record);
