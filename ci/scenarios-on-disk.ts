/** The VM scenario files every CI matrix must list (GitHub's and GitLab's). */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Scenario names (scenarios/NAME.test.ts), sorted. */
export function scenariosOnDisk(dir = fileURLToPath(new URL('../scenarios', import.meta.url))): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => f.replace(/\.test\.ts$/, ''))
    .sort();
}
