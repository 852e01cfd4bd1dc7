/** Pure systemd unit-state logic for waitForUnit (unit-tested). */
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

export type UnitVerdict = { kind: 'done' } | { kind: 'wait'; why: string } | { kind: 'fail'; why: string };

/**
 * Is the unit up? active → done; failed → fail now; a oneshot that ran and exited successfully → done
 * (nixpkgs #62155: nixosTest waits forever for those); inactive with no job queued → fail now.
 */
export function unitVerdict(unit: string, info: Record<string, string>, hasJob: boolean): UnitVerdict {
  const state = info.ActiveState ?? '';
  if (info.LoadState === 'not-found' && !hasJob) return { kind: 'fail', why: `unit ${unit} not found` };
  if (state === 'active' || state === 'reloading') return { kind: 'done' };
  if (state === 'failed') return { kind: 'fail', why: `unit ${unit} failed (${info.Result ?? 'unknown result'})` };
  const ranOk = info.Type === 'oneshot' && info.Result === 'success' && Number(info.ExecMainExitTimestampMonotonic ?? 0) > 0;
  if (state === 'inactive' && ranOk) return { kind: 'done' };
  if (state === 'inactive' && !hasJob) return { kind: 'fail', why: `unit ${unit} is inactive and no job is queued to start it` };
  return { kind: 'wait', why: `unit ${unit} is ${state}/${info.SubState ?? '?'}` };
}

export const UNIT_PROPS = 'Id,LoadState,ActiveState,SubState,Type,Result,ExecMainExitTimestampMonotonic';

/** Shell command that prints the unit's properties, a separator, then its queued jobs. */
export function unitProbeCommand(unit: string): string {
  const q = shellQuote(unit);
  return `systemctl show --no-pager -p ${UNIT_PROPS} ${q}; echo ---; systemctl list-jobs --no-legend --plain ${q} 2>/dev/null; true`;
}
