/** The report of a live cluster (the REPL's `.topology` and `.report`), from its descriptor and this process's events. */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readDescriptor, type Cluster } from '../cluster/cluster.js';
import { artifactsDir } from '../util/paths.js';
import { copiedSerial, writeReport } from './build.js';
import type { RecordEvent } from './events.js';
import { memoryEvents } from './record.js';
import { applyChanges, topologyOf, type Topology } from './topology.js';

/** The cluster's topology now: profile and names from its descriptor, plus the faults applied in this process. */
export function liveTopology(c: Cluster): Topology {
  const base = topologyOf(descriptorInput(c));
  const changes = memoryEvents(c.id).flatMap((e) => (e.kind === 'change' ? [e.change] : []));
  return applyChanges(base, changes);
}

/** Writes the report of a live cluster into `dir` (default <artifacts>/report-<id>); returns index.html. */
export function writeLiveReport(c: Cluster, dir = resolve(artifactsDir(), `report-${c.id}`)): string {
  const events: RecordEvent[] = memoryEvents(c.id).filter((e) => e.kind !== 'cluster');
  const now = Date.now();
  // The topology before this process's faults (they are replayed from the change events).
  const base = topologyOf(descriptorInput(c));
  events.unshift({ t: events[0]?.t ?? now, scope: {}, cluster: c.id, kind: 'cluster', name: c.opts.name, topology: base });
  const serial: Record<string, string> = {};
  for (const m of c.machines) {
    if (!existsSync(m.serial.path)) continue;
    const rel = join('files', c.id, m.name, 'serial.log');
    mkdirSync(join(dir, 'files', c.id, m.name), { recursive: true });
    copyFileSync(m.serial.path, join(dir, rel));
    serial[m.name] = rel;
  }
  events.push({ t: now, scope: {}, cluster: c.id, kind: 'stop', serial });
  return writeReport(dir, { startedAt: events[0].t, endedAt: now, files: [], unhandledErrors: [] }, events, copiedSerial(dir));
}

function descriptorInput(c: Cluster) {
  const d = readDescriptor(c.id);
  return { id: d.id, profile: d.profile, backend: d.backend, nodes: d.nodes, macs: d.macs, segments: d.segments };
}
