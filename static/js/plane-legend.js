// The plane's legends and axis titles, for its Plotly figure of the points:
// the classes (colour and marker, named from 1 as the homework's prose
// numbers them) above the plot, what a unit line is in the corner under the
// x₂ ticks, and x₁, x₂ beside their axes, all in the theme's plane font.

import { className } from './notation.js';
import { sideNames } from './line-labels.js';
import { CLASS_SYMBOLS, INK, classColor } from './palette.js';
import { theme } from './theme.js';

/**
 * The legends' entries: one per class (its colour and marker, named from 1 as
 * the homework's prose numbers classes), above the plot, and, when lines are
 * shown, what a unit's line is for this activation, in the corner under the
 * x₂ ticks (a second legend: in the first its width would set every class
 * entry's width once the classes wrap onto two rows). Traces without points,
 * so only the legends draw them.
 */
export function legendTraces(nClasses, lines) {
  const entry = { type: 'scatter', x: [null], y: [null], hoverinfo: 'skip', showlegend: true };
  const classes = Array.from({ length: nClasses }, (_, c) => ({
    ...entry,
    uid: `legend-class-${c}`,
    name: className(c),
    mode: 'markers',
    marker: { size: theme.marker + 3, color: classColor(c), symbol: CLASS_SYMBOLS[c % CLASS_SYMBOLS.length], line: { width: theme.markerLine, color: '#fff' } },
  }));
  if (!lines) return classes;
  const text = sideNames(lines.activation).line.replace(/\{([za])\}/g, '$1<sup>1</sup><sub>j</sub>');
  return [...classes, {
    ...entry,
    uid: 'legend-lines',
    legend: 'legend2',
    name: `line j: ${text}`,
    mode: 'lines',
    line: { color: 'rgba(29,35,48,0.75)', width: 1.6 * theme.lineScale },
  }];
}

const LEGEND = { orientation: 'h', itemclick: false, itemdoubleclick: false, bgcolor: 'rgba(0,0,0,0)', tracegroupgap: 0 };

const font = () => ({ size: theme.planeFont, color: INK });

/** The two legends' layout: the classes' above the plot, the lines' key in the bottom left corner. */
export function legendLayout() {
  return {
    legend: { ...LEGEND, font: font(), x: 0, xanchor: 'left', y: 1, yanchor: 'bottom' },
    legend2: { ...LEGEND, font: font(), xref: 'container', yref: 'container', x: 0, xanchor: 'left', y: 0, yanchor: 'bottom' },
  };
}

/**
 * x₁ under the x axis and x₂ left of the y axis, upright (a turned "x₂" reads
 * badly from afar), in data coordinates: the plot is a square centred in the figure.
 */
export function axisTitles(extent) {
  const [x0, x1, y0, y1] = extent;
  return [
    { text: 'x₁', x: (x0 + x1) / 2, y: y0, xanchor: 'center', yanchor: 'top', yshift: -theme.tickFont - 8, showarrow: false, font: font() },
    { text: 'x₂', x: x0, y: (y0 + y1) / 2, xanchor: 'right', yanchor: 'middle', xshift: -theme.tickFont * 2 - 8, showarrow: false, font: font() },
  ];
}
