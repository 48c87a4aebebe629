/**
 * The demo's viewer: NiiVue (WebGL2) showing SDK volumes as layers. Volumes go to NiiVue as
 * NIfTI bytes written by the SDK's own writer, so the LPS geometry inside the SDK becomes NIfTI's
 * RAS sform / qform exactly as in files the SDK writes; NiiVue then places every layer by its
 * affine (an overlay on another grid, e.g. a moving image, is resampled by NiiVue, not by us).
 *
 * Layer 0 is the base image and fixes the frame of the views. 3D images get the multiplanar
 * layout (axial / coronal / sagittal + 3D render) or one of those alone; a 2D image one tile,
 * of the plane it lies in (a frontal radiograph is coronal: its normal is the patient's A-P).
 */
import { Niivue, NVImage, SHOW_RENDER, SLICE_TYPE } from '@niivue/niivue';
import { indexToWorld, lpsToRas, writeNifti, type Volume } from '../src/browser.js';
import { JACOBIAN_COLORMAP, niivueLabelMap, type LabelColour } from './layers.js';

export type ViewName = 'multiplanar' | 'axial' | 'coronal' | 'sagittal' | 'render';

export type Layer =
  | { readonly kind: 'image'; readonly id: string; readonly title: string; readonly volume: Volume; readonly opacity?: number }
  | {
      readonly kind: 'labels';
      readonly id: string;
      readonly title: string;
      readonly volume: Volume;
      readonly colours: readonly LabelColour[];
      readonly opacity?: number;
    }
  /** A continuous map (Jacobian determinant, ...) drawn with a NiiVue colour map over [min, max]. */
  | {
      readonly kind: 'map';
      readonly id: string;
      readonly title: string;
      readonly volume: Volume;
      readonly colormap: string;
      readonly range: readonly [number, number];
      readonly opacity?: number;
    };

const SLICE_TYPES: Record<ViewName, SLICE_TYPE> = {
  multiplanar: SLICE_TYPE.MULTIPLANAR,
  axial: SLICE_TYPE.AXIAL,
  coronal: SLICE_TYPE.CORONAL,
  sagittal: SLICE_TYPE.SAGITTAL,
  render: SLICE_TYPE.RENDER,
};

function niftiBuffer(v: Volume): ArrayBuffer {
  const bytes = writeNifti(v);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export class Viewer {
  readonly nv: Niivue;
  private layers: Layer[] = [];
  private view: ViewName = 'multiplanar';

  private constructor(nv: Niivue) {
    this.nv = nv;
  }

  static async create(canvas: HTMLCanvasElement): Promise<Viewer> {
    const nv = new Niivue({
      backColor: [0, 0, 0, 1],
      show3Dcrosshair: true,
      multiplanarShowRender: SHOW_RENDER.ALWAYS,
      // Files are dropped on the demo's own drop zone (read by the SDK, DICOM folders included).
      dragAndDropEnabled: false,
      isColorbar: false,
      // Radiological convention (patient right on screen left), as radiographs are read and as
      // PACS viewers show slices; NiiVue's default is neurological.
      isRadiologicalConvention: true,
      // Voxels drawn as squares (no interpolation), as the demo always did: a label or a 1-voxel
      // box outline keeps its exact colour and extent instead of blurring into its neighbours.
      isNearestInterpolation: true,
      logLevel: 'warn',
    });
    await nv.attachToCanvas(canvas);
    nv.addColormap(JACOBIAN_COLORMAP.name, JACOBIAN_COLORMAP.map);
    return new Viewer(nv);
  }

  /** True when the base layer has one slice: only the axial tile is meaningful. */
  get is2D(): boolean {
    return (this.layers[0]?.volume.geometry.size[2] ?? 1) === 1;
  }

  get layerList(): readonly Layer[] {
    return this.layers;
  }

  /** Replaces every layer; the first is the base image. */
  async show(layers: readonly Layer[]): Promise<void> {
    for (const v of [...this.nv.volumes]) this.nv.removeVolume(v);
    this.layers = [...layers];
    for (const layer of layers) this.nv.addVolume(await this.toImage(layer));
    this.applyView();
    this.nv.updateGLVolume();
  }

  private async toImage(layer: Layer): Promise<NVImage> {
    const window = layer.kind === 'image' ? layer.volume.meta.window : undefined;
    const range = layer.kind === 'map' ? layer.range : window ? [window.center - window.width / 2, window.center + window.width / 2] : undefined;
    const image = await NVImage.loadFromUrl({
      url: `${layer.id}.nii`,
      name: layer.id,
      buffer: niftiBuffer(layer.volume),
      colormap: layer.kind === 'map' ? layer.colormap : 'gray',
      opacity: layer.opacity ?? 1,
      ...(range ? { cal_min: range[0], cal_max: range[1] } : {}),
    });
    if (layer.kind === 'labels') image.setColormapLabel(niivueLabelMap(layer.colours));
    // DICOM MONOCHROME1 stores low values as bright (the reader keeps the stored values): shown
    // with the grey ramp inverted, as a radiograph is read.
    if (layer.kind === 'image' && layer.volume.meta.photometric === 'MONOCHROME1') image.colormapInvert = true;
    return image;
  }

  private indexOf(id: string): number {
    const i = this.layers.findIndex((l) => l.id === id);
    if (i < 0) throw new Error(`no layer '${id}' in the viewer`);
    return i;
  }

  setOpacity(id: string, opacity: number): void {
    this.nv.setOpacity(this.indexOf(id), opacity);
  }

  opacity(id: string): number {
    return this.nv.volumes[this.indexOf(id)]!.opacity;
  }

  setView(view: ViewName): void {
    this.view = view;
    this.applyView();
  }

  /** The plane a 2D image lies in: the world axis its slice normal (direction column k) is closest to. */
  get plane2D(): 'axial' | 'coronal' | 'sagittal' {
    const d = this.layers[0]?.volume.geometry.direction;
    if (!d) return 'axial';
    // Column k of the row-major direction matrix: (d[2], d[5], d[8]) in LPS (x = L, y = P, z = S).
    const n = [Math.abs(d[2]!), Math.abs(d[5]!), Math.abs(d[8]!)];
    return n[0]! >= n[1]! && n[0]! >= n[2]! ? 'sagittal' : n[1]! >= n[2]! ? 'coronal' : 'axial';
  }

  private applyView(): void {
    this.nv.setSliceType(SLICE_TYPES[this.is2D ? this.plane2D : this.view]);
  }

  /**
   * NiiVue's fractional position of a voxel of layer `id`, from the SDK's geometry (index -> LPS
   * -> RAS mm), not from NiiVue's own voxel order: tests that project through it check that
   * NiiVue placed the layer where the SDK says it is.
   */
  fracOf(id: string, ijk: readonly number[]): [number, number, number] {
    const ras = lpsToRas(indexToWorld(this.layers[this.indexOf(id)]!.volume.geometry, ijk));
    const f = this.nv.mm2frac([ras[0], ras[1], ras[2]]);
    return [f[0]!, f[1]!, f[2]!];
  }

  /** Moves the crosshair (and so the three planes) to a voxel of layer `id` (index coordinates). */
  centreOn(id: string, ijk: readonly number[]): void {
    const [x, y, z] = this.fracOf(id, ijk);
    this.nv.scene.crosshairPos = [x, y, z] as unknown as typeof this.nv.scene.crosshairPos;
    this.nv.drawScene();
  }

  /** The rectangle [left, top, width, height] (CSS pixels) of the tile showing `view`; null when none does. */
  tile(view: Exclude<ViewName, 'multiplanar'>): [number, number, number, number] | null {
    const want = view === 'render' ? 4 : SLICE_TYPES[view];
    const slice = this.nv.screenSlices.find((s) => s.axCorSag === want);
    if (!slice) return null;
    const ratio = this.nv.uiData.dpr ?? 1;
    const [l, t, w, h] = slice.leftTopWidthHeight.map((x) => x / ratio);
    // A mirrored tile (radiological) has a negative width.
    return w! < 0 ? [l! + w!, t!, -w!, h!] : [l!, t!, w!, h!];
  }

  /**
   * Canvas pixel (CSS pixels, from the canvas' top left) where a voxel of layer `id` is drawn in
   * the tile of `plane`; null when that tile does not show the voxel's slice.
   */
  project(id: string, ijk: readonly number[], plane: 'axial' | 'coronal' | 'sagittal'): [number, number] | null {
    const hit = this.nv.frac2canvasPosWithTile(this.fracOf(id, ijk) as never, SLICE_TYPES[plane]);
    if (!hit) return null;
    const ratio = this.nv.uiData.dpr ?? 1;
    return [hit.pos[0]! / ratio, hit.pos[1]! / ratio];
  }
}
