/**
 * The safe subset of MONAI bundle `$` expressions the importer evaluates: Python literals
 * (numbers, strings, True / False / None, lists, tuples), `@id#path` references, `not` / `and`
 * / `or`, `x if c else y`, + - * / and unary minus, comparisons, parentheses, and calls of the
 * form `@ref.method(key=value, ...)` (returned uninterpreted, for the caller to recognise, e.g.
 * RetinaNetDetector.set_box_selector_parameters). Any other name (torch, numpy, lambda, glob,
 * attribute access, subscripts) is an UnsupportedError naming the expression: nothing is guessed.
 */
import { UnsupportedError } from '../../core/errors.js';

/** A method call on a referenced object, kept as data. */
export interface MonaiCall {
  readonly kind: 'monai-call';
  readonly target: string;
  readonly method: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
}

export function isMonaiCall(value: unknown): value is MonaiCall {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'monai-call';
}

type Token =
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'ref'; readonly v: string }
  | { readonly t: 'name'; readonly v: string }
  | { readonly t: 'op'; readonly v: string };

const OPS = ['==', '!=', '<=', '>=', '**', '//', '(', ')', '[', ']', ',', '+', '-', '*', '/', '<', '>', '=', '.', ':'];

function tokenize(src: string, fail: (why: string) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[1]) });
      i += num[1]!.length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail('an unterminated string');
      out.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (c === '@') {
      const ref = /^@([A-Za-z0-9_#]+)/.exec(src.slice(i));
      if (!ref) fail(`an '@' without a reference id at ${i}`);
      out.push({ t: 'ref', v: ref[1]! });
      i += ref[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      out.push({ t: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) fail(`the character '${c}'`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

export type RefResolver = (id: string) => unknown;

/** Evaluates `$` expression text (without the `$`) with `resolve` for `@` references. */
export function evaluateMonaiExpression(text: string, resolve: RefResolver, where: string): unknown {
  const fail = (why: string): never => {
    throw new UnsupportedError(
      `${where}: the expression "$${text}" uses ${why}, outside the subset the MONAI importer evaluates (literals, @references, not/and/or, if-else, ` +
        `arithmetic, @ref.method(key=value))`,
      { field: where, expression: text },
    );
  };
  const tokens = tokenize(text, fail);
  let p = 0;
  const peek = (v?: string): boolean => p < tokens.length && (v === undefined || ((tokens[p]!.t === 'op' || tokens[p]!.t === 'name') && tokens[p]!.v === v));
  const expect = (v: string): void => {
    if (!peek(v)) fail(`'${p < tokens.length ? String(tokens[p]!.v) : 'end'}' where '${v}' was expected`);
    p++;
  };
  const truthy = (v: unknown): boolean => !(v === false || v === null || v === 0 || v === '' || (Array.isArray(v) && v.length === 0));
  const num = (v: unknown, op: string): number => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : fail(`'${op}' on a non-number`));

  function ternary(): unknown {
    const value = orExpr();
    if (peek('if')) {
      p++;
      const cond = orExpr();
      expect('else');
      const other = ternary();
      return truthy(cond) ? value : other;
    }
    return value;
  }
  function orExpr(): unknown {
    let v = andExpr();
    while (peek('or')) {
      p++;
      const r = andExpr();
      v = truthy(v) ? v : r;
    }
    return v;
  }
  function andExpr(): unknown {
    let v = notExpr();
    while (peek('and')) {
      p++;
      const r = notExpr();
      v = truthy(v) ? r : v;
    }
    return v;
  }
  function notExpr(): unknown {
    if (peek('not')) {
      p++;
      return !truthy(notExpr());
    }
    return comparison();
  }
  function comparison(): unknown {
    const left = additive();
    for (const op of ['==', '!=', '<=', '>=', '<', '>']) {
      if (peek(op)) {
        p++;
        const right = additive();
        if (op === '==') return JSON.stringify(left) === JSON.stringify(right);
        if (op === '!=') return JSON.stringify(left) !== JSON.stringify(right);
        const a = num(left, op),
          b = num(right, op);
        return op === '<=' ? a <= b : op === '>=' ? a >= b : op === '<' ? a < b : a > b;
      }
    }
    return left;
  }
  function additive(): unknown {
    let v = term();
    while (peek('+') || peek('-')) {
      const op = tokens[p++]!.v as string;
      const r = term();
      if (op === '+' && typeof v === 'string' && typeof r === 'string') v = v + r;
      else if (op === '+' && Array.isArray(v) && Array.isArray(r)) v = [...v, ...r];
      else v = op === '+' ? num(v, op) + num(r, op) : num(v, op) - num(r, op);
    }
    return v;
  }
  function term(): unknown {
    let v = unary();
    while (peek('*') || peek('/') || peek('//')) {
      const op = tokens[p++]!.v as string;
      const r = unary();
      v = op === '*' ? num(v, op) * num(r, op) : op === '/' ? num(v, op) / num(r, op) : Math.floor(num(v, op) / num(r, op));
    }
    return v;
  }
  function unary(): unknown {
    if (peek('-')) {
      p++;
      return -num(unary(), '-');
    }
    if (peek('+')) {
      p++;
      return num(unary(), '+');
    }
    return atom();
  }
  function sequence(close: string): unknown[] {
    const items: unknown[] = [];
    while (!peek(close)) {
      items.push(ternary());
      if (!peek(close)) expect(',');
    }
    p++;
    return items;
  }
  function call(target: string, method: string): MonaiCall {
    expect('(');
    const args: unknown[] = [];
    const kwargs: Record<string, unknown> = {};
    while (!peek(')')) {
      const t = tokens[p];
      if (t?.t === 'name' && tokens[p + 1]?.t === 'op' && tokens[p + 1]!.v === '=') {
        p += 2;
        kwargs[t.v] = ternary();
      } else args.push(ternary());
      if (!peek(')')) expect(',');
    }
    p++;
    return { kind: 'monai-call', target, method, args, kwargs };
  }
  function atom(): unknown {
    const t = tokens[p];
    if (t === undefined) return fail('an incomplete expression');
    p++;
    if (t.t === 'num' || t.t === 'str') return t.v;
    if (t.t === 'ref') {
      if (peek('.')) {
        p++;
        const m = tokens[p++];
        if (m?.t !== 'name') return fail(`an attribute of @${t.v} that is not a method call`);
        return call(t.v, m.v);
      }
      if (peek('[') || peek('(')) return fail(`a subscript or call of @${t.v}`);
      return resolve(t.v);
    }
    if (t.t === 'name') {
      if (t.v === 'True') return true;
      if (t.v === 'False') return false;
      if (t.v === 'None') return null;
      return fail(`the name '${t.v}'`);
    }
    if (t.v === '(') {
      const items = sequence(')');
      return items.length === 1 ? items[0] : items;
    }
    if (t.v === '[') return sequence(']');
    return fail(`'${t.v}'`);
  }

  const value = ternary();
  if (p !== tokens.length) fail(`'${String(tokens[p]!.v)}' after a complete expression`);
  return value;
}
