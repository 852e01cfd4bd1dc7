import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from './scratch.js';

describe('scratchDir', () => {
  it('is private and unique, and remove() deletes it with its contents', () => {
    const a = scratchDir('n3x-scratch-');
    const b = scratchDir('n3x-scratch-');
    expect(a.path).not.toBe(b.path);
    expect(statSync(a.path).mode & 0o777).toBe(0o700);
    mkdirSync(join(a.path, 'sub'));
    writeFileSync(join(a.path, 'sub', 'f'), 'x');
    a.remove();
    b.remove();
    expect(existsSync(a.path) || existsSync(b.path)).toBe(false);
  });
});
