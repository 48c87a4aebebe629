/** Downloads bytes with a progress callback (fetch exists in Node 18+ and browsers). */
import { ModelFileError } from '../core/errors.js';

export async function fetchWithProgress(url: string, onProgress?: (loaded: number, total?: number) => void): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new ModelFileError(`cannot download ${url}: HTTP ${response.status}`, { file: url, status: response.status });
  const header = response.headers.get('content-length');
  const total = header === null ? undefined : Number(header);
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.(bytes.byteLength, total);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress?.(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
