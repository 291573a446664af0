// The playground's homework parts: the inspector in the side panel (click the
// plane, or type a point) and the export/import bar. main.js mounts them with
// the page's live objects; everything here goes through the session API.

import { h } from './dom.js';
import { emptyHistory } from './curves.js';
import { Inspector } from './inspector.js';

const FORMATS = [
  ['json', 'JSON', 'The whole run: settings, weights, history and an exact checkpoint (importable)'],
  ['npz', '.npz', 'NumPy arrays W1, W01, W2, ... and the architecture'],
  ['python', 'Python', 'A runnable script in the homework\'s module API: Sequential([Linear(...), ReLU(), ...])'],
  ['pytorch', 'PyTorch', 'A PyTorch script that replays this run: same points, initial weights, batch order and optimizer'],
  ['ipynb', 'Notebook', 'A Jupyter notebook (NumPy and matplotlib) that replays this run in the homework\'s module API'],
];

/** Settings of GET /api/sessions/{id} as the page's state fields. */
export function stateFromSettings(settings) {
  const { network, training, seed } = settings;
  return {
    hidden: network.hidden,
    activations: network.activations,
    output: network.output,
    init: network.init,
    optimizer: training.optimizer,
    lr: training.lr,
    momentum: training.momentum,
    batchSize: training.batch_size,
    weightDecay: training.weight_decay,
    seed,
  };
}

/**
 * page: {api, session, store, controls, run(request), render(), status(text, kind, seconds), mark([x1, x2] | null),
 *   walk: the backprop walkthrough's hooks {start(), probed(result), applying(stage)} (backprop-walk.js), optional}
 * slots: {panel (the side panel), exportBar}. Returns {inspector, inspect(x, label), refresh()}.
 */
export function mountHomework(page, { panel, exportBar }) {
  const { api, session, store } = page;
  const close = () => {
    panel.hidden = true;
    page.mark?.(null);
  };
  const inspector = new Inspector(panel, {
    inputs: 2,
    target: 'class',
    classes: () => session.frame?.grid?.nClasses ?? session.frame?.layers.at(-1).units ?? 2,
    rate: () => store.state.lr,
    onClose: close,
    onPoint: (x) => page.mark?.(x),
    onResult: (result) => page.walk?.probed(result),
    onApply: (stage) => page.walk?.applying(stage),
    onWalk: page.walk ? () => page.walk.start() : null,
    probe: (body) => api.sessionRequest('POST', '/probe', body),
    apply: (body) => page.run(() => session.undoable('inspector step', async () => {
      session.depart('an inspector step was applied');
      return session.ingest(await api.sessionRequest('POST', '/probe/apply', { ...body, view: session.view() }));
    })),
  });

  if (exportBar) {
    const file = h('input', { type: 'file', accept: '.json,application/json', hidden: true, 'data-testid': 'import-file' });
    file.addEventListener('change', () => {
      if (file.files[0]) page.run(() => importFile(file.files[0]));
      file.value = '';
    });
    exportBar.replaceChildren(
      ...FORMATS.map(([format, label, title]) => h('button', {
        class: 'btn btn-small', type: 'button', title, 'data-testid': `export-${format}`,
        onclick: () => download(format),
      }, label)),
      h('button', { class: 'btn btn-small', type: 'button', title: 'Open a JSON export: the run continues exactly where it was', 'data-testid': 'import', onclick: () => file.click() }, 'Import…'),
      file);
  }

  function download(format) {
    if (!api.sessionId) return;
    const a = h('a', { href: `/api/sessions/${encodeURIComponent(api.sessionId)}/export?format=${format}`, download: '' });
    document.body.append(a);
    a.click();
    a.remove();
  }

  async function importFile(f) {
    let doc;
    try {
      doc = JSON.parse(await f.text());
    } catch (err) {
      page.status(`${f.name} is not JSON: ${err.message}`, 'warn', 10);
      return;
    }
    session.snapshot('import');
    const old = api.sessionId;
    const answer = await api.request('POST', '/api/sessions/import', { ...doc, view: session.view({ fresh: true }) });
    api.sessionId = answer.session;
    api.discard(old);
    const info = await api.sessionRequest('GET', '', undefined);
    store.set(stateFromSettings(info.settings), { silent: true });
    page.controls.sync(store.state);
    session.data = { source: 'points' };
    session.history = emptyHistory();
    await session.ingest(answer.frame);
    page.status(`Imported ${f.name}: step ${answer.frame.counters.step}, epoch ${answer.frame.counters.epoch}.`, 'info', 6);
  }

  return {
    inspector,
    /** Show x = [x1, x2]; label: the class of the data point there (the target to start from), or null. */
    inspect(x, label = null) {
      panel.hidden = false;
      return label === null ? inspector.setPoint(x) : inspector.set({ x, target: label });
    },
    /** After the weights changed: probe the open point again. */
    refresh() {
      if (!panel.hidden && inspector.x) inspector.refresh();
    },
  };
}
