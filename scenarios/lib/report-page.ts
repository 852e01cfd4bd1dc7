/**
 * What a reader must see in the timeline of a run report opened in a browser (scenarios/report.test.ts): a lane
 * per machine with its boot and command ticks whose hover text gives command, status and duration, reachable by
 * the mouse; fault spans of the given kinds; a band per test with the failed one marked and a red line where it
 * failed; the nemesis row with its seed and every fault applied.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export interface TimelineExpectation {
  machines: string[];
  /** A command, as run, that must have a tick of its own on `machine`. */
  command: { machine: string; text: string };
  /** Span kinds (partition, link, netem, down, clock, bridge) that must show on some lane. */
  spans: string[];
  /** A link span `machine` must show, by its label. */
  link: { machine: string; label: string };
  /** Test names (ends of their full names) that must have a band; `failed` is the one that failed. */
  tests: string[];
  failed: string;
  nemesis: { seed: number; faults: number };
}

const HOVER_TIMEOUT_MS = 5000; // playwright counts in milliseconds

export async function expectTimeline(page: Page, x: TimelineExpectation): Promise<void> {
  const tl = page.locator('svg.timeline').first();
  expect(await tl.isVisible(), 'the timeline').toBe(true);
  for (const m of x.machines) {
    const lane = tl.locator(`g.lane[data-machine="${m}"]`);
    expect(await lane.locator('.lane-label').textContent(), `lane of ${m}`).toBe(m);
    expect(await lane.locator('rect.boot').first().isVisible(), `boot of ${m}`).toBe(true);
    expect(await lane.locator('rect.tick').count(), `command ticks of ${m}`).toBeGreaterThan(0);
  }
  const ticks = tl.locator(`g.lane[data-machine="${x.command.machine}"] rect.tick`);
  const titles = await ticks.locator('title').allTextContents();
  const esc = x.command.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Its own tick ('… · at +12.3 s'), or a line of a tick of several commands started too close together to draw apart;
  // its duration in ms under a second, else in seconds (a loaded TCG host: seq took 3.5 s once).
  const i = titles.findIndex((t) => new RegExp(`^\\$ ${esc} · status 0 · (\\d+ ms|\\d+\\.\\d s)( · at \\+\\d+\\.\\d s)?$`, 'm').test(t));
  expect(i, `a tick of '${x.command.text}' with status and duration among:\n${titles.slice(0, 20).join('\n')}`).toBeGreaterThanOrEqual(0);
  await ticks.nth(i).hover({ timeout: HOVER_TIMEOUT_MS }); // on top, where the mouse reaches it
  for (const kind of x.spans) {
    const spans = tl.locator(`g.lane rect.span.${kind}`);
    expect(await spans.count(), `${kind} spans`).toBeGreaterThan(0);
    expect(await spans.first().isVisible(), `a visible ${kind} span`).toBe(true);
  }
  const link = await tl.locator(`g.lane[data-machine="${x.link.machine}"] rect.span.link title`).allTextContents();
  expect(link.some((t) => t.includes(x.link.label)), `link spans of ${x.link.machine}: ${link.join('; ')}`).toBe(true);
  for (const t of x.tests) expect(await tl.locator(`g.test-band[data-test$="${t}"]`).isVisible(), `band of test '${t}'`).toBe(true);
  expect(await tl.locator('g.test-band.failed').getAttribute('data-test')).toMatch(new RegExp(`${x.failed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  expect(await tl.locator('line.fail-line').count(), 'red lines where a test failed').toBe(1);
  const n = tl.locator(`g.nemesis[data-seed="${x.nemesis.seed}"]`);
  expect(await n.isVisible(), `nemesis row of seed ${x.nemesis.seed}`).toBe(true);
  expect(await n.locator('> title').textContent()).toContain(`replay: N3X_NEMESIS_SEED=${x.nemesis.seed}`);
  expect(await n.locator('rect.nem-on').count(), 'faults applied').toBe(x.nemesis.faults);
}
