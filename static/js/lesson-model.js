// How a lesson file turns into numbers: where a probe's x, target and rate
// come from, how a value path reads a probe answer, and how it is shown.
// tests/server/lessonrun.py follows these rules in Python, so the tests check
// exactly what the page shows.

import { className, fmt, fmtVector } from './notation.js';

/** 'layers.0.W_after.0.0' -> doc.layers[0].W_after[0][0] (undefined when missing). */
export function readPath(doc, path) {
  let v = doc;
  for (const part of path.split('.')) {
    if (v === null || v === undefined) return undefined;
    v = Array.isArray(v) ? v[Number(part)] : v[part];
  }
  return v;
}

/**
 * An x on one side of a first-layer unit's kink (1-input networks): the current
 * x if it is on that side, else one unit of x past the kink; null if no x is
 * (w = 0 and the unit's sign is fixed by b).
 */
export function sideX(ctx, side, unit) {
  const w = ctx.layers[0].W[0][unit];
  const b = ctx.layers[0].W0[unit];
  const x = ctx.inputs.x;
  const z = w * x + b;
  if (side === 'negative' ? z < 0 : z >= 0) return x;
  if (w === 0) return null;
  const kink = -b / w;
  const sign = w > 0 ? 1 : -1;
  return side === 'negative' ? kink - sign : kink + sign;
}

/** The probe body ({x, target?, lr?}) of an answer's probe spec, or null when no x fits. */
export function resolveProbe(spec, ctx) {
  let x = spec.x;
  if (x === '$x') x = [ctx.inputs.x];
  else if (x && typeof x === 'object' && !Array.isArray(x)) {
    const found = sideX(ctx, x.side, x.unit);
    if (found === null) return null;
    x = [found];
  }
  const body = { x };
  if (spec.target === '$y') body.target = [ctx.inputs.y];
  else if (spec.target !== undefined) body.target = spec.target;
  if (spec.lr !== undefined) body.lr = spec.lr === '$lr' ? ctx.inputs.lr : spec.lr;
  return body;
}

/** The value an answer shows, from its probe's result. */
export function valueOf(answer, result) {
  let v = readPath(result, answer.value);
  if (v === undefined) return undefined;
  if (answer.reduce === 'sum') v = v.reduce((a, b) => a + b, 0);
  if (answer.format === 'class') {
    const best = Math.max(...v);
    const winners = v.map((p, i) => (p === best ? i : -1)).filter((i) => i >= 0);
    v = winners.length > 1 ? 'tie' : winners[0] + 1; // the homework numbers classes from 1
  }
  return v;
}

/** A value as text: numbers at 4 significant digits, vectors and matrices as lists. */
export function showValue(v, answer = {}) {
  if (v === undefined || v === null) return '–';
  if (answer.format === 'class') return v === 'tie' ? 'a tie: a²₁ = a²₂' : className(v - 1);   // v counts from 1, as valueOf says
  if (Array.isArray(v)) return Array.isArray(v[0]) ? `[${v.map((row) => fmtVector(row)).join(', ')}]` : fmtVector(v);
  return fmt(v);
}

/** Memoises probe requests by body within one update (many answers share a probe). */
export function probeCache(send) {
  const seen = new Map();
  return (body) => {
    const key = JSON.stringify(body);
    if (!seen.has(key)) seen.set(key, send(body));
    return seen.get(key);
  };
}
