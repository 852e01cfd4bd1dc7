/** A replayed command beside the original: same exit status and output, or what differs, in two columns. Pure. */

export interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

const WIDTH = 58;
const LINES = 12;

/** The lines of an outcome as a column shows them: exit status, then stdout and stderr (marked), clipped. */
function column(o: Outcome): string[] {
  const out = o.stdout.replace(/\n$/, '').split('\n').filter((l, i, a) => l !== '' || a.length > 1);
  const err = o.stderr.replace(/\n$/, '').split('\n').filter(Boolean).map((l) => `stderr: ${l}`);
  const all = [`exit ${o.status}`, ...out, ...err];
  const shown = all.slice(0, LINES).map((l) => (l.length > WIDTH ? `${l.slice(0, WIDTH - 1)}…` : l));
  return all.length > LINES ? [...shown, `… ${all.length - LINES} more line(s)`] : shown;
}

/** Two columns, `original | now`, line by line. */
export function sideBySide(left: string[], right: string[], width = WIDTH): string[] {
  const rows = Math.max(left.length, right.length);
  return Array.from({ length: rows }, (_, i) => `    ${(left[i] ?? '').padEnd(width)} │ ${right[i] ?? ''}`.trimEnd());
}

/** Whether a replayed command came out as the original did (status and stdout), and the two side by side. */
export function compareOutcome(original: Outcome, now: Outcome): { same: boolean; lines: string[] } {
  const same = original.status === now.status && original.stdout === now.stdout;
  return { same, lines: [...sideBySide(['original', ...column(original)], ['now', ...column(now)]), `    ${same ? 'same exit status and output' : original.status === now.status ? 'same exit status, other output' : `exit status differs (${original.status} then, ${now.status} now)`}`] };
}
