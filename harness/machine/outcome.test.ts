import { describe, expect, it } from 'vitest';
import { commandFailure, describeStatus, outputTails, tailOf } from './outcome.js';

describe('describeStatus', () => {
  it('names the signal of 128+n and the shell\'s 126/127', () => {
    expect(describeStatus(139)).toBe('status 139 (SIGSEGV: segmentation fault)');
    expect(describeStatus(137)).toMatch(/SIGKILL/);
    expect(describeStatus(130)).toMatch(/SIGINT: interrupted/);
    expect(describeStatus(127)).toBe('status 127 (command not found)');
    expect(describeStatus(126)).toMatch(/not executable/);
    expect(describeStatus(1)).toBe('status 1');
    expect(describeStatus(255)).toBe('status 255');
  });
});

describe('output tails', () => {
  it('keeps the end of long output and says it was cut', () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    const t = tailOf(long, 5);
    expect(t.startsWith('…\n')).toBe(true);
    expect(t).toContain('line 39');
    expect(t).not.toContain('line 34');
  });
  it('carries the reason a newcomer needs: stderr and stdout of the failed command', () => {
    const msg = commandFailure('zero', 1, '3 packets transmitted, 0 received, 100% packet loss\n', 'ping: connect: Network is unreachable\n');
    expect(msg).toMatch(/^command failed with status 1\n/);
    expect(msg).toContain('| ping: connect: Network is unreachable');
    expect(msg).toContain('100% packet loss');
    expect(outputTails('', '')).toBe('  stdout: (empty)\n  stderr: (empty)');
  });
});
