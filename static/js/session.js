// The run as the page knows it: the last decoded frame, the whole history, the
// data points, and snapshots for undo. It talks to the server through api.js
// and turns state changes into the right request (see docs/design.md).

import { createBody, dataBody, networkBody, pointsBody, trainingBody, viewFor } from './contract.js';
import { HISTORY_KEYS, emptyHistory } from './curves.js';
import { decodeFrame } from './frame.js';

const UNDO_DEPTH = 20;
// Thumbnails are most of a playing frame's bytes and several ms of server time:
// while advance frames stream, every THUMB_EVERY-th asks for them and the frames
// between keep showing the last ones (a few steps old). Every other request
// (a change, a reset, a refresh) gets fresh ones.
export const THUMB_EVERY = 4;
// A session recreated from weights mid-run (undo, resume) goes on with a fresh
// optimizer and shuffle: exact weights, but not what its settings replay to.
export const MIDWAY = 'the run was recreated mid-way from its weights (its optimizer and shuffle start afresh)';

export class Session {
  /** api: Api; getState: () => state; options: {thumbnails: () => bool, curveLayers: () => [layer]} */
  constructor(api, getState, options = {}) {
    this.api = api;
    this.getState = getState;
    this.options = options;
    this.frame = null;
    this.history = emptyHistory();
    this.points = { train: [], val: [] };
    this.data = { source: 'generated' }; // or {source: 'file', text, valText, name}
    this.edited = false; // points drawn or removed: data the settings no longer describe
    this.departure = null; // why the weights are no longer those the settings replay to, or null
    this.undoStack = [];
    this._ingestTail = Promise.resolve();
    api.recreate = async () => this._resumeBody();
    api.onRecreated = (answer) => {
      if (answer.frame.counters.step) this.depart(MIDWAY);
      return this.ingest(answer.frame);
    };
  }

  /** Why a settings-only link would not reproduce this run (share.js then carries the weights), or null. */
  get notReplayable() {
    if (this.data.source !== 'generated') return 'the data are not a generated set';
    if (this.edited) return 'points were drawn or removed';
    return this.departure;
  }

  /** The run left what its settings replay to (the weights stay): `reason` says how. */
  depart(reason) {
    this.departure ??= reason;
  }

  get lastEpoch() {
    return this.history.epoch.at(-1) ?? 0;
  }

  view({ fresh = false, streaming = false } = {}) {
    this._streamed = streaming ? (this._streamed ?? 0) + 1 : 0;
    const wanted = this.options.thumbnails?.() ?? true;
    const due = !streaming || !this.frame?.thumbnails || this._streamed % THUMB_EVERY === 0;
    return viewFor(this.getState(), {
      sinceEpoch: fresh ? 0 : this.lastEpoch,
      thumbnails: wanted && due,
      extraCurveLayers: this.options.curveLayers?.() ?? [],
    });
  }

  /**
   * Merge a frame into what the page holds; returns the decoded frame. Frames
   * are merged strictly in arrival order even though decoding is asynchronous.
   */
  ingest(raw) {
    return this._merge(() => decodeFrame(raw));
  }

  /** ingest's merge; decode() gives the decoded frame (an advance's comes decoded from api.js). */
  _merge(decode) {
    const merged = this._ingestTail.then(async () => {
      const start = performance.now();
      const frame = await decode();
      performance.measure('crease:decode', { start, end: performance.now() });
      this._mergeHistory(frame.history, frame.counters.epoch);
      if (frame.points) this.points = frame.points;
      if (!frame.thumbnails && this.frame?.thumbnails && sameLayers(frame.layers, this.frame.layers)) {
        frame.thumbnails = this.frame.thumbnails;
        frame.thumbnailsStale = true; // the play loop redraws them when it stops
      }
      this.frame = frame;
      return frame;
    });
    this._ingestTail = merged.catch(() => {});
    return merged;
  }

  /** Resolves once every frame received so far is merged. */
  settled() {
    return this._ingestTail;
  }

  _mergeHistory(incoming, epochNow) {
    const held = this.history;
    const keepUpTo = Math.min(incoming ? incoming.from_epoch : Infinity, epochNow);
    const cut = held.epoch.findIndex((e) => e > keepUpTo);
    if (cut >= 0) for (const k of HISTORY_KEYS) held[k].length = cut;
    if (!incoming) return;
    const last = held.epoch.at(-1) ?? -Infinity;
    incoming.epoch.forEach((e, i) => {
      if (e <= last) return;
      for (const k of HISTORY_KEYS) held[k].push(incoming[k]?.[i] ?? null);
    });
  }

  async create() {
    const state = this.getState();
    const answer = await this.api.create(createBody(state, dataBody(state, this.data), { view: this.view({ fresh: true }) }));
    return this.ingest(answer.frame);
  }

  /**
   * The server's session drawn afresh with its points (a reload found its id).
   * When the server has let it go, api.js recreates it from what restore() put here.
   */
  reopen() {
    const view = this.view({ fresh: true });
    return this._call(() => this.api.frame({ view: { ...view, include: [...view.include, 'points'] } }));
  }

  /** A session of its own that goes on exactly where this one is (optimizer and shuffle included). */
  async fork() {
    const exported = await this.api.sessionRequest('GET', '/export?format=json');
    const answer = await this.api.request('POST', '/api/sessions/import', { ...exported, view: this.view({ fresh: true }) });
    this.api.sessionId = answer.session;
    return this.ingest(answer.frame);
  }

  /** What a tab kept (tab-run.js): exact weights, counters, history, points, data. */
  restore(copy) {
    const weights = copy.weights.map(({ W, W0 }) => ({ m: W.length, n: W0.length, W: Float64Array.from(W.flat()), W0: Float64Array.from(W0) }));
    this.frame = { weights, counters: copy.counters };
    this.history = copy.history;
    this.points = copy.points;
    this.data = copy.data;
    this.edited = Boolean(copy.edited);
    this.departure = copy.departure ?? null;
  }

  /** streaming: a frame of the play loop (it may reuse the last thumbnails). */
  async advance(amount, { streaming = false } = {}) {
    const frame = await this.api.advance({ ...amount, view: this.view({ streaming }) });
    return this._merge(() => frame);
  }

  /** The current state drawn again (the view changed: curves of another layer, thumbnails). */
  refresh() {
    return this._call(() => this.api.frame({ view: this.view() }));
  }

  /** Rate, batch size, optimizer, weight decay: the weights stay. */
  patchTraining() {
    const at = this.frame?.counters;
    if (at?.step) this.depart(`the training settings changed at epoch ${at.epoch}, step ${at.step}`);
    return this._call(() => this.api.patchTraining({ ...trainingBody(this.getState()), view: this.view() }));
  }

  reset() {
    return this.undoable('reset', () => {
      this.departure = null;
      return this._call(() => this.api.reset({ seed: this.getState().seed, view: this.view({ fresh: true }) }));
    });
  }

  /**
   * New weights' seed: the weights are drawn again from it at once, so what is
   * on the screen is always what the settings (and a link) say. undoable: false
   * when a data or network change in the same edit takes the undo step.
   */
  reseed(previous, { undoable = true } = {}) {
    const change = () => {
      this.departure = null;
      return this._call(() => this.api.reset({ seed: this.getState().seed, view: this.view({ fresh: true }) }));
    };
    return undoable ? this.undoable('seed change', change, previous) : change();
  }

  /** New architecture (re-initialises); `previous` is the state before the change, for undo. */
  changeNetwork(previous) {
    return this.undoable('architecture change', () => {
      this.departure = null;
      return this._call(() => this.api.putNetwork({ ...networkBody(this.getState()), view: this.view({ fresh: true }) }));
    }, previous);
  }

  /**
   * New data (re-initialises): generated from the state, or `data` = an uploaded
   * file. withNetwork: send the state's network first (a sigmoid output has to
   * become softmax before data with more than two classes); one undo step.
   */
  changeData(previous, data = { source: 'generated' }, { withNetwork = false, label = 'data change' } = {}) {
    return this.undoable(label, async () => {
      if (withNetwork) await this.api.putNetwork({ ...networkBody(this.getState()), view: this.view({ fresh: true }) });
      const frame = await this._call(() => this.api.putData({ ...dataBody(this.getState(), data), view: this.view({ fresh: true }) }));
      this.data = data;
      this.edited = false;
      this.departure = null;
      return frame;
    }, previous);
  }

  /** layer: 1 for W^1 (the homework's numbering); the API's `layer` counts from 0. */
  setWeight({ layer, kind, i, j, value }) {
    const body = kind === 'W' ? { layer: layer - 1, kind, i, j, value } : { layer: layer - 1, kind, j, value };
    return this.undoable('weight edit', () => {
      this.depart('a weight was set by hand');
      return this._call(() => this.api.putWeights({ ...body, view: this.view() }));
    });
  }

  /** Add a point of class `label` at (x, y) to the training set. */
  addPoint(x, y, label) {
    return this.undoable('drawn point', async () => {
      const frame = await this._call(() => this.api.points({ add: [{ x: [x, y], label, split: 'train' }], view: this.view() }));
      this.edited = true;
      return frame;
    });
  }

  /** Remove the point nearest to (x, y), training or validation; null when there are none. */
  async removeNearest(x, y) {
    let best = null;
    for (const split of ['train', 'val']) {
      this.points[split].forEach((p, index) => {
        const d = Math.hypot(p[0] - x, p[1] - y);
        if (!best || d < best.d) best = { split, index, d };
      });
    }
    if (!best) return null;
    return this.undoable('removed point', async () => {
      const frame = await this._call(() => this.api.points({ remove: [{ split: best.split, index: best.index }], view: this.view() }));
      this.edited = true;
      return frame;
    });
  }

  /**
   * Run `change` (a request that changes the run) as one undo step labelled
   * `label`; `state`: the settings before it. A refused change leaves nothing to undo.
   */
  async undoable(label, change, state = this.getState()) {
    const kept = this.snapshot(label, state);
    try {
      return await change();
    } catch (err) {
      if (kept) this.undoStack.pop();
      throw err;
    }
  }

  /** Keep what is needed to come back to the current run (settings + weights + data); false when there is no run yet. */
  snapshot(label, state = this.getState()) {
    if (!this.frame) return false;
    this.undoStack.push({
      label,
      state: structuredClone(state),
      data: this.data,
      edited: this.edited,
      departure: this.departure,
      points: this.points,
      weights: this.frame.weights,
      counters: this.frame.counters,
      history: structuredClone(this.history),
    });
    if (this.undoStack.length > UNDO_DEPTH) this.undoStack.shift();
    return true;
  }

  get canUndo() {
    return this.undoStack.length > 0;
  }

  get undoLabel() {
    return this.undoStack.at(-1)?.label ?? null;
  }

  /**
   * Go back to the last snapshot: a new session created with `resume` from the
   * settings, points and weights the page kept. Returns {state, frame, label}.
   */
  async undo() {
    const snap = this.undoStack.pop();
    if (!snap) return null;
    const body = createBody(snap.state, pointsBody(snap.points), {
      view: viewFor(snap.state, { sinceEpoch: 0, thumbnails: this.options.thumbnails?.() ?? true }),
      resume: { weights: snap.weights, counters: snap.counters, history: snap.history },
    });
    const oldId = this.api.sessionId;
    const answer = await this.api.create(body);
    this.api.discard(oldId);
    this.data = snap.data;
    this.edited = snap.edited;
    this.departure = snap.departure ?? (snap.counters.step ? MIDWAY : null);
    const frame = await this.ingest(answer.frame);
    return { state: snap.state, frame, label: snap.label };
  }

  /** SessionCreate that recreates the run the page holds; throws when it holds none (never a silent fresh start). */
  _resumeBody() {
    if (!this.frame) throw new Error('the server no longer has this run and the page holds no copy of it');
    return createBody(this.getState(), pointsBody(this.points), {
      view: this.view({ fresh: true }),
      resume: { weights: this.frame.weights, counters: this.frame.counters, history: this.history },
    });
  }

  async _call(request) {
    return this.ingest(await request());
  }
}

/** Whether two frames' networks have the same layer sizes (so thumbnails carry over). */
function sameLayers(a, b) {
  return Boolean(a && b) && a.length === b.length && a.every((l, i) => l.units === b[i].units);
}
