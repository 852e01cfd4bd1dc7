import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CommandFailedError, MachineDiedError } from './errors.js';

describe('errors as people see them', () => {
  it('inspect (the REPL, console.log) prints the message once, without the context object', () => {
    const e = new CommandFailedError('command failed with status 1\n  stderr:\n    | boom', 1, 'out', 'boom', { machine: 'n100-1', command: 'false', serialTail: ['line a'] });
    const text = inspect(e);
    expect(text.split('command failed with status 1').length - 1).toBe(1);
    expect(text).not.toMatch(/ctx:|serialTail/);
    expect(text).toContain('[n100-1] command failed');
    expect(e.status).toBe(1);
    expect(e.stderr).toBe('boom');
    expect(e.ctx.machine).toBe('n100-1');
  });
  it('machine faults carry the last serial lines', () => {
    expect(new MachineDiedError('QEMU exited', { machine: 'm', serialTail: ['Kernel panic'] }).message).toMatch(/last serial lines:\n {4}\| Kernel panic/);
  });
});
