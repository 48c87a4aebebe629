/**
 * Worker of node-frame-decode-pool.ts: decodes one compressed frame per message with the codec
 * the calling thread would use (default loaders) and the same codestream size check, and posts the
 * samples back (transferred) or the typed error as plain data.
 */
import { parentPort } from 'node:worker_threads';
import { isMedinferError } from '../../../core/errors.js';
import type { TypedArray } from '../../../core/dtype.js';
import { checkCodestreamSize } from '../codestream-size.js';
import type { FrameDecoder } from './frame-decoder.js';
import { loadFrameDecoder } from './load-frame-decoder.js';
import type { FrameJob, FrameReply } from './frame-decode-messages.js';

const decoders = new Map<string, Promise<FrameDecoder>>();

function decoderFor(job: FrameJob): Promise<FrameDecoder> {
  let d = decoders.get(job.codec);
  if (d === undefined) {
    d = loadFrameDecoder(job.codec, job.file);
    // A failed load (a codec package missing) is reported for this frame and tried again for the next.
    d.catch(() => decoders.delete(job.codec));
    decoders.set(job.codec, d);
  }
  return d;
}

/** The samples on a buffer of their own, so they can be transferred without taking the codec's memory along. */
function owned(samples: TypedArray): TypedArray {
  const whole = samples.byteOffset === 0 && samples.byteLength === samples.buffer.byteLength && samples.buffer instanceof ArrayBuffer;
  return whole ? samples : samples.slice();
}

parentPort!.on('message', (job: FrameJob) => {
  void (async () => {
    let reply: FrameReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const decode = await decoderFor(job);
      checkCodestreamSize(job.frame, job.pm, job.tsName, job.file);
      const samples = owned(decode(job.frame, job.pm, job.file));
      reply = { id: job.id, ok: true, samples };
      transfer = [samples.buffer as ArrayBuffer];
    } catch (err) {
      const error = isMedinferError(err)
        ? { name: err.name, message: err.message, details: err.details }
        : { name: 'DecodeError', message: `${job.file}: pixel data could not be decoded: ${String(err)}`, details: { file: job.file, cause: 'codec' } };
      reply = { id: job.id, ok: false, error };
    }
    parentPort!.postMessage(reply, transfer);
  })();
});
