/** Writes a report dir: index.html, report.json and one commands file per machine, from recorded events. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RecordEvent } from './events.js';
import { renderHtml } from './html.js';
import { cleanTerminal } from './truncate.js';
import { buildClusters, buildReport, type ClusterView, type RunInput } from './model.js';

/** Every event recorded under `dir`/records (all workers), oldest first; unreadable lines are skipped. */
export function readRecords(dir: string): RecordEvent[] {
  const rd = join(dir, 'records');
  if (!existsSync(rd)) return [];
  const events: RecordEvent[] = [];
  for (const f of readdirSync(rd).filter((x) => x.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(rd, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        events.push(JSON.parse(line) as RecordEvent);
      } catch {
        /* a line cut by a killed worker */
      }
    }
  }
  return events.sort((a, b) => a.t - b.t);
}

/** Serial logs copied into the report dir (files/<cluster>/<machine>/serial.log). */
export function copiedSerial(dir: string) {
  return (_cluster: string, _machine: string, rel?: string) => (rel && existsSync(join(dir, rel)) ? { text: cleanTerminal(readFileSync(join(dir, rel), 'utf8')), file: rel } : undefined);
}

const commandsRel = (cluster: string, machine: string) => join('files', cluster, machine, 'commands.txt');

/** All commands of every machine as text, so that rows cut from the page stay reachable. */
function writeCommandFiles(dir: string, clusters: ClusterView[]): void {
  for (const c of clusters) {
    for (const m of c.machines) {
      if (!m.commands.length) continue;
      const text = m.commands.map((x) => `# ${new Date(x.t).toISOString()} ${x.timedOut ? 'timed out' : `status ${x.status}`} in ${x.ms} ms${x.command.file ? ` (full command: ${x.command.file})` : ''}\n$ ${x.command.text}\n`).join('');
      mkdirSync(join(dir, 'files', c.id, m.name), { recursive: true });
      writeFileSync(join(dir, commandsRel(c.id, m.name)), text);
    }
  }
}

/** Builds the report of a run into `dir`; returns the index.html path. */
export function writeReport(dir: string, run: RunInput, events: RecordEvent[], serial = copiedSerial(dir)): string {
  const clusters = buildClusters(events, serial);
  const data = buildReport(run, events, clusters);
  mkdirSync(dir, { recursive: true });
  writeCommandFiles(dir, clusters);
  writeFileSync(join(dir, 'report.json'), JSON.stringify(data, null, 1));
  const index = join(dir, 'index.html');
  writeFileSync(index, renderHtml(data, { commands: (c, m) => (existsSync(join(dir, commandsRel(c, m))) ? commandsRel(c, m) : undefined) }));
  return index;
}

/** The last line a run prints. */
export function reportLine(index: string): string {
  return `n3x report: ${pathToFileURL(index).href}`;
}
