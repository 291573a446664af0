// Creases: what a frame says about the ReLU units (include "regions" and
// "tint", engine/creases.py): the units dead on every training point, the
// number of linear regions the network cuts the plane into, and for the tint
// view each cell's region with each region's tint (decoded in frame.js). Here:
// the readout's words, and the tint layer the plane stacks over its class colours.
// The diagram greys dead units (NetworkDiagram.setDead), the overlay dashes
// their lines (plane-overlay.js).

import { clearedContext, drawCellGrid, sizeCanvas } from './dom.js';

/** The readout's words, "dead units 3 · linear regions 41"; '' for a network without ReLU units. */
export function creasesText(regions) {
  if (!regions || !regions.reluUnits) return '';
  return `dead units ${regions.deadCount} · linear regions ${regions.count}`;
}

/** Tint k of `palette`: evenly spaced hues, calm (light, little chroma), as [r, g, b]. */
export function tintColour(k, palette) {
  const hue = (360 * k) / palette;
  // HSL with s = 0.55, l = 0.6, in closed form
  const c = (1 - Math.abs(2 * 0.6 - 1)) * 0.55;
  const x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = 0.6 - c / 2;
  const [r, g, b] = hue < 60 ? [c, x, 0] : hue < 120 ? [x, c, 0] : hue < 180 ? [0, c, x] : hue < 240 ? [0, x, c] : hue < 300 ? [x, 0, c] : [c, 0, x];
  return [r, g, b].map((v) => Math.round((v + m) * 255));
}

// The tint lies over the class colours, light enough that they stay readable.
// Outlines along the grid's cells drew staircases that hid the unit lines: two
// regions that meet never share a tint (engine/creases.py), so none are needed.
const TINT_ALPHA = 0.3;

/**
 * The tint view: a canvas over the class regions, each linear region filled
 * with its tint, scaled smoothly like the class regions (a cell's colour sits
 * at its grid point and reaches half a cell each way).
 */
export class TintLayer {
  constructor(canvas) {
    this.canvas = canvas;
    this.cells = document.createElement('canvas');
    this.size = 0;
    this.area = null;
    // what the last paint showed (read by tests): regions, and neighbouring cells in different ones
    this.drawn = { regions: 0, edges: 0 };
  }

  /** area: the plot area {left, top, width, height} in CSS pixels of a size x size canvas. */
  resize(size, area) {
    sizeCanvas(this.canvas, size);
    this.size = size;
    this.area = area;
  }

  /** ids: a decoded frame's regions.ids, or null to show nothing. */
  paint(ids) {
    const ctx = clearedContext(this.canvas, this.size);
    this.drawn = { regions: 0, edges: 0 };
    this.canvas.hidden = !ids;
    if (!ids || !this.area) return;
    const { resolution: r, cells, tints, palette } = ids;
    const colours = Array.from({ length: palette }, (_, k) => tintColour(k, palette));
    if (this.cells.width !== r) this.cells.width = r;
    if (this.cells.height !== r) this.cells.height = r;
    const image = this.cells.getContext('2d').createImageData(r, r);
    const px = image.data;
    const alpha = Math.round(TINT_ALPHA * 255);
    for (let i = 0; i < r; i++) {
      const out = (r - 1 - i) * r * 4; // grid row i is y = ys[i], upwards
      for (let j = 0; j < r; j++) {
        const colour = colours[tints[cells[i * r + j]] % palette];
        const o = out + j * 4;
        px[o] = colour[0];
        px[o + 1] = colour[1];
        px[o + 2] = colour[2];
        px[o + 3] = alpha;
      }
    }
    this.cells.getContext('2d').putImageData(image, 0, 0);
    drawCellGrid(ctx, this.cells, this.area);
    this.drawn = { regions: new Set(cells).size, edges: regionEdges(cells, r) };
  }
}

/** How many pairs of neighbouring cells (r x r, row-major) lie in different regions. */
function regionEdges(cells, r) {
  let edges = 0;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      const id = cells[i * r + j];
      if (j + 1 < r && cells[i * r + j + 1] !== id) edges++;
      if (i + 1 < r && cells[(i + 1) * r + j] !== id) edges++;
    }
  }
  return edges;
}
