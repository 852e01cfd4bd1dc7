/**
 * The public API as the type checker sees it: every name reachable from the package's entries (exported
 * functions' parameters, options' properties, classes' members, recursively through the harness's own types),
 * and the names among them that spell a time option another way than `timeout` / `interval` (seconds).
 * Private and protected members are not public API and are skipped.
 */
import { relative } from 'node:path';
import ts from 'typescript';

/** A time option spelt with its unit (timeoutS, timeoutMs, intervalMs, bootTimeoutSec…). Pure. */
export const OTHER_TIME_SPELLING = /(timeout|interval|deadline)(s|ms|sec|secs|seconds|millis|milliseconds)$/i;

/** `where: name` for every parameter and property name reachable from the entries' exports. */
export function publicNames(root: string, entries: string[]): string[] {
  const program = ts.createProgram(entries, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true, allowJs: true, types: ['node'], lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'] });
  const checker = program.getTypeChecker();
  const ours = (d: ts.Declaration | undefined) => !!d && !d.getSourceFile().fileName.includes('/node_modules/');
  const hidden = (d: ts.Declaration) => (ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || (ts.isPropertyDeclaration(d) && ts.isPrivateIdentifier(d.name));
  const seen = new Set<ts.Type>();
  const out: string[] = [];
  const where = (d: ts.Declaration) => `${relative(root, d.getSourceFile().fileName)}:${d.getSourceFile().getLineAndCharacterOfPosition(d.getStart()).line + 1}`;

  const walkSignature = (sig: ts.Signature): void => {
    for (const p of sig.getParameters()) {
      const d = p.valueDeclaration;
      if (!d || !ours(d)) continue;
      out.push(`${where(d)}: ${p.name}`);
      walkType(checker.getTypeOfSymbolAtLocation(p, d));
    }
    walkType(sig.getReturnType());
  };
  const walkType = (t: ts.Type): void => {
    if (seen.has(t)) return;
    seen.add(t);
    if (t.isUnionOrIntersection()) return t.types.forEach(walkType);
    for (const a of checker.getTypeArguments(t as ts.TypeReference) ?? []) walkType(a);
    const decl = t.getSymbol()?.declarations?.[0];
    if (decl && !ours(decl) && !(t.getSymbol()?.flags ?? 0 & ts.SymbolFlags.TypeLiteral)) return;
    for (const sig of [...t.getCallSignatures(), ...t.getConstructSignatures()]) walkSignature(sig);
    for (const p of t.getProperties()) {
      const d = p.valueDeclaration ?? p.declarations?.[0];
      if (!d || !ours(d) || hidden(d)) continue;
      out.push(`${where(d)}: ${p.name}`);
      walkType(checker.getTypeOfSymbolAtLocation(p, d));
    }
  };
  for (const entry of entries) {
    const sf = program.getSourceFile(entry);
    const mod = sf && checker.getSymbolAtLocation(sf);
    if (!mod) throw new Error(`cannot read the exports of ${entry}`);
    for (const exp of checker.getExportsOfModule(mod)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const d = sym.valueDeclaration ?? sym.declarations?.[0];
      if (!d) continue;
      walkType(sym.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias) ? checker.getDeclaredTypeOfSymbol(sym) : checker.getTypeOfSymbolAtLocation(sym, d));
      if (sym.flags & ts.SymbolFlags.Class) walkType(checker.getDeclaredTypeOfSymbol(sym));
    }
  }
  return [...new Set(out)].sort();
}
