// The timeline under the curves: the run's past epochs, which the server keeps
// (server/replay.py, GET /api/sessions/ID/replay). Dragging it (or its arrow
// keys, or a finger) shows the network as it was at a kept epoch: the plane,
// unit lines, diagram and readouts draw that epoch's frame (POST .../replay)
// while training waits; the curves mark it. ▶ replays the kept epochs at a
// chosen speed, "Continue from here" goes on from that epoch's exact weights
// and optimizer state (one undo step), "Back to live" returns. The epoch shown
// is the `replay` setting, so a link points at it.

import { h } from './dom.js';

// kept epochs a second when the replay plays
export const REPLAY_SPEEDS = [2, 5, 10, 20, 50];
const REPLAY_SPEED = 5;
// a link's epoch ahead of the run is trained to, up to this many epochs on
const TRAIN_TO = 2000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Timeline {
  /** ctx: {api, session, store, trainer, render(), track(promise), status}; host: the element it goes after */
  constructor(ctx, host) {
    this.ctx = ctx;
    this.epochs = []; // kept, ascending
    this.epoch = null; // the epoch shown, or null: live
    this.frame = null; // its decoded frame while replaying
    this.playing = false;
    this._listed = null; // the live counters the list was fetched at
    this._build(host);
    ctx.store.subscribe((changed, state, meta) => {
      if (changed.includes('replay') && meta.from !== 'timeline') this._do(this.goTo(state.replay));
    });
  }

  _build(host) {
    const speed = h('select', { id: 'replay-speed', class: 'replay-speed', 'aria-label': 'Replay speed', dataset: { testid: 'replay-speed' }, title: 'Replay speed: kept epochs a second' },
      REPLAY_SPEEDS.map((s) => h('option', { value: s, selected: s === REPLAY_SPEED }, `${s}/s`)));
    // Two lines: the slider's never changes while it is dragged; the actions' shows while replaying.
    this.el = h('div', { class: 'timeline', id: 'replay', role: 'group', 'aria-label': 'Replay the run', dataset: { testid: 'timeline' } },
      h('div', { class: 'timeline-row' },
        this.playButton = h('button', { type: 'button', class: 'btn btn-small btn-icon', 'aria-label': 'Play the replay', 'aria-pressed': 'false', dataset: { testid: 'replay-play' }, title: 'Replay the kept epochs' }, '▶'),
        this.speed = speed,
        this.slider = h('input', { type: 'range', id: 'replay-slider', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Epoch shown (replay)', dataset: { testid: 'replay-slider' } }),
        this.label = h('output', { id: 'replay-epoch', for: 'replay-slider', class: 'replay-epoch', dataset: { testid: 'replay-epoch' }, 'aria-live': 'polite' }, 'live')),
      this.actions = h('div', { class: 'timeline-row timeline-actions', hidden: true },
        this.continueButton = h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'replay-continue' }, title: 'Train on from this epoch (its exact weights and optimizer state); Undo comes back' }, 'Continue from here'),
        this.liveButton = h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'replay-live' }, title: 'Show the run as it is now' }, 'Back to live')));
    this.note = h('p', { class: 'replay-note hint', hidden: true, dataset: { testid: 'replay-note' } });
    host.after(this.el, this.note);
    // while a pointer holds the slider, or a drag's epoch is still on its way, the slider is the user's
    this.slider.addEventListener('pointerdown', (ev) => {
      this._held = ev.pointerType;
      this.ctx.trainer.pause();
      if (ev.pointerType === 'touch') this._touchAt(ev);
    });
    // A finger puts the slider where it is: Chromium's own touch drag of a range
    // input jumps back to where the finger started, so its input events are ignored.
    this.slider.addEventListener('pointermove', (ev) => this._held === 'touch' && this._touchAt(ev));
    for (const type of ['pointerup', 'pointercancel']) window.addEventListener(type, () => { this._held = null; });
    this.slider.addEventListener('focus', () => this._do(this.list()));
    this.slider.addEventListener('input', (ev) => {
      if (this._held === 'touch' && ev.isTrusted) {
        this.slider.value = this._touchIndex;
        return;
      }
      this.stop();
      this._do(this.goTo(this.epochs[Number(this.slider.value)] ?? null, { index: true }));
    });
    this.playButton.addEventListener('click', () => (this.playing ? this.stop() : this._do(this.play())));
    this.continueButton.addEventListener('click', () => this._do(this.continueHere()));
    this.liveButton.addEventListener('click', () => this._do(this.goTo(null)));
  }

  /** Run an action as the page's busy work; a refusal or a lost connection is said in the status line. */
  _do(promise) {
    return this.ctx.track(promise).catch((err) => {
      this.stop();
      this.ctx.status.show(`The replay stopped: ${err.message}`, 'warn', 10);
    });
  }

  _touchAt(ev) {
    const box = this.slider.getBoundingClientRect();
    const share = Math.min(1, Math.max(0, (ev.clientX - box.left) / box.width));
    const index = String(Math.round(share * Number(this.slider.max)));
    if (index === this._touchIndex && this.epoch !== null) return;
    this._touchIndex = index;
    this.slider.value = index;
    this.slider.dispatchEvent(new Event('input'));
  }

  /** The frame to draw: the replayed epoch's, or null for the live one. */
  get shown() {
    return this.frame;
  }

  /** After each paint: training or any change of the run ends a replay; a paused run's list is fetched anew. */
  follow(live, playing) {
    if (this.frame && (playing || !sameRun(live, this._live))) this._leave();
    if (!playing && live && this._listed !== live) this._do(this.list());
    if (!this.frame) this._sync(live?.counters.epoch);
  }

  /** The kept epochs, from the server. */
  async list() {
    const live = this.ctx.session.frame;
    if (!live || !this.ctx.api.sessionId) return;
    this._listed = live;
    const info = await this.ctx.api.sessionRequest('GET', '/replay');
    this.epochs = info.epochs;
    this._refused = info.refused ? info : null;
    this._sync(live.counters.epoch);
  }

  /**
   * Show `epoch` (null: live). One the run has not reached yet is trained to
   * first (a link to an epoch of a run its settings reproduce); one no longer
   * kept says so in the note.
   */
  async goTo(epoch, { index = false } = {}) {
    const { session, trainer } = this.ctx;
    if (epoch === null || epoch === undefined) return this._leave({ draw: true });
    if (index) this._wanted = epoch; // at once: the slider is the user's until it is shown
    if (!session.frame) return undefined; // before the first frame: start() shows the link's epoch
    trainer.pause();
    await this.ctx.api.settled();
    await session.settled();
    const live = session.frame.counters.epoch;
    if (!index && live < epoch && epoch - live <= TRAIN_TO) await this._trainTo(epoch);
    if (!index) await this.list();
    if (!this.epochs.includes(epoch)) {
      this._say(epoch > session.frame.counters.epoch
        ? `Epoch ${epoch} is beyond this run (epoch ${session.frame.counters.epoch}).`
        : `Epoch ${epoch} is not kept for this run (kept: ${describe(this.epochs)}).`);
      return this._leave({ draw: true });
    }
    this._wanted = epoch;
    if (this._fetching) return this._fetching;
    this._fetching = (async () => {
      try {
        while (this._wanted !== this.epoch || !this.frame) {
          const at = this._wanted;
          const frame = await this.ctx.api.sessionRequest('POST', '/replay', { epoch: at, view: session.view() }, { decode: true });
          if (this._wanted === null) return;
          this.frame = frame;
          this.epoch = at;
          this._live = session.frame;
          this.ctx.store.set({ replay: at }, { from: 'timeline' });
          this._sync();
          await this.ctx.render();
        }
      } finally {
        this._fetching = null;
      }
    })();
    return this._fetching;
  }

  async _trainTo(epoch) {
    const { session, trainer } = this.ctx;
    for (let i = 0; i < 1000 && session.frame.counters.epoch < epoch; i++) {
      await trainer.once({ epochs: Math.min(100, epoch - session.frame.counters.epoch) });
    }
  }

  /** Replay the kept epochs from the one shown (the first, when live) to the latest. */
  async play() {
    this.ctx.trainer.pause();
    await this.list();
    this.playing = true;
    this.playButton.setAttribute('aria-pressed', 'true');
    this.playButton.textContent = '❚❚';
    this.playButton.setAttribute('aria-label', 'Pause the replay');
    let i = this.epoch === null || this.epoch === this.epochs.at(-1) ? 0 : this.epochs.indexOf(this.epoch);
    while (this.playing && i < this.epochs.length) {
      const started = performance.now();
      await this.goTo(this.epochs[i], { index: true });
      i += 1;
      await sleep(Math.max(0, 1000 / Number(this.speed.value) - (performance.now() - started)));
    }
    this.stop();
  }

  stop() {
    this.playing = false;
    this.playButton.setAttribute('aria-pressed', 'false');
    this.playButton.textContent = '▶';
    this.playButton.setAttribute('aria-label', 'Play the replay');
  }

  /** The session goes on from the epoch shown: its exact state, history and kept epochs cut there. */
  async continueHere() {
    const { session, api, store, status } = this.ctx;
    const epoch = this.epoch;
    if (epoch === null) return;
    this.stop();
    try {
      await session.undoable(`continue from epoch ${epoch}`, async () => session.ingest(
        await api.sessionRequest('POST', '/replay/continue', { epoch, view: session.view({ fresh: true }) })));
    } catch (err) {
      status.show(`The server refused: ${err.message}`, 'warn', 10);
      return;
    }
    this._leave();
    store.set({ replay: null }, { from: 'timeline' });
    await this.list();
    await this.ctx.render();
    status.show(`Continued from epoch ${epoch}; Undo goes back.`, 'info', 6);
  }

  _leave({ draw = false } = {}) {
    const was = this.frame;
    this.stop();
    this._wanted = null;
    this.frame = null;
    this.epoch = null;
    if (this.ctx.store.state.replay !== null) this.ctx.store.set({ replay: null }, { from: 'timeline' });
    this._sync(this.ctx.session.frame?.counters.epoch);
    if (was && draw) return this.ctx.render();
    return undefined;
  }

  _say(text) {
    this.note.textContent = text;
    this.note.hidden = !text;
  }

  /** The slider, label and buttons for what is shown; liveEpoch: the run's epoch when live. */
  _sync(liveEpoch) {
    const n = this.epochs.length;
    this.slider.max = String(Math.max(0, n - 1));
    const at = this.epoch === null ? n - 1 : this.epochs.indexOf(this.epoch);
    const pending = this._wanted !== null && this._wanted !== undefined && this._wanted !== this.epoch;
    if (!this._held && !pending) this.slider.value = String(Math.max(0, at));
    this.slider.disabled = n < 2 && this.epoch === null;
    const text = this.epoch === null ? `live · epoch ${liveEpoch ?? this.epochs.at(-1) ?? 0}` : `epoch ${this.epoch}`;
    this.label.textContent = text;
    this.label.dataset.epoch = this.epoch === null ? '' : String(this.epoch);
    this.slider.setAttribute('aria-valuetext', this.epoch === null ? `live, epoch ${liveEpoch ?? ''}` : `epoch ${this.epoch} of ${this.epochs.at(-1)}`);
    this.actions.hidden = this.epoch === null;
    this.continueButton.disabled = this.epoch === this.epochs.at(-1); // the latest kept is where the run is
    document.body.classList.toggle('replaying', this.epoch !== null);
    if (this._refused && !n) {
      this._say(`This network is too large to keep past epochs (one takes ${kb(this._refused.refused)}; this server keeps ${kb(this._refused.max_bytes)} a run).`);
    } else if (this.note.textContent.startsWith('This network')) this._say('');
  }
}

/** Whether two live frames show the same run at the same point (a redraw for another view is not a change). */
function sameRun(a, b) {
  if (a === b) return true;
  if (!a || !b || a.counters.step !== b.counters.step || a.counters.epoch !== b.counters.epoch) return false;
  if (a.dataRevision !== b.dataRevision || a.weights.length !== b.weights.length) return false;
  const same = (x, y) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  return a.weights.every((l, i) => same(l.W, b.weights[i].W) && same(l.W0, b.weights[i].W0));
}

const kb = (bytes) => `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`;

/** "0–12, every 4th before" style summary of kept epochs, short. */
function describe(epochs) {
  if (!epochs.length) return 'none';
  if (epochs.length <= 6) return epochs.join(', ');
  return `${epochs.length} epochs from ${epochs[0]} to ${epochs.at(-1)}`;
}
