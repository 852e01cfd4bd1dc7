/**
 * Machine API timeouts are seconds (nixosTest units): a `{ timeout: N }` with N of an hour or more in a scenario,
 * fixture or bench is almost surely milliseconds by mistake (30_000 would be 8 h 20 min).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** `timeout: <number>` literals of 3600 or more (seconds), with file and line. */
export function suspiciousTimeouts(text: string, file: string): string[] {
  return text.split('\n').flatMap((line, i) =>
    [...line.matchAll(/(?<![A-Za-z])timeout:\s*([\d_]+)/g)].filter((m) => Number(m[1].replace(/_/g, '')) >= 3600).map((m) => `${file}:${i + 1}: timeout: ${m[1]}`),
  );
}

describe('timeouts are in seconds', () => {
  it('no scenario, fixture or bench passes milliseconds as a Machine API timeout', () => {
    const files = ['scenarios', 'fixtures', 'bench'].flatMap((d) => (readdirSync(join(ROOT, d), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(d, f)));
    expect(files.flatMap((f) => suspiciousTimeouts(readFileSync(join(ROOT, f), 'utf8'), f))).toEqual([]);
  });
  it('flags a millisecond value and leaves seconds, testTimeout and timeoutMs alone', () => {
    expect(suspiciousTimeouts("x({ timeout: 30_000 })\ny({ timeout: 30 })\nz({ testTimeout: 600_000, timeoutMs: 5000 })", 'f.ts')).toEqual(['f.ts:1: timeout: 30_000']);
  });
});
