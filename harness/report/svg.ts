/**
 * SVG drawings as strings: the cluster topology (laid out by dagre as a compound graph: segments on top,
 * each machine a box holding its NICs, bond and VLAN interfaces) and a machine's boot timeline.
 */
import dagre from '@dagrejs/dagre';
import type { BootView } from './model.js';
import { netemLabel, segmentLabel, type Topology } from './topology.js';

/** Escapes text for HTML and SVG. */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CHAR_W = 7.3;
const LINE_H = 15;

interface Box {
  lines: { text: string; cls?: string }[];
  cls: string;
}

function textBlock(x: number, y: number, lines: Box['lines']): string {
  const top = y - ((lines.length - 1) * LINE_H) / 2 + 4;
  return lines.map((l, i) => `<text x="${x.toFixed(1)}" y="${(top + i * LINE_H).toFixed(1)}" text-anchor="middle"${l.cls ? ` class="${l.cls}"` : ''}>${esc(l.text)}</text>`).join('');
}

type Graph = InstanceType<typeof dagre.graphlib.Graph>;

/** Lays the topology out: a box per segment, NIC, bond and VLAN interface inside its machine, and the cut links. */
function layout(t: Topology): { g: Graph; boxes: Map<string, Box>; cut: string[] } {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 42, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const boxes = new Map<string, Box>();
  const add = (id: string, box: Box, parent?: string) => {
    const w = Math.max(...box.lines.map((l) => l.text.length)) * CHAR_W + 18;
    g.setNode(id, { width: w, height: box.lines.length * LINE_H + 12 });
    if (parent) g.setParent(id, parent);
    boxes.set(id, box);
  };
  for (const s of t.segments) add(`seg:${s.name}`, { cls: 'seg', lines: [{ text: `${s.name} segment` }, { text: segmentLabel(s), cls: 'sub' }, ...(s.filter ? [{ text: `VLANs enforced: ${s.filter}`, cls: 'sub' }] : [])] });
  const cut: string[] = [];
  // dagre places nodes of a rank right to left in insertion order: insert in reverse to read left to right.
  for (const m of [...t.machines].reverse()) {
    const mid = `m:${m.name}`;
    g.setNode(mid, { label: m.name });
    for (const n of [...m.nics].reverse()) {
      add(`${mid}:${n.name}`, { cls: n.up ? 'nic' : 'nic cut', lines: [{ text: n.name }, ...(n.mac ? [{ text: n.mac, cls: 'sub' }] : []), ...(n.port ? [{ text: n.port, cls: 'sub' }] : []), ...(n.up ? [] : [{ text: 'LINK CUT', cls: 'bad' }])] }, mid);
      g.setEdge(`seg:${n.segment}`, `${mid}:${n.name}`);
      if (!n.up) cut.push(`seg:${n.segment}|${mid}:${n.name}`);
    }
    if (m.bond) {
      add(`${mid}:${m.bond.name}`, { cls: 'bond', lines: [{ text: m.bond.name }, { text: m.bond.mode, cls: 'sub' }, ...(m.netem[m.bond.name] ? [{ text: `netem ${netemLabel(m.netem[m.bond.name])}`, cls: 'netem' }] : [])] }, mid);
      for (const s of [...m.bond.slaves].reverse()) g.setEdge(`${mid}:${s}`, `${mid}:${m.bond.name}`);
    }
    for (const f of [...m.ifaces].reverse()) {
      if (f.name === f.parent) {
        // An untagged network on the NIC itself: the NIC box carries the address.
        const box = boxes.get(`${mid}:${f.name}`);
        box?.lines.push({ text: f.address, cls: 'addr' }, { text: f.nets.join(' + '), cls: 'sub' }, ...(m.netem[f.name] ? [{ text: `netem ${netemLabel(m.netem[f.name])}`, cls: 'netem' }] : []));
        if (box) g.setNode(`${mid}:${f.name}`, { width: Math.max(...box.lines.map((l) => l.text.length)) * CHAR_W + 18, height: box.lines.length * LINE_H + 12 });
        continue;
      }
      const lines = [{ text: f.name }, { text: f.address, cls: 'addr' }, { text: `${f.nets.join(' + ')}${f.vlan ? `, VLAN ${f.vlan}` : ''}`, cls: 'sub' }];
      if (m.netem[f.name]) lines.push({ text: `netem ${netemLabel(m.netem[f.name])}`, cls: 'netem' });
      add(`${mid}:${f.name}`, { cls: 'vlan', lines }, mid);
      g.setEdge(`${mid}:${f.parent}`, `${mid}:${f.name}`);
    }
  }
  dagre.layout(g);
  return { g, boxes, cut };
}

/** The topology as an SVG: machines, NICs (cut ones red), bonds, VLAN interfaces with addresses, segments, netem, partitions. */
export function topologySvg(t: Topology): string {
  const { g, boxes, cut } = layout(t);
  const side = (name: string) => {
    const p = t.partitions.find((x) => x.a.includes(name) || x.b.includes(name));
    return p ? (p.a.includes(name) ? 'A' : 'B') : undefined;
  };
  const parts: string[] = [];
  for (const m of t.machines) {
    const n = g.node(`m:${m.name}`);
    const s = side(m.name);
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2 - 18;
    parts.push(`<g class="machine${s ? ` side${s}` : ''}"><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${n.width.toFixed(1)}" height="${(n.height + 18).toFixed(1)}" rx="8"/>`);
    parts.push(`<text x="${(x + 8).toFixed(1)}" y="${(y + 14).toFixed(1)}" class="mname">${esc(m.name)}${m.role ? ` (${esc(m.role)})` : ''}${s ? ` · partition side ${s}` : ''}</text></g>`);
  }
  for (const e of g.edges()) {
    const pts: { x: number; y: number }[] = g.edge(e).points ?? [];
    const isCut = cut.includes(`${e.v}|${e.w}`);
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" class="${isCut ? 'link cut' : e.v.startsWith('seg:') ? 'link' : 'link inner'}"/>`);
    if (isCut && pts.length) {
      const mid = pts[Math.floor(pts.length / 2)];
      parts.push(`<text x="${mid.x.toFixed(1)}" y="${mid.y.toFixed(1)}" class="cutmark" text-anchor="middle">✂ cut</text>`);
    }
  }
  for (const [id, box] of boxes) {
    const n = g.node(id);
    parts.push(`<g class="node ${box.cls}"><rect x="${(n.x - n.width / 2).toFixed(1)}" y="${(n.y - n.height / 2).toFixed(1)}" width="${n.width.toFixed(1)}" height="${n.height.toFixed(1)}" rx="5"/>${textBlock(n.x, n.y, box.lines)}</g>`);
  }
  const gr = g.graph();
  let h = (gr.height ?? 0) + 10;
  const w = Math.max(gr.width ?? 0, 300);
  for (const p of t.partitions) {
    parts.push(`<text x="12" y="${(h + 6).toFixed(1)}" class="partition">partition: A = ${esc(p.a.join(', '))}  |  B = ${esc(p.b.join(', '))} (frames between A and B dropped)</text>`);
    h += LINE_H + 4;
  }
  const label = `Topology of cluster ${t.cluster}: ${t.machines.map((m) => m.name).join(', ')}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="topo" role="img" aria-label="${esc(label)}" viewBox="0 -10 ${w.toFixed(0)} ${(h + 16).toFixed(0)}" width="${w.toFixed(0)}" height="${(h + 16).toFixed(0)}">${parts.join('')}</svg>`;
}

const PHASE_CLASS: Record<string, string> = { kernel: 'ph-kernel', initramfs: 'ph-initramfs', systemd: 'ph-systemd', backdoor: 'ph-backdoor' };

/** Axis step (s) giving about 6–10 ticks. */
export function step(max: number): number {
  for (const s of [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300]) if (max / s <= 10) return s;
  return 600;
}

/** A machine's boots on a seconds axis: guest-clock phases from the serial log, host-measured ready and set-up. */
export function bootTimelineSvg(boots: BootView[]): string {
  if (!boots.length) return '<p class="muted">no boot recorded</p>';
  const W = 640;
  const L = 110;
  const rows: string[] = [];
  let y = 4;
  for (const [i, b] of boots.entries()) {
    const guestEnd = b.serial?.phases.at(-1)?.s ?? 0;
    const max = Math.max(b.doneMs / 1000, guestEnd, 0.5);
    const sx = (s: number) => L + (s / max) * (W - L - 10);
    const when = new Date(b.spawnAt).toISOString().slice(11, 19);
    rows.push(`<text x="0" y="${y + 12}" class="bootlabel">boot ${i + 1} · ${when}</text>`);
    y += 18;
    if (b.restored) {
      rows.push(`<text x="0" y="${y + 12}">host</text><rect x="${sx(0)}" y="${y}" width="${sx(b.doneMs / 1000) - sx(0)}" height="16" class="ph-restore"/>`);
      rows.push(`<text x="${sx(0) + 4}" y="${y + 12}" class="barlabel">restored from snapshot ${esc(b.restored.name)} in ${(b.doneMs / 1000).toFixed(1)} s (saved ${esc(b.restored.createdAt)})</text>`);
      y += 26;
      continue;
    }
    const phases = b.serial?.phases ?? [];
    if (phases.length) {
      rows.push(`<text x="0" y="${y + 12}">guest clock</text>`);
      for (const [j, p] of phases.entries()) {
        const end = phases[j + 1]?.s ?? (p.name === 'backdoor' ? p.s : guestEnd);
        const width = Math.max(sx(end) - sx(p.s), p.name === 'backdoor' ? 3 : 1);
        rows.push(`<rect x="${sx(p.s).toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="16" class="${PHASE_CLASS[p.name]}"><title>${p.name} at ${p.s.toFixed(2)} s (guest clock)</title></rect>`);
        rows.push(`<text x="${(sx(p.s) + 3).toFixed(1)}" y="${y + 28 + (j % 2) * 11}" class="phlabel">${p.name} ${p.s.toFixed(1)}s</text>`);
      }
      y += 46;
    }
    rows.push(`<text x="0" y="${y + 12}">host</text>`);
    if (b.phases?.length) {
      // One stacked bar: each phase from where the previous one ended, labelled under it.
      let at = 0;
      for (const [j, p] of b.phases.entries()) {
        const x0 = sx(at / 1000);
        const w = Math.max(1, sx((at + p.ms) / 1000) - x0);
        rows.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="16" class="ph-${p.name === 'setup' ? 'net' : p.name === 'firmware' ? 'spawn' : p.name}"><title>${p.name}: ${(p.ms / 1000).toFixed(2)} s (host clock)</title></rect>`);
        rows.push(`<text x="${(x0 + 3).toFixed(1)}" y="${y + 28 + (j % 2) * 11}" class="phlabel">${p.name} ${(p.ms / 1000).toFixed(1)}s</text>`);
        at += p.ms;
      }
      y += 12;
    } else if (b.readyMs !== undefined) {
      rows.push(`<rect x="${sx(0)}" y="${y}" width="${(sx(b.readyMs / 1000) - sx(0)).toFixed(1)}" height="16" class="ph-spawn"><title>QEMU start to backdoor ready: ${(b.readyMs / 1000).toFixed(1)} s</title></rect>`);
      rows.push(`<rect x="${sx(b.readyMs / 1000).toFixed(1)}" y="${y}" width="${Math.max(1, sx(b.doneMs / 1000) - sx(b.readyMs / 1000)).toFixed(1)}" height="16" class="ph-net"><title>network set-up: ${((b.doneMs - b.readyMs) / 1000).toFixed(1)} s</title></rect>`);
      rows.push(`<text x="${(sx(0) + 3).toFixed(1)}" y="${y + 28}" class="phlabel">backdoor ready ${(b.readyMs / 1000).toFixed(1)}s · network set up ${(b.doneMs / 1000).toFixed(1)}s</text>`);
    }
    y += 34;
    const st = step(max);
    for (let s = 0; s <= max + 1e-9; s += st) rows.push(`<line x1="${sx(s).toFixed(1)}" x2="${sx(s).toFixed(1)}" y1="${y - 4}" y2="${y}" class="tick"/><text x="${sx(s).toFixed(1)}" y="${y + 10}" text-anchor="middle" class="ticklabel">${s}s</text>`);
    y += 18;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" class="boot" viewBox="0 0 ${W} ${y}" width="${W}" height="${y}">${rows.join('')}</svg>`;
}
