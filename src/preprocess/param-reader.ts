/**
 * Reads one step's parameters out of untrusted manifest JSON. Every failure is a ManifestError
 * naming the step index, op, field, what was expected and what was received, so a typo in a
 * manifest points at the exact line to fix. Unknown fields are rejected (a misspelt optional
 * field would otherwise silently fall back to its default).
 */
import { ManifestError } from '../core/errors.js';

export interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Strictly greater than this. */
  readonly above?: number;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    const s = JSON.stringify(value);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return typeof value;
  }
}

export function ruleText(rule: NumberRule): string {
  const parts = [rule.integer ? 'an integer' : 'a finite number'];
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  return parts.join(' ');
}

function meets(value: unknown, rule: NumberRule): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (rule.integer && !Number.isInteger(value)) return false;
  if (rule.above !== undefined && !(value > rule.above)) return false;
  if (rule.min !== undefined && value < rule.min) return false;
  if (rule.max !== undefined && value > rule.max) return false;
  return true;
}

export class ParamReader {
  protected readonly seen = new Set<string>(['op']);

  constructor(
    readonly index: number,
    readonly op: string,
    private readonly raw: Readonly<Record<string, unknown>>,
  ) {}

  fail(field: string, expected: string, received: unknown): never {
    throw new ManifestError(`preprocess[${this.index}] (${this.op}): field "${field}" expected ${expected}, received ${describe(received)}`, {
      index: this.index,
      op: this.op,
      field,
      expected,
      received: describe(received),
    });
  }

  /** The raw value, without marking the field as read. */
  peek(field: string): unknown {
    return this.raw[field];
  }

  has(field: string): boolean {
    return this.raw[field] !== undefined;
  }

  /** Whether the field holds exactly this literal (a field that takes a word or a number / boolean). */
  isLiteral(field: string, literal: string): boolean {
    return this.raw[field] === literal;
  }

  private take(field: string): unknown {
    this.seen.add(field);
    return this.raw[field];
  }

  number(field: string, rule: NumberRule = {}): number {
    const v = this.take(field);
    if (!meets(v, rule)) this.fail(field, ruleText(rule), v);
    return v;
  }

  optionalNumber(field: string, rule: NumberRule = {}): number | undefined {
    return this.has(field) ? this.number(field, rule) : (this.take(field), undefined);
  }

  /** `count` describes the length where it depends on another field (e.g. "as many as mean"). */
  numberArray(field: string, lengths: readonly number[], rule: NumberRule = {}, count?: string): number[] {
    const v = this.take(field);
    const expected = `an array of ${count ?? lengths.join(' or ')} numbers, each ${ruleText(rule)}`;
    if (!Array.isArray(v) || !lengths.includes(v.length)) this.fail(field, expected, v);
    for (const x of v as unknown[]) if (!meets(x, rule)) this.fail(field, expected, v);
    return [...(v as number[])];
  }

  /** A number (applied to every axis) or one number per axis. */
  numberOrArray(field: string, lengths: readonly number[], rule: NumberRule = {}): number | number[] {
    const v = this.raw[field];
    if (typeof v === 'number') return this.number(field, rule);
    return this.numberArray(field, lengths, rule);
  }

  boolean(field: string, fallback?: boolean): boolean {
    const v = this.take(field);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(field, 'true or false', v);
    return v;
  }

  oneOf<T extends string>(field: string, values: readonly T[], fallback?: T): T {
    const v = this.take(field);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) this.fail(field, `one of ${values.map((x) => `"${x}"`).join(', ')}`, v);
    return v as T;
  }

  string(field: string, pattern: RegExp, expected: string): string {
    const v = this.take(field);
    if (typeof v !== 'string' || !pattern.test(v)) this.fail(field, expected, v);
    return v;
  }

  optionalString(field: string, pattern: RegExp, expected: string): string | undefined {
    return this.has(field) ? this.string(field, pattern, expected) : (this.take(field), undefined);
  }

  stringArray(field: string): string[] {
    const v = this.take(field);
    const expected = 'a non-empty array of distinct non-empty strings';
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s.length > 0) || new Set(v).size !== v.length)
      this.fail(field, expected, v);
    return [...(v as string[])];
  }

  /** Throws on any field that no reader asked for. */
  finish(): void {
    for (const key of Object.keys(this.raw)) {
      if (!this.seen.has(key)) this.fail(key, `no such field for op "${this.op}"`, this.raw[key]);
    }
  }
}
