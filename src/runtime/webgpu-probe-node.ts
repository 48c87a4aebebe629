/**
 * Whether onnxruntime-node's WebGPU EP can start here, asked in a short child process.
 *
 * Why a child: the EP starts Dawn, whose Vulkan / D3D / Metal back ends print warnings from
 * native code straight to file descriptor 2 ("Warning: vkCreateInstance: Found no drivers!",
 * "vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER at CheckVkSuccessImpl (...)") when
 * no adapter is found. JavaScript cannot redirect a native library's stderr in-process, so the
 * first attempt happens in a child whose stderr is captured; the real session is created in this
 * process only after the child succeeded. The child's native output reaches the user only with
 * MEDINFER_VERBOSE=1 (the CLI's --verbose).
 *
 * What is not silenced: output Dawn prints in this process once the probe succeeded (a working
 * adapter is normally quiet; SwiftShader is), and output of a crash in the real session.
 *
 * The answer is cached per process and per Vulkan / Dawn environment (a test may point the
 * Vulkan loader at another driver between calls).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/** The probe's model: y = Identity(x), x float32[1], opset 13 - hand-encoded ONNX protobuf. */
function identityModel(): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
    out.push(n);
    return out;
  };
  const num = (field: number, n: number) => [...varint(field << 3), ...varint(n)];
  const bytes = (field: number, b: number[]) => [...varint((field << 3) | 2), ...varint(b.length), ...b];
  const str = (field: number, s: string) => bytes(field, [...new TextEncoder().encode(s)]);
  // ValueInfoProto { name, type: TypeProto { tensor_type { elem_type FLOAT, shape { dim { dim_value 1 } } } } }
  const value = (name: string) => [...str(1, name), ...bytes(2, bytes(1, [...num(1, 1), ...bytes(2, bytes(1, num(1, 1)))]))];
  const node = [...str(1, 'x'), ...str(2, 'y'), ...str(4, 'Identity')];
  const graph = [...bytes(1, node), ...str(2, 'probe'), ...bytes(11, value('x')), ...bytes(12, value('y'))];
  return new Uint8Array([...num(1, 8), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...num(2, 13)])]);
}

// CommonJS, run with `node -e`: argv[1] is onnxruntime-node's entry, argv[2] the model (base64).
const CHILD = `const ort = require(process.argv[1]);
ort.InferenceSession.create(Buffer.from(process.argv[2], 'base64'), { executionProviders: ['webgpu'], logSeverityLevel: 3 })
  .then((s) => s.release())
  .then(() => process.exit(0), (e) => { process.stdout.write(String((e && e.message) || e)); process.exit(1); });`;

const PROBE_TIMEOUT_MS = 60_000;
const cache = new Map<string, Promise<string | null>>();

export function isVerbose(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes)$/i.test(env['MEDINFER_VERBOSE'] ?? '');
}

/** Environment that changes which adapter Dawn finds: part of the cache key. */
function adapterEnvKey(env: NodeJS.ProcessEnv): string {
  return JSON.stringify(
    Object.keys(env)
      .filter((k) => /^(VK_|DAWN_|XDG_RUNTIME_DIR$|DISPLAY$|WAYLAND_DISPLAY$|LD_LIBRARY_PATH$)/.test(k))
      .sort()
      .map((k) => [k, env[k]]),
  );
}

/** null when a WebGPU session can be created here, else why not (the EP's own message, trimmed). */
export function probeNodeWebGpu(): Promise<string | null> {
  const key = adapterEnvKey(process.env);
  let answer = cache.get(key);
  if (!answer) {
    answer = runProbe();
    cache.set(key, answer);
  }
  return answer;
}

function runProbe(): Promise<string | null> {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  const model = Buffer.from(identityModel()).toString('base64');
  const verbose = isVerbose();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', CHILD, entry, model], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (verbose) process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(`the WebGPU probe could not start a child process (${e.message})`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(null);
      const hint = verbose ? '' : ' (MEDINFER_VERBOSE=1 or --verbose shows the native WebGPU / Vulkan messages)';
      if (signal)
        return resolve(`the WebGPU probe ${signal === 'SIGKILL' ? `timed out after ${PROBE_TIMEOUT_MS / 1000} s` : `was killed by ${signal}`}${hint}`);
      let message = (out.trim() || err.trim().split('\n').slice(-1)[0] || `exit code ${code}`).replace(/\s+/g, ' ');
      // ORT's message leads with its source location and an assertion; the cause is at the end.
      const adapter = /Failed to get a WebGPU adapter:?\s*(.*)$/.exec(message);
      if (adapter) message = `no WebGPU adapter (${adapter[1]?.trim() || 'none found'})`;
      resolve(`WebGPU could not start: ${message.length > 400 ? `${message.slice(0, 400)}...` : message}${hint}`);
    });
  });
}
