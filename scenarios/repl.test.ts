/**
 * The REPL as a person uses it, in a real terminal (tmux): type an expression, open a root shell in a guest,
 * come back, exit; nothing is left running. Then keep-on-failure → attach from another terminal → stop.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { NotYet, retryUntil } from '../harness/index.js';

const root = mkdtempSync(join(tmpdir(), 'n3x-repl-'));
const env = `N3X_STATE_DIR=${root} N3X_CACHE_DIR=${process.env.N3X_CACHE_DIR ?? ''}`.replace(/ N3X_CACHE_DIR=$/, '');
const sessions: string[] = [];
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });

function terminal(name: string, command: string) {
  const s = `n3x-${name}-${process.pid}`;
  sessions.push(s);
  tmux('new-session', '-d', '-s', s, '-x', '160', '-y', '50', `cd ${process.cwd()} && env ${env} ${command}; echo EXITED-$?; sleep 600`);
  const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', s);
  return {
    screen,
    type: (text: string) => tmux('send-keys', '-t', s, '-l', text),
    key: (k: string) => tmux('send-keys', '-t', s, k),
    waitFor: (re: RegExp, timeoutS = 60) =>
      retryUntil(async () => {
        const t = screen();
        if (!re.test(t)) throw new NotYet(`screen so far:\n${t.split('\n').filter(Boolean).slice(-8).join('\n')}`);
        return t;
      }, { timeoutMs: timeoutS * 1000, what: `${re} on the terminal`, intervalMs: 200, maxIntervalMs: 500 }),
  };
}
const ls = async () => JSON.parse((await execa('npx', ['tsx', 'harness/cli/main.ts', 'ls', '--json'], { env: { N3X_STATE_DIR: root } })).stdout) as { id: string; status: string }[];
const qemusUnder = () => {
  try {
    return execFileSync('pgrep', ['-af', root], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('qemu'));
  } catch {
    return [];
  }
};

afterAll(async () => {
  for (const s of sessions) await execa('tmux', ['kill-session', '-t', s], { reject: false });
  await execa('npx', ['tsx', 'harness/cli/main.ts', 'stop', '--all'], { env: { N3X_STATE_DIR: root }, reject: false });
  rmSync(root, { recursive: true, force: true });
});

describe.sequential('repl in a terminal', () => {
  it('n3x repl: evaluate, .shell into a guest, come back, exit; nothing left', async () => {
    const t = terminal('repl', 'npx tsx harness/cli/main.ts repl --profile simple --nodes 1');
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

    const t = terminal('attach', `npx tsx harness/cli/main.ts attach ${id}`);
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
