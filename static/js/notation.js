// The homework's notation in plain HTML (no math library): z^l as z<sup>l</sup>,
// W_0^l as W<sub>0</sub><sup>l</sup>, and numbers at 4 significant digits.
// Text from lesson files is only ever set as text: markup is built with DOM
// calls, never innerHTML.

import { h } from './dom.js';

export const DIGITS = 4;

/**
 * A number for people: integers as they are, otherwise 4 significant digits
 * without float noise (0.1 + 0.2 shows as 0.3), tiny and huge ones as
 * 6.914e-13. null/undefined/NaN: "–"; ±Infinity: "inf"/"-inf".
 */
export function fmt(v, digits = DIGITS) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (typeof v === 'string') return v; // "inf", "nan" as the server writes them
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e9) return String(v);
  if (a >= 1e-4 && a < 1e6) return String(Number(v.toPrecision(digits)));
  const [mantissa, exponent] = v.toExponential(digits - 1).split('e');
  return `${String(Number(mantissa))}e${exponent.replace('+', '')}`;
}

/** [1, 2.5] -> "[1, 2.5]" */
export function fmtVector(values, digits = DIGITS) {
  return `[${values.map((v) => fmt(v, digits)).join(', ')}]`;
}

/** One symbol: base with optional sup and sub, e.g. sym('W', '1', '0') = W₀¹ as HTML. */
export function sym(base, sup = null, sub = null) {
  const has = (v) => v !== null && v !== undefined && v !== '';
  if (has(sup) && has(sub)) {
    // both: stacked, as the homework writes w^1_{1,2}
    return h('span', { class: 'sym' }, h('var', {}, base),
      h('span', { class: 'supsub' }, h('sup', {}, String(sup)), h('sub', {}, String(sub))));
  }
  return h('span', { class: 'sym' }, h('var', {}, base),
    has(sub) ? h('sub', {}, String(sub)) : null,
    has(sup) ? h('sup', {}, String(sup)) : null);
}

/** "a^1_2" or "W_0^1" or "x_1" -> sym(...). Order of ^ and _ does not matter. */
export function symbol(text) {
  const m = /^([^\^_]+)((?:[\^_][^\^_]+)*)$/.exec(text);
  if (!m) return h('var', {}, text);
  let sup = null;
  let sub = null;
  for (const part of m[2].match(/[\^_][^\^_]+/g) ?? []) {
    if (part[0] === '^') sup = part.slice(1);
    else sub = part.slice(1);
  }
  return sym(m[1], sup, sub);
}

/**
 * Text with {symbols} in it ("{z_1} = {w_1}x + {b_1}") -> a span of text
 * and symbols. `vars` replaces $names ($x, $lr) with formatted numbers.
 */
export function rich(text, vars = {}) {
  const out = h('span', { class: 'rich' });
  const filled = text.replace(/\$([a-z_]+)/g, (whole, name) => (name in vars ? fmt(vars[name]) : whole));
  filled.split(/(\{[^{}]+\})/).forEach((part) => {
    if (part.startsWith('{') && part.endsWith('}')) out.append(symbol(part.slice(1, -1)));
    else if (part) out.append(part);
  });
  return out;
}

/** ∂L/∂(symbol) as HTML. */
export function partial(base, sup = null, sub = null) {
  return h('span', { class: 'partial' }, '∂L/∂', sym(base, sup, sub));
}

/**
 * A class as people read it. Code and the server index classes from 0; the
 * homework's prose numbers them from 1, as it does units, so index 1 is
 * "class 2". `withIndex` adds the code's index where indices also show:
 * className(1) = "class 2", className(1, true) = "class 2 (index 1)".
 */
export function className(index, withIndex = false) {
  return withIndex ? `class ${index + 1} (index ${index})` : `class ${index + 1}`;
}
