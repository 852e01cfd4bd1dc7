/** Types that catch mistakes: the compiler itself rejects a misspelt profile and an option in the wrong unit. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(root, 'harness', 'cluster', '.types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const snippets = {
  ok: `const o: ClusterOptions = { profile: 'bonding-vlans', bootTimeout: 300 }; void o;`,
  typo: `const o: ClusterOptions = { profile: 'vlan' }; void o;`,
  ms: `const o: ClusterOptions = { profile: 'vlans', bootTimeoutMs: 300000 }; void o;`,
};
let diagnostics: ts.Diagnostic[] | undefined;

/** Type-checks the snippets (one program, built once); returns one snippet's error messages. */
function typeErrors(name: keyof typeof snippets): string[] {
  const files = Object.keys(snippets).map((k) => join(dir, `${k}.ts`));
  if (!diagnostics) {
    for (const [k, code] of Object.entries(snippets)) writeFileSync(join(dir, `${k}.ts`), `import type { ClusterOptions } from '../cluster.js';\n${code}\n`);
    const program = ts.createProgram(files, { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: ['node'] });
    diagnostics = [...ts.getPreEmitDiagnostics(program)];
  }
  return diagnostics.filter((d) => d.file?.fileName === join(dir, `${name}.ts`)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('ClusterOptions types', () => {
  it('accepts the built-in profile names and seconds for timeouts', () => {
    expect(typeErrors('ok')).toEqual([]);
  });
  it("rejects a misspelt profile ('vlan') at compile time", () => {
    expect(typeErrors('typo').join('\n')).toMatch(/'"vlan"' is not assignable/);
  });
  it('rejects the old millisecond option name', () => {
    expect(typeErrors('ms').join('\n')).toMatch(/bootTimeoutMs/);
  });
}, 60_000);
