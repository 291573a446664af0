// A stand-in for a canvas's 2D context that records what is drawn as SVG, so
// code that paints a canvas (the plane's overlay, the diagram's links) can
// also produce a vector picture. It covers what those painters use: paths of
// lines and whole circles, stroke, rectangular clip, text, dashes, alpha.
// Transforms are ignored: the painters work in CSS pixels and only scale by
// devicePixelRatio.

const esc = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const num = (v) => String(Math.round(v * 100) / 100);

const ANCHOR = { start: 'start', left: 'start', center: 'middle', end: 'end', right: 'end' };
const BASELINE = { middle: 'central', top: 'hanging', hanging: 'hanging', alphabetic: 'alphabetic', bottom: 'text-after-edge' };

export class SvgContext {
  constructor() {
    this.parts = [];
    this.path = [];
    this.stack = [];
    this.clips = 0;
    this.open = 0; // <g> elements opened by clip() and closed by restore()
    this.strokeStyle = '#000';
    this.fillStyle = '#000';
    this.lineWidth = 1;
    this.lineCap = 'butt';
    this.lineJoin = 'miter';
    this.globalAlpha = 1;
    this.font = '10px sans-serif';
    this.textAlign = 'start';
    this.textBaseline = 'alphabetic';
    this.dash = [];
    this.imageSmoothingEnabled = true;
  }

  setTransform() {}
  clearRect() {}
  setLineDash(dash) { this.dash = [...dash]; }

  save() {
    this.stack.push({ open: this.open, strokeStyle: this.strokeStyle, fillStyle: this.fillStyle, lineWidth: this.lineWidth, globalAlpha: this.globalAlpha, dash: this.dash, font: this.font });
    this.open = 0;
  }

  restore() {
    for (; this.open > 0; this.open--) this.parts.push('</g>');
    Object.assign(this, this.stack.pop() ?? {});
  }

  beginPath() { this.path = []; }
  moveTo(x, y) { this.path.push(`M${num(x)} ${num(y)}`); }
  lineTo(x, y) { this.path.push(`L${num(x)} ${num(y)}`); }
  rect(x, y, w, h) { this.path.push(`M${num(x)} ${num(y)}h${num(w)}v${num(h)}h${num(-w)}Z`); }

  arc(cx, cy, r, start, end) {
    if (Math.abs(end - start) >= 2 * Math.PI - 1e-9) {
      this.path.push(`M${num(cx + r)} ${num(cy)}A${num(r)} ${num(r)} 0 1 0 ${num(cx - r)} ${num(cy)}A${num(r)} ${num(r)} 0 1 0 ${num(cx + r)} ${num(cy)}`);
      return;
    }
    const steps = 24;
    for (let k = 0; k <= steps; k++) {
      const a = start + ((end - start) * k) / steps;
      this.path.push(`${k === 0 && !this.path.length ? 'M' : 'L'}${num(cx + r * Math.cos(a))} ${num(cy + r * Math.sin(a))}`);
    }
  }

  clip() {
    this.clips += 1;
    const id = `svgctx-clip-${this.clips}`;
    this.parts.push(`<clipPath id="${id}"><path d="${this.path.join('')}"/></clipPath><g clip-path="url(#${id})">`);
    this.open += 1;
  }

  _strokeAttrs() {
    const dash = this.dash.length ? ` stroke-dasharray="${this.dash.map(num).join(' ')}"` : '';
    const alpha = this.globalAlpha < 1 ? ` opacity="${num(this.globalAlpha)}"` : '';
    return `stroke="${esc(this.strokeStyle)}" stroke-width="${num(this.lineWidth)}" stroke-linecap="${this.lineCap}" stroke-linejoin="${this.lineJoin}"${dash}${alpha}`;
  }

  stroke() {
    if (!this.path.length) return;
    this.parts.push(`<path d="${this.path.join('')}" fill="none" ${this._strokeAttrs()}/>`);
  }

  fill() {
    if (!this.path.length) return;
    this.parts.push(`<path d="${this.path.join('')}" fill="${esc(this.fillStyle)}"/>`);
  }

  _text(text, x, y, paint) {
    const m = /(\d+(?:\.\d+)?)px\s+(.*)$/.exec(this.font);
    const weight = /\b(bold|[5-9]00)\b/.exec(this.font)?.[1] ?? 'normal';
    const size = m ? m[1] : '10';
    const family = m ? m[2] : 'sans-serif';
    this.parts.push(`<text x="${num(x)}" y="${num(y)}" font-size="${size}" font-family="${esc(family)}" font-weight="${weight}" text-anchor="${ANCHOR[this.textAlign] ?? 'start'}" dominant-baseline="${BASELINE[this.textBaseline] ?? 'alphabetic'}" ${paint}>${esc(text)}</text>`);
  }

  fillText(text, x, y) { this._text(text, x, y, `fill="${esc(this.fillStyle)}"`); }
  strokeText(text, x, y) { this._text(text, x, y, `fill="none" ${this._strokeAttrs()}`); }

  /** The SVG markup drawn so far (a fragment to put inside an <svg>). */
  markup() {
    const closing = '</g>'.repeat(this.open + this.stack.reduce((n, s) => n + s.open, 0));
    return this.parts.join('') + closing;
  }
}

/** A fake canvas whose getContext('2d') is an SvgContext (for painters that take a canvas). */
export function svgCanvas() {
  const ctx = new SvgContext();
  return { ctx, canvas: { width: 0, height: 0, style: {}, getContext: () => ctx } };
}
