import { describe, expect, it } from 'vitest';
import { resolvedAddresses } from './dns.js';

describe('resolvedAddresses: the answer of busybox nslookup, not its server line', () => {
  it('reads the addresses after Name:', () => {
    const out = 'Server:\t\t10.43.0.10\nAddress:\t10.43.0.10:53\n\nName:\tkubernetes.default.svc.cluster.local\nAddress: 10.43.0.1\n\n';
    expect(resolvedAddresses(out)).toEqual(['10.43.0.1']);
  });
  it('NXDOMAIN (busybox may still exit 0) resolves nothing, though "Address" appears', () => {
    const out = "Server:\t\t10.43.0.10\nAddress:\t10.43.0.10:53\n\n** server can't find kubernetes.default.svc.cluster.local: NXDOMAIN\n";
    expect(out).toMatch(/Address/);
    expect(resolvedAddresses(out)).toEqual([]);
  });
});
