// What the page says when training diverged: where, why the weights did not
// change, the advice, and one click that lowers the learning rate and goes on.
// The engine keeps the weights from before the refused step and resumes once
// the rate is lowered (engine/training.py, set_config), so continuing needs
// nothing but a lower rate.

import { h } from './dom.js';
import { fmt } from './notation.js';

// A tenth: a rate that diverged is usually several times too large, and a
// factor of 10 steps along the same 1-3-10 ladder as the rate field's choices.
export const LOWER_BY = 10;

/** The rate `lr` lowered once, not below `min`; null when it is at `min` already. */
export function loweredRate(lr, min) {
  if (!(lr > min)) return null;
  return Math.max(min, Number((lr / LOWER_BY).toPrecision(6)));
}

export class DivergenceNote {
  /** el: the note's element; lowerAndContinue(lr): set the rate to lr and play on. */
  constructor(el, lowerAndContinue) {
    this.el = el;
    this.lowerAndContinue = lowerAndContinue;
    this.shown = null;
  }

  /** at: {epoch, step} where it diverged, or null (not diverged); lr: the rate now; min: its least. */
  update(at, lr, min) {
    const key = at ? `${at.epoch}/${at.step}/${lr}` : null;
    if (key === this.shown) return;
    this.shown = key;
    this.el.hidden = !at;
    if (!at) {
      this.el.replaceChildren();
      return;
    }
    const lower = loweredRate(lr, min);
    this.el.replaceChildren(
      h('p', {}, h('b', {}, `Diverged at step ${at.step} (epoch ${at.epoch}). `),
        `At learning rate ${fmt(lr)} that step would have sent the loss or the weights to infinity, so it was refused: the weights are those before it. `,
        lower === null
          ? 'The rate is at its least already: reset the weights, or change the network or the data.'
          : `Lower the learning rate (to ${fmt(lower)}, a tenth) and training goes on from these weights; or reset.`),
      lower !== null && h('button', {
        class: 'btn btn-small', type: 'button', 'data-testid': 'lower-and-continue',
        onclick: () => this.lowerAndContinue(lower),
      }, `Lower it to ${fmt(lower)} and continue`));
  }
}
