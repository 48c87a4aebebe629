/**
 * Node-only: a bundled command run as a script with a V8 code cache, so a one-shot `medinfer
 * convert` does not compile its ~250 KiB of code again on every run (issue 21: start-up is most of
 * what separates it from dcm2niix on a 4D series; BENCHMARKS.md "convert"). Node 20 has no
 * module compile cache (module.enableCompileCache is 22.1+) and an ES module cannot take V8
 * cached data, so scripts/build-cli.mjs also writes each bundled command as a CommonJS function
 * body (dist/cli/bundled/<name>.cjs) and it is compiled here with vm.Script's cachedData.
 *
 * Safe by construction:
 *  - the cache file is named by the sha256 of the script's text, Node's version and the CPU
 *    architecture: a cache made for other code is never offered to V8 (V8's own check compares
 *    only the source length), and V8 still refuses data from another V8 build or other flags
 *    (then the file is made anew). scripts/build-cli.mjs writes that sha256 as the script's
 *    first line (BUILD_KEY), so a run need not hash 300 KiB itself: node:crypto alone is ~7 ms
 *    of a one-shot convert's start-up, a JavaScript hash of the text more. The recorded hash is
 *    trusted only together with the file's size and modification time as they are now (a file
 *    edited after the build gets a new name); a script without the line is hashed here;
 *  - files appear whole (written beside, then renamed); the 4 newest caches of a command are kept;
 *  - no cache folder, one that cannot be written, or any failure: the script runs without a
 *    cache, or the caller falls back to the ES module bundle. Output never depends on the cache.
 * Folder: $MEDINFER_CODE_CACHE (a path; `0` or `off`: no cache), else the platform's per-user
 * cache folder: $XDG_CACHE_HOME/medinfer/code-cache or ~/.cache/medinfer/code-cache (Linux and
 * others), ~/Library/Caches/medinfer/code-cache (macOS), %LOCALAPPDATA%\medinfer\cache\code-cache.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join, win32 } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { EXIT_OK, type CliCommand } from './command.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Cache files kept per command (the one just written included). */
const KEEP_PER_COMMAND = 4;

const nonEmpty = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/** The code cache folder for this user, or undefined when caching is switched off. Not created here. */
export function codeCacheDir(env: Env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string | undefined {
  const chosen = env['MEDINFER_CODE_CACHE'];
  if (nonEmpty(chosen)) return chosen === '0' || chosen.toLowerCase() === 'off' ? undefined : chosen;
  if (platform === 'win32') {
    const local = nonEmpty(env['LOCALAPPDATA']) ? env['LOCALAPPDATA'] : win32.join(home, 'AppData', 'Local');
    return win32.join(local, 'medinfer', 'cache', 'code-cache');
  }
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'medinfer', 'code-cache');
  // XDG Base Directory spec: a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env['XDG_CACHE_HOME'];
  return join(nonEmpty(xdg) && isAbsolute(xdg) ? xdg : join(home, '.cache'), 'medinfer', 'code-cache');
}

export interface ScriptCommandOptions {
  /** The shared modules the script's require() answers with, by id (scripts/build-cli.mjs: 'medinfer:errors'). */
  readonly shared: Readonly<Record<string, unknown>>;
  readonly env: Env;
}

/**
 * The command exported by the script at `file`, compiled with its code cache when there is one.
 * Its run() writes the cache after the first successful run of new code (when V8 has compiled
 * the functions the run used, so the next run finds them compiled). Throws when the script cannot be read or
 * run: the caller loads the ES module bundle instead.
 */
export function loadScriptCommand(file: URL, options: ScriptCommandOptions): CliCommand {
  const path = fileURLToPath(file);
  const source = readFileSync(path, 'utf8');
  const name = path.replace(/^.*[\\/]/, '').replace(/\.cjs$/, '');
  const key = scriptKey(path, source);
  const dir = codeCacheDir(options.env);
  const cacheFile = dir === undefined ? undefined : join(dir, `${name}-${key}.code`);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile !== undefined) cachedData = readFileSync(cacheFile);
  } catch {
    // No cache yet (or unreadable): compiled from source, cache written after the run.
  }
  // The CommonJS wrapper of a module, plus the import() stand-in (scripts/build-cli.mjs); strict
  // as the ES modules it was built from, whatever the script's own first line (same line: stack
  // traces keep the script's line numbers).
  const script = new Script(`(function (exports, require, module, __medinferImport) {'use strict';${source}\n})`, {
    filename: path,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  const requireHere = createRequire(path);
  const require = (id: string): unknown => (Object.hasOwn(options.shared, id) ? options.shared[id] : requireHere(id));
  // Relative specifiers resolve from the script's folder, as in the ES module bundle.
  const dynamicImport = (specifier: string): Promise<unknown> => import(specifier.startsWith('.') ? new URL(specifier, pathToFileURL(path)).href : specifier);
  const module = { exports: {} as { command?: CliCommand } };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, dynamicImport);
  const command = module.exports.command;
  if (command === undefined || typeof command.run !== 'function') throw new Error(`${path}: no command exported`);
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  if (!stale || cacheFile === undefined) return command;
  return {
    ...command,
    run: async (argv, ctx) => {
      const code = await command.run(argv, ctx);
      // Only after a run that did its work: a cache is kept until the code changes, and one made
      // by a run that stopped at a usage error would hold little beyond the top level.
      if (code === EXIT_OK) writeCache(cacheFile, name, script);
      return code;
    },
  };
}

/** First line of a script from scripts/build-cli.mjs: the sha256 of the text after it. */
const BUILD_KEY = /^\/\/ medinfer-content-sha256 ([0-9a-f]{64})\n/;

/** 32 hex digits naming the script's code, Node's version and the CPU architecture (see the file comment). */
function scriptKey(path: string, source: string): string {
  const recorded = BUILD_KEY.exec(source.slice(0, 100));
  const runtime = `${process.version}\0${process.arch}`;
  if (recorded !== null) {
    const { size, mtimeMs } = statSync(path);
    return contentKey(new TextEncoder().encode(`${recorded[1]}\0${size}\0${mtimeMs}`), runtime);
  }
  const { createHash } = createRequire(path)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(runtime).update('\0').update(source).digest('hex').slice(0, 32);
}

/**
 * 32 hex digits naming a short text `bytes` (and `salt`): four 32-bit multiply-rotate lanes
 * (MurmurHash3's mixing, each lane its own constants) over every 32-bit word, each finished with
 * MurmurHash3's avalanche after folding in another. Not cryptographic: here it only turns a
 * recorded sha256 plus size, time and runtime into a file name.
 */
export function contentKey(bytes: Uint8Array, salt: string): string {
  const head = new TextEncoder().encode(salt);
  const all = new Uint8Array(head.length + 1 + bytes.length + 3);
  all.set(head);
  all.set(bytes, head.length + 1);
  const words = Math.floor((head.length + 1 + bytes.length + 3) / 4);
  const view = new DataView(all.buffer, 0, words * 4);
  let a = 0x9747b28c;
  let b = 0x2545f491;
  let c = 0x7f4a7c15;
  let d = 0x61c88647;
  for (let i = 0; i < words; i++) {
    const k = Math.imul(rotl(Math.imul(view.getUint32(i * 4, true), 0xcc9e2d51), 15), 0x1b873593);
    a = (Math.imul(rotl(a ^ k, 13), 5) + 0xe6546b64) | 0;
    b = (Math.imul(rotl(b ^ k, 17), 5) + 0x85ebca6b) | 0;
    c = (Math.imul(rotl(c ^ k, 11), 5) + 0xc2b2ae35) | 0;
    d = (Math.imul(rotl(d ^ k, 19), 5) + 0x27d4eb2f) | 0;
  }
  const n = bytes.length + head.length;
  const out = [a ^ n ^ rotl(b, 7), b ^ n ^ rotl(c, 9), c ^ n ^ rotl(d, 11), d ^ n ^ rotl(a, 13)].map((h) => fmix(h).toString(16).padStart(8, '0'));
  return out.join('');
}

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** MurmurHash3's 32-bit finaliser: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Writes the script's code cache whole (temporary file, then renamed) and prunes older caches of `name`; never throws. */
function writeCache(cacheFile: string, name: string, script: Script): void {
  const dir = cacheFile.slice(0, cacheFile.length - cacheFile.replace(/^.*[\\/]/, '').length);
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, script.createCachedData());
    renameSync(temp, cacheFile);
    // Caches of other builds of this command (other installs in use, earlier versions) are kept
    // up to KEEP_PER_COMMAND, newest first: two installs used in turn do not evict each other.
    const others = readdirSync(dir)
      .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.code') && join(dir, f) !== cacheFile)
      .map((f) => ({ path: join(dir, f), at: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const old of others.slice(KEEP_PER_COMMAND - 1)) rmSync(old.path, { force: true });
  } catch {
    // A cache folder that cannot be written (read-only home, full disk): run without a cache.
    try {
      rmSync(temp, { force: true });
    } catch {
      // nothing was written
    }
  }
}
