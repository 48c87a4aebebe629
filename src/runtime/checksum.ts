/** sha256 with WebCrypto: the same code in Node 20+ (globalThis.crypto) and browsers. */

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Copy into a fresh ArrayBuffer: subtle.digest rejects SharedArrayBuffer-backed views.
  const view =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', view as ArrayBuffer);
  const out = new Uint8Array(digest);
  let hex = '';
  for (let i = 0; i < out.length; i++) hex += out[i]!.toString(16).padStart(2, '0');
  return hex;
}
