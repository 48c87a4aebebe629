/**
 * UIDs of the objects medinfer writes.
 * Root: by default '2.25' (PS3.5 B.2: a UUID as one decimal integer, no registration needed).
 * A caller with its own registered root passes `uidRoot`; the integer after it is then cut to
 * fit the 64-character limit (roots over 40 characters are refused: fewer than 23 digits left
 * would make collisions plausible).
 * Random UIDs: 122 random bits, formatted as a version-4 UUID (ISO/IEC 9834-8).
 * Deterministic UIDs: SHA-256 of the seed text (a name-based UUID with version 8, RFC 9562), so
 * writing the result of the same model on the same source series again gives the same SOP and
 * Series Instance UIDs and a PACS replaces the object instead of storing a duplicate.
 */
import { UsageError } from '../../core/errors.js';

/** medinfer's implementation class UID (file meta 0002,0012): a fixed 2.25 UUID. */
export const DICOM_WRITER_IMPLEMENTATION_UID = '2.25.184524383726187213386386101646939521121';
export const DICOM_WRITER_VERSION_NAME = 'MEDINFER';
export const DEFAULT_UID_ROOT = '2.25';

const ROOT_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

function uuidInteger(bytes: Uint8Array, version: number): bigint {
  const b = bytes.slice(0, 16);
  b[6] = (b[6]! & 0x0f) | (version << 4);
  b[8] = (b[8]! & 0x3f) | 0x80;
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function checkRoot(root: string): void {
  if (!ROOT_PATTERN.test(root) || root.length > 40) {
    throw new UsageError(`uidRoot '${root}' must be dotted decimal components without leading zeros, at most 40 characters`, { field: 'uidRoot' });
  }
}

function underRoot(root: string, n: bigint): string {
  checkRoot(root);
  if (root === DEFAULT_UID_ROOT) return `${root}.${n}`;
  const digits = 64 - root.length - 1;
  const cut = n % 10n ** BigInt(digits);
  return `${root}.${cut}`;
}

/** A new random UID under `root`. */
export function createRandomUid(root: string = DEFAULT_UID_ROOT): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return underRoot(root, uuidInteger(bytes, 4));
}

/** The same UID for the same seed (and root): SHA-256 of the seed's UTF-8 bytes. */
export function deriveUid(seed: string, root: string = DEFAULT_UID_ROOT): string {
  return underRoot(root, uuidInteger(sha256(new TextEncoder().encode(seed)), 8));
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/**
 * Synchronous SHA-256 (FIPS 180-4). WebCrypto's digest is async only, and UID derivation sits in
 * synchronous writers; seeds are short, so speed does not matter. Checked against node:crypto.
 */
export function sha256(message: Uint8Array): Uint8Array {
  const bitLength = message.length * 8;
  const padded = new Uint8Array(Math.ceil((message.length + 9) / 64) * 64);
  padded.set(message);
  padded[message.length] = 0x80;
  const pv = new DataView(padded.buffer);
  pv.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32));
  pv.setUint32(padded.length - 4, bitLength >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
  for (let block = 0; block < padded.length; block += 64) {
    for (let t = 0; t < 16; t++) w[t] = pv.getUint32(block + t * 4);
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(w[t - 15]!, 7) ^ rotr(w[t - 15]!, 18) ^ (w[t - 15]! >>> 3);
      const s1 = rotr(w[t - 2]!, 17) ^ rotr(w[t - 2]!, 19) ^ (w[t - 2]! >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!];
    for (let t = 0; t < 64; t++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = (h[0]! + a) >>> 0;
    h[1] = (h[1]! + b) >>> 0;
    h[2] = (h[2]! + c) >>> 0;
    h[3] = (h[3]! + d) >>> 0;
    h[4] = (h[4]! + e) >>> 0;
    h[5] = (h[5]! + f) >>> 0;
    h[6] = (h[6]! + g) >>> 0;
    h[7] = (h[7]! + hh) >>> 0;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setUint32(i * 4, h[i]!);
  return out;
}
