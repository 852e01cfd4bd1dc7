/**
 * .gitlab-ci.yml as GitLab reads it: YAML anchors and merge keys resolved by the parser, then `extends` merged
 * (hashes deeply, anything else replaced; templates may extend templates), hidden jobs dropped. The resolved file
 * is what the schema validates, so a key misspelt in a hidden template fails in every job that extends it.
 */
import { parse } from 'yaml';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** GitLab's global keywords: top-level keys that are not jobs. */
export const GLOBAL_KEYS = new Set(['stages', 'variables', 'default', 'include', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script']);

function merge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(out[k]) ? merge(out[k] as Obj, v) : v;
  return out;
}

export function parseGitLab(text: string): Obj {
  return parse(text, { merge: true }) as Obj;
}

/** Job names (visible and hidden) mapped to their definitions, global keywords left out. */
export function jobsOf(doc: Obj): Record<string, Obj> {
  return Object.fromEntries(Object.entries(doc).filter(([k, v]) => !GLOBAL_KEYS.has(k) && isObj(v))) as Record<string, Obj>;
}

/** The document with every job's `extends` merged in and hidden jobs removed. Throws on an unknown or cyclic extends. */
export function resolveExtends(doc: Obj): Obj {
  const jobs = jobsOf(doc);
  const resolve = (name: string, seen: string[]): Obj => {
    if (seen.includes(name)) throw new Error(`extends cycle: ${[...seen, name].join(' -> ')}`);
    const j = jobs[name];
    if (!j) throw new Error(`${seen.at(-1)}: extends '${name}', which is not defined`);
    const parents = j.extends === undefined ? [] : Array.isArray(j.extends) ? (j.extends as string[]) : [String(j.extends)];
    const base = parents.reduce<Obj>((acc, p) => merge(acc, resolve(p, [...seen, name])), {});
    const { extends: _drop, ...own } = j;
    return merge(base, own);
  };
  const out: Obj = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k.startsWith('.')) continue;
    out[k] = GLOBAL_KEYS.has(k) || !isObj(v) ? v : resolve(k, []);
  }
  return out;
}

/** Each `stage` is in `stages` (or .pre/.post), each `needs` a visible job, each `extends` a defined job. */
export function referenceErrors(doc: Obj): string[] {
  const stages = new Set([...((doc.stages as string[]) ?? ['build', 'test', 'deploy']), '.pre', '.post']);
  const jobs = jobsOf(doc);
  const out: string[] = [];
  for (const [name, j] of Object.entries(jobs)) {
    if (j.stage !== undefined && !stages.has(String(j.stage))) out.push(`${name}: stage '${String(j.stage)}' is not in stages (${[...stages].join(', ')})`);
    for (const n of (j.needs as unknown[]) ?? []) {
      const target = isObj(n) ? String(n.job) : String(n);
      if (!jobs[target] || target.startsWith('.')) out.push(`${name}: needs '${target}', which is not a job`);
    }
    const ext = j.extends === undefined ? [] : Array.isArray(j.extends) ? j.extends : [j.extends];
    for (const e of ext) if (!jobs[String(e)]) out.push(`${name}: extends '${String(e)}', which is not defined`);
  }
  return out;
}
