// Backprop on the network diagram: the inspector's point taken through the
// network one equation at a time. → and ← (or the bar's buttons) step through
// the forward pass, the backward pass and the SGD step (backprop-steps.js);
// the diagram draws each step's numbers where they happen (network-walk.js);
// Esc leaves. While walking, the diagram stands in for the inspector's panel;
// the numbers are the inspector's probe, and follow the weights when they
// change (an edit, a step, "Apply this step", whose links move).

import { walkSteps } from './backprop-steps.js';
import { h } from './dom.js';
import { TYPING } from './keyboard.js';


export class BackpropWalk {
  /**
   * page: {network (NetworkDiagram), bar (the walk bar's element), pause()
   * (stop training)}; this.inspector (Inspector) is set once it is mounted.
   */
  constructor({ network, bar, pause }) {
    this.network = network;
    this.bar = bar;
    this.inspector = null;
    this.pause = pause;
    this.active = false;
    this.result = null;
    this.steps = [];
    this.index = 0;
    this.applied = null; // the update step just applied, shown until the next move
    this.ownChange = false; // the next new weights are "Apply this step"'s
    this.weights = null; // the weights of the frame last drawn
    this.weightsBefore = null; // ... when "Apply this step" started
    this.probedOn = null; // ... when the inspector's probe answered
    this._build();
    window.addEventListener('keydown', (ev) => this._key(ev), true); // before the page's shortcuts (→ steps training)
  }

  _build() {
    // the arrows' names are their titles; the worded buttons are named by their words
    const button = (testid, label, title, onclick, name = null) => h('button', { type: 'button', class: 'btn', dataset: { testid }, title, 'aria-label': name, onclick }, label);
    this.backButton = button('walk-back', '←', 'Previous step (←)', () => this.back(), 'Previous step');
    this.nextButton = button('walk-next', '→', 'Next step (→)', () => this.next(), 'Next step');
    this.applyButton = button('walk-apply', 'Apply this step', 'Apply this SGD step to the weights', () => this.inspector.apply());
    this.applyButton.classList.add('btn-apply');
    this.leaveButton = button('walk-leave', 'Leave', 'Leave the walkthrough (Esc)', () => this.leave());
    this.equation = h('div', { class: 'walk-equation', dataset: { testid: 'walk-equation' } });
    this.detail = h('div', { class: 'walk-detail', dataset: { testid: 'walk-detail' } });
    this.count = h('span', { class: 'walk-count', dataset: { testid: 'walk-count' } });
    this.bar.setAttribute('role', 'region');
    this.bar.setAttribute('aria-label', 'Backpropagation walkthrough');
    this.bar.replaceChildren(
      h('div', { class: 'walk-row' }, this.backButton, h('div', { class: 'walk-caption', 'aria-live': 'polite' }, this.equation, this.detail), this.nextButton),
      h('div', { class: 'walk-foot' }, this.count, this.applyButton, this.leaveButton));
  }

  /** The inspector has probed (a new point, target or rate, or new weights). */
  probed(result) {
    const samePoint = this.result && JSON.stringify(this.result.x) === JSON.stringify(result.x)
      && JSON.stringify(this.result.target) === JSON.stringify(result.target);
    if (this.ownChange && this.result) {
      this.applied = this.steps.find((s) => s.key === 'update') ?? null;
      this.ownChange = false;
    }
    this.result = result;
    this.probedOn = this.weights;
    this.steps = walkSteps(result);
    if (!samePoint) {
      this.index = 0;
      this.applied = null;
    }
    this.index = Math.min(this.index, this.steps.length - 1);
    if (this.active) this._show();
  }

  /** "Apply this step" (the inspector's or the bar's): 'start', then 'done' or 'failed'. */
  applying(stage) {
    if (stage === 'start') {
      this.ownChange = true;
      this.weightsBefore = this.weights;
      this.network.expectMove();
    } else if (stage === 'failed' || this.weights === this.weightsBefore) {
      // refused, or answered without new weights: nothing moves
      this.ownChange = false;
      this.network.cancelMove();
    }
  }

  /** Every painted frame: new weights while walking are probed again, or end the walk when training plays. */
  follow(frame, playing) {
    const weights = frame?.weights ?? null;
    if (weights === this.weights) return;
    this.weights = weights;
    if (!this.active || this.ownChange) return;
    if (playing) this.leave({ refocus: false }); // (the keyboard stays where Play left it)
    else this.inspector.refresh();
  }

  start() {
    if (!this.result) return;
    this.pause();
    // trained or edited since the inspector probed: its numbers come again for these weights
    if (this.probedOn !== this.weights) this.inspector.refresh();
    this.active = true;
    this.index = 0;
    this.applied = null;
    document.body.classList.add('walking');
    this.bar.hidden = false;
    this._show();
    this.nextButton.focus();
  }

  /** refocus: the keyboard goes back to the inspector's walkthrough button (Esc, Leave). */
  leave({ refocus = true } = {}) {
    if (!this.active) return;
    this.active = false;
    this.applied = null;
    document.body.classList.remove('walking');
    this.bar.hidden = true;
    this.network.showWalk(null);
    if (refocus) this.inspector.focusWalk();
  }

  next() {
    if (this.applied) {
      this.applied = null;
      this.index = 0;
    } else {
      this.index = Math.min(this.steps.length - 1, this.index + 1);
    }
    this._show();
  }

  back() {
    if (this.applied) this.applied = null;
    else this.index = Math.max(0, this.index - 1);
    this._show();
  }

  /** The step on show: the applied update until the next move, else steps[index]. */
  get step() {
    return this.applied ?? this.steps[this.index] ?? null;
  }

  _show() {
    const step = this.step;
    if (!step) return;
    const last = this.index === this.steps.length - 1;
    this.equation.textContent = step.equation;
    this.detail.textContent = this.applied
      ? 'Applied: every weight moved by −η times its gradient (watch the links). → walks the forward pass again at the new weights.'
      : last && step.phase === 'forward' && !this.result.target ? `${step.detail} Leave (Esc) and choose a target in the inspector to go on with the backward pass.` : step.detail;
    this.count.textContent = this.applied ? 'applied' : `step ${this.index + 1} of ${this.steps.length} · ${step.phase}`;
    this.bar.dataset.step = this.applied ? 'applied' : step.key;
    this.backButton.disabled = !this.applied && this.index === 0;
    this.nextButton.disabled = !this.applied && last;
    this.applyButton.hidden = step.phase !== 'update' || Boolean(this.applied);
    this.network.showWalk(step);
  }

  _key(ev) {
    if (!this.active || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    const target = ev.target instanceof Element ? ev.target : document.body;
    if (target.closest(TYPING) || document.querySelector('dialog[open]') || this.network.weightEditor.open) return;
    const move = { ArrowRight: () => this.next(), ArrowLeft: () => this.back(), Escape: () => this.leave() }[ev.key];
    if (!move) return;
    ev.preventDefault();
    move();
  }
}
