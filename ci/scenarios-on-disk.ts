/** The VM scenario files every CI matrix must list (GitHub's and GitLab's). */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Scenario names (scenarios/NAME.test.ts; in a subfolder DIR/NAME, e.g. nixpkgs/keepalived), sorted. */
export function scenariosOnDisk(dir = fileURLToPath(new URL('../scenarios', import.meta.url))): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith('lib/')) // lib/: helpers' own unit tests, not scenarios
    .map((f) => f.replace(/\.test\.ts$/, ''))
    .sort();
}
