// Training curves: loss and accuracy, training and validation, against epoch,
// with the epoch of minimum validation loss marked. One Plotly figure, built
// once and updated with Plotly.react.

import { INK, NEGATIVE, POSITIVE } from './palette.js';
import { theme } from './theme.js';

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
  }

  async init() {
    await Plotly.newPlot(this.el, this._traces(emptyHistory()), this._layout(emptyHistory()), { displayModeBar: false, responsive: false });
  }

  resize(width, height) {
    if (Math.abs(width - this.width) < 2 && Math.abs(height - this.height) < 2) return;
    this.width = width;
    this.height = height;
    if (this.history) this.render(this.history);
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
    const accValues = [...hist.train_acc, ...hist.val_acc].filter((v) => v !== null);
    const accLow = accValues.length ? Math.min(0.5, ...accValues) : 0.5;
    const marker = best >= 0
      ? [0, 1].map((k) => ({ type: 'line', xref: k ? 'x2' : 'x', yref: 'paper', x0: hist.epoch[best], x1: hist.epoch[best], y0: 0, y1: 1, line: { color: NEGATIVE, width: 1, dash: 'dot' } }))
      : [];
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
      xaxis: { ...xaxis, domain: [0, 0.45] },
      xaxis2: { ...xaxis, domain: [0.57, 1], anchor: 'y2' },
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

  /** history: {epoch, train_loss, train_acc, val_loss, val_acc}, whole run so far. */
  render(history) {
    this.history = history;
    this.revision += 1;
    Plotly.react(this.el, this._traces(history), this._layout(history));
  }
}

export function emptyHistory() {
  return { epoch: [], train_loss: [], train_acc: [], val_loss: [], val_acc: [] };
}
