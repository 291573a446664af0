// The diagram's weight editor: a small form over the diagram for one weight
// w^l_{i,j} or bias w^l_{0,j}. Enter sets the value (onSet), Esc or a press
// elsewhere leaves it.

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
   * near (px, py) and kept inside a width x height box.
   */
  show(target, value, px, py, width, height) {
    this.target = target;
    this.label.replaceChildren(h('span', {}, 'w', h('sup', {}, target.layer),
      h('sub', {}, target.kind === 'W' ? `${target.i + 1},${target.j + 1}` : `0,${target.j + 1}`), ' ='));
    this.input.value = String(Math.round(value * 1e4) / 1e4);
    this.form.hidden = false;
    const ew = this.form.offsetWidth;
    this.form.style.left = `${Math.min(Math.max(0, px - ew / 2), width - ew)}px`;
    this.form.style.top = `${Math.min(py + 12, height - this.form.offsetHeight)}px`;
    this.input.focus();
    this.input.select();
  }

  close() {
    this.form.hidden = true;
    this.target = null;
  }
}
