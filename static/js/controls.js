// The settings panel and the plane's toolbar: every input reads from and
// writes to the one state object (state.js). Requests are not made here; main.js
// listens to the store. Only the upload and draw mode call out through handlers.

import { h } from './dom.js';
import { SETTINGS, architectureProblem, limits, outputUnits, paramCount, parseSetting, whyInvalid } from './state.js';
import { classColor } from './palette.js';
import { className } from './notation.js';

const SPEC = new Map(SETTINGS.map((s) => [s.key, s]));
const ACTIVATION_LABELS = { relu: 'ReLU', tanh: 'tanh', sigmoid: 'sigmoid', linear: 'linear' };

const LAYER_KEYS = ['hidden', 'activations'];
const count = (v) => v.toLocaleString('en-US');

// Inputs bound one-to-one to a setting (element id = setting key).
const SIMPLE_INPUTS = ['classes', 'n', 'noise', 'valShare', 'dataSeed', 'output', 'init', 'optimizer', 'lr', 'batchSize', 'momentum', 'weightDecay', 'seed', 'speed', 'speedUnit'];
const CHECKBOXES = ['showBoundary', 'showLines', 'showVal', 'tintRegions'];

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

  /** datasets: [{name, title, classes, class_range, description, default_noise}] from GET /api/datasets. */
  setDatasets(datasets) {
    this.datasets = datasets;
    $('dataset').replaceChildren(...datasets.map((d) => h('option', { value: d.name }, d.title)));
    this.sync(this.store.state);
  }

  /** The number of classes in the current data: draw swatches and the sigmoid output follow it. */
  setClassCount(k) {
    if (k === this.nClasses && $('draw-classes').children.length) return;
    this.nClasses = k;
    this._syncArchitecture(this.store.state);
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

  /** The data the session holds: data {source, name, valName}, points {train, val}.
   * The data panel is drawn from it and the state together, on every change of either. */
  setData(data, points) {
    this.data = { source: data.source, name: data.name, valName: data.valName, train: points.train.length, val: points.val.length };
    this.sync(this.store.state);
  }

  /** The data panel: the built-in set's name, size and noise, or the file's name and size. */
  _syncData(state) {
    // points the page holds under a name (an upload, an opened trial) stand in for the list's entry
    const fromFile = this.data?.source === 'file' || Boolean(this.data?.source === 'points' && this.data.name);
    const uploaded = this.data?.source === 'file';
    const info = this.datasets.find((d) => d.name === state.dataset);
    // an uploaded file stands in the list as the chosen entry while it is in use
    $('dataset').querySelector('[data-testid=dataset-file]')?.remove();
    if (fromFile) $('dataset').append(h('option', { value: '', hidden: true, disabled: true, dataset: { testid: 'dataset-file' } }, `${this.data.name}${uploaded ? ' (uploaded)' : ''}`));
    if (this.datasets.length) $('dataset').value = fromFile ? '' : state.dataset;
    $('dataset-description').textContent = uploaded ? 'Points from your file.' : fromFile ? `The points of ${this.data.name}.` : info?.description ?? '';
    $('classes-field').hidden = fromFile || !info?.class_range || info.class_range[0] === info.class_range[1];
    for (const key of ['n', 'noise']) $(key).disabled = fromFile;
    if (fromFile) {
      $('n').value = String(this.data.train + this.data.val);
      $('noise').value = '';
    }
    if (!this.data) return;
    const count = `${this.data.train} training + ${this.data.val} validation points`;
    const files = `${this.data.name}${this.data.valName ? ` and ${this.data.valName}` : ''}`;
    $('data-source').textContent = fromFile ? `From ${files}: ${count}.` : `${info?.title ?? state.dataset}: ${count}.`;
  }

  showUploadError(message) {
    $('upload-error').textContent = message;
    $('upload-error').hidden = !message;
  }

  _bindSimpleInputs() {
    for (const key of SIMPLE_INPUTS) {
      const el = $(key);
      const commit = () => {
        const raw = el.value.trim();
        if (raw === this._shown(key)) return; // Enter, then the change event: one commit
        const value = parseSetting(SPEC.get(key), raw);
        this.showRefusal([key], null);
        const why = value === undefined ? whyInvalid(SPEC.get(key), raw) ?? 'not a valid value' : this._networkProblem({ [key]: value });
        if (!why) {
          this.store.set({ [key]: value });
          return;
        }
        // The field goes back to what the server runs, and says why.
        el.value = this._shown(key);
        this.showRefusal([key], `${raw || 'That'} refused: ${why}.`);
      };
      el.addEventListener('change', commit);
      if (el.tagName === 'INPUT') el.addEventListener('keydown', (ev) => ev.key === 'Enter' && commit());
    }
    $('dataset').addEventListener('change', () => {
      const patch = { dataset: $('dataset').value, noise: null, classes: null };
      const why = this._networkProblem(patch);
      this.showRefusal(['dataset'], why && `${patch.dataset} refused: ${why}.`);
      if (why) $('dataset').value = this.store.state.dataset;
      else this.store.set(patch, { force: 'data' });
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

  /** The text a field shows for the current state. */
  _shown(key) {
    const state = this.store.state;
    const info = this.datasets.find((d) => d.name === state.dataset);
    const value = key === 'noise' ? state.noise ?? info?.default_noise ?? '' : key === 'classes' ? state.classes ?? info?.classes ?? '' : state[key];
    return String(value);
  }

  /**
   * An inline message beside the control of the first of `keys` (null: remove
   * it). Refusals by the page or by the server land here, after the field has
   * gone back to the value in effect.
   */
  showRefusal(keys, message) {
    const key = keys.find((k) => LAYER_KEYS.includes(k) || SIMPLE_INPUTS.includes(k) || k === 'dataset') ?? keys[0];
    const slotKey = LAYER_KEYS.includes(key) ? 'hidden' : key;
    let el = document.querySelector(`[data-testid="refused-${slotKey}"]`);
    if (!message) {
      el?.remove();
      return;
    }
    if (!el) {
      el = h('p', { class: 'field-error', role: 'alert', dataset: { testid: `refused-${slotKey}` } });
      const anchor = slotKey === 'hidden' ? $('layers') : $(slotKey)?.closest('.row') ?? $(slotKey)?.closest('.field');
      if (anchor) anchor.after(el);
      else $('controls').prepend(el);
    }
    el.textContent = message;
  }

  /**
   * Why the server would refuse the network once `patch` (a data or output
   * setting) is applied: more classes widen the output layer. null: it fits.
   */
  _networkProblem(patch) {
    if (!['dataset', 'classes', 'output'].some((k) => k in patch)) return null;
    const next = { ...this.store.state, ...patch };
    const info = this.datasets.find((d) => d.name === next.dataset);
    const k = next.classes ?? info?.classes ?? this.nClasses;
    const problem = architectureProblem(next.hidden, outputUnits(next, k));
    return problem && `with ${k} classes the network has ${problem}`;
  }

  /** Output units of the current network (the data's classes, or 1 for a sigmoid). */
  _outputs() {
    return outputUnits(this.store.state, this.nClasses);
  }

  /** Set the hidden layers if the server would run them; otherwise keep them and say why. */
  _setLayers(hidden, activations) {
    const problem = architectureProblem(hidden, this._outputs());
    if (problem) {
      this.layersKey = null; // redraw the rows: a refused value goes back to the one in effect
      this._syncLayers(this.store.state);
      this.showRefusal(['hidden'], `${problem}.`);
      return;
    }
    this.showRefusal(['hidden'], null);
    this.store.set({ hidden, activations });
  }

  _addLayer() {
    const { hidden, activations } = this.store.state;
    this._setLayers([...hidden, hidden.at(-1) ?? 4], [...activations, activations.at(-1) ?? 'relu']);
  }

  _layerRow(index, units, activation) {
    const spec = SPEC.get('hidden');
    const unitsInput = h('input', { type: 'number', min: 1, max: Number.isFinite(spec.max) ? spec.max : null, step: 1, value: units, 'aria-label': `units in hidden layer ${index + 1}`, dataset: { testid: `layer-units-${index + 1}` } });
    const commitUnits = () => {
      const raw = unitsInput.value.trim();
      if (raw === String(this.store.state.hidden[index])) return;
      const value = /^\d+$/.test(raw) ? parseSetting(spec, raw)?.[0] : undefined;
      if (value === undefined) {
        unitsInput.value = String(this.store.state.hidden[index]);
        this.showRefusal(['hidden'], `${raw || 'That'} refused: ${whyInvalid(spec, raw) ?? 'not a whole number'}.`);
        return;
      }
      const hidden = [...this.store.state.hidden];
      hidden[index] = value;
      this._setLayers(hidden, this.store.state.activations);
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
      this._setLayers(hidden.filter((_, i) => i !== index), activations.filter((_, i) => i !== index));
    });
    return h('li', {}, h('span', { class: 'layer-name' }, `hidden ${index + 1}`), unitsInput, select, remove);
  }

  _syncLayers(state) {
    const key = `${state.hidden.join(',')}|${state.activations.join(',')}`;
    if (key === this.layersKey) return;
    this.layersKey = key;
    $('layers').replaceChildren(...state.hidden.map((units, i) => this._layerRow(i, units, state.activations[i])));
  }

  /** The live parameter count, and "+ Hidden layer" only where the server would take one more. */
  _syncArchitecture(state) {
    const outputs = outputUnits(state, this.nClasses);
    const bound = limits();
    const n = paramCount(state.hidden, outputs);
    $('param-count').textContent = `${count(n)} parameters${bound ? ` (this server allows ${count(bound.max_params)})` : ''}`;
    const tooMany = architectureProblem([...state.hidden, state.hidden.at(-1) ?? 4], outputs);
    const add = $('add-layer');
    add.disabled = Boolean(tooMany);
    add.title = tooMany ? `One more layer would be ${tooMany}` : 'Add a hidden layer like the last one';
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

  /** Show the state in every input (after a change from anywhere: URL, undo, code); a new state ends the refusal messages. */
  sync(state) {
    for (const el of $('controls').querySelectorAll('[data-testid^="refused-"]')) el.remove();
    const info = this.datasets.find((d) => d.name === state.dataset);
    for (const key of SIMPLE_INPUTS) {
      $(key).value = this._shown(key);
      for (const bound of ['min', 'max']) if (SPEC.get(key).limits?.[bound] && Number.isFinite(SPEC.get(key)[bound])) $(key)[bound] = String(SPEC.get(key)[bound]); // the server's bound
    }
    this._syncData(state);
    for (const key of CHECKBOXES) $(key).checked = state[key];
    $('regions-soft').setAttribute('aria-pressed', String(state.regions === 'soft'));
    $('regions-hard').setAttribute('aria-pressed', String(state.regions === 'hard'));
    for (const el of document.querySelectorAll('.sgd-only')) el.hidden = state.optimizer !== 'sgd';
    this._syncLayers(state);
    this._syncArchitecture(state);
    this._syncChips(state);
  }
}
