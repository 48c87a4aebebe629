/**
 * Tokenizer of the bundled report-text CNN. The Python training script (scripts/models/
 * train_report_cnn.py) implements exactly the same rule, and the vocabulary file
 * (models/report-cnn.vocab.json) restates it, so token ids agree between training and inference:
 * lower-case, then maximal runs of [a-z0-9] or single other non-space characters.
 */

export interface ReportVocab {
  /** Token strings; the index in this array is the token id. */
  tokens: readonly string[];
  /** Id used for padding (0) and for unknown tokens (1). */
  padId: number;
  unkId: number;
  /** Sequence length the model was exported with (inputs are padded / truncated to it). */
  maxLength: number;
}

const TOKEN = /[a-z0-9]+|[^\sa-z0-9]/g;

export function tokenizeReport(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/** Token ids, padded with padId / truncated to vocab.maxLength (int64 in the ONNX graph: use BigInt64Array there). */
export function encodeReport(text: string, vocab: ReportVocab): Int32Array {
  const index = new Map<string, number>();
  vocab.tokens.forEach((t, i) => index.set(t, i));
  const ids = new Int32Array(vocab.maxLength).fill(vocab.padId);
  const tokens = tokenizeReport(text);
  for (let i = 0; i < Math.min(tokens.length, vocab.maxLength); i++) ids[i] = index.get(tokens[i]!) ?? vocab.unkId;
  return ids;
}
