import { describe, expect, it } from 'vitest';
import { compareOutcome, sideBySide } from './compare.js';

describe('replay comparison', () => {
  it('says same when status and stdout match, and shows both columns', () => {
    const r = compareOutcome({ status: 1, stdout: '', stderr: 'unreachable\n' }, { status: 1, stdout: '', stderr: 'unreachable\n' });
    expect(r.same).toBe(true);
    expect(r.lines[0]).toMatch(/^ {4}original +│ now$/);
    expect(r.lines[1]).toMatch(/^ {4}exit 1 +│ exit 1$/);
    expect(r.lines.at(-1)).toBe('    same exit status and output');
  });

  it('says what differs: the exit status, or only the output', () => {
    expect(compareOutcome({ status: 1, stdout: '', stderr: '' }, { status: 0, stdout: '', stderr: '' })).toMatchObject({ same: false });
    expect(compareOutcome({ status: 1, stdout: '', stderr: '' }, { status: 0, stdout: '', stderr: '' }).lines.at(-1)).toBe('    exit status differs (1 then, 0 now)');
    expect(compareOutcome({ status: 0, stdout: 'a\n', stderr: '' }, { status: 0, stdout: 'b\n', stderr: '' }).lines.at(-1)).toBe('    same exit status, other output');
  });

  it('pads the shorter column', () => {
    expect(sideBySide(['a', 'b'], ['c'], 3)).toEqual(['    a   │ c', '    b   │']);
  });
});
