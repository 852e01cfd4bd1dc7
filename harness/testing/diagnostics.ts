/** Failure dumps: per machine `systemctl --failed`, journal tails and the serial log, to the artifacts dir. */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from '../machine/machine.js';

export function artifactsDir(): string {
  return process.env.N3X_ARTIFACTS ?? join(process.cwd(), 'artifacts');
}

/** Collects diagnostics from each machine (5 s per command; dead machines give their serial log only). */
export async function collectDiagnostics(machines: Machine[], label: string, units: string[] = []): Promise<string> {
  const dir = join(artifactsDir(), label.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80));
  mkdirSync(dir, { recursive: true });
  const report: string[] = [];
  for (const m of machines) {
    const md = join(dir, m.name);
    mkdirSync(md, { recursive: true });
    if (existsSync(m.serial.path)) copyFileSync(m.serial.path, join(md, 'serial.log'));
    report.push(`── ${m.name} ${m.isUp() ? '(up)' : '(down)'} ──`);
    if (!m.isUp()) {
      report.push('last serial lines:', ...m.serial.tail(20).map((l) => `  | ${l}`));
      continue;
    }
    const run = async (cmd: string) => (await m.execute(cmd, { timeout: 5 }).catch((e: Error) => ({ stdout: `(${e.message.split('\n')[0]})` }))).stdout;
    const failed = await run('systemctl --failed --no-legend --plain --no-pager');
    report.push(`systemctl --failed: ${failed.trim() || '(none)'}`);
    writeFileSync(join(md, 'journal.txt'), await run('journalctl -b --no-pager -n 2000 -o short-monotonic'));
    for (const u of units) {
      const j = await run(`journalctl -u '${u}' --no-pager -n 25 -o cat`);
      report.push(`journal ${u} (last 25):`, ...j.trimEnd().split('\n').map((l) => `  | ${l}`));
    }
  }
  const text = report.join('\n');
  writeFileSync(join(dir, 'summary.txt'), text);
  return `${text}\n(artifacts: ${dir})`;
}
