import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SerialLog, stripAnsi } from './serial.js';

const dir = mkdtempSync(join(tmpdir(), 'n3x-serial-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serial log', () => {
  it('decodes UTF-8 and strips terminal escapes (systemd\'s status lines)', () => {
    const log = new SerialLog(join(dir, 'a.log'));
    writeFileSync(log.path, '[\x1b[0;32m  OK  \x1b[0m] Started systemd-user-sess\u2026vice.\r\n\x1b]0;title\x07\x1b(Bdone\n');
    expect(log.tail(5)).toEqual(['[  OK  ] Started systemd-user-sess\u2026vice.', 'done']);
    expect(stripAnsi('\x1b[?25l\x1b[1;31mred\x1b[0m')).toBe('red');
  });
  it('readSince sees only what came after an offset (this boot, not earlier ones)', () => {
    const log = new SerialLog(join(dir, 'b.log'));
    writeFileSync(log.path, 'boot 1: login prompt\n');
    const mark = log.size();
    appendFileSync(log.path, 'boot 2: starting\n');
    expect(log.readSince(mark)).toBe('boot 2: starting\n');
    expect(log.readSince(mark)).not.toMatch(/login prompt/);
    expect(log.read()).toMatch(/login prompt/);
  });
});
