import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testScratchDir, useScratchDir } from './scratch.js';

describe('scratch dirs in test files', () => {
  const fileDir = useScratchDir('n3x-scratch-file-');
  let testDir = '';

  it('testScratchDir: a private dir that exists while the test runs', () => {
    testDir = testScratchDir('n3x-scratch-test-');
    writeFileSync(join(testDir, 'f'), 'x');
    expect(existsSync(join(testDir, 'f'))).toBe(true);
  });

  it('testScratchDir: removed with its contents once that test finished; useScratchDir: still there until the file ends', () => {
    expect(testDir).not.toBe('');
    expect(existsSync(testDir)).toBe(false);
    expect(existsSync(fileDir)).toBe(true);
  });
});
