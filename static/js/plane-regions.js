// The class regions of the plane: a pixel per grid cell coloured by a lookup
// (class and confidence), drawn scaled onto the plot area under the axes.

import { clearedContext, drawCellGrid, sizeCanvas } from './dom.js';
import { regionLut } from './palette.js';

const luts = new Map(); // "k/mode" -> regionLut

/**
 * The class regions, a pixel per grid cell (top row = largest y), into
 * `cells` (an r x r canvas). A lookup colours the cells; the regions layer
 * scales them onto the plot area (RegionsLayer.paint).
 */
function paintCells(cells, { grid }, mode) {
  const { resolution: r, classes, confidence, nClasses } = grid;
  const key = `${nClasses}/${mode}`;
  if (!luts.has(key)) luts.set(key, regionLut(nClasses, mode));
  const lut = luts.get(key);
  if (cells.width !== r) cells.width = r;
  if (cells.height !== r) cells.height = r;
  const ctx = cells.getContext('2d');
  const image = ctx.createImageData(r, r);
  const px = image.data;
  for (let i = 0; i < r; i++) {
    const out = (r - 1 - i) * r * 4; // grid row i is y = ys[i], upwards
    for (let j = 0; j < r; j++) {
      const cell = i * r + j;
      const at = ((classes[cell] % nClasses) * 256 + confidence[cell]) * 4;
      const o = out + j * 4;
      px[o] = lut[at];
      px[o + 1] = lut[at + 1];
      px[o + 2] = lut[at + 2];
      px[o + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
}

/**
 * The class regions drawn straight into a canvas over the plot area, under
 * the axes. It replaced a PNG data URL per frame handed to Plotly as a layout
 * image (encoding and decoding it was most of the plane's drawing time); the
 * geometry is the same: each cell's colour sits at its grid point, the cells
 * reach half a cell past the plot area and are clipped there, and the browser
 * scales them smoothly.
 */
export class RegionsLayer {
  constructor(canvas) {
    this.canvas = canvas;
    // The unscaled picture, a pixel per cell (read by tests and the SVG export).
    this.cells = document.createElement('canvas');
    canvas.cells = this.cells;
    this.size = 0;
    this.area = null;
  }

  /** area: the plot area {left, top, width, height} in CSS pixels of a size x size canvas. */
  resize(size, area) {
    sizeCanvas(this.canvas, size);
    this.size = size;
    this.area = area;
  }

  paint(model, mode) {
    paintCells(this.cells, model, mode);
    this.canvas.dataset.resolution = String(this.cells.width);
    this._draw();
  }

  clear() {
    this.canvas.getContext('2d').clearRect(0, 0, this.canvas.width, this.canvas.height);
    delete this.canvas.dataset.resolution;
  }

  _draw() {
    const ctx = clearedContext(this.canvas, this.size);
    if (!this.area) return;
    drawCellGrid(ctx, this.cells, this.area);
  }
}
