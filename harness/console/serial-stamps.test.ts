import { appendFileSync, rmSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialStamper } from './serial-stamps.js';
import { useScratchDir } from '../testing/scratch.js';

describe('SerialStamper', () => {
  const dir = useScratchDir('n3x-stamps-');
  afterEach(() => rmSync(join(dir, 'serial.log'), { force: true }));

  it('stamps complete lines from the offset on with the host time they were read; a partial line waits', () => {
    const log = join(dir, 'serial.log');
    writeFileSync(log, 'old boot\n');
    const s = new SerialStamper(log, 9);
    const before = Date.now();
    appendFileSync(log, '[    0.1] Linux version\n\x1b[0;32mn3x-boot initramfs 1.2\r\nhalf');
    s.read();
    expect(s.lines.map((l) => l.line)).toEqual(['[    0.1] Linux version', 'n3x-boot initramfs 1.2']);
    expect(s.lines.every((l) => l.t >= before && l.t <= Date.now())).toBe(true);
    appendFileSync(log, ' a line\n');
    expect(s.stop().map((l) => l.line)).toEqual(['[    0.1] Linux version', 'n3x-boot initramfs 1.2', 'half a line']);
    appendFileSync(log, 'after stop\n');
    expect(s.stop()).toHaveLength(3);
  });

  it('waits for a log that does not exist yet', () => {
    const log = join(dir, 'serial.log');
    const s = new SerialStamper(log, 0);
    s.read();
    writeFileSync(log, 'first\n');
    expect(s.stop().map((l) => l.line)).toEqual(['first']);
  });
});
