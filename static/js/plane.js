// The plane: class regions (colour = class, lightness = confidence; an image
// with a pixel per grid cell), with the overlay (plane-overlay.js: boundary, unit lines and
// their 0/+ sides, deeper curves, misclassified rings) and the data points on
// top. Layers of one size, stacked:
//   1. background: Plotly, no axes, no interaction: the white plot area, or
//      one unit's activation (a heatmap, Plotly.react every frame);
//   1b. regions: a canvas over the plot area, repainted every frame;
//   2. overlay: a canvas, repainted every frame;
//   3. points: Plotly with the axes, their titles x₁ and x₂, the markers and
//      the legends (plane-legend.js); Plotly.react only when the data
//      change, and it takes the pointer (hover, clicks: on a unit's line they
//      point at that unit, see _lineAt).

import { formatNumber, h } from './dom.js';
import { classProbabilities } from './forward.js';
import { segmentDistance } from './line-labels.js';
import { LinePopup } from './line-popup.js';
import { axisTitles, legendLayout, legendTraces } from './plane-legend.js';
import { className } from './notation.js';
import { CLASS_SYMBOLS, NEGATIVE, POSITIVE, classColor } from './palette.js';
import { Overlay } from './plane-overlay.js';
import { RegionsLayer } from './plane-regions.js';
import { TintLayer } from './creases.js';
import { PLOT_CONFIG, theme } from './theme.js';

const linspace = (a, b, n) => Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));

/** One hidden unit's activation over the plane, from its thumbnail; null without one. */
function activationTrace({ thumbnails, extent }, { layer, unit }) {
  const thumb = thumbnails?.find((t) => t.layer === layer);
  if (!thumb) return null;
  const { size, data, scale: [lo, hi] } = thumb;
  const z = Array.from({ length: size }, (_, i) =>
    Float32Array.from(data.subarray((unit * size + i) * size, (unit * size + i + 1) * size), (v) => lo + ((hi - lo) * v) / 255));
  const max = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  return {
    uid: 'activation',
    type: 'heatmap',
    x: linspace(extent[0], extent[1], size),
    y: linspace(extent[2], extent[3], size),
    z,
    zmin: -max,
    zmax: max,
    colorscale: [[0, NEGATIVE], [0.5, '#ffffff'], [1, POSITIVE]],
    showscale: false,
    hoverinfo: 'skip',
    zsmooth: 'best',
  };
}

// How near (CSS px) the pointer must come to a unit's line to point at it.
const LINE_PICK_PX = 6;
// A fingertip covers more than a cursor: lines and points this near a touch are hit.
const TOUCH_PICK_PX = 14;
// A press released within this distance is a click or a tap (not a drag).
const TAP_SLOP_PX = 8;

function pointsTrace(uid, points, open) {
  return {
    uid,
    type: 'scatter',
    mode: 'markers',
    x: points.map((p) => p[0]),
    y: points.map((p) => p[1]),
    hoverinfo: 'none',
    showlegend: false,
    marker: {
      size: theme.marker,
      color: open ? 'rgba(255,255,255,0.55)' : points.map((p) => classColor(p[2])),
      symbol: points.map((p) => CLASS_SYMBOLS[p[2] % CLASS_SYMBOLS.length]),
      line: open ? { width: theme.hollowLine, color: points.map((p) => classColor(p[2])) } : { width: theme.markerLine, color: '#fff' },
    },
  };
}

export class Plane {
  /**
   * el: the container; onClick(x, y, event, point) for clicks on the plot area,
   * point: the data point [x1, x2, label] under the click, or null.
   * onLineHover(unit | null), onLineSelect(unit): a unit's line pointed at or
   * clicked, unit = {layer: 1, unit}.
   */
  constructor(el, { onClick = () => {}, onLineHover = () => {}, onLineSelect = () => {} } = {}) {
    this.el = el;
    this.onClick = onClick;
    this.onLineHover = onLineHover;
    this.onLineSelect = onLineSelect;
    this.lineHovered = null;
    this.size = 500;
    this.model = null;
    this.hovered = null;
    this.highlight = null;
    this.pointsKey = null;
    this.regionsGraph = el.appendChild(h('div', { class: 'plane-graph plane-regions' }));
    this.regions = new RegionsLayer(el.appendChild(h('canvas', { class: 'plane-graph plane-regions-canvas', dataset: { testid: 'plane-regions' } })));
    this.backgroundKey = null;
    this.tint = new TintLayer(el.appendChild(h('canvas', { class: 'plane-graph plane-tint', dataset: { testid: 'plane-tint' } })));
    this.overlay = new Overlay(el.appendChild(h('canvas', { class: 'plane-graph plane-overlay', dataset: { testid: 'plane-overlay' } })));
    this.pointsGraph = el.appendChild(h('div', { class: 'plane-graph plane-points' }));
    this.tooltip = el.appendChild(h('div', { class: 'plot-tooltip', hidden: true, dataset: { testid: 'plane-tooltip' } }));
    this.linePopup = new LinePopup(el);
  }

  async init() {
    await Plotly.newPlot(this.regionsGraph, [], this._layout([-1, 1, -1, 1], false), { ...PLOT_CONFIG, staticPlot: true });
    await Plotly.newPlot(this.pointsGraph, [], this._layout([-1, 1, -1, 1], true), PLOT_CONFIG);
    this.pointsGraph.on('plotly_hover', (ev) => this._hoverPoint(ev));
    this.pointsGraph.on('plotly_unhover', () => {
      this.overPoint = false;
    });
    this.pointsGraph.addEventListener('mousemove', (ev) => this._hoverPlane(ev));
    this.pointsGraph.addEventListener('mouseleave', () => {
      this._hideTooltip();
      this._pointLine(null);
    });
    // Clicks and taps are told from presses: on a touch Plotly sends a click of
    // its own besides the browser's, and one tap must add one point. The release
    // is heard on the window: Plotly covers the page while a mouse button is down.
    this.pointsGraph.addEventListener('pointerdown', (ev) => {
      this.press = ev.isPrimary && ev.button === 0 ? { id: ev.pointerId, x: ev.clientX, y: ev.clientY } : null;
    });
    window.addEventListener('pointerup', (ev) => {
      const press = this.press;
      this.press = null;
      if (press?.id === ev.pointerId && Math.hypot(ev.clientX - press.x, ev.clientY - press.y) <= TAP_SLOP_PX) this._click(ev);
    });
  }

  _layout(extent, withAxes, legend = false) {
    const axis = withAxes
      ? { zeroline: false, showgrid: false, ticks: 'outside', ticklen: 4, tickfont: { size: theme.tickFont, color: '#556' }, linecolor: '#bcc3cf', mirror: true }
      : { visible: false };
    return {
      width: this.size,
      height: this.size,
      margin: this.margin ?? theme.planeMargin,
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: withAxes ? 'rgba(0,0,0,0)' : '#fff',
      showlegend: legend,
      ...legendLayout(),
      annotations: withAxes ? axisTitles(extent) : [],
      dragmode: false,
      hovermode: withAxes ? 'closest' : false,
      hoverdistance: 10,
      xaxis: { ...axis, fixedrange: true, range: [extent[0], extent[1]], constrain: 'domain' },
      yaxis: { ...axis, fixedrange: true, range: [extent[2], extent[3]], scaleanchor: 'x', constrain: 'domain' },
    };
  }

  resize(size) {
    if (Math.abs(size - this.size) < 2) return;
    this.size = size;
    this.el.style.setProperty('--plane-size', `${size}px`);
    this.pointsKey = null;
    if (this.model) this.render(this.model, this.view);
  }

  /** Highlight one unit's line (layer 1) or curve (deeper layer): {layer, unit} or null. */
  setHighlight(highlight) {
    this.highlight = highlight;
    if (this.model) this.overlay.paint(this.model, this.view, this._highlightPolylines(), this.marker);
  }

  /** Mark one place on the plane (the inspector's point): [x, y], or null for none. */
  setMarker(at) {
    this.marker = at;
    if (this.model) this.overlay.paint(this.model, this.view, this._highlightPolylines(), this.marker);
  }

  /**
   * model: {extent, grid, lines, boundary, curves, points, predictions, weights, layers}
   * view: {regions, showBoundary, showLines, hiddenLines, curveLayers, showVal,
   *        activation: {layer, unit} to show that unit's activation instead of the classes}
   */
  render(model, view) {
    this.model = model;
    this.view = view;
    const { extent } = model;
    const train = model.points?.train ?? [];
    const val = view.showVal ? model.points?.val ?? [] : [];
    // the points' classes are the network's outputs (one sigmoid output: two classes);
    // the regions may be coloured by something else (a lesson's count of active units)
    const nClasses = Math.max(2, model.layers.at(-1).units);
    const lines = view.showLines && model.lines?.some((l) => l.segment) ? { activation: model.layers[0].activation } : null;
    const key = [model.points, view.showVal, this.size, extent.join(), nClasses, lines?.activation, theme.name];
    if (!this.pointsKey || key.some((v, i) => v !== this.pointsKey[i])) {
      this.pointsKey = key;
      this.margin = null;
      Plotly.react(this.pointsGraph, [pointsTrace('train-points', train, false), pointsTrace('val-points', val, true), ...legendTraces(nClasses, lines)],
        this._layout(extent, true, true));
      // the legend may have grown the top margin: the regions graph takes the same plot area
      const { l, r, t, b } = this.pointsGraph._fullLayout._size;
      this.margin = { l, r, t, b, autoexpand: false };
      this._measureArea();
    }
    // The background: one unit's activation (a Plotly heatmap) or the class
    // regions (a canvas); Plotly redraws only when the background changes.
    const activation = view.activation && activationTrace(model, view.activation);
    if (activation) {
      this.backgroundKey = null;
      this.regions.clear();
      Plotly.react(this.regionsGraph, [activation], this._layout(extent, false));
    } else if (model.grid) {
      const backgroundKey = `${this.size}/${extent.join()}`;
      if (backgroundKey !== this.backgroundKey) {
        this.backgroundKey = backgroundKey;
        Plotly.react(this.regionsGraph, [], this._layout(extent, false));
      }
      this.regions.paint(model, view.regions);
    }
    this.tint.paint(view.tintRegions && !activation ? model.regions?.ids ?? null : null);
    this.overlay.paint(model, view, this._highlightPolylines(), this.marker);
    this.linePopup.refresh(model.lines, model.layers[0].activation);
    if (this.hovered) this._showTooltip(this.hovered);
  }

  /** The plot area inside the figure, where the overlay draws (Plotly places it; read it back). */
  _measureArea() {
    const area = this.pointsGraph.querySelector('.nsewdrag');
    const box = this.pointsGraph.getBoundingClientRect();
    const rect = area.getBoundingClientRect();
    const plotArea = { left: rect.left - box.left, top: rect.top - box.top, width: rect.width, height: rect.height };
    this.overlay.resize(this.size, plotArea);
    this.regions.resize(this.size, plotArea);
    this.tint.resize(this.size, plotArea);
  }

  _highlightPolylines() {
    const hl = this.highlight;
    if (!hl || !this.model) return [];
    if (hl.layer === 1) {
      const line = this.model.lines.find((l) => l.unit === hl.unit);
      return line?.segment ? [line.segment] : [];
    }
    return this.model.curves?.[String(hl.layer)]?.[hl.unit] ?? [];
  }

  /** Client pixel -> data coordinates, or null outside the plot area. */
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

  /**
   * The first-layer unit whose drawn line passes within LINE_PICK_PX of the
   * pointer, nearest first; null when none does, or while drawing points
   * (a click there adds a point).
   */
  _lineAt(clientX, clientY, reach = LINE_PICK_PX * theme.lineScale) {
    if (this.el.classList.contains('drawing')) return null;
    const box = this.overlay.canvas.getBoundingClientRect();
    const at = [clientX - box.left, clientY - box.top];
    let best = null;
    for (const line of this.overlay.drawn.lines) {
      const d = segmentDistance(at, [line.from, line.to]);
      if (d <= reach && (!best || d < best.d)) best = { d, unit: line.unit };
    }
    return best ? best.unit : null;
  }

  /** The pointer is on unit's line (or on none: null): tell the page once per change. */
  _pointLine(unit) {
    if (unit === this.lineHovered) return;
    this.lineHovered = unit;
    this.pointsGraph.classList.toggle('on-line', unit !== null);
    this.onLineHover(unit === null ? null : { layer: 1, unit });
  }

  _click(ev) {
    const touch = ev.pointerType === 'touch';
    // where it landed, read before a line's popup and selection can move the plane
    const at = this.dataCoordinates(ev.clientX, ev.clientY);
    const point = at && this._pointAt(ev.clientX, ev.clientY, touch ? TOUCH_PICK_PX : theme.marker);
    const unit = this._lineAt(ev.clientX, ev.clientY, touch ? TOUCH_PICK_PX : undefined);
    if (unit !== null) {
      const line = this.model.lines.find((l) => l.unit === unit);
      const box = this.el.getBoundingClientRect();
      this.linePopup.show(line, this.model.layers[0].activation, [ev.clientX - box.left, ev.clientY - box.top]);
      this.onLineSelect({ layer: 1, unit });
    } else {
      this.linePopup.hide();
    }
    if (at) this.onClick(at[0], at[1], ev, point);
  }

  /** The shown data point nearest the client pixel within reach px (theme.marker: a marker's radius and as much again), or null. */
  _pointAt(clientX, clientY, reach) {
    const rect = this.pointsGraph.querySelector('.nsewdrag').getBoundingClientRect();
    const [x0, x1, y0, y1] = this.model.extent;
    const toClient = ([x, y]) => [rect.left + ((x - x0) / (x1 - x0)) * rect.width, rect.top + ((y1 - y) / (y1 - y0)) * rect.height];
    let best = null;
    const shown = [...(this.model.points?.train ?? []), ...(this.view.showVal ? this.model.points?.val ?? [] : [])];
    for (const p of shown) {
      const [cx, cy] = toClient(p);
      const d = Math.hypot(cx - clientX, cy - clientY);
      if (d <= reach && (!best || d < best.d)) best = { p, d };
    }
    return best?.p ?? null;
  }

  _hoverPoint(ev) {
    const pt = ev.points?.[0];
    const split = { 'train-points': 'train', 'val-points': 'val' }[pt?.data.uid];
    if (!split || !this.model) return;
    const point = this.model.points[split][pt.pointIndex];
    this.overPoint = true;
    this.hovered = { x: point[0], y: point[1], split, label: point[2], clientX: ev.event.clientX, clientY: ev.event.clientY };
    this._showTooltip(this.hovered);
  }

  /** Anywhere on the plane away from a point: the coordinates and the predicted probabilities. */
  _hoverPlane(ev) {
    this._pointLine(this._lineAt(ev.clientX, ev.clientY));
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

  _showTooltip(at) {
    const { weights, layers } = this.model;
    const probs = classProbabilities(weights, layers, [at.x, at.y]);
    const linear = layers.at(-1).activation === 'linear';
    const best = probs.indexOf(Math.max(...probs));
    const rows = probs.map((p, c) =>
      h('tr', { class: c === best ? 'best' : '' },
        h('td', {}, h('span', { class: 'swatch', style: { background: classColor(c) } }), className(c, true)),
        h('td', { class: 'num' }, formatNumber(p)),
        h('td', {}, linear ? '' : h('span', { class: 'bar', style: { width: `${Math.round(Math.max(0, Math.min(1, p)) * 60)}px`, background: classColor(c) } }))));
    const truth = at.split && h('div', {},
      `${at.split === 'train' ? 'training' : 'validation'} point, true `, h('b', {}, className(at.label, true)),
      at.label !== best && h('span', { class: 'wrong' }, ' misclassified'));
    this.tooltip.replaceChildren(h('div', {},
      h('div', { class: 'coords' }, `x₁ = ${formatNumber(at.x, 2)}   x₂ = ${formatNumber(at.y, 2)}`),
      truth,
      h('table', {}, h('caption', {}, linear ? 'network outputs' : 'predicted probabilities'), rows)));
    const box = this.el.getBoundingClientRect();
    this.tooltip.hidden = false;
    const tw = this.tooltip.offsetWidth;
    const left = at.clientX - box.left + 16;
    this.tooltip.style.left = `${left + tw > box.width ? at.clientX - box.left - tw - 16 : left}px`;
    this.tooltip.style.top = `${Math.max(0, at.clientY - box.top - 12)}px`;
  }
}
