// Pictures for slides and worksheets: each chart as PNG or SVG, and the whole
// view as one 1920x1080 PNG. Plotly exports its own figures (Plotly.toImage);
// what the page paints on canvases (the plane's lines, the diagram's links) is
// painted once more into an SvgContext, so the SVGs stay vector and the PNGs,
// rasterised from them at 2x, stay sharp. No libraries beyond Plotly.

import { formatNumber } from './dom.js';
import { Overlay } from './plane-overlay.js';
import { svgCanvas } from './svg-context.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
export const SLIDE = { width: 1920, height: 1080 };
const PNG_SCALE = 2;

/** Plotly's SVG export of a graph div, as markup. */
async function plotlySvg(gd, width, height) {
  const url = await Plotly.toImage(gd, { format: 'svg', width, height });
  const comma = url.indexOf(',');
  const body = url.slice(comma + 1);
  return url.slice(0, comma).endsWith(';base64') ? atob(body) : decodeURIComponent(body);
}

/** Markup of an <svg> as a nested element at (x, y) (its own width/height kept). */
function nested(markup, x = 0, y = 0) {
  const doc = new DOMParser().parseFromString(markup, 'image/svg+xml');
  const svg = doc.documentElement;
  svg.setAttribute('x', x);
  svg.setAttribute('y', y);
  return new XMLSerializer().serializeToString(svg);
}

const wrap = (width, height, inner, background = '#ffffff') =>
  `<svg xmlns="${SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`
  + `<rect width="100%" height="100%" fill="${background}"/>${inner}</svg>`;

/** The plane as drawn now: regions, boundary and unit lines with their labels (vector), points, axes and legend. */
export async function planeSvg(plane) {
  const { size, model, view } = plane;
  if (!model) throw new Error('nothing drawn yet');
  const regions = await plotlySvg(plane.regionsGraph, size, size);
  const points = await plotlySvg(plane.pointsGraph, size, size);
  // The class regions are pixels on their own canvas: one <image> of it, as drawn.
  const shown = plane.regions.canvas.dataset.resolution
    ? `<image x="0" y="0" width="${size}" height="${size}" preserveAspectRatio="none" href="${plane.regions.canvas.toDataURL('image/png')}"/>`
    : '';
  const { ctx, canvas } = svgCanvas();
  const overlay = new Overlay(canvas);
  overlay.resize(size, plane.overlay.area);
  overlay.placements = new Map(plane.overlay.placements); // the labels where the page has them
  overlay.paint(model, view, plane._highlightPolylines());
  return { width: size, height: size, markup: wrap(size, size, nested(regions) + shown + ctx.markup() + nested(points)) };
}

/** Copy the computed look of the diagram's SVG text and shapes onto a clone (CSS classes do not travel). */
function inlineLook(source, clone) {
  const props = ['fill', 'stroke', 'stroke-width', 'font-size', 'font-family', 'font-weight', 'opacity'];
  const a = source.querySelectorAll('*');
  const b = clone.querySelectorAll('*');
  a.forEach((el, i) => {
    const style = getComputedStyle(el);
    for (const p of props) {
      const v = style.getPropertyValue(p);
      if (v) b[i].setAttribute(p, v);
    }
  });
}

/** The network diagram: links (vector), activation thumbnails (raster, as they are), nodes and labels. */
export function networkSvg(network) {
  const { width, height } = network;
  if (!network.layout) throw new Error('nothing drawn yet');
  const { ctx } = svgCanvas();
  network._paintLinks(ctx);
  const thumbs = document.createElement('canvas');
  const dpr = 2;
  thumbs.width = width * dpr;
  thumbs.height = height * dpr;
  const tctx = thumbs.getContext('2d');
  tctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  network._paintThumbnails(tctx);
  const clone = network.svg.cloneNode(true);
  inlineLook(network.svg, clone);
  clone.removeAttribute('class');
  const image = `<image x="0" y="0" width="${width}" height="${height}" href="${thumbs.toDataURL('image/png')}"/>`;
  const inner = new XMLSerializer().serializeToString(clone).replace(/^<svg[^>]*>/, '').replace(/<\/svg>$/, '');
  return { width, height, markup: wrap(width, height, ctx.markup() + image + inner) };
}

/** The training curves (Plotly's own SVG export). */
export async function curvesSvg(curves) {
  const { width, height } = curves;
  return { width, height, markup: await plotlySvg(curves.el, width, height) };
}

/** An SVG (markup) as an image element, loaded. */
async function svgImage(markup) {
  const image = new Image();
  image.src = URL.createObjectURL(new Blob([markup], { type: 'image/svg+xml' }));
  try {
    await image.decode();
  } finally {
    URL.revokeObjectURL(image.src);
  }
  return image;
}

const canvasBlob = (canvas) => new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));

/** A picture {width, height, markup} as a PNG blob at `scale` times its size. */
export async function pngOf(picture, scale = PNG_SCALE) {
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(picture.width * scale);
  canvas.height = Math.round(picture.height * scale);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(await svgImage(picture.markup), 0, 0, canvas.width, canvas.height);
  return canvasBlob(canvas);
}

/** Fit a w x h picture into a box, centred; returns [x, y, width, height]. */
function fit(w, h, box) {
  const k = Math.min(box.width / w, box.height / h);
  return [box.x + (box.width - w * k) / 2, box.y + (box.height - h * k) / 2, w * k, h * k];
}

/**
 * The whole view on one 16:9 slide: a title line (data, network, optimizer,
 * epoch), the plane on the left, the diagram, the numbers and the curves on the right.
 */
export async function slidePng({ plane, network, curves, title, metrics }) {
  const { width, height } = SLIDE;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#1d2330';
  ctx.font = '600 34px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillText(title, 48, 52);

  const pictures = await Promise.all([planeSvg(plane), networkSvg(network), curvesSvg(curves)]);
  const [p, n, c] = await Promise.all(pictures.map((pic) => svgImage(pic.markup)));
  ctx.drawImage(p, ...fit(pictures[0].width, pictures[0].height, { x: 32, y: 100, width: 960, height: 960 }));
  const right = { x: 1020, width: 870 };
  ctx.drawImage(n, ...fit(pictures[1].width, pictures[1].height, { ...right, y: 100, height: 400 }));

  // the numbers, large: a table of loss and accuracy, training and validation
  const rows = [['', 'training', 'validation'], ['loss', metrics.train_loss, metrics.val_loss], ['accuracy', metrics.train_acc, metrics.val_acc]];
  const cols = [right.x + 10, right.x + 420, right.x + 800];
  rows.forEach((row, r) => {
    const y = 540 + r * 54;
    row.forEach((cell, k) => {
      ctx.textAlign = k === 0 ? 'left' : 'right';
      ctx.font = r === 0 ? '600 26px system-ui, sans-serif' : k === 0 ? '28px system-ui, sans-serif' : '700 44px system-ui, sans-serif';
      ctx.fillStyle = r === 0 ? (k === 1 ? '#0072B2' : '#B34700') : k === 0 ? '#4b5363' : '#1d2330';
      ctx.fillText(typeof cell === 'number' || cell === null ? formatNumber(cell) : cell, cols[k], y);
    });
  });
  ctx.textAlign = 'left';
  ctx.drawImage(c, ...fit(pictures[2].width, pictures[2].height, { ...right, y: 700, height: 360 }));
  return canvasBlob(canvas);
}

/** Hand a blob to the browser as a download named `name`. */
export function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export const svgBlob = (picture) => new Blob([picture.markup], { type: 'image/svg+xml' });
