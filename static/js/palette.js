// Colours shared by the charts. Classes use the Okabe-Ito palette (safe for the
// common colour-vision deficiencies) plus a marker shape per class, so no
// reading depends on colour alone.

export const CLASS_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#555555'];
export const CLASS_SYMBOLS = ['circle', 'square', 'diamond', 'triangle-up', 'triangle-down', 'pentagon', 'hexagon', 'star'];

export const POSITIVE = '#0072B2';
export const NEGATIVE = '#D55E00';
export const INK = '#1d2330';
export const ACCENT = '#CC2F8A';

// Region lightness: how much class colour is mixed into white at the lowest
// and highest confidence (soft regions), and for hard regions.
const SOFT_LOW = 0.06;
const SOFT_HIGH = 0.58;
const HARD = 0.42;

export function rgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** The colour `amount` of the way from white to `hex`, as an [r, g, b] triple. */
export function tint(hex, amount) {
  return rgb(hex).map((c) => Math.round(255 + (c - 255) * amount));
}

const css = ([r, g, b]) => `rgb(${r},${g},${b})`;

export function classColor(c) {
  return CLASS_COLORS[c % CLASS_COLORS.length];
}

/**
 * A Plotly colorscale for z = class + t, t in [0, 1): class c spans [c, c + 1)
 * from its palest (t = 0) to its strongest (t -> 1) tint; zmin 0, zmax k.
 */
export function regionColorscale(k, mode) {
  const low = mode === 'hard' ? HARD : SOFT_LOW;
  const high = mode === 'hard' ? HARD : SOFT_HIGH;
  const stops = [];
  for (let c = 0; c < k; c++) {
    stops.push([c / k, css(tint(classColor(c), low))]);
    stops.push([(c + 0.999) / k, css(tint(classColor(c), high))]);
  }
  stops.push([1, stops.at(-1)[1]]);
  return stops;
}

/**
 * RGBA lookup for region cells: entry (c * 256 + v) is class c's colour at
 * confidence byte v, the colour regionColorscale gives z = c + 0.998 t, where
 * t is v's share of the way from the lowest possible winning probability
 * (1/k, as a byte) to 1; hard regions ignore v.
 */
export function regionLut(k, mode) {
  const low = mode === 'hard' ? HARD : SOFT_LOW;
  const high = mode === 'hard' ? HARD : SOFT_HIGH;
  const floor = 255 / k;
  const lut = new Uint8ClampedArray(k * 256 * 4);
  for (let c = 0; c < k; c++) {
    const from = tint(classColor(c), low);
    const to = tint(classColor(c), high);
    for (let v = 0; v < 256; v++) {
      const t = mode === 'hard' ? 0.5 : (0.998 / 0.999) * Math.max(0, (v - floor) / (255 - floor));
      const at = (c * 256 + v) * 4;
      for (let i = 0; i < 3; i++) lut[at + i] = Math.round(from[i] + (to[i] - from[i]) * t);
      lut[at + 3] = 255;
    }
  }
  return lut;
}

/** Colour for a signed value v scaled by `max` (links, biases, activations). */
export function signedColor(v, max = 1, floor = 0.12) {
  const amount = Math.min(1, floor + (1 - floor) * Math.abs(v) / (max || 1));
  return css(tint(v >= 0 ? POSITIVE : NEGATIVE, amount));
}
