/**
 * `npm run soak -- <scenario> <n>`: runs one scenario n times in a row and reports passes and durations
 * (flakiness), as a table on stderr and JSON on stdout.
 */
import { execa } from 'execa';

const [name, nArg = '10'] = process.argv.slice(2);
if (!name) {
  console.error('usage: npm run soak -- <scenario> <n>');
  process.exit(2);
}
const n = Number(nArg);
if (!Number.isInteger(n) || n < 1 || n > 1000) {
  console.error(`soak: n must be an integer from 1 to 1000, got '${nArg}'`);
  process.exit(2);
}
const runs: { run: number; passed: boolean; seconds: number }[] = [];
for (let i = 1; i <= n; i++) {
  const t0 = Date.now();
  const r = await execa('npx', ['vitest', 'run', '--project', 'vm', `scenarios/${name}.test.ts`], { reject: false, all: true, env: { N3X_ARTIFACTS: `artifacts/soak-${name}-${i}` } });
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  runs.push({ run: i, passed: r.exitCode === 0, seconds });
  console.error(`soak ${name} ${i}/${n}: ${r.exitCode === 0 ? 'pass' : 'FAIL'} in ${seconds} s`);
  if (r.exitCode !== 0) console.error(String(r.all).split('\n').filter((l) => /FAIL|Error|×/.test(l)).slice(0, 10).join('\n'));
}
const passed = runs.filter((r) => r.passed).length;
const secs = runs.map((r) => r.seconds).sort((a, b) => a - b);
const summary = { scenario: name, runs: n, passed, failed: n - passed, seconds: { min: secs[0], median: secs[Math.floor(n / 2)], max: secs[n - 1] }, detail: runs };
console.error(`soak ${name}: ${passed}/${n} passed; duration min ${summary.seconds.min} s, median ${summary.seconds.median} s, max ${summary.seconds.max} s`);
console.log(JSON.stringify(summary, null, 2));
process.exitCode = passed === n ? 0 : 1;
