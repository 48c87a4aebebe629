/** The CLI task registry: one definition per task of the task list, looked up by name. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { TASK_NAMES } from '../../src/manifest/tasks.js';
import type { ModelEntry } from '../../src/manifest/types.js';
import { imageItems, namedItems, pairItems, textItems } from '../../src/cli/batch/collect-items.js';
import { readsSeries } from '../../src/cli/batch/group-inputs.js';
import { cliTask, cliTasks } from '../../src/cli/tasks/index.js';

const schema = JSON.parse(readFileSync(new URL('../../models.manifest.schema.json', import.meta.url), 'utf8')) as {
  properties: {
    models: { additionalProperties: { properties: { task: { enum: string[] } } } };
    datasets: { additionalProperties: { properties: { tasks: { items: { enum: string[] } } } } };
  };
};

const entry = (task: string, more: Partial<ModelEntry> = {}) => ({ id: 'm', task, ...more }) as unknown as ModelEntry;

describe('CLI task registry', () => {
  it('has a definition for every task of the list, under its own name, in the list order', () => {
    expect(cliTasks().map((t) => t.name)).toEqual([...TASK_NAMES]);
    for (const name of TASK_NAMES) expect(cliTask(name).name).toBe(name);
  });

  it('the committed schema enumerates exactly the task list (datasets may also name transfer-learning)', () => {
    expect(schema.properties.models.additionalProperties.properties.task.enum).toEqual([...TASK_NAMES]);
    expect(schema.properties.datasets.additionalProperties.properties.tasks.items.enum).toEqual([...TASK_NAMES, 'transfer-learning']);
  });

  it('a task the CLI does not know is a UsageError naming it and the known ones', () => {
    expect(() => cliTask('transfer-learning')).toThrow(UsageError);
    expect(() => cliTask('transfer-learning')).toThrow(/'transfer-learning'.*classification, detection, segmentation, registration, report-text/);
    // Not an inherited property either.
    expect(() => cliTask('toString')).toThrow(UsageError);
  });

  it('picks what one item is from the task and the entry', () => {
    expect(cliTask('classification').collector(entry('classification'))).toBe(imageItems);
    expect(cliTask('detection').collector(entry('detection'))).toBe(imageItems);
    expect(cliTask('segmentation').collector(entry('segmentation', { inputs: [{ name: 't1' }] } as Partial<ModelEntry>))).toBe(imageItems);
    expect(cliTask('segmentation').collector(entry('segmentation', { inputs: [{ name: 't1' }, { name: 'flair' }] } as Partial<ModelEntry>))).toBe(namedItems);
    expect(cliTask('registration').collector(entry('registration'))).toBe(pairItems);
    expect(cliTask('report-text').collector(entry('report-text'))).toBe(textItems);
  });

  it('reads DICOM folders as series for 3D tasks unless the entry states its dimensionality', () => {
    expect(TASK_NAMES.filter((t) => readsSeries(entry(t)))).toEqual(['segmentation', 'registration']);
    expect(readsSeries(entry('segmentation', { dimensionality: 2 }))).toBe(false);
    expect(readsSeries(entry('detection', { dimensionality: 3 }))).toBe(true);
  });

  it('says which tasks the DICOMweb flow stores and which have demo sections', () => {
    expect(TASK_NAMES.filter((t) => cliTask(t).dicomweb)).toEqual(['classification', 'detection', 'segmentation']);
    expect(cliTasks().flatMap((t) => t.demo.map((d) => d.name))).toEqual([
      'classification',
      'detection (2D)',
      'detection (3D)',
      'segmentation',
      'brainchop',
      'registration',
      'report-text',
    ]);
  });
});
