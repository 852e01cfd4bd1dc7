/**
 * Round trips on a running machine: n3x's own framing (`succeed('true')`, `succeed('/bin/true')`, and
 * `succeed('cd /')`, which may change the shell and so ends its worker, back to back and paced) and, in the same
 * run over the same channel, nixosTest's command framing as a baseline (see nixos.ts: its wrapper and its status
 * round trip, sent through our console; not nixosTest itself).
 */
import type { Machine } from '../harness/machine/machine.js';
import { decodeNixosOutput, nixosExecuteLine, NIXOS_STATUS_LINE } from './nixos.js';

export interface Spread {
  n: number;
  medianMs: number;
  p95Ms: number;
}

/** Median and 95th percentile of samples in ms (nearest rank), rounded to 0.01 ms. */
export function spread(samples: number[]): Spread {
  if (!samples.length) throw new Error('spread of no samples');
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => Number(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)].toFixed(2));
  return { n: s.length, medianMs: q(0.5), p95Ms: q(0.95) };
}

/** a / b to 3 decimals: how many times the n3x figure is the nixos one (below 1: n3x is faster). */
export const ratio = (a: number, b: number): number => Number((a / b).toFixed(3));

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** One command in nixosTest's framing: the wrapper, then the status round trip, as the driver sends them. */
async function nixosExecute(m: Machine, command: string): Promise<Buffer> {
  const out = await m.succeed(nixosExecuteLine(command));
  await m.succeed(NIXOS_STATUS_LINE); // our channel isolates commands, so this only times the driver's second round trip
  return decodeNixosOutput(out);
}

export interface RoundTrips {
  succeedTrue: Spread;
  succeedBinTrue: Spread;
  /** succeed('cd /'): a command that may change the shell, so its worker ends and the next one is forked. */
  succeedCd: Spread;
  /** succeed('cd /') with the host idle for gapMs before each (the next worker is forked by then). */
  succeedCdPaced: Spread & { gapMs: number };
  /** What one `/bin/true` costs inside the guest (fork, exec, exit, wait; mean of a 50-run loop in bash). */
  guestForkExecBinTrueMs: number;
  /** succeed('/bin/true') median less that: what the round trip adds to the one fork the command needs. */
  succeedBinTrueOverForkMs: number;
  nixosFraming: { what: string; succeedTrue: Spread; succeedBinTrue: Spread };
  /** n3x median / nixosTest-framing median over the same channel. */
  n3xOverNixos: { succeedTrue: number; succeedBinTrue: number };
}

/**
 * n round trips of each kind, each kind back to back (its steady state, as a test that repeats it sees it), in
 * two rounds of blocks so that drift (other guests, host load) hits every kind alike.
 */
export async function measureRoundTrips(m: Machine, n = 200, gapMs = 50): Promise<RoundTrips> {
  for (let i = 0; i < 10; i++) await m.succeed('true'); // warm-up
  if ((await nixosExecute(m, 'echo nixos-framing')).toString() !== 'nixos-framing\n') throw new Error('bench: nixosTest framing returned the wrong output');
  const kinds: Record<'t' | 'b' | 'c' | 'nt' | 'nb', () => Promise<unknown>> = {
    t: () => m.succeed('true'),
    b: () => m.succeed('/bin/true'),
    c: () => m.succeed('cd /'),
    nt: () => nixosExecute(m, 'true'),
    nb: () => nixosExecute(m, '/bin/true'),
  };
  const k = { t: [] as number[], b: [] as number[], c: [] as number[], nt: [] as number[], nb: [] as number[], p: [] as number[] };
  for (let round = 0; round < 2; round++) {
    for (const [kind, run] of Object.entries(kinds) as [keyof typeof kinds, () => Promise<unknown>][]) {
      await run(); // the first of a block follows another kind: not counted
      for (let i = 0; i < n / 2; i++) k[kind].push(await timed(run));
    }
  }
  for (let i = 0; i < Math.min(n, 50); i++) {
    await new Promise((r) => setTimeout(r, gapMs));
    k.p.push(await timed(() => m.succeed('cd /')));
  }
  const loop = await m.succeed('s=$EPOCHREALTIME; for i in {1..50}; do /bin/true; done; e=$EPOCHREALTIME; echo $(( (${e/./} - ${s/./}) / 50 ))');
  const forkMs = Number((Number(loop.trim()) / 1000).toFixed(2));
  const [t, b, nt, nb] = [spread(k.t), spread(k.b), spread(k.nt), spread(k.nb)];
  return {
    succeedTrue: t,
    succeedBinTrue: b,
    guestForkExecBinTrueMs: forkMs,
    succeedBinTrueOverForkMs: Number((b.medianMs - forkMs).toFixed(2)),
    succeedCd: spread(k.c),
    succeedCdPaced: { ...spread(k.p), gapMs },
    nixosFraming: { what: "nixosTest's execute framing (wrapper + status round trip) over the n3x console channel", succeedTrue: nt, succeedBinTrue: nb },
    n3xOverNixos: { succeedTrue: ratio(t.medianMs, nt.medianMs), succeedBinTrue: ratio(b.medianMs, nb.medianMs) },
  };
}
