/** netem settings (applied inside guests: the host kernel here has no sch_netem). Pure; unit-tested. */
import { ConfigError } from '../errors.js';

export interface NetemSpec {
  delayMs?: number;
  jitterMs?: number;
  lossPct?: number;
  rateMbit?: number;
}

/** Validates a spec; throws ConfigError naming the field and the fix. */
export function validateNetem(s: NetemSpec): void {
  const check = (field: keyof NetemSpec, ok: (v: number) => boolean, range: string) => {
    const v = s[field];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new ConfigError(`netem.${field}`, `invalid value ${String(v)}`, `use a number ${range}`);
  };
  check('delayMs', (v) => v >= 0 && v <= 60_000, 'from 0 to 60000');
  check('jitterMs', (v) => v >= 0 && v <= 60_000, 'from 0 to 60000');
  check('lossPct', (v) => v >= 0 && v <= 100, 'from 0 to 100');
  check('rateMbit', (v) => v > 0 && v <= 100_000, 'above 0 and at most 100000');
  if (s.jitterMs && !s.delayMs) throw new ConfigError('netem.jitterMs', 'jitter without delay', 'set delayMs too');
  if (Object.values(s).every((v) => v === undefined)) throw new ConfigError('netem', 'empty spec', 'set at least one of delayMs, jitterMs, lossPct, rateMbit (or call clearNetem)');
}

/** Throws unless `iface` is a Linux interface name (it becomes a shell word). */
export function checkIface(iface: string): void {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(iface) || iface.startsWith('-')) throw new ConfigError('netem.iface', `invalid interface name '${iface}'`, 'use a guest interface name like eth1 or eth1.200');
}

/** The `tc` command that installs the spec as the interface's root qdisc. */
export function netemCommand(iface: string, s: NetemSpec): string {
  validateNetem(s);
  checkIface(iface);
  const parts = ['tc', 'qdisc', 'replace', 'dev', iface, 'root', 'netem'];
  if (s.delayMs !== undefined) {
    parts.push('delay', `${s.delayMs}ms`);
    if (s.jitterMs) parts.push(`${s.jitterMs}ms`, 'distribution', 'normal');
  }
  if (s.lossPct !== undefined) parts.push('loss', `${s.lossPct}%`);
  if (s.rateMbit !== undefined) parts.push('rate', `${s.rateMbit}mbit`);
  if (s.delayMs !== undefined || s.rateMbit !== undefined) parts.push('limit', '10000');
  return parts.join(' ');
}

/** The `tc` command that removes the interface's root qdisc (netem) again; fine when there is none. */
export function clearNetemCommand(iface: string): string {
  checkIface(iface);
  return `tc qdisc del dev ${iface} root 2>/dev/null || true`;
}
