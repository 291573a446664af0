// Training curves: loss and accuracy, training and validation, against epoch,
// with the epoch of minimum validation loss marked. One Plotly figure, built
// once and updated with Plotly.react. While playing, Plotly keeps only the
// axes and the lines go onto a canvas over its plot areas, extended by the
// new epochs of each frame (LiveCurves): a Plotly redraw of the curves, even
// through extendTraces, re-lays all four axes (50-100 ms, longer than a frame).

import { h } from './dom.js';
import { INK, NEGATIVE, POSITIVE } from './palette.js';
import { theme } from './theme.js';

// the lists of a history (engine/training.py's HISTORY_KEYS); session.js uses these too
export const HISTORY_KEYS = ['epoch', 'train_loss', 'train_acc', 'val_loss', 'val_acc'];
// While playing, an axis that has to grow grows this much at once, so the axes
// are redrawn a few times a run instead of every frame.
const LIVE_GROWTH = 1.5;

/** Index of the smallest finite validation loss, or -1. */
export function minValLossIndex(history) {
  let best = -1;
  history.val_loss.forEach((v, i) => {
    if (v !== null && Number.isFinite(v) && (best < 0 || v < history.val_loss[best])) best = i;
  });
  return best;
}

export class Curves {
  constructor(el) {
    this.el = el;
    this.width = 400;
    this.height = 220;
    this.revision = 0;
    this.history = null;
    this.live = null;
  }

  async init() {
    await Plotly.newPlot(this.el, this._traces(emptyHistory()), this._layout(emptyHistory()), { displayModeBar: false, responsive: false });
    this.el.style.position = 'relative';
    this.liveLayer = new LiveCurves(this.el);
  }

  resize(width, height) {
    if (Math.abs(width - this.width) < 2 && Math.abs(height - this.height) < 2) return;
    this.width = width;
    this.height = height;
    this.live = null;
    if (this.history) this.render(this.history, { live: Boolean(this.liveLayer?.shown), mark: this.mark });
  }

  _traces(hist) {
    const x = hist.epoch;
    const best = minValLossIndex(hist);
    const TRAIN = { color: POSITIVE, width: theme.curveWidth };
    const VAL = { color: NEGATIVE, width: theme.curveWidth, dash: 'dash' };
    return [
      { uid: 'train-loss', name: 'training', x, y: hist.train_loss, type: 'scatter', mode: 'lines', line: TRAIN, legendgroup: 'train', hovertemplate: 'epoch %{x}<br>training loss %{y:.3f}<extra></extra>' },
      { uid: 'val-loss', name: 'validation', x, y: hist.val_loss, type: 'scatter', mode: 'lines', line: VAL, legendgroup: 'val', hovertemplate: 'epoch %{x}<br>validation loss %{y:.3f}<extra></extra>' },
      { uid: 'train-acc', name: 'training', x, y: hist.train_acc, type: 'scatter', mode: 'lines', line: TRAIN, legendgroup: 'train', showlegend: false, xaxis: 'x2', yaxis: 'y2', hovertemplate: 'epoch %{x}<br>training accuracy %{y:.3f}<extra></extra>' },
      { uid: 'val-acc', name: 'validation', x, y: hist.val_acc, type: 'scatter', mode: 'lines', line: VAL, legendgroup: 'val', showlegend: false, xaxis: 'x2', yaxis: 'y2', hovertemplate: 'epoch %{x}<br>validation accuracy %{y:.3f}<extra></extra>' },
      {
        uid: 'min-val-loss',
        name: 'min validation loss',
        x: best >= 0 ? [x[best]] : [],
        y: best >= 0 ? [hist.val_loss[best]] : [],
        type: 'scatter',
        mode: 'markers',
        marker: { size: theme.marker + 1, color: NEGATIVE, symbol: 'diamond', line: { color: '#fff', width: 1 } },
        showlegend: false,
        hovertemplate: 'minimum validation loss %{y:.3f}<br>at epoch %{x}<extra></extra>',
      },
    ];
  }

  _layout(hist) {
    const best = minValLossIndex(hist);
    const last = hist.epoch.at(-1) ?? 0;
    const xaxis = { range: [0, Math.max(10, last)], title: { text: 'epoch', font: { size: theme.titleFont }, standoff: 2 }, tickfont: { size: theme.tickFont }, zeroline: false, gridcolor: '#eef0f4', fixedrange: true, automargin: false };
    const yaxis = { tickfont: { size: theme.tickFont }, zeroline: false, gridcolor: '#eef0f4', fixedrange: true, automargin: false };
    const { accLow } = new Extremes().update(hist);
    const line = (x, style) => [0, 1].map((k) => ({ type: 'line', xref: k ? 'x2' : 'x', yref: 'paper', x0: x, x1: x, y0: 0, y1: 1, line: style }));
    const marker = best >= 0 ? line(hist.epoch[best], { color: NEGATIVE, width: 1, dash: 'dot' }) : [];
    // the epoch the timeline replays (timeline.js)
    if (this.mark !== null && this.mark !== undefined) marker.push(...line(this.mark, { color: INK, width: theme.curveWidth }));
    return {
      width: this.width,
      height: this.height,
      margin: { ...theme.curvesMargin, t: theme.curvesMargin.t + theme.tickFont + 2 }, // room for the annotation
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: '#fff',
      datarevision: this.revision,
      font: { family: 'system-ui, sans-serif', color: INK },
      showlegend: false, // the numbers table above names the colours: a Plotly legend costs a third of a redraw
      hovermode: 'closest',
      xaxis: { ...xaxis, domain: theme.curvesDomains[0] },
      xaxis2: { ...xaxis, domain: theme.curvesDomains[1], anchor: 'y2' },
      yaxis: { ...yaxis, rangemode: 'tozero', title: { text: 'loss', font: { size: theme.titleFont }, standoff: 2 } },
      yaxis2: { ...yaxis, anchor: 'x2', range: [accLow, 1.02], title: { text: 'accuracy', font: { size: theme.titleFont }, standoff: 2 } },
      shapes: marker,
      // Above the loss plot, from its left edge: off the curves and whole at
      // any epoch; the dotted line marks where the minimum is.
      annotations: best >= 0 ? [{
        xref: 'paper',
        yref: 'paper',
        x: 0,
        y: 1,
        xanchor: 'left',
        yanchor: 'bottom',
        yshift: 1,
        text: `min val loss: epoch ${hist.epoch[best]}`,
        showarrow: false,
        font: { size: theme.tickFont - 1, color: NEGATIVE },
      }] : [],
    };
  }

  /**
   * history: {epoch, train_loss, train_acc, val_loss, val_acc}, whole run so far.
   * live: while playing: the lines are extended on the canvas, Plotly redraws
   * only when an axis has to grow; otherwise one Plotly figure of everything.
   * mark: an epoch to mark with a line (the one replayed), or null.
   */
  render(history, { live = false, mark = null } = {}) {
    this.history = history;
    this.mark = mark;
    if (!live) {
      this.live = null;
      this.liveLayer?.hide();
      this.revision += 1;
      Plotly.react(this.el, this._traces(history), this._layout(history));
      return;
    }
    if (!this.live || !follows(this.liveLayer.held, history)) {
      this.live = null; // the first live frame, or a cut (reset, undo): fresh axes
      this.extremes = new Extremes();
    }
    this.extremes.update(history);
    const ranges = liveRanges(history, this.extremes, this.live);
    const held = this.live;
    this.live = ranges;
    // Plotly draws the frame and the y axes (their reach changes rarely); the
    // epoch axis grows often, so its ticks and grid are the canvas's.
    if (!held || ranges.loss !== held.loss || ranges.acc !== held.acc) {
      this.revision += 1;
      const layout = this._layout(history);
      Object.assign(layout, { shapes: [], annotations: [] });
      const clear = { range: [0, ranges.x], showgrid: false, tickfont: { ...layout.xaxis.tickfont, color: 'rgba(0,0,0,0)' } };
      layout.xaxis = { ...layout.xaxis, ...clear };
      layout.xaxis2 = { ...layout.xaxis2, ...clear };
      layout.yaxis = { ...layout.yaxis, range: [0, ranges.loss], autorange: false };
      layout.yaxis2 = { ...layout.yaxis2, range: [ranges.acc, 1.02] };
      Plotly.react(this.el, this._traces(emptyHistory()), layout);
      this.liveLayer.start(this.width, this.height, this.el._fullLayout);
    }
    if (!held || !this.liveLayer.epochs || ranges.x !== this.liveLayer.epochs) this.liveLayer.setEpochs(ranges.x);
    this.liveLayer.extend(history);
  }
}

/**
 * The largest loss and the lowest accuracy so far (finite values), kept up to
 * date from the new epochs only: a frame's cost must not grow with the run.
 */
class Extremes {
  constructor() {
    this.seen = 0;
    this.lossTop = 0;
    this.accLow = 0.5;
  }

  update(hist) {
    for (let i = this.seen; i < hist.epoch.length; i++) {
      for (const v of [hist.train_loss[i], hist.val_loss[i]]) if (v !== null && Number.isFinite(v) && v > this.lossTop) this.lossTop = v;
      for (const v of [hist.train_acc[i], hist.val_acc[i]]) if (v !== null && Number.isFinite(v) && v < this.accLow) this.accLow = v;
    }
    this.seen = hist.epoch.length;
    return this;
  }
}

/** The axes' reach while playing: kept while the data fit, grown by LIVE_GROWTH when they do not. */
function liveRanges(hist, { lossTop, accLow }, held) {
  const last = hist.epoch.at(-1) ?? 0;
  const keep = held && last <= held.x && lossTop <= held.loss && accLow >= held.acc;
  if (keep) return held;
  return {
    x: Math.max(10, Math.ceil(last * LIVE_GROWTH)),
    loss: held && lossTop <= held.loss ? held.loss : (lossTop || 1) * 1.05,
    acc: accLow < 0.5 ? Math.floor(accLow * 10) / 10 : 0.5,
  };
}

/**
 * The curves' lines while playing: two canvases over the Plotly figure, one
 * for the lines (only the new segments are drawn each frame, all of them
 * after the axes changed or the history was cut: a reset, an undo) and one
 * for the min-val-loss marker, repainted each frame.
 */
class LiveCurves {
  constructor(host) {
    const layer = () => host.appendChild(h('canvas', { class: 'curves-live', hidden: true, style: { position: 'absolute', left: '0', top: '0', pointerEvents: 'none' } }));
    this.lines = layer();
    this.marker = layer();
    this.lines.dataset.testid = 'curves-live';
    this.shown = false;
    this.held = emptyHistory(); // what the lines canvas shows
    this.dashAt = {}; // per line: its drawn length so far (where the dash pattern stands)
    // What the last frame drew (read by tests): {points, marker: {epoch, value, at: [x, y]} | null}.
    this.drawn = { points: 0, marker: null };
  }

  /** New axes (Plotly's full layout): everything is drawn anew on the next extend. */
  start(width, height, fullLayout) {
    const dpr = window.devicePixelRatio || 1;
    for (const canvas of [this.lines, this.marker]) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
      canvas.hidden = false;
      canvas.getContext('2d').setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    const { xaxis, yaxis, xaxis2, yaxis2 } = fullLayout;
    const side = (xa, ya) => ({ box: [xa._offset, ya._offset, xa._length, ya._length], lo: ya.range[0], hi: ya.range[1] });
    this.loss = side(xaxis, yaxis);
    this.acc = side(xaxis2, yaxis2);
    this.epochs = 0;
    this.width = width;
    this.height = height;
    this.held = emptyHistory();
    this.dashAt = {};
    this.shown = true;
  }

  /** The epoch axis from 0 to `epochs`: its ticks and grid drawn anew, and every line on the next extend. */
  setEpochs(epochs) {
    this.epochs = epochs;
    for (const plot of [this.loss, this.acc]) {
      const [left, top, width, height] = plot.box;
      plot.toPx = (x, y) => [left + (x / epochs) * width, top + (1 - (y - plot.lo) / (plot.hi - plot.lo)) * height];
    }
    const ctx = this.lines.getContext('2d');
    ctx.clearRect(0, 0, this.width, this.height);
    this.held = emptyHistory();
    this.dashAt = {};
    const step = niceStep(epochs / Math.max(2, Math.floor(this.loss.box[2] / 32)));
    ctx.save();
    ctx.font = `${theme.tickFont}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillStyle = INK;
    ctx.strokeStyle = '#eef0f4';
    ctx.lineWidth = 1;
    for (const plot of [this.loss, this.acc]) {
      const [, top, , height] = plot.box;
      for (let e = 0; e <= epochs; e += step) {
        const [x] = plot.toPx(e, plot.lo);
        ctx.beginPath();
        ctx.moveTo(Math.round(x) + 0.5, top);
        ctx.lineTo(Math.round(x) + 0.5, top + height);
        ctx.stroke();
        ctx.fillText(String(e), x, top + height + 4);
      }
    }
    ctx.restore();
  }

  hide() {
    this.lines.hidden = true;
    this.marker.hidden = true;
    this.shown = false;
    this.held = emptyHistory();
  }

  extend(hist) {
    let from = this.held.epoch.length;
    if (!follows(this.held, hist)) {
      this.lines.getContext('2d').clearRect(0, 0, this.width, this.height);
      this.held = emptyHistory();
      this.dashAt = {};
      from = 0;
    }
    if (from === 0) this.best = -1;
    const ctx = this.lines.getContext('2d');
    const series = [
      ['train_loss', this.loss, { color: POSITIVE, dash: [] }],
      ['val_loss', this.loss, { color: NEGATIVE, dash: [6, 4] }],
      ['train_acc', this.acc, { color: POSITIVE, dash: [] }],
      ['val_acc', this.acc, { color: NEGATIVE, dash: [6, 4] }],
    ];
    for (const [key, plot, style] of series) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(...plot.box);
      ctx.clip();
      ctx.strokeStyle = style.color;
      ctx.lineWidth = theme.curveWidth;
      // Round caps: each frame's stroke overlaps the last one's end, no seam;
      // the dash pattern goes on where the last stroke left it.
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.setLineDash(style.dash);
      ctx.lineDashOffset = this.dashAt[key] ?? 0;
      ctx.beginPath();
      // from the last point already drawn, so the new segments join the old
      let pen = null;
      let length = this.dashAt[key] ?? 0;
      for (let i = Math.max(0, from - 1); i < hist.epoch.length; i++) {
        const v = hist[key][i];
        if (v === null || !Number.isFinite(v)) {
          pen = null;
          continue;
        }
        const [x, y] = plot.toPx(hist.epoch[i], v);
        if (pen) {
          ctx.lineTo(x, y);
          length += Math.hypot(x - pen[0], y - pen[1]);
        } else ctx.moveTo(x, y);
        pen = [x, y];
      }
      ctx.stroke();
      ctx.restore();
      this.dashAt[key] = length;
    }
    for (let i = from; i < hist.epoch.length; i++) {
      for (const k of HISTORY_KEYS) this.held[k].push(hist[k][i]);
      const v = hist.val_loss[i]; // minValLossIndex, one epoch at a time
      if (v !== null && Number.isFinite(v) && (this.best < 0 || v < hist.val_loss[this.best])) this.best = i;
    }
    this._paintMarker(hist);
  }

  _paintMarker(hist) {
    const ctx = this.marker.getContext('2d');
    ctx.clearRect(0, 0, this.width, this.height);
    const best = this.best;
    this.drawn = { points: this.held.epoch.length, marker: null };
    if (best < 0) return;
    const epoch = hist.epoch[best];
    const value = hist.val_loss[best];
    const at = this.loss.toPx(epoch, value);
    ctx.strokeStyle = NEGATIVE;
    ctx.lineWidth = 1;
    ctx.setLineDash([2, 2]);
    ctx.beginPath();
    for (const plot of [this.loss, this.acc]) {
      const [x] = plot.toPx(epoch, 0);
      ctx.moveTo(x, plot.box[1]);
      ctx.lineTo(x, plot.box[1] + plot.box[3]);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    const r = (theme.marker + 1) / 2;
    ctx.beginPath();
    ctx.moveTo(at[0], at[1] - r);
    ctx.lineTo(at[0] + r, at[1]);
    ctx.lineTo(at[0], at[1] + r);
    ctx.lineTo(at[0] - r, at[1]);
    ctx.closePath();
    ctx.fillStyle = NEGATIVE;
    ctx.fill();
    ctx.strokeStyle = '#fff';
    ctx.stroke();
    // its label, as the paused figure's annotation: inside the loss plot, away from the edge
    const [left, top, width] = this.loss.box;
    const right = at[0] > left + width / 2;
    ctx.font = `${theme.tickFont - 1}px system-ui, sans-serif`;
    ctx.textAlign = right ? 'right' : 'left';
    ctx.textBaseline = 'top';
    ctx.fillText('min val loss', at[0] + (right ? -3 : 3), top + 2);
    ctx.fillText(`epoch ${epoch}`, at[0] + (right ? -3 : 3), top + 3 + theme.tickFont);
    this.drawn.marker = { epoch, value, at };
  }
}

/** A round step near `raw`: 1, 2 or 5 times a power of ten, at least 1 (epochs are whole). */
function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((v) => v >= raw) ?? 10 * power;
  return Math.max(1, step);
}

/**
 * Whether `hist` goes on from `held` (what was drawn): nothing cut since. The
 * session cuts the history only to regrow it from another run (reset, undo), so
 * held's last epoch is compared, not all of them (a frame's cost must not grow
 * with the run): a regrown history that matched it to the bit in every series
 * would be the same run.
 */
function follows(held, hist) {
  const n = held.epoch.length;
  if (n > hist.epoch.length) return false;
  return n === 0 || HISTORY_KEYS.every((k) => Object.is(held[k][n - 1], hist[k][n - 1]));
}

export function emptyHistory() {
  return { epoch: [], train_loss: [], train_acc: [], val_loss: [], val_acc: [] };
}
