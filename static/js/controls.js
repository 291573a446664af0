// The settings panel and the plane's toolbar: every input reads from and
// writes to the one state object (state.js). Requests are not made here; main.js
// listens to the store. Only the upload and draw mode call out through handlers.

import { h } from './dom.js';
import { MAX_HIDDEN_LAYERS, MAX_UNITS, SETTINGS, parseSetting } from './state.js';
import { classColor } from './palette.js';
import { className } from './notation.js';

const SPEC = new Map(SETTINGS.map((s) => [s.key, s]));
const ACTIVATION_LABELS = { relu: 'ReLU', tanh: 'tanh', sigmoid: 'sigmoid', linear: 'linear' };

// Inputs bound one-to-one to a setting (element id = setting key).
const SIMPLE_INPUTS = ['classes', 'n', 'noise', 'valShare', 'dataSeed', 'output', 'init', 'optimizer', 'lr', 'batchSize', 'momentum', 'weightDecay', 'seed', 'speed', 'speedUnit'];
const CHECKBOXES = ['showBoundary', 'showLines', 'showVal'];

const $ = (id) => document.getElementById(id);

export class Controls {
  /** handlers: {onUpload({name, text, valText}), onDrawChange({drawing, drawClass})} */
  constructor(store, handlers) {
    this.store = store;
    this.handlers = handlers;
    this.datasets = [];
    this.nClasses = 2;
    this.drawing = false;
    this.drawClass = 0;
    this.files = { train: null, val: null };
    this._bindSimpleInputs();
    this._bindDisplay();
    this._bindData();
    $('add-layer').addEventListener('click', () => this._addLayer());
    this.sync(store.state);
  }

  /** datasets: [{name, classes, class_range, description, default_noise}] from GET /api/datasets. */
  setDatasets(datasets) {
    this.datasets = datasets;
    $('dataset').replaceChildren(...datasets.map((d) => h('option', { value: d.name }, d.label ?? d.name)));
    this.sync(this.store.state);
  }

  /** The number of classes in the current data: draw swatches and the sigmoid output follow it. */
  setClassCount(k) {
    if (k === this.nClasses && $('draw-classes').children.length) return;
    this.nClasses = k;
    this.drawClass = Math.min(this.drawClass, k - 1);
    $('draw-classes').replaceChildren(
      ...Array.from({ length: k }, (_, c) => {
        const button = h('button', { class: 'swatch-button', role: 'radio', 'aria-checked': String(c === this.drawClass), 'aria-label': className(c), dataset: { testid: `draw-class-${c}` }, style: { background: classColor(c) } }, String(c + 1));
        button.addEventListener('click', () => {
          this.drawClass = c;
          for (const b of $('draw-classes').children) b.setAttribute('aria-checked', String(b === button));
          this._drawChanged();
        });
        return button;
      }),
    );
    $('output').querySelector('option[value="sigmoid"]').disabled = k !== 2;
  }

  /** Where the data came from, in words (a file name, or a generated sample). */
  setDataSource(text) {
    $('data-source').textContent = text;
  }

  showUploadError(message) {
    $('upload-error').textContent = message;
    $('upload-error').hidden = !message;
  }

  _bindSimpleInputs() {
    for (const key of SIMPLE_INPUTS) {
      const el = $(key);
      const commit = () => {
        const value = parseSetting(SPEC.get(key), el.value.trim());
        el.setAttribute('aria-invalid', String(value === undefined));
        if (value !== undefined) this.store.set({ [key]: value });
      };
      el.addEventListener('change', commit);
      if (el.tagName === 'INPUT') el.addEventListener('keydown', (ev) => ev.key === 'Enter' && commit());
    }
    $('dataset').addEventListener('change', () => {
      this.store.set({ dataset: $('dataset').value, noise: null, classes: null }, { force: 'data' });
    });
  }

  _bindDisplay() {
    for (const key of CHECKBOXES) $(key).addEventListener('change', () => this.store.set({ [key]: $(key).checked }));
    $('regions-soft').addEventListener('click', () => this.store.set({ regions: 'soft' }));
    $('regions-hard').addEventListener('click', () => this.store.set({ regions: 'hard' }));
  }

  _bindData() {
    $('regenerate').addEventListener('click', () => this.store.set({ dataSeed: Math.floor(Math.random() * 1e6) }, { force: 'data' }));
    const read = async (input, slot) => {
      const file = input.files[0];
      this.files[slot] = file ? { name: file.name, text: await file.text() } : null;
      if (this.files.train) {
        this.handlers.onUpload({ name: this.files.train.name, text: this.files.train.text, valText: this.files.val?.text ?? null, valName: this.files.val?.name ?? null });
      }
    };
    $('upload').addEventListener('change', () => read($('upload'), 'train'));
    $('upload-val').addEventListener('change', () => read($('upload-val'), 'val'));
    $('draw').addEventListener('click', () => {
      this.drawing = !this.drawing;
      this._drawChanged();
    });
  }

  /** Forget the chosen files (after switching back to a generated dataset). */
  clearFiles() {
    this.files = { train: null, val: null };
    $('upload').value = '';
    $('upload-val').value = '';
  }

  _drawChanged() {
    $('draw').setAttribute('aria-pressed', String(this.drawing));
    this.handlers.onDrawChange({ drawing: this.drawing, drawClass: this.drawClass });
  }

  _addLayer() {
    const { hidden, activations } = this.store.state;
    if (hidden.length >= MAX_HIDDEN_LAYERS) return;
    this.store.set({ hidden: [...hidden, hidden.at(-1) ?? 4], activations: [...activations, activations.at(-1) ?? 'relu'] });
  }

  _layerRow(index, units, activation) {
    const unitsInput = h('input', { type: 'number', min: 1, max: MAX_UNITS, step: 1, value: units, 'aria-label': `units in hidden layer ${index + 1}`, dataset: { testid: `layer-units-${index + 1}` } });
    const commitUnits = () => {
      const value = parseSetting({ type: 'int', min: 1, max: MAX_UNITS }, unitsInput.value.trim());
      unitsInput.setAttribute('aria-invalid', String(value === undefined));
      if (value === undefined) return;
      const hidden = [...this.store.state.hidden];
      hidden[index] = value;
      this.store.set({ hidden });
    };
    unitsInput.addEventListener('change', commitUnits);
    unitsInput.addEventListener('keydown', (ev) => ev.key === 'Enter' && commitUnits());
    const select = h('select', { 'aria-label': `activation of hidden layer ${index + 1}`, dataset: { testid: `layer-activation-${index + 1}` } },
      ...SPEC.get('activations').values.map((a) => h('option', { value: a, selected: a === activation }, ACTIVATION_LABELS[a])));
    select.addEventListener('change', () => {
      const activations = [...this.store.state.activations];
      activations[index] = select.value;
      this.store.set({ activations });
    });
    const remove = h('button', { class: 'remove', title: 'Remove this layer', 'aria-label': `remove hidden layer ${index + 1}`, dataset: { testid: `remove-layer-${index + 1}` } }, '×');
    remove.addEventListener('click', () => {
      const { hidden, activations } = this.store.state;
      this.store.set({ hidden: hidden.filter((_, i) => i !== index), activations: activations.filter((_, i) => i !== index) });
    });
    return h('li', {}, h('span', { class: 'layer-name' }, `hidden ${index + 1}`), unitsInput, select, remove);
  }

  _syncLayers(state) {
    const key = `${state.hidden.join(',')}|${state.activations.join(',')}`;
    if (key === this.layersKey) return;
    this.layersKey = key;
    $('layers').replaceChildren(...state.hidden.map((units, i) => this._layerRow(i, units, state.activations[i])));
    $('add-layer').disabled = state.hidden.length >= MAX_HIDDEN_LAYERS;
  }

  _syncChips(state) {
    const units = state.hidden[0] ?? 0;
    const hiddenSet = new Set(state.hiddenLines);
    const chip = (label, pressed, onClick, testid, extra = '') => {
      const b = h('button', { class: `chip ${extra}`, 'aria-pressed': String(pressed), dataset: { testid } }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    $('unit-chips').replaceChildren(
      chip('all', hiddenSet.size === 0 && state.showLines, () => this.store.set({ showLines: true, hiddenLines: [] }), 'lines-all', 'wide'),
      chip('none', !state.showLines, () => this.store.set({ showLines: false }), 'lines-none', 'wide'),
      ...Array.from({ length: units }, (_, u) =>
        chip(String(u + 1), state.showLines && !hiddenSet.has(u), () => {
          const next = new Set(this.store.state.showLines ? this.store.state.hiddenLines : Array.from({ length: units }, (_, i) => i));
          if (next.has(u)) next.delete(u);
          else next.add(u);
          this.store.set({ showLines: true, hiddenLines: [...next].sort((a, b) => a - b) });
        }, `line-unit-${u + 1}`)),
    );
    const deeper = state.hidden.slice(1).map((_, i) => i + 2);
    $('curve-layers-field').hidden = deeper.length === 0;
    $('curve-layers').replaceChildren(...deeper.map((layer) => chip(`layer ${layer}`, state.curveLayers.includes(layer), () => {
      const set = new Set(this.store.state.curveLayers);
      if (set.has(layer)) set.delete(layer);
      else set.add(layer);
      this.store.set({ curveLayers: [...set].sort((a, b) => a - b) });
    }, `curve-layer-${layer}`, 'wide')));
  }

  /** Show the state in every input (after a change from anywhere: URL, undo, code). */
  sync(state) {
    const info = this.datasets.find((d) => d.name === state.dataset);
    const shown = { ...state, noise: state.noise ?? info?.default_noise ?? '', classes: state.classes ?? info?.classes ?? '' };
    for (const key of SIMPLE_INPUTS) {
      const el = $(key);
      if (document.activeElement !== el || el.getAttribute('aria-invalid') !== 'true') el.value = String(shown[key]);
      el.setAttribute('aria-invalid', 'false');
    }
    if (this.datasets.length) $('dataset').value = state.dataset;
    $('dataset-description').textContent = info?.description ?? '';
    $('classes-field').hidden = !info?.class_range || info.class_range[0] === info.class_range[1];
    for (const key of CHECKBOXES) $(key).checked = state[key];
    $('regions-soft').setAttribute('aria-pressed', String(state.regions === 'soft'));
    $('regions-hard').setAttribute('aria-pressed', String(state.regions === 'hard'));
    for (const el of document.querySelectorAll('.sgd-only')) el.hidden = state.optimizer !== 'sgd';
    this._syncLayers(state);
    this._syncChips(state);
  }
}
