/**
 * The V8 code cache of bundled CLI commands (src/cli/code-cache.ts): where it lives, that a run
 * writes it and the next run uses it, that a cache made for other code or by another V8 is never
 * used (named by content; rejected data is made anew), and that a folder that cannot be written
 * changes nothing but the speed. Scripts here are small stand-ins in the form build-cli.mjs writes.
 * V8 keeps scripts it compiled in this process by text and file name, without looking at cached
 * data: a load meant to consume a cache reads the same text from another folder.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { codeCacheDir, contentKey, loadScriptCommand } from '../../src/cli/code-cache.js';
import type { CliCommand, CliContext } from '../../src/cli/command.js';

const root = mkdtempSync(join(tmpdir(), 'medinfer-code-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let printed = '';
const ctx: CliContext = { out: (t) => void (printed = t), err: () => undefined, cwd: root, env: {}, isTTY: false };

/** Runs the command; what it printed (its sum) when it exited 0, else its exit code. */
async function runOnce(command: CliCommand, argv: string[] = []): Promise<number | string> {
  printed = '';
  const code = await command.run(argv, ctx);
  return code === 0 ? printed : code;
}

/** A command script as build-cli.mjs writes one: CommonJS body, shared ids, __medinferImport. */
function script(dir: string, value: number): URL {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'demo.cjs');
  writeFileSync(
    file,
    `const errors = require('medinfer:errors');
const { basename } = require('node:path');
function work(n) { let s = 0; for (let i = 0; i < n; i++) s += i % ${value}; return s; }
module.exports.command = {
  name: 'demo', summary: '', usage: '',
  async run(argv, ctx) {
    const m = await __medinferImport('node:path');
    if (argv[0] === 'fail') throw new errors.Shared('failed');
    if (argv[0] === 'usage') return 2;
    if (argv[0] === 'sloppy') undeclaredName = 1;
    ctx.out(String(work(10) + (m.basename === basename ? 0 : 100)));
    return 0;
  },
};
`,
  );
  return pathToFileURL(file);
}

class Shared extends Error {}
const shared = { 'medinfer:errors': { Shared } };

function cacheFiles(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

describe('contentKey', () => {
  it('names bytes and salt: any one bit, byte, length or salt changed gives another key', () => {
    const bytes = new Uint8Array(4099).map((_, i) => (i * 31 + 7) & 0xff);
    const key = contentKey(bytes, 'v20.0.0\0x64');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(contentKey(bytes.slice(), 'v20.0.0\0x64')).toBe(key);
    const keys = new Set([key, contentKey(bytes, 'v20.0.1\0x64'), contentKey(bytes.subarray(0, 4098), 'v20.0.0\0x64')]);
    // Every bit of a few words, the last (partial) word included.
    for (const at of [0, 1, 2047, 4096, 4098])
      for (let bit = 0; bit < 8; bit++) {
        const other = bytes.slice();
        other[at]! ^= 1 << bit;
        keys.add(contentKey(other, 'v20.0.0\0x64'));
      }
    // A trailing zero byte is not the same as none (the length is hashed).
    keys.add(contentKey(Uint8Array.of(...bytes, 0), 'v20.0.0\0x64'));
    expect(keys.size).toBe(3 + 5 * 8 + 1);
  });
});

describe('codeCacheDir', () => {
  it('follows MEDINFER_CODE_CACHE, then the platform cache folder', () => {
    expect(codeCacheDir({ MEDINFER_CODE_CACHE: '/x/cc' }, 'linux', '/home/u')).toBe('/x/cc');
    expect(codeCacheDir({ MEDINFER_CODE_CACHE: '0' }, 'linux', '/home/u')).toBeUndefined();
    expect(codeCacheDir({ MEDINFER_CODE_CACHE: 'off' }, 'linux', '/home/u')).toBeUndefined();
    expect(codeCacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/medinfer/code-cache');
    expect(codeCacheDir({ XDG_CACHE_HOME: '/c' }, 'linux', '/home/u')).toBe('/c/medinfer/code-cache');
    // A relative XDG_CACHE_HOME is invalid (XDG spec) and ignored.
    expect(codeCacheDir({ XDG_CACHE_HOME: 'rel' }, 'linux', '/home/u')).toBe('/home/u/.cache/medinfer/code-cache');
    expect(codeCacheDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/medinfer/code-cache');
    expect(codeCacheDir({ LOCALAPPDATA: 'C:\\L' }, 'win32', 'C:\\U')).toBe('C:\\L\\medinfer\\cache\\code-cache');
  });
});

describe('loadScriptCommand', () => {
  it('runs the script with the shared modules and import(); writes the cache once, then uses it', async () => {
    const cache = join(root, 'cache-a');
    const env = { MEDINFER_CODE_CACHE: cache };
    const file = script(join(root, 'a'), 3);
    const first = loadScriptCommand(file, { shared, env });
    expect(cacheFiles(cache)).toEqual([]);
    // 0+1+2+0+1+2+0+1+2+0 = 9; the import() stand-in gave node:path.
    expect(await runOnce(first)).toBe(String(9));
    const [made] = cacheFiles(cache);
    expect(made).toMatch(/^demo-[0-9a-f]{32}\.code$/);
    const written = statSync(join(cache, made!)).mtimeMs;
    const bytes = readFileSync(join(cache, made!));
    // The next load compiles from the cache: accepted, so nothing is written again.
    const second = loadScriptCommand(script(join(root, 'a2'), 3), { shared, env });
    expect(await runOnce(second)).toBe(String(9));
    expect(cacheFiles(cache)).toEqual([made]);
    expect(statSync(join(cache, made!)).mtimeMs).toBe(written);
    expect(readFileSync(join(cache, made!)).equals(bytes)).toBe(true);
    // A failure of the command is the command's own (the shared class), cache or not.
    await expect(second.run(['fail'], ctx)).rejects.toBeInstanceOf(Shared);
  });

  it('runs the script as strict code, as the ES modules it was built from', async () => {
    const command = loadScriptCommand(script(join(root, 'f'), 3), { shared, env: { MEDINFER_CODE_CACHE: '0' } });
    await expect(command.run(['sloppy'], ctx)).rejects.toBeInstanceOf(ReferenceError);
    expect('undeclaredName' in globalThis).toBe(false);
  });

  it('writes no cache after a run that did not succeed (a usage error or a throw)', async () => {
    const cache = join(root, 'cache-e');
    const env = { MEDINFER_CODE_CACHE: cache };
    const file = script(join(root, 'e'), 3);
    expect(await runOnce(loadScriptCommand(file, { shared, env }), ['usage'])).toBe(2);
    await expect(loadScriptCommand(file, { shared, env }).run(['fail'], ctx)).rejects.toBeInstanceOf(Shared);
    expect(cacheFiles(cache)).toEqual([]);
    expect(await runOnce(loadScriptCommand(file, { shared, env }))).toBe('9');
    expect(cacheFiles(cache)).toHaveLength(1);
  });

  it('never offers a cache made for other code: same length, other text -> another file; four kept', async () => {
    const cache = join(root, 'cache-b');
    const env = { MEDINFER_CODE_CACHE: cache };
    const dir = join(root, 'b');
    await runOnce(loadScriptCommand(script(dir, 3), { shared, env }));
    const [old] = cacheFiles(cache);
    // Same length (one digit changed): V8's own check (source length) would accept the old data.
    const changed = loadScriptCommand(script(dir, 4), { shared, env });
    expect(await runOnce(changed)).toBe(String(0 + 1 + 2 + 3 + 0 + 1 + 2 + 3 + 0 + 1));
    const now = cacheFiles(cache);
    expect(now).toHaveLength(2);
    expect(now).toContain(old);
    // Each build its own file; the oldest go beyond four.
    for (const v of [5, 6, 7, 8]) await runOnce(loadScriptCommand(script(dir, v), { shared, env }));
    const kept = cacheFiles(cache);
    expect(kept).toHaveLength(4);
    expect(kept).not.toContain(old);
  });

  it('a script with its sha256 recorded (build-cli.mjs) is named by it, its size and time: an edit after the build gets another file', async () => {
    const cache = join(root, 'cache-k');
    const env = { MEDINFER_CODE_CACHE: cache };
    const withKey = (value: number, recordedFrom: number, mtime: number): URL => {
      const file = script(join(root, 'k'), value);
      const body = readFileSync(script(join(root, 'k-ref'), recordedFrom), 'utf8');
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, `// medinfer-content-sha256 ${createHash('sha256').update(body).digest('hex')}\n${text}`);
      utimesSync(file, mtime, mtime);
      return file;
    };
    expect(await runOnce(loadScriptCommand(withKey(3, 3, 1_700_000_000), { shared, env }))).toBe('9');
    const [made] = cacheFiles(cache);
    expect(made).toMatch(/^demo-[0-9a-f]{32}\.code$/);
    // Same file again: the same name, the cache used (not written again).
    const written = statSync(join(cache, made!)).mtimeMs;
    expect(await runOnce(loadScriptCommand(withKey(3, 3, 1_700_000_000), { shared, env }))).toBe('9');
    expect(cacheFiles(cache)).toEqual([made]);
    expect(statSync(join(cache, made!)).mtimeMs).toBe(written);
    // Edited after the build (same length, same recorded hash, another time): never the old cache.
    expect(await runOnce(loadScriptCommand(withKey(4, 3, 1_700_000_001), { shared, env }))).toBe(String(0 + 1 + 2 + 3 + 0 + 1 + 2 + 3 + 0 + 1));
    expect(cacheFiles(cache)).toHaveLength(2);
  });

  it('data V8 refuses under the right name is made anew', async () => {
    const cache = join(root, 'cache-c');
    const env = { MEDINFER_CODE_CACHE: cache };
    const file = script(join(root, 'c'), 3);
    await runOnce(loadScriptCommand(file, { shared, env }));
    const [name] = cacheFiles(cache);
    // Bytes that are no V8 code cache (another build's data reads the same to V8: rejected).
    writeFileSync(join(cache, name!), Buffer.alloc(4096, 7));
    const again = loadScriptCommand(script(join(root, 'c2'), 3), { shared, env });
    expect(await runOnce(again)).toBe(String(9));
    expect(cacheFiles(cache)).toEqual([name]);
    expect(readFileSync(join(cache, name!)).equals(Buffer.alloc(4096, 7))).toBe(false);
    const remade = statSync(join(cache, name!)).mtimeMs;
    expect(await runOnce(loadScriptCommand(script(join(root, 'c3'), 3), { shared, env }))).toBe(String(9));
    expect(statSync(join(cache, name!)).mtimeMs).toBe(remade);
  });

  it('a cache folder that cannot be made or written, or caching off: the command runs all the same', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const file = script(join(root, 'd'), 3);
    for (const env of [{ MEDINFER_CODE_CACHE: join(blocker, 'cache') }, { MEDINFER_CODE_CACHE: '0' }]) {
      expect(await runOnce(loadScriptCommand(file, { shared, env }))).toBe(String(9));
      expect(await runOnce(loadScriptCommand(file, { shared, env }))).toBe(String(9));
    }
    expect(readFileSync(blocker, 'utf8')).toBe('not a folder');
  });
});
