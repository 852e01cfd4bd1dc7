import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { chooseBackend } from '../network/backend.js';
import type { NetworkProfile } from '../network/profile.js';
import { Cluster, emulatedNote, imageCounts, macFor, normalizeNodes } from './cluster.js';

describe('normalizeNodes', () => {
  it('defaults to three n100 nodes', () => {
    expect(normalizeNodes(undefined).map((n) => n.name)).toEqual(['n100-1', 'n100-2', 'n100-3']);
    expect(normalizeNodes(2).map((n) => n.name)).toEqual(['n100-1', 'n100-2']);
  });
  it.each([
    [['a', 'a'], /duplicate node name 'a'/],
    [['Bad_Name'], /not a valid hostname/],
    [[], /no nodes/],
  ] as [string[], RegExp][])('rejects %j', (nodes, re) => {
    expect(() => normalizeNodes(nodes)).toThrow(ConfigError);
    expect(() => normalizeNodes(nodes)).toThrow(re);
  });
});

describe('mixed-architecture node lists', () => {
  it('takes names and specs with an arch in one list; a wrong arch is a ConfigError', () => {
    const nodes = normalizeNodes(['n100-1', 'n100-2', 'n100-3', { name: 'jetson-1', arch: 'aarch64' }]);
    expect(nodes.map((n) => n.arch ?? 'x86_64')).toEqual(['x86_64', 'x86_64', 'x86_64', 'aarch64']);
    expect(() => normalizeNodes([{ name: 'j', arch: 'riscv64' as never }])).toThrow(ConfigError);
    expect(() => normalizeNodes([{ name: 'j', arch: 'arm64' as never }])).toThrow(/use 'aarch64'/);
  });
  it('the first log line names the emulated machines', () => {
    const nodes = normalizeNodes(['n100-1', { name: 'jetson-1', arch: 'aarch64' }]);
    expect(emulatedNote(nodes, 'x86_64')).toBe('emulated: jetson-1 (aarch64)');
    expect(emulatedNote(nodes, 'aarch64')).toBe('emulated: n100-1 (x86_64)');
    expect(emulatedNote(normalizeNodes(2), 'x86_64')).toBe('emulated: none');
  });
  it('the first log line counts the machines of each image', () => {
    expect(imageCounts(['debian-a', 'debian-a', 'debian-aarch64-b', 'debian-a'])).toBe('3 × debian-a + 1 × debian-aarch64-b');
    expect(imageCounts(['debian-a', 'debian-a'])).toBe('2 × debian-a');
  });
});

describe('macFor', () => {
  it('is locally administered, unicast and unique per node and NIC', () => {
    const macs = new Set<string>();
    for (let n = 1; n <= 5; n++) for (let j = 1; j <= 2; j++) macs.add(macFor('a1b2', n, j));
    expect(macs.size).toBe(10);
    expect(macFor('a1b2', 1, 2)).toBe('52:54:a1:b2:01:02');
  });
});

describe('chooseBackend', () => {
  it('picks bridge as root, vde otherwise, and honours N3X_NET', () => {
    expect(chooseBackend(undefined, {}, true).kind).toBe('bridge');
    expect(chooseBackend(undefined, {}, false).kind).toBe('vde');
    expect(chooseBackend(undefined, { N3X_NET: 'vde' }, true).kind).toBe('vde');
    expect(chooseBackend('bridge', { N3X_NET: 'vde' }, true).kind).toBe('bridge');
    expect(() => chooseBackend('ovs', {}, true)).toThrow(/bridge' or 'vde/);
  });
});

describe('Cluster.create', () => {
  it('refuses 802.3ad over a segment of more than two ports before any image or VM', async () => {
    const profile: NetworkProfile = {
      name: 'lacp', description: '', segments: ['a', 'b'], nics: ['a', 'b'],
      bond: { name: 'bond0', mode: '802.3ad', miimonMs: 100, slaves: ['eth1', 'eth2'] },
      networks: { cluster: { parent: 'bond0', prefix: '192.168.1' } },
    };
    await expect(Cluster.create({ profile, nodes: 3 })).rejects.toThrow(ConfigError);
    await expect(Cluster.create({ profile, nodes: 3 })).rejects.toThrow(/802\.3ad over segment 'a' of 3 ports/);
  });
});
