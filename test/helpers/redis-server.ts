/**
 * A private redis-server for queue tests: loopback only, a free port, its own temp folder (for
 * the append-only file when persistence is on), stopped and restarted by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find((p) => existsSync(p));

export async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** PING over a raw socket (no redis-cli needed): true on +PONG within 500 ms. */
function ping(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1');
    const done = (v: boolean) => {
      socket.destroy();
      ok(v);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export const exited = (c: ChildProcess) =>
  new Promise<number | null>((ok) => (c.exitCode !== null || c.signalCode !== null ? ok(c.exitCode) : c.once('exit', (code) => ok(code))));

/** Resolves with the exit code, or 'timeout' when `c` is still alive after `ms`. */
export function exitedWithin(c: ChildProcess, ms: number): Promise<number | null | 'timeout'> {
  return Promise.race([exited(c), new Promise<'timeout'>((ok) => setTimeout(() => ok('timeout'), ms).unref())]);
}

export class TestRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'medinfer-redis-'));
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly persistent: boolean,
  ) {}

  static async start(persistent: boolean): Promise<TestRedis> {
    const r = new TestRedis(await freePort(), persistent);
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server and waits (bounded) until it answers. */
  async up(): Promise<void> {
    // appendfsync always: a graceful restart must keep every acknowledged write.
    const persistence = this.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    this.child = spawn(REDIS_SERVER!, ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', ...persistence], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      if (await ping(this.port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server did not answer on port ${this.port}`);
  }

  /** SIGTERM (Redis flushes its append-only file and exits), bounded; SIGKILL if it hangs. */
  async down(): Promise<void> {
    const c = this.child;
    if (!c) return;
    c.kill('SIGTERM');
    if ((await exitedWithin(c, 10_000)) === 'timeout') {
      c.kill('SIGKILL');
      await exited(c);
    }
    this.child = undefined;
  }

  async dispose(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
