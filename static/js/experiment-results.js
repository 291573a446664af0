// The experiment runner's results: per architecture the min/max/mean
// validation accuracy (a table and a chart), and for the architecture chosen
// every trial's validation-loss curve with its minimum marked, the decision
// regions of its best and worst trial side by side, and the predicted classes
// of the user's points. All numbers come from GET /api/experiments/{id}/results.

import { h } from './dom.js';
import { decodeGrid } from './frame.js';
import { fmt } from './notation.js';
import { CLASS_SYMBOLS, INK, POSITIVE, classColor, regionColorscale } from './palette.js';
import { PLOT_CONFIG } from './theme.js';

const FONT = { family: 'system-ui, sans-serif', color: INK, size: 11 };

export const archName = (hidden) => (hidden.length ? `(${hidden.join(', ')})` : '() no hidden layer');

const linspace = (a, b, n) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

function summaryTable(results, chosen, onChoose) {
  const rows = results.architectures.map((a, i) => {
    const f = a.summary.final_val_acc ?? {};
    const m = a.summary.mean_val_acc ?? {};
    const e = a.summary.min_val_loss_epoch ?? {};
    const e1 = a.summary.min_val_loss_epoch_1based ?? {};
    return h('tr', { class: i === chosen ? 'best' : '', 'data-testid': `result-row-${i}` },
      h('td', {}, h('button', { class: 'btn-link', type: 'button', onclick: () => onChoose(i) }, archName(a.hidden))),
      h('td', {}, String(a.trials.length)),
      h('td', { 'data-testid': `acc-min-${i}` }, fmt(f.min)),
      h('td', { 'data-testid': `acc-max-${i}` }, fmt(f.max)),
      h('td', { 'data-testid': `acc-mean-${i}` }, fmt(f.mean)),
      h('td', {}, fmt(m.mean)),
      h('td', { 'data-testid': `min-loss-epochs-${i}` }, `${fmt(e.min)}–${fmt(e.max)} (1-based ${fmt(e1.min)}–${fmt(e1.max)})`),
      h('td', {}, `${fmt(a.summary.mean_curve_min_val_loss_epoch)} (1-based ${fmt(a.summary.mean_curve_min_val_loss_epoch_1based)})`));
  });
  return h('table', { class: 'results-table', 'data-testid': 'results-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'architecture'), h('th', {}, 'trials'),
      h('th', {}, 'min val acc'), h('th', {}, 'max val acc'), h('th', {}, 'mean val acc'),
      h('th', { title: 'mean over trials of the per-epoch mean validation accuracy: what the homework\'s harness prints' }, 'epoch-mean val acc'),
      h('th', { title: 'epoch of minimum validation loss, counted from 0 as the homework\'s plots (range(epochs)) are read' }, 'min-loss epoch from 0 (range)'),
      h('th', { title: 'epoch (from 0) where the trial-averaged validation loss is lowest' }, 'min of mean curve'))),
    h('tbody', {}, ...rows));
}

function accuracyChart(el, results, width) {
  const names = results.architectures.map((a) => archName(a.hidden).replace(' no hidden layer', ''));
  const f = results.architectures.map((a) => a.summary.final_val_acc ?? {});
  const trialsX = results.architectures.flatMap((a, i) => a.trials.map(() => names[i]));
  const trialsY = results.architectures.flatMap((a) => a.trials.map((t) => t.final_val_acc));
  return Plotly.react(el, [
    { type: 'scatter', mode: 'markers', x: trialsX, y: trialsY, name: 'trials', marker: { size: 6, color: 'rgba(11,92,173,0.35)' }, hovertemplate: '%{x}: %{y:.4f}<extra>trial</extra>' },
    {
      type: 'scatter', mode: 'markers+lines', x: names, y: f.map((s) => s.mean), name: 'mean',
      marker: { size: 10, color: POSITIVE, symbol: 'diamond' }, line: { color: POSITIVE, width: 1.5 },
      error_y: { type: 'data', symmetric: false, array: f.map((s) => s.max - s.mean), arrayminus: f.map((s) => s.mean - s.min), color: POSITIVE, thickness: 1.2, width: 6 },
      hovertemplate: '%{x}: mean %{y:.4f}<extra></extra>',
    },
  ], {
    width, height: 230, margin: { l: 48, r: 8, t: 24, b: 40 }, showlegend: false, font: FONT,
    title: { text: 'validation accuracy by architecture (min–max, mean)', font: { size: 12 }, x: 0.02 },
    paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#fff',
    xaxis: { type: 'category', fixedrange: true, tickfont: { size: 11 } },
    yaxis: { title: { text: 'accuracy' }, fixedrange: true, gridcolor: '#eef0f4' },
  }, PLOT_CONFIG);
}

function lossCurves(el, arch, width) {
  const palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#555555'];
  const traces = arch.trials.flatMap((t, i) => {
    const color = palette[i % palette.length];
    const h_ = t.history;
    const best = t.min_val_loss_epoch;   // 0-based, as the x axis
    const has = best !== null && best !== undefined;
    return [
      // epochs from 0, as the homework's plots (range(epochs)); history counts epochs trained
      { type: 'scatter', mode: 'lines', x: h_.epoch.map((e) => e - 1), y: h_.val_loss, name: `trial ${t.trial}`, line: { color, width: 1.4 }, hovertemplate: `trial ${t.trial}, epoch %{x}: %{y:.4f}<extra></extra>` },
      { type: 'scatter', mode: 'markers', x: has ? [best] : [], y: has ? [t.min_val_loss] : [], showlegend: false, marker: { size: 9, symbol: 'diamond', color, line: { color: '#fff', width: 1 } }, hovertemplate: `trial ${t.trial}: minimum %{y:.4f} at epoch %{x} (from 0)<extra></extra>` },
    ];
  });
  return Plotly.react(el, traces, {
    width, height: 250, margin: { l: 48, r: 8, t: 24, b: 36 }, font: FONT, showlegend: arch.trials.length <= 8,
    legend: { font: { size: 10 }, orientation: 'h', y: -0.25 },
    title: { text: `validation loss per trial (◆ = minimum), ${archName(arch.hidden)}`, font: { size: 12 }, x: 0.02 },
    paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#fff',
    xaxis: { title: { text: 'epoch (from 0, as the homework\'s plots)', standoff: 2 }, fixedrange: true, gridcolor: '#eef0f4' },
    yaxis: { title: { text: 'loss' }, fixedrange: true, gridcolor: '#eef0f4', rangemode: 'tozero' },
  }, PLOT_CONFIG);
}

async function regionPlot(el, region, results, size, predict) {
  const grid = await decodeGrid(region.grid);
  const r = grid.resolution;
  const [x0, x1, y0, y1] = results.extent;
  const z = Array.from({ length: r }, (_, i) => Array.from({ length: r }, (_, j) => grid.classes[i * r + j] + 0.5));
  const points = [...results.points.train, ...results.points.val];
  const traces = [
    { type: 'heatmap', x: linspace(x0, x1, r), y: linspace(y0, y1, r), z, zmin: 0, zmax: grid.nClasses, colorscale: regionColorscale(grid.nClasses, 'hard'), showscale: false, hoverinfo: 'skip', zsmooth: false },
    { type: 'scatter', mode: 'markers', x: points.map((p) => p[0]), y: points.map((p) => p[1]), hoverinfo: 'skip', marker: { size: 4, color: points.map((p) => classColor(p[2])), symbol: points.map((p) => CLASS_SYMBOLS[p[2] % CLASS_SYMBOLS.length]), line: { color: '#fff', width: 0.5 } } },
  ];
  if (predict?.length) {
    traces.push({ type: 'scatter', mode: 'markers', x: predict.map((p) => p[0]), y: predict.map((p) => p[1]), hovertemplate: '(%{x}, %{y})<extra>your point</extra>', marker: { size: 9, symbol: 'x', color: INK, line: { color: '#fff', width: 1 } } });
  }
  return Plotly.react(el, traces, {
    width: size, height: size, margin: { l: 30, r: 4, t: 4, b: 22 }, showlegend: false, font: FONT,
    xaxis: { range: [x0, x1], fixedrange: true, showgrid: false, zeroline: false, constrain: 'domain' },
    yaxis: { range: [y0, y1], fixedrange: true, showgrid: false, zeroline: false, scaleanchor: 'x', constrain: 'domain' },
  }, PLOT_CONFIG);
}

function predictionsTable(results, arch) {
  const pts = results.predict_points;
  if (!pts?.length) return h('p', { class: 'hint' }, 'List points under "Points to classify" before running to see their predicted classes here.');
  return h('table', { class: 'results-table predictions-table', 'data-testid': 'predictions' },
    h('thead', {}, h('tr', {}, h('th', {}, 'trial'), ...pts.map((p) => h('th', {}, `[${p.map((v) => fmt(v)).join(', ')}]`)))),
    h('tbody', {}, ...arch.trials.map((t) => h('tr', {}, h('td', {}, String(t.trial)), ...t.predictions.map((c) => h('td', {}, String(c)))))),
    h('caption', {}, `Predicted class index (0, 1, ...) of each point, per trial of ${archName(arch.hidden)}. As a list: `,
      h('code', { 'data-testid': 'predictions-list' }, JSON.stringify(arch.trials[0].predictions))));
}

/** Draw everything into `el`; returns when the charts are drawn. */
export async function renderResults(el, results) {
  const width = Math.max(360, el.clientWidth - 32);
  let chosen = 0;
  results.architectures.forEach((a, i) => {
    const best = results.architectures[chosen].summary.final_val_acc?.mean ?? -1;
    if ((a.summary.final_val_acc?.mean ?? -1) > best) chosen = i;
  });
  const table = h('div');
  const chart = h('div', { 'data-testid': 'accuracy-chart' });
  const detail = h('div', { 'data-testid': 'detail' });
  el.replaceChildren(
    h('h2', {}, `Results: ${results.architectures.reduce((n, a) => n + a.trials.length, 0)} trials, ${results.done ? 'all done' : 'partial'}`),
    results.degraded
      ? h('p', { class: 'hint', 'data-testid': 'degraded' }, `Regions drawn on a ${results.degraded.drawn.grid}-cell grid (asked ${results.degraded.asked.grid}) to stay within the server's ${results.degraded.budget_ms} ms budget.`)
      : '',
    table, chart, detail);
  await accuracyChart(chart, results, width);

  async function choose(i) {
    chosen = i;
    table.replaceChildren(summaryTable(results, chosen, choose),
      h('p', { class: 'hint' }, 'Accuracy is the share of validation points classified correctly after the last epoch; "epoch-mean" averages it over the epochs, as the homework\'s harness prints it. Click an architecture for its curves and regions.'));
    const arch = results.architectures[i];
    const curves = h('div', { 'data-testid': 'loss-curves' });
    const size = Math.min(300, Math.floor((width - 16) / 2));
    const best = h('div', { 'data-testid': 'regions-best' });
    const worst = h('div', { 'data-testid': 'regions-worst' });
    const { best: b, worst: w } = arch.regions;
    detail.replaceChildren(
      h('h2', {}, archName(arch.hidden)),
      curves,
      h('div', { class: 'regions-pair' },
        h('figure', {}, best, h('figcaption', {}, `best: trial ${b.trial}, validation accuracy ${fmt(b.score)}`)),
        h('figure', {}, worst, h('figcaption', {}, `worst: trial ${w.trial}, validation accuracy ${fmt(w.score)}`))),
      predictionsTable(results, arch));
    await Promise.all([lossCurves(curves, arch, width), regionPlot(best, b, results, size, results.predict_points), regionPlot(worst, w, results, size, results.predict_points)]);
  }
  await choose(chosen);
}

