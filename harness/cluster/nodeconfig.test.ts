import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isEmptyNodeConfig, mergeNodeConfig, nodeConfigScript, nodeConfigSteps } from './nodeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'n3x-nodeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('node configuration script', () => {
  it('writes files byte for byte with their mode (checked by running the file part in bash here)', () => {
    const host = join(dir, 'app.sh');
    writeFileSync(host, "#!/bin/sh\necho 'quoted $HOME'\n", { mode: 0o750 });
    const root = join(dir, 'guest');
    const script = nodeConfigScript({ files: { [`${root}/opt/app.sh`]: { source: host }, [`${root}/etc/motd`]: { text: "it's \"n3x\"\n" } } });
    execFileSync('bash', ['-euo', 'pipefail', '-c', script]);
    expect(readFileSync(`${root}/opt/app.sh`, 'utf8')).toBe("#!/bin/sh\necho 'quoted $HOME'\n");
    expect(statSync(`${root}/opt/app.sh`).mode & 0o777).toBe(0o750);
    expect(readFileSync(`${root}/etc/motd`, 'utf8')).toBe("it's \"n3x\"\n");
    expect(statSync(`${root}/etc/motd`).mode & 0o777).toBe(0o644);
  });
  it('units are written, reloaded, enabled and started last; sysctls and modules persist', () => {
    const s = nodeConfigScript({
      unitFiles: { 'web.service': { text: '[Service]\nExecStart=/bin/true', enable: true, start: true } },
      sysctl: { 'net.ipv4.ip_forward': 1 },
      modules: ['br_netfilter'],
      hosts: { registry: '192.168.200.50' },
    });
    expect(s).toContain('> /etc/systemd/system/web.service');
    expect(s.indexOf('daemon-reload')).toBeLessThan(s.indexOf('systemctl enable --quiet web.service'));
    expect(s).toContain('SYSTEMD_BUS_TIMEOUT=300 systemctl daemon-reload'); // a reload at boot under TCG can outlast 25 s
    expect(s.trimEnd().endsWith('systemctl start web.service')).toBe(true);
    expect(s).toContain("'net.ipv4.ip_forward=1'");
    expect(s).toContain('/etc/sysctl.d/50-n3x-node.conf');
    expect(s).toContain('modprobe br_netfilter');
    expect(s).toContain("'192.168.200.50 registry' >> /etc/hosts");
  });
  it('around the network set-up: files, units, sysctls and modules before it; extra hosts and unit starts after it', () => {
    const { beforeNetwork, afterNetwork } = nodeConfigSteps({
      files: { '/etc/app.conf': { text: 'x' } },
      unitFiles: { 'web.service': { text: '[Service]\nExecStart=/bin/true', enable: true, start: true } },
      sysctl: { 'net.ipv4.ip_forward': 1 },
      hosts: { registry: '192.168.200.50' },
    });
    for (const s of ["> '/etc/app.conf'", '> /etc/systemd/system/web.service', 'daemon-reload', 'systemctl enable --quiet web.service', 'sysctl -q -w']) {
      expect(beforeNetwork, s).toContain(s);
      expect(afterNetwork, s).not.toContain(s);
    }
    expect(afterNetwork).toBe("printf '%s\\n' '192.168.200.50 registry' >> /etc/hosts\nsystemctl start web.service");
    expect(nodeConfigSteps({ files: { '/x': { text: '' } } }).afterNetwork).toBe('');
  });
  it('refuses what is not a path, unit, key, module or host entry', () => {
    expect(() => nodeConfigScript({ files: { 'etc/x': { text: '' } } })).toThrow(/absolute guest path/);
    expect(() => nodeConfigScript({ files: { '/x': {} } })).toThrow(/exactly one of source and text/);
    expect(() => nodeConfigScript({ unitFiles: { 'x; reboot': { text: '' } } })).toThrow(/not a unit file name/);
    expect(() => nodeConfigScript({ modules: ['a b'] })).toThrow(/not a module name/);
    expect(() => nodeConfigScript({ sysctl: { 'a=b c': 1 } })).toThrow(/not a sysctl key/);
    expect(() => nodeConfigScript({ hosts: { x: '1.2.3.4; reboot' } })).toThrow(/not a host entry/);
  });
  it('keeps the file system error as the cause of an unreadable source', () => {
    const e = (() => {
      try {
        nodeConfigScript({ files: { '/x': { source: '/nonexistent/n3x-source' } } });
      } catch (err) {
        return err as Error;
      }
    })();
    expect(e?.message).toMatch(/cannot read \/nonexistent\/n3x-source/);
    expect((e?.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ENOENT');
  });
  it('node settings override cluster defaults key by key', () => {
    const c = mergeNodeConfig({ sysctl: { a: 1, b: 2 }, modules: ['x'] }, { sysctl: { b: 3 }, modules: ['x', 'y'] });
    expect(c.sysctl).toEqual({ a: 1, b: 3 });
    expect(c.modules).toEqual(['x', 'y']);
    expect(isEmptyNodeConfig(mergeNodeConfig())).toBe(true);
  });
});
