/**
 * The nixosTest Machine API methods a port needs beyond the basics, each against a real guest: polling
 * conditions, unix sockets, start/stop jobs, user units, the serial console, port forwards at run time,
 * `localhost` port waits, and machines started one by one.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster, CommandFailedError, NotYet, retryUntil } from '../harness/index.js';

describe.sequential('nixosTest API: one machine at a time', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({
      profile: 'simple',
      start: false,
      sysctl: { 'net.ipv4.tcp_syncookies': 0 }, // a cluster-wide default…
      nodes: [
        {
          name: 'n100-1',
          files: { '/etc/n3x/app.conf': { text: 'mode=test\n', mode: 0o600 } },
          unitFiles: { 'n3x-app.service': { text: '[Service]\nExecStart=/bin/sleep 3600\n[Install]\nWantedBy=multi-user.target\n', enable: true, start: true } },
          sysctl: { 'net.ipv4.tcp_syncookies': 1 }, // …overridden for this node
          modules: ['dummy'],
          hosts: { registry: '192.168.1.250' },
        },
        'n100-2',
      ],
    });
  });
  afterAll(async () => c?.stop());

  it('start: false creates the cluster without booting; machines start one after another', async () => {
    const [a, b] = c.machines;
    expect(a.isUp() || b.isUp()).toBe(false);
    await a.start();
    expect(b.isUp()).toBe(false);
    await a.waitForUnit('multi-user.target');
    await b.start();
    await b.succeed(`ping -c1 -W2 ${c.address(a.name)}`);
  });

  it('per-node configuration is applied before the machine counts as up, and again after a power cut', async () => {
    const [a, b] = c.machines;
    for (let boot = 0; boot < 2; boot++) {
      expect(await a.succeed('cat /etc/n3x/app.conf; stat -c %a /etc/n3x/app.conf')).toBe('mode=test\n600\n');
      await a.requireUnitState('n3x-app.service', 'active');
      expect((await a.succeed('sysctl -n net.ipv4.tcp_syncookies')).trim()).toBe('1');
      expect(await a.succeed('lsmod')).toMatch(/^dummy /m);
      expect((await a.succeed('getent hosts registry')).split(/\s+/)[0]).toBe('192.168.1.250');
      if (boot === 0) {
        await a.crash();
        await a.start();
      }
    }
    expect((await b.succeed('sysctl -n net.ipv4.tcp_syncookies')).trim()).toBe('0');
    await b.fail('test -e /etc/n3x/app.conf');
  });

  it('pollingCondition: checked before commands while active; a broken invariant fails the next command', async () => {
    const m = c.machines[0];
    await m.succeed('systemd-run --unit=n3x-keeper sleep 600');
    let checks = 0;
    const cond = m.pollingCondition(async () => {
      checks++;
      return (await m.execute('systemctl is-active --quiet n3x-keeper')).status === 0;
    }, { description: 'n3x-keeper stays active' });
    await m.succeed('true', 'true');
    expect(checks).toBe(2);
    await m.stopJob('n3x-keeper.service');
    const e = await m.succeed('echo never').catch((x) => x);
    expect(e).toBeInstanceOf(CommandFailedError);
    expect(e.message).toMatch(/polling condition failed: n3x-keeper stays active/);
    cond.dispose();
    expect(await m.succeed('echo after')).toBe('after\n');
  });

  it('startJob / stopJob, waitForOpenUnixSocket (stream and datagram)', async () => {
    const m = c.machines[0];
    await m.succeed("printf '[Service]\\nExecStart=/bin/nc -lkU /run/n3x-stream.sock\\n' > /etc/systemd/system/n3x-sock.service", 'systemctl daemon-reload');
    expect((await m.startJob('n3x-sock.service')).status).toBe(0);
    await m.waitForOpenUnixSocket('/run/n3x-stream.sock', { timeout: 30 });
    expect((await m.stopJob('n3x-sock.service')).status).toBe(0);
    await m.succeed('systemd-run --unit=n3x-dgram nc -lkuU /run/n3x-dgram.sock');
    await m.waitForOpenUnixSocket('/run/n3x-dgram.sock', { datagram: true, timeout: 30 });
    await expect(m.waitForOpenUnixSocket('/run/none.sock', { timeout: 2 })).rejects.toThrow(/timed out/);
  });

  it('waitForOpenPort defaults to localhost: a listener on ::1 only counts', async () => {
    const m = c.machines[0];
    await m.succeed('systemd-run --unit=n3x-v6 nc -lk ::1 7780');
    await m.waitForOpenPort(7780, { timeout: 30 });
    await expect(m.waitForOpenPort(7780, { addr: '127.0.0.1', timeout: 2 })).rejects.toThrow(/timed out/);
    await m.stopJob('n3x-v6.service');
    await m.waitForClosedPort(7780, { timeout: 30 });
  });

  it('user units: systemctl and waitForUnit with { user }', async () => {
    const m = c.machines[0];
    await m.succeed('useradd -m alice', 'loginctl enable-linger alice');
    await m.waitForUnit(`user@${(await m.succeed('id -u alice')).trim()}.service`, { timeout: 120 });
    await m.succeed(
      "install -d -o alice /home/alice/.config/systemd/user",
      "printf '[Service]\\nExecStart=/bin/sleep 600\\n' > /home/alice/.config/systemd/user/n3x-user.service",
    );
    expect((await m.systemctl('daemon-reload', { user: 'alice' })).status).toBe(0);
    expect((await m.startJob('n3x-user.service', { user: 'alice' })).status).toBe(0);
    await m.waitForUnit('n3x-user.service', { user: 'alice', timeout: 60 });
    expect((await m.systemctl('is-active n3x-user.service', { user: 'alice' })).stdout).toBe('active\n');
    expect((await m.systemctl('is-active n3x-user.service')).stdout).not.toBe('active\n'); // not a system unit
  });

  it('sendConsole types into the serial console', async () => {
    const m = c.machines[1];
    await m.succeed("systemd-run --unit=n3x-reader sh -c 'stty -F /dev/ttyS0 sane; head -n1 /dev/ttyS0 > /run/typed'");
    await m.waitForUnit('n3x-reader.service', { timeout: 30 });
    await m.sendConsole('typed-by-n3x\n');
    await m.waitUntilSucceeds('grep -q typed-by-n3x /run/typed', { timeout: 30 });
  });

  it('waitForQmpEvent resolves on the next matching QEMU event', async () => {
    const m = c.machines[1];
    const stopped = m.waitForQmpEvent('STOP', { timeout: 30 });
    await m.pause();
    expect((await stopped).event).toBe('STOP');
    const resumed = m.waitForQmpEvent((e) => e.event === 'RESUME', { timeout: 30 });
    await m.qmpCommand('cont');
    await resumed;
    await expect(m.waitForQmpEvent('POWERDOWN', { timeout: 1 })).rejects.toThrow(/timed out/);
    expect(await m.succeed('echo running')).toBe('running\n');
  });

  it('forwardPort adds a 127.0.0.1 forward to a running machine', async () => {
    const m = c.machines[1];
    await m.succeed("systemd-run --unit=n3x-fw sh -c 'while :; do printf forwarded-late | nc -l -p 9000 -q 1; done'");
    const port = await m.forwardPort(9000);
    expect(m.hostPort(9000)).toBe(port);
    const got = await retryUntil(async () => {
      const d = await new Promise<string>((resolve) => {
        const s = net.createConnection({ host: '127.0.0.1', port });
        let buf = '';
        s.on('data', (x) => (buf += x));
        s.on('end', () => resolve(buf));
        s.on('error', () => resolve(''));
      });
      if (d !== 'forwarded-late') throw new NotYet(`got ${JSON.stringify(d)}`);
      return d;
    }, { timeout: 30, what: 'the late forward to answer' });
    expect(got).toBe('forwarded-late');
  });
});
