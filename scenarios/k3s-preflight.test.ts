/**
 * k3s-preflight: runs here, without k3s. On every profile, a node prepared by the production prepare script
 * (modules, sysctls, default route, token file) has everything k3s needs of it (harness/k3s/preflight.ts),
 * on a root disk grown to the k3s size; a missing item is reported by name.
 */
import { describe, expect, it } from 'vitest';
import { k3sPrepareScript, K3S_TOKEN_FILE, parsePreflight, preflightScript, profileName } from '../harness/index.js';
import { useCluster } from '../harness/vitest.js';
import { K3S_ROOT_DISK_GIB } from './lib/k3s.js';

const profiles = (process.env.N3X_PREFLIGHT_PROFILES ?? 'simple,vlans,bonding-vlans').split(',').map(profileName);

describe.each(profiles)('k3s-preflight on %s (no k3s needed)', (profile) => {
  describe.sequential('one node', () => {
    const h = useCluster({ profile, nodes: [{ name: 'n100-1', memoryMiB: 1024 }], rootDiskGiB: K3S_ROOT_DISK_GIB, snapshot: 'booted', units: ['n3x-k3s-route.service', 'n3x-growroot.service'] });

    it('the root filesystem fills the sparse root disk', async () => {
      const kib = Number((await h.m('n100-1').succeed("df -k --output=size / | tail -n 1")).trim());
      expect(kib / 2 ** 20).toBeGreaterThan(K3S_ROOT_DISK_GIB * 0.9);
    });

    it('after the prepare script, every item k3s needs is present', async ({ signal }) => {
      const m = h.m('n100-1');
      await m.succeed(k3sPrepareScript(h.cluster.profile, 'preflight0123456789abcdef'));
      expect(await m.succeed(`stat -c %a ${K3S_TOKEN_FILE}`)).toBe('600\n');
      signal.throwIfAborted();
      const r = parsePreflight(await m.succeed(preflightScript()));
      expect(r.missing).toEqual([]);
      expect((await m.succeed('ip -4 route show default')).trim()).toBe(`default via ${h.cluster.profile.networks.cluster.prefix}.254 dev ${h.cluster.iface()}`);
    });

    it('a missing item is reported by name (ip_forward switched off, then back on)', async () => {
      const m = h.m('n100-1');
      await m.succeed('sysctl -q -w net.ipv4.ip_forward=0');
      try {
        expect(parsePreflight(await m.succeed(preflightScript())).missing).toEqual(['sysctl:ip_forward: is 0, needs 1']);
      } finally {
        await m.succeed('sysctl -q -w net.ipv4.ip_forward=1');
      }
    });

    it('the guest toolbox is there: curl, wget (Debian), jq, tcpdump, socat, openssl, iptables, conntrack, iscsiadm, mount.nfs, cryptsetup', async () => {
      const m = h.m('n100-1');
      await m.succeed('for t in curl wget jq tcpdump socat openssl iptables conntrack iscsiadm mount.nfs cryptsetup; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 1; }; done');
      expect(await m.succeed('wget --version | sed -n 1p')).toMatch(/^GNU Wget/);
      expect(await m.succeed("echo '{\"a\":[1,2]}' | jq -c .a")).toBe('[1,2]\n');
      await m.succeed('test -s /etc/ssl/certs/ca-certificates.crt');
    });
  });
});
