// The plane: class regions (heatmap), decision boundary, first-layer unit
// lines with their "0" and "+" sides, deeper units' curves, and the data.
// Built once with Plotly.newPlot, then every frame is one Plotly.react.

import { classProbabilities } from './forward.js';
import { formatNumber, h as el } from './dom.js';
import { ACCENT, CLASS_SYMBOLS, INK, classColor, regionColorscale } from './palette.js';

const REGION_UIDS = ['regions', 'boundary', 'deep-curves', 'unit-lines', 'unit-labels', 'highlight'];
const POINT_UIDS = ['wrong', 'train-points', 'val-points'];
// While training, the points figure (markers for every point) is redrawn at most this often.
const POINTS_INTERVAL_MS = 250;

const linspace = (a, b, n) => Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));

/** Polylines [[[x, y], ...], ...] as one x and one y array with null breaks (one trace, many lines). */
export function joinPolylines(polylines) {
  const x = [];
  const y = [];
  for (const line of polylines) {
    for (const [px, py] of line) {
      x.push(px);
      y.push(py);
    }
    x.push(null);
    y.push(null);
  }
  return { x, y };
}

// Beyond this many lines the "0" and "+" labels would only be clutter.
const MAX_LABELLED_LINES = 24;
const LABEL_ALONG = 0.1; // labels sit this far along the segment from one end (alternating by unit)
const LABEL_OFF = 0.035; // and this far off the line (share of the view's width), on either side

/**
 * Where a unit's "0" and "+" go: near one end of its segment (units alternate
 * ends, so lines that cross in the middle, as all do at initialisation, keep
 * their labels apart), off the line along its normal w/|w|: "+" where
 * w.x + b > 0, "0" where the ReLU gives 0.
 */
export function sideLabels(line, extent) {
  const [[ax, ay], [bx, by]] = line.segment;
  const t = line.unit % 2 === 0 ? LABEL_ALONG : 1 - LABEL_ALONG;
  const px = ax + (bx - ax) * t;
  const py = ay + (by - ay) * t;
  const norm = Math.hypot(line.w[0], line.w[1]);
  const off = LABEL_OFF * (extent[1] - extent[0]);
  const nx = (line.w[0] / norm) * off;
  const ny = (line.w[1] / norm) * off;
  return [{ at: [px - nx, py - ny], text: '0' }, { at: [px + nx, py + ny], text: '+' }];
}

/** z = class + confidence share in [0, 0.998]: one number per cell for regionColorscale. */
function regionZ(grid, mode) {
  const { resolution: r, classes, confidence, nClasses } = grid;
  const floor = 255 / nClasses; // the lowest possible winning probability, as uint8
  const z = new Array(r);
  for (let i = 0; i < r; i++) {
    const row = new Float32Array(r);
    for (let j = 0; j < r; j++) {
      const cell = i * r + j;
      const t = mode === 'hard' ? 0.5 : Math.max(0, (confidence[cell] - floor) / (255 - floor));
      row[j] = classes[cell] + 0.998 * t;
    }
    z[i] = row;
  }
  return z;
}

function pointsTrace(uid, points, open) {
  return {
    uid,
    type: 'scatter',
    mode: 'markers',
    x: points.map((p) => p[0]),
    y: points.map((p) => p[1]),
    hoverinfo: 'none',
    marker: {
      size: open ? 8 : 8,
      color: open ? 'rgba(255,255,255,0.55)' : points.map((p) => classColor(p[2])),
      symbol: points.map((p) => CLASS_SYMBOLS[p[2] % CLASS_SYMBOLS.length]),
      line: open ? { width: 2, color: points.map((p) => classColor(p[2])) } : { width: 1, color: '#fff' },
    },
  };
}

export class Plane {
  /** el: the container; onClick(x, y, event) for clicks on the plot area. */
  constructor(el, { onClick = () => {} } = {}) {
    this.el = el;
    this.onClick = onClick;
    this.size = 500;
    this.revision = 0;
    this.model = null;
    this.hovered = null;
    this.pointsKey = null;
    this.pointsAt = -Infinity;
    // Two figures, one on top of the other. The lower one (regions, lines) is
    // redrawn every frame and has no axes to lay out; the upper one (axes, the
    // points and the misclassified rings) only when the data or the mistakes
    // change, and then at most every POINTS_INTERVAL_MS while training:
    // redrawing hundreds of markers every frame would cost most of a frame.
    this.regionsGraph = el.appendChild(document.createElement('div'));
    this.regionsGraph.className = 'plane-graph plane-regions';
    this.pointsGraph = el.appendChild(document.createElement('div'));
    this.pointsGraph.className = 'plane-graph plane-points';
    this.tooltip = el.appendChild(document.createElement('div'));
    this.tooltip.className = 'plot-tooltip';
    this.tooltip.hidden = true;
    this.tooltip.dataset.testid = 'plane-tooltip';
  }

  async init() {
    const config = { displayModeBar: false, responsive: false, doubleClick: false, scrollZoom: false };
    const empty = (uids) => uids.map((uid) => ({ uid, type: 'scatter', x: [], y: [] }));
    await Plotly.newPlot(this.regionsGraph, empty(REGION_UIDS), this._layout([-1, 1, -1, 1], false), { ...config, staticPlot: true });
    await Plotly.newPlot(this.pointsGraph, empty(POINT_UIDS), this._layout([-1, 1, -1, 1], true), config);
    this.pointsGraph.on('plotly_hover', (ev) => this._hoverPoint(ev));
    this.pointsGraph.on('plotly_unhover', () => {
      this.overPoint = false;
    });
    this.pointsGraph.addEventListener('mousemove', (ev) => this._hoverPlane(ev));
    this.pointsGraph.addEventListener('mouseleave', () => this._hideTooltip());
    this.pointsGraph.addEventListener('click', (ev) => this._click(ev));
  }

  _layout(extent, points) {
    const axis = { zeroline: false, showgrid: false, ticks: 'outside', ticklen: 4, tickfont: { size: 11, color: '#556' }, fixedrange: true, linecolor: '#bcc3cf', mirror: true };
    const hidden = points ? {} : { visible: false };
    return {
      width: this.size,
      height: this.size,
      margin: { l: 34, r: 6, t: 6, b: 26 },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: points ? 'rgba(0,0,0,0)' : '#fff',
      showlegend: false,
      dragmode: false,
      hovermode: points ? 'closest' : false,
      hoverdistance: 10,
      datarevision: this.revision,
      xaxis: { ...axis, ...hidden, range: [extent[0], extent[1]], constrain: 'domain' },
      yaxis: { ...axis, ...hidden, range: [extent[2], extent[3]], scaleanchor: 'x', constrain: 'domain' },
    };
  }

  resize(size) {
    if (Math.abs(size - this.size) < 2) return;
    this.size = size;
    this.el.style.setProperty('--plane-size', `${size}px`);
    if (this.model) this.render(this.model, this.view);
  }

  /** Highlight one unit's line (layer 1) or curve (deeper layer): {layer, unit} or null. */
  setHighlight(highlight) {
    this.highlight = highlight;
    if (this.model) this.render(this.model, this.view);
  }

  /**
   * model: {extent, grid, lines, boundary, curves, points, predictions, weights, layers}
   * view: {regions, showBoundary, showLines, hiddenLines, curveLayers, showVal}
   */
  render(model, view, { live = false } = {}) {
    this.model = model;
    this.view = view;
    this.revision += 1;
    const { extent } = model;
    const traces = Object.fromEntries(REGION_UIDS.map((uid) => [uid, { uid, type: 'scatter', mode: 'lines', x: [], y: [], hoverinfo: 'skip' }]));

    if (model.grid) {
      const r = model.grid.resolution;
      traces.regions = {
        uid: 'regions',
        type: 'heatmap',
        x: linspace(extent[0], extent[1], r),
        y: linspace(extent[2], extent[3], r),
        z: regionZ(model.grid, view.regions),
        zmin: 0,
        zmax: model.grid.nClasses,
        colorscale: regionColorscale(model.grid.nClasses, view.regions),
        showscale: false,
        hoverinfo: 'skip',
        zsmooth: false,
      };
    }
    if (view.showBoundary) {
      traces.boundary = { ...traces.boundary, ...joinPolylines(model.boundary), line: { color: INK, width: 2.2 } };
    }
    if (model.curves) {
      const polylines = view.curveLayers.flatMap((layer) => (model.curves[String(layer)] ?? []).flat());
      traces['deep-curves'] = { ...traces['deep-curves'], ...joinPolylines(polylines), line: { color: '#5b4b8a', width: 1.4, dash: 'dash' } };
    }
    if (view.showLines) Object.assign(traces, this._unitLines(model.lines, view.hiddenLines, extent));
    traces.highlight = { ...traces.highlight, ...this._highlightXY(model), line: { color: ACCENT, width: 4 } };
    const train = model.points?.train ?? [];
    const val = view.showVal ? model.points?.val ?? [] : [];
    Plotly.react(this.regionsGraph, REGION_UIDS.map((uid) => traces[uid]), this._layout(extent, false));

    const wrong = this._wrongTrace(model, train, val);
    const key = [model.points, view.showVal, this.size, extent.join(), wrong.x.join()];
    const changed = !this.pointsKey || key.some((v, i) => v !== this.pointsKey[i]);
    const dataChanged = changed && (!this.pointsKey || key.slice(0, 4).some((v, i) => v !== this.pointsKey[i]));
    if (dataChanged || (changed && (!live || performance.now() - this.pointsAt > POINTS_INTERVAL_MS))) {
      this.pointsKey = key;
      this.pointsAt = performance.now();
      Plotly.react(this.pointsGraph, [wrong, pointsTrace('train-points', train, false), pointsTrace('val-points', val, true)], this._layout(extent, true));
      performance.measure('crease:react-points', { start: this.pointsAt, end: performance.now() });
    }
    if (this.hovered) this._showTooltip(this.hovered);
  }

  _unitLines(lines, hiddenLines, extent) {
    const shown = lines.filter((l) => l.segment && !hiddenLines.includes(l.unit));
    const labels = shown.length <= MAX_LABELLED_LINES ? shown.flatMap((l) => sideLabels(l, extent)) : [];
    const many = shown.length > MAX_LABELLED_LINES;
    return {
      'unit-lines': {
        uid: 'unit-lines',
        type: 'scatter',
        mode: 'lines',
        hoverinfo: 'skip',
        ...joinPolylines(shown.map((l) => l.segment)),
        line: { color: many ? 'rgba(29,35,48,0.4)' : 'rgba(29,35,48,0.75)', width: many ? 1 : 1.6 },
      },
      'unit-labels': {
        uid: 'unit-labels',
        type: 'scatter',
        mode: 'text',
        hoverinfo: 'skip',
        x: labels.map((l) => l.at[0]),
        y: labels.map((l) => l.at[1]),
        text: labels.map((l) => l.text),
        textfont: { size: 15, color: INK, family: 'system-ui, sans-serif', weight: 700, shadow: '0 0 3px #fff, 0 0 2px #fff' },
      },
    };
  }

  _highlightXY(model) {
    const h = this.highlight;
    if (!h) return { x: [], y: [] };
    if (h.layer === 1) {
      const line = model.lines.find((l) => l.unit === h.unit);
      return joinPolylines(line?.segment ? [line.segment] : []);
    }
    return joinPolylines(model.curves?.[String(h.layer)]?.[h.unit] ?? []);
  }

  _wrongTrace(model, train, val) {
    const x = [];
    const y = [];
    const p = model.predictions;
    if (p && p.length === (model.points?.train.length ?? 0) + (model.points?.val.length ?? 0)) {
      train.forEach((pt, i) => p[i] !== pt[2] && (x.push(pt[0]), y.push(pt[1])));
      const offset = model.points.train.length;
      val.forEach((pt, i) => p[offset + i] !== pt[2] && (x.push(pt[0]), y.push(pt[1])));
    }
    return {
      uid: 'wrong',
      type: 'scatter',
      mode: 'markers',
      x,
      y,
      hoverinfo: 'skip',
      marker: { size: 13, symbol: 'circle-open', color: 'rgba(29,35,48,0.85)', line: { width: 1.4 } },
    };
  }

  /** Plot-area pixel -> data coordinates, or null outside the plot area. */
  dataCoordinates(clientX, clientY) {
    const area = this.pointsGraph.querySelector('.nsewdrag');
    if (!area || !this.model) return null;
    const rect = area.getBoundingClientRect();
    const fx = (clientX - rect.left) / rect.width;
    const fy = (clientY - rect.top) / rect.height;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
    const [x0, x1, y0, y1] = this.model.extent;
    return [x0 + fx * (x1 - x0), y1 - fy * (y1 - y0)];
  }

  _click(ev) {
    const at = this.dataCoordinates(ev.clientX, ev.clientY);
    if (at) this.onClick(at[0], at[1], ev);
  }

  _hoverPoint(ev) {
    const pt = ev.points?.[0];
    if (!pt || !this.model) return;
    const split = { 'train-points': 'train', 'val-points': 'val' }[pt.data.uid];
    if (!split) return;
    const point = this.model.points[split][pt.pointIndex];
    this.overPoint = true;
    this.hovered = { x: point[0], y: point[1], split, label: point[2], clientX: ev.event.clientX, clientY: ev.event.clientY };
    this._showTooltip(this.hovered);
  }

  /** Anywhere on the plane away from a point: the coordinates and the predicted probabilities. */
  _hoverPlane(ev) {
    if (this.overPoint) return;
    const at = this.dataCoordinates(ev.clientX, ev.clientY);
    if (!at) {
      this._hideTooltip();
      return;
    }
    this.hovered = { x: at[0], y: at[1], split: null, label: null, clientX: ev.clientX, clientY: ev.clientY };
    this._showTooltip(this.hovered);
  }

  _hideTooltip() {
    this.hovered = null;
    this.overPoint = false;
    this.tooltip.hidden = true;
  }

  _showTooltip(h) {
    const { weights, layers } = this.model;
    const probs = classProbabilities(weights, layers, [h.x, h.y]);
    const linear = layers.at(-1).activation === 'linear';
    const best = probs.indexOf(Math.max(...probs));
    const rows = probs.map((p, c) =>
      el('tr', { class: c === best ? 'best' : '' },
        el('td', {}, el('span', { class: 'swatch', style: { background: classColor(c) } }), `class ${c}`),
        el('td', { class: 'num' }, formatNumber(p)),
        el('td', {}, linear ? '' : el('span', { class: 'bar', style: { width: `${Math.round(Math.max(0, Math.min(1, p)) * 60)}px`, background: classColor(c) } }))));
    const truth = h.split && el('div', {},
      `${h.split === 'train' ? 'training' : 'validation'} point, true class `, el('b', {}, String(h.label)),
      h.label !== best && el('span', { class: 'wrong' }, ' misclassified'));
    this.tooltip.replaceChildren(el('div', {},
      el('div', { class: 'coords' }, `x₁ = ${formatNumber(h.x, 2)}   x₂ = ${formatNumber(h.y, 2)}`),
      truth,
      el('table', {}, el('caption', {}, linear ? 'network outputs' : 'predicted probabilities'), rows)));
    const box = this.el.getBoundingClientRect();
    this.tooltip.hidden = false;
    const tw = this.tooltip.offsetWidth;
    const left = h.clientX - box.left + 16;
    this.tooltip.style.left = `${left + tw > box.width ? h.clientX - box.left - tw - 16 : left}px`;
    this.tooltip.style.top = `${Math.max(0, h.clientY - box.top - 12)}px`;
  }
}
