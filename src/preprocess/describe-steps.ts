/**
 * The field reference of every preprocess step, read off the validators themselves (the
 * `read*Params` functions behind validatePreprocessPlan), so the documentation cannot drift from
 * what a manifest is checked against. A describing ParamReader answers every question a reader
 * asks with a plausible value and records the field, what it accepts (the same text a
 * ManifestError would print) and whether a default stood in. Branches are explored: every
 * `oneOf` / `isLiteral` choice is tried, once with every optional field present and once with
 * none (which reveals the defaults, read from the parameters the reader returned).
 */
import { ParamReader, ruleText, type NumberRule } from './param-reader.js';
import type { PreprocessOp } from './types.js';

export interface FieldDoc {
  readonly name: string;
  readonly accepts: string;
  readonly required: boolean;
  /** JSON of the default when the field may be left out and a value stands in. */
  readonly default?: string;
  /** When the field applies only to some values of another field: e.g. 'mode: "foreground"'. */
  readonly onlyWith?: string;
}

interface Seen {
  accepts: Set<string>;
  optionalCall: boolean;
}

class DescribingReader extends ParamReader {
  readonly fields = new Map<string, Seen>();
  readonly branchOptions = new Map<string, readonly string[]>();
  readonly taken = new Map<string, string>();

  constructor(
    op: string,
    private readonly choices: ReadonlyMap<string, number>,
    private readonly present: boolean,
  ) {
    super(0, op, { op });
  }

  private note(field: string, accepts: string, optional = false): void {
    const f = this.fields.get(field) ?? { accepts: new Set<string>(), optionalCall: false };
    f.accepts.add(accepts);
    f.optionalCall ||= optional;
    this.fields.set(field, f);
  }

  private choose<T extends string>(field: string, options: readonly T[]): T {
    if (!this.branchOptions.has(field)) this.branchOptions.set(field, options);
    const v = options[this.choices.get(field) ?? 0] ?? options[0]!;
    this.taken.set(field, v);
    return v;
  }

  private sample(rule: NumberRule): number {
    return rule.min ?? (rule.above !== undefined ? rule.above + 1 : 1);
  }

  override fail(): never {
    return undefined as never; // the describing run only records fields
  }
  override peek(): unknown {
    return undefined;
  }
  override has(): boolean {
    return this.present;
  }
  override isLiteral(field: string, literal: string): boolean {
    this.note(field, `"${literal}"`, true);
    // With the field absent it cannot hold the literal (defaults come from those runs).
    return this.present && this.choose(`${field}=${literal}`, ['no', 'yes']) === 'yes';
  }
  override number(field: string, rule: NumberRule = {}): number {
    this.note(field, ruleText(rule));
    return this.sample(rule);
  }
  override optionalNumber(field: string, rule: NumberRule = {}): number | undefined {
    this.note(field, ruleText(rule), true);
    return this.present ? this.sample(rule) : undefined;
  }
  override numberArray(field: string, lengths: readonly number[], rule: NumberRule = {}, count?: string): number[] {
    this.note(field, `an array of ${count ?? lengths.join(' or ')} numbers, each ${ruleText(rule)}`);
    return new Array<number>(lengths[lengths.length - 1]!).fill(this.sample(rule));
  }
  override numberOrArray(field: string, lengths: readonly number[], rule: NumberRule = {}): number | number[] {
    this.note(field, `${ruleText(rule)} (every axis) or an array of ${lengths.join(' or ')} such numbers`);
    return this.sample(rule);
  }
  override boolean(field: string, fallback?: boolean): boolean {
    this.note(field, 'true or false', fallback !== undefined);
    return fallback ?? false;
  }
  override oneOf<T extends string>(field: string, values: readonly T[], fallback?: T): T {
    this.note(field, `one of ${values.map((x) => `"${x}"`).join(', ')}`, fallback !== undefined);
    if (!this.present && fallback !== undefined) return fallback;
    return this.choose(field, values);
  }
  override string(field: string, _pattern: RegExp, expected: string): string {
    this.note(field, expected);
    return 'ijk';
  }
  override optionalString(field: string, _pattern: RegExp, expected: string): string | undefined {
    this.note(field, expected, true);
    return undefined;
  }
  override stringArray(field: string): string[] {
    this.note(field, 'a non-empty array of distinct non-empty strings');
    return ['a'];
  }
  override finish(): void {}
}

interface Run {
  readonly present: boolean;
  readonly taken: ReadonlyMap<string, string>;
  readonly fields: ReadonlyMap<string, Seen>;
  readonly result: Readonly<Record<string, unknown>>;
}

/** Every branch of a reader: each combination of its choices, with optional fields present and absent. */
function explore(op: string, read: (r: ParamReader) => object): Run[] {
  const runs: Run[] = [];
  const queue: Map<string, number>[] = [new Map()];
  const tried = new Set<string>();
  while (queue.length > 0 && runs.length < 64) {
    const choices = queue.shift()!;
    const key = JSON.stringify([...choices].sort());
    if (tried.has(key)) continue;
    tried.add(key);
    for (const present of [true, false]) {
      const r = new DescribingReader(op, choices, present);
      const result = read(r) as Record<string, unknown>;
      runs.push({ present, taken: new Map(r.taken), fields: r.fields, result });
      for (const [field, options] of r.branchOptions) {
        if (choices.has(field)) continue;
        options.forEach((_, idx) => {
          if (idx > 0) queue.push(new Map([...choices, [field, idx]]));
        });
      }
    }
  }
  return runs;
}

/** Which value(s) of which branch field a field needs, when it is not in every run. */
function condition(name: string, all: readonly Run[]): string | undefined {
  // Runs with every optional field present: a field missing there depends on a choice.
  const runs = all.filter((r) => r.present);
  const withField = runs.filter((r) => r.fields.has(name));
  if (withField.length === runs.length) return undefined;
  const branchFields = new Set(runs.flatMap((r) => [...r.taken.keys()]));
  for (const b of branchFields) {
    if (b.includes('=')) continue;
    const values = new Set(withField.map((r) => r.taken.get(b)));
    if (values.has(undefined)) continue;
    const consistent = runs.every((r) => !values.has(r.taken.get(b)) || r.fields.has(name));
    const options = new Set(runs.map((r) => r.taken.get(b)));
    if (consistent && values.size < options.size) return `${b}: ${[...values].map((v) => `"${v}"`).join(', ')}`;
  }
  return undefined;
}

export function describePreprocessFields(op: PreprocessOp, read: (r: ParamReader) => object): FieldDoc[] {
  const runs = explore(op, read);
  const names = [...new Set(runs.flatMap((r) => [...r.fields.keys()]))];
  return names.map((name) => {
    const seen = runs.filter((r) => r.fields.has(name)).map((r) => r.fields.get(name)!);
    const texts = [...new Set(seen.flatMap((s) => [...s.accepts]))];
    // A literal checked by isLiteral and then read by oneOf shows once.
    const accepts = texts.filter((t) => !texts.includes(t.replace(/^one of /, '')) || !t.startsWith('one of ')).join(', or ');
    const absentRuns = runs.filter((r) => !r.present && r.fields.has(name) && !r.fields.get(name)!.optionalCall);
    const requiredSomewhere = absentRuns.length > 0;
    const fallback = runs.find(
      (r) => !r.present && r.result[name] !== undefined && !(r.fields.get(name) && !r.fields.get(name)!.optionalCall && requiredSomewhere),
    );
    const onlyWith = condition(name, runs);
    return {
      name,
      accepts,
      required: requiredSomewhere,
      ...(!requiredSomewhere && fallback ? { default: JSON.stringify(fallback.result[name]) } : {}),
      ...(onlyWith !== undefined ? { onlyWith } : {}),
    };
  });
}
