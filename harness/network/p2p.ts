/**
 * A point-to-point link between two TAPs (bridge backend): every frame entering one TAP from its QEMU leaves through
 * the other, slow-protocol frames (LACPDUs) included, which a Linux bridge would drop. Built from a tc ingress qdisc
 * and a u32 match-all filter with a mirred redirect on each TAP (this host has u32 and mirred, not matchall).
 */
import { execa } from 'execa';
import { InfraError } from '../errors.js';

/** The tc commands (argv) that redirect everything arriving on `from` out of `to`; idempotent (replace). */
export function redirectArgs(from: string, to: string): string[][] {
  return [
    ['qdisc', 'replace', 'dev', from, 'ingress'],
    ['filter', 'replace', 'dev', from, 'parent', 'ffff:', 'protocol', 'all', 'pref', '1', 'handle', '800::1', 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'egress', 'redirect', 'dev', to],
  ];
}

/** The argv lists that join two TAPs both ways. */
export function linkArgs(a: string, b: string): string[][] {
  return [...redirectArgs(a, b), ...redirectArgs(b, a)];
}

/**
 * Joins `a` and `b` both ways (again after either TAP was recreated: a redirect names its target by ifindex, so a
 * restarted QEMU's new TAP needs both directions installed anew).
 */
export async function linkTaps(a: string, b: string): Promise<void> {
  for (const args of linkArgs(a, b)) {
    const r = await execa('tc', args, { reject: false });
    if (r.exitCode !== 0) {
      throw new InfraError(`tc ${args.join(' ')} failed: ${r.stderr.trim()}`, { hint: 'a point-to-point segment needs tc with the u32 classifier and the mirred action (CONFIG_NET_CLS_U32, CONFIG_NET_ACT_MIRRED), and root' });
    }
  }
}
