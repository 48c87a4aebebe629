/**
 * Report tokenizer driven by the manifest's `tokenizer` block and the model's vocabulary file,
 * so a text model is fed exactly as it was trained:
 *   { lowercase, split: 'words-and-punctuation' | 'words' | 'whitespace', maxLength,
 *     padding: 'post' | 'pre', padToken, unknownToken, inputDtype: 'int64' | 'int32' }
 * Vocabulary: JSON `{ "tokens": [...] }` (index = id) or plain text, one token per line.
 */
import { ManifestError } from '../core/errors.js';

export interface TokenizerSpec {
  readonly lowercase: boolean;
  readonly split: 'words-and-punctuation' | 'ascii-words-and-punctuation' | 'words' | 'whitespace';
  readonly maxLength: number;
  readonly padding: 'post' | 'pre';
  readonly padToken: string;
  readonly unknownToken: string;
  readonly inputDtype: 'int64' | 'int32';
}

export interface Tokenizer {
  readonly spec: TokenizerSpec;
  readonly vocabSize: number;
  tokenize(text: string): string[];
  /** Ids padded / truncated to maxLength. */
  encode(text: string): Int32Array;
  /**
   * Writes the padded / truncated ids of `text` into `out` at `offset` (maxLength slots; `out`
   * already holds the pad id or is filled here) and returns the number of tokens before
   * truncation: one tokenization per report in batches instead of encode() + tokenize().
   */
  encodeInto(text: string, out: Int32Array, offset: number): number;
}

const SPLITTERS: Record<TokenizerSpec['split'], RegExp> = {
  'words-and-punctuation': /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu,
  // Runs of [a-z0-9] or any single other non-space character (the bundled report CNN's rule).
  'ascii-words-and-punctuation': /[a-z0-9]+|[^\sa-z0-9]/g,
  words: /[\p{L}\p{N}]+/gu,
  whitespace: /\S+/gu,
};

export function parseTokenizerSpec(raw: Readonly<Record<string, unknown>> | undefined, modelId: string): TokenizerSpec {
  const r = raw ?? {};
  const bad = (field: string, expected: string) =>
    new ManifestError(`model '${modelId}': tokenizer.${field} must be ${expected}, got ${JSON.stringify(r[field])}`, { modelId, field: `tokenizer.${field}` });
  const maxLength = r.maxLength;
  if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 1) throw bad('maxLength', 'a positive integer');
  const split = (r.split ?? 'words-and-punctuation') as TokenizerSpec['split'];
  if (!(split in SPLITTERS)) throw bad('split', "'words-and-punctuation', 'words' or 'whitespace'");
  const padding = (r.padding ?? 'post') as TokenizerSpec['padding'];
  if (padding !== 'post' && padding !== 'pre') throw bad('padding', "'post' or 'pre'");
  const inputDtype = (r.inputDtype ?? 'int64') as TokenizerSpec['inputDtype'];
  if (inputDtype !== 'int64' && inputDtype !== 'int32') throw bad('inputDtype', "'int64' or 'int32'");
  return {
    lowercase: r.lowercase !== false,
    split,
    maxLength,
    padding,
    padToken: String(r.padToken ?? '<pad>'),
    unknownToken: String(r.unknownToken ?? '<unk>'),
    inputDtype,
  };
}

export function parseVocabulary(bytes: Uint8Array, name: string, modelId: string): string[] {
  const text = new TextDecoder().decode(bytes);
  if (text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ManifestError(`model '${modelId}': vocabulary ${name} is not valid JSON`, { modelId, file: name }, { cause: error });
    }
    const tokens = (json as { tokens?: unknown }).tokens;
    if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string'))
      throw new ManifestError(`model '${modelId}': vocabulary ${name} needs a "tokens" array of strings`, { modelId, file: name });
    return tokens as string[];
  }
  return text.split(/\r?\n/).filter((l) => l.length > 0);
}

export function createTokenizer(spec: TokenizerSpec, tokens: readonly string[], modelId: string): Tokenizer {
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (!ids.has(t)) ids.set(t, i);
  });
  const pad = ids.get(spec.padToken);
  const unk = ids.get(spec.unknownToken);
  if (pad === undefined || unk === undefined)
    throw new ManifestError(`model '${modelId}': vocabulary lacks the pad '${spec.padToken}' or unknown '${spec.unknownToken}' token`, { modelId });
  const tokenize = (text: string) => (spec.lowercase ? text.toLowerCase() : text).match(SPLITTERS[spec.split]) ?? [];
  const encodeInto = (text: string, out: Int32Array, offset: number): number => {
    const words = tokenize(text);
    const kept = Math.min(words.length, spec.maxLength);
    const start = offset + (spec.padding === 'pre' ? spec.maxLength - kept : 0);
    out.fill(pad, offset, offset + spec.maxLength);
    for (let i = 0; i < kept; i++) out[start + i] = ids.get(words[i]!) ?? unk;
    return words.length;
  };
  return {
    spec,
    vocabSize: tokens.length,
    tokenize,
    encode(text) {
      const out = new Int32Array(spec.maxLength);
      encodeInto(text, out, 0);
      return out;
    },
    encodeInto,
  };
}
