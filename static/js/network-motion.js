// A weight update made visible: after "Apply this step" the diagram's links
// and biases slide from the old weights to the new ones instead of jumping.

export const MOVE_MS = 1500;
// The most one painted frame may advance: however slow the machine, the
// move is shown in at least this many steps.
const MAX_STRIDE = 1 / 8;

const ease = (t) => t * t * (3 - 2 * t);

function lerp(from, to, t) {
  const out = new Float64Array(to.length);
  for (let k = 0; k < to.length; k++) out[k] = from[k] + (to[k] - from[k]) * t;
  return out;
}

export class WeightMotion {
  /**
   * from: the decoded weights drawn now ([{m, n, W, W0}]); armedOn: the model
   * they belong to. The move starts with the first model that differs.
   */
  constructor(from, armedOn) {
    this.from = from;
    this.armedOn = armedOn;
    this.started = false;
    this.progress = 0;
    this.last = 0;
    this.done = false;
  }

  /** The weights to draw for `model` at time `now` (ms); advances the move. */
  at(model, now) {
    if (model === this.armedOn) return model.weights;
    const to = model.weights;
    const fits = to.length === this.from.length && to.every((w, l) => w.m === this.from[l].m && w.n === this.from[l].n);
    if (!fits) {
      this.done = true;
      return to;
    }
    if (!this.started) {
      this.started = true;
      this.last = now;
    } else {
      this.progress = Math.min(1, this.progress + Math.min((now - this.last) / MOVE_MS, MAX_STRIDE));
      this.last = now;
    }
    if (this.progress >= 1) {
      this.done = true;
      return to;
    }
    const t = ease(this.progress);
    return to.map((w, l) => ({ ...w, W: lerp(this.from[l].W, w.W, t), W0: lerp(this.from[l].W0, w.W0, t) }));
  }
}
