import { describe, expect, it } from 'vitest';
import { checkpointsOn, rerunCommand } from './checkpoints.js';

describe('checkpoint glue', () => {
  it('takes checkpoints by the option, N3X_CHECKPOINTS over it, and refuses an unknown value', () => {
    expect(checkpointsOn(undefined, {})).toBe(false);
    expect(checkpointsOn('each-test', {})).toBe(true);
    expect(checkpointsOn(undefined, { N3X_CHECKPOINTS: 'each-test' })).toBe(true);
    expect(checkpointsOn('each-test', { N3X_CHECKPOINTS: 'off' })).toBe(false);
    expect(() => checkpointsOn(undefined, { N3X_CHECKPOINTS: 'always' })).toThrow(/use each-test or off/);
  });

  it('prints a re-run command whose -t pattern matches the name literally and survives the shell', () => {
    const cmd = rerunCommand('3fa9c1-2', { file: `${process.cwd()}/scenarios/x.test.ts`, name: "n1 can't reach n2 (partitioned)", fullName: 'x' });
    expect(cmd).toBe(`N3X_FROM_CHECKPOINT=3fa9c1-2 npx vitest run scenarios/x.test.ts -t 'n1 can'\\''t reach n2 \\(partitioned\\)'`);
  });
});
