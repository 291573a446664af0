// Wires the page: the state object, the session, the charts and the controls.
// Every change of a setting goes through the store; this file decides which
// request it needs and redraws from the session's latest frame.

import { Api, ApiError } from './api.js';
import { BackpropWalk } from './backprop-walk.js';
import { Classroom } from './classroom.js';
import { Controls } from './controls.js';
import { DataChanges } from './data-changes.js';
import { Curves } from './curves.js';
import { DivergenceNote } from './divergence.js';
import { subText, supText } from './dom.js';
import { NetworkDiagram } from './network.js';
import { Plane } from './plane.js';
import { openTrial, pendingTrial } from './open-trial.js';
import { mountHomework } from './playground-homework.js';
import { Status, degradedNote, showNumbers, showPlaying } from './readouts.js';
import { SettingsDrawer } from './drawer.js';
import { Session } from './session.js';
import { SETTINGS, Store, defaults, fromQuery, groupOf, setDatasetNames, setLimits, toQuery } from './state.js';
import { answerForSession, forgetKeptRun, heldElsewhere, keepRun, keptRun, unsaved } from './tab-run.js';
import { Timeline } from './timeline.js';
import { Trainer } from './trainer.js';
import { BusyHint } from './busy-hint.js';

const $ = (id) => document.getElementById(id);
const status = new Status($('status'));

const api = new Api({
  onStatus(kind, detail) {
    if (kind === 'retrying') status.show(`Connection problem (${detail.reason}): retrying in ${Math.round(detail.delayMs / 100) / 10} s…`, 'warn', 0);
    else if (kind === 'online') status.show('Connected again.', 'info', 4);
    else if (kind === 'resumed') status.show('Resumed: the server had let this session go, so the page recreated it from its own copy.', 'info', 10);
  },
});

const query = fromQuery(window.location.search);
const store = new Store(query.state);
const ui = { selected: null, hovered: null, showActivation: false, drawing: false, drawClass: 0 };

function selectUnit(unit) {
  ui.selected = unit;
  if (!unit) ui.showActivation = false;
  showUnitButton();
  updateHighlight();
  if (unit && unit.layer >= 2 && !session.frame?.curves?.[String(unit.layer)]) refreshView();
}

function hoverUnit(unit) {
  ui.hovered = unit;
  updateHighlight();
}

// a unit's line on the plane and its node in the diagram point at each other
const plane = new Plane($('plane'), { onClick: onPlaneClick, onLineHover: hoverUnit, onLineSelect: selectUnit });
const network = new NetworkDiagram($('network'), {
  onEdit: (edit) => run(() => session.setWeight(edit)),
  onSelect: selectUnit,
  onHover: hoverUnit,
});
const curves = new Curves($('curves'));
const session = new Session(api, () => store.state, {
  thumbnails: () => network.wantsThumbnails || ui.showActivation,
  curveLayers: () => (ui.selected && ui.selected.layer >= 2 ? [ui.selected.layer] : []),
});
const controls = new Controls(store, {
  onUpload: (files) => track(data.upload(files)),
  onDrawChange: ({ drawing, drawClass }) => {
    ui.drawing = drawing;
    ui.drawClass = drawClass;
    $('plane').classList.toggle('drawing', drawing);
  },
});
// data settings, uploads and the data panel (data-changes.js)
const data = new DataChanges({ store, session, api, controls, run, refused, render }, $('upload-note'));
const trainer = new Trainer(session, {
  render: () => render(),
  amount: () => ({ [store.state.speedUnit]: store.state.speed }),
  onChange: (playing) => {
    showPlaying(playing);
    if (!playing) render(); // the curves and the links canvas, thinned out while playing, catch up
  },
  onError: reportError,
  onPace: (pacing) => busyHint.update(pacing),
});
const busyHint = new BusyHint($('busy-hint'));
// the inspector in the side panel and the export/import bar (playground-homework.js);
// the inspector's point walked through on the network diagram (backprop-walk.js)
const walk = new BackpropWalk({ network, bar: $('walk-bar'), pause: () => trainer.pause() });
const homework = mountHomework({ api, session, store, controls, walk, run: (request) => run(request), status: (text, kind, seconds) => status.show(text, kind, seconds), mark: (at) => plane.setMarker(at) },
  { panel: $('side-panel'), exportBar: $('export-bar') });
walk.inspector = homework.inspector;
// share links, presenter mode, keyboard, hide=, the live region (classroom.js)
const classroom = new Classroom({ store, session, api, trainer, plane, network, curves, status, render: () => render(), track: (p) => track(p) });
// the run's past epochs under the curves (timeline.js): while one is shown, it is what the charts draw
const timeline = new Timeline({ store, session, api, trainer, status, render: () => render(), track: (p) => track(p) }, $('curves'));

// ---------- drawing ----------

function measure(name, start) {
  performance.measure(name, { start, end: performance.now() });
}

let paintQueued = null;

/** Draw the session's latest frame on the next animation frame (coalesced). */
function render() {
  if (!paintQueued) {
    paintQueued = new Promise((resolve) => {
      requestAnimationFrame(() => {
        paintQueued = null;
        paint();
        resolve();
      });
    });
  }
  return paintQueued;
}

function paint() {
  const frame = timeline.shown ?? session.frame;
  if (!frame) return;
  const state = store.state;
  if (api.timing) {
    const { sentAt, fetchMs, serverMs } = api.timing;
    performance.measure('crease:fetch', { start: sentAt, duration: fetchMs, detail: { serverMs } });
    api.timing = null;
  }
  let t = performance.now();
  plane.render({ ...frame, points: session.points }, { ...state, activation: ui.showActivation ? ui.selected : null });
  measure('crease:react-plane', t);
  t = performance.now();
  network.render(frame, { live: trainer.playing });
  network.setDead(frame.regions?.dead ?? []);
  measure('crease:draw-network', t);
  walk.follow(frame, trainer.playing);
  // While playing, the curves extend their lines on a canvas (Plotly redraws
  // only when an axis grows); paused, they are one Plotly figure again.
  t = performance.now();
  curves.render(session.history, { live: trainer.playing, mark: timeline.epoch });
  measure('crease:react-curves', t);
  timeline.follow(session.frame, trainer.playing);
  showNumbers(frame);
  data.describe();
  controls.setClassCount(frame.grid?.nClasses ?? frame.layers.at(-1).units);
  $('undo').disabled = !session.canUndo;
  $('undo').title = session.canUndo ? `Undo the last ${session.undoLabel}` : 'Nothing to undo';
  const at = frame.state === 'diverged' ? frame.divergedAt ?? frame.counters : null;
  // one word fits the top bar; the whole message is above the plane
  status.setSticky(at ? 'Diverged' : degradedNote(frame.degraded), at ? 'warn' : 'info');
  divergence.update(at, store.state.lr, LR.min);
  if (continueAfterLowering && !at) {
    continueAfterLowering = false;
    trainer.play();
  }
}

function showUnitButton() {
  const button = $('show-unit');
  button.hidden = !ui.selected;
  button.setAttribute('aria-pressed', String(ui.showActivation));
  if (ui.selected) button.textContent = `a${supText(ui.selected.layer)}${subText(ui.selected.unit + 1)} over the plane`;
}

function updateHighlight() {
  plane.setHighlight(ui.hovered ?? ui.selected);
  network.setSelected(ui.selected);
  network.setLinked(ui.hovered);
}

// ---------- changes ----------

function reportError(err) {
  if (err instanceof ApiError) status.show(`The server refused: ${err.message}`, 'warn', 10);
  else status.show(`Something went wrong: ${err.message}`, 'warn', 10);
  console.warn(err);
}

let busy = 0;

/** Count an action as busy until it settles (tests and benchmarks wait for quiet). */
async function track(promise) {
  busy += 1;
  try {
    return await promise;
  } finally {
    busy -= 1;
  }
}

/** Run a request that returns a frame, then draw it. onRefused(err): the server said no (4xx). */
function run(request, onRefused = null) {
  return track((async () => {
    try {
      await request();
      await render();
    } catch (err) {
      if (onRefused && err instanceof ApiError && err.status >= 400 && err.status < 500) onRefused(err);
      else reportError(err);
    }
  })());
}

/** A change the server refused: the controls go back to what it runs, with its reason beside them. */
function refused(changed, previous) {
  return (err) => {
    store.set(Object.fromEntries(changed.map((k) => [k, previous[k]])), { silent: true });
    controls.sync(store.state);
    writeUrl();
    controls.showRefusal(changed, `The server refused: ${err.message}`);
  };
}

function refreshView() {
  return run(() => session.refresh());
}

// The one-click way on after a divergence: the store sets the rate (so the
// field, the URL and the server agree), and the frame that comes back no
// longer diverged starts play again.
const LR = SETTINGS.find((s) => s.key === 'lr'); // its min is the server's once the limits are known
let continueAfterLowering = false;
const divergence = new DivergenceNote(document.getElementById('divergence'), (lr) => {
  continueAfterLowering = true;
  store.set({ lr });
});

store.subscribe((changed, state, meta, previous) => {
  controls.sync(state);
  writeUrl();
  const groups = new Set(changed.map(groupOf));
  const reinitialised = meta.force === 'data' || groups.has('data') || groups.has('network');
  // a new seed takes effect at once (queued first: a data or network change re-initialises from it)
  if (groups.has('init')) run(() => session.reseed(previous, { undoable: !reinitialised }));
  if (meta.force === 'data' || groups.has('data')) data.apply(changed, previous, meta);
  else if (groups.has('network')) run(() => session.changeNetwork(previous), refused(changed, previous));
  if (groups.has('training')) run(() => session.patchTraining(), refused(changed.filter((k) => groupOf(k) === 'training'), previous));
  if (groups.has('view')) {
    if (changed.includes('curveLayers') || changed.includes('tintRegions')) refreshView();
    else render();
  }
});

/** point: the data point [x1, x2, label] clicked, or null: the inspector shows it with its own label as the target. */
async function onPlaneClick(x, y, ev, point) {
  if (!ui.drawing) {
    // the inspector computes with the live network: a past epoch on screen gives way first
    if (timeline.shown) {
      await timeline.goTo(null);
      status.show('Back to the live run: the inspector works on the network as it is now.', 'info', 6);
    }
    return track(point ? homework.inspect([point[0], point[1]], point[2]) : homework.inspect([x, y]));
  }
  // a finger has no shift key: a tap on a point takes it away; a click always adds
  // (points drawn close together), shift-click takes the nearest away
  if (point && ev.pointerType === 'touch') run(() => session.removeNearest(point[0], point[1]));
  else if (ev.shiftKey) run(() => session.removeNearest(x, y));
  else run(() => session.addPoint(x, y, ui.drawClass));
}

async function undo() {
  trainer.pause();
  try {
    const result = await session.undo();
    if (!result) return;
    store.set(result.state, { silent: true });
    if (session.data.source !== 'file') controls.clearFiles(); // the file inputs show the data in use
    controls.sync(store.state);
    writeUrl();
    await render();
    status.show(`Undone: ${result.label}.`, 'info', 4);
  } catch (err) {
    reportError(err);
  }
}

let urlTimer = null;
function writeUrl() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    const q = toQuery(store.state);
    window.history.replaceState(null, '', q ? `?${q}` : window.location.pathname);
  }, 250);
}

// ---------- layout ----------

function watchSizes() {
  const fit = () => {
    const box = $('plane').getBoundingClientRect();
    plane.resize(Math.floor(Math.max(240, Math.min(box.width, box.height))));
    const net = $('network').getBoundingClientRect();
    network.resize(Math.floor(net.width), Math.floor(net.height));
    const cv = $('curves').getBoundingClientRect();
    curves.resize(Math.floor(cv.width), Math.floor(cv.height));
  };
  const observer = new ResizeObserver(fit);
  // the charts' boxes too: presenter mode changes the columns, not the workspace
  for (const id of ['workspace', 'plane', 'network', 'curves']) observer.observe($(id));
  fit();
}

function bindTransport() {
  $('play').addEventListener('click', () => trainer.toggle());
  $('step').addEventListener('click', () => track(trainer.once({ steps: 1 })));
  $('epoch-step').addEventListener('click', () => track(trainer.once({ epochs: 1 })));
  $('reset').addEventListener('click', () => {
    trainer.pause();
    run(() => session.reset());
  });
  $('undo').addEventListener('click', () => track(undo()));
  $('show-unit').addEventListener('click', () => {
    ui.showActivation = !ui.showActivation;
    showUnitButton();
    if (ui.showActivation && !session.frame?.thumbnails) refreshView();
    else render();
  });
  new SettingsDrawer({ toggle: $('controls-toggle'), close: $('controls-close'), panel: $('controls'), workspace: $('workspace') });
  // The session stays on the server (until it expires): a reload, Back/Forward
  // or a reopened tab comes back to it (tab-run.js).
  const keep = () => keepRun(session, toQuery(store.state));
  answerForSession(api);
  window.addEventListener('pagehide', keep);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && keep());
  window.addEventListener('beforeunload', (ev) => {
    if (!unsaved(session)) return;
    ev.preventDefault();
    ev.returnValue = ''; // Chrome before 119 asks only when this is set
  });
}

/**
 * This tab's run after a reload or Back/Forward: the server's session when it
 * still has it (optimizer and shuffle included: the next step is the one an
 * uninterrupted run takes), else the page's copy (api.js recreates it), else a
 * fresh start that says so.
 */
let lostRun = false;

async function resumeRun(kept) {
  api.sessionId = kept.id;
  if (kept.copy) session.restore(kept.copy);
  const elsewhere = heldElsewhere(kept.id); // a duplicated tab: the original answers meanwhile
  try {
    await session.reopen();
    // (recreated from the copy: api.js has said so)
    if (api.sessionId === kept.id && await elsewhere) {
      await session.fork();
      status.show('This run is open in another tab too: this tab goes on with its own copy.', 'info', 8);
    } else if (api.sessionId === kept.id) {
      status.show(`Resumed this tab's run at epoch ${session.frame.counters.epoch}.`, 'info', 6);
    }
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404) && kept.copy) throw err;
    lostRun = true;
    session.frame = null;
    await session.create();
  }
}

/** The link read again now that the dataset names and the server's limits are known: what they rule out goes, with the reason. */
function checkLink(datasets) {
  const classesOf = (s) => s.classes ?? datasets.find((d) => d.name === s.dataset)?.classes ?? 2;
  const checked = fromQuery(window.location.search, defaults(), classesOf);
  const patch = Object.fromEntries(Object.keys(checked.state)
    .filter((k) => JSON.stringify(checked.state[k]) !== JSON.stringify(query.state[k])).map((k) => [k, checked.state[k]]));
  query.notes = checked.notes;
  store.set(patch, { silent: true });
  controls.sync(store.state);
}

async function start() {
  bindTransport();
  await Promise.all([plane.init(), curves.init()]);
  watchSizes();
  try {
    const { datasets: list, limits } = await api.datasets();
    setDatasetNames(list.map((d) => d.name));
    setLimits(limits);
    controls.setDatasets(list);
    checkLink(list);
    session.data = data.generated();
    const kept = keptRun(toQuery(store.state));
    if (pendingTrial()) {
      await openTrial({ api, session, store, controls, status }, pendingTrial());
    } else if (kept) {
      await resumeRun(kept);
    } else {
      forgetKeptRun(api, toQuery(store.state));
      await classroom.openSession(() => session.create());
    }
    await render();
    if (store.state.replay !== null) await timeline.goTo(store.state.replay); // a link to a past epoch
  } catch (err) {
    reportError(err);
  }
  await classroom.ready(query.notes);
  if (lostRun) classroom.showNotes(['the server has let it go and this tab kept no copy of it, so it starts afresh from the settings'], 'This tab\'s run is gone: ');
  document.body.dataset.ready = 'true';
}

// For tests, benchmarks and the console: the live objects (read-only use).
window.crease = {
  store, session, trainer, plane, network, curves, api, classroom, walk, timeline,
  idle: () => busy === 0 && !trainer.running && api.pending === 0 && !paintQueued,
};

start();
