/**
 * Runs one benchmark case in its own process so that peak RSS (process.resourceUsage().maxRSS,
 * getrusage ru_maxrss in Python) belongs to that case alone, and a crash or out-of-memory in one
 * case cannot take the suite down. The child prints one JSON line last on stdout: its result.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CASE_SCRIPT = fileURLToPath(new URL('./case.mjs', import.meta.url));
export const PYTHON = process.env.MEDINFER_BENCH_PYTHON ?? '/usr/bin/python3';

export function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Spawns `command args`, resolves { ok, result (last JSON line), error, wallMs }. Never rejects. */
export function runJsonChild(command, args, { timeoutMs = 600_000, env = {} } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // Own process group: a timeout kills the case and anything it started (by group id, nothing else).
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, detached: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => killGroup(child), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `${command}: ${e.message}`, wallMs: Date.now() - t0 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      let result;
      try {
        result = line ? JSON.parse(line) : undefined;
      } catch {
        result = undefined;
      }
      if (code === 0 && result) return resolve({ ok: true, result, wallMs: Date.now() - t0 });
      const tail = (err || out).trim().split('\n').slice(-6).join(' | ');
      resolve({
        ok: false,
        error: `exit ${code ?? signal}${signal === 'SIGKILL' ? ' (killed: timeout or memory)' : ''}: ${tail}`.slice(0, 600),
        wallMs: Date.now() - t0,
      });
    });
  });
}

/**
 * Runs bench/lib/case.mjs with a case spec (see case.mjs for its fields). A case that failed while
 * loading its modules is run once more: other engineers rebuild dist/ in this checkout while the
 * suite runs, and a module caught half-written fails to link (ModuleJob / SyntaxError).
 */
export async function runNodeCase(spec, options) {
  const r = await runJsonChild(process.execPath, [CASE_SCRIPT, JSON.stringify(spec)], options);
  if (r.ok || !/ModuleJob|SyntaxError|does not provide an export/.test(r.error ?? '')) return r;
  await new Promise((done) => setTimeout(done, 5000));
  return runJsonChild(process.execPath, [CASE_SCRIPT, JSON.stringify(spec)], options);
}

const PIPELINES_PY = fileURLToPath(new URL('../python/pipelines.py', import.meta.url));

/** How case.mjs starts the Python side for turn-by-turn timing (same interpreter and environment as runPythonCase). */
export function pythonTurnsSpec(spec) {
  return { command: PYTHON, script: PIPELINES_PY, env: { OMP_NUM_THREADS: String(spec.threads ?? 2), OMP_WAIT_POLICY: 'PASSIVE' } };
}

/** Runs bench/python/pipelines.py with the same spec (Debian python3 with torch). */
export function runPythonCase(spec, options) {
  const script = PIPELINES_PY;
  // One torch thread pool of the same size as ONNX Runtime's (2 cores here). OMP_WAIT_POLICY=PASSIVE:
  // on a shared, oversubscribed machine OpenMP's spinning barriers made torch 10-40x slower
  // (DenseNet-121 forward 2-13 s instead of 0.2-0.3 s, measured); ONNX Runtime's pool does not spin.
  return runJsonChild(PYTHON, [script, JSON.stringify(spec)], { ...options, env: { OMP_NUM_THREADS: String(spec.threads ?? 2), OMP_WAIT_POLICY: 'PASSIVE' } });
}

const PY_CHECK =
  'import json, torch, numpy, scipy, nibabel, onnx, skimage; print(json.dumps({"torch": torch.__version__, "numpy": numpy.__version__, "scipy": ' +
  'scipy.__version__}))';
const APT_PACKAGES = [
  'python3-torch',
  'python3-torchvision',
  'python3-numpy',
  'python3-scipy',
  'python3-nibabel',
  'python3-onnx',
  'python3-skimage',
  'python3-pil',
];

/**
 * Whether the Python stack the comparison needs is importable; a reason when it is not. With
 * Debian's own interpreter (the default) missing modules are installed with apt-get first when
 * this process may (root, apt-get present; MEDINFER_BENCH_NO_APT=1 turns it off), and the result
 * says so; any other interpreter is only checked.
 */
export async function checkPython() {
  const first = await runJsonChild(PYTHON, ['-c', PY_CHECK], { timeoutMs: 120_000 });
  if (first.ok) return { ok: true, versions: first.result };
  const manual = `apt-get install -y ${APT_PACKAGES.join(' ')}`;
  const mayInstall = PYTHON === '/usr/bin/python3' && process.getuid?.() === 0 && process.env.MEDINFER_BENCH_NO_APT !== '1';
  if (!mayInstall)
    return {
      ok: false,
      reason:
        `${PYTHON} with torch/numpy/scipy/nibabel/onnx/skimage unavailable (${first.error}); not installing ` +
        `(${PYTHON === '/usr/bin/python3' ? 'not root or MEDINFER_BENCH_NO_APT=1' : "not Debian's /usr/bin/python3"}): ${manual}`,
    };
  console.error(`  Python stack missing (${first.error}); installing with apt-get: ${APT_PACKAGES.join(' ')}`);
  const apt = await runJsonChild(
    'sh',
    ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${APT_PACKAGES.join(' ')} && echo '{}'`],
    { timeoutMs: 900_000 },
  );
  const again = await runJsonChild(PYTHON, ['-c', PY_CHECK], { timeoutMs: 120_000 });
  if (again.ok) return { ok: true, versions: again.result, installed: `installed with apt-get: ${APT_PACKAGES.join(' ')}` };
  return { ok: false, reason: `Python stack unavailable and the apt-get install failed (${apt.error ?? again.error}); run: ${manual}` };
}
