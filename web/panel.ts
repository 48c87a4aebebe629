/**
 * DOM around the viewer: the layer list (show / hide, opacity) and the results table (scores,
 * volumes, boxes with their colour). No model logic here.
 */
import type { Rgb } from './layers.js';
import type { Viewer } from './viewer.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * One row per layer above the base image: a checkbox (hidden = opacity 0, the slider keeps the
 * chosen value) and an opacity slider. Layers given as `hidden` start unchecked.
 */
export function renderLayerPanel(viewer: Viewer, hidden: readonly string[] = []): void {
  const box = $('layers');
  box.innerHTML = '';
  for (const layer of viewer.layerList.slice(1)) {
    const row = document.createElement('div');
    row.className = 'layer';
    const show = document.createElement('input');
    show.type = 'checkbox';
    show.id = `layer-${layer.id}`;
    show.checked = !hidden.includes(layer.id);
    const name = document.createElement('label');
    name.htmlFor = show.id;
    name.textContent = layer.title;
    const opacity = document.createElement('input');
    opacity.type = 'range';
    opacity.min = '0';
    opacity.max = '1';
    opacity.step = '0.05';
    opacity.value = String(layer.opacity ?? 1);
    opacity.id = `opacity-${layer.id}`;
    opacity.title = `${layer.title} opacity`;
    const apply = () => viewer.setOpacity(layer.id, show.checked ? Number(opacity.value) : 0);
    show.addEventListener('change', apply);
    opacity.addEventListener('input', apply);
    row.append(show, name, opacity);
    box.append(row);
    apply();
  }
}

export interface ResultRow {
  readonly name: string;
  readonly value: string;
  readonly positive?: boolean;
  /** Colour of this row's label or box class in the viewer. */
  readonly rgb?: Rgb;
}

export function renderResultTable(rows: readonly ResultRow[]): void {
  const table = $<HTMLTableElement>('scores');
  table.innerHTML = '';
  for (const row of rows) {
    const tr = table.insertRow();
    if (row.positive) tr.className = 'positive';
    const swatch = tr.insertCell();
    swatch.className = 'swatch';
    if (row.rgb) swatch.style.background = `rgb(${row.rgb.join(',')})`;
    tr.insertCell().textContent = row.name;
    tr.insertCell().textContent = row.value;
  }
}
