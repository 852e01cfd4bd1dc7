/** The README's "Writing a scenario" example is the real scenario file, character for character. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('README', () => {
  it('shows scenarios/web-vlan.test.ts verbatim in "Writing a scenario"', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Writing a scenario'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(readFileSync(join(root, 'scenarios', 'web-vlan.test.ts'), 'utf8'));
  });
});
