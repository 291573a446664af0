// The network diagram: inputs, hidden units (each with a thumbnail of its
// activation over the plane) and outputs; links coloured by sign and thicker
// for larger magnitude; a bias marker per unit. Click a link or a bias to type
// a new value; click a unit to select it (the plane highlights its line).
// Links and thumbnails are painted on a canvas; node frames, bias markers and
// labels are SVG on top. Pointing is hit-tested by geometry (network-layout.js).

import { formatNumber, h, setAttributes, subText as sub, supText as sup } from './dom.js';
import { CAPTION_ROW, LINK_LIMIT, biasMarker, hitTest, layoutNetwork, linkSegment, visibleLinks } from './network-layout.js';
import { ACCENT, NEGATIVE, POSITIVE, classColor, signedColor, tint } from './palette.js';

// While playing, the links canvas is repainted at most this often (render()).
export const LIVE_CANVAS_MS = 90;

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

export class NetworkDiagram {
  /** onEdit({layer, kind: 'W'|'W0', i, j, value}); onSelect(unit|null); onHover(unit|null), unit = {layer, unit}. */
  constructor(el, { onEdit = () => {}, onSelect = () => {}, onHover = () => {} } = {}) {
    this.el = el;
    this.callbacks = { onEdit, onSelect, onHover };
    this.width = 400;
    this.height = 260;
    this.layout = null;
    this.layoutKey = '';
    this.model = null;
    this.selected = null;
    this.drawn = [];
    this.biases = [];
    this.paintedAt = -Infinity; // when the canvas was last painted (performance.now())
    this.paintedThumbnails = null;
    this.tileCache = new WeakMap(); // decoded thumbnails -> their tiles (_tiles)
    this.canvas = h('canvas', { class: 'thumbs', 'aria-hidden': 'true' });
    this.svg = h('svg:svg', { class: 'diagram', role: 'img', 'aria-label': 'network diagram' });
    this.nodeGroup = h('svg:g', { class: 'nodes' });
    this.biasGroup = h('svg:g', { class: 'biases' });
    this.labelGroup = h('svg:g', { class: 'labels' });
    this.svg.append(this.nodeGroup, this.biasGroup, this.labelGroup);
    this.tooltip = h('div', { class: 'plot-tooltip', hidden: true });
    this.caption = h('div', { class: 'diagram-caption', dataset: { testid: 'network-caption' } });
    this.editor = this._buildEditor();
    el.append(this.canvas, this.svg, this.caption, this.tooltip, this.editor);
    this.svg.addEventListener('mousemove', (ev) => this._pointer(ev));
    this.svg.addEventListener('mouseleave', () => this._hover(null));
    this.svg.addEventListener('click', (ev) => this._click(ev));
  }

  /** Whether the current layout shows activation thumbnails (so frames should carry them). */
  get wantsThumbnails() {
    return this.layout ? this.layout.thumbnails : true;
  }

  resize(width, height) {
    if (Math.abs(width - this.width) < 2 && Math.abs(height - this.height) < 2) return;
    this.width = width;
    this.height = height;
    this.layoutKey = '';
    if (this.model) this.render(this.model);
  }

  setSelected(selected) {
    this.selected = selected;
    if (this.model) this._drawNodes();
  }

  /** A unit pointed at outside the diagram (its line on the plane), framed as a hovered one; null for none. */
  setLinked(linked) {
    this.linked = linked;
    if (this.model) this._drawNodes();
  }

  /**
   * model: {weights (decoded), layers, thumbnails (decoded or null), extent}.
   * live: frames are streaming in (playing); then the canvas of links and
   * thumbnails is repainted at most every LIVE_CANVAS_MS, or at once when
   * the thumbnails change. Rasterising some 800 anti-aliased links was the
   * largest part of the browser's work per playing frame; links move slowly.
   */
  render(model, { live = false } = {}) {
    this.model = model;
    const sizes = [model.weights[0].m, ...model.layers.map((l) => l.units)];
    const key = `${sizes.join('-')}@${this.width}x${this.height}`;
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      this.layout = layoutNetwork(sizes, this.width, this.height);
      this.svg.setAttribute('width', this.width);
      this.svg.setAttribute('height', this.height);
      const dpr = window.devicePixelRatio || 1;
      this.canvas.width = Math.round(this.width * dpr);
      this.canvas.height = Math.round(this.height * dpr);
      this.canvas.style.width = `${this.width}px`;
      this.canvas.style.height = `${this.height}px`;
      this.paintedAt = -Infinity;
    }
    // the column captions name each layer's activation, which changes without the layout
    const labelsKey = `${key}|${model.layers.map((l) => l.activation).join(',')}`;
    if (labelsKey !== this.labelsKey) {
      this.labelsKey = labelsKey;
      this._drawLabels(model.layers);
    }
    this._chooseLinks();
    this._drawNodes();
    this._drawBiases();
    const now = performance.now();
    if (!live || now - this.paintedAt >= LIVE_CANVAS_MS || model.thumbnails !== this.paintedThumbnails) {
      this._paintCanvas();
      this.paintedAt = now;
      this.paintedThumbnails = model.thumbnails;
    }
  }

  /** Which links to draw (all, or the strongest per dense layer) and how. */
  _chooseLinks() {
    const thinned = [];
    this.drawn = this.model.weights.map((weights, index) => {
      const { links, total } = visibleLinks(weights);
      if (links.length < total) thinned.push({ layer: index + 1, shown: links.length, total });
      const dense = total > 120;
      const max = Math.max(0.5, ...links.map((k) => Math.abs(k.w)));
      return links.map((k) => ({
        ...k,
        segment: linkSegment(this.layout, index + 1, k.i, k.j),
        width: (dense ? 0.3 : 0.6) + (dense ? 2 : 5) * Math.min(1, Math.abs(k.w) / max),
        alpha: dense ? 0.45 : 0.85,
      }));
    });
    this.caption.textContent = thinned.length === 1
      ? `layer ${thinned[0].layer}: the ${thinned[0].shown} strongest of ${thinned[0].total} links`
      : thinned.length ? `layers ${thinned.map((t) => t.layer).join(', ')}: the ${LINK_LIMIT} strongest links of each` : '';
  }

  /** Links on the canvas (hundreds of SVG lines rewritten every frame cost too much). */
  _paintLinks(ctx) {
    ctx.lineCap = 'round';
    for (const links of this.drawn) {
      for (const k of links) {
        const [x1, y1, x2, y2] = k.segment;
        ctx.globalAlpha = k.alpha;
        ctx.strokeStyle = k.w >= 0 ? POSITIVE : NEGATIVE;
        ctx.lineWidth = k.width;
        ctx.beginPath();
        ctx.moveTo(x1, y1);
        ctx.lineTo(x2, y2);
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
  }

  _drawNodes() {
    const { columns } = this.layout;
    const nodes = [];
    columns.forEach((column, c) => column.nodes.forEach((node, j) => nodes.push({ node, c, j, collapsed: column.collapsed })));
    const pool = this.nodeGroup.children;
    while (pool.length < nodes.length) this.nodeGroup.append(h('svg:rect', { rx: 3 }));
    while (pool.length > nodes.length) this.nodeGroup.lastChild.remove();
    const last = columns.length - 1;
    const focus = this.hovered?.kind === 'node' ? this.hovered : this.linked ?? this.selected;
    nodes.forEach(({ node, c, j, collapsed }, n) => {
      const bias = c > 0 ? this.model.weights[c - 1].W0[j] : 0;
      let fill = 'none';
      if (c === last) fill = `rgb(${tint(classColor(j), 0.75).join(',')})`;
      else if (collapsed && c > 0) fill = signedColor(bias, 1, 0.25);
      const isFocus = focus && focus.layer === c && focus.unit === j;
      setAttributes(pool[n], {
        x: node.x - node.size / 2,
        y: node.y - node.h / 2,
        width: node.size,
        height: node.h,
        fill,
        stroke: isFocus ? ACCENT : collapsed ? 'none' : '#7b8494',
        'stroke-width': isFocus ? 3 : 1,
        'data-unit': `${c},${j}`,
      });
    });
  }

  /** Grey the units dead on every training point: dead[l - 1] lists hidden layer l's (creases.js). */
  setDead(dead) {
    const sets = dead.map((units) => new Set(units));
    for (const rect of this.nodeGroup.children) {
      const [c, j] = rect.dataset.unit.split(',').map(Number);
      rect.classList.toggle('dead', Boolean(c > 0 && sets[c - 1]?.has(j)));
    }
  }

  _drawBiases() {
    const { columns } = this.layout;
    this.biases = this.model.weights.map(({ W0 }, index) => {
      if (columns[index + 1].collapsed) return [];
      const max = Math.max(1, ...Array.from(W0, Math.abs));
      return Array.from(W0, (b, j) => ({ ...biasMarker(this.layout, index + 1, j, 2.5 + 3.5 * Math.min(1, Math.abs(b) / max)), b }));
    });
    const all = this.biases.flatMap((list, index) => list.map((b, j) => ({ ...b, layer: index + 1, j })));
    const pool = this.biasGroup.children;
    while (pool.length < all.length) this.biasGroup.append(h('svg:circle', {}));
    while (pool.length > all.length) this.biasGroup.lastChild.remove();
    all.forEach((b, n) => {
      setAttributes(pool[n], {
        cx: b.cx,
        cy: b.cy,
        r: b.r.toFixed(2),
        fill: b.b >= 0 ? POSITIVE : NEGATIVE,
        stroke: '#fff',
        'data-bias': `${b.layer},${b.j}`,
      });
    });
  }

  _drawLabels(layers) {
    const { columns } = this.layout;
    const labels = [];
    const last = columns.length - 1;
    // a column's caption: "a² 10 relu", or "a² 10" where columns are close
    const roomy = columns.length < 2 || columns[1].x - columns[0].x >= 95;
    columns.forEach((column, c) => {
      const layer = layers[c - 1];
      const name = c === 0 ? 'input x' : `a${sup(c)} ${layer.units}${roomy ? ` ${layer.activation}` : ''}`;
      labels.push(h('svg:text', { x: column.x, y: this.height - 6 - column.captionRow * CAPTION_ROW, 'text-anchor': c === 0 ? 'start' : c === last ? 'end' : 'middle', class: 'column-label' }, name));
      if (c === 0) {
        column.nodes.forEach((node, i) => labels.push(h('svg:text', { x: node.x - node.size / 2 - 5, y: node.y + 4, 'text-anchor': 'end', class: 'node-label' }, `x${sub(i + 1)}`)));
      }
      if (c === last && !column.collapsed) {
        column.nodes.forEach((node, j) => labels.push(h('svg:text', { x: node.x, y: node.y + 4, 'text-anchor': 'middle', class: 'node-label output' }, String(j + 1))));   // classes count from 1, as className() says
      }
    });
    this.labelGroup.replaceChildren(...labels);
  }

  _paintCanvas() {
    const ctx = this.canvas.getContext('2d');
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    this._paintLinks(ctx);
    this._paintThumbnails(ctx);
  }

  _paintThumbnails(ctx) {
    ctx.imageSmoothingEnabled = true;
    const { columns } = this.layout;
    const inputs = columns[0];
    if (!inputs.collapsed && this.model.extent) this._drawInputThumbnails(ctx, inputs);
    for (const thumb of this.model.thumbnails ?? []) {
      const column = columns[thumb.layer];
      if (!column || column.collapsed || thumb.layer >= columns.length - 1) continue;
      const tiles = this._tiles(thumb, column.nodes.length);
      const s = thumb.size;
      column.nodes.forEach((node, j) => {
        if (j < tiles.count) ctx.drawImage(tiles.canvas, j * s, 0, s, s, node.x - node.size / 2, node.y - node.size / 2, node.size, node.size);
      });
    }
  }

  /**
   * One layer's thumbnails as a strip of s x s tiles, built once per
   * thumbnail object: while playing, most frames reuse the last thumbnails
   * (session.js), and colouring them pixel by pixel again cost more than
   * the rest of the diagram.
   */
  _tiles(thumb, units) {
    let tiles = this.tileCache.get(thumb);
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
    this.tileCache.set(thumb, tiles);
    return tiles;
  }

  _drawInputThumbnails(ctx, column) {
    const [x0, x1, y0, y1] = this.model.extent;
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

  _local(ev) {
    const rect = this.svg.getBoundingClientRect();
    return [ev.clientX - rect.left, ev.clientY - rect.top];
  }

  _pointer(ev) {
    if (!this.layout) return;
    const [px, py] = this._local(ev);
    const hit = hitTest(this.layout, this.drawn, this.biases, px, py);
    this._hover(hit, ev);
  }

  _hover(hit, ev) {
    const previous = this.hovered;
    this.hovered = hit;
    const unit = hit && (hit.kind === 'node' || hit.kind === 'bias') && hit.layer < this.layout.columns.length - 1 ? { layer: hit.layer, unit: hit.unit } : null;
    if (JSON.stringify(previous) !== JSON.stringify(hit)) {
      this._drawNodes();
      this.callbacks.onHover(unit);
    }
    this.svg.classList.toggle('pointing', Boolean(hit));
    if (!hit || !ev || !this.editor.hidden) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.replaceChildren(this._describe(hit));
    this.tooltip.hidden = false;
    const [px, py] = this._local(ev);
    const tw = this.tooltip.offsetWidth;
    this.tooltip.style.left = `${px + 14 + tw > this.width ? px - tw - 14 : px + 14}px`;
    this.tooltip.style.top = `${Math.max(0, py - 30)}px`;
  }

  /** Homework notation: w^l_{i,j} is the weight from input i to unit j of layer l. */
  _describe(hit) {
    const { weights } = this.model;
    const last = this.layout.columns.length - 1;
    const unitName = (l, j) => (l === last ? `output ${j}` : `unit a${sup(l)}${sub(j + 1)}`);
    if (hit.kind === 'link') {
      const { n, W } = weights[hit.layer - 1];
      const from = hit.layer === 1 ? `x${sub(hit.i + 1)}` : `a${sup(hit.layer - 1)}${sub(hit.i + 1)}`;
      return h('div', {}, h('b', {}, 'w', h('sup', {}, hit.layer), h('sub', {}, `${hit.i + 1},${hit.j + 1}`)), ` = ${formatNumber(W[hit.i * n + hit.j])}`,
        h('div', { class: 'muted' }, `${from} → ${unitName(hit.layer, hit.j)} · click to edit`));
    }
    const b = weights[hit.layer - 1].W0[hit.unit];
    return h('div', {}, h('b', {}, unitName(hit.layer, hit.unit)), ` · ${this.model.layers[hit.layer - 1].activation}`, h('div', {}, 'bias w', h('sup', {}, hit.layer), h('sub', {}, `0,${hit.unit + 1}`), ` = ${formatNumber(b)}`),
      h('div', { class: 'muted' }, hit.kind === 'bias' ? 'click to edit'
        : this.layout.columns[hit.layer].collapsed ? 'click to select it and edit its bias' : 'click to select it'));
  }

  _click(ev) {
    if (!this.layout) return;
    const [px, py] = this._local(ev);
    const hit = hitTest(this.layout, this.drawn, this.biases, px, py);
    if (!hit) {
      this._closeEditor();
      return;
    }
    if (hit.kind === 'link') this._openEditor({ layer: hit.layer, kind: 'W', i: hit.i, j: hit.j }, px, py);
    else if (hit.kind === 'bias') this._openEditor({ layer: hit.layer, kind: 'W0', i: null, j: hit.unit }, px, py);
    else {
      // a unit: select it (the plane highlights its line); a collapsed layer has no
      // bias markers, so there the click edits the bias as well
      const same = this.selected && this.selected.layer === hit.layer && this.selected.unit === hit.unit;
      const last = this.layout.columns.length - 1;
      this.selected = same || hit.layer === last ? null : { layer: hit.layer, unit: hit.unit };
      this.callbacks.onSelect(this.selected);
      this._drawNodes();
      this._closeEditor();
      if (this.layout.columns[hit.layer].collapsed) this._openEditor({ layer: hit.layer, kind: 'W0', i: null, j: hit.unit }, px, py);
    }
  }

  _buildEditor() {
    const input = h('input', { type: 'number', step: 'any', dataset: { testid: 'weight-input' }, 'aria-label': 'new value' });
    const label = h('span', { class: 'editor-label' });
    const form = h('form', { class: 'weight-editor', dataset: { testid: 'weight-editor' }, hidden: true }, label, input, h('button', { type: 'submit' }, 'Set'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const value = Number(input.value);
      if (input.value.trim() === '' || !Number.isFinite(value)) {
        input.setCustomValidity('a number, please');
        input.reportValidity();
        return;
      }
      this.callbacks.onEdit({ ...this.editing, value });
      this._closeEditor();
    });
    input.addEventListener('input', () => input.setCustomValidity(''));
    input.addEventListener('keydown', (ev) => ev.key === 'Escape' && this._closeEditor());
    // a press anywhere else but the diagram (which decides for itself) closes it
    document.addEventListener('pointerdown', (ev) => {
      if (!form.hidden && !form.contains(ev.target) && !this.svg.contains(ev.target)) this._closeEditor();
    });
    this.editorParts = { input, label };
    return form;
  }

  _openEditor(target, px, py) {
    const { weights } = this.model;
    const { n, W, W0 } = weights[target.layer - 1];
    const value = target.kind === 'W' ? W[target.i * n + target.j] : W0[target.j];
    this.editing = target;
    const { input, label } = this.editorParts;
    label.replaceChildren(target.kind === 'W'
      ? h('span', {}, 'w', h('sup', {}, target.layer), h('sub', {}, `${target.i + 1},${target.j + 1}`), ' =')
      : h('span', {}, 'w', h('sup', {}, target.layer), h('sub', {}, `0,${target.j + 1}`), ' ='));
    input.value = String(Math.round(value * 1e4) / 1e4);
    this.tooltip.hidden = true;
    this.editor.hidden = false;
    const ew = this.editor.offsetWidth;
    this.editor.style.left = `${Math.min(Math.max(0, px - ew / 2), this.width - ew)}px`;
    this.editor.style.top = `${Math.min(py + 12, this.height - this.editor.offsetHeight)}px`;
    input.focus();
    input.select();
  }

  _closeEditor() {
    this.editor.hidden = true;
    this.editing = null;
  }
}
