// All user-visible settings in one object, described by one declarative table.
// The table alone drives defaults, validation and the URL round trip, so a share
// link (or a lesson) is just a query string run through `fromQuery`.

const HIDDEN_ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear'];
const INPUTS = 2; // every dataset on the plane has two coordinates

// Parts of the page a link can hide (`hide=data,network`) for a focused
// exercise; hide.js knows which elements each name covers. A setting's URL key
// (`hide=lr`) hides that one control as well.
export const CONTROL_GROUPS = ['settings', 'data', 'upload', 'draw', 'network', 'training', 'display',
  'toolbar', 'reset', 'step', 'epoch', 'undo', 'diagram', 'curves', 'share', 'presenter'];

// limits: bounds the server sets (GET /api/datasets `limits`), {property: [limit, offset]};
// setLimits fills them in, until then they are open (main.js reads the link again).
// unit: what the bound counts, for the message that says why a value was refused.
// group: which server call a change needs ("data", "network" and "init" (the
// weights' seed) re-initialise at once and can be undone, so a link always
// carries the values in effect; "training" keeps the weights, "view" only changes what is drawn
// or requested, "local" is page-only, "page" is the page around the charts).
export const SETTINGS = [
  { key: 'dataset', url: 'data', type: 'enum', def: 'circle', values: null, unit: 'dataset', group: 'data' },
  // null: the dataset's own (GET /api/datasets: classes, default_noise)
  { key: 'classes', url: 'k', type: 'int', def: null, min: 2, max: Infinity, limits: { max: ['max_classes'] }, unit: 'classes', group: 'data' },
  { key: 'n', url: 'n', type: 'int', def: 400, min: 10, max: Infinity, limits: { max: ['max_points'] }, unit: 'points', group: 'data' },
  { key: 'noise', url: 'noise', type: 'float', def: null, min: 0, max: 1, group: 'data' },
  { key: 'valShare', url: 'val', type: 'float', def: 0.25, min: 0, max: 0.9, group: 'data' },
  { key: 'dataSeed', url: 'dseed', type: 'int', def: 1, min: 0, max: 2 ** 31 - 1, group: 'data' },
  { key: 'hidden', url: 'hidden', type: 'intList', def: [8], min: 1, max: Infinity, maxLength: Infinity, limits: { max: ['max_units'], maxLength: ['max_layers'] }, unit: 'units per layer', lengthUnit: 'hidden layers', group: 'network' },
  { key: 'activations', url: 'act', type: 'enumList', def: ['relu'], values: HIDDEN_ACTIVATIONS, maxLength: Infinity, limits: { maxLength: ['max_layers'] }, lengthUnit: 'hidden layers', group: 'network' },
  { key: 'output', url: 'out', type: 'enum', def: 'softmax', values: ['softmax', 'sigmoid'], group: 'network' },
  { key: 'init', url: 'init', type: 'enum', def: 'homework', values: ['homework', 'pytorch'], group: 'network' },
  { key: 'seed', url: 'seed', type: 'int', def: 1, min: 0, max: 2 ** 31 - 1, group: 'init' },
  { key: 'optimizer', url: 'opt', type: 'enum', def: 'sgd', values: ['sgd', 'adam'], group: 'training' },
  { key: 'lr', url: 'lr', type: 'float', def: 0.03, min: 0, max: Infinity, limits: { min: ['lr_min'], max: ['lr_max'] }, group: 'training' },
  { key: 'batchSize', url: 'batch', type: 'int', def: 10, min: 1, max: Infinity, limits: { max: ['max_points'] }, unit: 'points per batch', group: 'training' },
  { key: 'momentum', url: 'mom', type: 'float', def: 0, min: 0, max: 0.999, group: 'training' },
  { key: 'weightDecay', url: 'l2', type: 'float', def: 0, min: 0, max: 1, group: 'training' },
  { key: 'speedUnit', url: 'per', type: 'enum', def: 'epochs', values: ['epochs', 'steps'], group: 'local' },
  { key: 'speed', url: 'speed', type: 'int', def: 1, min: 1, max: 100, group: 'local' },
  { key: 'regions', url: 'regions', type: 'enum', def: 'soft', values: ['soft', 'hard'], group: 'view' },
  { key: 'showBoundary', url: 'boundary', type: 'bool', def: true, group: 'view' },
  { key: 'showLines', url: 'lines', type: 'bool', def: true, group: 'view' },
  { key: 'hiddenLines', url: 'linesoff', type: 'intList', def: [], min: 0, max: Infinity, maxLength: Infinity, limits: { max: ['max_units', -1], maxLength: ['max_units'] }, group: 'view' },
  { key: 'curveLayers', url: 'curves', type: 'intList', def: [], min: 2, max: Infinity, maxLength: Infinity, limits: { max: ['max_layers'], maxLength: ['max_layers'] }, group: 'view' },
  { key: 'showVal', url: 'showval', type: 'bool', def: true, group: 'view' },
  { key: 'tintRegions', url: 'tint', type: 'bool', def: false, group: 'view' },
  // the past epoch the timeline shows (timeline.js), null: the live run
  { key: 'replay', url: 'replay', type: 'int', def: null, min: 0, max: 2 ** 31 - 1, group: 'local' },
  { key: 'presenter', url: 'presenter', type: 'bool', def: false, group: 'page' },
  // values: CONTROL_GROUPS and the URL keys of the settings above (filled in below)
  { key: 'hide', url: 'hide', type: 'enumList', def: [], values: null, maxLength: 64, group: 'page' },
  // null: no lesson; values: the lesson names (GET /api/lessons), set once known
  { key: 'lesson', url: 'lesson', type: 'enum', def: null, values: null, group: 'page' },
];

const BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));
BY_KEY.get('hide').values = [...CONTROL_GROUPS, ...SETTINGS.filter((s) => s.group !== 'page').map((s) => s.url)];

export function groupOf(key) {
  return BY_KEY.get(key)?.group ?? 'local';
}

export function defaults() {
  const state = {};
  for (const s of SETTINGS) state[s.key] = Array.isArray(s.def) ? [...s.def] : s.def;
  return state;
}

/** Let the table know which dataset names exist (they come from GET /api/datasets). */
export function setDatasetNames(names) {
  BY_KEY.get('dataset').values = names;
  if (names.length && !names.includes(BY_KEY.get('dataset').def)) BY_KEY.get('dataset').def = names[0];
}

let serverLimits = null;

/** Let the table know the server's limits (GET /api/datasets `limits`). */
export function setLimits(limits) {
  serverLimits = limits;
  for (const spec of SETTINGS) {
    for (const [prop, [name, offset = 0]] of Object.entries(spec.limits ?? {})) spec[prop] = limits[name] + offset;
  }
}

/** The server's limits, or null until they are known. */
export function limits() {
  return serverLimits;
}

// whole numbers with thousands separators; a fraction as written (toLocaleString would show 1e-6 as 0)
const count = (v) => (Number.isInteger(v) ? v.toLocaleString('en-US') : String(v));

/** Why `raw` is not a valid value of the setting ("at most 256 units per layer on this server"), or null when it is. */
export function whyInvalid(spec, raw) {
  const list = spec.type.endsWith('List');
  const parts = list ? (raw === '' ? [] : raw.split(',')) : [raw];
  const onServer = (prop) => (spec.limits?.[prop] ? ' on this server' : '');
  if (list && parts.length > spec.maxLength) return `at most ${count(spec.maxLength)} ${spec.lengthUnit ?? 'values'}${onServer('maxLength')}`;
  for (const part of parts) {
    if (parseScalar(spec, part) !== undefined) continue;
    const v = Number(part);
    const isInt = spec.type.startsWith('int');
    if (spec.min !== undefined && part.trim() !== '' && Number.isFinite(v) && (!isInt || Number.isInteger(v))) {
      const unit = spec.unit ? ` ${spec.unit}` : '';
      if (v > spec.max) return `at most ${count(spec.max)}${unit}${onServer('max')}`;
      if (v < spec.min) return `at least ${count(spec.min)}${unit}`;
    }
    if (spec.type.startsWith('enum') && spec.unit && part !== '') return `unknown ${spec.unit} ${shorten(part)}`;
    return isInt ? 'not a whole number' : spec.type.startsWith('float') ? 'not a number' : 'not a valid value';
  }
  return null;
}

/** Weights and biases of a network with these hidden layer sizes and `outputs` output units. */
export function paramCount(hidden, outputs) {
  const sizes = [INPUTS, ...hidden, outputs];
  return sizes.slice(1).reduce((sum, n, i) => sum + (sizes[i] + 1) * n, 0);
}

/** Output units for a state with k classes. */
export function outputUnits(state, k) {
  return state.output === 'sigmoid' ? 1 : k;
}

/**
 * Why the server would refuse these hidden layers for `outputs` output units
 * ("8 × 128 = 116,226 parameters; this server allows 100,000"), or null.
 */
export function architectureProblem(hidden, outputs) {
  if (!serverLimits) return null;
  if (hidden.length > serverLimits.max_layers) return `${hidden.length} hidden layers; this server allows ${serverLimits.max_layers}`;
  const n = paramCount(hidden, outputs);
  if (n <= serverLimits.max_params) return null;
  const layers = hidden.length > 1 && hidden.every((u) => u === hidden[0]) ? `${hidden.length} × ${hidden[0]}` : `${hidden.join(', ')} units`;
  return `${layers} = ${count(n)} parameters; this server allows ${count(serverLimits.max_params)}`;
}

/** Let the table know which lessons exist (GET /api/lessons). */
export function setLessonNames(names) {
  BY_KEY.get('lesson').values = names;
}

const shorten = (text) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

function invalidNote(spec, raw) {
  const why = whyInvalid(spec, raw);
  if (why?.startsWith('unknown')) return why;
  return why ? `${spec.url}=${shorten(raw)}: ${why}` : `ignored ${spec.url}=${shorten(raw)}`;
}

function parseScalar(spec, raw) {
  switch (spec.type.replace('List', '')) {
    case 'int': {
      if (!/^-?\d+$/.test(raw)) return undefined;
      const v = Number(raw);
      return v >= spec.min && v <= spec.max ? v : undefined;
    }
    case 'float': {
      const v = Number(raw);
      return raw !== '' && Number.isFinite(v) && v >= spec.min && v <= spec.max ? v : undefined;
    }
    case 'bool':
      return raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : undefined;
    case 'enum':
      return raw !== '' && (!spec.values || spec.values.includes(raw)) ? raw : undefined;
    default:
      return undefined;
  }
}

/** One setting from its text form, or undefined when the text is not a valid value. */
export function parseSetting(spec, raw) {
  if (!spec.type.endsWith('List')) return parseScalar(spec, raw);
  const parts = raw === '' ? [] : raw.split(',');
  if (parts.length > spec.maxLength) return undefined;
  const values = parts.map((p) => parseScalar(spec, p));
  return values.includes(undefined) ? undefined : values;
}

function formatSetting(spec, value) {
  if (value === null) return '';
  if (spec.type === 'bool') return value ? '1' : '0';
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** Keep settings that depend on each other consistent (one activation per hidden layer). */
export function normalise(state) {
  const hidden = state.hidden.slice(0, BY_KEY.get('hidden').maxLength);
  const activations = hidden.map((_, i) => state.activations[i] ?? state.activations.at(-1) ?? 'relu');
  const units = hidden[0] ?? 0;
  return {
    ...state,
    hidden,
    activations,
    hiddenLines: state.hiddenLines.filter((u) => u < units),
    curveLayers: state.curveLayers.filter((l) => l <= hidden.length),
  };
}

/**
 * State from a query string: unknown keys and invalid values are dropped and
 * reported in `notes` with the reason, never thrown. classesOf(state): the
 * number of classes the state's data has, for the parameter limit.
 */
export function fromQuery(search, base = defaults(), classesOf = () => 2) {
  const params = new URLSearchParams(search);
  const state = { ...base };
  const notes = [];
  const byUrl = new Map(SETTINGS.map((s) => [s.url, s]));
  for (const [name, raw] of params) {
    const spec = byUrl.get(name);
    const value = spec ? parseSetting(spec, raw) : undefined;
    if (!spec) notes.push(`unknown setting ${shorten(name)}`);
    else if (value === undefined) notes.push(invalidNote(spec, raw));
    else state[spec.key] = value;
  }
  const problem = architectureProblem(state.hidden, outputUnits(state, classesOf(state)));
  if (problem) {
    notes.push(`hidden=${shorten(state.hidden.join(','))}: ${problem}`);
    Object.assign(state, { hidden: [...base.hidden], activations: [...base.activations] });
  }
  return { state: normalise(state), notes };
}

/**
 * The query string for a state: only settings that differ from the defaults.
 * Commas stay commas (`hidden=8,4`), so people can read and write links.
 */
export function toQuery(state) {
  const params = new URLSearchParams();
  const def = defaults();
  for (const spec of SETTINGS) {
    const text = formatSetting(spec, state[spec.key]);
    if (text !== formatSetting(spec, def[spec.key])) params.set(spec.url, text);
  }
  return params.toString().replace(/%2C/g, ',');
}

/**
 * The one state object, with change notification. `set` returns the keys that
 * really changed.
 */
export class Store {
  constructor(initial) {
    this.state = normalise(initial);
    this.listeners = [];
  }

  subscribe(fn) {
    this.listeners.push(fn);
  }

  /**
   * meta.silent: change without telling the listeners (the caller has already
   * done what the change needs); meta.force: tell them even if nothing changed.
   * Listeners get (changedKeys, state, meta, previousState).
   */
  set(patch, meta = {}) {
    const previous = this.state;
    const next = normalise({ ...this.state, ...patch });
    const changed = Object.keys(next).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(previous[k]));
    if (!changed.length && !meta.force) return changed;
    this.state = next;
    if (!meta.silent) for (const fn of this.listeners) fn(changed, next, meta, previous);
    return changed;
  }
}
