/**
 * The web demo's layer builders (web/layers.ts) in Node: label colours from the manifest, box
 * outlines on the image grid, and the display copy of multi-component inputs.
 */
import { describe, expect, it } from 'vitest';
import { createVolume, type LabelSpec } from '../../src/index.js';
import { readManifestFile } from '../../src/node.js';
import { boxOutlineVolume, classColours, displayVolume, LABEL_PALETTE, labelColours, niivueLabelMap } from '../../web/layers.js';

describe('label colours', () => {
  it("use the manifest's colour where given, else the fixed palette by value; background is never drawn", () => {
    const labels: LabelSpec[] = [
      { name: 'background', value: 0 },
      { name: 'core', value: 1, color: '#ff0000' },
      { name: 'edema', value: 2 },
      { name: 'enhancing', value: 4, color: '#FFFF00' },
    ];
    expect(labelColours(labels)).toEqual([
      { value: 1, name: 'core', rgb: [255, 0, 0] },
      { value: 2, name: 'edema', rgb: [40, 220, 60] },
      { value: 4, name: 'enhancing', rgb: [255, 255, 0] },
    ]);
    // String labels take their position as value (as the segmentation pipeline does).
    expect(labelColours(['bg', 'grey matter', 'white matter']).map((c) => [c.value, c.rgb])).toEqual([
      [1, [255, 40, 40]],
      [2, [40, 220, 60]],
    ]);
    // Values past the palette reuse it: a 100-structure atlas gets colours for every label.
    const many = labelColours(Array.from({ length: 104 }, (_, i) => `s${i}`));
    expect(many).toHaveLength(103);
    expect(many[102]!.rgb).toEqual(LABEL_PALETTE[102 % LABEL_PALETTE.length]);
  });

  it('every bundled segmentation model gets one colour per non-background label', async () => {
    const manifest = await readManifestFile();
    for (const entry of Object.values(manifest.models).filter((m) => m.task === 'segmentation')) {
      const colours = labelColours(entry.labels);
      expect(colours.length, entry.id).toBe(entry.labels.length - 1);
      for (const c of colours)
        expect(
          c.rgb.every((v) => Number.isInteger(v) && v >= 0 && v <= 255),
          entry.id,
        ).toBe(true);
    }
  });

  it("NiiVue's label map: transparent background, opaque labels at their values", () => {
    const map = niivueLabelMap(
      labelColours([
        { name: 'background', value: 0 },
        { name: 'a', value: 3, color: '#102030' },
      ]),
    );
    expect(map).toEqual({ R: [0, 16], G: [0, 32], B: [0, 48], A: [0, 255], I: [0, 3], labels: ['background', 'a'] });
    expect(classColours(['x', 'y']).map((c) => c.value)).toEqual([1, 2]);
  });
});

describe('box outlines', () => {
  const grid = (size: [number, number, number]) =>
    createVolume({ geometry: { size, spacing: [0.5, 0.5, 2], origin: [10, -4, 3] }, data: new Int16Array(size[0] * size[1] * size[2]) });

  it('a 2D box is its rectangle perimeter (rounded corners, value classIndex + 1), on the image grid', () => {
    const image = grid([10, 8, 1]);
    const out = boxOutlineVolume(image, [{ min: [1.6, 2.4, 0], max: [5.4, 6.2, 0], classIndex: 2 }]);
    expect(out.geometry).toEqual(image.geometry);
    const rows: string[] = [];
    for (let j = 0; j < 8; j++) rows.push(Array.from({ length: 10 }, (_, i) => out.data[i + 10 * j]).join(''));
    expect(rows).toEqual(['0000000000', '0000000000', '0033330000', '0030030000', '0030030000', '0030030000', '0033330000', '0000000000']);
  });

  it('a 3D box is its six faces: slices through it show the outline, end slices the filled face; clamped to the image', () => {
    const out = boxOutlineVolume(grid([6, 6, 6]), [{ min: [1, 1, 1], max: [4, 4, 8], classIndex: 0 }]);
    const slice = (k: number) => Array.from({ length: 36 }, (_, p) => out.data[p + 36 * k]).reduce((a, b) => a + b, 0);
    expect(slice(0)).toBe(0);
    expect(slice(1)).toBe(16); // the near face, filled 4 x 4
    expect(slice(3)).toBe(12); // a slice through: the 4 x 4 ring
    expect(slice(5)).toBe(16); // the far face clamped to the last slice
    // A box entirely outside draws nothing.
    expect(boxOutlineVolume(grid([6, 6, 6]), [{ min: [7, 7, 7], max: [9, 9, 9], classIndex: 0 }]).data.every((v) => v === 0)).toBe(true);
  });
});

it('a colour image is shown as its first component on the same grid', () => {
  const rgb = createVolume({ geometry: { size: [2, 1, 1] }, components: 3, data: new Uint8Array([10, 20, 30, 40, 50, 60]) });
  const shown = displayVolume(rgb);
  expect(shown.components).toBe(1);
  expect(Array.from(shown.data)).toEqual([10, 40]);
  expect(shown.geometry).toEqual(rgb.geometry);
});
