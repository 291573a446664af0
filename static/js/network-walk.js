// The backprop walkthrough drawn on the diagram (backprop-steps.js makes the
// steps): a number on each unit of the columns a step computes or reads, and
// for a weight-gradient step the links coloured by the sign of ∂L/∂w and
// thicker for larger |∂L/∂w|, each line naming its value. Every number sits
// in data attributes and an aria-label as well as in the picture.

import { linkName, nodeName } from './backprop-steps.js';
import { h, setAttributes, subText as sub, supText as sup } from './dom.js';
import { biasMarker, linkSegment, visibleLinks } from './network-layout.js';
import { fmt } from './notation.js';
import { NEGATIVE, POSITIVE } from './palette.js';

const TAG_HEIGHT = 20; // at least; a tag grows with its text (presenter mode)
const INTO_LISTED = 8; // a unit with more inputs leaves its links' gradients to the links

/** Draws one step into its own SVG group, above the units and below the keyboard ring. */
export class WalkLayer {
  constructor(svg) {
    this.group = h('svg:g', { class: 'walk', dataset: { testid: 'walk-layer' } });
    svg.append(this.group);
    this.drawnKey = null;
  }

  /** step: a walkSteps() step or null (nothing drawn); redrawn only when the step or the layout changed. */
  draw(layout, step, width) {
    const key = step ? `${step.key}|${layout.columns.map((c) => `${c.x},${c.nodes.length},${c.nodes[0]?.y}`).join(';')}|${width}` : null;
    if (key === this.drawnKey && step === this.step) return;
    this.drawnKey = key;
    this.step = step;
    this.group.dataset.step = step?.key ?? '';
    if (!step) {
      this.group.replaceChildren();
      return;
    }
    const links = step.links ? this._links(layout, step.links) : [];
    const tags = step.tags.flatMap((tag) => this._tags(layout, tag, width));
    this.group.replaceChildren(...links, ...tags);
    // a tag's box fits its text once the text is laid out
    for (const g of this.group.querySelectorAll('g.walk-tag')) {
      const [rect, text] = g.children;
      const box = text.getBBox();
      const w = Math.max(box.width + 10, 24);
      const th = Math.max(box.height + 2, TAG_HEIGHT);
      const cx = Math.min(Math.max(Number(g.dataset.x), w / 2 + 1), width - w / 2 - 1);
      text.setAttribute('x', cx);
      setAttributes(rect, { x: cx - w / 2, width: w, y: Number(g.dataset.y) - th / 2, height: th });
    }
  }

  _tags(layout, { layer, quantity, symbol, values, role }, width) {
    const column = layout.columns[layer];
    // (a step of a network of another shape, until the probe of the new one answers)
    if (!column || column.collapsed || column.nodes.length !== values.length) return [];
    return column.nodes.map((node, j) => {
      const v = values[j];
      const name = nodeName(quantity, layer, j);
      return h('svg:g', {
        class: `walk-tag ${role}${v < 0 ? ' negative' : ''}`,
        'aria-label': `${name} = ${fmt(v)}`,
        role: 'img',
        dataset: { unit: `${layer},${j}`, quantity, role, value: String(v), x: String(Math.min(node.x, width)), y: String(node.y), symbol },
      },
      h('svg:rect', { x: node.x - 20, y: node.y - TAG_HEIGHT / 2, width: 40, height: TAG_HEIGHT, rx: 5 }),
      h('svg:text', { x: node.x, y: node.y, 'text-anchor': 'middle', 'dominant-baseline': 'central' }, fmt(v)));
    });
  }

  _links(layout, { layer, values, bias }) {
    const m = values.length;
    const n = values[0]?.length ?? 0;
    if (layout.columns[layer - 1]?.nodes.length !== m || layout.columns[layer]?.nodes.length !== n) return [];
    const flat = values.flat();
    const { links } = visibleLinks({ m, n, W: flat });
    const max = Math.max(1e-12, ...links.map((k) => Math.abs(k.w)), ...bias.map(Math.abs));
    const lines = links.map(({ i, j, w }) => {
      const [x1, y1, x2, y2] = linkSegment(layout, layer, i, j);
      return h('svg:line', {
        x1, y1, x2, y2,
        class: 'walk-link',
        stroke: w >= 0 ? POSITIVE : NEGATIVE,
        'stroke-width': (0.8 + 7 * Math.sqrt(Math.abs(w) / max)).toFixed(2),
        'aria-label': `${linkName(layer, i, j)} = ${fmt(w)}`,
        dataset: { link: `${layer},${i},${j}`, value: String(w) },
      });
    });
    const column = layout.columns[layer];
    const dots = column.collapsed ? [] : bias.map((b, j) => {
      const { cx, cy, r } = biasMarker(layout, layer, j, 3 + 5 * Math.sqrt(Math.abs(b) / max));
      return h('svg:circle', {
        cx, cy, r: r.toFixed(2), class: 'walk-bias', fill: b >= 0 ? POSITIVE : NEGATIVE,
        'aria-label': `∂L/∂w${sup(layer)}${sub(0)},${sub(j + 1)} = ${fmt(b)}`,
        dataset: { bias: `${layer},${j}`, value: String(b) },
      });
    });
    return [...lines, ...dots];
  }
}

/**
 * What the tooltip and the keyboard cursor add during a step: the step's
 * numbers at the unit or link pointed at (hit as network-layout.js's hitTest
 * gives it). Returns lines of text (none when the step has nothing there).
 */
export function walkNotes(step, hit, layout) {
  if (!step || !hit) return [];
  if (hit.kind === 'link') {
    if (step.links?.layer === hit.layer) return [`${linkName(hit.layer, hit.i, hit.j)} = ${fmt(step.links.values[hit.i][hit.j])}`];
    const move = step.moves?.[hit.layer - 1];
    if (move) return [`w${sup(hit.layer)}${sub(hit.i + 1)},${sub(hit.j + 1)}: ${fmt(move.W[hit.i][hit.j])} → ${fmt(move.W_after[hit.i][hit.j])}`];
    return [];
  }
  const unit = hit.unit;
  const notes = step.tags.filter((tag) => tag.layer === hit.layer).map((tag) => `${nodeName(tag.quantity, tag.layer, unit)} = ${fmt(tag.values[unit])}`);
  if (step.links?.layer === hit.layer) {
    notes.push(`∂L/∂w${sup(hit.layer)}${sub(0)},${sub(unit + 1)} = ${fmt(step.links.bias[unit])}`);
    // the gradients of the weights into the unit, for the keyboard's cursor as much as the pointer
    const into = step.links.values.map((row, i) => `${linkName(hit.layer, i, unit)} = ${fmt(row[unit])}`);
    if (into.length <= INTO_LISTED) notes.push(...into);
  }
  const move = step.moves?.[hit.layer - 1];
  if (move && hit.layer > 0) notes.push(`w${sup(hit.layer)}${sub(0)},${sub(unit + 1)}: ${fmt(move.W0[unit])} → ${fmt(move.W0_after[unit])}`);
  return notes;
}
