import { describe, expect, it } from 'vitest';
import { vlans } from '../../profiles/vlans.js';
import { joinAddress, k3sArgs, type K3sNode } from './config.js';
import { keepalivedConf, keepalivedTiming, registrationAddress, VRRP_PROBE_WEIGHT, vrrpPriority } from './vip.js';

const ha: K3sNode[] = [{ name: 'n100-1', index: 1, role: 'server' }, { name: 'n100-2', index: 2, role: 'server' }, { name: 'n100-3', index: 3, role: 'agent' }];
const single: K3sNode[] = [{ name: 'n100-1', index: 1, role: 'server' }, { name: 'n100-2', index: 2, role: 'agent' }];

describe('HA joins go through the registration VIP keepalived holds', () => {
  it('joining servers and agents register through the VIP; every server has it as a TLS SAN', () => {
    const vip = registrationAddress(vlans);
    expect(vip).toBe('192.168.200.250');
    expect(joinAddress(vlans, ha)).toBe(vip);
    for (const n of ha.slice(1)) expect(k3sArgs(vlans, n, ha).join(' ')).toContain(`--server https://${vip}:6443`);
    for (const n of ha.filter((x) => x.role === 'server')) expect(k3sArgs(vlans, n, ha).join(' ')).toContain(`--tls-san ${vip}`);
    expect(k3sArgs(vlans, ha[0], ha)).not.toContain('--server');
  });
  it('a single server: joins go to it, no VIP', () => {
    expect(joinAddress(vlans, single)).toBe('192.168.200.1');
    expect(k3sArgs(vlans, single[0], single).join(' ')).not.toContain('250');
  });
  it('keepalived: VIP on the cluster VLAN interface, first server highest priority, no preemption, API health tracked', () => {
    const c = keepalivedConf(vlans, { node: 'n100-1', index: 1, password: 'abcd1234' });
    expect(c).toContain('interface eth1.200');
    expect(c).toContain('192.168.200.250/24 dev eth1.200');
    expect(c).toContain('priority 254');
    expect(c).toContain('nopreempt');
    expect(c).toMatch(/track_script \{\s+k3s_api/);
    expect(c).toContain('script "/usr/bin/curl -skf --max-time 2 -o /dev/null https://127.0.0.1:6443/ping"');
    expect(keepalivedConf(vlans, { node: 'n100-1', index: 1, password: 'abcd1234', healthPort: 9345 })).toContain('https://127.0.0.1:9345/ping"');
    expect(keepalivedConf(vlans, { node: 'n100-2', index: 2, password: 'abcd1234' })).toContain('priority 234');
    expect(c).toContain('weight -200');
    expect(() => keepalivedConf(vlans, { node: 'x', index: 1, password: 'too-long-pass' })).toThrow();
  });
  it('VRRP priorities: 20 apart (backups part by 0.7 s of skew under 9 s adverts), every healthy server above every failing one, up to node index 10', () => {
    const p = Array.from({ length: 10 }, (_, i) => vrrpPriority(i + 1));
    expect(p.slice(0, 3)).toEqual([254, 234, 214]);
    for (let i = 1; i < p.length; i++) expect(p[i - 1] - p[i]).toBe(20);
    const skewS = (prio: number, advert: number) => ((256 - prio) / 256) * advert;
    expect(skewS(p[2], 9) - skewS(p[1], 9)).toBeGreaterThan(0.5);
    expect(Math.max(1, p[0] + VRRP_PROBE_WEIGHT)).toBeLessThan(Math.min(...p));
    expect(() => vrrpPriority(11)).toThrow();
    expect(() => vrrpPriority(0)).toThrow();
  });
  it('keepalived timing: KVM probes /ping every 2 s (curl 2 s, killed at 3 s) with 1 s adverts; TCG (factor 9) every 18 s with 9 s adverts', () => {
    expect(keepalivedTiming(1)).toEqual({ probe: 2, probeKill: 3, advert: 1 });
    expect(keepalivedTiming(9)).toEqual({ probe: 18, probeKill: 19, advert: 9 });
    expect(keepalivedTiming(1000).advert).toBe(255); // VRRPv2's largest advert interval
    const tcg = keepalivedConf(vlans, { node: 'n100-1', index: 1, password: 'abcd1234', timeFactor: 9 });
    expect(tcg).toContain('--max-time 18 ');
    expect(tcg).toMatch(/interval 18\n\s+timeout 19\n/);
    expect(tcg).toContain('advert_int 9');
    expect(keepalivedConf(vlans, { node: 'n100-1', index: 1, password: 'abcd1234' })).toMatch(/interval 2\n\s+timeout 3\n[^]*advert_int 1\n/);
    expect(() => keepalivedTiming(0.5)).toThrow();
  });
});
