// A "plane" lesson (Problem 2): a session holding the lesson's hand-set network
// and points, drawn by the playground's own Plane (unit lines with their 0 and
// + sides, the decision boundary), coloured by the predicted class or by how
// many first-layer units are active (the frame's "active" view). Answers come
// from the session's probe; clicking the plane opens that point in the inspector.

import { h } from './dom.js';
import { decodeActive, decodeFrame } from './frame.js';
import { Inspector } from './inspector.js';
import { className, fmt, sym } from './notation.js';
import { probeCache, valueOf } from './lesson-model.js';
import { questionList } from './lesson-ui.js';
import { classColor } from './palette.js';
import { Plane } from './plane.js';
import { theme } from './theme.js';
import { weightsJson } from './contract.js';

const GRID = 100;
const PLANE_MAX = { normal: 440, presenter: 520 }; // px; less where the column is narrower or shorter
const PLANE_MIN = 220;

export async function mount({ lesson, api, answers, text, stage, inspector: inspectorEl }) {
  const net = lesson.network;
  const view = { grid: GRID, include: ['active'] };
  const bodyWith = (weights) => ({
    data: { source: 'points', train: lesson.data.train },
    network: { hidden: net.hidden, activations: net.activations, output: net.output },
    training: { lr: 0.1 },
    seed: 1,
    resume: { weights },
    view,
  });
  const state = { colour: lesson.colour ?? 'class', showBoundary: true, showLines: true };
  let frame = null;
  let active = null;

  // ---- layout ----
  const planeEl = h('div', { class: 'plane lesson-plane', 'data-testid': 'plane' });
  const legend = h('div', { class: 'plane-legend', 'data-testid': 'plane-legend' });
  const colourButtons = ['active', 'class'].map((mode) => h('button', {
    type: 'button', 'data-testid': `colour-${mode}`, 'aria-pressed': String(state.colour === mode),
    onclick: () => {
      state.colour = mode;
      colourButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.testid === `colour-${mode}`)));
      draw();
    },
  }, mode === 'active' ? 'active units' : 'predicted class'));
  const boundaryBox = h('input', { type: 'checkbox', checked: true, 'data-testid': 'show-boundary', onchange: (e) => { state.showBoundary = e.target.checked; draw(); } });
  const reset = h('button', { class: 'btn btn-small', type: 'button', 'data-testid': 'lesson-reset', onclick: () => load(net.weights) }, 'Back to the homework\'s weights');
  stage.replaceChildren(
    h('div', { class: 'toolbar' },
      h('span', { class: 'toolbar-label' }, 'colour by'),
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Colour the plane by' }, ...colourButtons),
      h('label', { class: 'check' }, boundaryBox, ' decision boundary'),
      reset),
    planeEl, legend);

  const inspector = new Inspector(inspectorEl, {
    inputs: 2, target: 'class', classes: () => frame?.layers.at(-1).units ?? 2, rate: () => 0.1,
    probe: (body) => api.sessionRequest('POST', '/probe', body),
    apply: async (body) => {
      await ingest(await api.sessionRequest('POST', '/probe/apply', { ...body, view }));
      await computeAnswers();
    },
  });
  const plane = new Plane(planeEl, { onClick: (x, y) => inspector.setPoint([x, y]) });
  await plane.init();
  const fit = () => {
    const style = getComputedStyle(stage);
    let size = Math.min(PLANE_MAX[theme.name], stage.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
    if (style.overflowY !== 'visible') { // a column as tall as the window: the plane, its toolbar and legend fit in it
      size = Math.min(size, stage.clientHeight - (stage.scrollHeight - planeEl.offsetHeight));
    }
    size = Math.round(Math.max(PLANE_MIN, size));
    planeEl.style.height = `${size}px`;
    plane.resize(size);
  };
  fit();
  api.recreate = async () => bodyWith(frame ? weightsJson(frame.weights) : net.weights);
  api.onRecreated = (answer) => ingest(answer.frame);

  async function ingest(raw) {
    [frame, active] = await Promise.all([decodeFrame(raw), decodeActive(raw.active)]);
    draw();
  }

  async function load(weights) {
    const replaced = api.sessionId;
    const answer = await api.create(bodyWith(weights));
    // the server keeps few live sessions per address: give back the one replaced
    api.discard(replaced);
    await ingest(answer.frame);
    await computeAnswers();
    if (inspector.x) await inspector.refresh();
  }

  function draw() {
    if (!frame) return;
    let grid = frame.grid;
    if (state.colour === 'active' && active) {
      grid = { resolution: active.resolution, nClasses: active.units + 1, classes: active.counts, confidence: new Uint8Array(active.counts.length).fill(255) };
    }
    plane.render({ ...frame, grid, points: frame.points }, {
      regions: state.colour === 'active' ? 'hard' : 'soft', showBoundary: state.showBoundary, showLines: state.showLines,
      hiddenLines: [], curveLayers: [], showVal: true,
    });
    const swatch = (c, label) => h('span', { class: 'key' }, h('span', { class: 'swatch', style: { background: classColor(c) } }), label);
    legend.replaceChildren(...(state.colour === 'active'
      ? [h('span', {}, 'units active: '), ...Array.from({ length: active.units + 1 }, (_, c) => swatch(c, String(c)))]
      : [h('span', {}, 'predicted: '), ...Array.from({ length: frame.layers.at(-1).units }, (_, c) => swatch(c, className(c, true)))]),
    h('span', { class: 'hint' }, ' Unit lines: ', sym('z', 1, 'j'), ' = 0, with the 0 and + sides.'));
  }

  // ---- questions ----
  text.replaceChildren(questionList(lesson, answers, {}, { onInspect: (probe) => inspector.setPoint(probe.x) }));

  async function computeAnswers() {
    const probe = probeCache((body) => api.sessionRequest('POST', '/probe', body));
    for (const q of lesson.questions) {
      for (const [i, a] of (q.answers ?? []).entries()) {
        const key = `${q.id}-${i}`;
        if (a.probe) answers.set(key, valueOf(a, await probe(a.probe)), a);
        else if (a.columns) {
          const columns = await Promise.all(a.columns.map((x) => probe({ x })));
          const values = columns.map((r) => valueOf(a, r));
          answers.set(key, values[0].map((_, row) => values.map((col) => col[row])), a); // rows of the matrix
        } else if (a.boundary_points) {
          const { unit, count } = a.boundary_points;
          const first = (await probe({ x: [0, 0] })).layers[0];
          const w = [first.W[0][unit], first.W[1][unit]];
          const b = first.W0[unit];
          const norm2 = w[0] * w[0] + w[1] * w[1];
          if (norm2 === 0) {
            answers.set(key, null, a);
            answers.where(key, '(this unit has no line: its w is 0)');
            continue;
          }
          const p0 = [-b * w[0] / norm2, -b * w[1] / norm2];
          const d = [-w[1] / Math.sqrt(norm2), w[0] / Math.sqrt(norm2)];
          const points = Array.from({ length: count }, (_, k) => [p0[0] + (k - 1) * d[0], p0[1] + (k - 1) * d[1]]);
          const zs = await Promise.all(points.map((x) => probe({ x }).then((r) => valueOf(a, r))));
          answers.set(key, zs, a);
          answers.where(key, `at ${points.map((p) => `[${fmt(p[0])}, ${fmt(p[1])}]`).join(', ')} (rows of the 2 × ${count} matrix: [${[0, 1].map((r) => `[${points.map((p) => fmt(p[r])).join(', ')}]`).join(', ')}])`);
        }
      }
    }
  }

  let pending = 0;
  window.lessonIdle = () => pending === 0 && api.pending === 0;
  pending += 1;
  try {
    await load(net.weights);
  } finally {
    pending -= 1;
  }
  return {
    redraw: () => { // presenter mode or a new window size: markers, type and the column change
      plane.pointsKey = null;
      fit();
      draw();
    },
  };
}
