// The diagram's SVG parts: unit frames, bias markers and labels, drawn into
// pooled elements so a frame rewrites only what changed, and what the tooltip
// says about the thing under the pointer (in the homework's notation).

import { formatNumber, h, setAttributes, subText as sub, supText as sup } from './dom.js';
import { CAPTION_ROW, biasMarker } from './network-layout.js';
import { ACCENT, NEGATIVE, POSITIVE, classColor, signedColor, tint } from './palette.js';

/** Keep exactly `count` children of `group`, making new ones with make(). */
function pool(group, count, make) {
  while (group.children.length < count) group.append(make());
  while (group.children.length > count) group.lastChild.remove();
  return group.children;
}

/**
 * A frame per unit (outputs filled with their class colour, collapsed units
 * with their bias sign); the focus unit (layer, unit) gets the accent ring.
 */
export function drawNodes(group, layout, weights, focus) {
  const { columns } = layout;
  const nodes = [];
  columns.forEach((column, c) => column.nodes.forEach((node, j) => nodes.push({ node, c, j, collapsed: column.collapsed })));
  const rects = pool(group, nodes.length, () => h('svg:rect', { rx: 3 }));
  const last = columns.length - 1;
  nodes.forEach(({ node, c, j, collapsed }, n) => {
    const bias = c > 0 ? weights[c - 1].W0[j] : 0;
    let fill = 'none';
    if (c === last) fill = `rgb(${tint(classColor(j), 0.75).join(',')})`;
    else if (collapsed && c > 0) fill = signedColor(bias, 1, 0.25);
    const isFocus = focus && focus.layer === c && focus.unit === j;
    setAttributes(rects[n], {
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

/**
 * A marker per bias of an uncollapsed layer, its area growing with |W0|.
 * Returns the markers per layer ([{cx, cy, r, b}]) for hit-testing.
 */
export function drawBiases(group, layout, weights) {
  const { columns } = layout;
  const biases = weights.map(({ W0 }, index) => {
    if (columns[index + 1].collapsed) return [];
    const max = Math.max(1, ...Array.from(W0, Math.abs));
    return Array.from(W0, (b, j) => ({ ...biasMarker(layout, index + 1, j, 2.5 + 3.5 * Math.min(1, Math.abs(b) / max)), b }));
  });
  const all = biases.flatMap((list, index) => list.map((b, j) => ({ ...b, layer: index + 1, j })));
  const circles = pool(group, all.length, () => h('svg:circle', {}));
  all.forEach((b, n) => {
    setAttributes(circles[n], {
      cx: b.cx,
      cy: b.cy,
      r: b.r.toFixed(2),
      fill: b.b >= 0 ? POSITIVE : NEGATIVE,
      stroke: '#fff',
      'data-bias': `${b.layer},${b.j}`,
    });
  });
  return biases;
}

/** Column captions ("a² 10 relu"), the inputs' names and the output classes' numbers. */
export function drawLabels(group, layout, layers, height) {
  const { columns } = layout;
  const labels = [];
  const last = columns.length - 1;
  // a column's caption: "a² 10 relu", or "a² 10" where columns are close
  const roomy = columns.length < 2 || columns[1].x - columns[0].x >= 95;
  columns.forEach((column, c) => {
    const layer = layers[c - 1];
    const name = c === 0 ? 'input x' : `a${sup(c)} ${layer.units}${roomy ? ` ${layer.activation}` : ''}`;
    labels.push(h('svg:text', { x: column.x, y: height - 6 - column.captionRow * CAPTION_ROW, 'text-anchor': c === 0 ? 'start' : c === last ? 'end' : 'middle', class: 'column-label' }, name));
    if (c === 0) {
      column.nodes.forEach((node, i) => labels.push(h('svg:text', { x: node.x - node.size / 2 - 5, y: node.y + 4, 'text-anchor': 'end', class: 'node-label' }, `x${sub(i + 1)}`)));
    }
    if (c === last && !column.collapsed) {
      column.nodes.forEach((node, j) => labels.push(h('svg:text', { x: node.x, y: node.y + 4, 'text-anchor': 'middle', class: 'node-label output' }, String(j + 1))));   // classes count from 1, as className() says
    }
  });
  group.replaceChildren(...labels);
}

/**
 * The tooltip's content for a hit ({kind: 'link', layer, i, j} or {kind:
 * 'node'|'bias', layer, unit}). Homework notation: w^l_{i,j} is the weight
 * from input i to unit j of layer l.
 */
export function describeHit(hit, { weights, layers }, layout) {
  const last = layout.columns.length - 1;
  const unitName = (l, j) => (l === last ? `output ${j}` : `unit a${sup(l)}${sub(j + 1)}`);
  if (hit.kind === 'link') {
    const { n, W } = weights[hit.layer - 1];
    const from = hit.layer === 1 ? `x${sub(hit.i + 1)}` : `a${sup(hit.layer - 1)}${sub(hit.i + 1)}`;
    return h('div', {}, h('b', {}, 'w', h('sup', {}, hit.layer), h('sub', {}, `${hit.i + 1},${hit.j + 1}`)), ` = ${formatNumber(W[hit.i * n + hit.j])}`,
      h('div', { class: 'muted' }, `${from} → ${unitName(hit.layer, hit.j)} · click to edit, drag up or down`));
  }
  const b = weights[hit.layer - 1].W0[hit.unit];
  return h('div', {}, h('b', {}, unitName(hit.layer, hit.unit)), ` · ${layers[hit.layer - 1].activation}`, h('div', {}, 'bias w', h('sup', {}, hit.layer), h('sub', {}, `0,${hit.unit + 1}`), ` = ${formatNumber(b)}`),
    h('div', { class: 'muted' }, hit.kind === 'bias' ? 'click to edit, drag up or down'
      : layout.columns[hit.layer].collapsed ? 'click to select it and edit its bias' : 'click to select it'));
}
