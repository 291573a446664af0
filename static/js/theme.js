// Sizes the charts draw with: the normal ones, and presenter mode's (large
// type, thick lines and markers for the back of a lecture hall). The charts
// read `theme` whenever they draw; presenter.js switches it and redraws.

const NORMAL = {
  name: 'normal',
  marker: 8, // data point size (px)
  markerLine: 1, // outline of filled points
  hollowLine: 2, // outline of hollow (validation) points
  lineScale: 1, // the plane's lines: boundary, unit lines, curves, rings
  labelFont: 15, // the unit lines' numbers and sides
  planeFont: 15, // the plane's axis titles x₁, x₂ and its legend
  tickFont: 11, // axis numbers
  titleFont: 12, // axis titles
  curveWidth: 2, // training curves
  planeMargin: { l: 52, r: 6, t: 6, b: 48 }, // room for the axis titles x₁, x₂ and the lines' key
  curvesMargin: { l: 40, r: 8, t: 8, b: 34 },
  curvesDomains: [[0, 0.45], [0.57, 1]], // loss, accuracy: the gap holds the accuracy plot's numbers and title
};

const PRESENTER = {
  name: 'presenter',
  marker: 12,
  markerLine: 1.5,
  hollowLine: 3,
  lineScale: 1.9,
  labelFont: 23,
  planeFont: 18, // larger would wrap the legend onto a second row, at the plot's cost
  tickFont: 16,
  titleFont: 17,
  curveWidth: 4,
  planeMargin: { l: 64, r: 8, t: 4, b: 52 },
  curvesMargin: { l: 54, r: 16, t: 10, b: 46 },
  curvesDomains: [[0, 0.41], [0.59, 1]],
};

export const theme = { ...NORMAL };

/** Plotly's config for the page's figures: no mode bar, no zooming or resizing of its own. */
export const PLOT_CONFIG = { displayModeBar: false, responsive: false, doubleClick: false, scrollZoom: false };

/** Switch every chart's sizes at once ('normal' | 'presenter'); the caller redraws. */
export function useTheme(name) {
  Object.assign(theme, name === 'presenter' ? PRESENTER : NORMAL);
}
