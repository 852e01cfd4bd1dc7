/** Reading busybox `nslookup` output (pure; unit-tested). */

/**
 * The addresses busybox nslookup resolved a name to: the `Address:` lines after the `Name:` line. The lines
 * before it name the DNS server (`Server:` / `Address: 10.43.0.10:53`), which busybox prints even when the
 * answer is NXDOMAIN (and then exits 0 on some versions), so any "Address" in the output proves nothing.
 */
export function resolvedAddresses(out: string): string[] {
  const lines = out.split('\n').map((l) => l.trim());
  const at = lines.findIndex((l) => /^Name:\s/.test(l));
  if (at < 0) return [];
  return lines.slice(at + 1).map((l) => /^Address(?: \d+)?:\s+([0-9a-fA-F.:]+)$/.exec(l)?.[1]).filter((a): a is string => !!a);
}
