/** Registration on the CLI: a fixed / moving pair per item, warped image + field + Jacobian, TRE eval. */
import { InputError } from '../../core/errors.js';
import { parseLandmarks } from '../../pipelines/landmarks.js';
import { pairItems } from '../batch/collect-items.js';
import { createRegistrationEvaluator } from '../batch/eval/eval-registration.js';
import { loadImage, loadText } from '../batch/load-item.js';
import { buildRegistrationOutputs } from '../batch/task-outputs/registration.js';
import { demoRegistration } from '../demo/sections-3d.js';
import type { CliTask } from './types.js';

export const registrationCli: CliTask<'registration'> = {
  name: 'registration',
  volumetric: true,
  collector: () => pairItems,
  async infer(pipe, item, options) {
    const src = item.source;
    if (src.kind !== 'pair') throw new InputError(`${item.label}: registration needs a fixed and a moving image`, { input: item.id });
    const fixed = await loadImage(src.fixed, options);
    const moving = await loadImage(src.moving, options);
    const movingLabels = src.movingLabels ? await loadImage(src.movingLabels, options) : undefined;
    const landmarks = src.landmarks
      ? {
          fixed: parseLandmarks(await loadText(src.landmarks.fixed), src.landmarks.format, fixed.geometry, 'fixed landmarks'),
          moving: parseLandmarks(await loadText(src.landmarks.moving), src.landmarks.format, moving.geometry, 'moving landmarks'),
        }
      : undefined;
    const result = await pipe.run({ fixed, moving, ...(movingLabels ? { movingLabels } : {}), ...(landmarks ? { landmarks } : {}) });
    return { task: 'registration', input: fixed, result };
  },
  outputs: (item, r) => buildRegistrationOutputs(item, r.result, r.input),
  evaluation: { cases: 'csv', evaluator: async () => createRegistrationEvaluator() },
  demo: [{ name: 'registration', run: demoRegistration }],
  // A deformation field has no DICOM result object here (no Deformable Spatial Registration writer).
  dicomweb: null,
};
