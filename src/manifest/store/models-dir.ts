/**
 * Where the user model store lives. Models a user adds or converts are kept outside the package
 * (a reinstall replaces node_modules/medinfer) in a per-user data folder:
 *   explicit `modelsDir` option / `--models-dir`  >  $MEDINFER_MODELS  >  the platform default
 *   Linux and others: $XDG_DATA_HOME/medinfer/models, else ~/.local/share/medinfer/models
 *   macOS: ~/Library/Application Support/medinfer/models
 *   Windows: %LOCALAPPDATA%\medinfer\models (else %USERPROFILE%\AppData\Local\medinfer\models)
 * The folder holds the user manifest (STORE_MANIFEST_NAME) and the model files it names.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve, win32 } from 'node:path';

/** The store's own manifest, same schema as the bundled one; file paths relative to the store. */
export const STORE_MANIFEST_NAME = 'models.manifest.json';

export type ModelsDirSource = 'option' | 'env' | 'default';

export interface ModelsDirResolution {
  /** Absolute path of the store folder. */
  readonly dir: string;
  /** What chose it: a named folder must exist to be read; the default may not exist yet. */
  readonly source: ModelsDirSource;
}

export interface ModelsDirOptions {
  /** `{ modelsDir }` / `--models-dir`: wins over everything. Relative paths resolve from `cwd`. */
  readonly modelsDir?: string;
  /** Environment to read MEDINFER_MODELS / XDG_DATA_HOME / LOCALAPPDATA from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default process.platform (tests pass another to check each platform's rule). */
  readonly platform?: NodeJS.Platform;
  /** Default os.homedir(). */
  readonly home?: string;
  /** Default process.cwd(). */
  readonly cwd?: string;
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/** The platform's per-user data folder for medinfer models (not created here). */
export function defaultModelsDir(platform: NodeJS.Platform, env: Readonly<Record<string, string | undefined>>, home: string): string {
  if (platform === 'win32') {
    const local = nonEmpty(env['LOCALAPPDATA'])
      ? env['LOCALAPPDATA']
      : win32.join(nonEmpty(env['USERPROFILE']) ? env['USERPROFILE'] : home, 'AppData', 'Local');
    return win32.join(local, 'medinfer', 'models');
  }
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'medinfer', 'models');
  // XDG Base Directory spec: a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env['XDG_DATA_HOME'];
  const data = nonEmpty(xdg) && isAbsolute(xdg) ? xdg : join(home, '.local', 'share');
  return join(data, 'medinfer', 'models');
}

/** Resolves the store folder: option > MEDINFER_MODELS > platform default. */
export function resolveModelsDir(options: ModelsDirOptions = {}): ModelsDirResolution {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  if (nonEmpty(options.modelsDir)) return { dir: resolve(cwd, options.modelsDir), source: 'option' };
  const fromEnv = env['MEDINFER_MODELS'];
  if (nonEmpty(fromEnv)) return { dir: resolve(cwd, fromEnv), source: 'env' };
  const platform = options.platform ?? process.platform;
  const dir = defaultModelsDir(platform, env, options.home ?? homedir());
  return { dir: platform === 'win32' ? dir : resolve(dir), source: 'default' };
}
