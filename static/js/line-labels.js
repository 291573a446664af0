// Where the plane writes each first-layer unit's labels: its number j on the
// line, and the names of its two sides just off it. Pure functions over boxes
// in canvas pixels (x right, y down), so they can be tested without drawing.
// Each label tries a row of positions along the visible part of its line; a
// position is refused when the box would leave the plot, touch a label
// already placed, or (a side name) sit nearer another line than its own;
// among the rest the one covering the fewest data points and other lines
// wins. Every line's number is placed before any side names. What fits
// nowhere is left out: a missing label reads better than two on top of each
// other.

/**
 * How each hidden activation's unit lines are labelled: `negative` and
 * `positive` name the sides where z < 0 and z > 0 (the homework's Problem 2.3
 * names a ReLU's "0" and "+": a = 0 on one side); `line` says what the line
 * is, for the plane's legend ({z}, {a}: the unit's z and a), and `meaning`
 * what a is on either side.
 */
export const SIDE_NAMES = {
  relu: { negative: '0', positive: '+', line: '{z} = 0', meaning: 'ReLU: a = 0 on the 0 side, a = z > 0 on the + side' },
  tanh: { negative: '−', positive: '+', line: '{z} = 0, {a} = 0', meaning: 'tanh: a = 0 on the line, a < 0 on the − side, a > 0 on the + side' },
  sigmoid: { negative: '−', positive: '+', line: '{z} = 0, {a} = ½', meaning: 'sigmoid: a = ½ on the line, a < ½ on the − side, a > ½ on the + side' },
  linear: { negative: '−', positive: '+', line: 'the level set {z} = 0', meaning: 'linear: a = z, the line is its level set z = 0, a < 0 on the − side, a > 0 on the + side' },
};

export function sideNames(activation) {
  return SIDE_NAMES[activation] ?? SIDE_NAMES.linear;
}

// Positions tried along a line (fractions of its visible part) and gaps
// between a label box and anything else (px).
const ALONG = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82, 0.1, 0.9, 0.05, 0.95];
const GAP = 2;
// Room (px) between a side name away from the number and its line (the line's width and halo).
const LINE_CLEARANCE = 3;
// How far along its line (a fraction of it) a side name may move from the number.
const SIDE_REACH = 0.17;
// A label may cover at most this many data points (a line through it counts
// two); fewer is better.
const MAX_COVERED = 2;

export const box = (cx, cy, w, h) => ({ x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2 });

export function intersects(a, b, gap = 0) {
  return a.x0 < b.x1 + gap && b.x0 < a.x1 + gap && a.y0 < b.y1 + gap && b.y0 < a.y1 + gap;
}

export function inside(b, area, gap = 0) {
  return b.x0 >= area.left + gap && b.y0 >= area.top + gap && b.x1 <= area.left + area.width - gap && b.y1 <= area.top + area.height - gap;
}

/** Distance from point p to the segment [a, b]. */
export function segmentDistance([px, py], [[ax, ay], [bx, by]]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Whether the segment [a, b] passes through the box (Liang-Barsky clipping). */
export function crossesBox([[ax, ay], [bx, by]], b) {
  let lo = 0;
  let hi = 1;
  for (const [p, q] of [[-(bx - ax), ax - b.x0], [bx - ax, b.x1 - ax], [-(by - ay), ay - b.y0], [by - ay, b.y1 - ay]]) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const r = q / p;
      if (p < 0) lo = Math.max(lo, r);
      else hi = Math.min(hi, r);
      if (lo > hi) return false;
    }
  }
  return true;
}

/** Data points' marker boxes, bucketed on a coarse grid so a label checks only its neighbours. */
export class MarkerIndex {
  constructor(centres, size, cell = 24) {
    this.half = size / 2;
    this.cell = cell;
    this.buckets = new Map();
    for (const [x, y] of centres) {
      const key = `${Math.floor(x / cell)},${Math.floor(y / cell)}`;
      if (!this.buckets.has(key)) this.buckets.set(key, []);
      this.buckets.get(key).push([x, y]);
    }
  }

  /** How many markers the box touches. */
  count(b) {
    const { cell, half } = this;
    let n = 0;
    for (let i = Math.floor((b.x0 - half) / cell); i <= Math.floor((b.x1 + half) / cell); i++) {
      for (let j = Math.floor((b.y0 - half) / cell); j <= Math.floor((b.y1 + half) / cell); j++) {
        for (const [x, y] of this.buckets.get(`${i},${j}`) ?? []) {
          if (x + half > b.x0 && x - half < b.x1 && y + half > b.y0 && y - half < b.y1) n += 1;
        }
      }
    }
    return n;
  }
}

/**
 * The labels of one line at fraction t of its segment: the number centred on
 * the line and the two side names off it along the normal (towards z > 0 for
 * the positive one), clear of the number's box when `beside` it, else just
 * clear of the line. sizes: {unit: [w, h], side: [w, h]}.
 */
export function labelGroup(line, t, names, sizes, beside = true) {
  const [[x1, y1], [x2, y2]] = [line.from, line.to];
  const cx = x1 + (x2 - x1) * t;
  const cy = y1 + (y2 - y1) * t;
  const [nx, ny] = line.normal;
  const [uw, uh] = sizes.unit;
  const [sw, sh] = sizes.side;
  // how far a box reaches along the normal from its centre
  const reach = (w, h) => Math.abs(nx) * w / 2 + Math.abs(ny) * h / 2;
  const d = (beside ? reach(uw, uh) : LINE_CLEARANCE) + reach(sw, sh) + GAP + 1;
  const at = (s) => [cx + s * nx * d, cy + s * ny * d];
  return [
    { unit: line.unit, kind: 'unit', text: String(line.unit + 1), at: [cx, cy], box: box(cx, cy, uw, uh), t },
    { unit: line.unit, kind: 'negative', text: names.negative, at: at(-1), box: box(...at(-1), sw, sh), t },
    { unit: line.unit, kind: 'positive', text: names.positive, at: at(1), box: box(...at(1), sw, sh), t },
  ];
}

/**
 * Labels for the lines, none overlapping another or leaving the area.
 * lines: [{unit, from: [x, y], to: [x, y], normal: [nx, ny] (unit length,
 *   towards z > 0)}], in the order they get first choice;
 * names: sideNames(activation); sizes: {unit: [w, h], side: [w, h]};
 * area: {left, top, width, height}; markers: a MarkerIndex or null;
 * previous: unit -> t of the last placement (kept when still as good, so
 *   labels do not hop about while the lines move).
 * Returns [{unit, kind: 'unit'|'negative'|'positive', text, at, box, t}].
 */
export function placeLineLabels(lines, { names, sizes, area, markers = null, previous = new Map() }) {
  const placed = [];
  const segments = new Map(lines.map((l) => [l.unit, [l.from, l.to]]));
  // a side name must be nearer its own line than any other, or it names the wrong one
  const nearestIsOwn = (l) => {
    const own = segmentDistance(l.at, segments.get(l.unit));
    return lines.every((o) => o.unit === l.unit || segmentDistance(l.at, [o.from, o.to]) > own + 1);
  };
  const free = (group) => group.every((l) => inside(l.box, area, GAP) && !placed.some((p) => intersects(l.box, p.box, GAP))
    && (l.kind === 'unit' || nearestIsOwn(l)));
  // points covered, and other lines running through a label (it then reads as theirs)
  const crossings = (l) => lines.reduce((n, o) => n + (o.unit !== l.unit && crossesBox([o.from, o.to], l.box) ? 1 : 0), 0);
  const covered = (group) => group.reduce((n, l) => n + (markers ? markers.count(l.box) : 0) + 2 * crossings(l), 0);
  const best = (candidates) => {
    let choice = null;
    for (const group of candidates) {
      if (!free(group)) continue;
      const score = covered(group);
      if (score <= MAX_COVERED * group.length && (!choice || score < choice.score)) choice = { group, score };
      if (score === 0) break;
    }
    return choice?.group ?? null;
  };
  // first every line's number (a line without one cannot be told apart) ...
  const numbered = [];
  for (const line of lines) {
    const last = previous.get(line.unit);
    const tries = last === undefined ? ALONG : [last, ...ALONG];
    const group = best(tries.map((t) => labelGroup(line, t, names, sizes).slice(0, 1)));
    if (!group) continue;
    placed.push(...group);
    numbered.push([line, group[0].t]);
  }
  // ... then its sides, beside the number or a little along the line (further
  // away they would no longer read as that number's sides)
  for (const [line, t] of numbered) {
    const tries = [t, ...ALONG.filter((a) => a !== t && Math.abs(a - t) <= SIDE_REACH)].sort((a, b) => Math.abs(a - t) - Math.abs(b - t));
    for (const side of [1, 2]) {
      const group = best(tries.map((u) => [labelGroup(line, u, names, sizes, u === t)[side]]));
      if (group) placed.push(...group);
    }
  }
  return placed;
}

/** The unit normal in canvas pixels towards z = w . x + b > 0, for a view whose y axis points up. */
export function pixelNormal([w1, w2], scaleX, scaleY) {
  // d z / d px = w1 / scaleX, d z / d py = -w2 / scaleY (pixel y grows downwards)
  const nx = w1 / scaleX;
  const ny = -w2 / scaleY;
  const norm = Math.hypot(nx, ny) || 1;
  return [nx / norm, ny / norm];
}
