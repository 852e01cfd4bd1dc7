import { describe, expect, it } from 'vitest';
import { parseProbe, parseShow, unitProbeCommand, unitVerdict, validUnitName, type UnitProbe } from './units.js';

const info = (s: string) => parseShow(s.trim().split(/\s+/).join('\n'));
const settled = (s: string): UnitProbe => ({ info: info(s), jobs: 'none', system: 'running' });

describe('unitVerdict', () => {
  it('active is done, failed fails at once', () => {
    expect(unitVerdict('a', settled('ActiveState=active LoadState=loaded')).kind).toBe('done');
    expect(unitVerdict('a', settled('ActiveState=failed Result=exit-code LoadState=loaded'))).toEqual({ kind: 'fail', why: 'unit a failed (exit-code)' });
  });
  it('a finished oneshot counts as done (nixpkgs #62155)', () => {
    expect(unitVerdict('o', settled('ActiveState=inactive Type=oneshot Result=success ExecMainExitTimestampMonotonic=123 LoadState=loaded')).kind).toBe('done');
  });
  it('a oneshot that never ran, with a queued job, is waited for', () => {
    expect(unitVerdict('o', { ...settled('ActiveState=inactive Type=oneshot Result=success ExecMainExitTimestampMonotonic=0 LoadState=loaded'), jobs: 'some' }).kind).toBe('wait');
  });
  it('inactive with no job on a settled system fails fast instead of waiting forever', () => {
    expect(unitVerdict('x', settled('ActiveState=inactive Type=simple LoadState=loaded')).kind).toBe('fail');
    expect(unitVerdict('x', settled('ActiveState=inactive Type=simple LoadState=loaded')).kind).toBe('fail');
    expect(unitVerdict('x', { ...settled('ActiveState=inactive LoadState=loaded'), system: 'degraded' }).kind).toBe('fail');
  });
  it('never fails fast while the system is still booting (the multi-user.target race)', () => {
    const inactive = info('ActiveState=inactive SubState=dead LoadState=loaded');
    for (const system of ['initializing', 'starting', '', 'offline']) {
      expect(unitVerdict('multi-user.target', { info: inactive, jobs: 'none', system }).kind).toBe('wait');
    }
    expect(unitVerdict('multi-user.target', { info: inactive, jobs: 'some', system: 'running' }).kind).toBe('wait');
    expect(unitVerdict('multi-user.target', { info: inactive, jobs: 'unknown', system: 'running' }).kind).toBe('wait');
    expect(unitVerdict('multi-user.target', { info: {}, jobs: 'none', system: 'running' }).kind).toBe('wait');
  });
  it('unknown units fail once the system has settled, and are waited for before', () => {
    expect(unitVerdict('nope', settled('ActiveState=inactive LoadState=not-found'))).toEqual({ kind: 'fail', why: 'unit nope not found' });
    expect(unitVerdict('nope', { info: info('ActiveState=inactive LoadState=not-found'), jobs: 'none', system: 'starting' }).kind).toBe('wait');
  });
  it('parseShow keeps = inside values', () => {
    expect(parseShow('ExecStart=a=b\nX=')).toEqual({ ExecStart: 'a=b', X: '' });
  });
  it('quotes unit names and validates them', () => {
    expect(unitProbeCommand("a'b")).toContain("'a'\\''b'");
    expect(validUnitName('k3s.service')).toBe(true);
    expect(validUnitName('getty@tty1.service')).toBe(true);
    expect(validUnitName("x'; reboot")).toBe(false);
    expect(validUnitName('--all')).toBe(false);
  });
  it('parses a probe: jobs listed, none, or list-jobs failed; the unit\'s state comes last', () => {
    const sep = '\n--n3x--\n';
    expect(parseProbe(`jobs-ok\n2 multi-user.target start waiting${sep}running\n${sep}ActiveState=inactive\n`)).toMatchObject({ jobs: 'some', system: 'running', info: { ActiveState: 'inactive' } });
    expect(parseProbe(`jobs-ok\n${sep}running\n${sep}ActiveState=inactive\n`)).toMatchObject({ jobs: 'none', system: 'running', info: { ActiveState: 'inactive' } });
    expect(parseProbe(`jobs-failed\n${sep}\n${sep}`)).toMatchObject({ jobs: 'unknown', system: '' });
    const cmd = unitProbeCommand('multi-user.target');
    expect(cmd.indexOf('list-jobs')).toBeLessThan(cmd.indexOf('is-system-running'));
    expect(cmd.indexOf('is-system-running')).toBeLessThan(cmd.indexOf('show'));
  });
  it('seen on a real guest: "running" is reported while the final target jobs are still queued', () => {
    // systemd 252, 6 s after a crash + start: is-system-running said running, multi-user.target still waiting.
    const p = parseProbe('jobs-ok\n2 multi-user.target start waiting\n1 graphical.target  start waiting\n--n3x--\nrunning\n\n--n3x--\nId=multi-user.target\nLoadState=loaded\nActiveState=inactive\nSubState=dead\n');
    expect(unitVerdict('multi-user.target', p).kind).toBe('wait');
  });
});
