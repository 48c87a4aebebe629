/**
 * `medinfer models [list|verify|add|import-monai]`: the bundled manifest merged with the user
 * model store (src/manifest/store/), listed with each model's file check.
 */
import { EXIT_OK, EXIT_USAGE, type CliCommand } from '../command.js';
import { booleanFlag, parseCommandArgs, stringFlag, stringListFlag } from '../args.js';
import { loadManifestWithStore } from '../../manifest/store/load-with-store.js';
import { removeModelFromStore } from '../../manifest/store/remove-model.js';
import { addModelCommand } from '../models/add.js';
import { convertVoxelmorphCommand } from '../models/convert-voxelmorph.js';
import { importMonaiCommand } from '../models/import-monai.js';
import { listModels, verifyModels } from '../models/list.js';

const USAGE = `Usage:
  medinfer models [--json]                 list models (bundled + model store) with a file check, and the datasets
  medinfer models verify [--json]          check every model file's sha256 (exit 1 on a mismatch or missing file)
  medinfer models add MODEL.onnx --entry ENTRY.json [--id ID] [--replace] [--json]
                                           check the graph against the entry's io, copy it into the model store
                                           with its sha256 and write the entry into the store's manifest
  medinfer models remove ID                 remove a model (entry and file) from the model store
  medinfer models import-monai BUNDLE_DIR [--onnx MODEL.onnx] [--out ENTRY.json] [--id ID] [--set KEY=VALUE]...
                               [--class-names a,b] [--replace] [--json]
                                           a MONAI bundle's configs/metadata.json + inference.json -> a manifest entry
                                           (every transform mapped to an SDK step or refused by name: E_UNSUPPORTED);
                                           with --onnx (the bundle's network exported to ONNX) added to the model store,
                                           else the entry is printed (or written to --out) for \`models add\`;
                                           --set overrides a config item like the bundle CLI (e.g. whether_raw_luna16=true)
  medinfer models convert voxelmorph CHECKPOINT.h5 [--id ID] [--shape D,H,W] [--replace] [--json]
                                           a published VoxelMorph 2018 Keras checkpoint (cvpr2018_vm1_* / _vm2_*:
                                           displacement; miccai2018_*: diffeomorphic velocity) -> ONNX -> the model
                                           store, with an entry that feeds and reads it as the paper code does;
                                           needs python3 with h5py, onnx, numpy (Debian: apt-get install python3-h5py
                                           python3-onnx python3-numpy; $MEDINFER_PYTHON picks the interpreter)
Common options:
  --models-dir DIR   the model store (default: $MEDINFER_MODELS, else the per-user data folder:
                     $XDG_DATA_HOME/medinfer/models or ~/.local/share/medinfer/models on Linux,
                     ~/Library/Application Support/medinfer/models on macOS, %LOCALAPPDATA%\\medinfer\\models on Windows)
  --manifest FILE    main manifest instead of the bundled one (its relative paths then resolve in --models-dir if given)

External weights that were not converted yet are listed as absent, not as failures.
Exit codes: 0 ok, 1 a model file is missing or its sha256 differs (verify), 2 usage / manifest / model error.`;

const OPTIONS = {
  json: { type: 'boolean' },
  manifest: { type: 'string' },
  'models-dir': { type: 'string' },
  entry: { type: 'string' },
  id: { type: 'string' },
  replace: { type: 'boolean' },
  onnx: { type: 'string' },
  out: { type: 'string' },
  shape: { type: 'string' },
  set: { type: 'string', multiple: true },
  'class-names': { type: 'string' },
} as const;

const SUBCOMMANDS: Record<string, number> = { list: 0, verify: 0, add: 1, remove: 1, 'import-monai': 1, convert: 2 };
/** Checkpoint families `models convert` knows. */
const CONVERTERS = ['voxelmorph'];

export const command: CliCommand = {
  name: 'models',
  summary: 'list models (bundled + your model store) and datasets; verify files; add your own ONNX model; convert published checkpoints',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, OPTIONS, 'models');
    const [sub = 'list', ...rest] = args.positionals;
    const arity = SUBCOMMANDS[sub];
    if (arity === undefined || rest.length !== arity) {
      const problem = arity === undefined ? `unknown subcommand '${sub}'` : `'${sub}' takes ${plural(arity, 'argument')}, got ${rest.length}`;
      ctx.err(`medinfer models: ${problem}\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    const json = booleanFlag(args, 'json');
    const manifest = stringFlag(args, 'manifest');
    const modelsDir = stringFlag(args, 'models-dir');
    if (sub === 'remove') {
      const removed = await removeModelFromStore(rest[0]!, { cwd: ctx.cwd, env: ctx.env, ...(modelsDir !== undefined ? { modelsDir } : {}) });
      ctx.out(`removed ${rest[0]!} from ${removed.dir}${removed.removedFiles.length > 0 ? ` (${removed.removedFiles.join(', ')})` : ''}\n`);
      return EXIT_OK;
    }
    if (sub === 'import-monai') {
      const onnx = stringFlag(args, 'onnx');
      const out = stringFlag(args, 'out');
      const id = stringFlag(args, 'id');
      const classNames = stringFlag(args, 'class-names')
        ?.split(',')
        .map((c) => c.trim());
      return importMonaiCommand(
        rest[0]!,
        {
          set: stringListFlag(args, 'set'),
          replace: booleanFlag(args, 'replace'),
          json,
          ...(onnx !== undefined ? { onnx } : {}),
          ...(out !== undefined ? { out } : {}),
          ...(id !== undefined ? { id } : {}),
          ...(classNames !== undefined ? { classNames } : {}),
          ...(modelsDir !== undefined ? { modelsDir } : {}),
          ...(manifest !== undefined ? { manifest } : {}),
        },
        ctx,
      );
    }
    if (sub === 'convert') {
      const [family, checkpoint] = rest as [string, string];
      if (!CONVERTERS.includes(family)) {
        ctx.err(`medinfer models convert: unknown checkpoint family '${family}' (known: ${CONVERTERS.join(', ')})\n\n${USAGE}\n`);
        return EXIT_USAGE;
      }
      const shapeText = stringFlag(args, 'shape');
      const shape = shapeText?.split(',').map((t) => Number(t.trim()));
      if (shape !== undefined && (shape.length !== 3 || shape.some((n) => !Number.isInteger(n) || n <= 0 || n % 16 !== 0))) {
        ctx.err(`medinfer models convert: --shape ${shapeText}: expected D,H,W, each a positive multiple of 16\n`);
        return EXIT_USAGE;
      }
      const id = stringFlag(args, 'id');
      return convertVoxelmorphCommand(
        checkpoint,
        {
          replace: booleanFlag(args, 'replace'),
          json,
          ...(shape !== undefined ? { shape } : {}),
          ...(id !== undefined ? { id } : {}),
          ...(modelsDir !== undefined ? { modelsDir } : {}),
          ...(manifest !== undefined ? { manifest } : {}),
        },
        ctx,
      );
    }
    if (sub === 'add') {
      const entryPath = stringFlag(args, 'entry');
      if (entryPath === undefined) {
        ctx.err(`medinfer models add: --entry ENTRY.json is required\n\n${USAGE}\n`);
        return EXIT_USAGE;
      }
      const id = stringFlag(args, 'id');
      return addModelCommand(
        rest[0]!,
        {
          entryPath,
          replace: booleanFlag(args, 'replace'),
          json,
          ...(id !== undefined ? { id } : {}),
          ...(modelsDir !== undefined ? { modelsDir } : {}),
          ...(manifest !== undefined ? { manifest } : {}),
        },
        ctx,
      );
    }
    const loaded = await loadManifestWithStore({
      cwd: ctx.cwd,
      env: ctx.env,
      ...(manifest !== undefined ? { manifest } : {}),
      ...(modelsDir !== undefined ? { modelsDir } : {}),
    });
    return sub === 'verify' ? verifyModels(loaded, ctx, json) : listModels(loaded, ctx, json);
  },
};

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
