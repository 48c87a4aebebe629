/**
 * Minimal RFC 4180 CSV: quoted fields with doubled quotes, CRLF or LF line ends, a header row.
 * Batch lists and label files are small and hand-written, so a full CSV library is not needed;
 * what matters is that quoted commas and quotes in report text survive a round trip.
 */
import { InputError } from '../../core/errors.js';

export interface CsvTable {
  readonly header: readonly string[];
  /** Rows keyed by header name (missing trailing cells are ''). */
  readonly rows: readonly Readonly<Record<string, string>>[];
}

function splitRecords(text: string, name: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.length === 0) quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new InputError(`${name}: unterminated quoted field`, { file: name });
  if (field.length > 0 || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records.filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
}

export function parseCsv(text: string, name = 'csv'): CsvTable {
  const records = splitRecords(text.replace(/^\uFEFF/, ''), name);
  const header = (records[0] ?? []).map((h) => h.trim());
  if (header.length === 0) throw new InputError(`${name}: empty CSV (a header row is required)`, { file: name });
  const rows = records.slice(1).map((r) => Object.fromEntries(header.map((h, c) => [h, (r[c] ?? '').trim()])));
  return { header, rows };
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function formatCsvValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : String(value);
  return String(value);
}

/** Header + rows; columns are the union of row keys in first-seen order unless given. */
export function formatCsv(rows: readonly Readonly<Record<string, unknown>>[], columns?: readonly string[]): string {
  const cols = columns ? [...columns] : [];
  if (!columns) for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const lines = [cols.map(quote).join(',')];
  for (const r of rows) lines.push(cols.map((c) => quote(formatCsvValue(r[c]))).join(','));
  return lines.join('\n') + '\n';
}
