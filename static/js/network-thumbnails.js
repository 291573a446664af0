// The activation thumbnails in the diagram's units: each hidden unit's
// activation over the plane as a small image, and the inputs as gradients
// along their axis. Painted on the links canvas, above the links.

import { h } from './dom.js';
import { NEGATIVE, POSITIVE, tint } from './palette.js';

/**
 * 256-entry RGBA lookup: byte v of [lo, hi] -> blue for positive, orange for
 * negative, white at 0. The scale is the whole layer's, so a square root lifts
 * the units whose activations are small next to the layer's largest.
 */
function activationLut([lo, hi]) {
  const lut = new Uint8ClampedArray(256 * 4);
  const max = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  for (let v = 0; v < 256; v++) {
    const value = lo + ((hi - lo) * v) / 255;
    const [r, g, b] = tint(value >= 0 ? POSITIVE : NEGATIVE, Math.sqrt(Math.min(1, Math.abs(value) / max)));
    lut.set([r, g, b, 255], v * 4);
  }
  return lut;
}

/**
 * One layer's thumbnails as a strip of s x s tiles, built once per
 * thumbnail object: while playing, most frames reuse the last thumbnails
 * (session.js), and colouring them pixel by pixel again cost more than
 * the rest of the diagram.
 */
export class ThumbnailTiles {
  constructor() {
    this.cache = new WeakMap(); // decoded thumbnails -> {canvas, count}
  }

  get(thumb, units) {
    let tiles = this.cache.get(thumb);
    if (tiles) return tiles;
    const s = thumb.size;
    const count = Math.min(units, Math.floor(thumb.data.length / (s * s)));
    const canvas = h('canvas', { width: Math.max(1, count * s), height: s });
    if (count > 0) {
      const lut = activationLut(thumb.scale);
      const image = canvas.getContext('2d').createImageData(count * s, s);
      for (let j = 0; j < count; j++) {
        const offset = j * s * s;
        for (let i = 0; i < s; i++) {
          for (let k = 0; k < s; k++) {
            // row i of the data is y = ys[i] (upwards); image rows go downwards
            const v = thumb.data[offset + i * s + k] * 4;
            image.data.set(lut.subarray(v, v + 4), ((s - 1 - i) * count * s + j * s + k) * 4);
          }
        }
      }
      canvas.getContext('2d').putImageData(image, 0, 0);
    }
    tiles = { canvas, count };
    this.cache.set(thumb, tiles);
    return tiles;
  }
}

/** The inputs x₁ (left to right) and x₂ (bottom to top) over the plane's extent [x0, x1, y0, y1]. */
function paintInputThumbnails(ctx, column, [x0, x1, y0, y1]) {
  column.nodes.forEach((node, i) => {
    const [lo, hi] = i === 0 ? [x0, x1] : [y0, y1];
    const max = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    const left = node.x - node.size / 2;
    const top = node.y - node.size / 2;
    const gradient = i === 0 ? ctx.createLinearGradient(left, 0, left + node.size, 0) : ctx.createLinearGradient(0, top + node.size, 0, top);
    for (const t of [0, 0.5, 1]) {
      const v = lo + (hi - lo) * t;
      gradient.addColorStop(t, `rgb(${tint(v >= 0 ? POSITIVE : NEGATIVE, Math.abs(v) / max).join(',')})`);
    }
    if (lo < 0 && hi > 0) gradient.addColorStop(-lo / (hi - lo), '#fff');
    ctx.fillStyle = gradient;
    ctx.fillRect(left, top, node.size, node.size);
  });
}

/** Every uncollapsed column's thumbnails (the outputs have none). model: {thumbnails, extent}. */
export function paintThumbnails(ctx, layout, { thumbnails, extent }, tiles) {
  ctx.imageSmoothingEnabled = true;
  const { columns } = layout;
  const inputs = columns[0];
  if (!inputs.collapsed && extent) paintInputThumbnails(ctx, inputs, extent);
  for (const thumb of thumbnails ?? []) {
    const column = columns[thumb.layer];
    if (!column || column.collapsed || thumb.layer >= columns.length - 1) continue;
    const strip = tiles.get(thumb, column.nodes.length);
    const s = thumb.size;
    column.nodes.forEach((node, j) => {
      if (j < strip.count) ctx.drawImage(strip.canvas, j * s, 0, s, s, node.x - node.size / 2, node.y - node.size / 2, node.size, node.size);
    });
  }
}
