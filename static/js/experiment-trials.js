// Every trial of a run at once (the homework's 6.1 and 6.2): one small
// multiple per finished trial, drawn from GET /api/experiments/{id}/trials:
// its class regions and decision boundary, its hidden units' lines, the
// validation points and its validation accuracy. A trial stuck at one class or
// in a poor optimum (the server's verdict, engine/experiment/summary.py) gets a
// badge and an outline of its own, so the mark does not rest on colour. Each
// multiple is a button that opens its trial in the playground; a labelled
// select sorts them.

import { clearedContext, h, sizeCanvas } from './dom.js';
import { decodeGrid } from './frame.js';
import { fmt } from './notation.js';
import { INK, classColor, regionLut } from './palette.js';

// canvas side in CSS pixels: 20 trials fit a 1280x720 screen in either mode
const SIZE = { normal: 104, presenter: 124 };
const SORTS = [
  ['trial', 'trial number'],
  ['best', 'validation accuracy, best first'],
  ['worst', 'validation accuracy, worst first'],
];
const BADGES = {
  stuck: { mark: '■', tag: 'stuck', text: 'stuck at one class', why: 'predicts one class for every validation point' },
  poor: { mark: '▼', tag: 'poor', text: 'poor optimum', why: 'validation accuracy far below the best trial\'s' },
};
const UNIT_LINE = '#7a1f5c';

const accuracy = (t) => t.final_val_acc ?? t.final_train_acc ?? -1;
// every tile to two decimals, so a column of them reads alike (0.70 beside 0.87)
const shownAccuracy = (acc) => (acc < 0 ? '–' : acc.toFixed(2));

function ordered(trials, sort) {
  const out = [...trials];
  if (sort === 'best') out.sort((a, b) => accuracy(b) - accuracy(a) || a.trial - b.trial);
  else if (sort === 'worst') out.sort((a, b) => accuracy(a) - accuracy(b) || a.trial - b.trial);
  else out.sort((a, b) => a.trial - b.trial);
  return out;
}

/** Regions, boundary, unit lines and validation points of one trial on `canvas` (size x size CSS pixels). */
function draw(canvas, size, grid, trial, data) {
  sizeCanvas(canvas, size);
  const ctx = clearedContext(canvas, size);
  const r = grid.resolution;
  // the grid's row 0 is the bottom of the view (y0): the canvas's is the top
  const cells = new ImageData(r, r);
  const lut = regionLut(grid.nClasses, 'hard');
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      const from = grid.classes[i * r + j] * 256 * 4;
      cells.data.set(lut.subarray(from, from + 4), ((r - 1 - i) * r + j) * 4);
    }
  }
  const bitmap = document.createElement('canvas');
  bitmap.width = r;
  bitmap.height = r;
  bitmap.getContext('2d').putImageData(cells, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, 0, 0, size, size);
  const cell = size / r;
  ctx.beginPath(); // the decision boundary: every cell edge between two classes
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      const c = grid.classes[i * r + j];
      const top = (r - 1 - i) * cell;
      if (j + 1 < r && grid.classes[i * r + j + 1] !== c) {
        ctx.moveTo((j + 1) * cell, top);
        ctx.lineTo((j + 1) * cell, top + cell);
      }
      if (i + 1 < r && grid.classes[(i + 1) * r + j] !== c) {
        ctx.moveTo(j * cell, top);
        ctx.lineTo(j * cell + cell, top);
      }
    }
  }
  ctx.strokeStyle = INK;
  ctx.lineWidth = 2;
  ctx.stroke();
  const [x0, x1, y0, y1] = data.extent;
  const px = (x) => ((x - x0) / (x1 - x0)) * size;
  const py = (y) => size - ((y - y0) / (y1 - y0)) * size;
  ctx.save(); // each hidden unit's line w1 x1 + w2 x2 + b = 0, dashed to tell it from the boundary
  ctx.setLineDash([5, 3]);
  ctx.strokeStyle = UNIT_LINE;
  ctx.lineWidth = 1.6;
  for (const [w1, w2, b] of trial.lines) {
    ctx.beginPath();
    if (Math.abs(w2) >= Math.abs(w1) && w2 !== 0) {
      ctx.moveTo(px(x0), py(-(w1 * x0 + b) / w2));
      ctx.lineTo(px(x1), py(-(w1 * x1 + b) / w2));
    } else if (w1 !== 0) {
      ctx.moveTo(px(-(w2 * y0 + b) / w1), py(y0));
      ctx.lineTo(px(-(w2 * y1 + b) / w1), py(y1));
    }
    ctx.stroke();
  }
  ctx.restore();
  for (const [x, y, c] of data.points.val) {
    ctx.beginPath();
    ctx.arc(px(x), py(y), 1.8, 0, 2 * Math.PI);
    ctx.fillStyle = classColor(c);
    ctx.fill();
    ctx.lineWidth = 0.6;
    ctx.strokeStyle = '#fff';
    ctx.stroke();
  }
}

export class TrialMultiples {
  /** el: the section to fill; onOpen(architecture, trial) opens a trial in the playground. */
  constructor(el, { onOpen }) {
    this.el = el;
    this.onOpen = onOpen;
    this.sort = 'trial';
    this.data = null;
    this.select = h('select', { id: 'trial-sort', 'data-testid': 'trial-sort' },
      ...SORTS.map(([value, label]) => h('option', { value }, label)));
    this.select.addEventListener('change', () => {
      this.sort = this.select.value;
      this.render();
    });
    this.heading = h('h2', { 'data-testid': 'trials-heading' });
    this.body = h('div', { class: 'trial-groups' });
    this.legend = h('p', { class: 'hint trial-legend', 'data-testid': 'trials-legend' });
    el.replaceChildren(
      h('div', { class: 'trials-head' }, this.heading,
        h('label', { class: 'field trial-sort', for: 'trial-sort' }, h('span', {}, 'Sort trials by'), this.select)),
      this.legend, this.body);
    el.hidden = true;
  }

  /** A new run: nothing to show until its first trial finishes. */
  clear(trials) {
    this.data = null;
    this.pending = null;
    this.el.hidden = false;
    this.heading.textContent = `Every trial: 0 of ${trials} finished`;
    this.legend.textContent = 'Each trial appears here as it finishes.';
    this.body.replaceChildren();
  }

  /** The answer of GET /api/experiments/{id}/trials (a later answer wins over one still decoding). */
  async show(data) {
    this.pending = data;
    const grids = new Map();
    await Promise.all(data.architectures.flatMap((a) => a.trials.map(async (t) => {
      grids.set(`${a.architecture}:${t.trial}`, await decodeGrid(t.grid));
    })));
    if (this.pending !== data) return;
    this.data = data;
    this.grids = grids;
    this.render();
  }

  /** Draw again (presenter mode changes the size). */
  render() {
    const data = this.data;
    if (!data) return;
    this.el.hidden = false;
    const size = SIZE[document.body.classList.contains('presenter') ? 'presenter' : 'normal'];
    const done = data.architectures.reduce((n, a) => n + a.trials.length, 0);
    const total = data.architectures.reduce((n, a) => n + a.trials_requested, 0);
    this.heading.textContent = `Every trial: ${done} of ${total} finished`;
    this.legend.replaceChildren(
      'Colour: the predicted class; solid line: the decision boundary; dashed lines: the hidden units\' lines; dots: the validation points. ',
      h('b', {}, `${BADGES.stuck.mark} ${BADGES.stuck.text}`), `: ${BADGES.stuck.why}; `,
      h('b', {}, `${BADGES.poor.mark} ${BADGES.poor.text}`), `: more than ${fmt(data.poor_margin)} below the best. `,
      'Click a trial, or Tab to it and press Enter, to open it in the playground.');
    const many = data.architectures.length > 1;
    // a keyboard user on a multiple keeps their place when new trials arrive or the order changes
    const focused = this.body.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    this.body.replaceChildren(...data.architectures.map((a) => h('section', { class: 'trial-group', 'aria-label': `Trials of ${a.hidden.length ? `(${a.hidden.join(', ')})` : 'no hidden layer'}` },
      many ? h('h3', {}, a.hidden.length ? `(${a.hidden.join(', ')})` : '() no hidden layer') : '',
      h('div', { class: 'trial-multiples', 'data-testid': `trials-${a.architecture}` },
        ...ordered(a.trials, this.sort).map((t) => this._multiple(a, t, size, data))))));
    if (focused) this.body.querySelector(`[data-testid="${focused}"]`)?.focus();
  }

  _multiple(arch, t, size, data) {
    const badge = BADGES[t.verdict];
    const acc = accuracy(t);
    const canvas = h('canvas', { 'aria-hidden': 'true' });
    draw(canvas, size, this.grids.get(`${arch.architecture}:${t.trial}`), t, data);
    // the accessible name starts with what the button shows (WCAG's label in name)
    const shown = `${shownAccuracy(acc)} #${t.trial}${badge ? ` ${badge.mark} ${badge.tag}` : ''}`;
    const label = `${shown}: trial ${t.trial}, validation accuracy ${fmt(acc)}${badge ? `, ${badge.text} (${badge.why})` : ''}. Opens it in the playground.`;
    return h('button', {
      type: 'button', class: `trial-multiple verdict-${t.verdict}`, 'aria-label': label, title: label,
      'data-testid': `trial-${arch.architecture}-${t.trial}`, 'data-trial': String(t.trial), 'data-verdict': t.verdict,
      onclick: () => this.onOpen(arch.architecture, t.trial),
    },
    canvas,
    h('span', { class: 'trial-caption' }, h('span', { class: 'trial-acc' }, shownAccuracy(acc)), h('span', { class: 'trial-number' }, `#${t.trial}`)),
    badge ? h('span', { class: 'trial-badge' }, `${badge.mark} ${badge.tag}`) : '');
  }
}
