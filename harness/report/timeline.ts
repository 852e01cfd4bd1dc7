/**
 * A scenario file's timeline as data: one lane per machine over the file's time with its boots and restores,
 * each command as a tick, faults as spans (partition → heal, link cut → restored, netem on → off, crash →
 * start, and a nemesis's clock jumps and bridge nodes, which no lower event shows), each nemesis's schedule,
 * and the tests' boundaries. Pure: recorded events in, lanes out (times in epoch ms, as recorded); unit-tested.
 */
import type { RecordEvent } from './events.js';
import { netemLabel } from './topology.js';

export type SpanKind = 'partition' | 'bridge' | 'link' | 'netem' | 'down' | 'clock';

export interface FaultSpan {
  kind: SpanKind;
  from: number;
  to: number;
  /** Still in force when the file's events end (drawn to the end). */
  open: boolean;
  label: string;
}

export interface TickCommand {
  command: string;
  status: number;
  ms: number;
  timedOut: boolean;
}

/** One command, or several that started too close together to tell apart at the drawing's resolution. */
export interface Tick {
  from: number;
  to: number;
  count: number;
  /** How many of them failed (non-zero status or timed out). */
  failed: number;
  /** The first few of them, for the hover text. */
  commands: TickCommand[];
}

export interface Lane {
  cluster: string;
  machine: string;
  /** Cold boots (QEMU start to set up) and restores from snapshot `restored`. */
  boots: { from: number; to: number; restored?: string }[];
  ticks: Tick[];
  spans: FaultSpan[];
}

export interface NemesisFaultView {
  kind: string;
  label: string;
  nodes: string[];
  /** Partitions: the sides (a bridge node is on both). */
  sides?: string[][];
  /** When the schedule put it (from the nemesis's start). */
  planned: { from: number; to: number };
  /** When it was injected and healed; `open` when the events end first. */
  from?: number;
  to?: number;
  open: boolean;
}

export interface NemesisRow {
  cluster: string;
  seed: number;
  replay: boolean;
  from: number;
  to?: number;
  error?: string;
  faults: NemesisFaultView[];
}

export interface TestMark {
  /** The runner's test id. */
  test: string;
  from: number;
  to: number;
  /** Never ended (the run was cut). */
  open: boolean;
  failedAt?: number;
}

export interface Timeline {
  from: number;
  to: number;
  lanes: Lane[];
  nemeses: NemesisRow[];
  tests: TestMark[];
}

/** Ticks per lane at most: commands starting within (to - from) / MAX_TICKS of a tick's first join it. */
export const MAX_TICKS = 1500;
const TICK_COMMANDS = 3;

const failedCmd = (c: { status: number; timedOut: boolean }) => c.status !== 0 || c.timedOut;

/** Builds the timeline of the given events (one file's, or some clusters'); undefined when no cluster is among them. */
export function buildTimeline(events: RecordEvent[], maxTicks = MAX_TICKS): Timeline | undefined {
  const sorted = [...events].sort((a, b) => a.t - b.t);
  if (!sorted.some((e) => e.kind === 'cluster')) return undefined;
  const from = sorted.reduce((m, e) => Math.min(m, e.kind === 'boot' ? e.spawnAt : e.kind === 'command' ? e.t - e.ms : e.t), sorted[0].t);
  const to = sorted.at(-1)!.t;
  const lanes = new Map<string, Lane>();
  const commands = new Map<string, Extract<RecordEvent, { kind: 'command' }>[]>();
  const open = new Map<string, FaultSpan & { lane: string }>();
  const nemeses: (NemesisRow & { key: string })[] = [];
  const tests = new Map<string, TestMark>();

  const lane = (cluster: string, machine: string): string => {
    const key = `${cluster}/${machine}`;
    if (!lanes.has(key)) lanes.set(key, { cluster, machine, boots: [], ticks: [], spans: [] });
    return key;
  };
  const close = (id: string, t: number) => {
    const s = open.get(id);
    if (!s) return;
    open.delete(id);
    lanes.get(s.lane)!.spans.push({ kind: s.kind, from: s.from, to: t, open: false, label: s.label });
  };
  const start = (l: string, kind: SpanKind, sub: string, label: string, t: number) => {
    const id = `${l}|${kind}|${sub}`;
    close(id, t); // netem replaced, a second cut: the first span ends here
    open.set(id, { lane: l, kind, from: t, to: t, open: true, label });
  };
  const closeWhere = (pred: (id: string) => boolean, t: number) => [...open.keys()].filter(pred).forEach((id) => close(id, t));

  for (const e of sorted) {
    const c = e.cluster ?? '';
    switch (e.kind) {
      case 'cluster':
        for (const m of e.topology.machines) lane(e.topology.cluster, m.name);
        break;
      case 'boot':
        lanes.get(lane(c, e.machine))!.boots.push({ from: e.spawnAt, to: e.spawnAt + e.doneMs, restored: e.restored?.name });
        break;
      case 'power': {
        const l = lane(c, e.machine);
        if (e.what === 'crash') start(l, 'down', '', `down: ${e.detail ?? 'crashed'} (until started again)`, e.t);
        // A new QEMU starts with every link up and no netem (a partition stays: the other side still drops its frames).
        if (e.what === 'start') closeWhere((id) => id.startsWith(`${l}|`) && /^(down|link|netem)\|/.test(id.slice(l.length + 1)), e.t);
        break;
      }
      case 'command': {
        const l = lane(c, e.machine);
        if (!commands.has(l)) commands.set(l, []);
        commands.get(l)!.push(e);
        break;
      }
      case 'change': {
        const ch = e.change;
        if (ch.kind === 'link') {
          for (const nic of ch.nics) {
            if (ch.up) close(`${lane(c, ch.machine)}|link|${nic}`, e.t);
            else start(lane(c, ch.machine), 'link', nic, `link ${nic} cut`, e.t);
          }
        } else if (ch.kind === 'netem') {
          if (ch.spec) start(lane(c, ch.machine), 'netem', ch.iface, `netem on ${ch.iface}: ${netemLabel(ch.spec)}`, e.t);
          else close(`${lane(c, ch.machine)}|netem|${ch.iface}`, e.t);
        } else if (ch.kind === 'partition') {
          const sub = `${ch.a.join(',')}|${ch.b.join(',')}`;
          for (const n of ch.a) start(lane(c, n), 'partition', sub, `partitioned from ${ch.b.join(', ')}`, e.t);
          for (const n of ch.b) start(lane(c, n), 'partition', sub, `partitioned from ${ch.a.join(', ')}`, e.t);
        } else closeWhere((id) => id.startsWith(`${c}/`) && id.includes('|partition|'), e.t);
        break;
      }
      case 'nemesis':
        nemesisEvent(e, c);
        break;
      case 'test': {
        if (!e.scope.test) break;
        const id = e.scope.test;
        if (e.phase === 'begin') tests.set(id, { test: id, from: e.t, to: e.t, open: true });
        const m = tests.get(id);
        if (m && e.phase === 'end') Object.assign(m, { to: e.t, open: false });
        if (m && e.phase === 'fail') m.failedAt ??= e.t;
        break;
      }
    }
  }

  function nemesisEvent(e: Extract<RecordEvent, { kind: 'nemesis' }>, c: string): void {
    const key = `${c}/${e.seed}`;
    if (e.phase === 'begin') {
      const faults = (e.faults ?? []).map((f) => ({ kind: f.kind, label: f.label, nodes: f.nodes, sides: f.sides, planned: { from: e.t + f.at * 1000, to: e.t + f.until * 1000 }, open: false }));
      nemeses.push({ key, cluster: c, seed: e.seed, replay: !!e.replay, from: e.t, faults });
      return;
    }
    const row = [...nemeses].reverse().find((r) => r.key === key);
    if (!row) return;
    const f = e.index === undefined ? undefined : row.faults[e.index];
    const sub = `nemesis ${e.seed} #${e.index}`;
    if (f && e.phase === 'on') {
      f.from = e.t;
      const own = ownSpan(f);
      for (const n of own?.nodes ?? []) start(lane(c, n), own!.kind, sub, own!.label, e.t);
    }
    if (f && e.phase === 'off') {
      f.to = e.t;
      for (const n of f.nodes) closeWhere((id) => id.startsWith(`${lane(c, n)}|`) && id.endsWith(`|${sub}`), e.t);
    }
    if (e.phase === 'end') {
      Object.assign(row, { to: e.t, error: e.error });
      for (const x of row.faults) if (x.from !== undefined && x.to === undefined) x.to = e.t; // healed at the end
      closeWhere((id) => id.includes(`|nemesis ${e.seed} #`) && id.startsWith(`${c}/`), e.t);
    }
  }

  for (const s of open.values()) lanes.get(s.lane)!.spans.push({ kind: s.kind, from: s.from, to, open: true, label: s.label });
  for (const r of nemeses) for (const f of r.faults) if (f.from !== undefined && f.to === undefined) Object.assign(f, { to, open: true });
  for (const [l, cmds] of commands) lanes.get(l)!.ticks = ticks(cmds, (to - from) / maxTicks);
  for (const l of lanes.values()) l.spans.sort((a, b) => a.from - b.from);
  return {
    from,
    to,
    lanes: [...lanes.values()],
    nemeses: nemeses.map(({ key: _key, ...r }) => r),
    tests: [...tests.values()].map((m) => (m.open ? { ...m, to } : m)),
  };
}

/** The span a nemesis fault draws itself: a clock jump on its node, a bridge partition on its bridge node(s). */
function ownSpan(f: NemesisFaultView): { kind: SpanKind; nodes: string[]; label: string } | undefined {
  if (f.kind === 'clock-jump') return { kind: 'clock', nodes: f.nodes, label: `nemesis ${f.label}` };
  if (f.kind === 'partition-bridge' && f.sides?.length === 2) {
    const [a, b] = f.sides;
    return { kind: 'bridge', nodes: a.filter((n) => b.includes(n)), label: `bridge node: reaches both sides of ${f.label}` };
  }
  return undefined;
}

/** Commands as ticks: one per command, but those starting within `gap` ms of a tick's first join it. */
function ticks(cmds: { t: number; ms: number; command: { text: string }; status: number; timedOut: boolean }[], gap: number): Tick[] {
  const out: Tick[] = [];
  for (const c of [...cmds].sort((a, b) => a.t - a.ms - (b.t - b.ms))) {
    const from = c.t - c.ms;
    const cmd = { command: c.command.text, status: c.status, ms: c.ms, timedOut: c.timedOut };
    const last = out.at(-1);
    if (last && from - last.from < gap) {
      last.to = Math.max(last.to, c.t);
      last.count++;
      last.failed += failedCmd(c) ? 1 : 0;
      if (last.commands.length < TICK_COMMANDS) last.commands.push(cmd);
    } else out.push({ from, to: c.t, count: 1, failed: failedCmd(c) ? 1 : 0, commands: [cmd] });
  }
  return out;
}
