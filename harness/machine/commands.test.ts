import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { splitCommands } from './commands.js';
import type { CommandsArgs } from './types.js';

describe('splitCommands', () => {
  it('takes commands alone, or commands then one options object', () => {
    expect(splitCommands(['a', 'b'])).toEqual({ commands: ['a', 'b'], opts: {} });
    expect(splitCommands(['a', 'b', { timeout: 5 }])).toEqual({ commands: ['a', 'b'], opts: { timeout: 5 } });
    expect(splitCommands([{ timeout: 1 }])).toEqual({ commands: [], opts: { timeout: 1 } });
    expect(splitCommands([])).toEqual({ commands: [], opts: {} });
  });

  it('refuses an options object before a command, and a timeout that is not seconds', () => {
    expect(() => splitCommands([{ timeout: 1 }, 'a'] as unknown as CommandsArgs)).toThrow(ConfigError);
    expect(() => splitCommands(['a', { timeout: 0 }])).toThrow(/not a number of seconds/);
    expect(() => splitCommands(['a', { timeout: '5' as unknown as number }])).toThrow(/not a number of seconds/);
  });
});
