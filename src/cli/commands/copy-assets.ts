/**
 * `medinfer copy-assets <dir>`: copies the onnxruntime-web files a browser app must serve
 * (ORT_WEB_ASSET_FILES: the .mjs glue and the .wasm binary of the build the SDK's browser entry
 * imports) from the installed onnxruntime-web into <dir>; the app then passes that folder's URL
 * as `wasmPaths`. Copies from the same installation the bundler uses, so versions always match.
 */
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { EXIT_OK, type CliCommand } from '../command.js';
import { parseCommandArgs } from '../args.js';
import { InputError, UsageError } from '../../core/errors.js';
import { ORT_WEB_ASSET_FILES } from '../../runtime/ort-web-assets.js';

const USAGE = `Usage: medinfer copy-assets <DIR>

Copies the onnxruntime-web runtime files the browser entry loads (${ORT_WEB_ASSET_FILES.join(', ')})
into DIR (created if missing; files of the same name are replaced). Serve DIR with your app and
pass its URL as wasmPaths, e.g. createPipeline(task, model, { wasmPaths: '/ort/' }).
The .mjs must be served with a JavaScript MIME type; the .wasm as application/wasm.`;

/** onnxruntime-web's dist folder, as Node resolves the package from this module. */
export function ortWebDistFolder(): string {
  const require = createRequire(import.meta.url);
  // package.json is not in the exports map of every ORT version; the webgpu entry is.
  return dirname(require.resolve('onnxruntime-web/webgpu'));
}

export const command: CliCommand = {
  name: 'copy-assets',
  summary: 'copy the onnxruntime-web .wasm / .mjs files a browser app must serve into a folder',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, {}, 'copy-assets');
    if (args.positionals.length !== 1)
      throw new UsageError(`copy-assets: one target folder expected, got ${args.positionals.length}`, { command: 'copy-assets' });
    const target = resolve(ctx.cwd, args.positionals[0]!);
    let source: string;
    try {
      source = ortWebDistFolder();
    } catch (error) {
      throw new InputError(
        'copy-assets: onnxruntime-web is not installed next to medinfer (npm install onnxruntime-web)',
        { package: 'onnxruntime-web' },
        { cause: error },
      );
    }
    const missing = [];
    for (const file of ORT_WEB_ASSET_FILES)
      if (
        !(await stat(join(source, file)).then(
          (s) => s.isFile(),
          () => false,
        ))
      )
        missing.push(file);
    if (missing.length > 0)
      throw new InputError(`copy-assets: ${source} lacks ${missing.join(', ')}: this onnxruntime-web version does not match the one medinfer was built for`, {
        file: source,
        missing,
      });
    await mkdir(target, { recursive: true });
    const show = (p: string) => (relative(ctx.cwd, p).startsWith('..') ? p : relative(ctx.cwd, p));
    for (const file of ORT_WEB_ASSET_FILES) {
      const to = join(target, file);
      await copyFile(join(source, file), to);
      ctx.out(`${show(to)}\n`);
    }
    return EXIT_OK;
  },
};
