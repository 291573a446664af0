// The inspector: one point through the network in the homework's notation.
// Forward: z^l, a^l, W^l, W_0^l of every layer, the softmax outputs and the
// predicted class. With a target: the backward pass of one SGD step (dL/da^l,
// dL/dz^l, dL/dW^l, dL/dW_0^l) and every weight before and after at the rate
// shown; "Apply this step" performs exactly that update. The numbers come from
// the server's probe (engine/probe.py); this file only lays them out (and the
// playground's walkthrough draws the same probe on the diagram, backprop-walk.js).

import { h } from './dom.js';
import { className, fmt, partial, sym } from './notation.js';

const SHOW_UNITS = 8; // longer vectors and wider matrices are summarised, with a way to expand
const SHOW_ROWS = 8;

const ACTIVATION_NAMES = {
  ReLU: 'ReLU', Tanh: 'tanh', Sigmoid: 'sigmoid', Identity: 'linear', SoftMax: 'softmax', SigmoidOutput: 'sigmoid',
};

/** A vector as [v1, v2, ...], the first SHOW_UNITS values and a button for the rest. */
function vector(values, { changedFrom = null } = {}) {
  if (!values) return h('span', { class: 'muted' }, '–');
  const cell = (v, i) => {
    const text = fmt(v);
    if (!changedFrom) return text;
    return `${fmt(changedFrom[i])} → ${text}`;
  };
  const whole = () => `[${values.map(cell).join(', ')}]`;
  if (values.length <= SHOW_UNITS) return h('span', { class: 'num vector' }, whole());
  const span = h('span', { class: 'num vector' }, `[${values.slice(0, SHOW_UNITS - 2).map(cell).join(', ')}, …`);
  const more = h('button', {
    class: 'btn-link', type: 'button', 'data-testid': 'expand',
    onclick: () => {
      span.textContent = whole();
      more.remove();
    },
  }, `${values.length - SHOW_UNITS + 2} more`);
  span.append(' ', more, ']');
  return span;
}

/** A matrix (m x n nested lists) as a table; large ones summarised until expanded. */
function matrix(rows, { before = null, caption = null } = {}) {
  if (!rows) return h('span', { class: 'muted' }, '–');
  const m = rows.length;
  const n = rows[0]?.length ?? 0;
  const table = (all) => {
    const shownRows = all ? m : Math.min(m, SHOW_ROWS);
    const shownCols = all ? n : Math.min(n, SHOW_UNITS);
    const head = h('tr', {}, h('th', {}, ''), ...Array.from({ length: shownCols }, (_, j) => h('th', { scope: 'col' }, `j=${j + 1}`)));
    const body = Array.from({ length: shownRows }, (_, i) => h('tr', {},
      h('th', { scope: 'row' }, `i=${i + 1}`),
      ...Array.from({ length: shownCols }, (_, j) => {
        const v = rows[i][j];
        if (!before) return h('td', { class: 'num' }, fmt(v));
        const was = before[i][j];
        return h('td', { class: `num${was !== v ? ' changed' : ''}` }, was === v ? fmt(v) : `${fmt(was)} → ${fmt(v)}`);
      })));
    return h('table', { class: 'matrix' }, caption && h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, ...body));
  };
  if (m <= SHOW_ROWS && n <= SHOW_UNITS) return table(true);
  const box = h('div', { class: 'matrix-box' });
  const flat = rows.flat().filter((v) => v !== null);
  const largest = flat.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  const summary = h('div', { class: 'summary' }, `${m} × ${n}; largest |value| ${fmt(largest)}; showing ${Math.min(m, SHOW_ROWS)} × ${Math.min(n, SHOW_UNITS)} `,
    h('button', { class: 'btn-link', type: 'button', 'data-testid': 'expand', onclick: () => box.replaceChildren(summary, scroll(table(true))) }, 'show all'));
  const scroll = (t) => h('div', { class: 'matrix-scroll' }, t);
  box.append(summary, scroll(table(false)));
  return box;
}

/** One "name = value" line. */
function line(name, value, testid) {
  return h('div', { class: 'insp-line', 'data-testid': testid }, h('span', { class: 'insp-name' }, name), h('span', { class: 'insp-eq' }, ' = '), value);
}

function details(summary, open, ...content) {
  const d = h('details', { class: 'insp-details' }, h('summary', {}, ...[].concat(summary)), ...content);
  d.open = open;
  return d;
}

export class Inspector {
  /**
   * el: the panel's container. options:
   *   probe(body) -> Promise<probe result>  (body: {x, target?, lr?})
   *   apply(body) -> Promise                (performs the step; the caller redraws)
   *   inputs: 1 or 2; target: 'class' (softmax/sigmoid) or 'value' (a linear output)
   *   classes() -> k, rate() -> the session's rate, onClose()
   *   onPoint(x): the point shown changed (x, or null when the inspector closes)
   *   controls: false hides the point/target/rate inputs (a lesson sets them with set())
   *   onResult(result): each probe's answer, once shown
   *   onApply(stage): "Apply this step" is 'start'ed, then 'done' or 'failed'
   *   onWalk(): given, a button offers the walkthrough on the network diagram
   */
  constructor(el, options) {
    this.el = el;
    this.o = { inputs: 2, target: 'class', classes: () => 2, rate: () => 0.03, onClose: null, onPoint: () => {}, controls: true, onResult: () => {}, onApply: () => {}, onWalk: null, ...options };
    this.x = null;
    this.result = null;
    this.seq = 0;
    this._build();
  }

  _build() {
    const o = this.o;
    this.coords = Array.from({ length: o.inputs }, (_, i) => h('input', {
      type: 'number', step: 'any', 'aria-label': o.inputs === 1 ? 'x' : `x${i + 1}`, 'data-testid': `inspector-x${i + 1}`,
      onchange: () => this._fromInputs(),
    }));
    this.targetInput = o.target === 'class'
      ? h('select', { 'data-testid': 'inspector-target', onchange: () => this.refresh() })
      : h('input', { type: 'number', step: 'any', value: '1', 'data-testid': 'inspector-target', onchange: () => this.refresh() });
    this.lrInput = h('input', { type: 'number', step: 'any', min: '0', 'data-testid': 'inspector-lr', onchange: () => this.refresh() });
    this.applyButton = h('button', { class: 'btn btn-apply', type: 'button', 'data-testid': 'inspector-apply', disabled: true, onclick: () => this.apply() }, 'Apply this step');
    this.walkButton = o.onWalk && h('button', {
      class: 'btn', type: 'button', 'data-testid': 'inspector-walk', disabled: true, onclick: () => o.onWalk(),
      title: 'Step through this point\'s forward and backward pass on the network diagram (→ ←, Esc leaves)',
    }, 'Walk through on the diagram');
    this.body = h('div', { class: 'insp-body', 'data-testid': 'inspector-body' });
    this.message = h('p', { class: 'hint', 'data-testid': 'inspector-message' }, 'Click a point on the plane, or type its coordinates.');
    const names = o.inputs === 1 ? [sym('x')] : [sym('x', null, 1), sym('x', null, 2)];
    this.el.replaceChildren(...[
      h('div', { class: 'insp-head' },
        h('h2', {}, 'Inspector'),
        o.onClose && h('button', { class: 'btn-ghost', type: 'button', title: 'Close the inspector', 'aria-label': 'Close the inspector', onclick: () => o.onClose() }, '×')),
      o.controls !== false && h('div', { class: 'insp-controls' },
        ...this.coords.map((input, i) => h('label', { class: 'field compact' }, h('span', {}, names[i]), input)),
        h('label', { class: 'field compact' }, h('span', {}, o.target === 'class' ? 'target class' : h('span', {}, 'target ', sym('y'))), this.targetInput),
        h('label', { class: 'field compact' }, h('span', {}, 'rate η'), this.lrInput)),
      this.message,
      this.body,
      h('div', { class: 'insp-actions' }, this.walkButton, this.applyButton)].filter(Boolean));
    this.syncClasses();
  }

  /** The target choices follow the network's classes; "none" shows the forward pass only. */
  syncClasses() {
    if (this.o.target !== 'class') return;
    const k = this.o.classes();
    if (this.targetInput.options.length === k + 1) return;
    const keep = this.targetInput.value;
    this.targetInput.replaceChildren(h('option', { value: '' }, 'none (forward only)'),
      ...Array.from({ length: k }, (_, c) => h('option', { value: String(c) }, className(c, true))));
    this.targetInput.value = keep !== '' && Number(keep) < k ? keep : '0';
  }

  /** Set the point, the target (a class, or [y]; null: none) and the rate, then probe. */
  set({ x, target, lr }) {
    this.syncClasses(); // the class asked for has to be one of the choices before it is chosen
    if (target !== undefined) this.targetInput.value = target === null ? '' : String(Array.isArray(target) ? target[0] : target);
    if (lr !== undefined) this.lrInput.value = String(lr);
    return this.setPoint(x);
  }

  /** Probe at x ([x1, x2] or [x]). */
  setPoint(x) {
    this.x = x.map(Number);
    this.coords.forEach((input, i) => {
      input.value = String(Math.round(this.x[i] * 1e4) / 1e4);
    });
    this.o.onPoint(this.x);
    return this.refresh();
  }

  _fromInputs() {
    if (this.coords.some((el) => el.value === '')) return null;
    const x = this.coords.map((el) => Number(el.value));
    return x.every(Number.isFinite) ? this.setPoint(x) : null;
  }

  requestBody() {
    const body = { x: this.x };
    const t = this.targetInput.value;
    if (t !== '') body.target = this.o.target === 'class' ? Number(t) : [Number(t)];
    const lr = Number(this.lrInput.value);
    if (this.lrInput.value !== '' && lr > 0) body.lr = lr;
    else if (body.target !== undefined) body.lr = this.o.rate();
    return body;
  }

  /** Probe again at the same point (the weights or the target changed). */
  async refresh() {
    if (!this.x) return null;
    this.syncClasses();
    if (this.lrInput.value === '') this.lrInput.value = String(this.o.rate());
    const seq = ++this.seq;
    const body = this.requestBody();
    try {
      const result = await this.o.probe(body);
      if (seq !== this.seq) return null; // a newer probe is on its way
      this.result = result;
      this.message.textContent = '';
      this.render(result);
      this.o.onResult(result);
      return result;
    } catch (err) {
      if (seq === this.seq) this.message.textContent = `The server refused: ${err.message}`;
      return null;
    }
  }

  /** Perform the SGD step shown (the button's action). */
  async apply() {
    if (!this.result?.target || this.applyButton.disabled) return;
    this.applyButton.disabled = true;
    this.o.onApply('start');
    try {
      await this.o.apply(this.requestBody());
    } catch (err) {
      this.o.onApply('failed');
      this.message.textContent = `The step was not applied: ${err.message}`;
      this.applyButton.disabled = false;
      return;
    }
    this.o.onApply('done');
    await this.refresh();
    this.message.textContent = 'Step applied. Everything below is for the new weights.';
  }

  /** The keyboard back on the walkthrough's button (after leaving the walkthrough). */
  focusWalk() {
    this.walkButton?.focus();
  }

  render(r) {
    const L = r.layers.length;
    const forward = r.layers.map((layer) => {
      const l = layer.l;
      const act = ACTIVATION_NAMES[layer.activation] ?? layer.activation;
      return h('section', { class: 'insp-layer', 'data-testid': `forward-${l}` },
        h('h4', {}, `layer ${l}: ${layer.m} → ${layer.n}, ${act}`),
        line(sym('z', l), vector(layer.z), `z-${l}`),
        line(sym('a', l), vector(layer.a), `a-${l}`),
        details([sym('W', l), ` (${layer.m} × ${layer.n}) and `, sym('W', l, 0)], false,
          matrix(layer.W), line(sym('W', l, 0), vector(layer.W0), `W0-${l}`)));
    });
    const out = r.output;
    const outputLine = out.probs
      ? h('div', { class: 'insp-output', 'data-testid': 'inspector-output' },
        line(h('span', {}, 'class probabilities'), vector(out.probs), 'probs'),
        h('div', { class: 'insp-line' }, 'predicted class ', h('b', { 'data-testid': 'inspector-class' }, className(out.class, true))))
      : h('div', { class: 'insp-output', 'data-testid': 'inspector-output' }, line(h('span', {}, 'output ', sym('a', L)), vector(out.a), 'output'));
    const parts = [
      h('h3', {}, 'Forward at ', h('span', { class: 'num' }, `x = [${r.x.map((v) => fmt(v)).join(', ')}]`)),
      ...forward,
      outputLine,
    ];
    if (r.target) {
      const targetText = r.target.label !== null && this.o.target === 'class' ? `${className(r.target.label, true)}, y = [${r.target.y.map((v) => fmt(v)).join(', ')}]` : `y = ${fmt(r.target.y[0])}`;
      parts.push(h('h3', {}, 'Backward for ', targetText),
        h('div', { class: 'insp-line', 'data-testid': 'inspector-loss' }, 'loss L = ', h('b', { class: 'num' }, fmt(r.loss))));
      for (const layer of [...r.layers].reverse()) {
        const l = layer.l;
        parts.push(h('section', { class: 'insp-layer', 'data-testid': `backward-${l}` },
          h('h4', {}, `layer ${l}`),
          line(partial('a', l), vector(layer.dLda), `dLda-${l}`),
          line(partial('z', l), vector(layer.dLdz), `dLdz-${l}`),
          line(partial('W', l, 0), vector(layer.dLdW0), `dLdW0-${l}`),
          details([partial('W', l), ` (${layer.m} × ${layer.n})`], layer.m * layer.n <= 8, matrix(layer.dLdW))));
      }
      if (r.lr !== null && r.layers[0].W_after) {
        parts.push(h('h3', {}, 'One SGD step at η = ', h('span', { class: 'num', 'data-testid': 'inspector-rate' }, fmt(r.lr))),
          h('p', { class: 'hint' }, 'Each weight before → after: ', sym('W', 'l'), ' ← ', sym('W', 'l'), ' − η ', partial('W', 'l'), '.'));
        for (const layer of r.layers) {
          const l = layer.l;
          parts.push(h('section', { class: 'insp-layer', 'data-testid': `step-${l}` },
            h('h4', {}, `layer ${l}`),
            details([sym('W', l), ' before → after'], layer.m * layer.n <= 8, matrix(layer.W_after, { before: layer.W })),
            line(sym('W', l, 0), vector(layer.W0_after, { changedFrom: layer.W0 }), `W0-after-${l}`)));
        }
      }
    } else {
      parts.push(h('p', { class: 'hint' }, 'Choose a target to see the backward pass of one SGD step.'));
    }
    this.body.replaceChildren(...parts);
    this.applyButton.disabled = !(r.target && r.lr !== null);
    if (this.walkButton) this.walkButton.disabled = false;
  }
}
