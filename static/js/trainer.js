// The play loop. While playing, the next advance is requested as soon as a
// frame has arrived, so the server trains frame n+1 while the page draws frame
// n; api.js still keeps one request in flight at a time.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Frames asked for per second at most: smooth to the eye, and a lecture hall
// of playing tabs asks the server for half of what the display could take.
export const MAX_FPS = 30;

export class Trainer {
  /**
   * session: Session; render(): draws session.frame (returns a promise);
   * amount(): {epochs: n} or {steps: n} per frame; onChange(playing); onError(err).
   */
  constructor(session, { render, amount, onChange = () => {}, onError = () => {} }) {
    this.session = session;
    this.render = render;
    this.amount = amount;
    this.onChange = onChange;
    this.onError = onError;
    this.playing = false;
    this.running = false; // the loop is still finishing (a frame may be on its way)
    this.frames = 0;
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (this.playing) return;
    if (this.session.frame?.state === 'diverged') return;
    this.playing = true;
    this.onChange(true);
    this._loop();
  }

  pause() {
    if (!this.playing) return;
    this.playing = false;
    this.onChange(false);
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

  async _loop() {
    this.running = true;
    try {
      await this._frames();
      // Paused on a frame that reused older thumbnails: draw the current ones.
      if (this.session.frame?.thumbnailsStale) {
        await this.session.refresh();
        await this.render();
      }
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = false;
    }
  }

  /** The next advance, no sooner than 1/MAX_FPS after the previous one; null once paused. */
  async _next(previousAt) {
    await sleep(previousAt + 1000 / MAX_FPS - performance.now());
    if (!this.playing) return null;
    this.requestedAt = performance.now();
    return this.session.advance(this.amount(), { streaming: true });
  }

  async _frames() {
    let pending = this._next(-Infinity);
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
      if (frame.state === 'diverged') this.pause();
      pending = this._next(this.requestedAt);
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
