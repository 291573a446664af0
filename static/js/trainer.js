// The play loop. While playing, the next advance is requested as soon as a
// frame has arrived, so the server trains frame n+1 while the page draws frame
// n: one request in flight while drawing, and playing goes at the slower of
// fetching and drawing, not their sum. Drawing waits for the display's next
// frame (main.js render), so that is the only cap: a small network plays at
// the display's rate. api.js keeps requests in call order, so a pause, a step
// or an edit made while a frame is on its way lands after that frame, and the
// next frame is trained from it.
// A busy server slows the pace (pacing.js): more epochs per frame, fewer
// frames; onPace(pacing) tells the page, which says so.

import { busyLoad, Pacing } from './pacing.js';
import { limits } from './state.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Trainer {
  /**
   * session: Session; render(): draws session.frame (returns a promise);
   * amount(): {epochs: n} or {steps: n} per frame, the user's setting;
   * onChange(playing); onError(err); onPace(pacing) when the pace changes.
   */
  constructor(session, { render, amount, onChange = () => {}, onError = () => {}, onPace = () => {} }) {
    this.session = session;
    this.render = render;
    this.amount = amount;
    this.onChange = onChange;
    this.onError = onError;
    this.onPace = onPace;
    this.pacing = new Pacing();
    this.playing = false;
    this.running = false; // the loop is still finishing (a frame may be on its way)
    this.frames = 0;
    this._run = 0; // which play this is: a loop left over from an earlier one stops
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (this.playing) return;
    if (this.session.frame?.state === 'diverged') return;
    this.playing = true;
    this._run += 1;
    this.onChange(true);
    this._loop(this._run);
  }

  pause() {
    if (!this.playing) return;
    this.playing = false;
    this.onChange(false);
  }

  /** The pace back to full (playing starts from it), saying so if it was slowed. */
  _resetPace() {
    const was = this.pacing.busy;
    this.pacing.reset();
    if (was) this.onPace(this.pacing);
  }

  /** One minibatch step or one epoch ({steps: 1} / {epochs: 1}), pausing first. */
  async once(amount) {
    this.pause();
    try {
      await this.session.advance(amount);
      await this.render();
    } catch (err) {
      this.onError(err);
    }
  }

  async _loop(run) {
    this.running = true;
    try {
      await this._frames(run);
      // Paused on a frame that reused older thumbnails: draw the current ones.
      if (this.session.frame?.thumbnailsStale) {
        await this.session.refresh();
        await this.render();
      }
    } catch (err) {
      this.onError(err);
    } finally {
      if (run === this._run) {
        this.running = false;
        if (!this.playing) this._resetPace();
      }
    }
  }

  /** The next advance, no sooner than the pace allows; null once paused. */
  async _next(run) {
    const live = () => this.playing && run === this._run;
    if (!live()) return null;
    const wait = this.pacing.delayMs(this._sentAt, performance.now());
    if (wait > 0) {
      await sleep(wait);
      if (!live()) return null;
    }
    this._sentAt = performance.now();
    return this.session.advance(this.pacing.amount(this.amount(), limits()), { streaming: true });
  }

  /** The busy signal of the frame just answered, and the time since the previous one. */
  _observe() {
    const now = performance.now();
    const interval = this._arrivedAt === null ? null : now - this._arrivedAt;
    this._arrivedAt = now;
    const { load, headroom } = this.session.api.busy ?? {};
    if (this.pacing.observe(busyLoad(load), interval, busyLoad(headroom))) this.onPace(this.pacing);
  }

  async _frames(run) {
    this._sentAt = null;
    this._arrivedAt = null;
    let pending = this._next(run);
    for (;;) {
      let frame;
      try {
        frame = await pending;
      } catch (err) {
        this.pause();
        this.onError(err);
        return;
      }
      if (!frame) return;
      this._observe();
      if (frame.state === 'diverged') this.pause();
      pending = this._next(run);
      pending.catch(() => {}); // awaited (and reported) above on the next turn
      performance.mark('crease:frame');
      this.frames += 1;
      // render() draws in the next animation frame, after the browser has
      // shown the last one: waiting for one more frame here cost a whole
      // display refresh per frame (about 66 ms between frames instead of 50).
      await this.render();
    }
  }
}
