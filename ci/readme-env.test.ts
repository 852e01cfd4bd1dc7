/** Every N3X_* variable the code reads is documented in the README's Environment table. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const DIRS = ['harness', 'profiles', 'scenarios', 'fixtures', 'ci', 'bench', 'images', 'bin'];
const SELF = join(ROOT, 'ci', 'readme-env.test.ts');
/** Names that configure nothing: smoke's guest-side proof that an unset variable stays unset. */
// Not settings: a name a test proves unset, a heredoc delimiter, and the k3s stand-in's guest-side internals.
const NOT_SETTINGS = new Set(['N3X_NOT_SET', 'N3X_FLAGS', 'N3X_STANDIN_STATE', 'N3X_STANDIN_PORT', 'N3X_STANDIN_JOIN_PORT', 'N3X_STANDIN_HEALTH_PORT', 'N3X_STANDIN_RUN', 'N3X_STANDIN_SELF']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|js|sh)$/.test(n) && p !== SELF ? [p] : [];
  });
}

/** N3X_ names in code (scenarios read some themselves, e.g. which backends to run), with a file naming each. */
export function variablesInCode(files: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/\bN3X_[A-Z0-9_]+/g)) if (!found.has(m[0])) found.set(m[0], f);
  return found;
}

/** N3X_ names in the first column of the README's Environment table. */
export function variablesInReadme(readme: string): Set<string> {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Environment')) ?? '';
  const names = section.split('\n').filter((l) => l.startsWith('|')).flatMap((l) => [...(l.split('|')[1] ?? '').matchAll(/N3X_[A-Z0-9_]+/g)].map((m) => m[0]));
  return new Set(names);
}

describe('README Environment table', () => {
  it('documents every N3X_* variable the code reads', () => {
    const files = DIRS.flatMap((d) => { try { return sources(join(ROOT, d)); } catch { return []; } });
    const documented = variablesInReadme(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const missing = [...variablesInCode(files)].filter(([v]) => !documented.has(v) && !NOT_SETTINGS.has(v)).map(([v, f]) => `${v} (${f.slice(ROOT.length + 1)})`);
    expect(missing, 'add these to the Environment table in README.md').toEqual([]);
  });
  it('finds a variable missing from a table', () => {
    expect([...variablesInReadme('## Environment\n\n| v | m |\n|---|---|\n| `N3X_A` | a |\n| `N3X_B=x`, `N3X_C` | b |\n\n## Next\n| `N3X_D` | d |\n')]).toEqual(['N3X_A', 'N3X_B', 'N3X_C']);
  });
});
