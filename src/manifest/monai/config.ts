/**
 * A MONAI bundle config (inference.json) with MONAI's reference syntax, resolved on demand:
 * - `"@a#b#0"`: the resolved value of the item at id a -> b -> 0 ('#' separates levels);
 * - `"$expr"`: the safe expression subset of expression.ts (references inside are resolved);
 * - `"%file#id"` / `"%id"`: the raw item of another config file of the bundle (or this one),
 *   then resolved here, as MONAI's macro does;
 * - `_disabled_` items of transform lists are left out (MONAI's own meaning), after resolving it.
 * Only what the importer reads is resolved, so expressions the SDK cannot evaluate (devices,
 * datalists, output folders) are never touched. Overrides replace items before resolution, like
 * the bundle CLI's `--key value` arguments.
 */
import { ManifestError } from '../../core/errors.js';
import { evaluateMonaiExpression } from './expression.js';

export type ReadConfigFile = (relativePath: string) => unknown;

function child(value: unknown, key: string): unknown {
  if (Array.isArray(value) && /^\d+$/.test(key)) return value[Number(key)];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return (value as Record<string, unknown>)[key];
  return undefined;
}

function hasKey(value: unknown, key: string): boolean {
  if (Array.isArray(value)) return /^\d+$/.test(key) && Number(key) < value.length;
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key);
}

const RAW = Symbol('monai-raw');

/** A lazily resolved object's field as written in the config (e.g. a `$lambda` to recognise, not run). */
export function rawField(object: Readonly<Record<string, unknown>>, key: string): unknown {
  const raw = (object as { [RAW]?: Record<string, unknown> })[RAW];
  return raw !== undefined ? raw[key] : object[key];
}

export class MonaiConfig {
  private readonly root: Record<string, unknown>;
  private readonly resolving = new Set<string>();

  constructor(
    root: Record<string, unknown>,
    private readonly file: string,
    private readonly readFile: ReadConfigFile,
    overrides: Readonly<Record<string, unknown>> = {},
  ) {
    this.root = structuredClone(root);
    for (const [id, value] of Object.entries(overrides)) this.set(id, value);
  }

  private set(id: string, value: unknown): void {
    const parts = id.split('#');
    let at: unknown = this.root;
    for (const key of parts.slice(0, -1)) {
      if (!hasKey(at, key)) throw new ManifestError(`${this.file}: override '${id}': no item '${key}'`, { file: this.file, field: id });
      at = child(at, key);
    }
    (at as Record<string, unknown>)[parts[parts.length - 1]!] = value;
  }

  /** Whether the config has an item at `id`. */
  has(id: string): boolean {
    let at: unknown = this.root;
    for (const key of id.split('#')) {
      if (!hasKey(at, key)) return false;
      at = child(at, key);
    }
    return true;
  }

  /** The unresolved item at `id` (ManifestError naming the id when absent). */
  raw(id: string, root: unknown = this.root, file = this.file): unknown {
    let at: unknown = root;
    for (const key of id.split('#')) {
      if (!hasKey(at, key)) throw new ManifestError(`${file}: the reference '@${id}' names no item ('${key}' is missing)`, { file, field: id });
      at = child(at, key);
    }
    return at;
  }

  /** The resolved item at `id`. */
  get(id: string): unknown {
    if (this.resolving.has(id)) throw new ManifestError(`${this.file}: '@${id}' refers to itself`, { file: this.file, field: id });
    this.resolving.add(id);
    try {
      return this.resolve(this.raw(id), id);
    } finally {
      this.resolving.delete(id);
    }
  }

  /** Resolves references, expressions and macros in `value` (found at `where`, for messages). */
  resolve(value: unknown, where: string): unknown {
    if (typeof value === 'string') return this.resolveString(value, where);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      value.forEach((item, i) => {
        // MONAI leaves a disabled item out of its list.
        if (typeof item === 'object' && item !== null && '_disabled_' in item && this.isDisabled(item as Record<string, unknown>, `${where}#${i}`)) return;
        out.push(this.resolve(item, `${where}#${i}`));
      });
      return out;
    }
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = k === '_target_' ? v : this.resolve(v, `${where}#${k}`);
      return out;
    }
    return value;
  }

  /**
   * The item at `id` (a Compose, a list, or one object) as a list of objects whose fields resolve
   * when read, so a transform's `device: "$torch.device(...)"` is never evaluated unless needed.
   * Disabled items are left out; `"@other"` items are followed.
   */
  lazyList(id: string): Record<string, unknown>[] {
    let raw = this.raw(id);
    let where = id;
    while (typeof raw === 'string' && raw.startsWith('@')) {
      where = raw.slice(1);
      raw = this.raw(where);
    }
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Array.isArray((raw as Record<string, unknown>)['transforms'])) {
      where = `${where}#transforms`;
      raw = (raw as Record<string, unknown>)['transforms'];
    }
    const single = !Array.isArray(raw);
    const items = Array.isArray(raw) ? raw : [raw];
    const out: Record<string, unknown>[] = [];
    items.forEach((item, i) => {
      let at = single ? where : `${where}#${i}`;
      let value: unknown = item;
      while (typeof value === 'string' && value.startsWith('@')) {
        at = value.slice(1);
        value = this.raw(at);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new ManifestError(`${this.file}: '${at}' is not a transform object`, { file: this.file, field: at });
      const record = value as Record<string, unknown>;
      if ('_disabled_' in record && this.isDisabled(record, at)) return;
      // A Compose inside the list runs its transforms in place: flatten it.
      const target = record['_target_'];
      if (typeof target === 'string' && target.split('.').pop() === 'Compose' && Array.isArray(record['transforms']))
        out.push(...this.lazyList(`${at}#transforms`));
      else out.push(this.lazyObject(record, at));
    });
    return out;
  }

  /** `raw` with each field resolved on first read (`_target_` kept as written). */
  lazyObject(raw: Record<string, unknown>, where: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    Object.defineProperty(out, RAW, { value: raw, enumerable: false });
    for (const [key, value] of Object.entries(raw)) {
      if (key === '_target_') {
        out[key] = value;
        continue;
      }
      let cached: { v: unknown } | undefined;
      Object.defineProperty(out, key, { enumerable: true, get: () => (cached ??= { v: this.resolve(value, `${where}#${key}`) }).v });
    }
    return out;
  }

  isDisabled(item: Record<string, unknown>, where: string): boolean {
    const d = this.resolve(item['_disabled_'], `${where}#_disabled_`);
    return d === true || d === 'true' || d === 'True';
  }

  private resolveString(text: string, where: string): unknown {
    if (text.startsWith('@')) return this.get(text.slice(1));
    if (text.startsWith('$')) return evaluateMonaiExpression(text.slice(1), (id) => this.get(id), `${this.file}: ${where}`);
    if (text.startsWith('%')) {
      const [file, ...path] = text.slice(1).split('#');
      const id = path.join('#');
      const other = file === '' ? this.root : this.readFile(file!);
      return this.resolve(this.raw(id, other, file === '' ? this.file : file!), where);
    }
    return text;
  }
}
