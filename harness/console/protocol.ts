/**
 * The backdoor framing protocol (pure; see images/debian/overlay/usr/lib/n3x/backdoor.sh for the guest half).
 * Request: `__n3x MARKER $'escaped'\n` (`__n3x_keep` for a command that cannot change the shell). Response: `\x02MARKER\n` stdout `\n\x03MARKER STATUS ERRLEN\n` stderr.
 */
import { randomBytes } from 'node:crypto';

/** The backdoor's ready line starts with \x01 so that ordinary output cannot imitate it. */
export const READY_PREFIX = '\x01n3x-backdoor-ready ';

/** A fresh 128-bit marker; output containing it by chance is astronomically unlikely. */
export function newMarker(): string {
  return `n3x${randomBytes(16).toString('hex')}`;
}

/** Quotes any string as a bash ANSI-C literal that contains only printable ASCII (no ^C, no newline). */
export function ansiCQuote(s: string): string {
  let out = "$'";
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x27) out += "\\'";
    else if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

// bash's builtins and reserved words: a first word among them may change the shell (cd, export, set, exit, …).
const SHELL_WORDS = new Set(
  ('alias bg bind break builtin caller cd command compgen complete compopt continue declare dirs disown echo enable eval ' +
    'exec exit export false fc fg getopts hash help history jobs kill let local logout mapfile popd printf pushd pwd read ' +
    'readarray readonly return set shift shopt source suspend test times trap true type typeset ulimit umask unalias unset ' +
    'wait . : [ [[ ]] { } ! if then else elif fi case esac for select while until do done in function time coproc').split(' '),
);
// Builtins that change nothing in the shell that runs them.
const INERT_BUILTINS = new Set(['true', 'false', ':', 'echo', 'test']);
// A word of plain characters and single-quoted strings (nothing in it expands); words apart by spaces.
const WORD = /(?:[A-Za-z0-9_@%+=:,./-]|'[^']*')+/y;

/** The words of a command made only of plain words, or undefined when it has anything else. */
function plainWords(command: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < command.length) {
    if (command[i] === ' ') {
      i++;
      continue;
    }
    WORD.lastIndex = i;
    const m = WORD.exec(command);
    if (!m || (WORD.lastIndex < command.length && command[WORD.lastIndex] !== ' ')) return undefined;
    words.push(m[0]);
    i = WORD.lastIndex;
  }
  return words;
}

/**
 * True when a command cannot change the state of the shell that runs it: one simple command of plain or
 * single-quoted words (no expansion, redirection, separator or assignment) naming a program, or an inert builtin.
 * The guest runs such a command in its waiting worker and keeps that worker for the next command (no fork for
 * the worker); anything else ends its worker, so its cd, exit, variables, traps and options never reach the next.
 */
export function cannotChangeShell(command: string): boolean {
  const words = plainWords(command);
  if (!words?.length) return false;
  const first = words[0].replace(/'/g, ''); // bash looks the name up after quote removal
  if (first === '' || first.includes('=') || first.startsWith('__n3x')) return false; // an assignment, or the backdoor's own functions
  if (first.includes('/')) return true; // a path is always run as a program
  return INERT_BUILTINS.has(first) || !SHELL_WORDS.has(first);
}

/** The line sent to the guest shell for one command. */
export function encodeRequest(marker: string, command: string): string {
  if (command.includes('\0')) throw new Error('command contains a NUL byte, which bash cannot carry');
  return `${cannotChangeShell(command) ? '__n3x_keep' : '__n3x'} ${marker} ${ansiCQuote(command)}\n`;
}

export interface Response {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Incremental parser for one command's response. Bytes before the start frame (stray output of background
 * jobs) are returned as `noise`. feed() returns the response once complete.
 */
export class ResponseParser {
  private buf: Buffer = Buffer.alloc(0);
  private started = false;
  private readonly start: Buffer;
  private readonly end: Buffer;
  noise: Buffer = Buffer.alloc(0);
  /** Set when the backdoor restarted (its ready line arrived) before this response completed. */
  restarted = false;

  constructor(readonly marker: string) {
    this.start = Buffer.from(`\x02${marker}\n`);
    this.end = Buffer.from(`\n\x03${marker} `);
  }

  feed(chunk: Buffer): Response | undefined {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.started) {
      const i = this.buf.indexOf(this.start);
      if (i < 0) {
        this.checkRestart();
        return undefined;
      }
      this.noise = Buffer.concat([this.noise, this.buf.subarray(0, i)]);
      this.buf = this.buf.subarray(i + this.start.length);
      this.started = true;
    }
    const j = this.buf.indexOf(this.end);
    if (j < 0) {
      this.checkRestart();
      return undefined;
    }
    const nl = this.buf.indexOf(0x0a, j + this.end.length);
    if (nl < 0) return undefined;
    const m = /^(\d+) (\d+)$/.exec(this.buf.subarray(j + this.end.length, nl).toString('latin1'));
    if (!m) throw new Error(`malformed end frame: ${JSON.stringify(this.buf.subarray(j, nl + 1).toString('latin1'))}`);
    const errLen = Number(m[2]);
    if (this.buf.length < nl + 1 + errLen) return undefined;
    return {
      status: Number(m[1]),
      stdout: Buffer.from(this.buf.subarray(0, j)),
      stderr: this.buf.subarray(nl + 1, nl + 1 + errLen).toString('utf8'),
    };
  }

  private checkRestart(): void {
    if (this.buf.includes(READY_PREFIX)) this.restarted = true;
  }
}

/** Finds the ready line `n3x-backdoor-ready BOOTID` in accumulated output; returns the boot id. */
export function findReady(buf: Buffer): string | undefined {
  const i = buf.lastIndexOf(READY_PREFIX);
  if (i < 0) return undefined;
  const nl = buf.indexOf(0x0a, i);
  if (nl < 0) return undefined;
  return buf.subarray(i + READY_PREFIX.length, nl).toString('latin1').trim();
}
