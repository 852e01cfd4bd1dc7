import { describe, expect, it } from 'vitest';
import { parseNodeList } from './nodelist.js';

describe('--nodes', () => {
  it('a count, names, or names with the VLANs each sits on', () => {
    expect(parseNodeList('3')).toBe(3);
    expect(parseNodeList('a,b')).toEqual(['a', 'b']);
    expect(parseNodeList('client:1,router:2+1,server')).toEqual([{ name: 'client', vlans: [1] }, { name: 'router', vlans: [2, 1] }, 'server']);
  });
  it('rejects a malformed entry, saying how to write one', () => {
    expect(() => parseNodeList('router:2,1x:')).toThrow(/'1x:' is not name or name:vlan\[\+vlan…\].*client:1,router:2\+1/s);
    expect(() => parseNodeList('r:2:3')).toThrow(/not name or name:vlan/);
  });
});
