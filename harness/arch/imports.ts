/**
 * The import graph of the harness's own source (type-only imports and re-exports included) and its layers:
 * a module may import its own layer or one below, never one above, and no chain of imports may come back to
 * where it started. Read with TypeScript's own pre-processor, so no code is run. Pure but for reading files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Layers from the bottom up; a path belongs to the first prefix it starts with (longest prefixes first within a layer). */
export const LAYERS: string[][] = [
  ['harness/util/', 'harness/errors.ts', 'harness/log.ts'],
  ['harness/retry.ts', 'harness/accel.ts'],
  ['harness/console/', 'harness/qemu/'],
  ['harness/network/', 'harness/images/', 'profiles/'],
  ['harness/events.ts'],
  ['harness/machine/'],
  ['harness/cluster/'],
  ['harness/k3s/', 'harness/report/', 'harness/nemesis/', 'harness/rewind/'],
  ['harness/testing/', 'harness/repl/'],
  ['harness/cli/', 'harness/index.ts', 'harness/vitest.ts', 'harness/arch/'],
];

/** The layer of a repository-relative path, or undefined when it is outside every layer. Pure. */
export function layerOf(path: string, layers = LAYERS): number | undefined {
  const i = layers.findIndex((prefixes) => prefixes.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p)));
  return i < 0 ? undefined : i;
}

/** Repository-relative paths of the source files under `dirs` (tests only with `withTests`: a test may reach any layer). */
export function sourceFiles(root: string, dirs: string[], withTests = false): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts)$/.test(f) && (withTests || !/\.test\.ts$/.test(f)) && !f.endsWith('.d.ts')) out.push(relative(root, p));
    }
  };
  for (const d of dirs) walk(join(root, d));
  return out.sort();
}

/** The relative imports of a source text (import, import type, export … from, import()), as written. Pure. */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName).filter((s) => s.startsWith('.'));
}

/** file → the repository-relative files it imports (a `.js` specifier names the `.ts` beside it). */
export function importGraph(root: string, files: string[], read = (f: string) => readFileSync(join(root, f), 'utf8')): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of files) {
    g.set(f, importsOf(read(f)).map((s) => relative(root, resolve(root, dirname(f), s)).replace(/\.js$/, '.ts')));
  }
  return g;
}

/** Imports that go up a layer: `from → to (layer a → b)`. Pure. */
export function upwardImports(g: Map<string, string[]>, layers = LAYERS): string[] {
  const out: string[] = [];
  for (const [from, tos] of g) {
    const a = layerOf(from, layers);
    for (const to of tos) {
      const b = layerOf(to, layers);
      if (a !== undefined && b !== undefined && b > a) out.push(`${from} → ${to} (layer ${a} → ${b})`);
    }
  }
  return out;
}

/** Every cycle's files (strongly connected components of more than one file, or a file importing itself). Pure. */
export function importCycles(g: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      scc.push(w);
      if (w === v) break;
    }
    if (scc.length > 1 || (g.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}
