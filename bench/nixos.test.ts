import { describe, expect, it } from 'vitest';
import { decodeNixosOutput, nixosExecuteLine, NIXOS_STATUS_LINE, pythonShlexQuote } from './nixos.js';

describe('pythonShlexQuote', () => {
  it('leaves safe words alone and single-quotes the rest as shlex.quote does', () => {
    expect(pythonShlexQuote('true')).toBe('true');
    expect(pythonShlexQuote('/bin/true')).toBe('/bin/true');
    expect(pythonShlexQuote('')).toBe("''");
    expect(pythonShlexQuote('a b')).toBe("'a b'");
    expect(pythonShlexQuote("it's")).toBe(`'it'"'"'s'`);
  });
});

describe('nixosExecuteLine', () => {
  it('is the driver\'s wrapper: timeout, bash -c with set -euo pipefail, output through base64', () => {
    expect(nixosExecuteLine('true')).toBe("timeout 900 bash -c 'set -euo pipefail; true' | (base64 -w 0; echo)");
    expect(nixosExecuteLine("echo 'x'", null)).toBe(` bash -c 'set -euo pipefail; echo '"'"'x'"'"'' | (base64 -w 0; echo)`);
    expect(NIXOS_STATUS_LINE).toBe('echo ${PIPESTATUS[0]}');
  });
  it('decodes the base64 reply line', () => {
    expect(decodeNixosOutput('aGVsbG8K\n').toString()).toBe('hello\n');
    expect(decodeNixosOutput('\n').length).toBe(0);
  });
});
