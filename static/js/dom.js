// A tiny element builder. Styles go through the CSSOM (el.style), never through
// style attributes, so the page works under a strict Content-Security-Policy.

/**
 * h('div', {class: 'x', dataset: {testid: 'y'}, style: {width: '3px'}, onclick: fn}, ...children)
 * Children are nodes, strings, or falsy (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith('svg:') ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'style') Object.assign(el.style, value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name === 'className' ? 'class' : name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child || child === 0) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Numbers for people: 3 significant decimals, no float noise. */
export function formatNumber(v, digits = 3) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v !== 0 && Math.abs(v) < 10 ** -digits) return v.toExponential(1);
  return v.toFixed(digits);
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const SUBSCRIPT = '₀₁₂₃₄₅₆₇₈₉';

/** 12 -> "¹²", for plain text (SVG labels, button captions). */
export const supText = (n) => String(n).split('').map((d) => SUPERSCRIPT[d]).join('');
/** 12 -> "₁₂" */
export const subText = (n) => String(n).split('').map((d) => SUBSCRIPT[d]).join('');

const written = new WeakMap(); // element -> {attribute: value last written by setAttributes}

/**
 * Set attributes, skipping those whose value is what this function wrote
 * last time. A diagram redrawn every frame keeps most values: unchanged
 * writes still cost style invalidation (a thousand per frame for 100 units).
 */
export function setAttributes(el, attrs) {
  let last = written.get(el);
  if (!last) written.set(el, (last = {}));
  for (const [name, value] of Object.entries(attrs)) {
    const text = String(value);
    if (last[name] !== text) {
      el.setAttribute(name, text);
      last[name] = text;
    }
  }
}

/** A size x size (CSS pixels) canvas with a backing store at the screen's pixel density. */
export function sizeCanvas(canvas, size) {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(size * dpr);
  canvas.height = Math.round(size * dpr);
  canvas.style.width = `${size}px`;
  canvas.style.height = `${size}px`;
}

/** The 2D context of a canvas sized by sizeCanvas, cleared and drawing in CSS pixels. */
export function clearedContext(canvas, size) {
  const ctx = canvas.getContext('2d');
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, size, size);
  return ctx;
}

/** Stretch an r x r canvas of grid cells over the plot area ({left, top, width,
 * height}), each cell centred on its grid point (the outer half cells are clipped). */
export function drawCellGrid(ctx, cells, area) {
  const { left, top, width, height } = area;
  const r = cells.width;
  const dx = width / (r - 1);
  const dy = height / (r - 1);
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(cells, left - dx / 2, top - dy / 2, width + dx, height + dy);
  ctx.restore();
}
