/** Flag parsing shared by commands: node:util parseArgs with usage errors as typed errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export function parseCommandArgs(argv: string[], options: OptionSpec, command: string): ParsedArgs {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`, { command });
  }
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function stringListFlag(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function booleanFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Default --max-voxels: 2^28 voxels (1 GiB of float32), checked from headers before allocating. */
const DEFAULT_MAX_VOXELS = 2 ** 28;

/** --max-voxels N (inspect, convert, run, dicomweb, eval): a positive integer, default 2^28. */
export function parseMaxVoxels(text: string | undefined, command: string): number {
  if (text === undefined) return DEFAULT_MAX_VOXELS;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${command}: --max-voxels must be a positive integer, got '${text}'`, { field: 'max-voxels' });
  return n;
}
