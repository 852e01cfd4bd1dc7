/**
 * Rewinding a failed test: fixtures/rewind fails on purpose after a partition and a guest command, with a
 * checkpoint before each test. From the failed test's checkpoint, `n3x attach --checkpoint` shows the cluster as
 * it was before the test (the file the test wrote is absent) and `.replay` replays the partition and the commands
 * and reproduces the failure; the test re-run alone from the checkpoint fails again while the cause is there,
 * and passes once it is removed (REWIND_TARGET).
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { useScratchDir } from '../harness/vitest.js';
import { killTerminals, terminal } from './lib/terminal.js';

const root = useScratchDir('n3x-rewind-');
const env = { ...process.env, N3X_STATE_DIR: join(root, 'state'), N3X_CHECKPOINT_DIR: join(root, 'checkpoints'), N3X_CHECKPOINT_KEEP: '1' } as Record<string, string>;
const n3x = (...args: string[]) => execa('npx', ['tsx', 'harness/cli/main.ts', ...args], { env, reject: false, all: true });
const fixture = (extra: Record<string, string> = {}, ...args: string[]) => execa('npx', ['vitest', 'run', '--config', 'fixtures/rewind/vitest.config.ts', ...args], { env: { ...env, ...extra }, reject: false, all: true });
const FAILING = 'reaches the target from n100-1 with n100-2 partitioned';

afterAll(async () => {
  killTerminals();
  await n3x('stop', '--all');
});

describe.sequential('rewind a failed test', () => {
  let id: string;

  it('a failed test prints its checkpoint, the file run the checkpoint cost and disk used; list shows it failed', async () => {
    const run = await fixture();
    const out = String(run.all);
    expect(run.exitCode, out.slice(-3000)).toBe(1);
    id = /npx n3x attach --checkpoint ([0-9a-f]{6}-\d+)/.exec(out)?.[1] ?? '';
    expect(id, out.slice(-3000)).not.toBe('');
    const summary = /n3x: 2 checkpoint\(s\) taken in this file \(median [\d.]+ s each\); \d+ kept, [\d.]+ MB on disk in .*/.exec(out)?.[0];
    expect(summary, out.slice(-3000)).toBeDefined();
    console.log(`rewind: ${summary}`);
    expect(out).toContain(`N3X_FROM_CHECKPOINT=${id} npx vitest run fixtures/rewind/failing.test.ts -t '${FAILING}'`);
    const list = String((await n3x('checkpoints', 'list')).all);
    expect(list).toMatch(new RegExp(`${id}\\s+failed .*${FAILING}`));
  });

  it('attach --checkpoint: the state before the test, its steps listed; .replay reproduces the failure', async () => {
    const t = await terminal(`npx tsx harness/cli/main.ts attach --checkpoint ${id}`, env);
    const shown = await t.waitFor(/n3x [0-9a-f]{4}> $/m, 300);
    expect(shown).toContain(`restored checkpoint ${id}`);
    expect(shown).toContain('1. partition {n100-2} | {n100-1, n100-3}');
    expect(shown).toContain('2. n100-1$ echo during > /root/written-by-the-failed-test   → exit 0');
    expect(shown).toMatch(/3\. n100-1\$ ping -c1 -W2 \S+ +→ exit 1 +← the original failed here/);
    let from = t.screen().length;
    t.type("(await n100_1.execute('cat /root/marker; test -e /root/written-by-the-failed-test && echo PRESENT || echo ABSENT')).stdout");
    t.key('Enter');
    await t.waitFor(/'before\\nABSENT\\n'/, 60, from);
    from = t.screen().length;
    t.type('.replay');
    t.key('Enter');
    const replayed = (await t.waitFor(/reproduced: step 3 .*; stopped there|stopped at step/, 180, from)).slice(from);
    expect(replayed).toContain('failure reproduced: step 3 fails as the original did (exit 1); stopped there');
    expect(replayed).toMatch(/#1 partition \{n100-2\} \| \{n100-1, n100-3\}\n +done/);
    expect(replayed).toContain('#2 n100-1$ echo during');
    expect(replayed).toMatch(/original +│ now\n +exit 1 +│ exit 1/);
    console.log(`rewind: replay\n${replayed}`);
    from = t.screen().length;
    t.type("(await n100_1.execute('test -e /root/written-by-the-failed-test && echo PRESENT')).stdout");
    t.key('Enter');
    await t.waitFor(/'PRESENT\\n'/, 60, from);
    t.type('.exit');
    t.key('Enter');
    await t.waitFor(/EXITED-0/, 60);
  });

  it('N3X_FROM_CHECKPOINT re-runs just that test: it fails again with the cause, and passes once the cause is removed', async () => {
    const again = await fixture({ N3X_FROM_CHECKPOINT: id }, '-t', FAILING);
    expect(again.exitCode, String(again.all).slice(-3000)).toBe(1);
    expect(String(again.all)).toContain(`n3x: started from checkpoint ${id}`);
    const fixed = await fixture({ N3X_FROM_CHECKPOINT: id, REWIND_TARGET: 'n100-3' }, '-t', FAILING);
    const out = String(fixed.all);
    expect(fixed.exitCode, out.slice(-3000)).toBe(0);
    expect(out).toContain(`n3x: started from checkpoint ${id}`);
    expect(out).toMatch(/1 passed/);
  });
});
