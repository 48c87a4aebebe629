// Report text: the 14 CheXpert observations of each report in a CSV (columns id,report).
// Usage: node dist/report-text.js <samples folder>
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPipeline, type ObservationResult } from 'medinfer';

const csv = await readFile(join(process.argv[2] ?? 'medinfer-samples', 'reports', 'reports.csv'), 'utf8');
const reports = parseCsv(csv).slice(1); // drop the header row

const pipe = await createPipeline('report-text', 'medinfer-report-textcnn-phantom', { provider: 'auto' });
for (const [id, text] of reports) {
  if (id === undefined || text === undefined) continue;
  const { observations } = await pipe.run(text);
  const mentioned: ObservationResult[] = observations.filter((o) => o.status !== 'not mentioned');
  console.log(`${id}: ${mentioned.map((o) => `${o.name}=${o.status}`).join(', ') || 'nothing mentioned'}`);
}
await pipe.dispose();

/** Rows of a CSV file (RFC 4180: quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}
