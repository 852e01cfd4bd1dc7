/**
 * A small evaluator of GitHub Actions expressions (`${{ … }}` and `if:`) for the rehearsal (ci/rehearse.ts):
 * literals, context paths (env, matrix, steps.ID.outputs, github, strategy, needs), `!`, `==`, `!=`, `&&`, `||`,
 * parentheses and the functions always(), success(), failure(), contains(), startsWith(), format(). Anything else
 * throws, so a workflow using more than this fails the rehearsal instead of being run wrongly.
 */
export type Value = string | number | boolean | null;
export interface Contexts { [name: string]: unknown }

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|'((?:[^']|'')*)'|(==|!=|&&|\|\||[!(),])|([A-Za-z_][\w.-]*))/y;

type Tok = { num?: string; str?: string; op?: string; id?: string };
function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`expression '${src}': cannot read at ${at}: '${src.slice(at)}'`);
    out.push(m[1] !== undefined ? { num: m[1] } : m[2] !== undefined ? { str: m[2].replaceAll("''", "'") } : m[3] ? { op: m[3] } : { id: m[4] });
  }
  return out;
}

const truthy = (v: Value): boolean => !(v === '' || v === 0 || v === false || v === null);
const str = (v: Value): string => (v === null ? '' : String(v));

/** Evaluates one expression (without the `${{ }}`). `status` is the job's state for always()/success()/failure(). */
export function evaluate(src: string, ctx: Contexts, status: 'success' | 'failure' = 'success'): Value {
  const t = tokenize(src);
  let i = 0;
  const peek = () => t[i];
  const eat = (op: string) => {
    if (t[i]?.op !== op) throw new Error(`expression '${src}': expected '${op}'`);
    i++;
  };
  const or = (): Value => {
    let v = and();
    while (peek()?.op === '||') {
      i++;
      const r = and();
      v = truthy(v) ? v : r;
    }
    return v;
  };
  const and = (): Value => {
    let v = cmp();
    while (peek()?.op === '&&') {
      i++;
      const r = cmp();
      v = truthy(v) ? r : v;
    }
    return v;
  };
  const cmp = (): Value => {
    const v = unary();
    const op = peek()?.op;
    if (op === '==' || op === '!=') {
      i++;
      const r = unary();
      const eq = str(v).toLowerCase() === str(r).toLowerCase();
      return op === '==' ? eq : !eq;
    }
    return v;
  };
  const unary = (): Value => {
    if (peek()?.op === '!') {
      i++;
      return !truthy(unary());
    }
    return primary();
  };
  const primary = (): Value => {
    const tok = t[i++];
    if (!tok) throw new Error(`expression '${src}': ends early`);
    if (tok.num !== undefined) return Number(tok.num);
    if (tok.str !== undefined) return tok.str;
    if (tok.op === '(') {
      const v = or();
      eat(')');
      return v;
    }
    if (tok.id === 'true' || tok.id === 'false') return tok.id === 'true';
    if (tok.id === 'null') return null;
    if (tok.id && peek()?.op === '(') {
      i++;
      const args: Value[] = [];
      while (peek()?.op !== ')') {
        args.push(or());
        if (peek()?.op === ',') i++;
      }
      eat(')');
      return call(tok.id, args);
    }
    if (tok.id) return lookup(tok.id);
    throw new Error(`expression '${src}': unexpected '${tok.op}'`);
  };
  const call = (fn: string, a: Value[]): Value => {
    switch (fn) {
      case 'always': return true;
      case 'success': return status === 'success';
      case 'failure': return status === 'failure';
      case 'contains': return str(a[0]).toLowerCase().includes(str(a[1]).toLowerCase());
      case 'startsWith': return str(a[0]).toLowerCase().startsWith(str(a[1]).toLowerCase());
      case 'format': return str(a[0]).replace(/\{(\d+)\}/g, (_, n: string) => str(a[Number(n) + 1]));
      default: throw new Error(`expression '${src}': function ${fn}() is not rehearsed`);
    }
  };
  const lookup = (path: string): Value => {
    let v: unknown = ctx;
    for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v === undefined ? '' : (v as Value);
  };
  const v = or();
  if (i !== t.length) throw new Error(`expression '${src}': unexpected '${JSON.stringify(t[i])}'`);
  return v;
}

/** Replaces every `${{ … }}` in a string with its value. */
export function interpolate(text: string, ctx: Contexts): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => str(evaluate(e, ctx)));
}

/** An `if:` condition: a bare expression or one wrapped in `${{ }}`; without a status function, success() is implied. */
export function condition(cond: string | undefined, ctx: Contexts, status: 'success' | 'failure'): boolean {
  if (cond === undefined) return status === 'success';
  const e = cond.trim().replace(/^\$\{\{(.*)\}\}$/s, '$1');
  const v = truthy(evaluate(e, ctx, status));
  return /\b(always|failure|success)\(/.test(e) ? v : v && status === 'success';
}
