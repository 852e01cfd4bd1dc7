import { describe, expect, it } from 'vitest';
import { linkArgs } from './p2p.js';

describe('point-to-point link between two TAPs', () => {
  it('redirects everything entering each TAP out of the other, replacing what a previous TAP left', () => {
    expect(linkArgs('tA', 'tB').map((a) => a.join(' '))).toEqual([
      'qdisc replace dev tA ingress',
      'filter replace dev tA parent ffff: protocol all pref 1 handle 800::1 u32 match u32 0 0 action mirred egress redirect dev tB',
      'qdisc replace dev tB ingress',
      'filter replace dev tB parent ffff: protocol all pref 1 handle 800::1 u32 match u32 0 0 action mirred egress redirect dev tA',
    ]);
  });
});
