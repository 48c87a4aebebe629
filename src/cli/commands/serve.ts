/** `medinfer serve`: the web demo on 127.0.0.1 (models run in the browser; data never leaves it). */
import { EXIT_OK, EXIT_USAGE, type CliCommand } from '../command.js';
import { parseCommandArgs, stringFlag } from '../args.js';
import { startWebServer } from '../web/web-server.js';

const USAGE = `Usage: medinfer serve [--port 8080] [--host 127.0.0.1] [--manifest FILE]

Serves the web demo: drop a DICOM / NIfTI / PNG, pick a model, run it on WebGPU or wasm in the
browser. Cross-origin isolated (COOP/COEP), so wasm runs multi-threaded. Ctrl-C stops it.
GET and HEAD only; headers <= 16 KiB within 10 s, no request bodies, 1,024 connections at most
(README, Reliability).`;

export const command: CliCommand = {
  name: 'serve',
  summary: 'web demo: run models in the browser (WebGPU / wasm) on 127.0.0.1',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { port: { type: 'string' }, host: { type: 'string' }, manifest: { type: 'string' } }, 'serve');
    const port = Number(stringFlag(args, 'port') ?? '8080');
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      ctx.err(`medinfer serve: --port must be 0..65535\n`);
      return EXIT_USAGE;
    }
    const manifestPath = stringFlag(args, 'manifest');
    const host = stringFlag(args, 'host') ?? '127.0.0.1';
    const server = await startWebServer({ port, host, ...(manifestPath !== undefined ? { manifestPath } : {}) });
    ctx.out(`medinfer web demo: ${server.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return EXIT_OK;
  },
};
