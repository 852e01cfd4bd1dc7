import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from './quote.js';

describe('shellQuote', () => {
  it.each(['plain', "it's", 'a b\t$HOME `x` "y" \\z', '', "''"])('round-trips %j through sh', (s) => {
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(s)}`], { encoding: 'utf8' })).toBe(s);
  });
});
