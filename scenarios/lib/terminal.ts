/** A command in a real pseudo-terminal (node-pty), as a person types into it: for scenarios that drive the REPL. */
import { stripVTControlCharacters } from 'node:util';
import type { IPty } from 'node-pty';
import { NotYet, retryUntil } from '../../harness/index.js';

const ptys: IPty[] = [];

/** node-pty, loaded on first use (a native module: `npm rebuild node-pty` builds it with python3, make, g++). */
async function loadPty(): Promise<typeof import('node-pty')> {
  try {
    return await import('node-pty');
  } catch (e) {
    throw new Error(`node-pty is not usable (${(e as Error).message}); build it with \`npm rebuild node-pty\` (needs python3, make and g++)`);
  }
}

/** Runs `command` in a new 160×50 pseudo-terminal; `screen()` is everything it printed, escape sequences removed. */
export async function terminal(command: string, env: Record<string, string>) {
  const pty = await loadPty();
  const p = pty.spawn('bash', ['-c', `${command}; echo EXITED-$?`], { name: 'xterm-256color', cols: 160, rows: 50, cwd: process.cwd(), env });
  ptys.push(p);
  let out = '';
  p.onData((d) => (out += d));
  const screen = () => stripVTControlCharacters(out).replace(/\r\n?/g, '\n');
  return {
    screen,
    type: (text: string) => p.write(text),
    key: (k: 'Enter' | 'C-]') => p.write(k === 'Enter' ? '\r' : '\x1d'),
    /** Waits (`timeout` seconds) until the screen from offset `from` on matches `re`; returns the whole screen. */
    waitFor: (re: RegExp, timeout = 60, from = 0) =>
      retryUntil(async () => {
        const t = screen();
        if (!re.test(t.slice(from))) throw new NotYet(`terminal so far:\n${t.split('\n').filter(Boolean).slice(-8).join('\n')}`);
        return t;
      }, { timeout: timeout, what: `${re} on the terminal`, interval: 0.2, maxInterval: 0.5 }),
  };
}

/** Kills every terminal these helpers started (afterAll). */
export function killTerminals(): void {
  for (const p of ptys) p.kill('SIGKILL');
}
