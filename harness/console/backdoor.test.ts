/**
 * The guest backdoor script (images/debian/overlay/usr/lib/n3x/backdoor.sh) run on the host under a pty, driven
 * by the real client (BackdoorShell): isolation between commands, stdin, exit status, interrupts, a worker killed
 * while idle, 8-bit-clean output. The pty stands in for /dev/hvc0, a fifo for the n3x.out port.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRequest } from './protocol.js';
import { BackdoorShell } from './shell.js';

const SCRIPT = fileURLToPath(new URL('../../images/debian/overlay/usr/lib/n3x/backdoor.sh', import.meta.url));

describe.sequential('backdoor.sh under a pty, through BackdoorShell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'n3x-backdoor-'));
  const abort = new AbortController();
  let term: pty.IPty;
  let shell: BackdoorShell;
  const servers: net.Server[] = [];

  beforeAll(async () => {
    const fifo = join(dir, 'out');
    execFileSync('mkfifo', [fifo]);
    term = pty.spawn('/bin/bash', [SCRIPT], { env: { ...process.env, N3X_RUN_DIR: join(dir, 'run'), N3X_OUT: fifo }, cols: 80, rows: 24 });
    const output = createReadStream(fifo);
    // Two unix sockets, as QEMU offers them: commands into the console (the pty), output from the port (the fifo).
    const listen = (path: string, onConn: (s: net.Socket) => void) =>
      new Promise<void>((resolve) => {
        const srv = net.createServer(onConn).listen(path, resolve);
        servers.push(srv);
      });
    await listen(join(dir, 'in.sock'), (s) => s.on('data', (d: Buffer) => term.write(d.toString('latin1'))));
    await listen(join(dir, 'out.sock'), (s) => output.pipe(s));
    shell = new BackdoorShell(join(dir, 'in.sock'), join(dir, 'out.sock'), abort.signal);
    await shell.connect();
    await shell.waitReady();
  });
  afterAll(() => {
    shell?.close();
    if (term) for (const pid of [-term.pid, term.pid]) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } // the group: backdoor and worker
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (command: string, timeoutMs = 10_000) => shell.run(command, timeoutMs);

  it('returns stdout, the stderr tail and the exact exit status', async () => {
    expect(await run('echo out; echo err >&2; exit 3')).toMatchObject({ status: 3, stdout: Buffer.from('out\n'), stderr: 'err\n', timedOut: false });
    expect((await run('kill $BASHPID')).status).toBe(143);
    expect((await run('false; echo not reached')).status).toBe(1);
    expect((await run('true | false')).status).toBe(1);
    const long = await run("head -c 10000 /dev/zero | tr '\\0' a >&2; echo THE-END >&2");
    expect(long.stderr.length).toBe(4096);
    expect(long.stderr.endsWith('aaaTHE-END\n')).toBe(true);
  });

  it('isolates commands: cd, variables, functions, traps, options and exit stay in their own command', async () => {
    await run('cd /tmp; X=1; f() { :; }; trap "echo trapped" EXIT; set +euo pipefail; exit 0');
    const r = await run('pwd; echo "${X:-unset}"; type -t f || echo nofunc; trap -p EXIT; echo "$-"');
    expect(r.stdout.toString()).toMatch(/^\/\nunset\nnofunc\n[^\n]*e[^\n]*\n$/);
    expect((await run('echo "$N3X_NOT_SET"')).status).toBe(1);
  });

  it('runs commands that cannot change the shell in the waiting worker, with the same results', async () => {
    const kept = ['/bin/true', 'echo kept', 'true', '/bin/ls /proc/self/fd', 'hostname', 'ls /nonexistent-n3x', 'false'];
    expect(kept.map((c) => encodeRequest('m', c).split(' ')[0])).toEqual(Array(kept.length).fill('__n3x_keep'));
    expect((await run('/bin/true')).status).toBe(0);
    expect((await run('echo kept')).stdout.toString()).toBe('kept\n');
    expect((await run('/bin/ls /proc/self/fd')).stdout.toString().split('\n')).not.toContain('8'); // the backdoor's fds stay out
    expect((await run('/bin/ls /proc/self/fd')).stdout.toString().split('\n')).not.toContain('9');
    expect((await run('hostname')).status).toBe(0);
    const err = await run('ls /nonexistent-n3x');
    expect(err.status).toBe(2);
    expect(err.stderr).toMatch(/nonexistent-n3x/);
    expect((await run('echo after')).stderr).toBe(''); // the stderr file starts empty again
    // The worker that served those is the one that runs this: no PATH lookup or option leaked into it.
    expect((await run('hash; echo "$-"')).stdout.toString()).toMatch(/^hash: hash table empty\n[^\n]*e[^\n]*\n$/);
    expect((await run('false')).status).toBe(1);
    const slow = await run('/bin/sleep 30', 500);
    expect(slow).toMatchObject({ timedOut: true, status: 130 });
    expect((await run('true')).status).toBe(0);
  });

  it('a command ended by errexit carries only its own stderr, forked or kept, in a function or not', async () => {
    for (const c of ['false', 'X=1 false', 'true; false; echo not reached', 'g() { false; echo no; }; g', 'echo "$N3X_NOT_SET"']) {
      const r = await run(c);
      expect(r.status, c).toBe(1);
      expect(r.stderr, c).not.toMatch(/pop_var_context|not a function context/);
    }
    expect((await run('false')).stderr).toBe('');
    expect((await run('X=1 false; echo not reached')).stderr).toBe('');
    expect((await run('ls /nonexistent-n3x')).stderr).toBe("ls: cannot access '/nonexistent-n3x': No such file or directory\n");
  });

  it('gives commands /dev/null as stdin, so one that reads cannot swallow the next request', async () => {
    expect((await run('cat; read -r x || echo eof')).stdout.toString()).toBe('eof\n');
    expect((await run('echo next')).stdout.toString()).toBe('next\n');
  });

  it('carries every byte value', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const printf = Array.from(all, (b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
    expect((await run(`printf '${printf}'`)).stdout.equals(all)).toBe(true);
  });

  it('^C on the deadline ends only the command; the shell keeps serving', async () => {
    const r = await run('sleep 30', 500);
    expect(r.timedOut).toBe(true);
    expect(r.status).toBe(130);
    expect((await run('echo alive')).stdout.toString()).toBe('alive\n');
    // A command that handles the interrupt itself: its own status, not the one of the backdoor's interrupted wait.
    const own = await run(`trap 'echo caught; exit 5' INT; sleep 30 & wait`, 500);
    expect(own).toMatchObject({ timedOut: true, status: 5, stdout: Buffer.from('caught\n') });
  });

  it('survives a ^C between commands and a background job left running', async () => {
    term.write('\x03');
    expect((await run('sleep 20 >/dev/null 2>&1 & echo started')).stdout.toString()).toBe('started\n');
    term.write('\x03\x1c');
    expect((await run('echo still here')).stdout.toString()).toBe('still here\n');
  });

  it('replaces a worker killed while idle', async () => {
    // Kill every child of the backdoor (the idle worker) once this command has returned.
    await run('(sleep 0.3; pkill -P $$ || :) >/dev/null 2>&1 &');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await run('echo replaced')).stdout.toString()).toBe('replaced\n');
  });
});
