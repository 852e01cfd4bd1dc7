/** Failure dumps: per machine `systemctl --failed`, journal tails and the serial log, to the artifacts dir. */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from '../machine/machine.js';
import { shellQuote } from '../util/quote.js';
import { artifactsDir } from '../util/paths.js';

/** Collects diagnostics from each machine (5 s per command; dead machines give their serial log only). */
export async function collectDiagnostics(machines: Machine[], label: string, units: string[] = [], faults: string[] = [], notes: string[] = []): Promise<string> {
  const dir = join(artifactsDir(), label.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80));
  mkdirSync(dir, { recursive: true });
  const report: string[] = [...notes, `faults in effect when the test ended: ${faults.length ? faults.join('; ') : '(none)'}`];
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
      const q = shellQuote(u);
      const state = (await run(`systemctl show -p LoadState,ActiveState --value ${q} | paste -sd/`)).trim();
      const j = (await run(`journalctl -u ${q} --no-pager -n 25 -o cat`)).trimEnd();
      if (!j && /^not-found|^loaded\/inactive$/.test(state)) {
        report.push(`journal ${u}: (not run on this node: ${state})`);
        continue;
      }
      report.push(`journal ${u} (${state}, last 25):`, ...(j ? j.split('\n').map((l) => `  | ${l}`) : ['  (empty)']));
    }
  }
  const text = report.join('\n');
  writeFileSync(join(dir, 'summary.txt'), text);
  return `${text}\n(artifacts: ${dir})`;
}
