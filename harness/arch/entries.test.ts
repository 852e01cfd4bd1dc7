import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importGraph, sourceFiles } from './imports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, unknown> };
const ENTRIES = ['harness/index.ts', 'harness/vitest.ts'];

/** Imports of the harness or profiles that are not a public entry, as `from → to`. */
function bypasses(files: string[], read?: (f: string) => string): string[] {
  return [...importGraph(root, files, read)].flatMap(([from, tos]) => tos.filter((t) => /^(harness|profiles)\//.test(t) && !ENTRIES.includes(t)).map((t) => `${from} → ${t}`));
}

describe('the public entries', () => {
  it('package.json exports `.` and `./vitest`, each with types', () => {
    expect(pkg.exports['.']).toEqual({ types: './harness/index.ts', default: './harness/index.ts' });
    expect(pkg.exports['./vitest']).toEqual({ types: './harness/vitest.ts', default: './harness/vitest.ts' });
  });

  it('scenarios (tests and helpers) import the harness only through them, type-only imports included', () => {
    const files = sourceFiles(root, ['scenarios'], true);
    expect(files.filter((f) => f.endsWith('.test.ts')).length).toBeGreaterThan(20);
    expect(bypasses(files)).toEqual([]);
  });

  it('catches a scenario that reaches into harness/machine', () => {
    const text = "import type { Machine } from '../harness/machine/machine.js';\nimport { useCluster } from '../harness/vitest.js';";
    expect(bypasses(['scenarios/x.test.ts'], () => text)).toEqual(['scenarios/x.test.ts → harness/machine/machine.ts']);
  });
});
