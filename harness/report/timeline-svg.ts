/**
 * The timeline drawn as one SVG: a seconds axis over the file's time, a row of test boundaries, a row per
 * nemesis (its schedule as planned, outlined, and as applied, filled), and a lane per machine with its boots and
 * restores, fault spans shaded over the lane and each command as a tick. Every mark carries a <title>, the
 * browser's hover text; test starts are dashed lines and failures red lines across every row. Pure.
 */
import { esc, step } from './svg.js';
import type { FaultSpan, Tick, Timeline } from './timeline.js';

/** What the drawing needs to know of a test: its name and state. */
export type TestNames = Map<string, { name: string; state?: string }>;

const W = 1240;
const L = 150;
const AXIS_H = 22;
const TEST_H = 22;
const NEM_H = 30;
const LANE_H = 36;
const LEGEND_H = 24;
const COMMAND_CHARS = 160;

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const SPAN_NAMES: Record<FaultSpan['kind'], string> = { partition: 'partition', bridge: 'bridge node', link: 'link cut', netem: 'netem', down: 'machine down', clock: 'clock jump' };

/** A tick's hover text: the command (or how many, and the first ones), status, duration, when. */
export function tickTitle(k: Tick, from: number): string {
  const one = (c: Tick['commands'][number]) => `$ ${cut(c.command.split('\n')[0], COMMAND_CHARS)}${c.command.includes('\n') ? ' …' : ''} · ${c.timedOut ? 'timed out' : `status ${c.status}`} · ${c.ms < 1000 ? `${c.ms} ms` : secs(c.ms)}`;
  const when = `at +${secs(k.from - from)}`;
  if (k.count === 1) return `${one(k.commands[0])} · ${when}`;
  return `${k.count} commands (${k.failed} failed) from +${secs(k.from - from)} to +${secs(k.to - from)}; the first:\n${k.commands.map(one).join('\n')}`;
}

/** The timeline of one file (or of clusters outside any file). */
export function timelineSvg(t: Timeline, tests: TestNames = new Map()): string {
  const span = Math.max(t.to - t.from, 1000);
  const sx = (ms: number) => L + ((ms - t.from) / span) * (W - L - 10);
  const x = (ms: number) => sx(ms).toFixed(1);
  const w = (a: number, b: number, min = 1) => Math.max(min, sx(b) - sx(a)).toFixed(1);
  const rel = (ms: number) => `+${secs(ms - t.from)}`;
  const parts: string[] = [];
  let y = AXIS_H;
  const axisStep = step(span / 1000);
  for (let s = 0; s <= span / 1000 + 1e-9; s += axisStep) {
    parts.push(`<line x1="${x(t.from + s * 1000)}" x2="${x(t.from + s * 1000)}" y1="${AXIS_H - 5}" y2="${AXIS_H}" class="tick-axis"/><text x="${x(t.from + s * 1000)}" y="${AXIS_H - 8}" text-anchor="middle" class="ticklabel">${s}s</text>`);
  }

  // Tests: a band each, named when there is room.
  parts.push(`<text x="0" y="${y + 15}" class="rowlabel">tests</text>`);
  for (const [i, m] of t.tests.entries()) {
    const info = tests.get(m.test);
    const name = info?.name ?? m.test;
    const failed = m.failedAt !== undefined || info?.state === 'failed';
    const title = `${name} · ${info?.state ?? (m.open ? 'not ended' : 'ended')} · ${rel(m.from)} to ${rel(m.to)} (${secs(m.to - m.from)})${m.failedAt ? ` · failed at ${rel(m.failedAt)}` : ''}`;
    const room = Math.floor((sx(m.to) - sx(m.from) - 6) / 6.6);
    const label = room >= 4 ? `<text x="${(sx(m.from) + 3).toFixed(1)}" y="${y + 15}" class="testname">${esc(cut(name, room))}</text>` : '';
    parts.push(`<g class="test-band${failed ? ' failed' : ''}${i % 2 ? ' odd' : ''}" data-test="${esc(name)}"><title>${esc(title)}</title><rect x="${x(m.from)}" y="${y + 1}" width="${w(m.from, m.to, 2)}" height="${TEST_H - 2}"/>${label}</g>`);
  }
  y += TEST_H;

  for (const n of t.nemeses) {
    const head = `nemesis seed ${n.seed}${n.replay ? ' (N3X_NEMESIS_SEED)' : ''} · replay: N3X_NEMESIS_SEED=${n.seed}${n.error ? ` · failed: ${n.error}` : ''}`;
    parts.push(`<g class="nemesis" data-seed="${n.seed}"><title>${esc(head)}</title><text x="0" y="${y + 12}" class="rowlabel">nemesis</text><text x="0" y="${y + 25}" class="sub">seed ${n.seed}</text>`);
    parts.push(`<line x1="${x(n.from)}" x2="${x(n.from)}" y1="${y + 2}" y2="${y + NEM_H - 2}" class="nem-edge"/>${n.to ? `<line x1="${x(n.to)}" x2="${x(n.to)}" y1="${y + 2}" y2="${y + NEM_H - 2}" class="nem-edge"/>` : ''}`);
    for (const f of n.faults) {
      const applied = f.from !== undefined ? `applied ${rel(f.from)} to ${f.to !== undefined ? rel(f.to) : '?'}${f.open ? ' (still on when the events end)' : ''}` : 'never applied';
      const title = `${f.label} · planned ${rel(f.planned.from)} to ${rel(f.planned.to)} · ${applied}`;
      parts.push(`<g class="nem-fault ${esc(f.kind)}"><title>${esc(title)}</title><rect x="${x(f.planned.from)}" y="${y + 3}" width="${w(f.planned.from, f.planned.to)}" height="10" class="nem-plan"/>`);
      if (f.from !== undefined && f.to !== undefined) parts.push(`<rect x="${x(f.from)}" y="${y + 15}" width="${w(f.from, f.to, 2)}" height="11" class="nem-on"/>`);
      parts.push('</g>');
    }
    parts.push('</g>');
    y += NEM_H;
  }

  const clusters = new Set(t.lanes.map((l) => l.cluster));
  for (const l of t.lanes) {
    const g: string[] = [`<rect x="${L}" y="${y + 2}" width="${W - L - 10}" height="${LANE_H - 4}" class="lane-bg"/>`];
    for (const s of l.spans) g.push(`<rect x="${x(s.from)}" y="${y + 2}" width="${w(s.from, s.to, 3)}" height="${LANE_H - 4}" class="span ${s.kind}${s.open ? ' open' : ''}"><title>${esc(`${SPAN_NAMES[s.kind]}: ${s.label} · ${rel(s.from)} to ${rel(s.to)}${s.open ? ' (still in force when the events end)' : ''}`)}</title></rect>`);
    for (const b of l.boots) g.push(`<rect x="${x(b.from)}" y="${y + 4}" width="${w(b.from, b.to, 2)}" height="9" class="${b.restored ? 'restore' : 'boot'}"><title>${esc(b.restored ? `restored from snapshot ${b.restored} in ${secs(b.to - b.from)} (${rel(b.from)})` : `boot: QEMU start to set up in ${secs(b.to - b.from)} (${rel(b.from)})`)}</title></rect>`);
    for (const k of l.ticks) g.push(`<rect x="${x(k.from)}" y="${y + 17}" width="${w(k.from, k.to)}" height="14" class="tick ${k.failed ? 'fail' : 'ok'}"><title>${esc(tickTitle(k, t.from))}</title></rect>`);
    const label = clusters.size > 1 ? `<text x="0" y="${y + 27}" class="sub">cluster ${esc(l.cluster)}</text>` : '';
    parts.push(`<g class="lane" data-machine="${esc(l.machine)}"><text x="0" y="${y + 15}" class="lane-label">${esc(l.machine)}</text>${label}${g.join('')}</g>`);
    y += LANE_H;
  }

  // Test starts and failures across every row.
  for (const m of t.tests) {
    parts.push(`<line x1="${x(m.from)}" x2="${x(m.from)}" y1="${AXIS_H}" y2="${y}" class="test-start"/>`);
    if (m.failedAt !== undefined) parts.push(`<line x1="${x(m.failedAt)}" x2="${x(m.failedAt)}" y1="${AXIS_H}" y2="${y}" class="fail-line"><title>${esc(`${tests.get(m.test)?.name ?? m.test} failed at ${rel(m.failedAt)}`)}</title></line>`);
  }

  const legend: [string, string][] = [['boot', 'boot'], ['restore', 'restore'], ['tick ok', 'command'], ['tick fail', 'failed command'], ...Object.entries(SPAN_NAMES).map(([k, v]): [string, string] => [`span ${k}`, v])];
  let lx = L;
  for (const [cls, name] of legend) {
    parts.push(`<rect x="${lx}" y="${y + 8}" width="12" height="10" class="${cls}"/><text x="${lx + 16}" y="${y + 17}" class="sub">${esc(name)}</text>`);
    lx += 28 + name.length * 6.6;
  }
  y += LEGEND_H;
  const label = `Timeline: ${t.lanes.length} machine(s) over ${secs(span)}, ${t.tests.length} test(s), ${t.nemeses.length} nemesis run(s)`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" aria-label="${esc(label)}" viewBox="0 0 ${W} ${y}" width="${W}" height="${y}">${parts.join('')}</svg>`;
}
