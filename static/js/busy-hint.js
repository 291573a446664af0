// The "server busy" hint beside the counters: shown while the play loop goes
// at a slower pace because the server says it is busy (pacing.js), gone when
// the pace is full again. A live region, so a screen reader hears it too.

export class BusyHint {
  constructor(element) {
    this.el = element;
  }

  /** pacing: the trainer's Pacing, just changed. */
  update(pacing) {
    this.el.hidden = !pacing.busy;
    if (!pacing.busy) {
      this.el.textContent = '';
      return;
    }
    const times = Math.round(pacing.scale * 10) / 10;
    const fps = Math.round(10000 / pacing.intervalMs) / 10;
    this.el.textContent = `Server busy: ${times}× epochs a frame`;
    this.el.title =
      `The server is busy, so the page asks for ${times} times the epochs per frame, at most ${fps} frames a ` +
      'second: training goes on as fast, drawn less often. Your settings and the link are unchanged.';
  }
}
