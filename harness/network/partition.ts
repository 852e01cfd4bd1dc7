/** Partitions between groups of machines, enforced in the guests: ingress drop of frames from the other side's MACs. */

/** Commands that make a machine drop every frame arriving from any of `peerMacs` on its data NICs. */
export function partitionCommand(nics: string[], peerMacs: string[]): string {
  const lines = nics.flatMap((n) => [
    `tc qdisc del dev ${n} ingress 2>/dev/null || true`,
    `tc qdisc add dev ${n} ingress`,
    ...peerMacs.map((m) => `tc filter add dev ${n} parent ffff: protocol all prio 1 flower src_mac ${m} action drop`),
  ]);
  return lines.join(' && ');
}

/** Commands that remove the partition filters again. */
export function healCommand(nics: string[]): string {
  return nics.map((n) => `{ tc qdisc del dev ${n} ingress 2>/dev/null || true; }`).join('; ');
}
