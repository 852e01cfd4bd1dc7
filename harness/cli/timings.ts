/** `n3x timings [report.json]`: where each file of a run's time went (image, boot, restore, test, other), costliest first. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import type { ReportData } from '../report/model.js';
import { timingsTable, type Timings } from '../report/timings.js';
import { artifactsDir } from '../util/paths.js';

/** The timings a run report holds; says what to do when the file is missing or older than timings. */
export function readTimings(path: string): Timings {
  if (!existsSync(path)) throw new ConfigError('report', `no run report at ${path}`, 'run the suite first (every Vitest run writes artifacts/report/report.json), or give the path of one');
  let data: Partial<ReportData>;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as Partial<ReportData>;
  } catch (e) {
    throw new ConfigError('report', `${path} is not JSON (${(e as Error).message})`, 'give the report.json a run wrote, not index.html');
  }
  if (!data.timings) throw new ConfigError('report', `${path} has no timings (written by an n3x from before them)`, 'run the suite again to write a report with timings');
  return data.timings;
}

export function timingsCommand(program: Command): void {
  program
    .command('timings')
    .description("print where each file's wall time went in a run (image, boot, restore, test, other seconds), costliest first")
    .argument('[report]', 'a run report', join(artifactsDir(), 'report', 'report.json'))
    .option('--top <n>', 'only the n costliest files (the total still counts all)')
    .action((path: string, o: { top?: string }) => {
      const top = o.top === undefined ? undefined : Number(o.top);
      if (top !== undefined && !(Number.isInteger(top) && top > 0)) throw new ConfigError('--top', `'${o.top}' is not a count of files`, 'give a whole number ≥ 1, e.g. --top 10');
      console.log(timingsTable(readTimings(path), top));
    });
}
