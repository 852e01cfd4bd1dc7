/**
 * A seeded fault schedule: the same seed, nodes and options give the same schedule, fault by fault. Pure: what the
 * schedule does to a cluster is the runner's business. Times in seconds from the start, as everywhere.
 */
import { ConfigError } from '../errors.js';
import type { NetemSpec } from '../network/netem.js';

export type FaultKind = 'partition-halves' | 'partition-lone' | 'partition-bridge' | 'crash' | 'link-cut' | 'netem' | 'clock-jump';
export const FAULT_KINDS: readonly FaultKind[] = ['partition-halves', 'partition-lone', 'partition-bridge', 'crash', 'link-cut', 'netem', 'clock-jump'];

export interface ScheduleOptions {
  seed: number;
  /** Seconds the schedule spans; every fault has healed by then. */
  duration: number;
  /** Which faults to draw from (default: all that the node count allows). */
  faults?: readonly FaultKind[];
  /** Mean seconds between one fault's heal and the next fault (default 10). Each fault lasts about as long. */
  interval?: number;
}

export interface Fault {
  kind: FaultKind;
  /** Seconds from the start at which it begins and at which it is healed. */
  at: number;
  until: number;
  /** partition-*: the sides (a bridge node sits in both); others: the nodes it hits. */
  sides?: string[][];
  nodes: string[];
  netem?: NetemSpec;
  /** clock-jump: seconds added to the guest's clock. */
  jump?: number;
}

/** A small, fast 32-bit PRNG (mulberry32): floats in [0, 1), the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NETEM: readonly NetemSpec[] = [{ delayMs: 50, jitterMs: 10 }, { lossPct: 5 }, { lossPct: 30 }, { delayMs: 200, lossPct: 10 }, { rateMbit: 1 }];
const round = (s: number) => Math.round(s * 10) / 10;

/** Draws the schedule. Crashes hit one node at a time (a majority stays up); partitions need three nodes or more. */
export function schedule(nodes: readonly string[], opts: ScheduleOptions): Fault[] {
  const interval = opts.interval ?? 10;
  if (!(opts.duration > 0)) throw new ConfigError('nemesis.duration', `must be a positive number of seconds, got ${opts.duration}`, 'pass { duration: 60 }');
  if (!(interval > 0)) throw new ConfigError('nemesis.interval', `must be a positive number of seconds, got ${interval}`, 'pass { interval: 10 }');
  if (!Number.isInteger(opts.seed)) throw new ConfigError('nemesis.seed', `must be an integer, got ${opts.seed}`, 'pass { seed: 1 } (or set N3X_NEMESIS_SEED)');
  const kinds = (opts.faults ?? FAULT_KINDS).filter((k) => nodes.length >= 3 || !k.startsWith('partition-'));
  if (!kinds.length) throw new ConfigError('nemesis.faults', `none of ${JSON.stringify(opts.faults)} applies to ${nodes.length} node(s)`, 'partitions need 3 nodes or more; pick another fault');
  const rand = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const shuffled = () => [...nodes].map((n) => [rand(), n] as const).sort((a, b) => a[0] - b[0]).map(([, n]) => n);
  const out: Fault[] = [];
  let t = 0;
  for (;;) {
    const at = round(t + interval * (0.5 + rand()));
    const until = round(Math.min(opts.duration, at + interval * (0.5 + rand())));
    if (at >= opts.duration - 1 || until - at < 1) break;
    const kind = pick(kinds);
    const order = shuffled();
    const f: Fault = { kind, at, until, nodes: [] };
    if (kind === 'partition-halves') {
      const cut = Math.floor(order.length / 2);
      f.sides = [order.slice(0, cut), order.slice(cut)];
    } else if (kind === 'partition-lone') {
      f.sides = [order.slice(0, 1), order.slice(1)];
    } else if (kind === 'partition-bridge') {
      // One node talks to both sides; the two sides cannot talk to each other.
      const rest = order.slice(1);
      const cut = Math.ceil(rest.length / 2);
      f.sides = [[order[0], ...rest.slice(0, cut)], [order[0], ...rest.slice(cut)]];
    }
    if (f.sides) f.nodes = [...new Set(f.sides.flat())];
    else f.nodes = [order[0]];
    if (kind === 'netem') f.netem = pick(NETEM);
    if (kind === 'clock-jump') f.jump = pick([-120, -30, 30, 300]);
    out.push(f);
    t = until;
  }
  return out;
}

/** One line per fault, e.g. `12.3–20.1 s partition-lone [n100-2] | [n100-1 n100-3]`. */
export function describeFault(f: Fault): string {
  const what = f.sides ? f.sides.map((s) => `[${s.join(' ')}]`).join(' | ')
    : `${f.nodes.join(' ')}${f.netem ? ` ${JSON.stringify(f.netem)}` : ''}${f.jump !== undefined ? ` ${f.jump > 0 ? '+' : ''}${f.jump} s` : ''}`;
  return `${f.at.toFixed(1)}–${f.until.toFixed(1)} s ${f.kind} ${what}`;
}
