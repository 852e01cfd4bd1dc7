/** `--nodes` of `n3x repl`: a count, or names each with the VLANs it sits on (nixosTest's virtualisation.vlans). Pure. */
import { ConfigError } from '../errors.js';
import type { NodeSpec } from '../cluster/spec.js';

/** '3' → 3; 'a,b' → names; 'client:1,router:2+1,server:2' → nodes with their VLANs (one NIC each, in order). */
export function parseNodeList(s: string): number | (string | NodeSpec)[] {
  if (/^\d+$/.test(s)) return Number(s);
  return s.split(',').map((item) => {
    const [name, vlans, ...rest] = item.split(':');
    if (vlans === undefined) return name;
    if (rest.length || !/^\d+(\+\d+)*$/.test(vlans)) throw new ConfigError('--nodes', `'${item}' is not name or name:vlan[+vlan…]`, 'write e.g. client:1,router:2+1,server:2');
    return { name, vlans: vlans.split('+').map(Number) };
  });
}
