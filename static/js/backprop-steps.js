// The walkthrough's steps: one point's forward pass layer by layer, then the
// backward pass, then the SGD step, each with the homework's equation that
// produces it and the numbers it produces, read from the server's probe
// (engine/probe.py) as the inspector shows them. Pure: no DOM.
//
// A step: {key, phase: 'forward'|'backward'|'update', equation (text),
// detail (text), tags: [{layer, quantity, symbol, values, role}], links:
// {layer, values (m x n), bias (n)} | null, layer (whose weights it uses)}.
// A tag puts one number on each unit of a column (layer 0 = the inputs);
// role 'result' is what the equation computes, 'given' what it reads.

import { subText as sub, supText as sup } from './dom.js';
import { fmt, fmtVector } from './notation.js';

// What the probe calls each activation (engine module names), as the homework writes f.
const F = {
  ReLU: { name: 'ReLU', apply: (z) => `ReLU(${z})`, slope: 'f′(z) = 1 where z > 0, else 0' },
  Tanh: { name: 'tanh', apply: (z) => `tanh(${z})`, slope: 'f′(z) = 1 − tanh(z)²' },
  Sigmoid: { name: 'σ', apply: (z) => `σ(${z})`, slope: 'f′(z) = σ(z)(1 − σ(z))' },
  Identity: { name: 'linear', apply: (z) => z, slope: 'f′(z) = 1' },
  SoftMax: { name: 'softmax', apply: (z) => `softmax(${z})` },
  SigmoidOutput: { name: 'σ', apply: (z) => `σ(${z})` },
};

// dL/dz^L as the loss paired with each output module gives it (engine/losses.py):
// softmax + NLL and sigmoid + binary NLL give a - y, a linear output with the
// squared loss 2(a - y).
const OUTPUT_DELTA = {
  SoftMax: (L) => `∂L/∂z${sup(L)} = a${sup(L)} − y`,
  SigmoidOutput: (L) => `∂L/∂z${sup(L)} = a${sup(L)} − y`,
  Identity: (L) => `∂L/∂z${sup(L)} = 2 (a${sup(L)} − y)`,
};
const LOSS_NAME = { SoftMax: 'NLL', SigmoidOutput: 'NLL', Identity: 'squared loss' };

const f = (activation) => F[activation] ?? { name: activation, apply: (z) => `f(${z})`, slope: '' };
/** a^(l-1) by name: the input x for l = 1. */
const input = (l) => (l === 1 ? 'x' : `a${sup(l - 1)}`);

/** A unit's quantity as text: node('z', 2, 0) = "z²₁"; dL/d... for gradients. */
export function nodeName(quantity, layer, unit) {
  const base = { x: 'x', z: 'z', a: 'a', dLdz: '∂L/∂z', dLda: '∂L/∂a' }[quantity];
  return quantity === 'x' ? `x${sub(unit + 1)}` : `${base}${sup(layer)}${sub(unit + 1)}`;
}

/** A weight's gradient as text: ∂L/∂w^l_{i,j} (from input i to unit j, counted from 1). */
export function linkName(layer, i, j) {
  return `∂L/∂w${sup(layer)}${sub(i + 1)},${sub(j + 1)}`;
}

function forwardSteps(r) {
  const steps = [{
    key: 'x', phase: 'forward', layer: null, links: null,
    equation: `a⁰ = x = ${fmtVector(r.x)}`,
    detail: 'The point the inspector shows enters the network.',
    tags: [{ layer: 0, quantity: 'x', symbol: 'x', values: r.x, role: 'result' }],
  }];
  for (const layer of r.layers) {
    const l = layer.l;
    steps.push({
      key: `z-${l}`, phase: 'forward', layer: l, links: null,
      equation: `z${sup(l)} = W${sup(l)}ᵀ ${input(l)} + W${sub(0)}${sup(l)}`,
      detail: `Each unit j of layer ${l} sums its inputs times the weights into it, plus its bias: z${sup(l)}ⱼ = Σᵢ wᵢ,ⱼ ${input(l)}ᵢ + w₀,ⱼ.`,
      tags: [
        { layer: l - 1, quantity: l === 1 ? 'x' : 'a', symbol: input(l), values: l === 1 ? r.x : r.layers[l - 2].a, role: 'given' },
        { layer: l, quantity: 'z', symbol: `z${sup(l)}`, values: layer.z, role: 'result' },
      ],
    });
    const act = f(layer.activation);
    const last = l === r.layers.length;
    steps.push({
      key: `a-${l}`, phase: 'forward', layer: null, links: null,
      equation: `a${sup(l)} = ${act.apply(`z${sup(l)}`)}`,
      detail: last && r.output.probs
        ? `The output: class probabilities ${fmtVector(r.output.probs)}, predicted class ${r.output.class + 1}.`
        : `Layer ${l}'s activation ${act.name} applied to each unit's z.`,
      tags: [{ layer: l, quantity: 'a', symbol: `a${sup(l)}`, values: layer.a, role: 'result' }],
    });
  }
  return steps;
}

function backwardSteps(r) {
  const L = r.layers.length;
  const steps = [];
  const out = r.layers[L - 1];
  const target = r.target.label !== null && r.output.probs ? `class ${r.target.label + 1}, y = ${fmtVector(r.target.y)}` : `y = ${fmtVector(r.target.y)}`;
  steps.push({
    key: `dLdz-${L}`, phase: 'backward', layer: null, links: null,
    equation: (OUTPUT_DELTA[out.activation] ?? ((l) => `∂L/∂z${sup(l)}`))(L),
    detail: `Target ${target}; loss L = ${fmt(r.loss)} (${LOSS_NAME[out.activation] ?? 'the loss'}). The backward pass starts at the output.`,
    tags: [{ layer: L, quantity: 'dLdz', symbol: `∂L/∂z${sup(L)}`, values: out.dLdz, role: 'result' }],
  });
  for (let l = L; l >= 1; l--) {
    const layer = r.layers[l - 1];
    steps.push({
      key: `dLdW-${l}`, phase: 'backward', layer: l,
      links: { layer: l, values: layer.dLdW, bias: layer.dLdW0 },
      equation: `∂L/∂W${sup(l)} = ${input(l)} (∂L/∂z${sup(l)})ᵀ`,
      detail: `Each link's gradient is its input times its unit's ∂L/∂z; the biases' ∂L/∂W${sub(0)}${sup(l)} = ∂L/∂z${sup(l)}. Colour: sign, thickness: size.`,
      tags: [
        { layer: l - 1, quantity: l === 1 ? 'x' : 'a', symbol: input(l), values: l === 1 ? r.x : r.layers[l - 2].a, role: 'given' },
        { layer: l, quantity: 'dLdz', symbol: `∂L/∂z${sup(l)}`, values: layer.dLdz, role: 'given' },
      ],
    });
    if (l === 1) break;
    const below = r.layers[l - 2];
    steps.push({
      key: `dLda-${l - 1}`, phase: 'backward', layer: l, links: null,
      equation: `∂L/∂a${sup(l - 1)} = W${sup(l)} ∂L/∂z${sup(l)}`,
      detail: `Layer ${l}'s gradient flows back along the same weights to the units of layer ${l - 1}.`,
      tags: [
        { layer: l - 1, quantity: 'dLda', symbol: `∂L/∂a${sup(l - 1)}`, values: below.dLda, role: 'result' },
        { layer: l, quantity: 'dLdz', symbol: `∂L/∂z${sup(l)}`, values: layer.dLdz, role: 'given' },
      ],
    });
    const act = f(below.activation);
    steps.push({
      key: `dLdz-${l - 1}`, phase: 'backward', layer: null, links: null,
      equation: `∂L/∂z${sup(l - 1)} = ∂L/∂a${sup(l - 1)} ∗ f${sup(l - 1)}′(z${sup(l - 1)})`,
      detail: `f${sup(l - 1)} = ${act.name}: ${act.slope}. ∗ multiplies unit by unit.`,
      tags: [{ layer: l - 1, quantity: 'dLdz', symbol: `∂L/∂z${sup(l - 1)}`, values: below.dLdz, role: 'result' }],
    });
  }
  return steps;
}

function updateStep(r) {
  return {
    key: 'update', phase: 'update', layer: null, links: null, tags: [],
    moves: r.layers.map(({ W, W_after, W0, W0_after }) => ({ W, W_after, W0, W0_after })),
    equation: `Wˡ ← Wˡ − η ∂L/∂Wˡ  (η = ${fmt(r.lr)})`,
    detail: `The biases alike: W${sub(0)}ˡ ← W${sub(0)}ˡ − η ∂L/∂W${sub(0)}ˡ. "Apply this step" moves each weight; point at a link for its old → new value.`,
  };
}

/** The walkthrough of one probe result: forward, then (with a target) backward, then (with a rate) the step. */
export function walkSteps(result) {
  const steps = forwardSteps(result);
  if (!result.target || !result.layers[0].dLdz) return steps;
  steps.push(...backwardSteps(result));
  if (result.lr !== null && result.layers[0].W_after) steps.push(updateStep(result));
  return steps;
}
