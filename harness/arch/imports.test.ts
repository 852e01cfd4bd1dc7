import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, importsOf, layerOf, sourceFiles, upwardImports } from './imports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const graph = importGraph(root, sourceFiles(root, ['harness', 'profiles']));

describe('the import graph of harness/ and profiles/', () => {
  it('places every source file in a layer', () => {
    expect([...graph.keys()].filter((f) => layerOf(f) === undefined)).toEqual([]);
  });

  it('has no import from a lower layer to a higher one (type-only imports included)', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('has no cycle (type-only imports included)', () => {
    expect(importCycles(graph)).toEqual([]);
  });
});

describe('the graph reader', () => {
  it('counts type-only imports and re-exports as imports', () => {
    expect(importsOf("import type { A } from './a.js';\nexport { B } from '../b.js';\nimport 'node:fs';\nconst c = await import('./c.js');")).toEqual(['./a.js', '../b.js', './c.js']);
  });

  it('finds a cycle through three files and an upward import', () => {
    const g = new Map([
      ['harness/machine/a.ts', ['harness/machine/b.ts']],
      ['harness/machine/b.ts', ['harness/cluster/c.ts']],
      ['harness/cluster/c.ts', ['harness/machine/a.ts']],
    ]);
    expect(importCycles(g)).toEqual([['harness/cluster/c.ts', 'harness/machine/a.ts', 'harness/machine/b.ts']]);
    expect(upwardImports(g)).toEqual(['harness/machine/b.ts → harness/cluster/c.ts (layer 5 → 6)']);
  });
});
