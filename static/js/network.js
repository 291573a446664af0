// The network diagram: inputs, hidden units (each with a thumbnail of its
// activation over the plane) and outputs; links coloured by sign and thicker
// for larger magnitude; a bias marker per unit. Click a link or a bias to type
// a new value, or drag it up or down; click a unit to select it (the plane
// highlights its line). Mouse, pen and finger share the pointer events; a tap
// shows what a hover would.
// Links and thumbnails are painted on a canvas (network-links.js,
// network-thumbnails.js); unit frames, bias markers and labels are SVG on top
// (network-nodes.js). Pointing is hit-tested by geometry (network-layout.js).
// A backprop walkthrough step (backprop-walk.js) is drawn on top
// (network-walk.js), and an applied step moves the links (network-motion.js).

import { h } from './dom.js';
import { WeightDrag, WeightEditor } from './network-editor.js';
import { hitTest, layoutNetwork } from './network-layout.js';
import { chooseLinks, paintLinks } from './network-links.js';
import { WeightMotion } from './network-motion.js';
import { describeHit, drawBiases, drawLabels, drawNodes } from './network-nodes.js';
import { ThumbnailTiles, paintThumbnails } from './network-thumbnails.js';
import { WalkLayer, walkNotes } from './network-walk.js';

// While playing, the links canvas is repainted at most this often (render()).
export const LIVE_CANVAS_MS = 90;
// During a walkthrough step, links of layers the step does not use fade to this opacity.
const WALK_FADE = 0.25;
// How near (px) a pointer must come to a link or unit to hit it: a fingertip is wide.
const REACH_PX = { mouse: 5, pen: 5, touch: 12 };
// A dragged value is shown this far above the press (the editor's height and a margin).
const DRAG_LIFT_PX = 72;

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
    this.tiles = new ThumbnailTiles();
    this.canvas = h('canvas', { class: 'thumbs', 'aria-hidden': 'true' });
    this.svg = h('svg:svg', { class: 'diagram', role: 'img', 'aria-label': 'network diagram' });
    this.nodeGroup = h('svg:g', { class: 'nodes' });
    this.biasGroup = h('svg:g', { class: 'biases' });
    this.labelGroup = h('svg:g', { class: 'labels' });
    this.svg.append(this.nodeGroup, this.biasGroup, this.labelGroup);
    this.walkLayer = new WalkLayer(this.svg);
    this.walkStep = null;
    this.motion = null;
    this.moveFrame = 0;
    this.tooltip = h('div', { class: 'plot-tooltip', hidden: true });
    this.caption = h('div', { class: 'diagram-caption', dataset: { testid: 'network-caption' } });
    this.weightEditor = new WeightEditor({ onSet: (edit) => this.callbacks.onEdit(edit), inside: (target) => this.svg.contains(target) });
    this.editor = this.weightEditor.form;
    el.append(this.canvas, this.svg, this.caption, this.tooltip, this.editor);
    this.drag = new WeightDrag();
    this.pointerType = 'mouse';
    this.svg.addEventListener('pointerdown', (ev) => this._press(ev));
    this.svg.addEventListener('pointermove', (ev) => this._pointer(ev));
    this.svg.addEventListener('pointerup', (ev) => this._release(ev));
    this.svg.addEventListener('pointercancel', () => this._cancelDrag());
    // a lifted finger leaves too: what its tap showed stays until the next tap
    this.svg.addEventListener('pointerleave', (ev) => ev.pointerType !== 'touch' && this._hover(null));
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

  /** A backprop walkthrough step (backprop-steps.js) to draw on the diagram; null: none. */
  showWalk(step) {
    this.walkStep = step;
    this.el.classList.toggle('walking', Boolean(step));
    if (this.model) this.render(this.model);
  }

  /** The next model with other weights is reached by moving the links there (MOVE_MS) rather than at once. */
  expectMove() {
    if (this.model) this.motion = new WeightMotion(this.model.weights, this.model);
  }

  cancelMove() {
    this.motion = null;
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
    const key = `${sizes.join('-')}@${this.width}x${this.height}${this.walkStep ? '+walk' : ''}`;
    if (key !== this.layoutKey) this._layOut(sizes, key);
    // the column captions name each layer's activation, which changes without the layout
    const labelsKey = `${key}|${model.layers.map((l) => l.activation).join(',')}`;
    if (labelsKey !== this.labelsKey) {
      this.labelsKey = labelsKey;
      drawLabels(this.labelGroup, this.layout, model.layers, this.height);
    }
    const now = performance.now();
    const weights = this._movingWeights(model, now);
    const { drawn, caption } = chooseLinks(weights, this.layout);
    this.drawn = drawn;
    this.caption.textContent = caption;
    this._drawNodes();
    this.biases = drawBiases(this.biasGroup, this.layout, weights);
    this.walkLayer.draw(this.layout, this.walkStep, this.width);
    if (!live || this.motion || now - this.paintedAt >= LIVE_CANVAS_MS || model.thumbnails !== this.paintedThumbnails) {
      this._paintCanvas();
      this.paintedAt = now;
      this.paintedThumbnails = model.thumbnails;
    }
  }

  /** The weights to draw now: the model's, or on their way there after an applied step. */
  _movingWeights(model, now) {
    if (!this.motion) return model.weights;
    const weights = this.motion.at(model, now);
    if (this.motion.done) this.motion = null;
    else if (this.motion.started && !this.moveFrame) {
      this.moveFrame = requestAnimationFrame(() => {
        this.moveFrame = 0;
        this.render(this.model);
      });
    }
    this.svg.dataset.moving = String(Boolean(this.motion?.started));
    return weights;
  }

  _layOut(sizes, key) {
    this.layoutKey = key;
    this.layout = layoutNetwork(sizes, this.width, this.height, { roomy: Boolean(this.walkStep) });
    this.svg.setAttribute('width', this.width);
    this.svg.setAttribute('height', this.height);
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.width * dpr);
    this.canvas.height = Math.round(this.height * dpr);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.paintedAt = -Infinity;
  }

  _drawNodes() {
    const focus = this.hovered?.kind === 'node' ? this.hovered : this.linked ?? this.selected;
    drawNodes(this.nodeGroup, this.layout, this.model.weights, focus);
  }

  /** Grey the units dead on every training point: dead[l - 1] lists hidden layer l's (creases.js). */
  setDead(dead) {
    const sets = dead.map((units) => new Set(units));
    for (const rect of this.nodeGroup.children) {
      const [c, j] = rect.dataset.unit.split(',').map(Number);
      rect.classList.toggle('dead', Boolean(c > 0 && sets[c - 1]?.has(j)));
    }
  }

  _paintCanvas() {
    const ctx = this.canvas.getContext('2d');
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    this._paintLinks(ctx);
    this._paintThumbnails(ctx);
  }

  /** (Also the picture export's way to the links, pictures.js.) */
  _paintLinks(ctx) {
    const step = this.walkStep;
    // a gradient step draws its own links for its layer; the layer a step reads stays bright
    const fades = step && step.phase !== 'update'
      ? this.drawn.map((_, index) => (step.links?.layer === index + 1 ? 0 : step.layer === index + 1 ? 1 : WALK_FADE))
      : null;
    paintLinks(ctx, this.drawn, fades);
  }

  _paintThumbnails(ctx) {
    paintThumbnails(ctx, this.layout, this.model, this.tiles);
  }

  _local(ev) {
    const rect = this.svg.getBoundingClientRect();
    return [ev.clientX - rect.left, ev.clientY - rect.top];
  }

  _hitAt(ev) {
    const [px, py] = this._local(ev);
    return hitTest(this.layout, this.drawn, this.biases, px, py, REACH_PX[this.pointerType] ?? REACH_PX.mouse);
  }

  /** A press on a link or a bias may become a drag of its value (network-editor.js). */
  _press(ev) {
    this.pointerType = ev.pointerType;
    this.dragged = false;
    if (!this.layout || !this.model || ev.button !== 0) return;
    const hit = this._hitAt(ev);
    const target = hit?.kind === 'link' ? { layer: hit.layer, kind: 'W', i: hit.i, j: hit.j }
      : hit?.kind === 'bias' ? { layer: hit.layer, kind: 'W0', i: null, j: hit.unit } : null;
    if (!target) return;
    this.drag.start(target, this._value(target), ev);
    this.svg.setPointerCapture(ev.pointerId);
  }

  _pointer(ev) {
    if (!this.layout) return;
    const value = this.drag.move(ev);
    if (value !== null) this._dragTo(value);
    else if (ev.pointerType !== 'touch' && !this.drag.dragging) this._hover(this._hitAt(ev), ev);
  }

  _release(ev) {
    const edit = this.drag.end(ev);
    if (!edit) return;
    this.dragged = true; // the click that may follow ends the drag, not a click on the link
    this.weightEditor.close();
    this.callbacks.onEdit(edit);
  }

  _cancelDrag() {
    const press = this.drag.press;
    this.drag.cancel();
    if (press?.dragging) {
      this.weightEditor.close();
      this.render({ ...this.model, weights: withValue(this.model.weights, press.target, press.value) });
    }
  }

  /** The dragged link or bias drawn at `value`, and the value shown beside it, until the release sets it. */
  _dragTo(value) {
    const { target, x, y } = this.drag.press;
    this.tooltip.hidden = true;
    this.render({ ...this.model, weights: withValue(this.model.weights, target, value) });
    const rect = this.svg.getBoundingClientRect();
    // above the press, where the finger does not cover it
    this.weightEditor.show(target, value, x - rect.left, Math.max(0, y - rect.top - DRAG_LIFT_PX), this.width, this.height, { focus: false });
  }

  _value({ layer, kind, i, j }) {
    const { n, W, W0 } = this.model.weights[layer - 1];
    return kind === 'W' ? W[i * n + j] : W0[j];
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
    if (!hit || !ev || this.weightEditor.open) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.replaceChildren(describeHit(hit, this.model, this.layout),
      ...walkNotes(this.walkStep, hit, this.layout).map((note) => h('div', { class: 'walk-note' }, note)));
    this.tooltip.hidden = false;
    const [px, py] = this._local(ev);
    const tw = this.tooltip.offsetWidth;
    this.tooltip.style.left = `${px + 14 + tw > this.width ? px - tw - 14 : px + 14}px`;
    this.tooltip.style.top = `${Math.max(0, py - 30)}px`;
  }

  _click(ev) {
    if (!this.layout || this.dragged) return;
    const [px, py] = this._local(ev);
    const hit = this._hitAt(ev);
    const touch = this.pointerType === 'touch';
    if (!hit) {
      this._closeEditor();
      if (touch) this._hover(null);
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
      else if (touch) this._hover(hit, ev); // what a mouse would have shown on the way there
    }
  }

  /** Open the editor on target ({layer, kind: 'W'|'W0', i, j}) near (px, py). */
  _openEditor(target, px, py) {
    this.tooltip.hidden = true;
    this.weightEditor.show(target, this._value(target), px, py, this.width, this.height);
  }

  _closeEditor() {
    this.weightEditor.close();
  }
}

/** weights (decoded, per layer {m, n, W, W0}) with target's one entry set to value; the rest shared. */
function withValue(weights, { layer, kind, i, j }, value) {
  const copy = weights.slice();
  const { n, W, W0 } = weights[layer - 1];
  const changed = kind === 'W' ? { W: W.slice() } : { W0: W0.slice() };
  if (kind === 'W') changed.W[i * n + j] = value;
  else changed.W0[j] = value;
  copy[layer - 1] = { ...weights[layer - 1], ...changed };
  return copy;
}
