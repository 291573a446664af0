// The diagram's weight editor: a small form over the diagram for one weight
// w^l_{i,j} or bias w^l_{0,j}. Enter sets the value (onSet), Esc or a press
// elsewhere leaves it. A drag on a link or a bias (WeightDrag) changes its
// value without a keyboard, which is how a finger sets a weight.

import { h } from './dom.js';

export class WeightEditor {
  /** onSet({layer, kind: 'W'|'W0', i, j, value}); inside(target): presses there decide for themselves. */
  constructor({ onSet, inside }) {
    this.target = null;
    this.input = h('input', { type: 'number', step: 'any', dataset: { testid: 'weight-input' }, 'aria-label': 'new value' });
    this.label = h('span', { class: 'editor-label' });
    this.form = h('form', { class: 'weight-editor', dataset: { testid: 'weight-editor' }, hidden: true }, this.label, this.input, h('button', { type: 'submit' }, 'Set'));
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const value = Number(this.input.value);
      if (this.input.value.trim() === '' || !Number.isFinite(value)) {
        this.input.setCustomValidity('a number, please');
        this.input.reportValidity();
        return;
      }
      onSet({ ...this.target, value });
      this.close();
    });
    this.input.addEventListener('input', () => this.input.setCustomValidity(''));
    this.input.addEventListener('keydown', (ev) => ev.key === 'Escape' && this.close());
    document.addEventListener('pointerdown', (ev) => {
      if (!this.form.hidden && !this.form.contains(ev.target) && !inside(ev.target)) this.close();
    });
  }

  get open() {
    return !this.form.hidden;
  }

  /**
   * Edit target ({layer, kind, i, j}) whose value is `value`, the form placed
   * near (px, py) and kept inside a width x height box. focus: false only shows
   * the value (a drag under way: no on-screen keyboard).
   */
  show(target, value, px, py, width, height, { focus = true } = {}) {
    this.target = target;
    this.label.replaceChildren(h('span', {}, 'w', h('sup', {}, target.layer),
      h('sub', {}, target.kind === 'W' ? `${target.i + 1},${target.j + 1}` : `0,${target.j + 1}`), ' ='));
    this.input.value = String(Math.round(value * 1e4) / 1e4);
    this.form.hidden = false;
    const ew = this.form.offsetWidth;
    this.form.style.left = `${Math.min(Math.max(0, px - ew / 2), width - ew)}px`;
    this.form.style.top = `${Math.min(py + 12, height - this.form.offsetHeight)}px`;
    if (!focus) return;
    this.input.focus();
    this.input.select();
  }

  close() {
    this.form.hidden = true;
    this.target = null;
  }
}

// A press that moves this far is a drag, not a click or a tap.
export const DRAG_START_PX = 6;
// Up for larger: a drag across a small diagram's height moves a weight by a few units.
export const DRAG_PER_PX = 0.02;

/** A weight or bias dragged up or down, from press to release (one pointer). */
export class WeightDrag {
  constructor() {
    this.press = null;
  }

  /** A press on target ({layer, kind, i, j}) whose value is `value`, at ev's pointer. */
  start(target, value, ev) {
    this.press = { target, value, pointerId: ev.pointerId, x: ev.clientX, y: ev.clientY, dragging: false };
  }

  /** The value the pointer now asks for, or null while this is no drag (yet). */
  move(ev) {
    const press = this.press;
    if (!press || ev.pointerId !== press.pointerId) return null;
    const dy = ev.clientY - press.y;
    if (!press.dragging && Math.hypot(ev.clientX - press.x, dy) < DRAG_START_PX) return null;
    press.dragging = true;
    return Math.round((press.value - dy * DRAG_PER_PX) * 100) / 100;
  }

  /** The end of a press: {...target, value} when it was a drag, else null. */
  end(ev) {
    const value = this.move(ev);
    const press = this.press;
    this.press = null;
    return press?.dragging && value !== null ? { ...press.target, value } : null;
  }

  get dragging() {
    return Boolean(this.press?.dragging);
  }

  cancel() {
    this.press = null;
  }
}
