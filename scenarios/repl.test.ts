/**
 * The REPL as a person uses it, in a real pseudo-terminal (node-pty): type an expression, open a root shell in a
 * guest, come back, exit; nothing is left running. Then keep-on-failure → attach from another terminal → stop.
 */
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { useScratchDir } from '../harness/vitest.js';
import { killTerminals, terminal as inTerminal } from './lib/terminal.js';

const root = useScratchDir('n3x-repl-');
const env = { ...process.env, N3X_STATE_DIR: root } as Record<string, string>;
const terminal = (command: string) => inTerminal(command, env);
const ls = async () => JSON.parse((await execa('npx', ['tsx', 'harness/cli/main.ts', 'ls', '--json'], { env: { N3X_STATE_DIR: root } })).stdout) as { id: string; status: string }[];
const qemusUnder = () => {
  try {
    return execFileSync('pgrep', ['-af', root], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('qemu'));
  } catch {
    return [];
  }
};

afterAll(async () => {
  killTerminals();
  await execa('npx', ['tsx', 'harness/cli/main.ts', 'stop', '--all'], { env: { N3X_STATE_DIR: root }, reject: false });
});

describe.sequential('repl in a terminal', () => {
  it('n3x repl: evaluate, .shell into a guest, come back, exit; nothing left', async () => {
    const t = await terminal('npx tsx harness/cli/main.ts repl --profile simple --nodes 1');
    await t.waitFor(/n3x [0-9a-f]{4}> $/m, 240);
    t.type("await n100_1.succeed('hostname')");
    t.key('Enter');
    await t.waitFor(/'n100-1\\n'/);
    t.type('.shell n100_1');
    t.key('Enter');
    await t.waitFor(/root@n100-1:~#/, 60);
    t.type('echo inside-$((6*7)) $(tty)');
    t.key('Enter');
    await t.waitFor(/inside-42 \/dev\/hvc1/);
    t.key('C-]');
    await t.waitFor(/back in the REPL/);
    t.type('.exit');
    t.key('Enter');
    await t.waitFor(/EXITED-0/, 60);
    expect(await ls()).toEqual([]);
    expect(qemusUnder()).toEqual([]);
  });

  it('N3X_KEEP=1 keeps a failed scenario\'s cluster; n3x attach from another terminal; n3x stop removes it', async () => {
    const run = await execa('npx', ['vitest', 'run', '--config', 'fixtures/keep/vitest.config.ts'], { env: { N3X_STATE_DIR: root, N3X_KEEP: '1' }, reject: false, all: true });
    expect(run.exitCode).toBe(1);
    const id = /npx n3x attach ([0-9a-f]{4})/.exec(String(run.all))?.[1];
    expect(id, String(run.all).slice(-2000)).toBeDefined();
    expect(await ls()).toMatchObject([{ id, status: 'kept' }]);

    const t = await terminal(`npx tsx harness/cli/main.ts attach ${id}`);
    await t.waitFor(new RegExp(`n3x ${id}> $`, 'm'), 60);
    t.type("await n100_1.succeed('ls /root/evidence')");
    t.key('Enter');
    await t.waitFor(/'\/root\/evidence\\n'/);
    t.type('.exit');
    t.key('Enter');
    await t.waitFor(/EXITED-0/, 30);
    expect(await ls()).toMatchObject([{ id, status: 'kept' }]); // attach leaves it running

    await execa('npx', ['tsx', 'harness/cli/main.ts', 'stop', id!], { env: { N3X_STATE_DIR: root } });
    expect(await ls()).toEqual([]);
    expect(qemusUnder()).toEqual([]);
    expect(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })).not.toContain(`n3x${id}`);
  });
});
