/**
 * Picking the input variables: patches on a grid drawn over the sample image, features of a
 * tabular row by index or name, positions of a sequence. Each picked item is one variable.
 */
import type { AnalysisModel } from '../model/analysisModel';
import {
  imageGeometry,
  pixelOffset,
  pixelIntensity,
  salientPatches,
  sequenceWidth,
  type IImageGeometry
} from '../model/variables';
import { h } from './dom';

/** Target size of the drawn image, in CSS pixels. */
const IMAGE_SIDE = 240;

export function renderVariablePicker(model: AnalysisModel): HTMLElement {
  switch (model.inputKind) {
    case 'image':
      return renderImagePicker(model);
    case 'tabular':
      return renderTabularPicker(model);
    default:
      return renderSequencePicker(model);
  }
}

function toolbar(model: AnalysisModel, suggest: () => number[]): HTMLElement {
  const suggestButton = h(
    'button',
    { type: 'button', class: 'jp-mod-styled jp-Layerwise-suggest' },
    `Suggest ${model.settings.variables}`
  );
  suggestButton.addEventListener('click', () => model.updateForm({ picked: suggest() }));
  const clear = h('button', { type: 'button', class: 'jp-mod-styled jp-Layerwise-clear' }, 'Clear');
  clear.addEventListener('click', () => model.updateForm({ picked: [] }));
  return h('div', { class: 'jp-Layerwise-pickerTools' }, suggestButton, clear);
}

function renderImagePicker(model: AnalysisModel): HTMLElement {
  const shape = model.inputShape ?? [];
  const g = imageGeometry(shape, model.form.patchSize);
  const scale = Math.max(1, Math.floor(IMAGE_SIDE / Math.max(g.height, g.width)));
  const width = g.width * scale;
  const height = g.height * scale;
  const canvas = h('canvas', {
    class: 'jp-Layerwise-sampleImage',
    width,
    height,
    'aria-hidden': 'true'
  });
  if (model.preview) {
    drawImage(canvas, model.preview, g);
  }
  const grid = h('div', {
    class: 'jp-Layerwise-patchGrid',
    role: 'group',
    'aria-label': 'Image patches: click to pick or drop a patch'
  });
  grid.style.width = `${width}px`;
  grid.style.height = `${height}px`;
  const picked = new Set(model.form.picked);
  const names = new Map(model.form.picked.map((k, i) => [k, model.variables[i].name]));
  for (let k = 0; k < g.rows * g.cols; k++) {
    const r = Math.floor(k / g.cols);
    const c = k % g.cols;
    const name = names.get(k) ?? `r${r + 1}c${c + 1}`;
    const cell = h(
      'button',
      {
        type: 'button',
        class: `jp-Layerwise-patch${picked.has(k) ? ' jp-mod-selected' : ''}`,
        'data-patch': k,
        title: name,
        'aria-label': `patch ${name}`,
        'aria-pressed': String(picked.has(k))
      },
      // the variable's name, as the plots will write it
      picked.has(k) ? h('span', { class: 'jp-Layerwise-patchName' }, name) : null
    );
    cell.style.left = `${c * g.patch * scale}px`;
    cell.style.top = `${r * g.patch * scale}px`;
    cell.style.width = `${Math.min(g.patch, g.width - c * g.patch) * scale}px`;
    cell.style.height = `${Math.min(g.patch, g.height - r * g.patch) * scale}px`;
    cell.addEventListener('click', () => model.togglePicked(k));
    grid.append(cell);
  }
  const stage = h('div', { class: 'jp-Layerwise-imageStage' }, canvas, grid);
  const suggest = () =>
    model.preview
      ? salientPatches(model.preview, g, model.settings.variables)
      : Array.from({ length: Math.min(model.settings.variables, g.rows * g.cols) }, (_, i) => i);
  return h(
    'div',
    { class: 'jp-Layerwise-picker' },
    toolbar(model, suggest),
    stage,
    h(
      'p',
      { class: 'jp-Layerwise-hint' },
      `${g.rows} x ${g.cols} patches of ${g.patch} px. ` +
        (model.preview ? 'The image is the first analysed sample.' : 'No sample image to show.')
    ),
    nameEditor(model)
  );
}

/**
 * The picked variables' names, editable: what the figures, hovers and CSV call them. A name
 * is taken when the field is left (not on every key, which would redraw the picker).
 */
function nameEditor(model: AnalysisModel): HTMLElement | null {
  const variables = model.variables;
  if (variables.length === 0) {
    return null;
  }
  const fields = model.form.picked.map((item, i) => {
    const input = h('input', {
      type: 'text',
      class: 'jp-mod-styled jp-Layerwise-varName',
      value: variables[i].name,
      'data-item': item,
      size: Math.max(4, variables[i].name.length + 1),
      'aria-label': `Name of variable ${i + 1}`
    });
    input.addEventListener('change', () => model.renameItem(item, input.value));
    return input;
  });
  return h(
    'div',
    { class: 'jp-Layerwise-names' },
    h('span', { class: 'jp-Layerwise-hint' }, 'Names in the figures and CSV (edit to rename):'),
    h('div', { class: 'jp-Layerwise-nameList' }, ...fields)
  );
}

/** Grey levels scaled to the image's own range, nearest-neighbour enlarged. */
function drawImage(canvas: HTMLCanvasElement, sample: Float32Array, g: IImageGeometry): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) {
    return;
  }
  const small = document.createElement('canvas');
  small.width = g.width;
  small.height = g.height;
  const smallCtx = small.getContext('2d');
  if (!smallCtx) {
    return;
  }
  const pixels = smallCtx.createImageData(g.width, g.height);
  const colour = g.channels === 3;
  const intensity = pixelIntensity(sample, g);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of colour ? sample : intensity) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi > lo ? hi - lo : 1;
  for (let p = 0; p < g.width * g.height; p++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = colour ? sample[pixelOffset(g, p, ch)] : intensity[p];
      pixels.data[p * 4 + ch] = Math.round(((v - lo) / span) * 255);
    }
    pixels.data[p * 4 + 3] = 255;
  }
  smallCtx.putImageData(pixels, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

function renderTabularPicker(model: AnalysisModel): HTMLElement {
  const count = model.inputShape?.[0] ?? 0;
  const names = model.featureNames;
  const label = (i: number) => (names?.[i] !== undefined ? `${i}: ${names[i]}` : `x${i}`);
  const picked = new Set(model.form.picked);
  const text = h('input', {
    type: 'text',
    class: 'jp-mod-styled jp-Layerwise-featureText',
    placeholder: 'indices or names, e.g. 0, 3, age',
    value: model.form.picked.map(i => names?.[i] ?? String(i)).join(', '),
    'aria-label': 'Features as indices or names'
  });
  text.addEventListener('change', () => {
    const tokens = text.value
      .split(',')
      .map(t => t.trim())
      .filter(t => t !== '');
    const indices = tokens.map(t => {
      const byName = names?.indexOf(t) ?? -1;
      return byName >= 0 ? byName : Number(t);
    });
    if (indices.every(i => Number.isInteger(i) && i >= 0 && i < count)) {
      model.updateForm({ picked: indices });
    } else {
      text.setCustomValidity(`Use feature indices 0..${count - 1} or column names.`);
      text.reportValidity();
    }
  });
  const list = h('div', { class: 'jp-Layerwise-featureList' });
  for (let i = 0; i < count; i++) {
    const box = h('input', { type: 'checkbox', checked: picked.has(i), 'data-feature': i });
    box.addEventListener('change', () => model.togglePicked(i));
    list.append(h('label', { class: 'jp-Layerwise-feature' }, box, label(i)));
  }
  const suggest = () =>
    Array.from({ length: Math.min(model.settings.variables, count) }, (_, i) => i);
  return h(
    'div',
    { class: 'jp-Layerwise-picker' },
    toolbar(model, suggest),
    text,
    list,
    nameEditor(model)
  );
}

function renderSequencePicker(model: AnalysisModel): HTMLElement {
  const shape = model.inputShape ?? [];
  const positions = shape[0] ?? 0;
  const width = sequenceWidth(shape);
  const picked = new Set(model.form.picked);
  const chips = h('div', {
    class: 'jp-Layerwise-tokens',
    role: 'group',
    'aria-label': 'Sequence positions'
  });
  for (let t = 0; t < positions; t++) {
    const token = width === 1 && model.preview ? String(model.preview[t]) : `t${t}`;
    const chip = h(
      'button',
      {
        type: 'button',
        class: `jp-Layerwise-token${picked.has(t) ? ' jp-mod-selected' : ''}`,
        'aria-pressed': String(picked.has(t)),
        title: `position ${t}`
      },
      token
    );
    chip.addEventListener('click', () => model.togglePicked(t));
    chips.append(chip);
  }
  const suggest = () =>
    Array.from({ length: Math.min(model.settings.variables, positions) }, (_, i) => i);
  return h(
    'div',
    { class: 'jp-Layerwise-picker' },
    toolbar(model, suggest),
    chips,
    nameEditor(model)
  );
}
