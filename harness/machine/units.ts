/** Pure systemd unit-state logic for waitForUnit (unit-tested). */
import { ConfigError } from '../errors.js';
import { shellQuote } from '../util/quote.js';

/** Parses `systemctl show` KEY=VALUE output. */
export function parseShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Unit names systemd accepts (letters, digits, `:-_.\@`), optionally with a template instance. */
export function validUnitName(unit: string): boolean {
  return /^[A-Za-z0-9:_.\\@-]{1,255}$/.test(unit) && !unit.startsWith('-');
}

export type UnitVerdict = { kind: 'done' } | { kind: 'wait'; why: string } | { kind: 'fail'; why: string };

/** What one probe saw: the unit's properties, whether any job is queued anywhere, and the system state. */
export interface UnitProbe {
  info: Record<string, string>;
  /** 'none' only when `systemctl list-jobs` answered and listed no job at all. */
  jobs: 'none' | 'some' | 'unknown';
  /** `systemctl is-system-running` (initializing, starting, running, degraded, …; '' when it did not answer). */
  system: string;
}

/** The system is still coming up (or going down): an inactive unit may yet be started. */
function settling(p: UnitProbe): boolean {
  return p.jobs !== 'none' || !['running', 'degraded', 'maintenance'].includes(p.system);
}

/**
 * Is the unit up? active → done; failed → fail now; a oneshot that ran and exited successfully → done
 * (nixpkgs #62155: nixosTest waits forever for those). An inactive or unknown unit fails fast only on a
 * settled system: systemd answered, no job is queued anywhere (nixosTest checks `list-jobs` the same way)
 * and `is-system-running` is past `initializing`/`starting`. While booting, it is always waited for.
 */
export function unitVerdict(unit: string, p: UnitProbe): UnitVerdict {
  const { info } = p;
  const state = info.ActiveState ?? '';
  if (!state) return { kind: 'wait', why: `systemd did not answer for ${unit} yet` };
  if (state === 'active' || state === 'reloading') return { kind: 'done' };
  if (state === 'failed') return { kind: 'fail', why: `unit ${unit} failed (${info.Result ?? 'unknown result'})` };
  const ranOk = info.Type === 'oneshot' && info.Result === 'success' && Number(info.ExecMainExitTimestampMonotonic ?? 0) > 0;
  if (state === 'inactive' && ranOk) return { kind: 'done' };
  const booting = settling(p);
  if (info.LoadState === 'not-found' && !booting) return { kind: 'fail', why: `unit ${unit} not found` };
  if (state === 'inactive' && !booting) return { kind: 'fail', why: `unit ${unit} is inactive, no job is queued to start it and the system has finished starting (${p.system})` };
  const sys = p.system ? `, system ${p.system}` : '';
  return { kind: 'wait', why: `unit ${unit} is ${state}/${info.SubState ?? '?'}${sys}${p.jobs === 'some' ? ', jobs queued' : ''}` };
}

export const UNIT_PROPS = 'Id,LoadState,ActiveState,SubState,Type,Result,ExecMainExitTimestampMonotonic';
const SEP = '\n--n3x--\n';

/**
 * Shell command that prints all queued jobs (with list-jobs' status), the system state, and then the unit's
 * properties. The order matters: the unit may become active between two calls, so its state is read last —
 * "no job queued and the system settled" observed first, "inactive" after, means inactive for real.
 */
export function unitProbeCommand(unit: string, opts: { user?: string } = {}): string {
  const q = shellQuote(unit);
  const sc = opts.user ? 'systemctl --user' : 'systemctl';
  const sep = `printf '${SEP.replace(/\n/g, '\\n')}'`;
  const probe = [
    `{ jobs=$(${sc} list-jobs --no-legend --plain --no-pager 2>/dev/null) && printf 'jobs-ok\\n%s' "$jobs" || echo jobs-failed; }`,
    sep,
    `${sc} is-system-running 2>/dev/null || true`,
    sep,
    `${sc} show --no-pager -p ${UNIT_PROPS} ${q} 2>/dev/null || true`,
  ].join('; ');
  if (!opts.user) return probe;
  // A user's manager, reached the way nixosTest reaches it: as that user, with their runtime dir.
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(opts.user)) throw new ConfigError('user', `'${opts.user}' is not a user name`, 'use a login name such as alice');
  return `su -l ${opts.user} --shell /bin/bash -c ${shellQuote(`export XDG_RUNTIME_DIR=/run/user/$(id -u); ${probe}`)}`;
}

/** Parses the output of unitProbeCommand. */
export function parseProbe(out: string): UnitProbe {
  const [jobs = '', system = '', show = ''] = out.split(SEP);
  const j = jobs.trim();
  return {
    info: parseShow(show),
    jobs: !j.startsWith('jobs-ok') ? 'unknown' : j.slice('jobs-ok'.length).trim() ? 'some' : 'none',
    system: system.trim(),
  };
}
