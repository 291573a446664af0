// Request bodies of docs/design.md, built from the state object. The only file
// that knows the API's field names for settings.

export const GRID_RESOLUTION = 100;
export const THUMB_SIZE = 16;

export function networkBody(state) {
  return { hidden: state.hidden, activations: state.activations, output: state.output, init: state.init };
}

export function trainingBody(state) {
  return {
    optimizer: state.optimizer,
    lr: state.lr,
    momentum: state.momentum,
    batch_size: state.batchSize,
    weight_decay: state.weightDecay,
  };
}

/**
 * DataSettings for the state. `data` is what the page holds beyond the state:
 * {source: 'generated', classRange: [lo, hi]} (the dataset's class counts), or
 * {source: 'file', text, valText, name} for an uploaded file.
 */
export function dataBody(state, data = { source: 'generated' }) {
  if (data.source === 'file') {
    const body = { source: 'file', text: data.text, val_share: state.valShare, seed: state.dataSeed };
    if (data.valText) body.val_text = data.valText;
    return body;
  }
  const body = { source: 'generated', name: state.dataset, n: state.n, val_share: state.valShare, seed: state.dataSeed };
  if (state.noise !== null) body.noise = state.noise;
  if (state.classes !== null && data.classRange && data.classRange[0] !== data.classRange[1]) body.classes = state.classes;
  return body;
}

/** Points held by the page as DataSettings (exact, whatever produced them). */
export function pointsBody(points) {
  return { source: 'points', train: points.train, val: points.val };
}

/** View: what the frame should carry. extraCurveLayers: deeper layers wanted beyond the state's (a selected unit). */
export function viewFor(state, { sinceEpoch = 0, thumbnails = true, extraCurveLayers = [] } = {}) {
  const include = [];
  if (thumbnails) include.push('thumbnails');
  const curveLayers = [...new Set([...state.curveLayers, ...extraCurveLayers])].filter((l) => l >= 2 && l <= state.hidden.length).sort((a, b) => a - b);
  if (curveLayers.length) include.push('curves');
  // dead units and the linear-region count (creases.js); each cell's region for the tint view
  if (state.hidden.length) include.push(state.tintRegions ? 'tint' : 'regions');
  const view = { grid: GRID_RESOLUTION, since_epoch: sinceEpoch, include, thumb: THUMB_SIZE };
  if (curveLayers.length) view.curve_layers = curveLayers;
  return view;
}

/** Weights decoded from a frame back into the JSON form that `resume` takes. */
export function weightsJson(weights) {
  return weights.map(({ m, n, W, W0 }) => ({
    W: Array.from({ length: m }, (_, i) => Array.from(W.subarray(i * n, (i + 1) * n))),
    W0: Array.from(W0),
  }));
}

/** SessionCreate; with `resume` ({weights, counters, history}) it recreates a run the page holds. */
export function createBody(state, data, { view, resume = null } = {}) {
  const body = {
    data,
    network: networkBody(state),
    training: trainingBody(state),
    seed: state.seed,
    view,
  };
  if (resume) {
    body.resume = {
      weights: weightsJson(resume.weights),
      step: resume.counters.step,
      epoch: resume.counters.epoch,
      history: resume.history,
    };
  }
  return body;
}
