// What the plane draws over the class regions, on a canvas: the decision
// boundary, deeper units' curves, first-layer unit lines with their numbers
// and sides (placed by line-labels.js), the highlighted unit, rings around
// misclassified points, and the inspector's point.
// Painting these every frame costs about a millisecond; as Plotly traces they
// cost most of a frame (a redraw lays out every trace and marker again).

import { clearedContext, sizeCanvas } from './dom.js';
import { MarkerIndex, pixelNormal, placeLineLabels, sideNames } from './line-labels.js';
import { ACCENT, INK } from './palette.js';
import { theme } from './theme.js';

// Beyond this many lines their labels would only be clutter.
export const MAX_LABELLED_LINES = 24;
const RING_RADIUS = 6.5;

const STYLE = {
  boundary: { color: INK, width: 2.2 },
  curves: { color: '#5b4b8a', width: 1.4, dash: [6, 4] },
  lines: { color: 'rgba(29,35,48,0.75)', width: 1.6 },
  deadLines: { color: 'rgba(29,35,48,0.5)', width: 1.6, dash: [7, 5] },
  manyLines: { color: 'rgba(29,35,48,0.4)', width: 1 },
  highlight: { color: ACCENT, width: 4 },
  ring: { color: 'rgba(29,35,48,0.85)', width: 1.4 },
  marker: { color: ACCENT, halo: 'rgba(255,255,255,0.95)', width: 2.5 },
};

/** Label box sizes in CSS pixels for the theme's font: {unit: [w, h] per digit count, side: [w, h]}. */
export function labelSizes(digits) {
  const f = theme.labelFont;
  return { unit: [Math.round(0.62 * (f - 2) * digits + 8), f + 3], side: [Math.round(0.72 * f + 2), f] };
}

/** The misclassified points, {train, val}: predictions (train then val) against labels. */
export function misclassified(points, predictions) {
  const wrong = { train: [], val: [] };
  if (!points || !predictions || predictions.length !== points.train.length + points.val.length) return wrong;
  wrong.train = points.train.filter((p, i) => predictions[i] !== p[2]);
  wrong.val = points.val.filter((p, i) => predictions[points.train.length + i] !== p[2]);
  return wrong;
}

export class Overlay {
  constructor(canvas) {
    this.canvas = canvas;
    // What the last paint drew, in canvas pixels (read by tests, and by nothing else).
    this.drawn = { lines: [], labels: [], rings: 0, boundary: 0, curves: 0, highlight: [], marker: null };
    // unit -> where along its line its labels went last time (line-labels.js keeps them there when it can)
    this.placements = new Map();
  }

  /** area: the plot area {left, top, width, height} in CSS pixels of a size x size canvas. */
  resize(size, area) {
    sizeCanvas(this.canvas, size);
    this.size = size;
    this.area = area;
  }

  /** Data coordinates -> canvas pixels. */
  _toPixels(extent) {
    const [x0, x1, y0, y1] = extent;
    const { left, top, width, height } = this.area;
    return ([x, y]) => [left + ((x - x0) / (x1 - x0)) * width, top + ((y1 - y) / (y1 - y0)) * height];
  }

  _stroke(ctx, polylines, toPx, { color, width, dash = [] }) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width * theme.lineScale;
    ctx.setLineDash(dash.map((d) => d * theme.lineScale));
    ctx.beginPath();
    for (const line of polylines) {
      line.forEach((p, k) => {
        const [px, py] = toPx(p);
        if (k === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      });
    }
    ctx.stroke();
    ctx.setLineDash([]);
  }

  /**
   * model: {extent, lines, boundary, curves, points, predictions}
   * view: {showBoundary, showLines, hiddenLines, curveLayers, showVal}
   * highlight: polylines to emphasise (a unit's line or curve) or [].
   * marker: [x, y], the point the inspector shows, or null.
   */
  paint(model, view, highlight, marker = null) {
    const ctx = clearedContext(this.canvas, this.size);
    if (!this.area) return;
    const { left, top, width, height } = this.area;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.lineJoin = 'round';
    const toPx = this._toPixels(model.extent);
    const drawn = { lines: [], labels: [], rings: 0, boundary: 0, curves: 0 };

    if (view.showBoundary) {
      this._stroke(ctx, model.boundary, toPx, STYLE.boundary);
      drawn.boundary = model.boundary.length;
    }
    if (model.curves) {
      const curves = view.curveLayers.flatMap((layer) => (model.curves[String(layer)] ?? []).flat());
      this._stroke(ctx, curves, toPx, STYLE.curves);
      drawn.curves = curves.length;
    }
    if (view.showLines) {
      const shown = model.lines.filter((l) => l.segment && !view.hiddenLines.includes(l.unit));
      const many = shown.length > MAX_LABELLED_LINES;
      // a unit dead on every training point (creases.js): its line dashed
      const dead = new Set(model.regions?.dead?.[0] ?? []);
      this._stroke(ctx, shown.filter((l) => !dead.has(l.unit)).map((l) => l.segment), toPx, many ? STYLE.manyLines : STYLE.lines);
      this._stroke(ctx, shown.filter((l) => dead.has(l.unit)).map((l) => l.segment), toPx, STYLE.deadLines);
      drawn.lines = shown.map((l) => ({ unit: l.unit, from: toPx(l.segment[0]), to: toPx(l.segment[1]), dead: dead.has(l.unit) }));
      if (!many) drawn.labels = this._labels(ctx, model, view, shown, toPx);
    }
    this._stroke(ctx, highlight, toPx, STYLE.highlight);
    drawn.highlight = highlight.map((line) => line.map(toPx));
    const { train, val } = misclassified(model.points, model.predictions);
    const wrong = view.showVal ? train.concat(val) : train;
    this._rings(ctx, wrong, toPx);
    drawn.rings = wrong.length;
    drawn.marker = marker && this._marker(ctx, toPx(marker));
    ctx.restore();
    this.drawn = drawn;
  }

  /** Each shown line's number and side names, where line-labels.js finds room for them. */
  _labels(ctx, model, view, lines, toPx) {
    const [x0, x1, y0, y1] = model.extent;
    const { width, height } = this.area;
    const segments = lines.map((l) => {
      const [from, to] = l.segment.map(toPx);
      return { unit: l.unit, from, to, normal: pixelNormal(l.w, width / (x1 - x0), height / (y1 - y0)) };
    });
    // the shortest lines have the fewest places to go: they choose first
    segments.sort((a, b) => Math.hypot(a.to[0] - a.from[0], a.to[1] - a.from[1]) - Math.hypot(b.to[0] - b.from[0], b.to[1] - b.from[1]));
    const points = (model.points?.train ?? []).concat(view.showVal ? model.points?.val ?? [] : []);
    const markers = new MarkerIndex(points.map(toPx), theme.marker + 2 * theme.markerLine);
    const labels = placeLineLabels(segments, {
      names: sideNames(model.layers?.[0]?.activation),
      sizes: labelSizes(String(Math.max(1, ...lines.map((l) => l.unit + 1))).length),
      area: this.area,
      markers,
      previous: this.placements,
    });
    this.placements = new Map(labels.filter((l) => l.kind === 'unit').map((l) => [l.unit, l.t]));
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const { kind, text, at: [px, py], box } of labels) {
      if (kind === 'unit') {
        // the number: ink on a white tag sitting on the line
        ctx.fillStyle = 'rgba(255,255,255,0.95)';
        ctx.strokeStyle = 'rgba(29,35,48,0.8)';
        ctx.lineWidth = 1.2 * theme.lineScale;
        ctx.beginPath();
        ctx.rect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
        ctx.fill();
        ctx.stroke();
        ctx.font = `700 ${theme.labelFont - 2}px system-ui, sans-serif`;
        ctx.fillStyle = INK;
        ctx.fillText(text, px, py + 1);
      } else {
        ctx.font = `700 ${theme.labelFont}px system-ui, sans-serif`;
        ctx.lineWidth = 3.5 * theme.lineScale;
        ctx.strokeStyle = 'rgba(255,255,255,0.9)';
        ctx.fillStyle = INK;
        ctx.strokeText(text, px, py);
        ctx.fillText(text, px, py);
      }
    }
    return labels;
  }

  /** A target around the inspected point: a ring with four ticks, on a white halo so it shows on any region colour. */
  _marker(ctx, [px, py]) {
    const r = 2 * RING_RADIUS * (theme.marker / 8);
    const shape = () => {
      ctx.beginPath();
      ctx.arc(px, py, r, 0, 2 * Math.PI);
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        ctx.moveTo(px + dx * r * 0.55, py + dy * r * 0.55);
        ctx.lineTo(px + dx * r * 1.5, py + dy * r * 1.5);
      }
    };
    const width = STYLE.marker.width * theme.lineScale;
    shape();
    ctx.strokeStyle = STYLE.marker.halo;
    ctx.lineWidth = width + 3 * theme.lineScale;
    ctx.stroke();
    shape();
    ctx.strokeStyle = STYLE.marker.color;
    ctx.lineWidth = width;
    ctx.stroke();
    return [px, py];
  }

  _rings(ctx, points, toPx) {
    ctx.strokeStyle = STYLE.ring.color;
    ctx.lineWidth = STYLE.ring.width * theme.lineScale;
    const radius = RING_RADIUS * (theme.marker / 8);
    // A stroke per ring: stroked as one path, the rings cost the rasteriser
    // several times more (10 ms for 200, early in a run, against 1.5).
    for (const p of points) {
      const [px, py] = toPx(p);
      ctx.beginPath();
      ctx.arc(px, py, radius, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
}
