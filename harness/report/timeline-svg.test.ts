import { describe, expect, it } from 'vitest';
import type { Timeline } from './timeline.js';
import { tickTitle, timelineSvg } from './timeline-svg.js';

const T0 = Date.parse('2026-12-03T10:00:00.000Z');
const at = (s: number) => T0 + s * 1000;
const timeline: Timeline = {
  from: at(0),
  to: at(100),
  tests: [{ test: 't1', from: at(10), to: at(40), open: false }, { test: 't2', from: at(41), to: at(90), open: false, failedAt: at(88) }],
  nemeses: [{ cluster: 'ab12', seed: 42, replay: false, from: at(50), to: at(80), faults: [{ kind: 'crash', label: '5.0–9.0 s crash n2', nodes: ['n2'], planned: { from: at(55), to: at(59) }, from: at(55), to: at(70), open: false }] }],
  lanes: [
    { cluster: 'ab12', machine: 'n1', boots: [{ from: at(1), to: at(9) }], ticks: [{ from: at(20), to: at(20.5), count: 1, failed: 0, commands: [{ command: 'ping -c1 <peer> && echo "ok"', status: 0, ms: 500, timedOut: false }] }], spans: [] },
    { cluster: 'ab12', machine: 'n2', boots: [{ from: at(2), to: at(3), restored: 'formed' }], ticks: [{ from: at(60), to: at(62), count: 40, failed: 2, commands: [{ command: 'etcdctl get r0', status: 1, ms: 3000, timedOut: true }] }], spans: [{ kind: 'down', from: at(55), to: at(70), open: false, label: 'down: power-cut (until started again)' }, { kind: 'netem', from: at(75), to: at(100), open: true, label: 'netem on eth1: loss 5%' }] },
  ],
};
const tests = new Map([['t1', { name: 'x > pings', state: 'passed' }], ['t2', { name: 'x > fails', state: 'failed' }]]);

describe('the timeline drawing', () => {
  const svg = timelineSvg(timeline, tests);

  it('has a lane per machine with its boots, restores, fault spans and command ticks, each with hover text', () => {
    expect(svg.match(/<g class="lane" data-machine="[^"]+">/g)).toEqual(['<g class="lane" data-machine="n1">', '<g class="lane" data-machine="n2">']);
    expect(svg).toContain('<title>boot: QEMU start to set up in 8.0 s (+1.0 s)</title>');
    expect(svg).toContain('<title>restored from snapshot formed in 1.0 s (+2.0 s)</title>');
    expect(svg).toContain('class="tick ok"><title>$ ping -c1 &lt;peer&gt; &amp;&amp; echo &quot;ok&quot; · status 0 · 500 ms · at +20.0 s</title>');
    expect(svg).toContain('class="tick fail"><title>40 commands (2 failed) from +60.0 s to +62.0 s; the first:\n$ etcdctl get r0 · timed out · 3.0 s</title>');
    expect(svg).toContain('class="span down"><title>machine down: down: power-cut (until started again) · +55.0 s to +70.0 s</title>');
    expect(svg).toContain('class="span netem open"><title>netem: netem on eth1: loss 5% · +75.0 s to +100.0 s (still in force when the events end)</title>');
  });

  it('draws test bands by name with the failure line, and the nemesis row with its seed and planned and applied faults', () => {
    expect(svg).toContain('<g class="test-band" data-test="x &gt; pings"><title>x &gt; pings · passed · +10.0 s to +40.0 s (30.0 s)</title>');
    expect(svg).toContain('<g class="test-band failed odd" data-test="x &gt; fails">');
    expect(svg).toMatch(/class="fail-line"><title>x &gt; fails failed at \+88\.0 s<\/title>/);
    expect(svg.match(/class="test-start"/g)).toHaveLength(2);
    expect(svg).toContain('<g class="nemesis" data-seed="42"><title>nemesis seed 42 · replay: N3X_NEMESIS_SEED=42</title>');
    expect(svg).toContain('<title>5.0–9.0 s crash n2 · planned +55.0 s to +59.0 s · applied +55.0 s to +70.0 s</title>');
    expect(svg).toMatch(/class="nem-plan"\/><rect [^>]*class="nem-on"\/>/);
  });

  it('places marks on a linear axis from the first event to the last', () => {
    // 1240 wide, 150 for labels, 10 margin: 1080 px for 100 s.
    expect(svg).toMatch(/<rect x="366\.0" y="\d+" width="5\.4" height="14" class="tick ok">/);
    expect(svg).toMatch(/<rect x="798\.0" y="\d+" width="21\.6" height="14" class="tick fail">/);
  });

  it("a tick's hover text cuts a long command and shows only its first line", () => {
    const t = tickTitle({ from: at(1), to: at(2), count: 1, failed: 0, commands: [{ command: `${'x'.repeat(300)}\nsecond line`, status: 0, ms: 1, timedOut: false }] }, at(0));
    expect(t).toBe(`$ ${'x'.repeat(159)}… … · status 0 · 1 ms · at +1.0 s`);
  });
});
