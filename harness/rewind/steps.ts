/**
 * A test's steps, from the harness's event stream: the guest commands it ran and the harness actions it took
 * (partition, heal, link cut or restored, netem, crash, start, stop, copy), in order. Commands a harness action ran
 * for itself (`within` an action) are the action's, not steps. What the test did on the host (assertions, Kubernetes
 * API calls) makes no event: a step list says so, and a failure in host code becomes a `host` step, listed and
 * never replayed. Pure.
 */
import type { HarnessEvent } from '../events.js';
import type { NetemSpec } from '../network/netem.js';

/** Output kept per step (characters). */
const KEEP = 4000;

export type Step =
  | { kind: 'command'; machine: string; command: string; status: number; stdout: string; stderr: string; repeats: number }
  | { kind: 'partition'; a: string[]; b: string[] }
  | { kind: 'heal' }
  | { kind: 'link'; machine: string; nic: string; up: boolean }
  | { kind: 'netem'; machine: string; iface: string; spec: NetemSpec | null }
  | { kind: 'crash'; machine: string }
  | { kind: 'start'; machine: string }
  | { kind: 'stop'; machine: string }
  | { kind: 'copy'; machine: string; direction: 'in' | 'out'; src: string; dst: string }
  /** Not replayed: what happened on the host or to QEMU unasked. */
  | { kind: 'host'; text: string };

const clip = (s: string) => (s.length > KEEP ? `${s.slice(0, KEEP)}… (${s.length - KEEP} more characters)` : s);

/** One event as a step of cluster `cluster`'s test, or undefined when it is none. */
function stepOf(e: HarnessEvent, cluster: string): Step | undefined {
  if (e.within !== undefined || !('cluster' in e) || e.cluster !== cluster) return undefined;
  switch (e.kind) {
    case 'command':
      return { kind: 'command', machine: e.machine, command: e.command, status: e.status, stdout: clip(e.stdout), stderr: clip(e.stderr), repeats: 1 };
    case 'partition':
      return { kind: 'partition', a: e.a, b: e.b };
    case 'heal':
      return { kind: 'heal' };
    case 'link':
      return { kind: 'link', machine: e.machine, nic: e.nic, up: e.up };
    case 'netem':
      return { kind: 'netem', machine: e.machine, iface: e.iface, spec: e.spec };
    case 'crash':
      return e.cause === 'power-cut' ? { kind: 'crash', machine: e.machine } : { kind: 'host', text: `${e.machine}: QEMU died unasked${e.detail ? ` (${e.detail})` : ''}` };
    case 'start':
      return e.restoring ? undefined : { kind: 'start', machine: e.machine };
    case 'stop':
      return { kind: 'stop', machine: e.machine };
    case 'copy':
      return { kind: 'copy', machine: e.machine, direction: e.direction, src: e.src, dst: e.dst };
    default:
      return undefined;
  }
}

/** The steps of a test from the events recorded while it ran; a command repeated back to back (a wait polling) is one step. */
export function stepsFromEvents(events: HarnessEvent[], cluster: string): Step[] {
  const out: Step[] = [];
  for (const e of events) {
    const s = stepOf(e, cluster);
    if (!s) continue;
    const last = out.at(-1);
    if (s.kind === 'command' && last?.kind === 'command' && last.machine === s.machine && last.command === s.command) out[out.length - 1] = { ...s, repeats: last.repeats + 1 };
    else out.push(s);
  }
  return out;
}

/** Steps with where the original failed: at its last step when that is a failed command, else in host code after it (a `host` step added). */
export function withFailure(steps: Step[], error: string | undefined): { steps: Step[]; failedAt?: number } {
  if (error === undefined) return { steps };
  const last = steps.at(-1);
  if (last?.kind === 'command' && last.status !== 0) return { steps, failedAt: steps.length - 1 };
  const after = steps.length ? `after step ${steps.length}` : 'before any step';
  return { steps: [...steps, { kind: 'host', text: `host-side code failed ${after}: ${error.split('\n')[0]}` }], failedAt: steps.length };
}

/** Whether replay repeats a step (host steps are only listed). */
export const replayable = (s: Step): boolean => s.kind !== 'host';

/** One line per step, as the step list shows it. */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'command':
      return `${s.machine}$ ${s.command.split('\n')[0]}${s.command.includes('\n') ? ' …' : ''}   → exit ${s.status}${s.repeats > 1 ? ` (run ${s.repeats} times: a wait)` : ''}`;
    case 'partition':
      return `partition {${s.a.join(', ')}} | {${s.b.join(', ')}}`;
    case 'heal':
      return 'heal every partition';
    case 'link':
      return `${s.machine}: link ${s.nic.replace(/^nic(\d+)$/, 'eth$1')} ${s.up ? 'restored' : 'cut'}`;
    case 'netem':
      return `${s.machine}: netem on ${s.iface} ${s.spec ? JSON.stringify(s.spec) : 'removed'}`;
    case 'crash':
      return `${s.machine}: crash (power cut)`;
    case 'start':
      return `${s.machine}: start`;
    case 'stop':
      return `${s.machine}: stopped (replayed as a kill)`;
    case 'copy':
      return s.direction === 'in' ? `${s.machine}: copy host ${s.src} → guest ${s.dst}` : `${s.machine}: copy guest ${s.src} → host ${s.dst}`;
    case 'host':
      return `[host, not replayed] ${s.text}`;
  }
}

/** The numbered step list, with where the original failed and what is not recorded. */
export function stepList(steps: Step[], failedAt?: number): string {
  const lines = steps.map((s, i) => `  ${String(i + 1).padStart(2)}. ${describeStep(s)}${i === failedAt ? '   ← the original failed here' : ''}`);
  return [
    `${steps.length} recorded step(s):`,
    ...(lines.length ? lines : ['  (none: the test ran no guest command and took no harness action)']),
    '  Host-side code between them (assertions, Kubernetes API calls) is not recorded and not replayed.',
  ].join('\n');
}
