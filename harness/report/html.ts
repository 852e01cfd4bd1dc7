/**
 * The report page: one self-contained HTML file (inline CSS and SVG, no script, no network) with the run's
 * timings per file, files and tests, failures with their serial tails, each file's timeline, and per cluster its
 * topology, faults, k3s tables and machines (boot timeline, commands collapsed, serial log). Pure; links point
 * into the report dir.
 */
import type { ClusterView, CommandView, ErrorView, FileView, MachineView, ReportData, TestView } from './model.js';
import type { RecordedText } from './events.js';
import { bootTimelineSvg, esc, topologySvg } from './svg.js';
import type { Timeline } from './timeline.js';
import type { FileTimings, TimingParts } from './timings.js';
import { timelineSvg, type TestNames } from './timeline-svg.js';

/** Command rows shown per machine (the newest; all are in the linked commands file and report.json). */
export const COMMAND_ROWS = 300;

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
main{padding:8px 24px 40px;max-width:1400px}
a{color:#2456c7}.muted{color:#6b7280}
pre{background:#fff;border:1px solid #d9dde3;border-radius:4px;padding:8px;overflow:auto;max-height:420px;font:12px/1.35 ui-monospace,monospace;white-space:pre-wrap;word-break:break-all;margin:4px 0}
.badge{display:inline-block;border-radius:10px;padding:0 9px;font-size:12px;font-weight:600;color:#fff;margin-right:6px}
.passed{background:#1a7f37}.failed{background:#cf222e}.skipped,.pending,.todo{background:#8c959f}.queued{background:#8c959f}
section.file{background:#fff;border:1px solid #d9dde3;border-radius:6px;margin:16px 0;padding:4px 16px 12px}
section.file>h2{font-size:16px;margin:10px 0}
section.timings{background:#fff;border:1px solid #d9dde3;border-radius:6px;margin:16px 0;padding:4px 16px 12px}section.timings>h2{font-size:16px;margin:10px 0}
table.timings .num{text-align:right;font-variant-numeric:tabular-nums}table.timings tr.total{border-top:1px solid #d9dde3}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px 3px 0;text-align:left;vertical-align:top;font-size:13px}
.failure{border-left:4px solid #cf222e;background:#fff5f5;padding:6px 12px;margin:8px 0}
.failure h4{margin:8px 0 2px;font-size:13px}
.cluster{border-top:1px solid #d9dde3;margin-top:12px}.cluster h3{font-size:15px;margin:10px 0 4px}
.topowrap{overflow:auto;background:#fbfcfd;border:1px solid #e3e6ea;border-radius:4px;padding:6px}
details{margin:4px 0}summary{cursor:pointer}
details.machine{border:1px solid #e3e6ea;border-radius:4px;padding:4px 10px;background:#fff}
details.cmd summary{font:12px ui-monospace,monospace;white-space:pre-wrap}
.st0{color:#1a7f37}.stx{color:#cf222e}
svg text{font:12px ui-monospace,monospace;fill:#1d2330}
svg .sub{fill:#57606a;font-size:11px}svg .addr{fill:#0b5cad;font-weight:600}svg .netem{fill:#b35900;font-weight:600}svg .bad{fill:#cf222e;font-weight:700}
svg .machine rect{fill:#f3f6fb;stroke:#9aa7b8;stroke-width:1.2}svg .machine.sideA rect{fill:#eaf2ff;stroke:#2456c7}svg .machine.sideB rect{fill:#f6ecff;stroke:#8250df}
svg .mname{font-weight:700;font-size:13px}
svg .node rect{stroke-width:1.2}svg .seg rect{fill:#fff4d6;stroke:#bf8700}svg .nic rect{fill:#fff;stroke:#57606a}svg .nic.cut rect{fill:#fff0f0;stroke:#cf222e;stroke-width:2}
svg .bond rect{fill:#eef9f0;stroke:#1a7f37}svg .vlan rect{fill:#eef5ff;stroke:#2456c7}
svg .link{fill:none;stroke:#8c959f;stroke-width:1.6}svg .link.inner{stroke:#b0b8c2}svg .link.cut{stroke:#cf222e;stroke-dasharray:6 4;stroke-width:2}
svg .cutmark{fill:#cf222e;font-weight:700}svg .partition{fill:#8250df;font-weight:700}
svg .ph-kernel{fill:#6e7781}svg .ph-initramfs{fill:#bf8700}svg .ph-systemd{fill:#2456c7}svg .ph-backdoor{fill:#1a7f37}
svg .ph-spawn{fill:#8c959f}svg .ph-net{fill:#1a7f37}svg .ph-restore{fill:#8250df}svg .barlabel{fill:#fff}
svg .phlabel,svg .ticklabel{font-size:10px;fill:#57606a}svg .tick{stroke:#8c959f}svg .bootlabel{font-weight:700}
.tlwrap{overflow:auto;background:#fbfcfd;border:1px solid #e3e6ea;border-radius:4px;padding:6px;margin:6px 0}
svg.timeline .tick-axis{stroke:#8c959f}svg.timeline .rowlabel,svg.timeline .lane-label{font-weight:700}
svg.timeline .test-band rect{fill:#e8eef7;stroke:#9aa7b8}svg.timeline .test-band.odd rect{fill:#f3f6fb}svg.timeline .test-band.failed rect{fill:#ffe1e1;stroke:#cf222e}
svg.timeline .testname{font-size:11px}svg.timeline .test-start{stroke:#57606a;stroke-dasharray:3 3;stroke-width:.8}svg.timeline .fail-line{stroke:#cf222e;stroke-width:2}
svg.timeline .lane-bg{fill:#fff;stroke:#e3e6ea}svg.timeline .boot{fill:#2456c7}svg.timeline .restore{fill:#8250df}
svg.timeline .tick{stroke:none}svg.timeline .tick.ok{fill:#1a7f37}svg.timeline .tick.fail{fill:#cf222e}
svg.timeline .span{fill-opacity:.28;stroke-opacity:.7;stroke-width:1}svg.timeline .span.open{stroke-dasharray:4 3}
svg.timeline .span.partition{fill:#8250df;stroke:#8250df}svg.timeline .span.bridge{fill:#0969da;stroke:#0969da}svg.timeline .span.link{fill:#cf222e;stroke:#cf222e}
svg.timeline .span.netem{fill:#bf8700;stroke:#bf8700}svg.timeline .span.down{fill:#1d2330;stroke:#1d2330}svg.timeline .span.clock{fill:#1b7c83;stroke:#1b7c83}
svg.timeline .nem-plan{fill:none;stroke:#57606a;stroke-dasharray:2 2}svg.timeline .nem-on{fill:#b35900;stroke:#fff;stroke-width:1}svg.timeline .nem-edge{stroke:#b35900;stroke-width:2}
`;

const dur = (ms?: number) => (ms === undefined ? '' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
const badge = (state: string) => `<span class="badge ${esc(state)}">${esc(state)}</span>`;
const anchor = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '_');

function recorded(r: RecordedText, what: string): string {
  if (!r.text && !r.omitted) return '';
  const note = r.omitted ? `<div class="muted">[… ${r.omitted} characters cut${r.file ? `; <a href="${esc(r.file)}">full ${what}</a>` : ''}]</div>` : '';
  return `${note}<pre>${esc(r.text)}</pre>`;
}

function errorBlock(e: ErrorView): string {
  const stack = e.stack && !e.stack.startsWith(e.message) ? `\n${e.stack}` : (e.stack ?? '');
  return `<pre>${esc(stack || e.message)}</pre>`;
}

function testRow(t: TestView, fileId: string): string {
  const note = t.state === 'skipped' && t.skipNote ? `<span class="muted">skipped: ${esc(t.skipNote)}</span>` : '';
  const row = `<tr id="${fileId}-${anchor(t.id)}"><td>${badge(t.state)}</td><td>${esc(t.fullName)}</td><td class="muted">${dur(t.durationMs)}</td><td>${note}</td></tr>`;
  if (t.state !== 'failed') return row;
  // Tails of the machines the error names are open; when it names none, all are.
  const errText = t.errors.map((e) => `${e.message}\n${e.stack ?? ''}`).join('\n');
  const named = t.serialTails.filter((s) => new RegExp(`\\b${s.machine}\\b`).test(errText));
  const tails = t.serialTails.map((s) => `<details class="tail"${!named.length || named.includes(s) ? ' open' : ''}><summary><b>serial tail of ${esc(s.machine)}</b>${s.up === false ? ' (down)' : ''} · cluster ${esc(s.cluster)}</summary><pre>${esc(s.lines.join('\n'))}</pre></details>`).join('');
  const rewind = t.rewind ? `<h4>rewind</h4><pre>${esc(t.rewind)}</pre>` : '';
  return `${row}<tr><td></td><td colspan="3"><div class="failure"><h4>error</h4>${t.errors.map(errorBlock).join('')}${rewind}${tails}</div></td></tr>`;
}

/** Consecutive identical commands with the same status (polls) shown as one row. */
function grouped(cmds: CommandView[]): { c: CommandView; n: number; first: CommandView }[] {
  const out: { c: CommandView; n: number; first: CommandView }[] = [];
  for (const c of cmds) {
    const last = out.at(-1);
    if (last && last.c.command.text === c.command.text && last.c.status === c.status && !c.stdout.omitted) {
      last.n++;
      last.c = c;
    } else out.push({ c, n: 1, first: c });
  }
  return out;
}

function commandList(m: MachineView, testNames: Map<string, string>, commandsFile?: string): string {
  const rows = grouped(m.commands);
  const shown = rows.slice(-COMMAND_ROWS);
  const cut = rows.length - shown.length;
  const head = cut ? `<p class="muted">${cut} earlier command rows not shown${commandsFile ? `; <a href="${esc(commandsFile)}">all commands</a>` : ''}</p>` : '';
  return head + shown.map(({ c, n }) => {
    const st = c.timedOut ? 'timed out' : `status ${c.status}`;
    const test = c.test ? ` · ${testNames.get(c.test) ?? c.test}` : '';
    const cmdLine = c.command.text.split('\n')[0] + (c.command.text.includes('\n') || c.command.omitted ? ' …' : '');
    const whole = c.command.text.includes('\n') || c.command.omitted ? recorded(c.command, 'command') : '';
    return `<details class="cmd"><summary><span class="${c.status === 0 && !c.timedOut ? 'st0' : 'stx'}">${esc(st)}</span> ${esc(dur(c.ms))}${n > 1 ? ` ×${n}` : ''} $ ${esc(cmdLine)}<span class="muted">${esc(test)}</span></summary>${whole}${c.stdout.text || c.stdout.omitted ? `<div class="muted">stdout</div>${recorded(c.stdout, 'stdout')}` : ''}${c.stderr.text || c.stderr.omitted ? `<div class="muted">stderr</div>${recorded(c.stderr, 'stderr')}` : ''}</details>`;
  }).join('');
}

function machineBlock(c: ClusterView, m: MachineView, testNames: Map<string, string>, files: ReportFiles): string {
  const serial = m.serial
    ? `<details><summary>serial log (${m.serial.lines} lines${m.serial.lines > m.serial.tail.length ? `, last ${m.serial.tail.length} shown` : ''})${m.serial.file ? ` · <a href="${esc(m.serial.file)}">full serial.log</a>` : ''}</summary><pre>${esc(m.serial.tail.join('\n'))}</pre></details>`
    : '<p class="muted">no serial log captured</p>';
  const restored = m.boots.some((b) => b.restored) ? ' · restored from snapshot' : '';
  return `<details class="machine" id="${anchor(`${c.id}-${m.name}`)}"><summary><b>${esc(m.name)}</b> — ${m.boots.length} boot(s)${restored}, ${m.commands.length} command(s)</summary>
<h4>boot timeline</h4>${bootTimelineSvg(m.boots)}
<details><summary>commands (${m.commands.length})</summary>${commandList(m, testNames, files.commands(c.id, m.name))}</details>${serial}</details>`;
}

function k3sTables(c: ClusterView): string {
  return c.k3s.map((k) => {
    const nodes = k.nodes.map((n) => `<tr><td>${esc(n.name)}</td><td>${n.ready ? badge('passed').replace('passed</span>', 'Ready</span>') : badge('failed').replace('failed</span>', 'NotReady</span>')}</td><td>${esc(n.roles ?? '')}</td><td>${esc(n.internalIP ?? '')}</td><td>${esc(n.version ?? '')}</td></tr>`).join('');
    const pods = k.pods.map((p) => `<tr><td>${esc(p.namespace)}</td><td>${esc(p.name)}</td><td>${esc(p.phase)}</td><td>${esc(p.node ?? '')}</td><td>${esc(p.ip ?? '')}</td><td>${p.restarts ?? ''}</td></tr>`).join('');
    return `<h4>k3s at ${new Date(k.t).toISOString().slice(11, 19)}</h4><table><tr><th>node</th><th>status</th><th>roles</th><th>internal IP</th><th>version</th></tr>${nodes}</table>
<table><tr><th>namespace</th><th>pod</th><th>phase</th><th>node</th><th>IP</th><th>restarts</th></tr>${pods}</table>`;
  }).join('');
}

/** The topology at the first failure (when one was recorded) with the end state collapsed, else the end state. */
function topologies(c: ClusterView, testNames: Map<string, string>): string {
  const end = `<div class="topowrap">${topologySvg(c.topology)}</div>`;
  if (!c.atFailure) return end;
  const name = testNames.get(c.atFailure.test) ?? c.atFailure.test;
  return `<h4>topology when "${esc(name)}" failed</h4><div class="topowrap">${topologySvg(c.atFailure.topology)}</div><details><summary>topology at the end</summary>${end}</details>`;
}

function clusterBlock(c: ClusterView, testNames: Map<string, string>, files: ReportFiles): string {
  const t = c.topology;
  const faults = c.faults.length
    ? `<details><summary>faults applied (${c.faults.length})</summary><table>${c.faults.map((f) => `<tr><td class="muted">${new Date(f.t).toISOString().slice(11, 19)}</td><td>${esc(f.label)}</td><td class="muted">${esc(f.test ? (testNames.get(f.test) ?? '') : '')}</td></tr>`).join('')}</table></details>`
    : '';
  return `<div class="cluster" id="cluster-${anchor(c.id)}"><h3>cluster ${esc(c.id)}${c.name ? ` (${esc(c.name)})` : ''} · profile ${esc(t.profile)} · ${esc(t.backend)} backend · ${t.machines.length} machine(s)</h3>
<p class="muted">${esc(t.description)}</p>${topologies(c, testNames)}${faults}${k3sTables(c)}
${c.machines.map((m) => machineBlock(c, m, testNames, files)).join('\n')}</div>`;
}

/** The timeline, titled, in a scrolling box. */
function timelineBlock(t: Timeline | undefined, tests: TestNames): string {
  if (!t) return '';
  return `<h3>timeline</h3><p class="muted">One lane per machine: boots and restores on top, each command a tick below (green ok, red failed; hover for command, status and duration), faults shaded over the lane; tests above, with each nemesis's schedule (outlined as planned, filled as applied); a red line where a test failed.</p><div class="tlwrap">${timelineSvg(t, tests)}</div>`;
}

function fileBlock(f: FileView, i: number, files: ReportFiles): string {
  const id = `file-${i}`;
  const names = new Map(f.tests.map((t) => [t.id, t.fullName]));
  const tl = timelineBlock(f.timeline, new Map(f.tests.map((t) => [t.id, { name: t.fullName, state: t.state }])));
  const errors = f.errors.length ? `<div class="failure"><h4>error outside the tests (collection or a hook)</h4>${f.errors.map(errorBlock).join('')}</div>` : '';
  return `<section class="file" id="${id}"><h2>${badge(f.state)}${esc(f.relFile)} <span class="muted">· ${esc(f.project)} · ${dur(f.durationMs)}</span></h2>${errors}
<table>${f.tests.map((t) => testRow(t, id)).join('')}</table>${tl}${f.clusters.map((c) => clusterBlock(c, names, files)).join('')}</section>`;
}

/** Rows of the timings table shown before the rest fold away. */
export const TIMING_ROWS = 20;
const TIMING_PARTS = ['wall', 'image', 'boot', 'restore', 'test', 'other'] as const;

/** Where each file's wall time went, costliest first, each file linked to its section; the totals last. */
function timingsBlock(r: ReportData): string {
  const t = r.timings;
  if (!t.files.length) return '';
  const cells = (p: TimingParts) => TIMING_PARTS.map((k) => `<td class="num">${p[k].toFixed(1)}</td>`).join('');
  const row = (f: FileTimings) => {
    const i = r.files.findIndex((x) => x.relFile === f.file && x.project === f.project);
    const name = i < 0 ? esc(f.file) : `<a href="#file-${i}">${esc(f.file)}</a>`;
    const built = f.built.length ? ` title="built: ${esc(f.built.join(', '))}"` : '';
    return `<tr${built}><td>${name}</td>${cells(f)}</tr>`;
  };
  const head = `<tr><th>file</th>${TIMING_PARTS.map((k) => `<th class="num">${k} s</th>`).join('')}</tr>`;
  const total = `<tr class="total"><th>total (${t.files.length} file(s))</th>${cells(t.total)}</tr>`;
  const rest = t.files.slice(TIMING_ROWS);
  const more = rest.length ? `<details><summary>${rest.length} cheaper file(s)</summary><table class="timings">${head}${rest.map(row).join('')}</table></details>` : '';
  return `<section class="timings" id="timings"><h2>Timings</h2><p class="muted">Seconds per file, costliest first: images made ready (hover a row for the images it built), cold boots and restores (overlapping ones counted once, as wall time), the tests besides the boots and restores in them, and the rest (imports, hooks, cluster set-up and teardown).</p>
<table class="timings">${head}${t.files.slice(0, TIMING_ROWS).map(row).join('')}${total}</table>${more}</section>`;
}

/** Where per-machine extra files live (relative links), decided by the writer. */
export interface ReportFiles {
  commands(cluster: string, machine: string): string | undefined;
}

/** The whole page. */
export function renderHtml(r: ReportData, files: ReportFiles = { commands: () => undefined }): string {
  const c = r.counts;
  const order = (f: FileView) => (f.state === 'failed' || f.errors.length ? 0 : f.state === 'passed' ? 2 : 1);
  const sorted = r.files.map((f, i) => ({ f, i })).sort((a, b) => order(a.f) - order(b.f) || a.i - b.i);
  const nav = sorted.map(({ f, i }) => `<li>${badge(f.state)}<a href="#file-${i}">${esc(f.relFile)}</a> <span class="muted">${f.tests.length} test(s), ${dur(f.durationMs)}</span></li>`).join('');
  const unhandled = r.unhandledErrors.length ? `<div class="failure"><h4>unhandled errors</h4>${r.unhandledErrors.map(errorBlock).join('')}</div>` : '';
  const others = r.otherClusters.length ? `<section class="file"><h2>${r.files.length ? 'clusters started outside these files (nested runs)' : 'clusters'}</h2>${timelineBlock(r.otherTimeline, new Map())}${r.otherClusters.map((x) => clusterBlock(x, new Map(), files)).join('')}</section>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>n3x report · ${c.failed ? `${c.failed} failed` : 'passed'}</title><style>${CSS}</style></head><body>
<header><h1>n3x run report</h1><div>${esc(r.generatedAt)} · ${dur(r.durationMs)} · ${c.files} file(s) · ${badge('passed')}${c.passed} ${badge('failed')}${c.failed} ${badge('skipped')}${c.skipped}${c.fileErrors ? ` · ${c.fileErrors} file error(s)` : ''} · <a style="color:#9cc3ff" href="report.json">report.json</a></div></header>
<main>${unhandled}<ul>${nav}</ul>${timingsBlock(r)}${sorted.map(({ f, i }) => fileBlock(f, i, files)).join('\n')}${others}</main></body></html>\n`;
}
