import { describe, expect, it } from 'vitest';
import { getProfile } from '../../profiles/index.js';
import { blackholeGateway, k3sArgs, k3sPrepareScript, k3sUnit, K3S_TOKEN_FILE, type K3sNode } from './config.js';

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
  it('the second server joins the first; the agent joins as agent', () => {
    const s = k3sArgs(getProfile('bonding-vlans'), nodes[1], nodes);
    expect(s[0]).toBe('server');
    expect(s).not.toContain('--cluster-init');
    expect(flag(s, '--server')).toEqual(['https://192.168.200.1:6443']);
    expect(flag(s, '--flannel-iface')).toEqual(['bond0.200']);
    const ag = k3sArgs(getProfile('simple'), nodes[2], nodes);
    expect(ag[0]).toBe('agent');
    expect(flag(ag, '--server')).toEqual(['https://192.168.1.1:6443']);
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
  it('the unit runs k3s with those args, Type=notify', () => {
    const u = k3sUnit(['server', '--node-ip', '1.2.3.4']);
    expect(u).toContain('ExecStart=/usr/local/bin/k3s server --node-ip 1.2.3.4');
    expect(u).toContain('Type=notify');
  });
});

describe('k3sPrepareScript', () => {
  it('adds a default route to a gateway nobody owns on the cluster network, and the token as a file', () => {
    const s = k3sPrepareScript(getProfile('vlans'), 'a'.repeat(32));
    expect(blackholeGateway(getProfile('vlans'))).toBe('192.168.200.254');
    expect(s).toContain('ip route replace default via 192.168.200.254 dev eth1.200');
    expect(s).toContain(`> ${K3S_TOKEN_FILE}`);
    expect(s).toContain('net.bridge.bridge-nf-call-iptables=1');
  });
  it('rejects tokens that could break the shell', () => {
    expect(() => k3sPrepareScript(getProfile('vlans'), "abc'; reboot; '")).toThrow(/token/);
  });
});
