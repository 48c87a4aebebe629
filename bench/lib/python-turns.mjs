/**
 * The Python side as a child process that runs one timed run per request (bench/python/
 * pipelines.py --serve), so that case.mjs can alternate SDK, bare ORT and Python run by run in
 * full runs. The child has its own process (its peak RSS is its own) and, with
 * OMP_WAIT_POLICY=PASSIVE, its idle threads block while the other sides run.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export function startPythonTurns(spec, python) {
  const child = spawn(python.command, [python.script, JSON.stringify({ ...spec, python: undefined }), '--serve'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...python.env },
  });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  const queued = [];
  lines.on('line', (line) => {
    if (!line.startsWith('{')) return;
    const msg = JSON.parse(line);
    const w = waiting.shift();
    if (w) w.resolve(msg);
    else queued.push(msg);
  });
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  const next = () =>
    queued.length
      ? Promise.resolve(queued.shift())
      : new Promise((resolve, reject) => {
          waiting.push({ resolve, reject });
          exited.then((code) => reject(new Error(`python exited (${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`)));
        });
  const ready = next();
  return {
    ready,
    async run() {
      child.stdin.write('run\n');
      return (await next()).ms;
    },
    async close() {
      child.stdin.write('quit\n');
      const last = await next();
      child.stdin.end();
      await exited;
      return last;
    },
    kill: () => child.kill('SIGKILL'),
  };
}
