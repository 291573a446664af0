// A "function" lesson (Problem 1): a hand-set network with one input, drawn as
// a function of x with its kinks marked. x, y, the rate and every named weight
// can be dragged or typed; the plot, the inspector and every answer follow,
// each computed by POST /api/probe from the network as it is now.
//
// The parts: HandSetNetwork (the values a student moves), Knobs (their
// sliders and boxes), FunctionPlot (a₂ against x, dragged to move x),
// optionsTable and the answer computations (1.5's "each condition made true,
// one step taken"), and Updates (one request at a time, answers once the
// student pauses). mount() wires them together.

import { h } from './dom.js';
import { Inspector } from './inspector.js';
import { fmt, rich, sym, symbol } from './notation.js';
import { probeCache, readPath, resolveProbe, sideX, valueOf } from './lesson-model.js';
import { questionList, testid } from './lesson-ui.js';
import { ACCENT, INK, NEGATIVE, POSITIVE } from './palette.js';
import { PLOT_CONFIG, theme } from './theme.js';

const SAMPLES = 241;
const ANSWERS_DELAY_MS = 150;
const RANGES = { y: [-5, 10, 0.1], lr: [0.01, 1, 0.01], weight: [-5, 5, 0.1] };

/** The lesson's network and inputs as the student has set them: {layers, inputs: {x, y, lr}}. */
class HandSetNetwork {
  constructor(lesson) {
    this.lesson = lesson;
    this.params = lesson.parameters.map((p) => ({ ...p, label: symbol(p.name) }));
    this.reset();
  }

  reset() {
    this.layers = structuredClone(this.lesson.network.layers);
    this.inputs = { ...this.lesson.inputs };
  }

  /** A copy to change without touching this one (an option's trial). */
  copy() {
    return structuredClone({ layers: this.layers, inputs: this.inputs });
  }

  static getParam(p, c) {
    return p.kind === 'W' ? c.layers[p.layer].W[p.i][p.j] : c.layers[p.layer].W0[p.j];
  }

  static setParam(p, v, c) {
    if (p.kind === 'W') c.layers[p.layer].W[p.i][p.j] = v;
    else c.layers[p.layer].W0[p.j] = v;
  }

  /** name: x, y, lr or a parameter's name. */
  setNamed(name, v, c = this) {
    if (name in c.inputs) c.inputs[name] = v;
    else HandSetNetwork.setParam(this.params.find((p) => p.name === name), v, c);
  }

  /** The weights after one SGD step, as the probe answered them. */
  takeStep(result) {
    this.layers.forEach((layer, l) => {
      layer.W = result.layers[l].W_after;
      layer.W0 = result.layers[l].W0_after;
    });
  }

  /** The probe body at the lesson's point, with its target and rate. */
  point() {
    return { x: [this.inputs.x], target: [this.inputs.y], lr: this.inputs.lr };
  }

  vars() {
    return { x: this.inputs.x, y: this.inputs.y, lr: this.inputs.lr };
  }
}

/** A slider and a number box for each of x, y, the rate and the lesson's weights. */
class Knobs {
  constructor(net, plotRange, onChange) {
    const knobs = [
      { key: 'x', label: sym('x'), get: () => net.inputs.x, set: (v) => { net.inputs.x = v; }, range: [plotRange[0], plotRange[1], 0.05] },
      { key: 'y', label: sym('y'), get: () => net.inputs.y, set: (v) => { net.inputs.y = v; }, range: RANGES.y },
      { key: 'lr', label: h('span', {}, 'rate η'), get: () => net.inputs.lr, set: (v) => { net.inputs.lr = v; }, range: RANGES.lr },
      ...net.params.map((p) => ({ key: p.name, label: p.label, get: () => HandSetNetwork.getParam(p, net), set: (v) => HandSetNetwork.setParam(p, v, net), range: RANGES.weight })),
    ];
    this.rows = knobs.map((k) => Knobs.row(k, onChange));
    this.el = h('div', { class: 'knobs', 'data-testid': 'knobs' }, ...this.rows.map((r) => r.el));
  }

  static row(k, onChange) {
    const [lo, hi, step] = k.range;
    const number = h('input', { type: 'number', step: 'any', 'data-testid': `knob-${testid(k.key)}`, 'aria-label': k.key });
    const slider = h('input', { type: 'range', min: String(lo), max: String(hi), step: String(step), 'aria-label': `${k.key} slider`, 'data-testid': `slider-${testid(k.key)}` });
    const take = (raw) => {
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v) || (k.key === 'lr' && v <= 0)) return;
      k.set(v);
      onChange();
    };
    number.addEventListener('change', () => take(number.value));
    slider.addEventListener('input', () => take(slider.value));
    return { k, number, slider, el: h('label', { class: 'knob' }, h('span', { class: 'knob-name' }, k.label), slider, number) };
  }

  /** Show the current values, except in the box the student is typing in. */
  sync() {
    this.rows.forEach(({ k, number, slider }) => {
      if (document.activeElement !== number) number.value = String(k.get());
      if (document.activeElement !== slider) slider.value = String(k.get());
    });
  }
}

/** a₂ against x with the kinks, the target and the output at x; dragging moves x. */
class FunctionPlot {
  constructor(net, plotRange, sizeOf, onMove) {
    this.net = net;
    this.range = plotRange;
    this.sizeOf = sizeOf;
    this.onMove = onMove;
    this.el = h('div', { class: 'function-plot', 'data-testid': 'function-plot' });
    this.last = null;
  }

  async init() {
    await Plotly.newPlot(this.el, [], {}, PLOT_CONFIG);
    this.el.addEventListener('pointerdown', (ev) => this.drag(ev));
  }

  drag(ev) {
    const xa = this.el._fullLayout?.xaxis;
    if (!xa) return;
    const area = this.el.querySelector('.nsewdrag')?.getBoundingClientRect();
    if (!area || ev.clientY < area.top || ev.clientY > area.bottom) return;
    const move = (e) => {
      const x = xa.p2d(e.clientX - area.left);
      if (x >= this.range[0] && x <= this.range[1]) this.onMove(Math.round(x * 100) / 100);
    };
    move(ev);
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  /** main: the probe's answer at the lesson's point, with its plot samples. */
  draw(main = this.last) {
    if (!main) return;
    this.last = main;
    const { plot } = main;
    const { x, y } = this.net.inputs;
    const a2 = main.output.a[0];
    const kinks = plot.kinks.filter((k) => k.y !== null);
    const line = theme.lineScale;
    const scale = theme.marker / 8; // presenter mode's larger markers, type and margins, as the plane's
    const marker = Math.round(12 * scale);
    const font = Math.round(12 * scale);
    const axis = { zeroline: true, zerolinecolor: '#c9ced8', gridcolor: '#eef0f4', fixedrange: true };
    Plotly.react(this.el, [
      { uid: 'f', type: 'scatter', mode: 'lines', x: plot.x, y: plot.y, line: { color: POSITIVE, width: 2.5 * line }, hovertemplate: 'x = %{x:.3f}<br>a₂ = %{y:.4g}<extra></extra>' },
      { uid: 'kinks', type: 'scatter', mode: 'markers+text', x: kinks.map((k) => k.x), y: kinks.map((k) => k.y), text: kinks.map((k) => `kink x = ${fmt(k.x)}`), textposition: 'top right', marker: { size: marker - 1, symbol: 'diamond', color: INK }, textfont: { size: font, color: INK }, hoverinfo: 'skip' },
      { uid: 'target', type: 'scatter', mode: 'markers', x: [x], y: [y], marker: { size: marker, symbol: 'circle-open', color: NEGATIVE, line: { width: 2.5 * line } }, hovertemplate: 'target y = %{y:.4g}<extra></extra>' },
      { uid: 'point', type: 'scatter', mode: 'markers', x: [x], y: [a2], marker: { size: marker, color: ACCENT, line: { color: '#fff', width: 1.5 } }, hovertemplate: 'a₂ = %{y:.4g} at x = %{x:.3f}<extra></extra>' },
    ], {
      width: this.sizeOf(), height: 300, margin: { l: Math.round(44 * scale), r: 10, t: 10, b: Math.round(36 * scale) }, showlegend: false, dragmode: false,
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#fff', font: { family: 'system-ui, sans-serif', color: INK, size: font },
      xaxis: { ...axis, range: this.range, title: { text: 'x', standoff: 4 } },
      yaxis: { ...axis, title: { text: 'a₂', standoff: 4 } },
      shapes: [{ type: 'line', x0: x, x1: x, yref: 'paper', y0: 0, y1: 1, line: { color: ACCENT, width: line, dash: 'dot' } }],
    }, PLOT_CONFIG);
  }
}

/** The sentence under the plot: z₁ at x, whether the ReLU passes it, a₂, y and the loss. */
function readoutLine(main, inputs) {
  const a2 = main.output.a[0];
  const z1 = main.layers[0].z[0];
  return [
    'At x = ', h('b', { class: 'num' }, fmt(inputs.x)), ': ', sym('z', null, 1), ' = ', h('b', { class: 'num' }, fmt(z1)),
    z1 >= 0 ? ' ≥ 0, the ReLU passes it on; ' : ' < 0, the ReLU gives 0; ',
    sym('a', null, 2), ' = ', h('b', { class: 'num', 'data-testid': 'readout-a2' }, fmt(a2)),
    ', target y = ', h('b', { class: 'num' }, fmt(inputs.y)), ', loss L = ', h('b', { class: 'num' }, fmt(main.loss)), '. ',
    h('span', { class: 'hint' }, '(filled dot: the output; ring: the target; diamond: the kink)'),
  ];
}

/** 1.5's table, drawn inside its question: each condition, w before → after one step, the verdict. */
function optionsTable(question, answers) {
  const o = question.options;
  return h('table', { class: 'options-table', 'data-testid': `options-${testid(question.id)}` },
    h('thead', {}, h('tr', {}, h('th', {}, 'condition'), h('th', {}, symbol(o.symbol), ' before → after one step'), h('th', {}, 'unchanged?'))),
    h('tbody', {}, ...o.choices.map((c, i) => h('tr', {},
      h('td', {}, rich(c.text)),
      h('td', {}, answers.slot(`${question.id}-opt-${i}`)),
      h('td', {}, answers.slot(`${question.id}-opt-${i}-verdict`))))));
}

const finite = (c) => Object.values(c.inputs).every((v) => v !== null && Number.isFinite(v));

/** Every probe answer of the lesson's questions, at the network as it is now. */
async function fillAnswers(lesson, probeIn, net, answers) {
  for (const q of lesson.questions) {
    for (const [i, a] of (q.answers ?? []).entries()) {
      if (!a.probe) continue;
      const key = `${q.id}-${i}`;
      const got = await probeIn(net, a.probe);
      if (!got) {
        answers.set(key, null, a);
        answers.where(key, '(no x gives this case while this weight is 0)');
        continue;
      }
      answers.set(key, valueOf(a, got.r), a);
      answers.where(key, typeof a.probe.x === 'object' && !Array.isArray(a.probe.x) ? `(at x = ${fmt(got.body.x[0])})` : '');
    }
  }
}

/** An options question (1.5): each choice made true on a copy, everything else kept, one step taken. */
async function fillOptions(question, probeIn, net, answers) {
  const o = question.options;
  const base = await probeIn(net, o.probe);
  for (const [i, choice] of o.choices.entries()) {
    const trial = net.copy();
    for (const [name, value] of Object.entries(choice.set)) {
      let v = value;
      if (value && typeof value === 'object' && 'side' in value) v = sideX(trial, value.side, value.unit);
      else if (value && typeof value === 'object') v = readPath(base.r, value.from);
      net.setNamed(name, v, trial);
    }
    const got = finite(trial) && (await probeIn(trial, o.probe));
    const key = `${question.id}-opt-${i}`;
    if (!got) {
      answers.set(key, '–', { raw: true });
      continue;
    }
    const before = readPath(got.r, o.before);
    const after = readPath(got.r, o.after);
    answers.set(key, `${fmt(before)} → ${fmt(after)}`, { raw: true });
    answers.set(`${key}-verdict`, before === after ? 'unchanged' : 'changes', { raw: true });
  }
}

/**
 * One redraw at a time (a change during one asks for another after it), and
 * the answers once the student pauses for ANSWERS_DELAY_MS.
 */
class Updates {
  constructor({ redraw, answers, refused }) {
    this.redraw = redraw;
    this.answers = answers;
    this.refused = refused;
    this.running = false;
    this.again = false;
    this.pending = 0;
    this.timer = null;
  }

  async update() {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.redraw();
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  schedule() {
    this.update().catch(this.refused);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.track(this.answers()).catch(this.refused), ANSWERS_DELAY_MS);
  }

  track(p) {
    this.pending += 1;
    return p.finally(() => {
      this.pending -= 1;
    });
  }

  idle() {
    return !this.running && this.pending === 0;
  }
}

export async function mount({ lesson, api, answers, text, stage, inspector: inspectorEl }) {
  const net = new HandSetNetwork(lesson);
  const plotRange = [lesson.plot.lo, lesson.plot.hi];
  const send = (body) => api.request('POST', '/api/probe', body);
  const changed = () => updates.schedule();

  const knobs = new Knobs(net, plotRange, changed);
  const plot = new FunctionPlot(net, plotRange, () => Math.max(320, Math.floor(stage.clientWidth - 24)), (x) => {
    net.inputs.x = x;
    changed();
  });
  const readout = h('p', { class: 'function-readout', 'data-testid': 'function-readout' });
  const reset = h('button', { class: 'btn btn-small', type: 'button', 'data-testid': 'lesson-reset', onclick: () => {
    net.reset();
    changed();
  } }, 'Back to the homework\'s values');
  stage.replaceChildren(
    h('h2', {}, sym('a', null, 2), ' against ', sym('x')),
    plot.el, readout, knobs.el,
    h('div', { class: 'row' }, reset),
    h('p', { class: 'hint' }, 'Drag on the plot to move x. The inspector writes the layer as a superscript, as Problem 2 does: its ',
      sym('z', 1), ' is ', sym('z', null, 1), ' here and its ', sym('a', 2), ' is ', sym('a', null, 2), '.'));

  const drawQuestions = () => text.replaceChildren(questionList(lesson, answers, net.vars(), {
    extra: (q) => q.options && optionsTable(q, answers),
  }));

  // The inspector mirrors the lesson's point; its step moves the lesson's weights.
  const inspector = new Inspector(inspectorEl, {
    inputs: 1, target: 'value', controls: false, rate: () => net.inputs.lr,
    probe: (body) => send({ layers: net.layers, ...body }),
    apply: async () => {
      net.takeStep(await send({ layers: net.layers, ...net.point() }));
      changed();
    },
  });

  async function computeAnswers() {
    const probe = probeCache(send);
    const probeIn = (c, spec) => {
      const body = resolveProbe(spec, c);
      return body && probe({ layers: c.layers, ...body }).then((r) => ({ body, r }));
    };
    await fillAnswers(lesson, probeIn, net, answers);
    for (const q of lesson.questions.filter((qq) => qq.options)) await fillOptions(q, probeIn, net, answers);
  }

  const updates = new Updates({
    redraw: async () => {
      knobs.sync();
      const main = await send({ layers: net.layers, ...net.point(), plot: { lo: plotRange[0], hi: plotRange[1], samples: SAMPLES } });
      plot.draw(main);
      readout.replaceChildren(...readoutLine(main, net.inputs));
      await inspector.set(net.point());
    },
    answers: () => {
      drawQuestions();
      return computeAnswers();
    },
    refused: (err) => {
      readout.textContent = `The server refused: ${err.message}`;
    },
  });
  window.lessonIdle = () => updates.idle() && api.pending === 0;

  await plot.init();
  drawQuestions();
  await updates.update();
  await computeAnswers();
  return { redraw: () => plot.draw() };
}
