import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { useScratchDir } from '../testing/scratch.js';
import { readTimings } from './timings.js';

const dir = useScratchDir('n3x-timings-cli-');
const bin = fileURLToPath(new URL('../../bin/n3x.js', import.meta.url));
const file = (f: string, wall: number) => ({ file: f, project: 'vm', wall, image: 0, boot: wall / 2, restore: 0, test: wall / 2, other: 0, built: [] });
const timings = { files: [file('scenarios/etcd-ha.test.ts', 300), file('scenarios/smoke.test.ts', 40)], total: { wall: 340, image: 0, boot: 170, restore: 0, test: 170, other: 0 } };

describe('readTimings', () => {
  it("says what to do when the report is missing, not JSON, or written before timings", () => {
    expect(() => readTimings(join(dir, 'none.json'))).toThrow(/no run report at .*none\.json.*run the suite first/s);
    writeFileSync(join(dir, 'page.html'), '<!doctype html>');
    expect(() => readTimings(join(dir, 'page.html'))).toThrow(ConfigError);
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ files: [] }));
    expect(() => readTimings(join(dir, 'old.json'))).toThrow(/has no timings.*run the suite again/s);
  });
});

describe('npx n3x timings', () => {
  it("prints a report's timings costliest first; --top keeps the n costliest and the total of all", async () => {
    const path = join(dir, 'report.json');
    writeFileSync(path, JSON.stringify({ files: [], timings }));
    const all = await execa('node', [bin, 'timings', path]);
    expect(all.stdout.split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['file', 'scenarios/etcd-ha.test.ts', 'scenarios/smoke.test.ts', 'total']);
    const top = await execa('node', [bin, 'timings', path, '--top', '1']);
    expect(top.stdout.split('\n').slice(1)).toEqual([expect.stringMatching(/^scenarios\/etcd-ha\.test\.ts +300\.0 /), '… 1 cheaper file(s) not shown', expect.stringMatching(/^total \(2 files\) +340\.0 /)]);
    const bad = await execa('node', [bin, 'timings', path, '--top', 'x'], { reject: false });
    expect([bad.exitCode, bad.stderr]).toEqual([2, expect.stringContaining("--top: 'x' is not a count of files")]);
  }, 60_000);
});
