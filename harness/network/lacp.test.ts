import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { getProfile } from '../../profiles/index.js';
import { lacpSegments, pointToPointSegments } from './lacp.js';
import type { NetworkProfile } from './profile.js';

/** nixosTest's Bond test: eth1 and eth2 on two segments, bond0 802.3ad over both. */
const bond = (over: Partial<NetworkProfile> = {}): NetworkProfile => ({
  name: 'lacp', description: '', segments: ['a', 'b'], nics: ['a', 'b'],
  bond: { name: 'bond0', mode: '802.3ad', miimonMs: 100, lacpRate: 'fast', slaves: ['eth1', 'eth2'] },
  networks: { cluster: { parent: 'bond0', prefix: '192.168.1' } },
  ...over,
});

describe('802.3ad segments', () => {
  it('two nodes, two segments: both segments become point-to-point links', () => {
    expect([...pointToPointSegments(bond(), ['n1', 'n2'])]).toEqual(['a', 'b']);
  });

  it('other bond modes and unbonded profiles keep their bridges and hubs', () => {
    expect(lacpSegments(getProfile('bonding-vlans')).size).toBe(0);
    expect(pointToPointSegments(getProfile('bonding-vlans'), ['n1', 'n2', 'n3']).size).toBe(0);
    expect(pointToPointSegments(getProfile('simple'), ['n1', 'n2', 'n3']).size).toBe(0);
  });

  it('a segment of more than two ports is refused with the reason: no LACP partner without a switch that speaks it', () => {
    const f = () => pointToPointSegments(bond(), ['n1', 'n2', 'n3']);
    expect(f).toThrow(ConfigError);
    expect(f).toThrow(/802\.3ad over segment 'a' of 3 ports \(n1, n2, n3\).*switch that speaks LACP/);
    expect(f).toThrow(/active-backup/);
    const trunk = bond({ segments: ['trunk'], nics: ['trunk', 'trunk'] });
    expect(() => pointToPointSegments(trunk, ['n1', 'n2'])).toThrow(/segment 'trunk' of 4 ports/);
  });

  it("a segment whose two ports are one node's is refused: its partner would be itself", () => {
    const trunk = bond({ segments: ['trunk'], nics: ['trunk', 'trunk'] });
    expect(() => pointToPointSegments(trunk, ['solo'])).toThrow(/both solo's: its partner would be itself/);
    expect(() => pointToPointSegments(bond(), ['solo'])).toThrow(/of 1 ports/);
  });
});
