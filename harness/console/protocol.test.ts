import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ansiCQuote, cannotChangeShell, encodeRequest, findReady, newMarker, READY_PREFIX, ResponseParser } from './protocol.js';

const frame = (m: string, out: Buffer | string, status: number, err = '') =>
  Buffer.concat([Buffer.from(`\x02${m}\n`), Buffer.from(out), Buffer.from(`\n\x03${m} ${status} ${Buffer.byteLength(err)}\n${err}`)]);

describe('ansiCQuote', () => {
  it('keeps printable ASCII and escapes quotes, backslashes, control and non-ASCII bytes', () => {
    expect(ansiCQuote("echo 'a'\\b")).toBe("$'echo \\'a\\'\\\\b'");
    expect(ansiCQuote('a\nb\x03')).toBe("$'a\\x0ab\\x03'");
    expect(ansiCQuote('é')).toBe("$'\\xc3\\xa9'");
  });
  it('never emits a byte that a tty would interpret (^C, newline, DEL)', () => {
    const all = String.fromCharCode(...Array.from({ length: 255 }, (_, i) => i + 1));
    const q = ansiCQuote(all);
    expect([...q].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f)).toBe(true);
  });
});

describe('encodeRequest', () => {
  it('is one line calling the guest function with the marker', () => {
    const r = encodeRequest('n3xabc', 'ls\n-l');
    expect(r).toBe("__n3x n3xabc $'ls\\x0a-l'\n");
    expect(r.indexOf('\n')).toBe(r.length - 1);
  });
  it('rejects NUL bytes', () => {
    expect(() => encodeRequest('m', 'a\0b')).toThrow(/NUL/);
  });
});

describe('cannotChangeShell', () => {
  it('accepts one simple command of plain words naming a program or an inert builtin', () => {
    for (const c of ['true', '/bin/true', 'echo hi', 'systemctl is-active k3s.service', 'ip -4 addr show dev eth1', 'ls /nonexistent-n3x', ':', 'false', "test -e '/tmp/a b'", "nc -z -w 1 'localhost' 7777", "'/bin/true'", "echo 'it''s $HOME; cd /'"])
      expect(cannotChangeShell(c), c).toBe(true);
  });
  it('refuses anything that could change the shell that runs it', () => {
    for (const c of ['cd /tmp', 'exit 3', 'X=1', 'X=1 env', 'export X', 'set +e', 'trap - EXIT', 'source /etc/profile', '. x', 'eval true', 'exec true',
      'kill $$', 'read x', 'true; cd /', 'echo a > f', 'echo $HOME', 'echo *', 'ls ~', 'a && b', 'sleep 1 &', 'f() { :; }', 'true\ncd /', '', '  ', '__n3x_worker', 'printf -v x y', 'hash -r', 'umask 0', "'cd' /", "c'd' /", "X='1'", "echo 'a", "echo 'a'x\"b\"", "''", "echo 'a';cd"])
      expect(cannotChangeShell(c), c).toBe(false);
  });
  it('knows every builtin and reserved word of the bash it runs under', () => {
    const words = execFileSync('bash', ['-c', 'enable -a | cut -d" " -f2; compgen -k'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(words.length).toBeGreaterThan(60);
    const inert = new Set(['true', 'false', ':', 'echo', 'test']);
    for (const w of words) expect(cannotChangeShell(`${w} x`), w).toBe(inert.has(w));
  });
  it('picks the guest function for the request', () => {
    expect(encodeRequest('m', '/bin/true')).toBe("__n3x_keep m $'/bin/true'\n");
    expect(encodeRequest('m', 'cd /')).toBe("__n3x m $'cd /'\n");
  });
});

describe('ResponseParser', () => {
  it('parses status, stdout and stderr in one chunk', () => {
    const m = newMarker();
    const r = new ResponseParser(m).feed(frame(m, 'hello\n', 3, 'oops\n'));
    expect(r).toEqual({ status: 3, stdout: Buffer.from('hello\n'), stderr: 'oops\n' });
  });
  it('handles output without trailing newline and empty output', () => {
    const m = newMarker();
    expect(new ResponseParser(m).feed(frame(m, 'x', 0))?.stdout.toString()).toBe('x');
    expect(new ResponseParser(m).feed(frame(m, '', 0))?.stdout.length).toBe(0);
  });
  it('is byte-exact for binary output fed one byte at a time', () => {
    const m = newMarker();
    const bin = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const p = new ResponseParser(m);
    const all = frame(m, bin, 0);
    let r;
    for (let i = 0; i < all.length; i++) r = p.feed(all.subarray(i, i + 1)) ?? r;
    expect(r?.stdout.equals(bin)).toBe(true);
  });
  it('ignores noise before the start frame and a previous command\'s late frame', () => {
    const m = newMarker();
    const old = newMarker();
    const p = new ResponseParser(m);
    expect(p.feed(Buffer.concat([Buffer.from('stray bg output\n'), frame(old, 'late', 130)]))).toBeUndefined();
    const r = p.feed(frame(m, 'mine', 0));
    expect(r?.stdout.toString()).toBe('mine');
    expect(p.noise.toString()).toContain('stray');
  });
  it('is not fooled by output that contains another marker\'s end frame', () => {
    const m = newMarker();
    const fake = `\n\x03${newMarker()} 0 0\n`;
    const r = new ResponseParser(m).feed(frame(m, fake, 0));
    expect(r?.stdout.toString()).toBe(fake);
  });
  it('waits for the whole stderr tail', () => {
    const m = newMarker();
    const all = frame(m, 'o', 1, 'e'.repeat(100));
    const p = new ResponseParser(m);
    expect(p.feed(all.subarray(0, all.length - 10))).toBeUndefined();
    expect(p.feed(all.subarray(all.length - 10))?.stderr).toBe('e'.repeat(100));
  });
  it('flags a backdoor restart during a command', () => {
    const m = newMarker();
    const p = new ResponseParser(m);
    p.feed(Buffer.from(`\x02${m}\npartial`));
    p.feed(Buffer.from(`\n${READY_PREFIX}abc\n`));
    expect(p.restarted).toBe(true);
  });
});

describe('findReady', () => {
  it('returns the boot id of the latest complete ready line', () => {
    expect(findReady(Buffer.from(`junk\n${READY_PREFIX}boot-1\n`))).toBe('boot-1');
    expect(findReady(Buffer.from(`${READY_PREFIX}boot-`))).toBeUndefined();
    expect(findReady(Buffer.from('n3x-backdoor-ready fake\n'))).toBeUndefined();
  });
});
