import { describe, expect, it } from 'vitest';
import { useCluster } from '../harness/vitest.js';

describe.sequential('web server over VLAN 200', () => {
  // 3 nodes on the 802.1Q profile; restored from the cached 'booted' snapshot after the first run.
  const h = useCluster({ profile: 'vlans', nodes: 3, snapshot: 'booted' });
  const url = () => `http://${h.cluster.address('n100-1')}:8080/`; // 192.168.200.1 on eth1.200

  it('n100-1 serves a page that n100-2 fetches over the cluster VLAN', async () => {
    const web = h.m('n100-1');
    await web.succeed('mkdir -p /srv/www && echo hello-from-n100-1 > /srv/www/index.html');
    await web.succeed('systemd-run --unit=web busybox httpd -f -p 8080 -h /srv/www');
    await web.waitForUnit('web.service');
    await web.waitForOpenPort(8080);
    expect(await h.m('n100-2').succeed(`curl -fsS --max-time 5 ${url()}`)).toBe('hello-from-n100-1\n');
  });

  it('a cut link stops the fetch; restoring it brings the page back', async () => {
    await h.m('n100-1').block(); // every data NIC of n100-1 down (QMP set_link)
    await h.m('n100-2').fail(`curl -fsS --max-time 3 ${url()}`);
    await h.m('n100-1').unblock();
    await h.m('n100-2').waitUntilSucceeds(`curl -fsS --max-time 3 ${url()}`, { timeout: 60 });
  });

  it('netem on n100-2 delays every fetch', async () => {
    const client = h.m('n100-2');
    await client.netem(h.cluster.iface(), { delayMs: 300 }); // eth1.200; reset after each test by useCluster
    const seconds = Number(await client.succeed(`curl -fsS -o /dev/null -w '%{time_total}' ${url()}`));
    expect(seconds).toBeGreaterThan(0.3);
  });
});
