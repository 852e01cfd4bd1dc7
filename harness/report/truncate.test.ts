import { describe, expect, it } from 'vitest';
import { cleanTerminal, cutNote, headCap, tailCap } from './truncate.js';

describe('caps', () => {
  it('keeps short text whole', () => {
    expect(tailCap('abc', 3)).toEqual({ text: 'abc', omitted: 0 });
    expect(cutNote(tailCap('abc', 3))).toBe('');
  });

  it('keeps the tail from a line start and says how much was cut', () => {
    const s = `${'x'.repeat(50)}\nline2\nline3\n`;
    const c = tailCap(s, 14);
    expect(c).toEqual({ text: 'line2\nline3\n', omitted: 51 });
    expect(c.text.length + c.omitted).toBe(s.length);
    expect(cutNote(c, 'characters', 'files/a.txt')).toBe('[… 51 characters cut; full text: files/a.txt]');
  });

  it('cuts mid-line when no line break is near', () => {
    const s = 'y'.repeat(1000);
    expect(tailCap(s, 10)).toEqual({ text: 'y'.repeat(10), omitted: 990 });
  });

  it('keeps the head of a command', () => {
    expect(headCap('abcdef', 4)).toEqual({ text: 'abcd', omitted: 2 });
  });
});

describe('cleanTerminal', () => {
  it('drops colours, a lone reverse-index escape and carriage returns', () => {
    expect(cleanTerminal('\x1bM[\x1b[0;32m  OK  \x1b[0m] Started\r\r')).toBe('[  OK  ] Started');
  });
});
