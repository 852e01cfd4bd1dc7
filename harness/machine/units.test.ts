import { describe, expect, it } from 'vitest';
import { parseShow, unitProbeCommand, unitVerdict } from './units.js';

const info = (s: string) => parseShow(s.trim().split(/\s+/).join('\n'));

describe('unitVerdict', () => {
  it('active is done, failed fails at once', () => {
    expect(unitVerdict('a', info('ActiveState=active LoadState=loaded'), false).kind).toBe('done');
    expect(unitVerdict('a', info('ActiveState=failed Result=exit-code LoadState=loaded'), false)).toEqual({ kind: 'fail', why: 'unit a failed (exit-code)' });
  });
  it('a finished oneshot counts as done (nixpkgs #62155)', () => {
    expect(unitVerdict('o', info('ActiveState=inactive Type=oneshot Result=success ExecMainExitTimestampMonotonic=123 LoadState=loaded'), false).kind).toBe('done');
  });
  it('a oneshot that never ran, with a queued job, is waited for', () => {
    expect(unitVerdict('o', info('ActiveState=inactive Type=oneshot Result=success ExecMainExitTimestampMonotonic=0 LoadState=loaded'), true).kind).toBe('wait');
  });
  it('inactive with no job fails fast instead of waiting forever', () => {
    expect(unitVerdict('x', info('ActiveState=inactive Type=simple LoadState=loaded'), false).kind).toBe('fail');
    expect(unitVerdict('x', info('ActiveState=activating SubState=start LoadState=loaded'), true).kind).toBe('wait');
  });
  it('unknown units fail', () => {
    expect(unitVerdict('nope', info('ActiveState=inactive LoadState=not-found'), false)).toEqual({ kind: 'fail', why: 'unit nope not found' });
  });
  it('parseShow keeps = inside values', () => {
    expect(parseShow('ExecStart=a=b\nX=')).toEqual({ ExecStart: 'a=b', X: '' });
  });
  it('quotes unit names', () => {
    expect(unitProbeCommand("a'b")).toContain("'a'\\''b'");
  });
});
