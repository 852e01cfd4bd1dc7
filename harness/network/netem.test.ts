import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { clearNetemCommand, netemCommand, validateNetem } from './netem.js';
import { netemProfiles } from '../../profiles/netem.js';

describe('netemCommand', () => {
  it('builds tc for the seed profiles', () => {
    expect(netemCommand('eth1.200', netemProfiles.latency)).toBe('tc qdisc replace dev eth1.200 root netem delay 50ms 10ms distribution normal limit 10000');
    expect(netemCommand('eth1', netemProfiles.loss)).toBe('tc qdisc replace dev eth1 root netem loss 5%');
    expect(netemCommand('eth1', netemProfiles.bandwidth)).toBe('tc qdisc replace dev eth1 root netem rate 10mbit limit 10000');
    expect(netemCommand('bond0.200', netemProfiles.edge)).toBe('tc qdisc replace dev bond0.200 root netem delay 50ms 10ms distribution normal loss 5% rate 10mbit limit 10000');
  });
  it('clears idempotently', () => {
    expect(clearNetemCommand('eth1')).toBe('tc qdisc del dev eth1 root 2>/dev/null || true');
  });
});

describe('validateNetem: bad input gets one line naming the field and the fix', () => {
  it.each([
    [{ lossPct: 140 }, 'netem.lossPct'],
    [{ lossPct: -1 }, 'netem.lossPct'],
    [{ delayMs: Number.NaN }, 'netem.delayMs'],
    [{ rateMbit: 0 }, 'netem.rateMbit'],
    [{ jitterMs: 5 }, 'netem.jitterMs'],
    [{}, 'netem'],
  ])('%j → %s', (spec, field) => {
    let err: unknown;
    try {
      validateNetem(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe(field);
    expect((err as Error).message).toMatch(/fix: /);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });
  it('rejects interface names that could smuggle shell', () => {
    expect(() => netemCommand('eth1; reboot', { delayMs: 1 })).toThrow(ConfigError);
  });
  it('refuses interface names that are not one shell word', () => {
    expect(() => clearNetemCommand('eth1; reboot')).toThrow(/invalid interface name/);
    expect(() => netemCommand('-x', { delayMs: 1 })).toThrow(/invalid interface name/);
    expect(clearNetemCommand('bond0.200')).toContain('dev bond0.200 root');
  });
});
