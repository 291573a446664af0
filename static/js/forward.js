// One point through the network, in the page: the same z = W^T a + W0 as the
// engine, in float32, from the frame's weights. Used for hover read-outs only;
// every picture comes from the server.

const ACTIVATIONS = {
  relu: (z) => (z > 0 ? z : 0),
  tanh: Math.tanh,
  sigmoid: (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))),
  linear: (z) => z,
};

function softmax(z) {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => Math.fround(v / sum));
}

/**
 * Activations of every layer at x = [x1, x2].
 * weights: [{m, n, W, W0}] (decodeWeights); layers: [{units, activation}].
 * Returns [{z, a}] per layer (Float32Array each), the last one being the output.
 */
export function forward(weights, layers, x) {
  let a = Float32Array.from(x);
  const out = [];
  weights.forEach(({ m, n, W, W0 }, l) => {
    const z = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      let s = W0[j];
      for (let i = 0; i < m; i++) s += W[i * n + j] * a[i];
      z[j] = s;
    }
    const name = layers[l].activation;
    a = name === 'softmax' ? Float32Array.from(softmax(Array.from(z))) : z.map(ACTIVATIONS[name]);
    out.push({ z, a });
  });
  return out;
}

/** Class probabilities at x (a sigmoid output p becomes [1 - p, p]); raw outputs for a linear output. */
export function classProbabilities(weights, layers, x) {
  const out = forward(weights, layers, x).at(-1).a;
  if (layers.at(-1).activation === 'sigmoid' && out.length === 1) return [1 - out[0], out[0]];
  return Array.from(out);
}
