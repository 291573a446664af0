// Geometry of the network diagram: where each node, bias and link goes, which
// links are drawn when a layer is too dense to draw them all, and what is under
// the pointer. Pure functions of sizes and weights; no DOM.

export const LINK_LIMIT = 600; // links drawn per layer; beyond this only the strongest
const PAD = { top: 22, bottom: 26, left: 44, right: 30 };
const MAX_PITCH = 54;
const MAX_NODE = 38;
// A walkthrough puts numbers on the units: where there is room, larger ones
// (and the inputs' names, left of larger units, need more room on the left).
const ROOMY = { pitch: 104, node: 60, left: PAD.left + 16 };
export const MIN_THUMB = 13; // below this node size a layer collapses to bars without thumbnails
// Column captions ("a³ 8") are up to about 45 px wide at 11 px: closer
// columns alternate their captions between two rows, each row's neighbours
// then being two columns apart.
const CAPTION_WIDTH = 48;
export const CAPTION_ROW = 13;

/**
 * sizes: units per column, inputs first (e.g. [2, 8, 3]); roomy: larger
 * units where the height allows (the walkthrough's numbers sit on them).
 * Returns {columns: [{x, nodes: [{x, y, size, h}], collapsed, captionRow}],
 * thumbnails: bool, captionRows: 1 | 2}. Node (x, y) is its centre; size its
 * width, h its height (equal unless collapsed); captionRow 0 is the lowest.
 */
export function layoutNetwork(sizes, width, height, { roomy = false } = {}) {
  const maxPitch = roomy ? ROOMY.pitch : MAX_PITCH;
  const maxNode = roomy ? ROOMY.node : MAX_NODE;
  const left = roomy ? ROOMY.left : PAD.left;
  const gap = sizes.length > 1 ? (width - left - PAD.right) / (sizes.length - 1) : 0;
  const captionRows = sizes.length > 2 && gap < CAPTION_WIDTH ? 2 : 1;
  const usable = height - PAD.top - PAD.bottom - (captionRows - 1) * CAPTION_ROW;
  const columns = sizes.map((n, c) => {
    const pitch = Math.min(maxPitch, usable / n);
    const size = Math.min(maxNode, pitch * 0.8);
    const collapsed = size < MIN_THUMB;
    const x = left + c * gap;
    const top = PAD.top + (usable - pitch * n) / 2;
    const nodes = Array.from({ length: n }, (_, i) => ({
      x,
      y: top + pitch * (i + 0.5),
      size: collapsed ? 10 : size,
      h: collapsed ? Math.max(1, pitch - (pitch > 3 ? 1 : 0)) : size,
    }));
    return { x, nodes, collapsed, captionRow: captionRows === 2 ? c % 2 : 0 };
  });
  return { columns, captionRows, thumbnails: columns.slice(1, -1).some((c) => !c.collapsed) };
}

/**
 * The links to draw for one weight matrix (m x n, row-major): all of them, or
 * the LINK_LIMIT largest by magnitude. Returns {links: [{i, j, w}], total}.
 */
export function visibleLinks({ m, n, W }) {
  const total = m * n;
  const threshold = total > LINK_LIMIT ? kthLargestMagnitude(W, LINK_LIMIT) : 0;
  const links = [];
  for (let k = 0; k < total && links.length < LINK_LIMIT; k++) {
    if (Math.abs(W[k]) >= threshold) links.push({ i: Math.floor(k / n), j: k % n, w: W[k] });
  }
  return { links, total };
}

/**
 * The k-th largest |value| (k >= 1) by quickselect: linear time, where sorting
 * a 128 x 128 layer's links every frame would cost milliseconds per layer.
 */
export function kthLargestMagnitude(values, k) {
  const a = new Float64Array(values.length); // exact for float64 weights: the threshold is one of them
  for (let i = 0; i < values.length; i++) a[i] = Math.abs(values[i]);
  const target = a.length - k; // index in ascending order
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        [a[i], a[j]] = [a[j], a[i]];
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target];
}

/** Segment for a link of layer l (1-based) from node i of column l-1 to node j of column l. */
export function linkSegment(layout, l, i, j) {
  const a = layout.columns[l - 1].nodes[i];
  const b = layout.columns[l].nodes[j];
  return [a.x + a.size / 2, a.y, b.x - b.size / 2, b.y];
}

/** Centre and radius of the bias marker of node j in column l. */
export function biasMarker(layout, l, j, radius) {
  const node = layout.columns[l].nodes[j];
  return { cx: node.x - node.size / 2 - 1, cy: node.y + node.h / 2 + 1, r: radius };
}

function distanceToSegment(px, py, [x1, y1, x2, y2]) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len2)) : 0;
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}

/**
 * What is at (px, py): {kind: 'bias'|'node', layer, unit} or {kind: 'link', layer, i, j},
 * or null. Biases first (they sit on node corners), then nodes, then the nearest link.
 * drawn: per layer l (index l - 1) the visible links; biases: per layer the markers.
 */
export function hitTest(layout, drawn, biases, px, py, tolerance = 5) {
  for (let l = 1; l < layout.columns.length; l++) {
    for (const [j, b] of (biases[l - 1] ?? []).entries()) {
      if (b && Math.hypot(px - b.cx, py - b.cy) <= b.r + 3) return { kind: 'bias', layer: l, unit: j };
    }
  }
  for (let l = 1; l < layout.columns.length; l++) {
    for (const [j, node] of layout.columns[l].nodes.entries()) {
      if (Math.abs(px - node.x) <= node.size / 2 + 2 && Math.abs(py - node.y) <= node.h / 2 + 1) return { kind: 'node', layer: l, unit: j };
    }
  }
  let best = null;
  let bestDistance = tolerance;
  drawn.forEach((links, index) => {
    for (const link of links) {
      const d = distanceToSegment(px, py, link.segment);
      if (d <= bestDistance) {
        bestDistance = d;
        best = { kind: 'link', layer: index + 1, i: link.i, j: link.j };
      }
    }
  });
  return best;
}
