/** One VM; every Machine API method against the real guest. */
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailedError, ensureImage, InfraError, Machine, MachineDiedError, NotYet, retryUntil, WaitTimeoutError, stateRoot } from '../harness/index.js';

describe.sequential('smoke: Machine API on one Debian guest', () => {
  let m: Machine;
  const host = mkdtempSync(join(tmpdir(), 'n3x-smoke-'));

  beforeAll(async () => {
    m = new Machine({ name: 'smoke', image: await ensureImage(), stateDir: join(stateRoot(), `smoke-${process.pid}`), forwards: [{ guestPort: 8000 }] });
    await m.start();
  });
  afterAll(async () => {
    await m?.destroy();
    rmSync(host, { recursive: true, force: true });
  });

  it('the boot is broken down into phases from host-stamped serial lines', () => {
    const p = m.bootPhases!;
    expect(p.phases.map((x) => x.name)).toEqual(['firmware', 'kernel', 'initramfs', 'systemd', 'setup']);
    expect(p.phases.reduce((a, x) => a + x.ms, 0)).toBe(p.doneMs);
    expect(p.readyMs).toBe(m.lastBootMs);
    expect([p.kernelMs!, p.initramfsMs!, p.systemdMs!, p.readyMs]).toEqual([p.kernelMs!, p.initramfsMs!, p.systemdMs!, p.readyMs].sort((a, b) => a - b));
  });

  it('succeed returns stdout, fail expects non-zero, execute returns both', async () => {
    expect(await m.succeed('echo hello', 'hostname')).toBe('hello\nsmoke\n');
    expect(await m.fail('false', 'exit 7')).toBe('');
    const r = await m.execute('echo out; echo err >&2; exit 3');
    expect(r).toMatchObject({ status: 3, stdout: 'out\n', stderr: 'err\n' });
    await expect(m.succeed('exit 4')).rejects.toBeInstanceOf(CommandFailedError);
    await expect(m.fail('true')).rejects.toThrow(/succeeded unexpectedly/);
  });

  it('succeed and fail take { timeout } last, in seconds for each command: a slow one is interrupted, the machine stays usable', async () => {
    expect(await m.succeed('echo a', 'echo b', { timeout: 30 })).toBe('a\nb\n');
    expect(await m.fail('false', 'exit 3', { timeout: 30 })).toBe('');
    const s = await m.succeed('true', 'sleep 60', { timeout: 2 }).catch((x) => x);
    expect(s).toBeInstanceOf(WaitTimeoutError);
    expect(s.message).toMatch(/timed out after 2 s and was interrupted/);
    const f = await m.fail('false', 'sleep 60; false', { timeout: 2 }).catch((x) => x);
    expect(f).toBeInstanceOf(WaitTimeoutError);
    expect(f.message).toMatch(/timed out after 2 s and was interrupted/);
    expect(await m.succeed('echo still-usable')).toBe('still-usable\n');
  });

  it('a failing command on the no-fork path carries only its own stderr (no bash internals such as pop_var_context)', async () => {
    // `ls PATH` is one simple command of plain words: the worker runs it without forking (protocol.test.ts).
    const r = await m.execute('ls /nonexistent-n3x');
    expect(r).toMatchObject({ status: 2, stdout: '' });
    expect(r.stderr).toBe("ls: cannot access '/nonexistent-n3x': No such file or directory\n");
    const w = await m.waitUntilSucceeds('ls /nonexistent-n3x', { timeout: 5 }).catch((x) => x);
    expect(w).toBeInstanceOf(WaitTimeoutError);
    expect(w.message).toContain("ls: cannot access '/nonexistent-n3x'");
    expect(w.message).not.toMatch(/pop_var_context|backdoor\.sh/);
  });

  it('a failed command says why: decoded status and the tails of stdout and stderr, no serial noise', async () => {
    const e = await m.succeed("echo '100% packet loss'; echo 'Network is unreachable' >&2; exit 1").catch((x) => x);
    expect(e).toBeInstanceOf(CommandFailedError);
    expect(e.message).toMatch(/command failed with status 1\n/);
    expect(e.message).toContain('100% packet loss');
    expect(e.message).toContain('Network is unreachable');
    expect(e.message).not.toContain('last serial lines');
    expect((await m.succeed("sh -c 'kill -SEGV $$'").catch((x) => x)).message).toMatch(/status 139 \(SIGSEGV: segmentation fault\)/);
    expect((await m.succeed('no-such-tool --version').catch((x) => x)).message).toMatch(/status 127 \(command not found\)[\s\S]*no-such-tool: command not found/);
    const w = await m.waitUntilSucceeds("echo 'connect: Network is unreachable' >&2; exit 2", { timeout: 1 }).catch((x) => x);
    expect(w).toBeInstanceOf(WaitTimeoutError);
    expect(w.message).toMatch(/last attempt: status 2\n[\s\S]*connect: Network is unreachable/);
  });

  it('stderr keeps its last 4 KiB (the end of a long error is what matters)', async () => {
    const r = await m.execute("head -c 10000 /dev/zero | tr '\\0' a >&2; echo THE-END >&2");
    expect(r.stderr.length).toBe(4096);
    expect(r.stderr.endsWith('aaaTHE-END\n')).toBe(true);
    expect((await m.execute('echo short >&2')).stderr).toBe('short\n');
  });

  it('commands run under set -euo pipefail, as nixosTest runs them', async () => {
    await m.fail('false; true', 'false | true', 'echo "$N3X_NOT_SET"');
    expect(await m.succeed('true | false || echo handled')).toBe('handled\n');
    expect(await m.succeed('echo "${N3X_NOT_SET:-default}"')).toBe('default\n');
  });

  it('each command runs in a fresh subshell: cd, variables and exit do not leak', async () => {
    await m.succeed('cd /tmp; X=1; exit 0');
    expect(await m.succeed('pwd; echo "${X:-unset}"')).toBe('/\nunset\n');
    // stdout is a pipe, as in nixosTest: tools format for scripts, not for a terminal.
    await m.succeed('test ! -t 1', 'test ! -t 0');
    expect(await m.succeed('mkdir -p /tmp/ls && touch /tmp/ls/a /tmp/ls/b && ls /tmp/ls')).toBe('a\nb\n');
  });

  it('carries any bytes: 1 MiB of binary output, no trailing newline, quotes and control characters', async () => {
    const r = await m.execute('head -c 1048576 /dev/urandom > /tmp/blob; cat /tmp/blob');
    expect(r.raw.length).toBe(1048576);
    const guestSum = (await m.succeed('sha256sum < /tmp/blob')).split(' ')[0];
    expect(createHash('sha256').update(r.raw).digest('hex')).toBe(guestSum);
    expect(await m.succeed('printf abc')).toBe('abc');
    expect(await m.succeed(`printf '%s' "it's \\"q\\" \\$HOME"`)).toBe(`it's "q" $HOME`);
    expect(await m.succeed("printf 'a\\003b\\000c'")).toBe('a\x03b\x00c');
  });

  it('a command past its deadline is interrupted, reported, and the machine stays usable', async () => {
    const t0 = Date.now();
    const e = await m.execute('sleep 60', { timeout: 2 }).catch((x) => x);
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toMatch(/\[smoke\] command timed out after 2 s/);
    expect(e.message).toContain('command: sleep 60');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await m.succeed('echo alive')).toBe('alive\n');
  });

  it('waitUntilSucceeds / waitUntilFails poll until the condition holds', async () => {
    await m.succeed('(sleep 1; touch /tmp/flag) >/dev/null 2>&1 &');
    await m.waitUntilSucceeds('test -e /tmp/flag', { timeout: 30 });
    await m.succeed('(sleep 1; rm /tmp/flag) >/dev/null 2>&1 &');
    await m.waitUntilFails('test -e /tmp/flag', { timeout: 30 });
    await expect(m.waitUntilSucceeds('false', { timeout: 1 })).rejects.toBeInstanceOf(WaitTimeoutError);
  });

  it('waitForUnit: active units, finished oneshots, and failure within 30 s for failed units', async () => {
    await m.waitForUnit('multi-user.target', { timeout: 120 });
    // A oneshot wanted by multi-user.target that has run and exited: done, not "inactive forever".
    await m.succeed(
      "printf '[Service]\\nType=oneshot\\nExecStart=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n' > /etc/systemd/system/n3x-once.service",
      'systemctl daemon-reload && systemctl enable --now n3x-once.service',
    );
    await m.waitForUnit('n3x-once.service', { timeout: 30 });
    expect(await m.getUnitProperty('n3x-once.service', 'ActiveState')).toBe('inactive');
    await m.succeed('systemd-run --unit=n3x-bad /bin/sh -c "echo about to fail; exit 3"');
    const t0 = Date.now();
    const e = await m.waitForUnit('n3x-bad.service', { timeout: 120 }).catch((x) => x);
    expect(e).toBeInstanceOf(CommandFailedError);
    expect(e.message).toMatch(/n3x-bad.service failed/);
    expect(e.message).toContain('about to fail');
    expect(Date.now() - t0).toBeLessThan(30_000);
    await expect(m.waitForUnit('no-such.service', { timeout: 30 })).rejects.toThrow(/not found/);
  });

  it('unit helpers: requireUnitState, getUnitInfo, getUnitProperty, systemctl', async () => {
    await m.succeed('systemd-run --unit=n3x-sleeper sleep 300');
    await m.waitForUnit('n3x-sleeper.service', { timeout: 30 });
    await m.requireUnitState('n3x-sleeper.service', 'active');
    await expect(m.requireUnitState('n3x-sleeper.service', 'inactive')).rejects.toThrow(/expected unit n3x-sleeper.service to be inactive, it is active/);
    expect((await m.getUnitInfo('n3x-sleeper.service')).SubState).toBe('running');
    expect(await m.getUnitProperty('n3x-sleeper.service', 'Type')).toBe('simple');
    expect((await m.systemctl('stop n3x-sleeper.service')).status).toBe(0);
    await m.requireUnitState('n3x-sleeper.service', 'inactive');
  });

  it('waitForFile, waitForOpenPort, waitForClosedPort', async () => {
    await m.succeed('(sleep 1; touch /tmp/later) >/dev/null 2>&1 &');
    await m.waitForFile('/tmp/later', { timeout: 30 });
    await m.succeed('systemd-run --unit=n3x-listen nc -lk -p 7777');
    await m.waitForOpenPort(7777, { timeout: 30 });
    await m.succeed('systemctl stop n3x-listen');
    await m.waitForClosedPort(7777, { timeout: 30 });
  });

  it('serial console: waitForConsoleText and getConsoleLog', async () => {
    await m.succeed('echo n3x-console-probe-42 > /dev/ttyS0');
    const match = await m.waitForConsoleText(/console-probe-(\d+)/, { timeout: 30 });
    expect(match[1]).toBe('42');
    expect(m.getConsoleLog()).toContain('Linux version');
  });

  it('copyFromHost / copyFromMachine: files (mode kept) and directories', async () => {
    const f = join(host, 'script.sh');
    writeFileSync(f, '#!/bin/sh\necho from-host\n', { mode: 0o755 });
    await m.copyFromHost(f, '/opt/n3x/script.sh');
    expect(await m.succeed('/opt/n3x/script.sh')).toBe('from-host\n');
    mkdirSync(join(host, 'tree/sub'), { recursive: true });
    writeFileSync(join(host, 'tree/sub/a.txt'), 'A');
    await m.copyFromHost(join(host, 'tree'), '/opt/tree');
    expect(await m.succeed('cat /opt/tree/sub/a.txt')).toBe('A');
    const back = await m.copyFromMachine('/tmp/blob', join(host, 'out'));
    expect(readFileSync(back).length).toBe(1048576);
    const dir = await m.copyFromMachine('/opt/tree', join(host, 'out'));
    expect(readFileSync(join(dir, 'sub/a.txt'), 'utf8')).toBe('A');
  });

  it('sendMonitorCommand and sleep', async () => {
    expect(await m.sendMonitorCommand('info status')).toMatch(/running/);
    const t0 = Date.now();
    await m.sleep(0.2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('port forwards reach the guest on 127.0.0.1 only', async () => {
    await m.succeed("systemd-run --unit=n3x-http sh -c 'while :; do printf forwarded | nc -l -p 8000 -q 1; done'");
    const port = m.hostPort(8000);
    const fetchOnce = () =>
      new Promise<string>((resolve) => {
        const s = net.createConnection({ host: '127.0.0.1', port });
        let d = '';
        s.on('data', (c) => (d += c));
        s.on('end', () => resolve(d));
        s.on('error', () => resolve(''));
      });
    // The guest's listener restarts between connections: retry until it answers.
    const got = await retryUntil(async () => {
      const d = await fetchOnce();
      if (d !== 'forwarded') throw new NotYet(`got ${JSON.stringify(d)}`);
      return d;
    }, { timeout: 30, what: 'the forwarded port to answer' });
    expect(got).toBe('forwarded');
    const argv = JSON.parse(readFileSync(join(m.stateDir, 'qemu.argv'), 'utf8')) as string[];
    expect(argv.find((a) => a.startsWith('user,'))).toMatch(/restrict=on.*hostfwd=tcp:127\.0\.0\.1:/);
    expect(await m.fail('ip route show default | grep -q .')).toBe('');
  });

  it('reboot keeps the disk and changes the boot id', async () => {
    await m.succeed('echo persisted > /root/p && sync');
    const before = m.bootId;
    await m.reboot();
    expect(m.bootId).not.toBe(before);
    expect(await m.succeed('cat /root/p')).toBe('persisted\n');
  });

  it('reboot() waits for systemctl to queue the reboot, even when systemctl takes 6 s to answer', async () => {
    // A wrapper first on the backdoor's PATH that sleeps 6 s, then runs the real systemctl: a systemctl slowed by a
    // loaded host. reboot() used to interrupt it after 5 s, before the job was queued, and wait out 90 s.
    await m.succeed(`printf '#!/bin/sh\\nsleep 6\\nexec /usr/bin/systemctl "$@"\\n' > /usr/local/sbin/systemctl`, 'chmod +x /usr/local/sbin/systemctl');
    const before = m.bootId;
    await m.reboot();
    expect(m.bootId).not.toBe(before);
    await m.succeed('rm /usr/local/sbin/systemctl');
  });

  it("reboot() that the guest refuses fails with systemctl's reason; the machine stays up", async () => {
    await m.succeed('systemctl mask reboot.target');
    const e = await m.reboot().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InfraError);
    expect((e as Error).message).toMatch(/reboot: the guest did not accept the request: 'systemctl start reboot.target --job-mode=replace-irreversibly --no-block' exited \d+: .*reboot\.target is masked/);
    expect(m.isUp()).toBe(true);
    await m.succeed('systemctl unmask reboot.target');
  });

  it('crash then start: the machine comes back; console waits see only the new boot', async () => {
    await m.succeed('echo n3x-before-crash-77 > /dev/ttyS0');
    await m.waitForConsoleText('n3x-before-crash-77', { timeout: 30 });
    await m.crash();
    expect(m.isUp()).toBe(false);
    await m.start();
    expect(await m.succeed('echo back')).toBe('back\n');
    expect(m.getConsoleLog()).toContain('n3x-before-crash-77');
    await expect(m.waitForConsoleText('n3x-before-crash-77', { timeout: 2 })).rejects.toBeInstanceOf(WaitTimeoutError);
    await m.waitForConsoleText('Linux version', { timeout: 30 });
  });

  it('a QEMU killed from outside fails the pending call within 5 s, with serial lines', async () => {
    const pid = Number(readFileSync(join(m.stateDir, 'qemu.pid'), 'utf8'));
    const pending = m.execute('sleep 120').catch((x) => x);
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    const e = await pending;
    expect(e).toBeInstanceOf(MachineDiedError);
    expect(e.message).toMatch(/\[smoke\] QEMU exited unexpectedly/);
    expect(e.message).toContain('last serial lines');
    expect(Date.now() - t0).toBeLessThan(5000);
    await m.start();
  });

  it('a guest kernel panic fails the pending call with MachineDiedError naming the panic', async () => {
    const pending = m.execute('echo c > /proc/sysrq-trigger').catch((x) => x);
    const e = await pending;
    expect(e).toBeInstanceOf(MachineDiedError);
    expect(e.message).toMatch(/guest kernel panicked/);
    await m.start();
  });

  it('shutdown powers off cleanly', async () => {
    await m.shutdown();
    expect(m.isUp()).toBe(false);
    await m.waitForShutdown({ timeout: 5 });
  });
});
