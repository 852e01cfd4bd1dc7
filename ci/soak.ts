/**
 * `npm run soak -- [--runs N] [scenario …]`: runs the VM suite (or the named scenarios) N times in a row (default 3)
 * and prints, per test, its passes and failures with the first line of each failure, and each run's wall time.
 * The table goes to stderr; the JSON summary to stdout and artifacts/soak/summary.json. Exit status 1 when any
 * test failed in any run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { execa } from 'execa';
import { brokenFiles, tally, type VitestJson } from './soak-tally.js';

const cli = new Command('soak')
  .option('-n, --runs <n>', 'how many times to run the suite', '3')
  .argument('[scenarios...]', 'scenario names (scenarios/<name>.test.ts) or paths; default: the whole VM suite')
  .parse();
const runsN = Number(cli.opts<{ runs: string }>().runs);
if (!Number.isInteger(runsN) || runsN < 1 || runsN > 100) {
  console.error(`soak: --runs must be an integer from 1 to 100, got '${cli.opts<{ runs: string }>().runs}'`);
  process.exit(2);
}
const files = cli.args.map((a) => (a.includes('/') || a.endsWith('.ts') ? a : `scenarios/${a}.test.ts`));
const dir = resolve('artifacts/soak');
mkdirSync(dir, { recursive: true });

const reports: VitestJson[] = [];
const wall: { run: number; seconds: number; exitCode: number }[] = [];
for (let i = 1; i <= runsN; i++) {
  const out = `${dir}/run-${i}.json`;
  const t0 = Date.now();
  const r = await execa('npx', ['vitest', 'run', '--project', 'vm', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...files], {
    reject: false,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { N3X_ARTIFACTS: `artifacts/soak/run-${i}` },
  });
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  wall.push({ run: i, seconds, exitCode: r.exitCode ?? -1 });
  try {
    reports.push(JSON.parse(readFileSync(out, 'utf8')) as VitestJson);
  } catch (e) {
    console.error(`soak: run ${i} wrote no JSON report (${(e as Error).message}); exit code ${r.exitCode}`);
    reports.push({ testResults: [] });
  }
  console.error(`soak: run ${i}/${runsN} ${r.exitCode === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
}

const rows = tally(reports, process.cwd());
const broken = brokenFiles(reports);
const failedTests = rows.filter((t) => t.failed > 0);
console.error(`\nsoak: ${runsN} run(s) of ${files.length ? files.join(' ') : 'the VM suite'}; wall ${wall.map((w) => `${w.seconds} s`).join(', ')}`);
for (const t of rows) {
  const mark = t.failed ? 'FLAKY' : t.passed ? 'ok   ' : 'skip ';
  console.error(`${mark} ${String(t.passed).padStart(3)} passed ${String(t.failed).padStart(3)} failed ${String(t.skipped).padStart(3)} skipped  ${t.file} › ${t.test}`);
  for (const f of t.failures) console.error(`        run ${f.run}: ${f.firstLine}`);
}
for (const b of broken) console.error(`BROKEN run ${b.run}: ${b.file}: ${b.message}`);
console.error(`soak: ${failedTests.length} test(s) failed at least once, ${broken.length} file(s) failed outside a test, across ${rows.length} tests`);
const summary = { runs: runsN, files: files.length ? files : 'vm project', wall, tests: rows, broken };
writeFileSync(`${dir}/summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
process.exitCode = failedTests.length || broken.length || wall.some((w) => w.exitCode !== 0) ? 1 : 0;
