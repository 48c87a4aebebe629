/**
 * Shared helpers for the bundled-model tests: load a manifest entry written by scripts/models,
 * check its file against sha256 / size, open an onnxruntime-node session on it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface EntryFile {
  role: string;
  path: string;
  sha256: string;
  bytes: number;
}
export interface TensorSpec {
  name: string;
  dtype: string;
  dims: (number | string)[];
}
export interface BundledEntry {
  id: string;
  task: string;
  files: EntryFile[];
  io: { inputs: TensorSpec[]; outputs: TensorSpec[] };
  preprocess: { op: string; [k: string]: unknown }[];
  postprocess: { op: string; [k: string]: unknown }[];
  labels: unknown[];
  tokenizer?: Record<string, unknown>;
  metrics: Record<string, { value: number }>;
}

export function entryPath(id: string): string {
  return join(ROOT, 'scripts', 'models', 'entries', `${id}.json`);
}

/** The entry, or undefined when the model has not been shipped yet (its test is then skipped). */
export function loadEntry(id: string): BundledEntry | undefined {
  const path = entryPath(id);
  if (!existsSync(path)) return undefined;
  const entry = JSON.parse(readFileSync(path, 'utf8')) as BundledEntry;
  return entry.files.every((f) => existsSync(join(ROOT, f.path))) ? entry : undefined;
}

export function fileOf(entry: BundledEntry, role: string): EntryFile {
  const f = entry.files.find((x) => x.role === role);
  if (!f) throw new Error(`${entry.id} has no ${role} file`);
  return f;
}

export function checkFileIntegrity(file: EntryFile): void {
  const bytes = readFileSync(join(ROOT, file.path));
  if (bytes.length !== file.bytes) throw new Error(`${file.path}: ${bytes.length} bytes, entry says ${file.bytes}`);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== file.sha256) throw new Error(`${file.path}: sha256 ${sha}, entry says ${file.sha256}`);
}

export async function openSession(entry: BundledEntry): Promise<ort.InferenceSession> {
  const session = await ort.InferenceSession.create(join(ROOT, fileOf(entry, 'model').path), { intraOpNumThreads: 2 });
  const inputs = entry.io.inputs.map((i) => i.name);
  const outputs = entry.io.outputs.map((o) => o.name);
  if (JSON.stringify([...session.inputNames]) !== JSON.stringify(inputs))
    throw new Error(`inputs ${session.inputNames.join(',')} != entry ${inputs.join(',')}`);
  if (JSON.stringify([...session.outputNames]) !== JSON.stringify(outputs))
    throw new Error(`outputs ${session.outputNames.join(',')} != entry ${outputs.join(',')}`);
  return session;
}

export { ort };
