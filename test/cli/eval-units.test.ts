/** In-process checks of eval helpers (no child process). */
import { describe, expect, it } from 'vitest';
import { foregroundLabels, nestedRegions } from '../../src/cli/tasks/segmentation.js';
import { findColumn } from '../../src/cli/batch/eval/eval-types.js';
import type { ModelEntry } from '../../src/index.js';

describe('segmentation eval units', () => {
  it('derives BraTS nested regions (WT, TC) from regionsToLabels painting order', () => {
    const entry = {
      labels: [
        { name: 'background', value: 0 },
        { name: 'necrotic core', value: 1 },
        { name: 'edema', value: 2 },
        { name: 'enhancing tumour', value: 4 },
      ],
      postprocess: [{ op: 'sigmoid' }, { op: 'regionsToLabels', order: [0, 1, 2], labels: [2, 1, 4], threshold: 0.5 }],
    } as unknown as ModelEntry;
    const labels = foregroundLabels(entry);
    expect(labels.map((l) => l.value)).toEqual([1, 2, 4]);
    expect(nestedRegions(entry, labels)).toEqual([
      { name: 'edema + necrotic core + enhancing tumour', values: [2, 1, 4] },
      { name: 'necrotic core + enhancing tumour', values: [1, 4] },
    ]);
    expect(nestedRegions({ ...entry, postprocess: [{ op: 'argmax' }] } as unknown as ModelEntry, labels)).toEqual([]);
  });

  it('matches label columns loosely (case, spaces, underscores)', () => {
    expect(findColumn(['Path', 'Pleural_Effusion', 'no finding'], 'Pleural Effusion')).toBe('Pleural_Effusion');
    expect(findColumn(['Path', 'No Finding'], 'No Finding')).toBe('No Finding');
    expect(findColumn(['Path'], 'Edema')).toBeUndefined();
  });
});
