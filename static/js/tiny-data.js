// A data file too small to spare points for validation (the homework's
// 4-point dataXor): the note under the upload says how many points the
// validation share holds out and offers training on all of them.

import { h } from './dom.js';

// Below this many points a held-out share leaves too few to learn from
// (dataXor loses one of its four corners, and with it the XOR).
export const TINY_FILE_POINTS = 20;

export class TinyDataNote {
  /** el: the note's element; trainOnAll(): set the validation share to 0. */
  constructor(el, trainOnAll) {
    this.el = el;
    this.trainOnAll = trainOnAll;
  }

  /** data: the session's data ({source, name, valName}); points: {train, val}. */
  update(data, points) {
    const held = points.val.length;
    const total = points.train.length + held;
    const show = data.source === 'file' && !data.valName && held > 0 && total < TINY_FILE_POINTS;
    this.el.hidden = !show;
    if (!show) {
      this.el.replaceChildren();
      return;
    }
    this.el.replaceChildren(
      `${data.name} has only ${total} points: the validation share holds ${held} of them out, so training sees ${points.train.length}. `,
      h('button', { class: 'btn btn-small', type: 'button', 'data-testid': 'train-on-all', onclick: () => this.trainOnAll() }, `Train on all ${total} points`));
  }
}
