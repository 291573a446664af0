// The card a click on a unit's line opens on the plane: the unit's weights
// w₁, w₂ and bias b and its line's equation in the homework's notation,
// z¹ⱼ = w₁ x₁ + w₂ x₂ + b = 0 with W¹ and W₀¹ the first layer's weights and
// biases, and what the activation is on either side.

import { formatNumber, h, subText, supText } from './dom.js';
import { sideNames } from './line-labels.js';

const MINUS = '−';

/** A coefficient to two decimals with a real minus sign: 0.7312 -> "0.73", -1.2 -> "−1.20". */
export function coefficient(v) {
  const text = Math.abs(v).toFixed(2);
  return v < 0 && Number(text) !== 0 ? `${MINUS}${text}` : text;
}

/** "z¹₂ = 0.73 x₁ − 1.20 x₂ + 0.05 = 0" for unit index 1 (numbered from 1, as the homework's prose does). */
export function lineEquation(unit, [w1, w2], b) {
  const term = (v, name) => `${v < 0 ? MINUS : '+'} ${Math.abs(v).toFixed(2)}${name}`;
  return `z${supText(1)}${subText(unit + 1)} = ${coefficient(w1)} x₁ ${term(w2, ' x₂')} ${term(b, '')} = 0`;
}

export class LinePopup {
  /** el: the plane's container (the card is placed inside it). */
  constructor(el) {
    this.el = el;
    this.unit = null;
    this.card = el.appendChild(h('div', { class: 'line-popup', role: 'dialog', 'aria-label': 'unit line', hidden: true, dataset: { testid: 'line-popup' } }));
    this.card.addEventListener('keydown', (ev) => ev.key === 'Escape' && this.hide());
  }

  /** line: {unit, w, b}; activation: the first layer's; at: [x, y] in the container's pixels. */
  show(line, activation, at) {
    this.unit = line.unit;
    this.at = at;
    this.fill(line, activation);
    this.card.hidden = false;
    const box = this.el.getBoundingClientRect();
    const w = this.card.offsetWidth;
    const left = at[0] + 14 + w > box.width ? at[0] - w - 14 : at[0] + 14;
    this.card.style.left = `${Math.max(0, left)}px`;
    this.card.style.top = `${Math.max(0, Math.min(at[1] - 10, box.height - this.card.offsetHeight))}px`;
  }

  /** The numbers again (the weights change while training). */
  fill({ unit, w, b }, activation) {
    const j = subText(unit + 1);
    const one = supText(1);
    const close = h('button', { type: 'button', class: 'close', 'aria-label': 'close', title: 'close (Esc)' }, '×');
    close.addEventListener('click', (ev) => {
      ev.stopPropagation();
      this.hide();
    });
    const weight = (name, symbol, value) => h('tr', {}, h('th', {}, name), h('td', { class: 'muted' }, `= ${symbol} =`), h('td', { class: 'num' }, formatNumber(value)));
    this.card.replaceChildren(
      close,
      h('div', { class: 'title' }, `unit ${unit + 1} of layer 1`, h('span', { class: 'muted' }, ` · ${activation}`)),
      h('table', {},
        weight('w₁', `W${one}₁,${j}`, w[0]),
        weight('w₂', `W${one}₂,${j}`, w[1]),
        weight('b', `W${one}₀,${j}`, b)),
      h('div', { class: 'equation', dataset: { testid: 'line-equation' } }, lineEquation(unit, w, b)),
      h('div', { class: 'muted' }, sideNames(activation).meaning));
  }

  refresh(lines, activation) {
    if (this.card.hidden) return;
    const line = lines.find((l) => l.unit === this.unit);
    if (line?.segment) this.fill(line, activation);
    else this.hide();
  }

  hide() {
    this.unit = null;
    this.card.hidden = true;
  }
}
