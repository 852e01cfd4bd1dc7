/**
 * Port of nixpkgs nixos/tests/keepalived.nix at revision 13b49da87407182a241eb770aaad31b6eb0c3aa9 (VRRP failover),
 * its test script step by step in order.
 *
 * NixOS config → n3x node specs:
 * - node1, node2 on one flat network (eth1)        → profile 'simple' (eth1, 192.168.1.x/24), nodes node1, node2
 * - services.keepalived.enable                     → packages ['keepalived'] (Debian's keepalived)
 * - services.keepalived.vrrpInstances.test         → files /etc/keepalived/keepalived.conf (vrrp_instance test:
 *   { interface eth1; state MASTER; priority 50|100;   eth1, MASTER, priority 50 on node1 and 100 on node2,
 *     virtualIps 192.168.1.200; virtualRouterId 1 }    VIP 192.168.1.200, virtual_router_id 1)
 * - the NixOS keepalived.service (reloadIfChanged)  → unitFiles keepalived.service (ExecReload: SIGHUP), enabled
 *   and started; it shadows the Debian unit, as NixOS defines its own
 * - openFirewall                                   → nothing (the n3x guest has no firewall)
 * - environment.systemPackages = [ pkgs.tcpdump ]  → left out (the script never calls it)
 * - keepalived-boot-delay.timer (NixOS only)       → the wait for it becomes the wait for keepalived itself
 * - specialisation config-reload (VIP .201) and switch-to-configuration test (which reloads keepalived)
 *                                                  → write the .201 config, `systemctl reload keepalived`
 * - specialisation config-restart (snmp.enable, VIP .202: the unit changes, so keepalived restarts)
 *                                                  → write the .202 config, `systemctl restart keepalived`
 *   (SNMP itself is left out: it needs an snmpd master agent the script never talks to)
 * - the reload and restart steps grep the journal for the lines `systemctl reload|restart` itself makes, as the
 *   original does; they also check the effect: the new VIP appears on eth1, and keepalived's main PID (systemd's
 *   MainPID) is the same after the reload (SIGHUP, the process re-read its configuration) and a new one after
 *   the restart. Debian's keepalived 2.2.7 also logs lines of its own starting with "Stopped" when it exits, so
 *   the counts grep `systemd[1]: <word>`
 */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../harness/index.js';
import { useCluster } from '../../harness/vitest.js';

const conf = (priority: number, vip: string) =>
  `vrrp_instance test {\n  interface eth1\n  state MASTER\n  priority ${priority}\n  virtual_router_id 1\n  virtual_ipaddress {\n    ${vip}\n  }\n}\n`;
const unit = `[Unit]
Description=Keepalive Daemon (LVS and VRRP)
After=network-online.target
[Service]
Type=simple
ExecStart=/usr/sbin/keepalived --dont-fork --use-file=/etc/keepalived/keepalived.conf
ExecReload=/bin/kill -HUP $MAINPID
KillMode=process
[Install]
WantedBy=multi-user.target
`;
const node = (name: string, priority: number) => ({
  name,
  packages: ['keepalived'],
  files: { '/etc/keepalived/keepalived.conf': { text: conf(priority, '192.168.1.200') } },
  unitFiles: { 'keepalived.service': { text: unit, enable: true, start: true } },
});

describe.sequential('nixpkgs keepalived', () => {
  const h = useCluster({ profile: 'simple', nodes: [node('node1', 50), node('node2', 100)] });
  /** keepalived's main process as systemd tracks it (0: none). */
  const mainPid = async (m: Machine) => Number(await m.getUnitProperty('keepalived.service', 'MainPID'));
  const vip = (ip: string) => `ip -o addr show dev eth1 | grep -cF ' ${ip}/'`; // -c, not -q: no SIGPIPE under pipefail

  it('node2 (priority 100) holds the VIP, node1 reaches it', async () => {
    const [node1, node2] = [h.m('node1'), h.m('node2')];
    // wait for boot time delay to pass (NixOS's keepalived-boot-delay.timer; here: keepalived itself)
    for (const n of [node1, node2]) await n.waitForUnit('keepalived');
    await node2.waitUntilSucceeds(vip('192.168.1.200'));
    await node1.fail(vip('192.168.1.200'));
    await node1.succeed('ping -c1 192.168.1.200');
  });

  it('failover', async () => {
    const [node1, node2] = [h.m('node1'), h.m('node2')];
    await node2.block();
    await node1.waitUntilSucceeds(vip('192.168.1.200'));
    await node2.unblock();
    await node1.waitUntilFails(vip('192.168.1.200'));
  });

  it('reload config: the new VIP appears, the same keepalived process (by PID) holds it', async () => {
    const node1 = h.m('node1');
    await node1.fail(vip('192.168.1.201'));
    const pid = await mainPid(node1);
    await node1.succeed(`printf %s '${conf(50, '192.168.1.201')}' > /etc/keepalived/keepalived.conf`, 'systemctl reload keepalived >&2');
    await node1.waitUntilSucceeds(vip('192.168.1.201'));
    expect(await mainPid(node1)).toBe(pid);
    // grep -c reads to the end: `grep -q` would SIGPIPE journalctl, and under pipefail a match would read as 141.
    await node1.succeed('test "$(journalctl -u keepalived | grep -c Stopped)" = 0');
    await node1.succeed('journalctl -u keepalived | grep -c Reloaded');
  });

  it('restart config: the new VIP appears, held by a new keepalived process (another PID)', async () => {
    const node1 = h.m('node1');
    await node1.fail(vip('192.168.1.202'));
    const pid = await mainPid(node1);
    await node1.succeed(`printf %s '${conf(50, '192.168.1.202')}' > /etc/keepalived/keepalived.conf`, 'systemctl restart keepalived >&2');
    await node1.waitUntilSucceeds(vip('192.168.1.202'));
    const after = await mainPid(node1);
    expect(after).not.toBe(pid);
    expect(after).toBeGreaterThan(0);
    await node1.succeed("[ $(journalctl -b -u keepalived | grep -c 'systemd\\[1\\]: Reloaded') == 1 ]");
    await node1.succeed("[ $(journalctl -b -u keepalived | grep -c 'systemd\\[1\\]: Stopped') == 1 ]");
    await node1.succeed("[ $(journalctl -b -u keepalived | grep -c 'systemd\\[1\\]: Started') == 2 ]");
  });
});
