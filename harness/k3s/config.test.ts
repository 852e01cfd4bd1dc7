import { describe, expect, it } from 'vitest';
import { getProfile } from '../../profiles/index.js';
import { apiTimeoutsMs, blackholeGateway, k3sArgs, k3sPrepareScript, k3sRouteUnit, k3sUnit, K3S_TOKEN_FILE, startOrder, type K3sNode } from './config.js';
import { layerKey, layerMountUnit } from './layer.js';

const nodes: K3sNode[] = [
  { name: 'n100-1', index: 1, role: 'server' },
  { name: 'n100-2', index: 2, role: 'server' },
  { name: 'n100-3', index: 3, role: 'agent' },
];
const flag = (args: string[], f: string) => args.flatMap((a, i) => (args[i - 1] === f ? [a] : []));

describe('k3sArgs per profile and role', () => {
  it('first server initialises embedded etcd and advertises its VLAN 200 address', () => {
    const a = k3sArgs(getProfile('vlans'), nodes[0], nodes);
    expect(a[0]).toBe('server');
    expect(a).toContain('--cluster-init');
    expect(a).not.toContain('--server');
    expect(flag(a, '--node-ip')).toEqual(['192.168.200.1']);
    expect(flag(a, '--advertise-address')).toEqual(['192.168.200.1']);
    expect(flag(a, '--flannel-iface')).toEqual(['eth1.200']);
    expect(flag(a, '--token-file')).toEqual([K3S_TOKEN_FILE]);
    expect(flag(a, '--tls-san')).toContain('127.0.0.1');
  });
  it('with two servers (HA) the second server and the agent join through the registration VIP; the agent joins as agent', () => {
    const s = k3sArgs(getProfile('bonding-vlans'), nodes[1], nodes);
    expect(s[0]).toBe('server');
    expect(s).not.toContain('--cluster-init');
    expect(flag(s, '--server')).toEqual(['https://192.168.200.250:6443']);
    expect(flag(s, '--flannel-iface')).toEqual(['bond0.200']);
    const ag = k3sArgs(getProfile('simple'), nodes[2], nodes);
    expect(ag[0]).toBe('agent');
    expect(flag(ag, '--server')).toEqual(['https://192.168.1.250:6443']);
    expect(flag(ag, '--node-ip')).toEqual(['192.168.1.3']);
    expect(flag(ag, '--flannel-iface')).toEqual(['eth1']);
    expect(ag).not.toContain('--disable');
  });
  it('never passes the token inline', () => {
    for (const n of nodes) expect(k3sArgs(getProfile('vlans'), n, nodes).join(' ')).not.toMatch(/--token\s/);
  });
  it('a single server uses no --cluster-init', () => {
    expect(k3sArgs(getProfile('simple'), nodes[0], [nodes[0], nodes[2]])).not.toContain('--cluster-init');
  });
  it('the unit runs k3s with those args, Type=notify, enabled, after the route unit and the layer mount', () => {
    const u = k3sUnit(['server', '--node-ip', '1.2.3.4']);
    expect(u).toContain('ExecStart=/usr/local/bin/k3s server --node-ip 1.2.3.4');
    expect(u).toContain('Type=notify');
    expect(u).toContain('WantedBy=multi-user.target');
    expect(u).toMatch(/^After=.*n3x-k3s-route\.service/m);
    expect(u).toContain('RequiresMountsFor=/opt/n3x/k3s');
  });
  it('start order: first server, the other servers in order, then the agents', () => {
    const ns: K3sNode[] = [
      { name: 'a', index: 1, role: 'agent' }, { name: 's1', index: 2, role: 'server' }, { name: 's2', index: 3, role: 'server' },
      { name: 'b', index: 4, role: 'agent' }, { name: 's3', index: 5, role: 'server' },
    ];
    const o = startOrder(ns);
    expect([o.first.name, ...o.servers.map((n) => n.name), ...o.agents.map((n) => n.name)]).toEqual(['s1', 's2', 's3', 'a', 'b']);
  });
});

describe('k3sPrepareScript', () => {
  it('persists a default route to a gateway nobody owns (a unit that waits for the cluster address), modules, sysctls; the token as a 0600 file; then syncs', () => {
    const s = k3sPrepareScript(getProfile('vlans'), 'a'.repeat(32));
    expect(blackholeGateway(getProfile('vlans'))).toBe('192.168.200.254');
    expect(k3sRouteUnit(getProfile('vlans'))).toContain('ip route replace default via 192.168.200.254 dev eth1.200');
    expect(k3sRouteUnit(getProfile('vlans'))).toContain('addr show dev eth1.200');
    expect(s).toContain('systemctl enable --now n3x-k3s-route.service');
    expect(s).toContain('/etc/modules-load.d/n3x-k3s.conf');
    expect(s).toMatch(/net\.bridge\.bridge-nf-call-iptables=1.*> \/etc\/sysctl\.d\/90-n3x-k3s\.conf/);
    expect(s).toContain(`(umask 077 && printf '%s' '${'a'.repeat(32)}' > ${K3S_TOKEN_FILE})`);
    expect(s.trim().split('\n').at(-1)).toBe('sync');
  });
  it('the prepare script is valid shell', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('bash', ['-n', '-c', k3sPrepareScript(getProfile('bonding-vlans'), 'b'.repeat(20))]);
  });
  it('rejects tokens that could break the shell', () => {
    expect(() => k3sPrepareScript(getProfile('vlans'), "abc'; reboot; '")).toThrow(/token/);
  });
});

describe('k3s layer', () => {
  it('the cache key changes with the binary, the images (name or content) and the version', () => {
    const base = { binarySha: 'a'.repeat(64), version: 'v1.31.4+k3s1', images: { name: 'k3s-airgap-images-amd64.tar.zst', sha: 'b'.repeat(64) } };
    const k = layerKey(base);
    expect(layerKey({ ...base })).toBe(k);
    expect(layerKey({ ...base, binarySha: 'c'.repeat(64) })).not.toBe(k);
    expect(layerKey({ ...base, version: 'v1.31.5+k3s1' })).not.toBe(k);
    expect(layerKey({ ...base, images: { ...base.images, sha: 'd'.repeat(64) } })).not.toBe(k);
    expect(layerKey({ ...base, images: { ...base.images, name: 'x.tar' } })).not.toBe(k);
    expect(layerKey({ ...base, images: undefined })).not.toBe(k);
  });
  it('is mounted read-only by a mount unit, by its virtio serial', () => {
    expect(layerMountUnit()).toContain('What=/dev/disk/by-id/virtio-k3s');
    expect(layerMountUnit()).toContain('Where=/opt/n3x/k3s');
    expect(layerMountUnit()).toContain('Options=ro');
  });
});

describe('apiTimeoutsMs', () => {
  it('scales one API call (20 s) and a /readyz probe (5 s) by the budget factor: ×9 under TCG', () => {
    expect(apiTimeoutsMs()).toEqual({ call: 20_000, probe: 5_000 });
    expect(apiTimeoutsMs(9)).toEqual({ call: 180_000, probe: 45_000 });
  });
});
