// A "function" lesson (Problem 1): a hand-set network with one input, drawn as
// a function of x with its kinks marked. x, y, the rate and every named weight
// can be dragged or typed; the plot, the inspector and every answer follow,
// each computed by POST /api/probe from the network as it is now.

import { h } from './dom.js';
import { Inspector } from './inspector.js';
import { fmt, rich, sym, symbol } from './notation.js';
import { probeCache, readPath, resolveProbe, sideX, valueOf } from './lesson-model.js';
import { questionList, testid } from './lesson-ui.js';
import { ACCENT, INK, NEGATIVE, POSITIVE } from './palette.js';

const SAMPLES = 241;
const RANGES = { x: null, y: [-5, 10, 0.1], lr: [0.01, 1, 0.01], weight: [-5, 5, 0.1] };

export async function mount({ lesson, api, answers, text, stage, inspector: inspectorEl }) {
  const ctx = { layers: structuredClone(lesson.network.layers), inputs: { ...lesson.inputs } };
  const plotRange = [lesson.plot.lo, lesson.plot.hi];
  const send = (body) => api.request('POST', '/api/probe', body);

  // ---- the values a student can move ----
  const params = lesson.parameters.map((p) => ({ ...p, label: symbol(p.name) }));
  const getParam = (p, c = ctx) => (p.kind === 'W' ? c.layers[p.layer].W[p.i][p.j] : c.layers[p.layer].W0[p.j]);
  const setParam = (p, v, c = ctx) => {
    if (p.kind === 'W') c.layers[p.layer].W[p.i][p.j] = v;
    else c.layers[p.layer].W0[p.j] = v;
  };
  const knobs = [
    { key: 'x', label: sym('x'), get: () => ctx.inputs.x, set: (v) => { ctx.inputs.x = v; }, range: [plotRange[0], plotRange[1], 0.05] },
    { key: 'y', label: sym('y'), get: () => ctx.inputs.y, set: (v) => { ctx.inputs.y = v; }, range: RANGES.y },
    { key: 'lr', label: h('span', {}, 'rate η'), get: () => ctx.inputs.lr, set: (v) => { ctx.inputs.lr = v; }, range: RANGES.lr },
    ...params.map((p) => ({ key: p.name, label: p.label, get: () => getParam(p), set: (v) => setParam(p, v), range: RANGES.weight })),
  ];
  const knobEls = knobs.map((k) => {
    const [lo, hi, step] = k.range;
    const number = h('input', { type: 'number', step: 'any', 'data-testid': `knob-${testid(k.key)}`, 'aria-label': k.key });
    const slider = h('input', { type: 'range', min: String(lo), max: String(hi), step: String(step), 'aria-label': `${k.key} slider`, 'data-testid': `slider-${testid(k.key)}` });
    const take = (raw) => {
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v) || (k.key === 'lr' && v <= 0)) return;
      k.set(v);
      schedule();
    };
    number.addEventListener('change', () => take(number.value));
    slider.addEventListener('input', () => take(slider.value));
    return { k, number, slider, row: h('label', { class: 'knob' }, h('span', { class: 'knob-name' }, k.label), slider, number) };
  });
  const syncKnobs = () => knobEls.forEach(({ k, number, slider }) => {
    if (document.activeElement !== number) number.value = String(k.get());
    if (document.activeElement !== slider) slider.value = String(k.get());
  });

  // ---- layout ----
  const plotEl = h('div', { class: 'function-plot', 'data-testid': 'function-plot' });
  const readout = h('p', { class: 'function-readout', 'data-testid': 'function-readout' });
  const reset = h('button', { class: 'btn btn-small', type: 'button', 'data-testid': 'lesson-reset', onclick: () => {
    ctx.layers = structuredClone(lesson.network.layers);
    ctx.inputs = { ...lesson.inputs };
    schedule();
  } }, 'Back to the homework\'s values');
  stage.replaceChildren(
    h('h2', {}, sym('a', null, 2), ' against ', sym('x')),
    plotEl, readout,
    h('div', { class: 'knobs', 'data-testid': 'knobs' }, ...knobEls.map((e) => e.row)),
    h('div', { class: 'row' }, reset),
    h('p', { class: 'hint' }, 'Drag on the plot to move x. The inspector writes the layer as a superscript, as Problem 2 does: its ',
      sym('z', 1), ' is ', sym('z', null, 1), ' here and its ', sym('a', 2), ' is ', sym('a', null, 2), '.'));
  const vars = () => ({ x: ctx.inputs.x, y: ctx.inputs.y, lr: ctx.inputs.lr });
  const drawQuestions = () => {
    text.replaceChildren(questionList(lesson, answers, vars()), optionsBlock());
  };

  // ---- 1.5-style options: each choice made true, one step taken ----
  const optionsQ = lesson.questions.find((q) => q.options);
  function optionsBlock() {
    if (!optionsQ) return '';
    const o = optionsQ.options;
    return h('div', { class: 'options', 'data-testid': `options-${testid(optionsQ.id)}` },
      h('div', { class: 'question-head' }, h('span', { class: 'question-id' }, optionsQ.id), h('span', { class: 'question-text' }, rich(optionsQ.text, vars()))),
      h('table', { class: 'options-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'condition'), h('th', {}, symbol(o.symbol), ' before → after one step'), h('th', {}, 'unchanged?'))),
        h('tbody', {}, ...o.choices.map((c, i) => h('tr', {},
          h('td', {}, rich(c.text)),
          h('td', {}, answers.slot(`${optionsQ.id}-opt-${i}`)),
          h('td', {}, answers.slot(`${optionsQ.id}-opt-${i}-verdict`)))))));
  }

  // ---- the inspector mirrors the lesson's point ----
  const inspector = new Inspector(inspectorEl, {
    inputs: 1, target: 'value', controls: false, rate: () => ctx.inputs.lr,
    probe: (body) => send({ layers: ctx.layers, ...body }),
    apply: async () => {
      const r = await send({ layers: ctx.layers, x: [ctx.inputs.x], target: [ctx.inputs.y], lr: ctx.inputs.lr });
      ctx.layers.forEach((layer, l) => {
        layer.W = r.layers[l].W_after;
        layer.W0 = r.layers[l].W0_after;
      });
      schedule();
    },
  });

  // ---- drawing ----
  const config = { displayModeBar: false, responsive: false, doubleClick: false, scrollZoom: false };
  await Plotly.newPlot(plotEl, [], {}, config);
  plotEl.addEventListener('pointerdown', (ev) => dragX(ev));

  function dragX(ev) {
    const xa = plotEl._fullLayout?.xaxis;
    if (!xa) return;
    const area = plotEl.querySelector('.nsewdrag')?.getBoundingClientRect();
    if (!area || ev.clientY < area.top || ev.clientY > area.bottom) return;
    const move = (e) => {
      const x = xa.p2d(e.clientX - area.left);
      if (x >= plotRange[0] && x <= plotRange[1]) {
        ctx.inputs.x = Math.round(x * 100) / 100;
        schedule();
      }
    };
    move(ev);
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  function drawPlot(main) {
    const { plot } = main;
    const a2 = main.output.a[0];
    const kinks = plot.kinks.filter((k) => k.y !== null);
    const width = Math.max(320, Math.floor(stage.clientWidth - 24));
    Plotly.react(plotEl, [
      { uid: 'f', type: 'scatter', mode: 'lines', x: plot.x, y: plot.y, line: { color: POSITIVE, width: 2.5 }, hovertemplate: 'x = %{x:.3f}<br>a₂ = %{y:.4g}<extra></extra>' },
      { uid: 'kinks', type: 'scatter', mode: 'markers+text', x: kinks.map((k) => k.x), y: kinks.map((k) => k.y), text: kinks.map((k) => `kink x = ${fmt(k.x)}`), textposition: 'bottom right', marker: { size: 11, symbol: 'diamond', color: INK }, textfont: { size: 12, color: INK }, hoverinfo: 'skip' },
      { uid: 'target', type: 'scatter', mode: 'markers', x: [ctx.inputs.x], y: [ctx.inputs.y], marker: { size: 12, symbol: 'circle-open', color: NEGATIVE, line: { width: 2.5 } }, hovertemplate: 'target y = %{y:.4g}<extra></extra>' },
      { uid: 'point', type: 'scatter', mode: 'markers', x: [ctx.inputs.x], y: [a2], marker: { size: 12, color: ACCENT, line: { color: '#fff', width: 1.5 } }, hovertemplate: 'a₂ = %{y:.4g} at x = %{x:.3f}<extra></extra>' },
    ], {
      width, height: 300, margin: { l: 44, r: 10, t: 10, b: 36 }, showlegend: false, dragmode: false,
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#fff', font: { family: 'system-ui, sans-serif', color: INK },
      xaxis: { range: plotRange, title: { text: 'x', standoff: 4 }, zeroline: true, zerolinecolor: '#c9ced8', gridcolor: '#eef0f4', fixedrange: true },
      yaxis: { title: { text: 'a₂', standoff: 4 }, zeroline: true, zerolinecolor: '#c9ced8', gridcolor: '#eef0f4', fixedrange: true },
      shapes: [{ type: 'line', x0: ctx.inputs.x, x1: ctx.inputs.x, yref: 'paper', y0: 0, y1: 1, line: { color: ACCENT, width: 1, dash: 'dot' } }],
    }, config);
    const z1 = main.layers[0].z[0];
    readout.replaceChildren(
      'At x = ', h('b', { class: 'num' }, fmt(ctx.inputs.x)), ': ', sym('z', null, 1), ' = ', h('b', { class: 'num' }, fmt(z1)),
      z1 >= 0 ? ' ≥ 0, the ReLU passes it on; ' : ' < 0, the ReLU gives 0; ',
      sym('a', null, 2), ' = ', h('b', { class: 'num', 'data-testid': 'readout-a2' }, fmt(a2)),
      ', target y = ', h('b', { class: 'num' }, fmt(ctx.inputs.y)), ', loss L = ', h('b', { class: 'num' }, fmt(main.loss)), '. ',
      h('span', { class: 'hint' }, '(filled dot: the output; ring: the target; diamond: the kink)'));
  }

  async function computeAnswers() {
    const probe = probeCache(send);
    const probeIn = (c, spec) => {
      const body = resolveProbe(spec, c);
      return body && probe({ layers: c.layers, ...body }).then((r) => ({ body, r }));
    };
    for (const q of lesson.questions) {
      for (const [i, a] of (q.answers ?? []).entries()) {
        if (!a.probe) continue;
        const key = `${q.id}-${i}`;
        const got = await probeIn(ctx, a.probe);
        if (!got) {
          answers.set(key, null, a);
          answers.where(key, '(no x gives this case while this weight is 0)');
          continue;
        }
        answers.set(key, valueOf(a, got.r), a);
        answers.where(key, typeof a.probe.x === 'object' && !Array.isArray(a.probe.x) ? `(at x = ${fmt(got.body.x[0])})` : '');
      }
    }
    if (!optionsQ) return;
    const o = optionsQ.options;
    const base = await probeIn(ctx, o.probe);
    for (const [i, choice] of o.choices.entries()) {
      const c = structuredClone(ctx);
      for (const [name, value] of Object.entries(choice.set)) {
        let v = value;
        if (value && typeof value === 'object' && 'side' in value) v = sideX(c, value.side, value.unit);
        else if (value && typeof value === 'object') v = readPath(base.r, value.from);
        if (name in c.inputs) c.inputs[name] = v;
        else setParam(params.find((p) => p.name === name), v, c);
      }
      const got = defined(c) && (await probeIn(c, o.probe));
      const key = `${optionsQ.id}-opt-${i}`;
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
  const defined = (c) => Object.values(c.inputs).every((v) => v !== null && Number.isFinite(v));

  // ---- one update at a time; answers once the student pauses ----
  let running = false;
  let again = false;
  let answersTimer = null;
  async function update() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        syncKnobs();
        const main = await send({ layers: ctx.layers, x: [ctx.inputs.x], target: [ctx.inputs.y], lr: ctx.inputs.lr, plot: { lo: plotRange[0], hi: plotRange[1], samples: SAMPLES } });
        drawPlot(main);
        await inspector.set({ x: [ctx.inputs.x], target: [ctx.inputs.y], lr: ctx.inputs.lr });
      } while (again);
    } finally {
      running = false;
    }
  }
  const refused = (err) => {
    readout.textContent = `The server refused: ${err.message}`;
  };
  function schedule() {
    update().catch(refused);
    clearTimeout(answersTimer);
    answersTimer = setTimeout(() => {
      drawQuestions();
      track(computeAnswers()).catch(refused);
    }, 150);
  }
  let pending = 0;
  const track = (p) => {
    pending += 1;
    return p.finally(() => {
      pending -= 1;
    });
  };
  window.lessonIdle = () => !running && pending === 0 && api.pending === 0;

  drawQuestions();
  await update();
  await computeAnswers();
}
