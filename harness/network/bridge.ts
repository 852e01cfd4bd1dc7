/**
 * Bridge backend: one Linux bridge per segment, one TAP per guest NIC. Needs root/CAP_NET_ADMIN.
 * Bridges never get a host IP (IPv6 disabled, no addresses) and skip host iptables, so guest traffic stays
 * on the segment. QEMU creates each TAP itself (non-persistent), so a dead QEMU leaves no TAP behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { InfraError } from '../errors.js';
import { bridgePortCommands } from './fabric.js';
import type { PortVlans } from './nodenet.js';

async function ip(...args: string[]): Promise<void> {
  const r = await execa('ip', args, { reject: false });
  if (r.exitCode !== 0) {
    throw new InfraError(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`, {
      hint: 'the bridge backend needs root or CAP_NET_ADMIN; use N3X_NET=vde for rootless runs',
    });
  }
}

function noIpv6(dev: string): void {
  try {
    writeFileSync(`/proc/sys/net/ipv6/conf/${dev}/disable_ipv6`, '1');
  } catch {
    /* IPv6 absent on host: nothing to disable */
  }
}

/**
 * The alias every n3x link carries: the state dir of the cluster that made it, so that `n3x stop --all` and the
 * reaper find a link that outlived its records, and never touch a link of another state root.
 */
export const linkOwnerTag = (stateDir: string) => `n3x:${stateDir}`;

/** Creates a bridge tagged with its cluster's state dir (see linkOwnerTag); `vlanFiltering` makes it a VLAN-aware switch. */
export async function createBridge(name: string, stateDir: string, opts: { vlanFiltering?: boolean } = {}): Promise<void> {
  await ip('link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0', ...(opts.vlanFiltering ? ['vlan_filtering', '1'] : []));
  await ip('link', 'set', name, 'alias', linkOwnerTag(stateDir));
  noIpv6(name);
  // Bridged frames must not traverse host iptables (a DROP policy there would cut the segment).
  await execa('ip', ['link', 'set', name, 'type', 'bridge', 'nf_call_iptables', '0', 'nf_call_ip6tables', '0', 'nf_call_arptables', '0'], { reject: false });
  await ip('link', 'set', name, 'up');
}

/** Tags a TAP that QEMU created (see linkOwnerTag) and brings it up, on no bridge (a point-to-point link). */
export async function tapUp(tap: string, stateDir: string): Promise<void> {
  noIpv6(tap);
  await ip('link', 'set', tap, 'alias', linkOwnerTag(stateDir), 'up');
}

/** Attaches a TAP that QEMU created to a bridge and brings it up. */
export async function attachTap(tap: string, bridge: string, stateDir: string): Promise<void> {
  noIpv6(tap);
  await ip('link', 'set', tap, 'alias', linkOwnerTag(stateDir), 'master', bridge, 'up');
}

/** Keeps a TAP on a vlan_filtering bridge to its port's VLANs. */
export async function bridgeVlanFilter(tap: string, v: PortVlans): Promise<void> {
  for (const [cmd, ...args] of bridgePortCommands(tap, v)) {
    const r = await execa(cmd, args, { reject: false });
    if (r.exitCode !== 0) throw new InfraError(`${cmd} ${args.join(' ')} failed: ${r.stderr.trim()}`, { hint: 'the bridge backend needs root and a kernel with bridge VLAN filtering; use N3X_NET=vde' });
  }
}

export async function deleteLink(name: string): Promise<void> {
  await execa('ip', ['link', 'del', name], { reject: false });
}

/** Synchronous delete for exit handlers. */
export function deleteLinkSync(name: string): void {
  try {
    execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
}

/** Host links whose name starts with n3x, with their alias ('' when none). */
export function n3xLinks(): { name: string; alias: string }[] {
  if (!existsSync('/sys/class/net')) return [];
  return readdirSync('/sys/class/net')
    .filter((n) => n.startsWith('n3x'))
    .map((name) => {
      let alias = '';
      try {
        alias = readFileSync(`/sys/class/net/${name}/ifalias`, 'utf8').trim();
      } catch {
        /* gone meanwhile */
      }
      return { name, alias };
    });
}
