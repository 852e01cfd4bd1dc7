/**
 * Per-node configuration (the `nodes.<name> = { … }` of nixosTest): files, systemd units, sysctls, kernel
 * modules and extra /etc/hosts entries, turned into one guest script that runs on every boot before the
 * machine counts as up. Pure; unit-tested. (Extra Debian packages become a derived image: see images/.)
 */
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { validatePackages } from '../images/recipe.js';
import { shellQuote } from '../util/quote.js';

export interface GuestFile {
  /** A host file to copy, or the file's text. */
  source?: string;
  text?: string;
  /** Octal mode, default 0644 (a host file keeps its own). */
  mode?: number;
}

export interface GuestUnit {
  /** The unit file's text. */
  text: string;
  /** `systemctl enable` it (default false). */
  enable?: boolean;
  /** Start it before the machine counts as up (default false). */
  start?: boolean;
}

export interface NodeConfig {
  /** Guest path → file. */
  files?: Record<string, GuestFile>;
  /** Unit name (e.g. `web.service`) → unit. */
  unitFiles?: Record<string, GuestUnit>;
  /** sysctl key → value, applied now and on every boot (/etc/sysctl.d/50-n3x-node.conf). */
  sysctl?: Record<string, string | number>;
  /** Kernel modules loaded now and on every boot (/etc/modules-load.d/n3x-node.conf). */
  modules?: string[];
  /** Extra /etc/hosts entries: name → address. */
  hosts?: Record<string, string>;
  /**
   * Extra Debian packages. Nodes with the same set share one derived image, built once and cached by its
   * recipe hash (base recipe + sorted list); nodes without extra packages boot the base image.
   */
  packages?: string[];
}

/** Merges cluster-wide defaults with a node's own settings (the node wins key by key). */
export function mergeNodeConfig(defaults: NodeConfig = {}, node: NodeConfig = {}): NodeConfig {
  return {
    files: { ...defaults.files, ...node.files },
    unitFiles: { ...defaults.unitFiles, ...node.unitFiles },
    sysctl: { ...defaults.sysctl, ...node.sysctl },
    modules: [...new Set([...(defaults.modules ?? []), ...(node.modules ?? [])])],
    hosts: { ...defaults.hosts, ...node.hosts },
    packages: [...new Set([...(defaults.packages ?? []), ...(node.packages ?? [])])].sort(),
  };
}

function fileBytes(path: string, f: GuestFile): { data: Buffer; mode: number } {
  if ((f.source === undefined) === (f.text === undefined)) throw new ConfigError(`files['${path}']`, 'needs exactly one of source and text', 'give a host path in source or the content in text');
  if (f.text !== undefined) return { data: Buffer.from(f.text), mode: f.mode ?? 0o644 };
  try {
    return { data: readFileSync(f.source!), mode: f.mode ?? statSync(f.source!).mode & 0o7777 };
  } catch (e) {
    throw new ConfigError(`files['${path}'].source`, `cannot read ${f.source}: ${(e as Error).message}`, 'give an existing host file', { cause: e });
  }
}

/** Throws a ConfigError for anything that would not be a single, safe shell word or unit. */
export function validateNodeConfig(c: NodeConfig): void {
  for (const p of Object.keys(c.files ?? {})) if (!p.startsWith('/') || p.includes('\0')) throw new ConfigError(`files['${p}']`, 'not an absolute guest path', 'use a path such as /etc/app.conf');
  for (const u of Object.keys(c.unitFiles ?? {})) if (!/^[A-Za-z0-9:_.@-]+\.(service|socket|timer|target|path|mount)$/.test(u)) throw new ConfigError(`unitFiles['${u}']`, 'not a unit file name', 'use a name such as web.service');
  for (const k of Object.keys(c.sysctl ?? {})) if (!/^[a-z0-9_.\-/*]+$/i.test(k)) throw new ConfigError(`sysctl['${k}']`, 'not a sysctl key', 'use a key such as net.ipv4.ip_forward');
  for (const m of c.modules ?? []) if (!/^[A-Za-z0-9_-]+$/.test(m)) throw new ConfigError('modules', `'${m}' is not a module name`, 'use a name such as br_netfilter');
  validatePackages(c.packages ?? []);
  for (const [n, a] of Object.entries(c.hosts ?? {})) if (!/^[A-Za-z0-9.-]+$/.test(n) || !/^[0-9A-Fa-f.:]+$/.test(a)) throw new ConfigError(`hosts['${n}']`, `'${n} ${a}' is not a host entry`, 'use { name: address }');
}

/** systemctl's D-Bus call timeout for calls that may be slow under emulation (systemd ≥ 246 reads it; default 25 s). */
export const SLOW_SYSTEMCTL = 'SYSTEMD_BUS_TIMEOUT=300';

/**
 * The node's configuration as two guest scripts around the network set-up (idempotent: they run again on every
 * boot). `beforeNetwork` puts files, units, sysctls and modules in place, so a unit enabled at boot and ordered
 * after network-online.target finds its configuration, as on NixOS; `afterNetwork` adds the extra /etc/hosts entries
 * (the network set-up writes the file) and starts the units marked `start`.
 */
export function nodeConfigSteps(c: NodeConfig): { beforeNetwork: string; afterNetwork: string } {
  validateNodeConfig(c);
  const lines: string[] = [];
  for (const [path, f] of Object.entries(c.files ?? {})) {
    const { data, mode } = fileBytes(path, f);
    const q = shellQuote(path);
    lines.push(`mkdir -p "$(dirname ${q})"`, `printf %s ${shellQuote(data.toString('base64'))} | base64 -d > ${q}`, `chmod ${mode.toString(8)} ${q}`);
  }
  const units = Object.entries(c.unitFiles ?? {});
  for (const [name, u] of units) lines.push(`printf %s ${shellQuote(u.text.endsWith('\n') ? u.text : `${u.text}\n`)} > /etc/systemd/system/${name}`);
  // A reload at boot under TCG on a loaded host outlasted systemd's 25 s D-Bus call timeout ("Reload daemon failed:
  // Connection timed out", nixpkgs/nat in a full run): the command's own deadline bounds it instead.
  if (units.length) lines.push(`${SLOW_SYSTEMCTL} systemctl daemon-reload`);
  for (const [name, u] of units) if (u.enable) lines.push(`systemctl enable --quiet ${name}`);
  const sysctl = Object.entries(c.sysctl ?? {});
  if (sysctl.length) {
    lines.push(`printf %s ${shellQuote(sysctl.map(([k, v]) => `${k}=${v}\n`).join(''))} > /etc/sysctl.d/50-n3x-node.conf`);
    lines.push(`sysctl -q -w ${sysctl.map(([k, v]) => shellQuote(`${k}=${v}`)).join(' ')}`);
  }
  const modules = c.modules ?? [];
  if (modules.length) lines.push(`printf '%s\\n' ${modules.join(' ')} > /etc/modules-load.d/n3x-node.conf`, ...modules.map((m) => `modprobe ${m}`));
  const after: string[] = [];
  const hosts = Object.entries(c.hosts ?? {});
  if (hosts.length) after.push(`printf '%s\\n' ${hosts.map(([n, a]) => shellQuote(`${a} ${n}`)).join(' ')} >> /etc/hosts`);
  for (const [name, u] of units) if (u.start) after.push(`systemctl start ${name}`);
  return { beforeNetwork: lines.join('\n'), afterNetwork: after.join('\n') };
}

/** The node's whole configuration as one guest script (both steps of nodeConfigSteps, in order). */
export function nodeConfigScript(c: NodeConfig): string {
  const { beforeNetwork, afterNetwork } = nodeConfigSteps(c);
  return [beforeNetwork, afterNetwork].filter(Boolean).join('\n');
}

/** True when there is nothing to apply in the guest script (packages are in the image, not the script). */
export function isEmptyNodeConfig(c: NodeConfig): boolean {
  return !Object.keys(c.files ?? {}).length && !Object.keys(c.unitFiles ?? {}).length && !Object.keys(c.sysctl ?? {}).length && !(c.modules ?? []).length && !Object.keys(c.hosts ?? {}).length;
}
