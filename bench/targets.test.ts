import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatTargets, NOT_MEASURED, SUITE_NOTE, TARGETS, targetRows } from './targets.js';

/** A bench result with every figure a target reads (the shape bench/run.ts writes). */
const full = {
  date: 'x',
  imageBuild: { coldMs: 110_400, cacheHitMs: 3, derivedPackages: ['keepalived'], derivedColdMs: 29_996 },
  singleVm: { bootToReadyMs: 6300, succeedTrue: { n: 200, medianMs: 3.45, p95Ms: 29.5 } },
  threeNodeVlans: { coldBootToAllReadyMs: 14_700 },
  snapshots: { restoreMs: [3700, 3780, 3900], restoreMedianMs: 1500 },
};

describe('targetRows', () => {
  it("gives each of issue 28's eight targets its figure in the target's unit and whether it is met (≤ target)", () => {
    const rows = targetRows(full);
    expect(rows.map((r) => [r.figure, r.now, r.target, r.unit, r.met])).toEqual([
      ['npm test, warm caches', null, 20, 'min', null],
      ['npm test, clean clone incl. every image', null, 30, 'min', null],
      ['derived image (base + a package set), cold', 30, 30, 's', true],
      ['base image, cold', 110.4, 60, 's', false],
      ['restore formed 3-node etcd → healthy', 1.5, 1.5, 's', true],
      ['3-node cold boot → all ready', 14.7, 12, 's', false],
      ['1 VM boot → backdoor', 6.3, 5, 's', false],
      ["succeed('true') p95", 29.5, 15, 'ms', false],
    ]);
  });

  it("names in each bench target's JSON path only keys that bench/run.ts or bench/roundtrip.ts write (a renamed figure fails here)", () => {
    const source = ['run.ts', 'roundtrip.ts'].map((f) => readFileSync(fileURLToPath(new URL(f, import.meta.url)), 'utf8')).join('\n');
    const paths = TARGETS.flatMap((t) => (t.from ? [t.from] : []));
    expect(paths).toHaveLength(6);
    for (const key of paths.flatMap((p) => p.split('.'))) expect(source, key).toMatch(new RegExp(`\\b${key}\\b\\s*[:=]|results\\.${key}\\b`));
  });

  it("marks a figure the run skipped as not measured, and the suite's own timings as measured by the suite", () => {
    const rows = targetRows({ singleVm: full.singleVm }); // what --only roundtrip leaves
    const byFigure = Object.fromEntries(rows.map((r) => [r.figure, r]));
    expect(byFigure['base image, cold']).toEqual({ figure: 'base image, cold', from: 'imageBuild.coldMs', now: null, target: 60, unit: 's', met: null, note: NOT_MEASURED });
    expect(byFigure['3-node cold boot → all ready'].note).toBe(NOT_MEASURED);
    expect(byFigure['1 VM boot → backdoor'].met).toBe(false);
    expect(byFigure['npm test, warm caches']).toEqual({ figure: 'npm test, warm caches', now: null, target: 20, unit: 'min', met: null, note: SUITE_NOTE });
  });
});

describe('formatTargets', () => {
  it('prints one aligned line per target: value with unit, ≤ target, yes/no, or a dash and the reason', () => {
    const lines = formatTargets(targetRows({ singleVm: full.singleVm, imageBuild: { coldMs: 59_000 } })).split('\n');
    expect(lines[0]).toMatch(/^figure\s+now\s+target\s+met$/);
    expect(lines[1]).toMatch(/^npm test, warm caches\s+—\s+≤ 20 min\s+— measured by the suite: see the run report timings/);
    expect(lines[3]).toMatch(/^derived image \(base \+ a package set\), cold\s+—\s+≤ 30 s\s+— not measured in this run/);
    expect(lines[4]).toMatch(/^base image, cold\s+59 s\s+≤ 60 s\s+yes$/);
    expect(lines[8]).toMatch(/^succeed\('true'\) p95\s+29\.5 ms\s+≤ 15 ms\s+no$/);
    const met = lines[0].indexOf('met'); // the last column starts at the same place on every line
    expect([lines[1].indexOf('— measured'), lines[3].indexOf('— not measured'), lines[4].indexOf('yes'), lines[8].lastIndexOf('no')]).toEqual([met, met, met, met]);
  });
});
