/**
 * What k3s needs of a node, checked in the guest: cgroup v2 with the cpu, cpuset, memory and pids controllers;
 * the overlay, br_netfilter, vxlan and nf_conntrack modules; a working iptables; bridge-nf-call-iptables and
 * ip_forward on; a default route; /dev/kmsg. The script prints one line per item; parsePreflight reads them.
 */

export const PREFLIGHT_ITEMS = [
  'cgroup2', 'cgroup:cpu', 'cgroup:cpuset', 'cgroup:memory', 'cgroup:pids',
  'module:overlay', 'module:br_netfilter', 'module:vxlan', 'module:nf_conntrack',
  'iptables', 'sysctl:bridge-nf-call-iptables', 'sysctl:ip_forward', 'default-route', 'dev:kmsg',
] as const;

/**
 * Guest script: `n3x-preflight ok ITEM` or `n3x-preflight missing ITEM DETAIL` per item; always exits 0, also under
 * `set -euo pipefail` (every command substitution ends in `|| true`: the nodes it diagnoses are the broken ones).
 */
export function preflightScript(): string {
  return [
    'ok() { echo "n3x-preflight ok $1"; }',
    'no() { echo "n3x-preflight missing $1 $2"; }',
    'fs=$(stat -fc %T /sys/fs/cgroup 2>/dev/null || true)',
    '[ "$fs" = cgroup2fs ] && ok cgroup2 || no cgroup2 "/sys/fs/cgroup is ${fs:-absent}, not cgroup v2 (boot with systemd.unified_cgroup_hierarchy=1)"',
    'ctl=$(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null || true)',
    'for c in cpu cpuset memory pids; do case " $ctl " in *" $c "*) ok cgroup:$c;; *) no cgroup:$c "controller not in /sys/fs/cgroup/cgroup.controllers ($ctl)";; esac; done',
    'for m in overlay br_netfilter vxlan nf_conntrack; do [ -d /sys/module/$m ] && ok module:$m || no module:$m "not loaded (modprobe $m; persist it in /etc/modules-load.d)"; done',
    'if out=$(iptables -w -t nat -N N3X-PREFLIGHT 2>&1 && iptables -w -t nat -A N3X-PREFLIGHT -j RETURN 2>&1 && iptables -w -t nat -F N3X-PREFLIGHT 2>&1 && iptables -w -t nat -X N3X-PREFLIGHT 2>&1); then ok iptables; else no iptables "cannot add a nat chain: $(echo $out | head -c 200)"; fi',
    'v=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || true); [ "$v" = 1 ] && ok sysctl:bridge-nf-call-iptables || no sysctl:bridge-nf-call-iptables "is ${v:-absent (br_netfilter not loaded)}, needs 1"',
    'v=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || true); [ "$v" = 1 ] && ok sysctl:ip_forward || no sysctl:ip_forward "is ${v:-absent}, needs 1"',
    'r=$(ip -4 route show default 2>/dev/null || true); [ -n "$r" ] && ok default-route || no default-route "no IPv4 default route (k3s refuses to start without one)"',
    '[ -c /dev/kmsg ] && ok dev:kmsg || no dev:kmsg "/dev/kmsg missing (kubelet reads it)"',
    'true',
  ].join('\n');
}

export interface PreflightResult {
  ok: string[];
  /** Missing items with the reason, e.g. "sysctl:ip_forward: is 0, needs 1". */
  missing: string[];
}

/** Reads the script's output; an item that printed nothing counts as missing (pure; unit-tested). */
export function parsePreflight(out: string): PreflightResult {
  const ok: string[] = [];
  const missing: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^n3x-preflight (ok|missing) (\S+)(?: (.*))?$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'ok') ok.push(m[2]);
    else missing.push(`${m[2]}: ${m[3] ?? ''}`.trim());
  }
  for (const item of PREFLIGHT_ITEMS) if (!ok.includes(item) && !missing.some((x) => x.startsWith(`${item}:`))) missing.push(`${item}: not checked (script output incomplete)`);
  return { ok, missing };
}
