/**
 * The fixed registration address of an HA k3s cluster: a virtual IP on the cluster network held by keepalived
 * (VRRP) on the servers, one of k3s's documented options (docs.k3s.io, "Cluster Load Balancer": a DNS name, a
 * load balancer or a virtual IP). Joining servers and agents register through it, and it moves to a live server
 * when the one holding it dies, so a node can still join after the first server is lost. Pure; unit-tested.
 */
import { ifaceOf, type NetworkProfile } from '../network/profile.js';
import { K3S_API_PORT, registrationVip } from './config.js';

/** The Debian package the servers' image carries for it (a derived image: `packages`). */
export const VIP_PACKAGE = 'keepalived';
/** VRRP router id (1-255) of the k3s VIP: one per cluster network, which is one per cluster. */
export const VRRP_ROUTER_ID = 63;
/** The most servers keepalivedConf spaces priorities for (1 node index apart = 20 priority points). */
export const VRRP_MAX_SERVER_INDEX = 10;

/**
 * A server's VRRP priority: 254 for node 1, 20 lower per index (74 at index 10). When the holder dies every backup
 * waits 3 adverts plus a skew of (256 − priority)/256 adverts, so 20 points part two backups by 0.08 advert
 * intervals (0.7 s under TCG's 9 s adverts): 1 point (0.035 s) is less than a starved guest's jitter, and two
 * survivors would both take the VIP for a moment. A failing /ping takes 200 off: below every healthy server.
 */
export function vrrpPriority(index: number): number {
  if (!Number.isInteger(index) || index < 1 || index > VRRP_MAX_SERVER_INDEX) throw new Error(`VRRP priority for node index ${index}: 1-${VRRP_MAX_SERVER_INDEX}`);
  return 254 - 20 * (index - 1);
}
/** What a failing /ping takes off a server's priority (keepalived clamps at 1). */
export const VRRP_PROBE_WEIGHT = -200;

/** The VIP (config.ts's registrationVip: host number 250 on the cluster network). */
export const registrationAddress = registrationVip;

/**
 * keepalived's timing for an accelerator's time factor (budget.ts's k3sTimeFactor: 1 under KVM, 9 under TCG): the
 * /ping probe's curl deadline and interval (2 s under KVM), keepalived's kill deadline for it one second later (so
 * curl's own timeout reports first), and the VRRP advert interval (1 s under KVM; a backup takes the VIP after about
 * 3 missed adverts). All scale with the factor, as the k3s waits do: under TCG a probe's curl start and TLS handshake
 * alone took 0.5 s in an idle guest (measured, notes of issue 24), and a guest starved for a few seconds by 3 others
 * on 2 host cores misses 1 s adverts — either flaps the VIP between live servers, with real k3s as with the stand-in.
 */
export function keepalivedTiming(factor = 1): { probe: number; probeKill: number; advert: number } {
  if (!Number.isFinite(factor) || factor < 1) throw new Error(`keepalived time factor ${factor}: a number >= 1`);
  const probe = Math.ceil(2 * factor);
  return { probe, probeKill: probe + 1, advert: Math.min(255, Math.ceil(factor)) };
}

/**
 * keepalived.conf for one server. Every server starts as BACKUP with nopreempt (the VIP stays where it is when
 * a crashed server comes back); priority falls with start order, so the first server takes it first. The VIP is
 * held only while the local API answers /ping (k3s's unauthenticated health path): a server whose k3s is down
 * drops below every healthy one. Timing from `timeFactor` (keepalivedTiming).
 */
export function keepalivedConf(p: NetworkProfile, o: { node: string; index: number; password: string; healthPort?: number; timeFactor?: number }): string {
  if (!/^[A-Za-z0-9]{1,8}$/.test(o.password)) throw new Error('VRRP password: 1-8 alphanumeric characters');
  const iface = ifaceOf(p, 'cluster');
  const t = keepalivedTiming(o.timeFactor);
  return [
    'global_defs {', `  router_id ${o.node}`, '  script_user root', '  enable_script_security', '}',
    'vrrp_script k3s_api {',
    `  script "/usr/bin/curl -skf --max-time ${t.probe} -o /dev/null https://127.0.0.1:${o.healthPort ?? K3S_API_PORT}/ping"`,
    `  interval ${t.probe}`, `  timeout ${t.probeKill}`, '  fall 2', '  rise 1', `  weight ${VRRP_PROBE_WEIGHT}`, '}',
    'vrrp_instance k3s {', '  state BACKUP', '  nopreempt', `  interface ${iface}`, `  virtual_router_id ${VRRP_ROUTER_ID}`,
    `  priority ${vrrpPriority(o.index)}`, `  advert_int ${t.advert}`,
    '  authentication {', '    auth_type PASS', `    auth_pass ${o.password}`, '  }',
    '  virtual_ipaddress {', `    ${registrationAddress(p)}/24 dev ${iface}`, '  }',
    '  track_script {', '    k3s_api', '  }', '}', '',
  ].join('\n');
}
