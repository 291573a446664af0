// The play loop. While playing, the next advance is requested as soon as a
// frame has arrived, so the server trains frame n+1 while the page draws frame
// n: one request in flight while drawing, and playing goes at the slower of
// fetching and drawing, not their sum. Drawing waits for the display's next
// frame (main.js render), so that is the only cap: a small network plays at
// the display's rate. api.js keeps requests in call order, so a pause, a step
// or an edit made while a frame is on its way lands after that frame, and the
// next frame is trained from it.

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

  /** The next advance; null once paused. */
  async _next() {
    if (!this.playing) return null;
    return this.session.advance(this.amount(), { streaming: true });
  }

  async _frames() {
    let pending = this._next();
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
      pending = this._next();
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
